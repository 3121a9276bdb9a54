package reqid

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestMiddlewareAndLog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(Handler{slog.NewTextHandler(&buf, nil)}).With("component", "test")
	var seen string
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = From(r.Context())
		log.InfoContext(r.Context(), "hello")
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set(Header, "chosen-by-client")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	id := rec.Header().Get(Header)
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(id) || id != seen {
		t.Fatalf("response id %q, handler saw %q: want one fresh 16-hex id", id, seen)
	}
	if !strings.Contains(buf.String(), "request_id="+id) || !strings.Contains(buf.String(), "component=test") {
		t.Errorf("log line lacks the id or the attrs: %s", buf.String())
	}
	rec2 := httptest.NewRecorder()
	h.ServeHTTP(rec2, httptest.NewRequest("GET", "/", nil))
	if rec2.Header().Get(Header) == id {
		t.Error("two requests got one id")
	}
	buf.Reset()
	log.Info("outside a request")
	if strings.Contains(buf.String(), "request_id") {
		t.Errorf("a line outside any request has an id: %s", buf.String())
	}
}
