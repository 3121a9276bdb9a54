package vocab_test

import (
	"bytes"
	"encoding/json"
	"testing"

	ap "github.com/go-ap/activitypub"

	"github.com/e-toiles/etoiles/federation/vocab"
)

func compactCreate(b *testing.B) []byte {
	b.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(mastodonCreate)); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkDecodeCreateNote(b *testing.B) {
	doc := compactCreate(b)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := vocab.Decode(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRoundTripCreateNote(b *testing.B) {
	doc := compactCreate(b)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		it, err := vocab.Decode(doc)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := vocab.Encode(it); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGoAPDecodeCreateNote(b *testing.B) {
	doc := compactCreate(b)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ap.UnmarshalJSON(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGoAPRoundTripCreateNote(b *testing.B) {
	doc := compactCreate(b)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		it, err := ap.UnmarshalJSON(doc)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ap.MarshalJSON(it); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshalCreateOrganization(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := shapes["create-organization"]().Marshal(); err != nil {
			b.Fatal(err)
		}
	}
}
