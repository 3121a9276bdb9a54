package node

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error codes. Each maps to exactly one HTTP status in node/api.
const (
	EINVALID      = "invalid"      // bad input; Fields says which
	ENOTFOUND     = "not_found"    // no such thing
	ECONFLICT     = "conflict"     // the thing exists or changed under us
	EUNAUTHORIZED = "unauthorized" // no valid credentials
	EFORBIDDEN    = "forbidden"    // valid credentials, not allowed
	ETOOLARGE     = "too_large"    // body or collection over a limit
	EUNAVAILABLE  = "unavailable"  // a dependency is not ready
	EINTERNAL     = "internal"     // a bug or an unexpected failure
	ERATELIMITED  = "rate_limited" // too many requests
	EUNSUPPORTED  = "unsupported"  // a media type or feature we do not handle
)

// Error is the domain error. Code is one of the E* constants, Message is
// safe to show to the caller, Op names the operation that failed, Fields
// carries field-level details for EINVALID, and Err is the wrapped cause,
// which is logged but never shown.
type Error struct {
	Code    string
	Message string
	Op      string
	Fields  []FieldError
	Err     error
}

// FieldError says what is wrong with one input field. Field is a JSON
// pointer-like path such as "summary.xx" or "competences[2]".
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Error implements the error interface.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Code != "" {
		b.WriteString("<" + e.Code + "> ")
	}
	b.WriteString(e.Message)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Field, f.Reason)
	}
	if e.Err != nil {
		if e.Message != "" {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the safe message of the first *Error in err's chain,
// and a generic text for any other error.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	if err == nil {
		return ""
	}
	return "An internal error has occurred."
}

// ErrorFields returns the field errors of the first *Error in err's chain.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Problems collects field errors during validation.
type Problems []FieldError

// Add records that field is wrong for reason.
func (p *Problems) Add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// Err returns an EINVALID *Error listing the problems in field order, or
// nil when there are none.
func (p Problems) Err(op string) error {
	if len(p) == 0 {
		return nil
	}
	fields := append([]FieldError(nil), p...)
	sort.SliceStable(fields, func(i, j int) bool { return fields[i].Field < fields[j].Field })
	msg := "invalid input"
	if len(fields) == 1 {
		msg = fmt.Sprintf("invalid %s: %s", fields[0].Field, fields[0].Reason)
	} else {
		msg = fmt.Sprintf("%d invalid fields, first %s: %s", len(fields), fields[0].Field, fields[0].Reason)
	}
	return &Error{Code: EINVALID, Message: msg, Op: op, Fields: fields}
}
