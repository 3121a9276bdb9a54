package web

import (
	"strings"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/market"
)

// TestMarketTemplatesRender runs the marketplace templates through every
// branch (responses with an agreement, subscribers, a statement, notices)
// so that a template error shows here rather than as a 500.
func TestMarketTemplatesRender(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	li := &node.Listing{ID: "l-1", Side: "offer", Kind: "shared-service", Status: "open", Quantity: node.Quantity{Unit: "one", Value: 3},
		Price: &node.Price{Currency: "EUR", Amount: 100, Per: 1}, CostModel: &node.CostModel{Currency: "EUR", Amount: 100, Rule: "equal"}, Deadline: &now}
	d := &listingDetail{listingCard: listingCard{Listing: li}, Card: listingCard{Listing: li}, Shared: true, MayRespond: true,
		Responses:   []responseView{{Response: &node.Response{ID: "r", Status: "pending", Agreement: &node.Agreement{Amount: &node.Price{}}}}},
		Subscribers: []subscriberView{{Subscription: &market.Subscription{}}}, Statement: &market.Statement{Lines: []market.ShareLine{{}}}}
	v := &view{L: LocaleFor("en"), User: &auth.User{Role: "member"}, D: d}
	var b strings.Builder
	if err := pages["listing"].Execute(&b, v); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Shares of", "Subscribers", `id="quantity"`, "€1.00 per month"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the listing page lacks %q", want)
		}
	}
	b.Reset()
	v.D = map[string]any{"Q": marketQuery{}, "Cards": []listingCard{{Listing: li}}, "Notices": []noticeView{{}}, "Total": 1}
	if err := pages["market"].Execute(&b, v); err != nil {
		t.Fatal(err)
	}
}
