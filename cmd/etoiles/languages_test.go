package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/e-toiles/etoiles/node/web"
)

// TestLanguagesFlags checks --languages and --default-language: a
// language without catalogue and a default not offered are refused with
// the flag named, and a valid choice narrows the switcher.
func TestLanguagesFlags(t *testing.T) {
	saved := web.Languages
	t.Cleanup(func() { _ = web.Configure(saved, "en") })
	for _, tt := range []struct{ langs, def, wantErr string }{
		{"de,zz", "", `"zz"`},
		{"de,fr", "it", `"it"`},
	} {
		c := DefaultConfig()
		c.Languages, c.DefaultLanguage = tt.langs, tt.def
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "--languages") {
			t.Errorf("Validate(--languages %s --default-language %s) = %v, want an error naming %s", tt.langs, tt.def, err, tt.wantErr)
		}
	}
	c := DefaultConfig()
	c.Languages, c.DefaultLanguage = " de , fr", "fr"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(web.Languages, []string{"de", "fr"}) || web.LocaleFor("pt-XX").Tag != "fr" {
		t.Errorf("after --languages de,fr: %v, fallback %s", web.Languages, web.LocaleFor("pt-XX").Tag)
	}
}
