package market_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/market"
	"github.com/e-toiles/etoiles/node/membership"
	"github.com/e-toiles/etoiles/node/store/sqlite"
)

// env is a marketplace on a real SQLite file with a settable clock.
type env struct {
	tb      testing.TB
	db      *sqlite.DB
	members *membership.Service
	svc     *market.Service
	now     time.Time
}

// MustEnv opens a database in a temporary directory and returns the
// membership and marketplace services over it, at 2026-09-01 09:00 UTC.
func MustEnv(tb testing.TB) *env {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "etoiles.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	e := &env{tb: tb, db: db, now: time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return e.now }
	e.members = &membership.Service{Store: db, Now: clock}
	e.svc = &market.Service{Store: db, Members: db, Country: "FR", Now: clock}
	return e
}

// at sets the clock.
func (e *env) at(s string) {
	e.tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		e.tb.Fatal(err)
	}
	e.now = t
}

// mustMembers registers active members.
func (e *env) mustMembers(ids ...string) {
	e.tb.Helper()
	for _, id := range ids {
		m := node.Member{ID: id, Name: "Coop " + id, Country: "FR", Competences: []string{"72000000"}}
		if _, err := e.members.Create(context.Background(), &m); err != nil {
			e.tb.Fatal(err)
		}
	}
}

var admin = market.Actor{Admin: true}

// mustListing creates a listing as an admin.
func (e *env) mustListing(l node.Listing) *node.Listing {
	e.tb.Helper()
	got, err := e.svc.Create(context.Background(), admin, &l)
	if err != nil {
		e.tb.Fatalf("create listing: %v", err)
	}
	return got
}

func sharedService(rule, attribute string, amount int64) node.Listing {
	return node.Listing{Side: node.SideOffer, Kind: node.KindSharedService, Title: map[string]string{"en": "Shared telephone secretariat, 20 hours/month"},
		CPV: []string{"79512000"}, Quantity: node.Quantity{Unit: "hour", Value: 20},
		CostModel: &node.CostModel{Currency: "EUR", Amount: amount, Rule: rule, Attribute: attribute}}
}

func ptr[T any](v T) *T { return &v }

func fieldsOf(err error) []string {
	var out []string
	for _, f := range node.ErrorFields(err) {
		out = append(out, f.Field)
	}
	return out
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// kindOf returns the marketplace kind of a notice (match, accepted, ...).
func kindOf(n *node.Notice) string {
	_, kind, _ := market.ParseNoticeRef(n.Ref)
	return kind
}

// match hands the unpublished outbox events to a marketplace matcher, as
// the node's matcher consumer does, marks them published and returns
// them (to replay them as a redelivery would).
func (e *env) match() []node.Event {
	e.tb.Helper()
	ctx := context.Background()
	evs, err := e.db.PendingEvents(ctx, 1000)
	if err != nil {
		e.tb.Fatal(err)
	}
	mt := &market.Matcher{Store: e.db, Now: func() time.Time { return e.now }}
	var ids []int64
	for _, ev := range evs {
		if err := mt.Handle(ctx, ev); err != nil {
			e.tb.Fatalf("match event %d %s: %v", ev.ID, ev.Subject, err)
		}
		ids = append(ids, ev.ID)
	}
	if err := e.db.MarkPublished(ctx, ids); err != nil {
		e.tb.Fatal(err)
	}
	return evs
}

// notices returns a member's marketplace notices (kind listing), newest
// first; "" is the group's.
func (e *env) notices(member string) ([]*node.Notice, error) {
	ns, err := e.db.Notices(context.Background(), member, 0, 200)
	var out []*node.Notice
	for _, n := range ns {
		if n.Kind == node.NoticeListing {
			out = append(out, n)
		}
	}
	return out, err
}
