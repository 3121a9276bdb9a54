package news

import (
	"html"
	"sync"

	"github.com/microcosm-cc/bluemonday"
)

// policy keeps the HTML subset Mastodon renders (p br a span strong em ul
// ol li blockquote code pre, plus headings and b/i), with links limited to
// http, https and mailto and given rel="nofollow noopener". Scripts,
// styles, event handlers and every other attribute go.
var policy = sync.OnceValue(func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "span", "strong", "em", "b", "i", "u", "ul", "ol", "li", "blockquote", "code", "pre", "h2", "h3", "h4")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	p.AllowAttrs("lang").Globally()
	return p
})

// SanitizeHTML returns s reduced to the safe subset. It is applied to
// local content before it is stored and to remote content as it arrives.
func SanitizeHTML(s string) string { return policy().Sanitize(s) }

// SanitizeMap sanitises every value of a language map.
func SanitizeMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = SanitizeHTML(v)
	}
	return out
}

// StripHTML returns the text of s with every tag removed (for titles,
// summaries and alt text, which are plain text).
func StripHTML(s string) string { return html.UnescapeString(strict().Sanitize(s)) }

var strict = sync.OnceValue(bluemonday.StrictPolicy)

// StripMap strips the tags from every value of a language map.
func StripMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = StripHTML(v)
	}
	return out
}
