package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/e-toiles/etoiles/internal/reqid"
)

func TestTemplatesParse(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) < 10 {
		t.Errorf("parsed %d pages", len(pages))
	}
	v := &view{L: LocaleFor("en"), D: map[string]string{"Email": ""}}
	if err := pages["login"].Execute(io.Discard, v); err != nil {
		t.Error(err)
	}
}

// TestServerErrorShowsRequestID renders the page of an internal error: it
// shows the request's id (the one the log has) in the reader's language.
func TestServerErrorShowsRequestID(t *testing.T) {
	s := &Server{}
	if err := s.Init(); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/catalogue", nil).WithContext(reqid.With(context.Background(), "0123456789abcdef"))
	w := httptest.NewRecorder()
	s.failPage(w, r, &request{L: LocaleFor("de")}, http.StatusInternalServerError, "internal", "")
	body := w.Body.String()
	if w.Code != 500 || !strings.Contains(body, "<code>0123456789abcdef</code>") || !strings.Contains(body, LocaleFor("de").T("error.requestid")) {
		t.Errorf("500 page = %d, lacks the request id:\n%s", w.Code, body)
	}
	w = httptest.NewRecorder()
	s.failPage(w, r, &request{L: LocaleFor("de")}, http.StatusForbidden, "forbidden", "")
	if strings.Contains(w.Body.String(), "0123456789abcdef") {
		t.Error("a 403 page shows the request id; only server errors do")
	}
}
