package federation

import (
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/google/go-cmp/cmp"
)

// TestOpportunityTenderFederates: a peer reads back the bidder's details
// of an imported notice as sent, the deadline with its offset; a tender
// with a link that is not http(s) is refused.
func TestOpportunityTenderFederates(t *testing.T) {
	f := &Federation{uris: URIs{Base: "https://fr.example"}}
	o := emittedOpportunity()
	d := time.Date(2026, 9, 1, 17, 30, 0, 0, time.FixedZone("+02:00", 2*3600))
	o.Tender = &node.Tender{NoticeID: "n1", ProcedureID: "p1", NoticeType: "cn-standard", Procedure: "open", Accelerated: true,
		Buyer: &node.Buyer{Name: map[string]string{"fr": "Ville de Lyon"}, Country: "FR", Town: "Lyon", Email: "marches@lyon.example"},
		Lots: []node.TenderLot{{ID: o.Lots[0].ID, DocumentsURL: "https://docs.example/1", SubmissionURL: "https://submit.example/1",
			Deadline: &d, DeadlineKind: "tender", Duration: &node.Duration{Value: "36", Unit: "MONTH"},
			AwardCriteria: []node.AwardCriterion{{Type: "price", Name: map[string]string{"fr": "Prix"}, Weight: "60", WeightKind: "per-exa"}}}}}
	o.Normalize()
	got, err := remoteOpportunity(roundTrip(t, create(f, f.opportunityObject(o))), f.uris.Actor(), "FR", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(o.Tender, got.Tender, cmp.Comparer(func(a, b time.Time) bool { return a.Format(time.RFC3339Nano) == b.Format(time.RFC3339Nano) })); diff != "" {
		t.Errorf("tender read back (-sent +got):\n%s", diff)
	}
	o.Tender.Lots[0].DocumentsURL = "javascript:alert(1)"
	if _, err := remoteOpportunity(roundTrip(t, create(f, f.opportunityObject(o))), f.uris.Actor(), "FR", time.Now()); err == nil {
		t.Errorf("a javascript: documents link was accepted")
	}
}
