package httpsig

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/e-toiles/etoiles/internal/sharedtest"
)

// cavageVector is one file of ../shared/testdata/httpsig/cavage.
type cavageVector struct {
	Case                string   `json:"case"`
	Request             string   `json:"request"`
	KeyID               string   `json:"key_id"`
	Algorithm           string   `json:"algorithm"`
	Headers             []string `json:"headers"`
	SigningString       string   `json:"signing_string"`
	Signature           string   `json:"signature"`
	SignatureHeader     string   `json:"signature_header"`
	AuthorizationHeader string   `json:"authorization_header"`
	PrintedHeader       string   `json:"signature_header_as_printed_in_draft_12"`
}

// rfc9421Vector is one file of ../shared/testdata/httpsig/rfc9421.
type rfc9421Vector struct {
	Case              string `json:"case"`
	MessageType       string `json:"message_type"`
	Request           string `json:"request"`
	Response          string `json:"response"`
	ConsistentResp    string `json:"response_consistent_with_signature_base"`
	Label             string `json:"label"`
	Algorithm         string `json:"algorithm"`
	KeyID             string `json:"key_id"`
	KeyFile           string `json:"key_file"`
	PublicKeyFile     string `json:"public_key_file"`
	SignatureParams   string `json:"signature_params"`
	SignatureBase     string `json:"signature_base"`
	SignatureInput    string `json:"signature_input"`
	Signature         string `json:"signature"`
	SignatureValueB64 string `json:"signature_value_b64"`
	Deterministic     bool   `json:"deterministic"`
}

// MustReadFile reads a file of the shared test data.
func MustReadFile(tb testing.TB, elem ...string) []byte {
	tb.Helper()
	b, err := os.ReadFile(sharedtest.Path(tb, elem...))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// MustReadJSON decodes a JSON file of the shared test data into v.
func MustReadJSON(tb testing.TB, v any, elem ...string) {
	tb.Helper()
	if err := json.Unmarshal(MustReadFile(tb, elem...), v); err != nil {
		tb.Fatalf("%s: %v", strings.Join(elem, "/"), err)
	}
}

// MustPublicKey reads a public key PEM file of the shared test data.
func MustPublicKey(tb testing.TB, elem ...string) crypto.PublicKey {
	tb.Helper()
	k, err := ParsePublicKeyPEM(MustReadFile(tb, elem...))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// MustPrivateKey reads a private key PEM file of the shared test data.
func MustPrivateKey(tb testing.TB, elem ...string) crypto.Signer {
	tb.Helper()
	k, err := ParsePrivateKeyPEM(MustReadFile(tb, elem...))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// MustReadRequest parses a raw HTTP/1.1 request as a server would, and
// returns it with its body.
func MustReadRequest(tb testing.TB, raw string) (*http.Request, []byte) {
	tb.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		tb.Fatal(err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return r, body
}

// MustWire sends a client request through HTTP/1.1 serialization and
// parses it back as a server would.
func MustWire(tb testing.TB, r *http.Request) (*http.Request, []byte) {
	tb.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return MustReadRequest(tb, buf.String())
}

// MustNewRequest builds a client request with body (nil for none).
func MustNewRequest(tb testing.TB, method, url string, body []byte) *http.Request {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, url, rd)
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

var testKeys struct {
	once  sync.Once
	rsa   [2]*rsa.PrivateKey
	ed    [2]ed25519.PrivateKey
	ecdsa *ecdsa.PrivateKey
}

// mustTestKeys generates, once per test binary, two RSA 2048 keys, two
// Ed25519 keys and one ECDSA P-256 key.
func mustTestKeys(tb testing.TB) {
	tb.Helper()
	var err error
	testKeys.once.Do(func() {
		for i := range 2 {
			if testKeys.rsa[i], err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
				return
			}
			if _, testKeys.ed[i], err = ed25519.GenerateKey(rand.Reader); err != nil {
				return
			}
		}
		testKeys.ecdsa, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	})
	if err != nil || testKeys.ecdsa == nil {
		tb.Fatalf("generate test keys: %v", err)
	}
}

// fakeKeys is a KeyGetter that returns keys[0] on the first call, keys[1]
// on the next, and so on (the last one repeats), and records the calls.
type fakeKeys struct {
	mu    sync.Mutex
	keys  []crypto.PublicKey
	owner string
	err   []error // per call, like keys; nil means no error
	calls []bool  // the refresh argument of each call
	ids   []string
}

func (f *fakeKeys) GetKey(_ context.Context, keyID string, refresh bool) (crypto.PublicKey, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.calls)
	f.calls = append(f.calls, refresh)
	f.ids = append(f.ids, keyID)
	if n < len(f.err) && f.err[n] != nil {
		return nil, "", f.err[n]
	}
	if len(f.keys) == 0 {
		return nil, "", errors.New("no such key")
	}
	return f.keys[min(n, len(f.keys)-1)], f.owner, nil
}

func keysOf(k ...crypto.PublicKey) *fakeKeys {
	return &fakeKeys{keys: k, owner: "https://fr.example/actor"}
}

// errorKind returns the sentinel that err wraps, or err itself.
func errorKind(err error) error {
	for _, k := range []error{ErrMissing, ErrMalformed, ErrUnsupportedAlg, ErrDigest, ErrNotSigned, ErrExpired, ErrKey, ErrBadSignature} {
		if errors.Is(err, k) {
			return k
		}
	}
	return err
}

func encode(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
