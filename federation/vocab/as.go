package vocab

import (
	"fmt"
	"time"
)

// asTerms are the ActivityStreams 2.0 terms SetAS may write.
var asTerms = map[string]bool{
	"startTime": true, "endTime": true, "location": true, "attachment": true, "tag": true,
	"mediaType": true, "url": true,
}

// SetAS sets an ActivityStreams term with a value go-ap cannot hold the
// way the wider Fediverse reads it: nested Place, Image and Hashtag
// objects, or times. v is encoded with encoding/json; a time.Time is
// written in RFC 3339, in UTC to the second.
func (b *Builder) SetAS(term string, v any) *Builder {
	if !asTerms[term] {
		return b.fail(fmt.Errorf("vocab: SetAS: %q is not an ActivityStreams term SetAS writes", term))
	}
	if t, ok := v.(time.Time); ok {
		v = t.UTC().Format(time.RFC3339)
	}
	b.setTerm(term, v)
	return b
}
