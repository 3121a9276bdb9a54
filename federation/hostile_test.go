package federation

import (
	"encoding/json"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/news"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// hostileParts are what broke the go-ap writer or could break a JSON or
// HTML writer: quotes, backslashes, markup, control characters, Unicode.
// (Control characters, tabs and line separators are refused by the domain
// rules before anything is built: node's TestNameAndTextRunes.)
var hostileParts = []string{`"`, `\`, `\"`, `","id":"https://fr.example/members/other`, `<`, `>`, `&`,
	"\u00e9", "\u6f22", "\U0001F600", "a", "Z", "}", "{", ",", ":", "/", "'", "%22"}

// hostile returns a random non-empty string of hostile parts, without
// leading or trailing space (domain Normalize trims them).
func hostile(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("x")
	for n := r.Intn(10); n >= 0; n-- {
		b.WriteString(hostileParts[r.Intn(len(hostileParts))])
	}
	b.WriteString("y")
	return b.String()
}

// hostileWord is hostile without spaces, tabs or #, for tags.
func hostileWord(r *rand.Rand) string {
	s := []rune(strings.NewReplacer("\t", "", "\u2028", "", " ", "").Replace(hostile(r)))
	if len(s) > 30 {
		s = s[:30]
	}
	return string(s)
}

// hostileURL is hostile without control characters, which the decoder
// refuses in an IRI before any other rule: quotes, backslashes and <>&
// stay, and the document must carry them exactly.
func hostileURL(r *rand.Rand) string {
	return strings.NewReplacer("\t", "", "\u2028", "", "\x01", "", "\x1f", "").Replace(hostile(r))
}

// roundTrip marshals b, decodes the bytes as a peer does and returns the
// object (of a Create).
func roundTrip(t *testing.T, b *vocab.Builder) *vocab.Item {
	t.Helper()
	data, err := b.Marshal()
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	it, err := vocab.Decode(data)
	if err != nil {
		t.Fatalf("the emitted document does not decode: %v\n%s", err, data)
	}
	if it.Is("Create") {
		return it.Object()
	}
	return it
}

func create(f *Federation, obj *vocab.Builder) *vocab.Builder {
	return vocab.NewActivity("Create", f.uris.EventActivity(1), f.uris.Actor(), obj).SetTo("https://it.example/actor")
}

// TestHostileStringsRoundTrip is the property of issue #22: for random
// strings with quotes, backslashes, <>&, control characters and Unicode
// in every text and URL field of every federated kind, what a peer reads
// from the emitted activity is exactly what the origin has. The URL
// fields hold the hostile strings too: the encoder must carry them
// exactly, whatever the URL rule later does with them.
func TestHostileStringsRoundTrip(t *testing.T) {
	f := &Federation{uris: URIs{Base: "https://fr.example"}}
	r := rand.New(rand.NewSource(22))
	for i := 0; i < 100; i++ {
		h, w, u := func() string { return hostile(r) }, func() string { return hostileWord(r) }, func() string { return hostileURL(r) }

		m := emittedMember()
		m.Name, m.LegalForm, m.Website = h(), h(), "https://ok.example/"+u()
		m.Summary = map[string]string{"fr": h(), "en": h()}
		m.Tags = []string{w(), w()}
		m.Normalize()
		got, err := remoteMember(roundTrip(t, create(f, f.memberObject(m))), f.uris.Actor(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		want := m.Public()
		want.ID, want.Origin, want.APID = "atelier-numerique@fr.example", f.uris.Actor(), f.uris.Member(m.ID)
		want.CreatedAt, want.UpdatedAt, want.Revision = m.CreatedAt.Truncate(time.Second), m.UpdatedAt.Truncate(time.Second), m.UpdatedAt.UnixNano()
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("member read back (-want +got):\n%s", diff)
		}

		n := emittedNews()
		n.Title, n.Summary, n.Content = map[string]string{"fr": h(), "en": h()}, map[string]string{"fr": h(), "en": h()}, map[string]string{"fr": h(), "en": h()}
		n.Author.Name, n.Tags, n.License = h(), []string{w()}, "https://licences.example/"+u()
		n.Images[0].URL, n.Images[0].Alt = "https://fr.example/media/"+u(), map[string]string{"fr": h(), "en": h()}
		gotNews := remoteNews(roundTrip(t, create(f, f.newsObject(n))), f.uris.Actor(), keepAll)
		wantNews := *n
		wantNews.ID, wantNews.Origin, wantNews.APID, wantNews.Link = "", f.uris.Actor(), f.uris.News(n.ID), f.uris.News(n.ID)
		wantNews.Author = node.Author{Name: news.StripHTML(n.Author.Name)}
		wantNews.Summary, wantNews.Content = news.StripMap(n.Summary), news.SanitizeMap(n.Content)
		wantNews.Revision = n.UpdatedAt.UnixNano()
		wantNews.Images = []node.Image{{URL: n.Images[0].URL, MediaType: n.Images[0].MediaType, Alt: news.StripMap(n.Images[0].Alt)}}
		wantNews.Normalize() // as the peer does
		if diff := cmp.Diff(&wantNews, gotNews, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("news read back (-want +got):\n%s", diff)
		}

		e := emittedEvent()
		e.Name, e.Description = map[string]string{"fr": h()}, map[string]string{"fr": h()}
		e.Author.Name, e.Tags = h(), []string{w()}
		e.Address = &node.Address{Name: h(), Street: h(), Locality: h(), Postcode: h(), Country: "FR"}
		e.OnlineURL, e.JoinURL = "https://visio.example/"+u(), "https://inscription.example/"+u()
		gotEvent, err := remoteEvent(roundTrip(t, create(f, f.eventObject(e))), f.uris.Actor(), keepAll)
		// The URL rule refuses some of these URLs on the way in; the
		// encoder's part is then checked with plain ones.
		if valid := node.ValidURL(e.OnlineURL) && node.ValidURL(e.JoinURL); valid != (err == nil) {
			t.Fatalf("remoteEvent with URLs %q, %q: %v", e.OnlineURL, e.JoinURL, err)
		}
		if err != nil {
			e.OnlineURL, e.JoinURL = "https://visio.example/spip", "https://inscription.example/spip"
			gotEvent, err = remoteEvent(roundTrip(t, create(f, f.eventObject(e))), f.uris.Actor(), keepAll)
		}
		if err != nil {
			t.Fatal(err)
		}
		wantEvent := *e
		wantEvent.ID, wantEvent.Origin, wantEvent.APID, wantEvent.Link = "", f.uris.Actor(), f.uris.CalendarEvent(e.ID), f.uris.CalendarEvent(e.ID)
		wantEvent.Author.Name, wantEvent.Description = news.StripHTML(e.Author.Name), news.SanitizeMap(e.Description)
		wantEvent.Revision = e.UpdatedAt.UnixNano()
		wantEvent.Normalize()
		if diff := cmp.Diff(&wantEvent, gotEvent, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("event read back (-want +got):\n%s", diff)
		}

		o := emittedOpportunity()
		o.Title, o.Summary, o.Description = map[string]string{"fr": h(), "en": h()}, map[string]string{"fr": h(), "en": h()}, map[string]string{"fr": h()}
		o.LeadName, o.Source = h(), strings.ReplaceAll(h(), "://", "") // a notice number
		o.Consortium[0].Name = o.LeadName                              // the lead entity names the lead
		o.Lots[0].Title = map[string]string{"fr": h()}
		o.Consortium[1].Name = h()
		o.Normalize()
		gotOpp, err := remoteOpportunity(roundTrip(t, create(f, f.opportunityObject(o))), f.uris.Actor(), "FR", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		wantOpp := *o
		wantOpp.ID, wantOpp.Origin, wantOpp.Lead, wantOpp.Revision = "", f.uris.Actor(), "", o.UpdatedAt.UnixNano()
		wantOpp.Description = plainText(htmlText(o.Description))
		wantOpp.Consortium = append([]node.ConsortiumEntry(nil), o.Consortium...)
		wantOpp.Consortium[0].Member = ""
		sortComps := cmpopts.SortSlices(func(a, b node.RequiredCompetence) bool { return a.CPV < b.CPV })
		if diff := cmp.Diff(&wantOpp, gotOpp, cmpopts.EquateEmpty(), sortComps); diff != "" {
			t.Fatalf("opportunity read back (-want +got):\n%s", diff)
		}

		in := emittedInterest()
		in.MemberName, in.Message = h(), map[string]string{"fr": h()}
		obj := roundTrip(t, vocab.NewActivity("Offer", f.offerID(in), "https://it.example/actor", f.interestObject(in, o.APID))).Object()
		if names := obj.NameMap(); names[defaultLang(names)] != in.MemberName {
			got := names[defaultLang(names)]
			t.Fatalf("interest name read back %q, want %q", got, in.MemberName)
		}
		var member string
		if err := obj.Unmarshal("member", &member); err != nil || member != in.MemberAPID {
			t.Fatalf("interest member read back %q, want %q", member, in.MemberAPID)
		}
		if got, want := plainText(obj.ContentMap()), plainText(htmlText(in.Message)); !cmp.Equal(got, want) {
			t.Fatalf("interest message read back %q, want %q", got, want)
		}

		l, _ := emittedListings()
		l.Title, l.Description = map[string]string{"fr": h(), "en": h()}, map[string]string{"fr": h(), "en": h()}
		gotL, err := remoteListing(roundTrip(t, create(f, f.proposalObject(l))), f.uris.Actor())
		if err != nil {
			t.Fatal(err)
		}
		wantL := *l
		wantL.ID, wantL.Origin, wantL.APID, wantL.Revision, wantL.Owner = l.ID+"@fr.example", f.uris.Actor(), f.uris.Listing(l.ID), l.UpdatedAt.UnixNano(), l.Owner+"@fr.example"
		if diff := cmp.Diff(&wantL, gotL, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("listing read back (-want +got):\n%s", diff)
		}

		rep := &node.StatsReport{Node: f.uris.Actor() + u(), Country: "FR", GeneratedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
			Members: map[string]int{h(): 3}, ByRegion: map[string]int{h(): 2}, Opportunities: map[string]int{h(): 1}}
		robj := roundTrip(t, create(f, vocab.NewObject("StatsReport", f.uris.Activity("stats-1-report")+u()).SetAttributedTo(f.uris.Actor()+u()).Set(reportTerm, rep)))
		var gotRep node.StatsReport
		if err := json.Unmarshal(robj.Get(reportTerm), &gotRep); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(rep, &gotRep, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("stats report read back (-want +got):\n%s", diff)
		}
	}
}
