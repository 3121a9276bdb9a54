package web

import (
	"io"
	"testing"
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
