package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/e-toiles/etoiles/internal/reqid"
	"github.com/e-toiles/etoiles/node"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	node.EINVALID:      http.StatusBadRequest,
	node.ENOTFOUND:     http.StatusNotFound,
	node.ECONFLICT:     http.StatusConflict,
	node.EUNAUTHORIZED: http.StatusUnauthorized,
	node.EFORBIDDEN:    http.StatusForbidden,
	node.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	node.EUNAVAILABLE:  http.StatusServiceUnavailable,
	node.EINTERNAL:     http.StatusInternalServerError,
	node.ERATELIMITED:  http.StatusTooManyRequests,
	node.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
}

// StatusOf returns the HTTP status for an error.
func StatusOf(err error) int {
	if s, ok := statusOf[node.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Problem is an RFC 9457 problem document. Code and Errors are extension
// members: the domain error code and the field-level details.
type Problem struct {
	Type     string            `json:"type"`
	Title    string            `json:"title"`
	Status   int               `json:"status"`
	Detail   string            `json:"detail,omitempty"`
	Instance string            `json:"instance,omitempty"`
	Code     string            `json:"code"`
	Errors   []node.FieldError `json:"errors,omitempty"`
	// RequestID is set on server errors: the id the node's log shows for
	// the request, to quote when reporting the problem.
	RequestID string `json:"request_id,omitempty"`
}

// ProblemType returns the type URI of a problem code.
func ProblemType(code string) string { return "urn:etoiles:problem:" + code }

// WriteError answers err as problem+json. Internal errors are logged with
// their cause and shown only as a generic message.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := node.ErrorCode(err)
	status := StatusOf(err)
	if code == node.EINTERNAL && log != nil {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	var nerr *node.Error
	if code == node.EUNAUTHORIZED && errors.As(err, &nerr) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="etoiles"`)
	}
	WriteProblem(w, r, Problem{
		Type:   ProblemType(code),
		Title:  http.StatusText(status),
		Status: status,
		Detail: node.ErrorMessage(err),
		Code:   code,
		Errors: node.ErrorFields(err),
	})
}

// WriteProblem writes a problem document.
func WriteProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	if p.Instance == "" && r != nil {
		p.Instance = r.URL.Path
	}
	if p.Status >= 500 && p.RequestID == "" && r != nil {
		p.RequestID = reqid.From(r.Context())
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
