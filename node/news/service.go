package news

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// Store persists news items, calendar events and uploaded images. Each
// write stores the change and its events in one transaction.
type Store interface {
	CreateNews(ctx context.Context, n *node.NewsItem, events []node.Event) error
	GetNews(ctx context.Context, id string) (*node.NewsItem, error)
	UpdateNews(ctx context.Context, n *node.NewsItem, events []node.Event) error
	DeleteNews(ctx context.Context, id string, events []node.Event) error
	ListNews(ctx context.Context, q Query) ([]*node.NewsItem, error)
	// DueNews returns local items not yet public whose time has come.
	DueNews(ctx context.Context, now time.Time) ([]*node.NewsItem, error)
	// NewsByGUID returns the local item imported from a feed entry.
	NewsByGUID(ctx context.Context, guid string) (*node.NewsItem, error)

	CreateCalendarEvent(ctx context.Context, e *node.CalendarEvent, events []node.Event) error
	GetCalendarEvent(ctx context.Context, id string) (*node.CalendarEvent, error)
	UpdateCalendarEvent(ctx context.Context, e *node.CalendarEvent, events []node.Event) error
	DeleteCalendarEvent(ctx context.Context, id string, events []node.Event) error
	ListCalendarEvents(ctx context.Context, q Query) ([]*node.CalendarEvent, error)

	GetMember(ctx context.Context, id string) (*node.Member, error)
}

// Query filters listings. Origin is "local", "remote" or "" (both);
// Unpublished includes scheduled local news (editors only); Since keeps
// news published, or events ending, at or after it; Until keeps news
// published, or events starting, before it.
type Query struct {
	Origin      string
	Unpublished bool
	Since       time.Time
	Until       time.Time
	Limit       int
	Offset      int
}

// Service implements the news and calendar use cases. Store is required.
type Service struct {
	Store Store
	// GroupName is the national group's name, the author of items not
	// written for a member co-op.
	GroupName string
	// MediaURL returns the public URL of an uploaded image.
	MediaURL func(id string) string
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// Committed is called after every write that raised events.
	Committed func()
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) committed(events []node.Event) {
	if s.Committed != nil && len(events) > 0 {
		s.Committed()
	}
}

// NewID returns a random id for a news item or event.
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Actor says who writes: an admin (Member empty) writes as the group or
// for any member co-op; a member writes as its own co-op only.
type Actor struct {
	Admin  bool
	Member string
}

func (s *Service) author(ctx context.Context, op string, who Actor, a node.Author) (node.Author, error) {
	if !who.Admin {
		if a.Member != "" && a.Member != who.Member {
			return a, &node.Error{Code: node.EFORBIDDEN, Op: op, Message: "a member token writes as its own co-op only"}
		}
		a.Member = who.Member
	}
	if a.Member == "" {
		return node.Author{Name: s.GroupName}, nil
	}
	m, err := s.Store.GetMember(ctx, a.Member)
	if err != nil || m.Origin != "" || !m.Status.Active() {
		var p node.Problems
		p.Add("author.member", "%q is not an active member co-op of this group", a.Member)
		return a, p.Err(op)
	}
	return node.Author{Member: m.ID, Name: m.Name}, nil
}

// mayEdit refuses a member editing another co-op's item, or anyone
// editing a remote item.
func mayEdit(op string, who Actor, origin string, a node.Author) error {
	if origin != "" && origin != node.OriginLocal {
		return &node.Error{Code: node.EFORBIDDEN, Op: op, Message: "this item belongs to node " + origin + " and is edited there"}
	}
	if !who.Admin && a.Member != who.Member {
		return &node.Error{Code: node.EFORBIDDEN, Op: op, Message: "a member token may edit only its own co-op's items"}
	}
	return nil
}

// sniffImage returns the media type of an image from its first bytes,
// "" when it is none of JPEG, PNG, GIF and WebP.
func sniffImage(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return "image/gif"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}

// prepareImages checks uploaded images: size, type (sniffed, not
// trusted from the client), declared dimensions, re-encodes them, and
// gives each an id and URL.
func (s *Service) prepareImages(op string, n *node.NewsItem, old []node.Image) error {
	kept := map[string]node.Image{}
	for _, im := range old {
		kept[im.ID] = im
	}
	for i := range n.Images {
		im := &n.Images[i]
		if im.Data == nil {
			if prev, ok := kept[im.ID]; ok && im.ID != "" {
				im.URL, im.MediaType, im.Size = prev.URL, prev.MediaType, prev.Size
				continue
			}
			if im.ID != "" {
				var p node.Problems
				p.Add(fmt.Sprintf("images[%d].id", i), "%q is not an image of this item", im.ID)
				return p.Err(op)
			}
			continue // Validate reports the missing data
		}
		if len(im.Data) > node.MaxImageBytes {
			return node.ImageTooLarge(op, i, len(im.Data))
		}
		data, mediaType, err := reencode(im.Data)
		if err != nil {
			var p node.Problems
			p.Add(fmt.Sprintf("images[%d].data", i), "%v", err)
			return p.Err(op)
		}
		if len(data) > 2*node.MaxImageBytes {
			var p node.Problems
			p.Add(fmt.Sprintf("images[%d].data", i), "is %d bytes once re-encoded; save it smaller (at most %d bytes)", len(data), node.MaxImageBytes)
			return p.Err(op)
		}
		im.Data, im.MediaType, im.Size = data, mediaType, len(data)
		im.ID = NewID()
		if s.MediaURL != nil {
			im.URL = s.MediaURL(im.ID)
		}
	}
	return nil
}

// CreateNews writes a local news item. PublishAt zero or past publishes
// it now; a future one schedules it.
func (s *Service) CreateNews(ctx context.Context, who Actor, n *node.NewsItem) (*node.NewsItem, error) {
	const op = "create news"
	n.Origin, n.APID, n.Published = node.OriginLocal, "", false
	if n.ID == "" {
		n.ID = NewID()
	}
	if n.License == "" {
		n.License = node.DefaultLicense
	}
	a, err := s.author(ctx, op, who, n.Author)
	if err != nil {
		return nil, err
	}
	n.Author = a
	if err := s.prepareImages(op, n, nil); err != nil {
		return nil, err
	}
	if err := s.checkNews(n); err != nil {
		return nil, err
	}
	now := s.now()
	n.CreatedAt, n.UpdatedAt = now, now
	if n.PublishAt.IsZero() || !n.PublishAt.After(now) {
		if n.PublishAt.IsZero() {
			n.PublishAt = now
		}
		n.Published = true
	}
	var events []node.Event
	if n.Published {
		ev, err := node.NewEvent(node.SubjectNewsPublished, n.ID, now, wire(n))
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	if err := s.Store.CreateNews(ctx, n, events); err != nil {
		return nil, err
	}
	s.committed(events)
	return n, nil
}

func (s *Service) checkNews(n *node.NewsItem) error {
	n.Normalize()
	// Title, summary and alt text are plain text, escaped wherever they
	// are shown; content is HTML, reduced to the safe subset.
	n.Content = SanitizeMap(n.Content)
	return n.Validate()
}

// wire returns the item as events carry it: without image bytes.
func wire(n *node.NewsItem) *node.NewsItem {
	c := *n
	c.Images = make([]node.Image, len(n.Images))
	for i, im := range n.Images {
		im.Data = nil
		c.Images[i] = im
	}
	return &c
}

// GetNews returns an item; a scheduled one only to its editors.
func (s *Service) GetNews(ctx context.Context, id string, editor bool) (*node.NewsItem, error) {
	n, err := s.Store.GetNews(ctx, id)
	if err != nil {
		return nil, err
	}
	if !n.Published && !editor {
		return nil, node.Errorf(node.ENOTFOUND, "no news item %s", id)
	}
	return n, nil
}

// ListNews lists items, newest first.
func (s *Service) ListNews(ctx context.Context, q Query) ([]*node.NewsItem, error) {
	return s.Store.ListNews(ctx, q)
}

// NewsPatch lists the fields of a news item to change; nil stays.
type NewsPatch struct {
	Title     *map[string]string `json:"title"`
	Summary   *map[string]string `json:"summary"`
	Content   *map[string]string `json:"content"`
	Tags      *[]string          `json:"tags"`
	License   *string            `json:"license"`
	Images    *[]node.Image      `json:"images"`
	PublishAt *time.Time         `json:"publish_at"`
}

// UpdateNews applies a patch to a local item.
func (s *Service) UpdateNews(ctx context.Context, who Actor, id string, p NewsPatch) (*node.NewsItem, error) {
	const op = "update news"
	n, err := s.Store.GetNews(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := mayEdit(op, who, n.Origin, n.Author); err != nil {
		return nil, err
	}
	old := n.Images
	if p.Title != nil {
		n.Title = *p.Title
	}
	if p.Summary != nil {
		n.Summary = *p.Summary
	}
	if p.Content != nil {
		n.Content = *p.Content
	}
	if p.Tags != nil {
		n.Tags = *p.Tags
	}
	if p.License != nil {
		n.License = *p.License
	}
	if p.Images != nil {
		n.Images = *p.Images
	}
	now := s.now()
	if p.PublishAt != nil {
		if n.Published {
			var pr node.Problems
			pr.Add("publish_at", "cannot change: the item is already published")
			return nil, pr.Err(op)
		}
		n.PublishAt = p.PublishAt.UTC()
	}
	if err := s.prepareImages(op, n, old); err != nil {
		return nil, err
	}
	if err := s.checkNews(n); err != nil {
		return nil, err
	}
	n.UpdatedAt = now
	var events []node.Event
	subject := node.SubjectNewsUpdated
	if !n.Published && !n.PublishAt.After(now) {
		n.Published, subject = true, node.SubjectNewsPublished
	}
	if n.Published {
		ev, err := node.NewEvent(subject, n.ID, now, wire(n))
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	if err := s.Store.UpdateNews(ctx, n, events); err != nil {
		return nil, err
	}
	s.committed(events)
	return n, nil
}

// DeleteNews removes a local item; a public one raises a Deleted event.
func (s *Service) DeleteNews(ctx context.Context, who Actor, id string) error {
	const op = "delete news"
	n, err := s.Store.GetNews(ctx, id)
	if err != nil {
		return err
	}
	if err := mayEdit(op, who, n.Origin, n.Author); err != nil {
		return err
	}
	var events []node.Event
	if n.Published {
		now := s.now()
		n.UpdatedAt = now
		ev, err := node.NewEvent(node.SubjectNewsDeleted, n.ID, now, wire(n))
		if err != nil {
			return err
		}
		events = append(events, ev)
	}
	if err := s.Store.DeleteNews(ctx, id, events); err != nil {
		return err
	}
	s.committed(events)
	return nil
}

// PublishDue publishes the scheduled items whose time has come and
// returns how many. serve calls it every minute.
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	now := s.now()
	due, err := s.Store.DueNews(ctx, now)
	if err != nil {
		return 0, err
	}
	for _, n := range due {
		n.Published, n.UpdatedAt = true, now
		ev, err := node.NewEvent(node.SubjectNewsPublished, n.ID, now, wire(n))
		if err != nil {
			return 0, err
		}
		if err := s.Store.UpdateNews(ctx, n, []node.Event{ev}); err != nil {
			return 0, err
		}
		s.committed([]node.Event{ev})
	}
	return len(due), nil
}
