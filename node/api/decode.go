package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"golang.org/x/text/unicode/norm"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// MaxBodyBytes is the largest request body the API reads.
const MaxBodyBytes = 1 << 20

// Decode reads a JSON request body into v. It refuses other media types,
// bodies over MaxBodyBytes (413), invalid JSON, unknown fields, wrong types
// and trailing data (400), each with a detail naming what is wrong.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	const op = "decode request"
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && mt != "application/merge-patch+json" && !strings.HasSuffix(mt, "+json")) {
			return &node.Error{Code: node.EUNSUPPORTED, Op: op, Message: fmt.Sprintf("content type %q is not JSON", ct)}
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return &node.Error{Code: node.ETOOLARGE, Op: op, Message: fmt.Sprintf("request body is larger than %d bytes", MaxBodyBytes)}
	} else if err != nil {
		return &node.Error{Code: node.EINVALID, Op: op, Message: fmt.Sprintf("read request body: %v", err)}
	}
	// Text is kept in Unicode NFC: "é" typed as e + U+0301 and as U+00E9
	// is one name. JSON's structure is ASCII, so the document stays valid.
	body = norm.NFC.Bytes(body)
	if path, dup := duplicateKey(body); dup != "" {
		var p node.Problems
		p.Add(path, "names %q twice; each member may appear once", dup)
		return p.Err(op)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON value")
	} else if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			err = errors.New("trailing data after the JSON value")
		}
	}
	if err == nil {
		return nil
	}
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		b64Err    base64.CorruptInputError
	)
	var p node.Problems
	switch {
	case errors.Is(err, io.EOF):
		p.Add("body", "is empty; a JSON object is required")
	case errors.As(err, &syntaxErr):
		p.Add("body", "is not valid JSON at byte %d: %v", syntaxErr.Offset, syntaxErr)
	case errors.Is(err, io.ErrUnexpectedEOF):
		p.Add("body", "is truncated JSON")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		p.Add(field, "must be %s, not %s", jsonKind(typeErr.Type), typeErr.Value)
	case errors.As(err, &b64Err):
		// encoding/json does not say which field; []byte fields are uploads.
		p.Add("body", "holds a file that is not base64 (RFC 4648, standard alphabet, padded): bad data at byte %d of the value", int64(b64Err))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		p.Add(name, "is not a known field")
	default:
		p.Add("body", "%v", err)
	}
	return p.Err(op)
}

// jsonKind names the JSON kind a Go type decodes from, by its kind (a
// request type such as memberInput is an object, not a string).
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		if t == reflect.TypeFor[time.Time]() {
			return "a string"
		}
		return "an object"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a string" // []byte is base64
		}
		return "an array"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "a boolean"
	default:
		return "a string"
	}
}

// pageParams reads the limit and offset query parameters into the given
// fields, adding a problem for each that is not a whole number.
func pageParams(v url.Values, limit, offset *int, p *node.Problems) {
	for name, dst := range map[string]*int{"limit": limit, "offset": offset} {
		if s := v.Get(name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				p.Add(name, "must be a whole number")
			}
			*dst = n
		}
	}
}
