package market_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/market"
	"github.com/google/go-cmp/cmp"
)

// TestSplitNeverLosesACent checks over random inputs that the shares sum
// to the total exactly, that each is its exact share rounded down or up
// by one minor unit, and that the same input gives the same split.
func TestSplitNeverLosesACent(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20000; i++ {
		n := 1 + r.IntN(40)
		total := r.Int64N(10_000_000_000)
		if i%7 == 0 {
			total = r.Int64N(100) // fewer cents than subscribers
		}
		weights := make([]int64, n)
		var sum int64
		for j := range weights {
			switch r.IntN(4) {
			case 0:
				weights[j] = 0
			case 1:
				weights[j] = 31 // equal weights make ties
			default:
				weights[j] = r.Int64N(31 * 5000)
			}
			sum += weights[j]
		}
		amounts, floors := market.Split(total, weights)
		var got int64
		for j, a := range amounts {
			got += a
			if a < floors[j] || a > floors[j]+1 {
				t.Fatalf("Split(%d, %v)[%d] = %d, floor %d", total, weights, j, a, floors[j])
			}
			if weights[j] == 0 && a != 0 {
				t.Fatalf("Split(%d, %v)[%d] = %d for a zero weight", total, weights, j, a)
			}
			// floor = ⌊total×w/sum⌋, checked with floats where they are exact enough.
			if total < 1<<40 && sum > 0 {
				exact := float64(total) * float64(weights[j]) / float64(sum)
				if float64(floors[j]) > exact+1e-3 || float64(floors[j]) < exact-1-1e-3 {
					t.Fatalf("Split(%d, %v)[%d]: floor %d, exact %f", total, weights, j, floors[j], exact)
				}
			}
		}
		want := total
		if sum == 0 {
			want = 0
		}
		if got != want {
			t.Fatalf("Split(%d, %v) sums to %d, want %d", total, weights, got, want)
		}
		again, _ := market.Split(total, weights)
		if diff := cmp.Diff(amounts, again); diff != "" {
			t.Fatalf("Split is not deterministic:\n%s", diff)
		}
	}
}

func TestSplitTiesGoToTheFirst(t *testing.T) {
	got, _ := market.Split(100, []int64{1, 1, 1})
	if diff := cmp.Diff([]int64{34, 33, 33}, got); diff != "" {
		t.Errorf("Split(100, 1:1:1) (-want +got):\n%s", diff)
	}
	got, _ = market.Split(2, []int64{1, 1, 1, 1})
	if diff := cmp.Diff([]int64{1, 1, 0, 0}, got); diff != "" {
		t.Errorf("Split(2, 1:1:1:1) (-want +got):\n%s", diff)
	}
}

// amounts returns member → amount of a statement.
func amounts(st *market.Statement) map[string]int64 {
	out := map[string]int64{}
	for _, l := range st.Lines {
		out[l.Member] = l.Amount
	}
	return out
}

// TestSharesOverThreeMonths follows a shared secretariat (1,000.00 EUR a
// month, equal shares by days) through joins, a lapse and an
// unsubscription, against figures computed by hand in the comments.
func TestSharesOverThreeMonths(t *testing.T) {
	e := MustEnv(t)
	ctx := context.Background()
	e.mustMembers("coop-a", "coop-b", "coop-c", "coop-d")
	e.at("2026-08-20T10:00:00Z")
	svc := e.mustListing(sharedService(node.ShareEqual, "", 100000))
	sub := func(m, at string) {
		t.Helper()
		e.at(at)
		if _, err := e.svc.Subscribe(ctx, admin, svc.ID, m, 0); err != nil {
			t.Fatalf("subscribe %s: %v", m, err)
		}
	}
	sub("coop-a", "2026-09-01T08:00:00Z")
	sub("coop-b", "2026-09-01T17:00:00Z")
	sub("coop-c", "2026-09-16T11:30:00Z")
	// September (30 days): a 30, b 30, c 15 (16th-30th) → 75 day-shares.
	// a, b = 100000×30/75 = 40000; c = 100000×15/75 = 20000.
	check := func(period string, want map[string]int64) *market.Statement {
		t.Helper()
		st, err := e.svc.Shares(ctx, market.Actor{Admin: true}, svc.ID, period)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, amounts(st)); diff != "" {
			t.Errorf("%s shares (-want +got):\n%s", period, diff)
		}
		return st
	}
	check("2026-09", map[string]int64{"coop-a": 40000, "coop-b": 40000, "coop-c": 20000})

	// coop-b lapses on 11 October at 15:00: unsubscribed at once, through
	// the member event as the bus delivers it.
	e.at("2026-10-11T15:00:00Z")
	if _, err := e.members.SetStatus(ctx, "coop-b", node.StatusLapsed, "unpaid dues"); err != nil {
		t.Fatal(err)
	}
	mustDeliverMemberEvents(t, e)
	// The admins are told, with the service's title like every listing notice.
	ns, err := e.db.Notices(ctx, "", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1 || ns[0].Ref != svc.ID+"#unsubscribed:coop-b" || ns[0].Title["en"] != svc.Title["en"] || ns[0].Title["en"] == "" ||
		!strings.Contains(ns[0].Reason, "coop-b lapsed and was unsubscribed on 2026-10-11") {
		t.Errorf("admin notices after the lapse = %+v, want one unsubscribed notice titled %v", ns, svc.Title)
	}
	// October (31 days): a 31, b 10 (1st-10th), c 31 → 72.
	// a, c = 100000×31/72 = 43055.55…; b = 100000×10/72 = 13888.88…
	// Floors sum to 99998; the 2 cents left go to b (.88) then a (.55,
	// tied with c, a has the smaller id).
	oct := check("2026-10", map[string]int64{"coop-a": 43056, "coop-b": 13889, "coop-c": 43055})
	var csv bytes.Buffer
	if err := market.WriteCSV(&csv, oct); err != nil {
		t.Fatal(err)
	}
	wantCSV := "listing,period,member,days,units,weight,total_weight,exact,floor,remainder_unit,amount,currency\n" +
		svc.ID + ",2026-10,coop-a,31,0,31,72,100000×31/72,43055,1,43056,EUR\n" +
		svc.ID + ",2026-10,coop-b,10,0,10,72,100000×10/72,13888,1,13889,EUR\n" +
		svc.ID + ",2026-10,coop-c,31,0,31,72,100000×31/72,43055,0,43055,EUR\n" +
		svc.ID + ",2026-10,TOTAL,,,,72,,,2,100000,EUR\n"
	if diff := cmp.Diff(wantCSV, csv.String()); diff != "" {
		t.Errorf("October CSV (-want +got):\n%s", diff)
	}

	// November: coop-c leaves on the 21st at 09:00, coop-d joins the same
	// day. a 30, c 20 (1st-20th), d 10 (21st-30th) → 60.
	// a = 50000; c = 33333.33…; d = 16666.66… → the cent left goes to d.
	e.at("2026-11-21T09:00:00Z")
	if _, err := e.svc.Unsubscribe(ctx, admin, svc.ID, "coop-c"); err != nil {
		t.Fatal(err)
	}
	sub("coop-d", "2026-11-21T09:30:00Z")
	check("2026-11", map[string]int64{"coop-a": 50000, "coop-c": 33333, "coop-d": 16667})
	// The months already computed do not change.
	check("2026-09", map[string]int64{"coop-a": 40000, "coop-b": 40000, "coop-c": 20000})
	check("2026-10", map[string]int64{"coop-a": 43056, "coop-b": 13889, "coop-c": 43055})
}

func TestSharesByHeadcountAndUnits(t *testing.T) {
	e := MustEnv(t)
	ctx := context.Background()
	e.mustMembers("coop-a", "coop-b", "coop-c")
	e.at("2026-11-30T12:00:00Z")
	hc := e.mustListing(sharedService(node.ShareAttribute, "headcount", 99999))
	e.at("2026-12-01T00:00:00Z")
	if _, err := e.svc.Subscribe(ctx, admin, hc.ID, "coop-a", 5); err != nil {
		t.Fatal(err)
	}
	e.at("2026-12-17T10:00:00Z")
	if _, err := e.svc.Subscribe(ctx, admin, hc.ID, "coop-b", 3); err != nil {
		t.Fatal(err)
	}
	// December: a 5×31 = 155, b 3×15 = 45 → 200. a = 99999×155/200 =
	// 77499.225, b = 22499.775 → the cent left goes to b.
	st, err := e.svc.Shares(ctx, market.Actor{Admin: true}, hc.ID, "2026-12")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int64{"coop-a": 77499, "coop-b": 22500}, amounts(st)); diff != "" {
		t.Errorf("headcount shares (-want +got):\n%s", diff)
	}
	if _, err := e.svc.Subscribe(ctx, admin, hc.ID, "coop-c", 0); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("subscribe without a headcount: %v, want invalid", err)
	}

	units := e.mustListing(sharedService(node.ShareUnits, "", 1000))
	for m, u := range map[string]int64{"coop-a": 3, "coop-b": 1, "coop-c": 0} {
		if err := e.svc.SetUsage(ctx, admin, units.ID, m, "2026-12", u); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.svc.SetUsage(ctx, admin, units.ID, "coop-a", "2026-12", -1); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("negative usage: %v, want invalid", err)
	}
	st, err = e.svc.Shares(ctx, market.Actor{Admin: true}, units.ID, "2026-12")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int64{"coop-a": 750, "coop-b": 250}, amounts(st)); diff != "" {
		t.Errorf("unit shares (-want +got):\n%s", diff)
	}
	if _, err := e.svc.Shares(ctx, market.Actor{Admin: true}, units.ID, "2026-13"); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("bad period: %v, want invalid", err)
	}
}

// mustDeliverMemberEvents hands the outbox's member events to the
// marketplace as the bus would.
func mustDeliverMemberEvents(tb testing.TB, e *env) {
	tb.Helper()
	ctx := context.Background()
	evs, err := e.db.PendingEvents(ctx, 1000)
	if err != nil {
		tb.Fatal(err)
	}
	var ids []int64
	for _, ev := range evs {
		data, _ := jsonMarshal(ev)
		if err := e.svc.HandleMemberEvent(ctx, data); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	if err := e.db.MarkPublished(ctx, ids); err != nil {
		tb.Fatal(err)
	}
}

// TestSharesWhoSeesWhat: the owner and the admins see every line, a
// subscriber its own line and the totals, any other member nothing.
func TestSharesWhoSeesWhat(t *testing.T) {
	e := MustEnv(t)
	ctx := context.Background()
	e.mustMembers("coop-a", "coop-b", "coop-c")
	e.at("2026-08-20T10:00:00Z")
	svc := e.mustListing(sharedService(node.ShareEqual, "", 100000))
	e.at("2026-09-01T08:00:00Z")
	for _, m := range []string{"coop-a", "coop-b"} {
		if _, err := e.svc.Subscribe(ctx, admin, svc.ID, m, 0); err != nil {
			t.Fatalf("subscribe %s: %v", m, err)
		}
	}
	st, err := e.svc.Shares(ctx, admin, svc.ID, "2026-09")
	if err != nil || st.Scope != "all" || len(st.Lines) != 2 {
		t.Fatalf("admin sees %+v, %v; want both lines", st, err)
	}
	st, err = e.svc.Shares(ctx, market.Actor{Member: "coop-a"}, svc.ID, "2026-09")
	if err != nil || st.Scope != "own" || len(st.Lines) != 1 || st.Lines[0].Member != "coop-a" || st.Total != 100000 {
		t.Errorf("subscriber sees %+v, %v; want its own line and the total", st, err)
	}
	if _, err := e.svc.Shares(ctx, market.Actor{Member: "coop-c"}, svc.ID, "2026-09"); node.ErrorCode(err) != node.EFORBIDDEN {
		t.Errorf("a member that does not subscribe: %v, want forbidden", err)
	}
}
