package node

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// News and calendar event subjects (see spec/events.md). Published is
// raised when an item becomes public (at once, or when its scheduled time
// comes), Updated on a change to a public item, Deleted when a public item
// is removed.
const (
	SubjectNewsPublished     = SubjectPrefix + "news.published"
	SubjectNewsUpdated       = SubjectPrefix + "news.updated"
	SubjectNewsDeleted       = SubjectPrefix + "news.deleted"
	SubjectCalendarPublished = SubjectPrefix + "calendar.published"
	SubjectCalendarUpdated   = SubjectPrefix + "calendar.updated"
	SubjectCalendarDeleted   = SubjectPrefix + "calendar.deleted"
)

// Limits on news items and images.
const (
	MaxNewsSummary  = 2000
	MaxNewsContent  = 100_000
	MaxImages       = 8
	MaxImageBytes   = 512 << 10 // an uploaded image, decoded
	MaxAltLen       = 1500
	MaxLicenseLen   = 500
	DefaultLicense  = "https://creativecommons.org/licenses/by-sa/4.0/"
	imageMediaTypes = "image/jpeg image/png image/gif image/webp"
)

// Author says who a news item or event comes from: the national group
// itself, or one of its member co-ops (Member set). Name is the display
// name, filled in by the service; for remote items it is what the peer
// sent.
type Author struct {
	Member string `json:"member,omitempty"`
	Name   string `json:"name,omitempty"`
}

// Image is an image attached to a news item. Local images are uploaded
// (Data, base64 in JSON) and served by the node at URL; remote ones keep
// the URL their node gave. Alt is the text alternative in each language of
// the item: it is required, as accessibility is data here.
type Image struct {
	ID        string            `json:"id,omitempty"`
	URL       string            `json:"url,omitempty"`
	MediaType string            `json:"media_type,omitempty"`
	Size      int               `json:"size,omitempty"`
	Alt       map[string]string `json:"alt"`
	Data      []byte            `json:"data,omitempty"`
}

// NewsItem is a news item of the national group or of a member co-op, or
// a remote one a peer published (Origin set). Title, Summary and Content
// are language maps with BCP 47 keys; Content is HTML, sanitised before it
// is stored. PublishAt in the future schedules the item: it stays private
// to its editors until then.
type NewsItem struct {
	ID        string            `json:"id"`
	Title     map[string]string `json:"title"`
	Summary   map[string]string `json:"summary"`
	Content   map[string]string `json:"content"`
	Author    Author            `json:"author"`
	Tags      []string          `json:"tags"`
	License   string            `json:"license"`
	Images    []Image           `json:"images"`
	Link      string            `json:"link,omitempty"` // original page (imported items, remote url)
	GUID      string            `json:"guid,omitempty"` // imported items: the feed entry's id
	PublishAt time.Time         `json:"publish_at"`
	Published bool              `json:"published"` // public (its Published event was raised)
	Origin    string            `json:"origin"`    // "local" or the peer actor URL
	APID      string            `json:"ap_id,omitempty"`
	Revision  int64             `json:"-"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Local reports whether the item belongs to this node.
func (n *NewsItem) Local() bool { return n.Origin == "" || n.Origin == OriginLocal }

// OriginLocal marks items of this node in listings.
const OriginLocal = "local"

// Languages returns the languages of the item: the keys of Title, sorted.
func (n *NewsItem) Languages() []string { return sortedKeys(n.Title) }

// Normalize trims text and canonicalises language tags and tags.
func (n *NewsItem) Normalize() {
	n.Title, n.Summary, n.Content = normMap(n.Title), normMap(n.Summary), normMap(n.Content)
	for i := range n.Tags {
		n.Tags[i] = strings.TrimPrefix(strings.TrimSpace(n.Tags[i]), "#")
	}
	n.Tags = nonNil(dedupe(n.Tags))
	n.License = strings.TrimSpace(n.License)
	for i := range n.Images {
		n.Images[i].Alt = normMap(n.Images[i].Alt)
	}
	if n.Images == nil {
		n.Images = []Image{}
	}
}

// Validate checks a normalised item; each problem names its field.
func (n *NewsItem) Validate() error {
	var p Problems
	if len(n.Title) == 0 {
		p.Add("title", "is required, in at least one language")
	}
	checkMap(&p, "title", n.Title, MaxTitleLen, true)
	checkMap(&p, "summary", n.Summary, MaxNewsSummary, false)
	checkMap(&p, "content", n.Content, MaxNewsContent, false)
	for k := range n.Summary {
		if _, ok := n.Title[k]; !ok && ValidLanguageTag(k) {
			p.Add("summary."+k, "has no title in language %s", k)
		}
	}
	for k := range n.Content {
		if _, ok := n.Title[k]; !ok && ValidLanguageTag(k) {
			p.Add("content."+k, "has no title in language %s", k)
		}
	}
	checkTags(&p, n.Tags)
	if n.License == "" {
		p.Add("license", "is required (a licence URL or SPDX identifier)")
	} else if utf8.RuneCountInString(n.License) > MaxLicenseLen {
		p.Add("license", "is longer than %d characters", MaxLicenseLen)
	}
	addURL(&p, "link", n.Link)
	if len(n.Images) > MaxImages {
		p.Add("images", "has more than %d images", MaxImages)
	}
	langs := n.Languages()
	for i, im := range n.Images {
		f := fmt.Sprintf("images[%d]", i)
		for _, l := range langs {
			if strings.TrimSpace(im.Alt[l]) == "" {
				p.Add(f+".alt."+l, "is required: describe the image for people who cannot see it, in every language of the item")
			}
		}
		for l, a := range im.Alt {
			if !ValidLanguageTag(l) {
				p.Add(f+".alt."+l, "%q is not a known BCP 47 language tag", l)
			} else if utf8.RuneCountInString(a) > MaxAltLen {
				p.Add(f+".alt."+l, "is longer than %d characters", MaxAltLen)
			}
		}
		if im.Data == nil && im.URL == "" {
			p.Add(f+".data", "is required: the image file, base64-encoded")
		}
		addURL(&p, f+".url", im.URL)
		if im.MediaType != "" && !strings.Contains(imageMediaTypes, im.MediaType) {
			p.Add(f+".data", "is %s; accepted: %s", im.MediaType, imageMediaTypes)
		}
	}
	return p.Err("validate news item")
}

// ImageTooLarge returns an ETOOLARGE error when an uploaded image is over
// MaxImageBytes, naming the field.
func ImageTooLarge(op string, index, size int) error {
	f := fmt.Sprintf("images[%d].data", index)
	return &Error{Code: ETOOLARGE, Op: op,
		Message: fmt.Sprintf("%s is %d bytes; an image may be at most %d bytes", f, size, MaxImageBytes),
		Fields:  []FieldError{{Field: f, Reason: fmt.Sprintf("is %d bytes; the limit is %d", size, MaxImageBytes)}}}
}

func normMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		out[CanonicalLanguageTag(strings.TrimSpace(k))] = v
	}
	return out
}

func checkMap(p *Problems, field string, m map[string]string, max int, single bool) {
	for k, v := range m {
		switch {
		case !ValidLanguageTag(k):
			p.Add(field+"."+k, "%q is not a known BCP 47 language tag", k)
		case utf8.RuneCountInString(v) > max:
			p.Add(field+"."+k, "is longer than %d characters", max)
		case single && strings.ContainsAny(v, "\r\n"):
			p.Add(field+"."+k, "must be one line")
		case single:
			checkName(p, field+"."+k, v)
		default:
			checkText(p, field+"."+k, v)
		}
	}
}

func checkTags(p *Problems, tags []string) {
	if len(tags) > MaxTags {
		p.Add("tags", "has more than %d tags", MaxTags)
	}
	for i, t := range tags {
		if t == "" || utf8.RuneCountInString(t) > MaxTagLen || strings.ContainsAny(t, " \t\r\n#") {
			p.Add(fmt.Sprintf("tags[%d]", i), "must be 1-%d characters without spaces", MaxTagLen)
		} else {
			checkName(p, fmt.Sprintf("tags[%d]", i), t)
		}
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// DefaultLanguage picks the language shown when one is needed: en if
// present, else the first in order.
func DefaultLanguage(m map[string]string) string {
	if _, ok := m["en"]; ok {
		return "en"
	}
	if k := sortedKeys(m); len(k) > 0 {
		return k[0]
	}
	return ""
}
