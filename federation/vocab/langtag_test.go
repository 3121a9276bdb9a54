package vocab_test

import (
	"testing"

	"github.com/e-toiles/etoiles/federation/vocab"
)

func TestValidLanguageTag(t *testing.T) {
	tests := map[string]bool{
		"en": true, "fr": true, "FR": true, "und": true, "pt-BR": true, "zh-Hant-TW": true,
		"es-419": true, "de-CH-1901": true, "sl-rozaj-biske": true, "zh-yue": true,
		"zh-min-nan": true, "en-a-bbb-x-a-ccc": true, "x-whatever": true, "i-klingon": true,
		"en-GB-oed": true, "ast": true, "gsw-u-sd-chzh": true, "qaa": true,
		"": false, "de-419-DE": false, "sp": false, "english": true, // 5-8 letters are reserved but well-formed
		"e": false, "en-": false, "-en": false, "en--US": false, "en_US": false, "123": false,
		"en-a": false, "en-x": false, "toolongsubtag": false, "en-US-x-": false, "@none": false,
	}
	for tag, want := range tests {
		if got := vocab.ValidLanguageTag(tag); got != want {
			t.Errorf("ValidLanguageTag(%q) = %v, want %v", tag, got, want)
		}
	}
}
