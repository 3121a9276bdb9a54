package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/news"
)

// ContentStore is what federation needs for news items and calendar
// events, the public content that goes to all followers.
type ContentStore interface {
	GetNews(ctx context.Context, id string) (*node.NewsItem, error)
	GetCalendarEvent(ctx context.Context, id string) (*node.CalendarEvent, error)
	UpsertRemoteNews(ctx context.Context, activityID, typ string, n *node.NewsItem) error
	UpsertRemoteCalendarEvent(ctx context.Context, activityID, typ string, e *node.CalendarEvent) error
	// DeleteRemoteContent deletes a remote news item or event; found is
	// false when none has that id, and nothing is recorded then.
	DeleteRemoteContent(ctx context.Context, activityID, origin, apID string, revision int64) (found bool, err error)
}

// Subjects of the public content events.
const (
	SubjectNews     = "etoiles.event.news.>"
	SubjectCalendar = "etoiles.event.calendar.>"
)

// News is the Article of a local news item; its human-readable page has
// the same URL (content negotiation).
func (u URIs) News(id string) string { return u.Base + "/news/" + url.PathEscape(id) }

// CalendarEvent is the Event of a local calendar event.
func (u URIs) CalendarEvent(id string) string { return u.Base + "/events/" + url.PathEscape(id) }

// Tag is the page of a hashtag.
func (u URIs) Tag(tag string) string { return u.Base + "/tags/" + url.PathEscape(strings.ToLower(tag)) }

// followers returns everyone who receives public content: trusted peers
// and public followers (any Fediverse actor following the group), not
// blocked, with an inbox.
func (f *Federation) followers(ctx context.Context) ([]*node.Peer, error) {
	peers, err := f.store.Peers(ctx)
	if err != nil {
		return nil, err
	}
	var out []*node.Peer
	for _, p := range peers {
		if !p.Blocked && p.Incoming == node.FollowAccepted && p.DeliveryInbox() != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

// fanOutContent turns a news or calendar event into Create, Update or
// Delete for all followers, addressed to Public with the followers
// collection in cc, as Mastodon expects of a public post.
func (f *Federation) fanOutContent(ctx context.Context, data []byte) error {
	var ev node.Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return &permanentError{fmt.Errorf("event: %w", err)}
	}
	id := f.uris.EventActivity(ev.ID)
	var obj *vocab.Builder
	verb := ev.Subject[strings.LastIndexByte(ev.Subject, '.')+1:]
	switch {
	case strings.HasPrefix(ev.Subject, node.SubjectPrefix+"news."):
		var n node.NewsItem
		if err := json.Unmarshal(ev.Data, &n); err != nil {
			return &permanentError{fmt.Errorf("event %d: %w", ev.ID, err)}
		}
		obj = f.newsObject(&n)
		if verb == "deleted" {
			obj = vocab.NewTombstone(f.uris.News(n.ID), "Article", ev.Time).Set(revisionTerm, strconv.FormatInt(n.UpdatedAt.UnixNano(), 10))
		}
	case strings.HasPrefix(ev.Subject, node.SubjectPrefix+"calendar."):
		var e node.CalendarEvent
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return &permanentError{fmt.Errorf("event %d: %w", ev.ID, err)}
		}
		obj = f.eventObject(&e)
		if verb == "deleted" {
			obj = vocab.NewTombstone(f.uris.CalendarEvent(e.ID), "Event", ev.Time).Set(revisionTerm, strconv.FormatInt(e.UpdatedAt.UnixNano(), 10))
		}
	default:
		return nil
	}
	typ := map[string]string{"published": "Create", "updated": "Update", "deleted": "Delete"}[verb]
	if typ == "" {
		return nil
	}
	act := vocab.NewActivity(typ, id, f.uris.Actor(), obj).SetPublished(ev.Time)
	targets, err := f.followers(ctx)
	if err != nil {
		return err
	}
	act.SetTo(vocab.Public).SetCc(f.uris.Followers())
	body, err := act.Marshal()
	if err != nil {
		return f.unbuilt(ctx, id, err, targets...)
	}
	if err := f.store.AddOutboxItem(ctx, node.OutboxItem{ActivityID: id, Public: true, Body: body, Published: f.now().UTC()}); err != nil {
		return err
	}
	return f.deliverTo(ctx, id, body, targets)
}

// newsObject renders a news item as an Article that Mastodon-compatible
// software shows: sanitised HTML content, url to the page, published and
// updated, to Public and cc followers, hashtags and described images.
func (f *Federation) newsObject(n *node.NewsItem) *vocab.Builder {
	id := f.uris.News(n.ID)
	lang := node.DefaultLanguage(n.Title)
	b := vocab.NewObject("Article", id).
		SetAttributedTo(f.uris.Actor()).
		SetURL(id).
		SetPublished(n.PublishAt).
		SetUpdated(n.UpdatedAt).
		SetName(lang, n.Title).
		SetTo(vocab.Public).SetCc(f.uris.Followers()).
		Set(revisionTerm, strconv.FormatInt(n.UpdatedAt.UnixNano(), 10))
	// The summary goes in abstract, not summary: Mastodon shows summary
	// as a content warning that hides the post. Content without one
	// starts with it, so that generic software shows something.
	if len(n.Summary) > 0 {
		b.Set("abstract", n.Summary)
	}
	content := map[string]string{}
	for l, c := range n.Content {
		content[l] = c
	}
	for l, t := range n.Summary {
		if _, ok := content[l]; !ok {
			content[l] = "<p>" + escapeText(t) + "</p>"
		}
	}
	if len(content) > 0 {
		b.SetContent(node.DefaultLanguage(content), news.SanitizeMap(content))
	}
	if n.License != "" {
		b.Set("license", n.License)
	}
	if n.Author.Name != "" {
		b.Set("authorName", n.Author.Name)
	}
	if n.Author.Member != "" {
		b.Set("authorMember", f.uris.Member(n.Author.Member))
	}
	if tags := f.hashtags(n.Tags); len(tags) > 0 {
		b.SetAS("tag", tags)
	}
	if len(n.Images) > 0 {
		att := make([]map[string]any, 0, len(n.Images))
		for _, im := range n.Images {
			a := map[string]any{"type": "Image", "mediaType": im.MediaType, "url": im.URL}
			if l := alternative(im.Alt, lang); l != "" {
				a["name"] = im.Alt[l]
				a["nameMap"] = im.Alt
			}
			att = append(att, a)
		}
		b.SetAS("attachment", att)
	}
	return b
}

func alternative(m map[string]string, lang string) string {
	if _, ok := m[lang]; ok {
		return lang
	}
	return node.DefaultLanguage(m)
}

func (f *Federation) hashtags(tags []string) []map[string]any {
	out := make([]map[string]any, 0, len(tags))
	for _, t := range tags {
		out = append(out, map[string]any{"type": "Hashtag", "name": "#" + t, "href": f.uris.Tag(t)})
	}
	return out
}

// onlineAddressName names the attachment Link that carries an event's
// online address, as Mobilizon writes and reads it.
const onlineAddressName = "Website"

// eventStatusTerms maps statuses to FEP-8a8e eventStatus and Mobilizon's
// ical:status.
var eventStatusTerms = map[node.EventStatus][2]string{
	node.EventConfirmed: {"EventScheduled", "CONFIRMED"},
	node.EventTentative: {"EventTentative", "TENTATIVE"},
	node.EventCancelled: {"EventCancelled", "CANCELLED"},
}

// eventObject renders a calendar event as an Event with the FEP-8a8e
// terms Mobilizon reads: startTime, endTime, timezone, location (a Place
// with a PostalAddress, or a VirtualLocation), joinMode,
// externalParticipationUrl, maximumAttendeeCapacity, category and status.
func (f *Federation) eventObject(e *node.CalendarEvent) *vocab.Builder {
	id := f.uris.CalendarEvent(e.ID)
	b := vocab.NewObject("Event", id).
		SetAttributedTo(f.uris.Actor()).
		SetURL(id).
		SetPublished(e.CreatedAt).
		SetUpdated(e.UpdatedAt).
		SetName(node.DefaultLanguage(e.Name), e.Name).
		SetTo(vocab.Public).SetCc(f.uris.Followers()).
		SetAS("startTime", e.Start).
		SetAS("endTime", e.End).
		Set("timezone", e.Timezone).
		Set("joinMode", string(e.JoinMode)).
		Set("category", e.Category).
		Set("isOnline", e.Address == nil).
		Set("anonymousParticipationEnabled", false).
		Set(revisionTerm, strconv.FormatInt(e.UpdatedAt.UnixNano(), 10))
	if len(e.Description) > 0 {
		b.SetContent(node.DefaultLanguage(e.Description), news.SanitizeMap(e.Description))
	}
	if st, ok := eventStatusTerms[e.Status]; ok {
		b.Set("eventStatus", st[0]).Set("ical:status", st[1])
	}
	if e.JoinURL != "" {
		b.Set("externalParticipationUrl", e.JoinURL)
	}
	if e.Capacity > 0 {
		b.Set("maximumAttendeeCapacity", e.Capacity)
	}
	if e.Author.Name != "" {
		b.Set("authorName", e.Author.Name)
	}
	// Mobilizon reads one Place in location and the online address as a
	// Link named "Website" in attachment; FEP-8a8e's VirtualLocation
	// stands in location when there is no venue.
	if a := e.Address; a != nil {
		addr := map[string]any{"type": "PostalAddress"}
		for k, v := range map[string]string{"streetAddress": a.Street, "addressLocality": a.Locality, "postalCode": a.Postcode, "addressRegion": a.Region, "addressCountry": a.Country} {
			if v != "" {
				addr[k] = v
			}
		}
		name := a.Name
		if name == "" {
			name = strings.TrimSpace(a.Street + " " + a.Locality)
		}
		b.SetAS("location", map[string]any{"type": "Place", "name": name, "address": addr})
	} else if e.OnlineURL != "" {
		b.SetAS("location", map[string]any{"type": "VirtualLocation", "url": e.OnlineURL})
	}
	if e.OnlineURL != "" {
		b.SetAS("attachment", []map[string]any{{"type": "Link", "name": onlineAddressName, "mediaType": "text/html", "href": e.OnlineURL}})
	}
	b.SetAS("mediaType", "text/html")
	acc := map[string]any{"captions": e.Accessibility.Captions, "stepFree": e.Accessibility.StepFree}
	if e.Accessibility.SignLanguage != "" {
		acc["signLanguage"] = e.Accessibility.SignLanguage
	}
	b.Set("accessibility", acc)
	if tags := f.hashtags(e.Tags); len(tags) > 0 {
		b.SetAS("tag", tags)
	}
	return b
}

func escapeText(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}

// applyContent stores an Article or Event a trusted peer created or
// updated. Remote HTML is sanitised here, on the way in. It reports
// handled=false for other object types.
func (f *Federation) applyContent(ctx context.Context, act, obj *vocab.Item, origin string) (handled bool, err error) {
	switch {
	case obj.Is("Article"), obj.Is("Note") && obj.Get("name") != nil:
		n := remoteNews(obj, origin, f.urlCheck(ctx, "news", obj.ID()).keep)
		if len(n.Title) == 0 {
			return true, refuse("%s has no name", obj.ID())
		}
		return true, f.store.UpsertRemoteNews(ctx, act.ID(), firstType(act), n)
	case obj.Is("Event"):
		e, err := remoteEvent(obj, origin, f.urlCheck(ctx, "event", obj.ID()).keep)
		if err != nil {
			return true, &permanentError{err}
		}
		return true, f.store.UpsertRemoteCalendarEvent(ctx, act.ID(), firstType(act), e)
	}
	return false, nil
}

func textMap(it *vocab.Item, term string) map[string]string {
	switch term {
	case "name":
		return it.NameMap()
	case "summary":
		return it.SummaryMap()
	}
	return it.ContentMap()
}

func timeOf(it *vocab.Item, term string) time.Time {
	var t time.Time
	if raw := it.Get(term); raw != nil {
		_ = json.Unmarshal(raw, &t)
	}
	return t.UTC()
}

func stringOf(it *vocab.Item, term string) string {
	var s string
	if raw := it.Get(term); raw != nil {
		_ = json.Unmarshal(raw, &s)
	}
	return s
}

func remoteNews(obj *vocab.Item, origin string, keep func(field, u string) string) *node.NewsItem {
	n := &node.NewsItem{
		Title: textMap(obj, "name"), Summary: news.StripMap(abstractOf(obj)),
		Content: news.SanitizeMap(textMap(obj, "content")), Origin: origin, APID: obj.ID(), Published: true,
		PublishAt: timeOf(obj, "published"), UpdatedAt: timeOf(obj, "updated"), Revision: revisionOf(obj),
		License: stringOf(obj, "license"),
	}
	n.Author.Name = news.StripHTML(stringOf(obj, "authorName"))
	if u := keep("url", first(obj.IRIs("url"))); u != "" && sameHost(u, origin) {
		n.Link = u
	} else {
		n.Link = obj.ID()
	}
	for _, t := range obj.Items("tag") {
		if t.Is("Hashtag") {
			n.Tags = append(n.Tags, strings.TrimPrefix(stringOf(t, "name"), "#"))
		}
	}
	for _, a := range obj.Items("attachment") {
		if a.IsIRI() || !(a.Is("Image") || a.Is("Document")) {
			continue
		}
		im := node.Image{URL: keep("attachment.url", first(a.IRIs("url"))), MediaType: stringOf(a, "mediaType"), Alt: news.StripMap(a.NameMap())}
		if im.URL != "" {
			n.Images = append(n.Images, im)
		}
	}
	if n.PublishAt.IsZero() {
		n.PublishAt = time.Now().UTC()
	}
	if n.UpdatedAt.IsZero() {
		n.UpdatedAt = n.PublishAt
	}
	n.CreatedAt = n.PublishAt
	n.Normalize()
	return n
}

// abstractOf reads the summary of an Article: our abstract language map,
// else summary (what other software sends).
func abstractOf(obj *vocab.Item) map[string]string {
	var m map[string]string
	if raw := obj.Get("abstract"); raw != nil && json.Unmarshal(raw, &m) == nil && len(m) > 0 {
		return m
	}
	return obj.SummaryMap()
}

var statusOfTerm = map[string]node.EventStatus{
	"EventScheduled": node.EventConfirmed, "EventTentative": node.EventTentative, "EventCancelled": node.EventCancelled,
	"CONFIRMED": node.EventConfirmed, "TENTATIVE": node.EventTentative, "CANCELLED": node.EventCancelled,
}

func remoteEvent(obj *vocab.Item, origin string, keep func(field, u string) string) (*node.CalendarEvent, error) {
	e := &node.CalendarEvent{
		Name: textMap(obj, "name"), Description: news.SanitizeMap(textMap(obj, "content")),
		Start: timeOf(obj, "startTime"), End: timeOf(obj, "endTime"), Timezone: stringOf(obj, "timezone"),
		JoinMode: node.JoinMode(stringOf(obj, "joinMode")), JoinURL: keep("externalParticipationUrl", stringOf(obj, "externalParticipationUrl")),
		Category: stringOf(obj, "category"), Origin: origin, APID: obj.ID(), Published: true, Revision: revisionOf(obj),
		CreatedAt: timeOf(obj, "published"), UpdatedAt: timeOf(obj, "updated"),
	}
	e.Author.Name = news.StripHTML(stringOf(obj, "authorName"))
	if u := keep("url", first(obj.IRIs("url"))); u != "" && sameHost(u, origin) {
		e.Link = u
	} else {
		e.Link = obj.ID()
	}
	if st, ok := statusOfTerm[stringOf(obj, "eventStatus")]; ok {
		e.Status = st
	} else if st, ok := statusOfTerm[stringOf(obj, "ical:status")]; ok {
		e.Status = st
	}
	if raw := obj.Get("maximumAttendeeCapacity"); raw != nil {
		_ = json.Unmarshal(raw, &e.Capacity)
	}
	for _, loc := range obj.Items("location") {
		switch {
		case loc.Is("VirtualLocation"):
			e.OnlineURL = keep("location.url", first(loc.IRIs("url")))
		case !loc.IsIRI():
			a := &node.Address{Name: stringOf(loc, "name")}
			var pa struct {
				Street   string `json:"streetAddress"`
				Locality string `json:"addressLocality"`
				Postcode string `json:"postalCode"`
				Region   string `json:"addressRegion"`
				Country  string `json:"addressCountry"`
			}
			if raw := loc.Get("address"); raw != nil {
				if json.Unmarshal(raw, &pa) != nil {
					var s string
					_ = json.Unmarshal(raw, &s)
					pa.Street = s
				}
			}
			a.Street, a.Locality, a.Postcode, a.Region, a.Country = pa.Street, pa.Locality, pa.Postcode, pa.Region, pa.Country
			e.Address = a
		}
	}
	for _, a := range obj.Items("attachment") {
		if a.Is("Link") && stringOf(a, "name") == onlineAddressName && e.OnlineURL == "" {
			e.OnlineURL = keep("attachment.href", stringOf(a, "href"))
		}
	}
	for _, t := range obj.Items("tag") {
		if t.Is("Hashtag") {
			e.Tags = append(e.Tags, strings.TrimPrefix(stringOf(t, "name"), "#"))
		}
	}
	var acc struct {
		Captions     bool   `json:"captions"`
		SignLanguage string `json:"signLanguage"`
		StepFree     bool   `json:"stepFree"`
	}
	if raw := obj.Get("accessibility"); raw != nil && json.Unmarshal(raw, &acc) == nil {
		e.Accessibility = node.Accessibility{Captions: acc.Captions, SignLanguage: acc.SignLanguage, StepFree: acc.StepFree}
	}
	if e.Timezone == "" {
		e.Timezone = "UTC"
	}
	if e.Category == "" {
		e.Category = "MEETING"
	}
	if e.Address == nil && e.OnlineURL == "" {
		e.OnlineURL = e.Link
	}
	if e.CreatedAt.IsZero() {
		e.CreatedAt = time.Now().UTC()
	}
	if e.UpdatedAt.IsZero() {
		e.UpdatedAt = e.CreatedAt
	}
	e.Normalize()
	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("remote event %s: %w", obj.ID(), err)
	}
	return e, nil
}

// WantsActivityJSON reports whether a request asks for ActivityPub JSON
// rather than the HTML page.
func WantsActivityJSON(r *http.Request) bool {
	a := r.Header.Get("Accept")
	return strings.Contains(a, "application/activity+json") || strings.Contains(a, "application/ld+json")
}

// ServeNewsObject serves a local, published news item as an Article,
// without requiring a signature: it is public.
func (f *Federation) ServeNewsObject(w http.ResponseWriter, r *http.Request) {
	n, err := f.store.GetNews(r.Context(), r.PathValue("id"))
	if err != nil || !n.Local() || !n.Published {
		writeProblem(w, 404, "no such news item")
		return
	}
	body, err := f.newsObject(n).Marshal()
	if err != nil {
		writeProblem(w, 500, "the news item could not be serialised")
		return
	}
	writeAP(w, 200, body)
}

// ServeEventObject serves a local calendar event as an Event, unsigned.
func (f *Federation) ServeEventObject(w http.ResponseWriter, r *http.Request) {
	e, err := f.store.GetCalendarEvent(r.Context(), r.PathValue("id"))
	if err != nil || !e.Local() {
		writeProblem(w, 404, "no such event")
		return
	}
	body, err := f.eventObject(e).Marshal()
	if err != nil {
		writeProblem(w, 500, "the event could not be serialised")
		return
	}
	writeAP(w, 200, body)
}

// acceptPublicFollower accepts a Follow from a Fediverse actor that is
// not a peer: it is recorded as a follower that is never Trusted (not
// allowed, not admitted), so it receives the public news and events and
// no catalogue data, and gets no backfill and no Follow back.
func (f *Federation) acceptPublicFollower(ctx context.Context, act *vocab.Item, peer *node.Peer) error {
	if err := f.store.SetPeerIncoming(ctx, peer.ID, node.FollowAccepted); err != nil {
		return err
	}
	f.log.InfoContext(ctx, "public follower accepted", "actor", peer.ActorURL)
	return f.send(ctx, f.uris.Activity("Accept-"+shortHash(act.ID())), "Accept", act, peer, false)
}

// applyPublicUndo lets a public follower unfollow.
func (f *Federation) applyPublicUndo(ctx context.Context, act *vocab.Item, peer *node.Peer) error {
	obj := act.Object()
	if obj == nil || !(obj.Is("Follow") || obj.IsIRI()) {
		return nil
	}
	return f.store.SetPeerIncoming(ctx, peer.ID, node.FollowNone)
}
