package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
)

// preferredUsername is the WebFinger user of every node's actor:
// acct:group@<host>.
const preferredUsername = "group"

// defaultLang is the language of plain name/summary/content values when a
// map has several: English when present, else the first in sorted order.
func defaultLang(m map[string]string) string {
	if _, ok := m["en"]; ok {
		return "en"
	}
	best := ""
	for k := range m {
		if best == "" || k < best {
			best = k
		}
	}
	return best
}

// ActorDocument returns the node's Group actor as JSON, with its
// admission credential once installed, and on a confederation the key
// that verifies credentials.
func (f *Federation) ActorDocument(ctx context.Context) ([]byte, error) {
	u := f.uris
	b := vocab.NewObject("Group", u.Actor()).
		SetPreferredUsername(preferredUsername).
		SetName("und", map[string]string{"und": f.cfg.Name}).
		SetEndpoints(vocab.Endpoints{Inbox: u.Inbox(), Outbox: u.Outbox(), Followers: u.Followers(), Following: u.Following(), SharedInbox: u.SharedInbox()}).
		SetPublicKey(u.MainKey(), u.Actor(), PublicPEM(f.keys.RSA.Public())).
		SetURL(u.Base+"/").
		Set("manuallyApprovesFollowers", true)
	if f.cfg.Country != "" {
		b.Set("country", f.cfg.Country)
	}
	if cred, _ := f.store.Setting(ctx, settingCredential); cred != "" {
		b.Set("admissionCredential", cred)
	}
	b.SetSummary("en", map[string]string{"en": fmt.Sprintf("%s: a %s node of the e-toiles network of co-operatives.", f.cfg.Name, f.cfg.Role)})
	body, err := b.Marshal()
	if err != nil {
		return nil, err
	}
	extra := map[string]string{"etoiles:ed25519Key": PublicPEM(f.keys.Ed.Public())}
	if f.keys.Admission != nil {
		extra["etoiles:admissionKey"] = PublicPEM(f.keys.Admission.Public())
	}
	return addKeys(body, u, extra)
}

// addKeys adds the actor's other keys under compact IRIs, each shaped
// like publicKey (id, owner, publicKeyPem): "etoiles:ed25519Key" verifies
// its RFC 9421 signatures, "etoiles:admissionKey" (a confederation's)
// verifies admission credentials. Software that does not know them
// ignores them.
func addKeys(body []byte, u URIs, keys map[string]string) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, err
	}
	ids := map[string]string{"etoiles:ed25519Key": u.EdKey(), "etoiles:admissionKey": u.Actor() + admissionKeyFragment}
	for term, pem := range keys {
		k, _ := json.Marshal(map[string]string{"id": ids[term], "owner": u.Actor(), "publicKeyPem": pem})
		doc[term] = k
	}
	return json.Marshal(doc)
}

// memberObject returns a local member as an Organization. Private contact
// details are never part of it.
func (f *Federation) memberObject(m *node.Member) *vocab.Builder {
	id := f.uris.Member(m.ID)
	b := vocab.NewObject("Organization", id).
		SetAttributedTo(f.uris.Actor()).
		SetPublished(m.CreatedAt).
		SetUpdated(m.UpdatedAt).
		SetName("und", map[string]string{"und": m.Name}).
		Set("country", m.Country).
		Set("membershipStatus", memberStatusTerm(m.Status)).
		Set(revisionTerm, strconv.FormatInt(m.UpdatedAt.UnixNano(), 10))
	if len(m.Summary) > 0 {
		b.SetSummary(defaultLang(m.Summary), m.Summary)
	}
	if m.Website != "" {
		b.SetURL(m.Website)
	}
	if m.Region != "" {
		b.Set("region", m.Region)
	}
	if m.LegalForm != "" {
		b.Set("legalForm", m.LegalForm)
	}
	if m.InDirectory {
		b.Set("publicDirectory", true)
	}
	for term, v := range map[string][]string{"competences": m.Competences, "languages": m.Languages, "tags": m.Tags} {
		if len(v) > 0 {
			b.Set(term, v)
		}
	}
	return b
}

// remoteMember turns a peer's Organization into a catalogue entry owned
// by origin.
func remoteMember(it *vocab.Item, origin string, now time.Time) (*node.Member, error) {
	m := &node.Member{APID: it.ID(), Origin: origin, Status: node.StatusMember, CreatedAt: now, UpdatedAt: now}
	names := it.NameMap()
	m.Name = names[defaultLang(names)]
	m.Summary = it.SummaryMap()
	for term, dst := range map[string]*string{"country": &m.Country, "region": &m.Region, "legalForm": &m.LegalForm} {
		if raw := it.Get(term); raw != nil {
			_ = json.Unmarshal(raw, dst)
		}
	}
	for term, dst := range map[string]*[]string{"competences": &m.Competences, "languages": &m.Languages, "tags": &m.Tags} {
		if raw := it.Get(term); raw != nil {
			var one string
			if json.Unmarshal(raw, dst) != nil && json.Unmarshal(raw, &one) == nil {
				*dst = []string{one}
			}
		}
	}
	if urls := it.IRIs("url"); len(urls) > 0 {
		m.Website = urls[0]
	}
	if raw := it.Get("publicDirectory"); raw != nil {
		_ = json.Unmarshal(raw, &m.InDirectory) // anything but true keeps it hidden
	}
	var published time.Time
	if raw := it.Get("published"); raw != nil && json.Unmarshal(raw, &published) == nil && !published.IsZero() {
		m.CreatedAt = published.UTC()
	}
	m.Revision = revisionOf(it)
	if raw := it.Get("updated"); raw != nil {
		var updated time.Time
		if json.Unmarshal(raw, &updated) == nil && !updated.IsZero() {
			m.UpdatedAt = updated.UTC()
		}
	}
	m.ID = remoteMemberID(it.ID(), hostOf(origin))
	m.Normalize()
	// A remote entry keeps what parses; codes that do not are dropped
	// rather than refusing the whole co-op.
	m.Competences = keepValid(m.Competences, func(c string) bool { _, ok := node.NormalizeCPV(c); return ok })
	m.Languages = keepValid(m.Languages, node.ValidLanguageTag)
	for k := range m.Summary {
		if !node.ValidLanguageTag(k) {
			delete(m.Summary, k)
		}
	}
	if m.Region != "" && !node.ValidNUTS(m.Region, m.Country) {
		m.Region = ""
	}
	var p node.Problems
	if m.Name == "" {
		p.Add("name", "is required")
	}
	if !node.ValidCountry(m.Country) {
		p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code", m.Country)
	}
	return m, p.Err("read remote member")
}

func keepValid(in []string, ok func(string) bool) []string {
	out := in[:0]
	for _, s := range in {
		if ok(s) {
			out = append(out, s)
		}
	}
	return out
}

// remoteMemberID is the local id of a remote member: its last path
// segment and the peer's host, "scop-echo@fr.example".
func remoteMemberID(apID, host string) string {
	seg := apID
	for i := len(apID) - 1; i >= 0; i-- {
		if apID[i] == '/' {
			seg = apID[i+1:]
			break
		}
	}
	s := node.Slugify(seg)
	if s == "" {
		s = "member"
	}
	return s + "@" + host
}

// revisionTerm orders the versions of an object: its node's time of the
// change in nanoseconds, as a string. Receivers ignore a version older
// than the one they hold, so out-of-order deliveries cannot go back in
// time. The second-precision updated property cannot do that.
const revisionTerm = "etoiles:revision"

// revisionOf reads an object's revision, falling back to its updated or
// published time.
func revisionOf(it *vocab.Item) int64 {
	var s string
	if raw := it.Get(revisionTerm); raw != nil && json.Unmarshal(raw, &s) == nil {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	}
	for _, term := range []string{"updated", "published", "deleted"} {
		var t time.Time
		if raw := it.Get(term); raw != nil && json.Unmarshal(raw, &t) == nil && !t.IsZero() {
			return t.UnixNano()
		}
	}
	return 0
}
