package market

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math/bits"
	"sort"
	"strconv"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// Subscription is a member's subscription to a shared service, from
// Start to End (nil while it runs). Attribute is the member attribute
// the attribute rule shares by (headcount).
type Subscription struct {
	ListingID string     `json:"listing_id"`
	Member    string     `json:"member"`
	Start     time.Time  `json:"start"`
	End       *time.Time `json:"end,omitempty"`
	Attribute int64      `json:"attribute,omitempty"`
}

// sharedService returns a local, open shared-service offer.
func (s *Service) sharedService(ctx context.Context, op, id string) (*node.Listing, error) {
	l, err := s.Store.GetListing(ctx, id)
	if err != nil {
		return nil, err
	}
	if l.Origin != "" || l.Kind != node.KindSharedService || l.Side != node.SideOffer || l.CostModel == nil {
		return nil, &node.Error{Code: node.ECONFLICT, Op: op, Message: fmt.Sprintf("listing %s is not a shared service of this node", id)}
	}
	return l, nil
}

// Subscribe subscribes a local member to a shared service from now on.
// A member subscribes itself; an admin any member.
func (s *Service) Subscribe(ctx context.Context, a Actor, listingID, member string, attribute int64) (*Subscription, error) {
	const op = "subscribe"
	if !a.Admin && member != a.Member {
		return nil, forbidden(op, "a member token may subscribe only its own member")
	}
	l, err := s.sharedService(ctx, op, listingID)
	if err != nil {
		return nil, err
	}
	if !l.Status.Open() {
		return nil, &node.Error{Code: node.ECONFLICT, Op: op, Message: fmt.Sprintf("listing %s is %s", l.ID, l.Status)}
	}
	var p node.Problems
	if attribute < 0 {
		p.Add("attribute", "must not be negative")
	}
	if l.CostModel.Rule == node.ShareAttribute && attribute <= 0 {
		p.Add("attribute", "the %s of the member is required (above zero)", l.CostModel.Attribute)
	}
	if err := p.Err(op); err != nil {
		return nil, err
	}
	if err := s.activeMember(ctx, op, "member", member); err != nil {
		return nil, err
	}
	subs, err := s.Store.Subscriptions(ctx, listingID)
	if err != nil {
		return nil, err
	}
	for _, sub := range subs {
		if sub.Member == member && sub.End == nil {
			return nil, &node.Error{Code: node.ECONFLICT, Op: op, Message: fmt.Sprintf("%s is already subscribed", member)}
		}
	}
	sub := &Subscription{ListingID: listingID, Member: member, Start: s.now(), Attribute: attribute}
	if err := s.Store.SaveSubscription(ctx, sub); err != nil {
		return nil, err
	}
	return sub, nil
}

// Unsubscribe ends a member's subscription now.
func (s *Service) Unsubscribe(ctx context.Context, a Actor, listingID, member string) (*Subscription, error) {
	const op = "unsubscribe"
	if !a.Admin && member != a.Member {
		return nil, forbidden(op, "a member token may unsubscribe only its own member")
	}
	if _, err := s.sharedService(ctx, op, listingID); err != nil {
		return nil, err
	}
	subs, err := s.Store.Subscriptions(ctx, listingID)
	if err != nil {
		return nil, err
	}
	for _, sub := range subs {
		if sub.Member == member && sub.End == nil {
			now := s.now()
			sub.End = &now
			return sub, s.Store.SaveSubscription(ctx, sub)
		}
	}
	return nil, node.Errorf(node.ENOTFOUND, "%s has no running subscription to %s", member, listingID)
}

// SetUsage records the units a subscriber used in a period (units rule).
func (s *Service) SetUsage(ctx context.Context, a Actor, listingID, member, period string, units int64) error {
	const op = "record usage"
	l, err := s.sharedService(ctx, op, listingID)
	if err != nil {
		return err
	}
	if err := owns(op, a, l); err != nil {
		return err
	}
	var p node.Problems
	if _, _, err := ParsePeriod(period); err != nil {
		p.Add("period", "%v", err)
	}
	if units < 0 {
		p.Add("units", "must not be negative")
	}
	if err := p.Err(op); err != nil {
		return err
	}
	return s.Store.SetUsage(ctx, listingID, member, period, units)
}

// HandleMemberEvent ends at once the subscriptions of a member that
// lapsed or left (the event's time is the end); the data of an event is
// a node.Event as the bus delivers it.
func (s *Service) HandleMemberEvent(ctx context.Context, data []byte) error {
	var ev node.Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return nil // not ours to judge; nothing to do
	}
	if ev.Subject != node.SubjectMemberLapsed && ev.Subject != node.SubjectMemberLeft {
		return nil
	}
	ended, err := s.Store.EndSubscriptionsOf(ctx, ev.AggregateID, ev.Time)
	if err != nil {
		return err
	}
	what := "left the group"
	if ev.Subject == node.SubjectMemberLapsed {
		what = "lapsed"
	}
	var notices []Notice
	for _, sub := range ended {
		// The notice names the service, as every other listing notice does.
		t := map[string]string{}
		if l, err := s.Store.GetListing(ctx, sub.ListingID); err == nil {
			t = l.Title
		} else if node.ErrorCode(err) != node.ENOTFOUND {
			return err
		}
		notices = append(notices, Notice{Kind: NoticeLeft, ListingID: sub.ListingID, Other: sub.Member, Title: t, At: ev.Time,
			Message: fmt.Sprintf("%s %s and was unsubscribed on %s", sub.Member, what, ev.Time.Format(time.DateOnly))})
	}
	if err := s.Store.AddMarketNotices(ctx, notices); err != nil {
		return err
	}
	return s.closeListingsOf(ctx, ev.AggregateID, ev.Time)
}

// closeListingsOf closes the open listings of a member that lapsed or
// left: nobody could accept an answer to them any more (its tokens stop
// working). Peers get an Update; bids already agreed keep their
// agreements. A member event delivered again finds nothing left open.
func (s *Service) closeListingsOf(ctx context.Context, member string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ls, _, err := s.Store.Listings(ctx, Query{Origin: "local", Owner: member, Status: node.ListingOpen, Limit: 500})
	if err != nil {
		return err
	}
	for _, l := range ls {
		l.Status = node.ListingClosed
		l.UpdatedAt = at
		ev, err := node.NewEvent(node.SubjectListingUpdated, l.ID, at, l)
		if err != nil {
			return err
		}
		if err := s.Store.UpdateListing(ctx, l, []node.Event{ev}); err != nil {
			return err
		}
	}
	if len(ls) > 0 {
		s.committed()
	}
	return nil
}

// ParsePeriod parses a month "2026-11" and returns its first day and the
// first day of the next month, in UTC.
func ParsePeriod(period string) (start, end time.Time, err error) {
	t, err := time.Parse("2006-01", period)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("%q is not a month (YYYY-MM)", period)
	}
	return t, t.AddDate(0, 1, 0), nil
}

// ShareLine is one subscriber's share of a period, with its computation:
// Amount = floor(Total × Weight / TotalWeight) + Bonus, where Bonus is 0
// or 1 minor unit of the rounding remainder.
type ShareLine struct {
	Member string `json:"member"`
	Days   int64  `json:"days"`
	Units  int64  `json:"units,omitempty"`
	Weight int64  `json:"weight"`
	// Exact is Total × Weight / TotalWeight as a fraction.
	Exact  string `json:"exact"`
	Floor  int64  `json:"floor"`
	Bonus  int64  `json:"bonus"`
	Amount int64  `json:"amount"`
}

// Statement is what each subscriber of a shared service owes for one
// period.
type Statement struct {
	ListingID    string      `json:"listing_id"`
	Period       string      `json:"period"`
	Currency     string      `json:"currency"`
	Total        int64       `json:"total"`
	Rule         string      `json:"rule"`
	DaysInPeriod int64       `json:"days_in_period"`
	TotalWeight  int64       `json:"total_weight"`
	Remainder    int64       `json:"remainder"`
	Method       string      `json:"method"`
	Lines        []ShareLine `json:"lines"`
	// Scope is "all" when Lines has every subscriber (the owner and
	// admins), "own" when it has only the asking subscriber's line.
	Scope string `json:"scope"`
}

// Method is how shares are computed, as the statement shows it.
const Method = "weight = days subscribed in the month (equal), units used (units), or attribute × days (attribute); " +
	"each subscriber owes floor(total × weight / total weight); the remainder is given one minor unit at a time " +
	"to the largest fractional parts, ties to the smaller member id"

// Shares computes a shared service's statement for a period (a month,
// "2026-11"). A subscriber's days count from its start day included to
// its end day excluded: one who leaves on the 10th pays for 9 days.
//
// Who sees what: an admin and the service's owner see every line; a
// subscriber (current or past) sees its own line and the totals; anyone
// else is refused.
func (s *Service) Shares(ctx context.Context, who Actor, listingID, period string) (*Statement, error) {
	start, end, err := ParsePeriod(period)
	if err != nil {
		var p node.Problems
		p.Add("period", "%v", err)
		return nil, p.Err("compute shares")
	}
	l, err := s.Store.GetListing(ctx, listingID)
	if err != nil {
		return nil, err
	}
	if l.Kind != node.KindSharedService || l.CostModel == nil {
		return nil, &node.Error{Code: node.ECONFLICT, Op: "compute shares", Message: fmt.Sprintf("listing %s is not a shared service", listingID)}
	}
	subs, err := s.Store.Subscriptions(ctx, listingID)
	if err != nil {
		return nil, err
	}
	all := who.Admin || (l.Origin == "" && l.Owner != "" && l.Owner == who.Member)
	if !all && !subscribed(subs, who.Member) {
		return nil, forbidden("compute shares", "the shares of listing %s are shown to its owner, the admins and its subscribers", listingID)
	}
	var usage map[string]int64
	if l.CostModel.Rule == node.ShareUnits {
		if usage, err = s.Store.Usage(ctx, listingID, period); err != nil {
			return nil, err
		}
	}
	st := Compute(l, period, start, end, subs, usage)
	st.Scope = "all"
	if !all {
		st.Scope = "own"
		own := []ShareLine{}
		for _, ln := range st.Lines {
			if ln.Member == who.Member {
				own = append(own, ln)
			}
		}
		st.Lines = own
	}
	return st, nil
}

// subscribed reports whether member has or had a subscription among subs.
func subscribed(subs []*Subscription, member string) bool {
	for _, sub := range subs {
		if member != "" && sub.Member == member {
			return true
		}
	}
	return false
}

// Compute builds the statement of a period [start, end) from the
// subscriptions and, for the units rule, the units each member used.
func Compute(l *node.Listing, period string, start, end time.Time, subs []*Subscription, usage map[string]int64) *Statement {
	cm := l.CostModel
	st := &Statement{ListingID: l.ID, Period: period, Currency: cm.Currency, Total: cm.Amount, Rule: cm.Rule,
		DaysInPeriod: int64(end.Sub(start).Hours() / 24), Method: Method}
	lines := map[string]*ShareLine{}
	line := func(m string) *ShareLine {
		if lines[m] == nil {
			lines[m] = &ShareLine{Member: m}
		}
		return lines[m]
	}
	for _, sub := range subs {
		from := day(sub.Start)
		until := end
		if sub.End != nil {
			until = day(*sub.End)
		}
		if from.Before(start) {
			from = start
		}
		if until.After(end) {
			until = end
		}
		if !until.After(from) {
			continue
		}
		d := int64(until.Sub(from).Hours() / 24)
		ln := line(sub.Member)
		ln.Days += d
		switch cm.Rule {
		case node.ShareEqual:
			ln.Weight += d
		case node.ShareAttribute:
			ln.Weight += d * sub.Attribute
		}
	}
	if cm.Rule == node.ShareUnits {
		for m, u := range usage {
			if u > 0 {
				ln := line(m)
				ln.Units, ln.Weight = u, u
			}
		}
	}
	members := make([]string, 0, len(lines))
	for m := range lines {
		members = append(members, m)
	}
	sort.Strings(members)
	weights := make([]int64, len(members))
	for i, m := range members {
		weights[i] = lines[m].Weight
		st.TotalWeight += weights[i]
	}
	amounts, floors := Split(cm.Amount, weights)
	for i, m := range members {
		ln := lines[m]
		ln.Floor, ln.Amount, ln.Bonus = floors[i], amounts[i], amounts[i]-floors[i]
		ln.Exact = strconv.FormatInt(cm.Amount, 10) + "×" + strconv.FormatInt(ln.Weight, 10) + "/" + strconv.FormatInt(st.TotalWeight, 10)
		st.Remainder += ln.Bonus
		st.Lines = append(st.Lines, *ln)
	}
	if st.Lines == nil {
		st.Lines = []ShareLine{}
	}
	return st
}

func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Split divides total (minor units, not negative) in proportion to the
// weights (not negative) by the largest remainder method: each gets the
// floor of its exact share, then the units left over go one each to the
// largest fractional parts, ties to the lower index (callers sort by
// member id). It returns the amounts and the floors; the amounts sum to
// total unless every weight is zero, when all are zero.
func Split(total int64, weights []int64) (amounts, floors []int64) {
	amounts = make([]int64, len(weights))
	floors = make([]int64, len(weights))
	var sum uint64
	for _, w := range weights {
		sum += uint64(w)
	}
	if sum == 0 || total <= 0 {
		return amounts, floors
	}
	rems := make([]uint64, len(weights))
	var given int64
	for i, w := range weights {
		hi, lo := bits.Mul64(uint64(total), uint64(w))
		q, r := bits.Div64(hi, lo, sum) // hi < sum since w ≤ sum and total fits in 63 bits
		floors[i], rems[i] = int64(q), r
		given += int64(q)
	}
	copy(amounts, floors)
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return rems[order[a]] > rems[order[b]] })
	for k := int64(0); k < total-given; k++ {
		amounts[order[k]]++
	}
	return amounts, floors
}

// WriteCSV writes a statement for the accountant: one line per
// subscriber, amounts in minor units.
func WriteCSV(w io.Writer, st *Statement) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"listing", "period", "member", "days", "units", "weight", "total_weight", "exact", "floor", "remainder_unit", "amount", "currency"})
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	for _, ln := range st.Lines {
		_ = cw.Write([]string{st.ListingID, st.Period, ln.Member, i64(ln.Days), i64(ln.Units), i64(ln.Weight), i64(st.TotalWeight),
			ln.Exact, i64(ln.Floor), i64(ln.Bonus), i64(ln.Amount), st.Currency})
	}
	_ = cw.Write([]string{st.ListingID, st.Period, "TOTAL", "", "", "", i64(st.TotalWeight), "", "", i64(st.Remainder), i64(st.Total), st.Currency})
	cw.Flush()
	return cw.Error()
}
