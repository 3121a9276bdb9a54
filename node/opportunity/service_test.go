package opportunity_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/membership"
	"github.com/e-toiles/etoiles/node/opportunity"
	"github.com/e-toiles/etoiles/node/store/sqlite"
	"github.com/google/go-cmp/cmp"
)

type links struct{}

func (links) Actor() string                { return "https://fr.example/actor" }
func (links) Member(id string) string      { return "https://fr.example/members/" + id }
func (links) Opportunity(id string) string { return "https://fr.example/opportunities/" + id }
func (links) Interest(id string) string    { return "https://fr.example/interests/" + id }

var now = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

// MustService returns a service over a fresh SQLite database, with three
// local members: web (the lead), video and gone (lapsed).
func MustService(tb testing.TB) (*opportunity.Service, *sqlite.DB) {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "node.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	members := &membership.Service{Store: db, Now: func() time.Time { return now }}
	for _, m := range []node.Member{
		{ID: "web", Name: "Web", Country: "FR", Competences: []string{"72413000"}},
		{ID: "video", Name: "Video", Country: "FR", Competences: []string{"92111000"}},
		{ID: "gone", Name: "Gone", Country: "FR", Status: node.StatusLapsed},
	} {
		if _, err := members.Create(context.Background(), &m); err != nil {
			tb.Fatal(err)
		}
	}
	n := 0
	svc := &opportunity.Service{Store: db, Codes: db, Links: links{}, Country: "FR",
		Now: func() time.Time { return now }, NewID: func() string { n++; return fmt.Sprintf("id%d", n) }}
	return svc, db
}

func newOpp() *node.Opportunity {
	d := now.Add(30 * 24 * time.Hour)
	return &node.Opportunity{
		Title:       map[string]string{"fr": "Site et vidéo"},
		Competences: []node.RequiredCompetence{{CPV: "72413000"}, {CPV: "72415000"}, {CPV: "92111000"}},
		Country:     "FR", Region: "FR101", Deadline: &d,
		Value: &node.Amount{Amount: "80000", Currency: "EUR"},
	}
}

func fields(err error) []string {
	var out []string
	for _, f := range node.ErrorFields(err) {
		out = append(out, f.Field)
	}
	return out
}

func TestCreateAndGet(t *testing.T) {
	ctx := context.Background()
	svc, _ := MustService(t)
	o, err := svc.Create(ctx, opportunity.Viewer{Member: "web"}, "", newOpp())
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.Get(ctx, opportunity.Viewer{}, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(o, got); diff != "" {
		t.Errorf("Get mismatch (-created +got):\n%s", diff)
	}
	want := []node.ConsortiumEntry{{Member: "web", MemberAPID: links{}.Member("web"), Name: "Web", Node: links{}.Actor(), Country: "FR", Role: node.RoleLeadEntity}}
	if diff := cmp.Diff(want, got.Consortium); diff != "" {
		t.Errorf("consortium (-want +got):\n%s", diff)
	}
	if got.Status != node.OpportunityActive || got.APID != (links{}).Opportunity(o.ID) || got.NodeCountry != "FR" {
		t.Errorf("got status %s ap_id %s node_country %s", got.Status, got.APID, got.NodeCountry)
	}
}

func TestCreateRefusals(t *testing.T) {
	ctx := context.Background()
	svc, _ := MustService(t)
	past := now.Add(-time.Hour)
	tests := []struct {
		name   string
		viewer opportunity.Viewer
		member string
		change func(o *node.Opportunity)
		code   string
		fields []string
	}{
		{"past deadline", opportunity.Viewer{Member: "web"}, "", func(o *node.Opportunity) { o.Deadline = &past }, node.EINVALID, []string{"deadline"}},
		{"bad cpv", opportunity.Viewer{Member: "web"}, "", func(o *node.Opportunity) { o.Competences[0].CPV = "99999999" }, node.EINVALID, []string{"competences[0].cpv"}},
		{"bad nuts", opportunity.Viewer{Member: "web"}, "", func(o *node.Opportunity) { o.Region = "ES51" }, node.EINVALID, []string{"region"}},
		{"bad currency", opportunity.Viewer{Member: "web"}, "", func(o *node.Opportunity) { o.Value.Currency = "XYZ" }, node.EINVALID, []string{"value.currency"}},
		{"bad country", opportunity.Viewer{Member: "web"}, "", func(o *node.Opportunity) { o.Country = "QQ"; o.Region = "" }, node.EINVALID, []string{"country"}},
		{"other member", opportunity.Viewer{Member: "web"}, "video", func(o *node.Opportunity) {}, node.EFORBIDDEN, nil},
		{"admin without member", opportunity.Viewer{Admin: true}, "", func(o *node.Opportunity) {}, node.EINVALID, []string{"member"}},
		{"lapsed lead", opportunity.Viewer{Admin: true}, "gone", func(o *node.Opportunity) {}, node.EINVALID, []string{"member"}},
		{"starts won", opportunity.Viewer{Member: "web"}, "", func(o *node.Opportunity) { o.Status = node.OpportunitySubmitted }, node.EINVALID, []string{"status"}},
	}
	for _, tt := range tests {
		o := newOpp()
		tt.change(o)
		_, err := svc.Create(ctx, tt.viewer, tt.member, o)
		if node.ErrorCode(err) != tt.code {
			t.Errorf("%s: Create() = %v, want code %s", tt.name, err, tt.code)
			continue
		}
		if diff := cmp.Diff(tt.fields, fields(err)); diff != "" {
			t.Errorf("%s: fields (-want +got):\n%s", tt.name, diff)
		}
	}
	list, total, err := svc.List(ctx, opportunity.Query{})
	if err != nil || total != 0 || len(list) != 0 {
		t.Errorf("List after refusals = %d items, total %d, %v; want nothing written", len(list), total, err)
	}
}

func TestStatusMachine(t *testing.T) {
	ctx := context.Background()
	svc, _ := MustService(t)
	lead := opportunity.Viewer{Member: "web"}
	o, err := svc.Create(ctx, lead, "", newOpp())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetStatus(ctx, lead, o.ID, node.OpportunityWon, &node.Amount{Amount: "1", Currency: "EUR"}); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("active → won = %v, want conflict", err)
	}
	if _, err := svc.SetStatus(ctx, opportunity.Viewer{Member: "video"}, o.ID, node.OpportunityForming, nil); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Errorf("status by a non-lead = %v, want forbidden", err)
	}
	for _, st := range []node.OpportunityStatus{node.OpportunityForming, node.OpportunitySubmitted} {
		if _, err := svc.SetStatus(ctx, lead, o.ID, st, nil); err != nil {
			t.Fatalf("→ %s: %v", st, err)
		}
	}
	if _, err := svc.SetStatus(ctx, lead, o.ID, node.OpportunityWon, nil); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("won without outcome = %v, want invalid", err)
	}
	got, err := svc.SetStatus(ctx, opportunity.Viewer{Admin: true}, o.ID, node.OpportunityWon, &node.Amount{Amount: "75000.00", Currency: "EUR"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != node.OpportunityWon || got.Outcome.Amount != "75000.00" {
		t.Errorf("after won: %s %+v", got.Status, got.Outcome)
	}
	if _, err := svc.SetStatus(ctx, lead, o.ID, node.OpportunityLost, nil); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("won → lost = %v, want conflict", err)
	}
}

func TestInterests(t *testing.T) {
	ctx := context.Background()
	svc, _ := MustService(t)
	lead, video := opportunity.Viewer{Member: "web"}, opportunity.Viewer{Member: "video"}
	o, err := svc.Create(ctx, lead, "", newOpp())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Express(ctx, lead, o.ID, opportunity.InterestInput{}); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("interest by the lead = %v, want conflict", err)
	}
	if _, err := svc.Express(ctx, video, o.ID, opportunity.InterestInput{Member: "web"}); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Errorf("interest for another member = %v, want forbidden", err)
	}
	if _, err := svc.Express(ctx, video, o.ID, opportunity.InterestInput{Role: node.RoleLeadEntity}); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("interest as lead entity = %v, want invalid", err)
	}
	in, err := svc.Express(ctx, video, o.ID, opportunity.InterestInput{Competences: []string{"92111000"}, Message: map[string]string{"fr": "Partants"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Express(ctx, video, o.ID, opportunity.InterestInput{}); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("second live interest = %v, want conflict", err)
	}
	// Who sees the interests.
	for _, c := range []struct {
		v    opportunity.Viewer
		want int
	}{{lead, 1}, {opportunity.Viewer{Admin: true}, 1}, {video, 1}, {opportunity.Viewer{}, 0}} {
		got, err := svc.Get(ctx, c.v, o.ID)
		if err != nil || len(got.Interests) != c.want {
			t.Errorf("Get as %+v: %d interests, %v; want %d", c.v, len(got.Interests), err, c.want)
		}
	}
	if _, _, err := svc.Answer(ctx, video, o.ID, in.ID, true); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Errorf("acceptance by a non-lead = %v, want forbidden", err)
	}
	_, got, err := svc.Answer(ctx, lead, o.ID, in.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Consortium) != 2 || got.Consortium[1].Member != "video" || got.Consortium[1].Role != node.RoleGroupMember {
		t.Errorf("consortium = %+v, want web then video", got.Consortium)
	}
	if _, _, err := svc.Answer(ctx, lead, o.ID, in.ID, false); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("second answer = %v, want conflict", err)
	}
	if _, err := svc.SetStatus(ctx, lead, o.ID, node.OpportunityCancelled, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Express(ctx, opportunity.Viewer{Member: "video"}, o.ID, opportunity.InterestInput{}); node.ErrorCode(err) != node.ECONFLICT {
		t.Errorf("interest in a closed opportunity = %v, want conflict", err)
	}
}

func TestListFilters(t *testing.T) {
	ctx := context.Background()
	svc, _ := MustService(t)
	lead := opportunity.Viewer{Member: "web"}
	a, _ := svc.Create(ctx, lead, "", newOpp())
	b := newOpp()
	b.Competences = []node.RequiredCompetence{{CPV: "45000000"}}
	b.OpenAbroad = true
	b2, err := svc.Create(ctx, lead, "", b)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(q opportunity.Query) []string {
		t.Helper()
		list, total, err := svc.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, o := range list {
			out = append(out, o.ID)
		}
		if total != len(out) {
			t.Errorf("total %d, listed %d", total, len(out))
		}
		return out
	}
	for _, c := range []struct {
		q    opportunity.Query
		want []string
	}{
		{opportunity.Query{}, []string{b2.ID, a.ID}},
		{opportunity.Query{Competence: "72400000"}, []string{a.ID}}, // parent of 72413000
		{opportunity.Query{Competence: "72413100"}, []string{a.ID}}, // child (structurally) of 72413000
		{opportunity.Query{Competence: "72000000"}, []string{a.ID}},
		{opportunity.Query{Competence: "45210000"}, []string{b2.ID}}, // child of 45000000
		{opportunity.Query{Competence: "79000000"}, []string{}},
		{opportunity.Query{Scope: "cross-border"}, []string{b2.ID}},
		{opportunity.Query{Scope: "local", Status: []node.OpportunityStatus{"active"}}, []string{b2.ID, a.ID}},
		{opportunity.Query{Country: "it"}, []string{}},
	} {
		if diff := cmp.Diff(c.want, ids(c.q)); diff != "" {
			t.Errorf("List(%+v) (-want +got):\n%s", c.q, diff)
		}
	}
	_, _, err = svc.List(ctx, opportunity.Query{Scope: "world", Competence: "x", Status: []node.OpportunityStatus{"open"}})
	if diff := cmp.Diff([]string{"competence", "scope", "status[0]"}, fields(err)); diff != "" {
		t.Errorf("bad query fields (-want +got):\n%s", diff)
	}
}

func TestImportUpdatesBySource(t *testing.T) {
	ctx := context.Background()
	svc, _ := MustService(t)
	o := newOpp()
	o.Source = "123456-2026"
	first, created, err := svc.Import(ctx, o)
	if err != nil || !created {
		t.Fatalf("first import: created %v, %v", created, err)
	}
	again := newOpp()
	again.Source = "123456-2026"
	past := now.Add(-time.Hour)
	again.Deadline = &past
	again.Title = map[string]string{"en": "Site and video"}
	second, created, err := svc.Import(ctx, again)
	if err != nil || created {
		t.Fatalf("second import: created %v, %v", created, err)
	}
	if second.ID != first.ID || second.Status != node.OpportunityComplete || second.Title["en"] == "" {
		t.Errorf("second import = id %s status %s title %v; want id %s, complete, new title", second.ID, second.Status, second.Title, first.ID)
	}
	if _, total, _ := svc.List(ctx, opportunity.Query{}); total != 1 {
		t.Errorf("%d opportunities after two imports, want 1", total)
	}
	// A change notice extending the deadline reopens the radar entry.
	extended := newOpp()
	extended.Source = "123456-2026"
	third, _, err := svc.Import(ctx, extended)
	if err != nil || third.ID != first.ID || third.Status != node.OpportunityActive {
		t.Errorf("import with a later deadline = %v status %v, %v; want %s active", third.ID, third.Status, err, first.ID)
	}
}

// TestConcurrentAnswers: two accepts at once never lose a consortium
// entry; an answer that crossed another change is a conflict.
func TestConcurrentAnswers(t *testing.T) {
	ctx := context.Background()
	svc, db := MustService(t)
	members := &membership.Service{Store: db, Now: func() time.Time { return now }}
	if _, err := members.Create(ctx, &node.Member{ID: "host", Name: "Host", Country: "FR", Competences: []string{"72415000"}}); err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 10; round++ {
		o, err := svc.Create(ctx, opportunity.Viewer{Member: "web"}, "", newOpp())
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range []string{"video", "host"} {
			in, err := svc.Express(ctx, opportunity.Viewer{Member: m}, o.ID, opportunity.InterestInput{})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, in.ID)
		}
		errs := make(chan error, 2)
		for _, id := range ids {
			go func() {
				_, _, err := svc.Answer(ctx, opportunity.Viewer{Member: "web"}, o.ID, id, true)
				errs <- err
			}()
		}
		accepted := 1 // the lead
		for range ids {
			switch err := <-errs; node.ErrorCode(err) {
			case "":
				accepted++
			case node.ECONFLICT:
			default:
				t.Fatal(err)
			}
		}
		got, _ := svc.Get(ctx, opportunity.Viewer{Admin: true}, o.ID)
		states := 0
		for _, in := range got.Interests {
			if in.State == node.InterestAccepted {
				states++
			}
		}
		if len(got.Consortium) != accepted || states != accepted-1 {
			t.Fatalf("round %d: %d answers succeeded, consortium %+v, %d accepted interests", round, accepted-1, got.Consortium, states)
		}
	}
}
