package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/spec"
)

// Content types.
const (
	ActivityJSON = "application/activity+json"
	LDJSON       = `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`
)

// Routes lists the ActivityPub and discovery routes, as ServeMux patterns.
var Routes = []string{
	"GET /actor", "POST /actor/inbox", "POST /inbox", "GET /actor/outbox", "GET /actor/followers", "GET /actor/following",
	"GET /members/{id}", "GET /.well-known/webfinger", "GET /.well-known/nodeinfo", "GET /nodeinfo/2.1", "GET /ns",
	"GET /admitted", "GET /revocations",
}

// Register adds the federation routes to mux.
func (f *Federation) Register(mux *http.ServeMux) {
	h := map[string]http.HandlerFunc{
		"GET /actor": f.serveActor, "POST /actor/inbox": f.serveInbox, "POST /inbox": f.serveInbox,
		"GET /actor/outbox": f.serveOutbox, "GET /actor/followers": f.serveFollowers, "GET /actor/following": f.serveFollowing,
		"GET /members/{id}": f.serveMember, "GET /.well-known/webfinger": f.serveWebFinger,
		"GET /.well-known/nodeinfo": f.serveNodeInfoLinks, "GET /nodeinfo/2.1": f.serveNodeInfo, "GET /ns": f.serveContext,
		"GET /admitted": f.serveAdmitted, "GET /revocations": f.serveRevocations,
	}
	for _, pattern := range Routes {
		mux.HandleFunc(pattern, h[pattern])
	}
}

func writeAP(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", ActivityJSON)
	w.Header().Set("Vary", "Accept, Signature")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeProblem answers with an RFC 9457 problem document.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type": "about:blank", "title": http.StatusText(status), "status": status, "detail": detail,
	})
}

func (f *Federation) serveActor(w http.ResponseWriter, r *http.Request) {
	body, err := f.ActorDocument(r.Context())
	if err != nil {
		f.log.ErrorContext(r.Context(), "actor document", "err", err)
		writeProblem(w, 500, "the actor document could not be built")
		return
	}
	writeAP(w, 200, body)
}

func (f *Federation) serveContext(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/ld+json")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(spec.Context)
}

// serveMember serves a local member's Organization to allowed peers only:
// the catalogue is network-internal, so the GET must be signed by an
// allowed, unblocked peer.
func (f *Federation) serveMember(w http.ResponseWriter, r *http.Request) {
	if _, status, err := f.verifyPeerGet(r); err != nil {
		writeProblem(w, status, err.Error())
		return
	}
	m, err := f.store.GetMember(r.Context(), r.PathValue("id"))
	if err != nil || m.Origin != "" || !m.Status.Active() {
		writeProblem(w, 404, "no such member")
		return
	}
	body, err := f.memberObject(m).Marshal()
	if err != nil {
		writeProblem(w, 500, "the member could not be serialised")
		return
	}
	writeAP(w, 200, body)
}

// collection writes an OrderedCollection summary (no items inline).
func (f *Federation) collection(w http.ResponseWriter, id string, total int, first string) {
	c := map[string]any{"@context": vocab.ActivityStreams, "id": id, "type": "OrderedCollection", "totalItems": total}
	if first != "" {
		c["first"] = first
	}
	body, _ := json.Marshal(c)
	writeAP(w, 200, body)
}

func (f *Federation) serveFollowers(w http.ResponseWriter, r *http.Request) {
	f.countPeers(w, r, f.uris.Followers(), func(p *node.Peer) bool { return p.Incoming == node.FollowAccepted })
}

func (f *Federation) serveFollowing(w http.ResponseWriter, r *http.Request) {
	f.countPeers(w, r, f.uris.Following(), func(p *node.Peer) bool { return p.Outgoing == node.FollowAccepted })
}

// countPeers answers a followers or following collection: its size only,
// since who peers with whom is the network's own business.
func (f *Federation) countPeers(w http.ResponseWriter, r *http.Request, id string, match func(*node.Peer) bool) {
	peers, err := f.store.Peers(r.Context())
	if err != nil {
		writeProblem(w, 500, "collection unavailable")
		return
	}
	n := 0
	for _, p := range peers {
		if match(p) && !p.Blocked {
			n++
		}
	}
	f.collection(w, id, n, "")
}

// serveOutbox pages the activities this node published: public ones for
// anyone, and network-internal ones too for a GET signed by an allowed
// peer. ?page=true gives the newest page; &before=SEQ the next ones.
func (f *Federation) serveOutbox(w http.ResponseWriter, r *http.Request) {
	peer := false
	if r.Header.Get("Signature") != "" || r.Header.Get("Signature-Input") != "" {
		_, status, err := f.verifyPeerGet(r)
		if err != nil {
			writeProblem(w, status, err.Error())
			return
		}
		peer = true
	}
	const pageSize = 20
	q := r.URL.Query()
	if q.Get("page") == "" {
		_, total, err := f.store.OutboxPage(r.Context(), peer, 0, 0)
		if err != nil {
			writeProblem(w, 500, "outbox unavailable")
			return
		}
		f.collection(w, f.uris.Outbox(), total, f.uris.Outbox()+"?page=true")
		return
	}
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	items, _, err := f.store.OutboxPage(r.Context(), peer, before, pageSize)
	if err != nil {
		writeProblem(w, 500, "outbox unavailable")
		return
	}
	raw := make([]json.RawMessage, len(items))
	for i, it := range items {
		raw[i] = it.Body
	}
	page := map[string]any{
		"@context": vocab.ActivityStreams, "type": "OrderedCollectionPage", "partOf": f.uris.Outbox(),
		"id": f.uris.Outbox() + "?" + r.URL.RawQuery, "orderedItems": raw,
	}
	if len(items) == pageSize {
		page["next"] = fmt.Sprintf("%s?page=true&before=%d", f.uris.Outbox(), items[len(items)-1].Seq)
	}
	body, _ := json.Marshal(page)
	writeAP(w, 200, body)
}

func (f *Federation) serveWebFinger(w http.ResponseWriter, r *http.Request) {
	res := r.URL.Query().Get("resource")
	want := []string{"acct:" + preferredUsername + "@" + f.uris.Host(), f.uris.Actor()}
	if res == "" {
		writeProblem(w, 400, "the resource parameter is required")
		return
	}
	if !strings.EqualFold(res, want[0]) && res != want[1] {
		writeProblem(w, 404, "no such resource; this node has one actor: "+want[0])
		return
	}
	body, _ := json.Marshal(map[string]any{
		"subject": want[0],
		"aliases": []string{f.uris.Actor()},
		"links": []map[string]string{
			{"rel": "self", "type": ActivityJSON, "href": f.uris.Actor()},
			{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": f.uris.Base + "/"},
		},
	})
	w.Header().Set("Content-Type", "application/jrd+json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(body)
}

func (f *Federation) serveNodeInfoLinks(w http.ResponseWriter, _ *http.Request) {
	body, _ := json.Marshal(map[string]any{"links": []map[string]string{
		{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": f.uris.Base + "/nodeinfo/2.1"},
	}})
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// serveNodeInfo publishes NodeInfo 2.1. Only figures meant to be public
// appear: one user (the group actor), no post counts, and the number of
// member co-ops as a coarse band.
func (f *Federation) serveNodeInfo(w http.ResponseWriter, r *http.Request) {
	version := f.cfg.Version
	if version == "" {
		version = "dev"
	}
	body, _ := json.Marshal(map[string]any{
		"version": "2.1",
		"software": map[string]any{
			"name": "etoiles", "version": version,
			"repository": "https://github.com/e-toiles/etoiles", "homepage": "https://github.com/e-toiles/etoiles",
		},
		"protocols":         []string{"activitypub"},
		"services":          map[string]any{"inbound": []string{}, "outbound": []string{}},
		"openRegistrations": false,
		"usage":             map[string]any{"users": map[string]int{"total": 1}},
		"metadata":          map[string]any{"nodeName": f.cfg.Name, "country": f.cfg.Country, "role": f.cfg.Role, "memberBand": f.memberBand(r.Context())},
	})
	w.Header().Set("Content-Type", `application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"`)
	_, _ = w.Write(body)
}

// memberBand returns the number of active member co-ops as a coarse band.
func (f *Federation) memberBand(ctx context.Context) string {
	ms, err := f.store.ActiveLocalMembers(ctx)
	if err != nil {
		return "unknown"
	}
	switch n := len(ms); {
	case n < 10:
		return "0-9"
	case n < 50:
		return "10-49"
	case n < 200:
		return "50-199"
	default:
		return "200+"
	}
}
