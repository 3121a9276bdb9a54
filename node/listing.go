package node

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ListingSide says whether a listing offers something or asks for it.
type ListingSide string

// Listing sides. On the wire (FEP-0837) an offer is a Proposal with
// purpose "offer", a need one with purpose "request".
const (
	SideOffer ListingSide = "offer"
	SideNeed  ListingSide = "need"
)

// ListingKind is what a listing is about.
type ListingKind string

// Listing kinds. A shared service has subscribers who share its cost; a
// group purchase collects commitments until a target quantity.
const (
	KindProduct       ListingKind = "product"
	KindService       ListingKind = "service"
	KindSharedService ListingKind = "shared-service"
	KindGroupPurchase ListingKind = "group-purchase"
)

// Scope is how far a listing reaches.
type Scope string

// Scopes: local means the owner's region, national its country,
// international the whole network.
const (
	ScopeLocal         Scope = "local"
	ScopeNational      Scope = "national"
	ScopeInternational Scope = "international"
)

// ListingStatus is the state of a listing. A listing is open until its
// owner closes it; a group purchase closes as reached or not reached.
type ListingStatus string

// Listing statuses.
const (
	ListingOpen       ListingStatus = "open"
	ListingClosed     ListingStatus = "closed"
	ListingReached    ListingStatus = "reached"
	ListingNotReached ListingStatus = "not-reached"
	// ListingWithdrawn marks a peer's listing its origin deleted: the row
	// is kept as a tombstone, so that a late Update cannot bring it back,
	// and is never listed.
	ListingWithdrawn ListingStatus = "withdrawn"
)

// Open reports whether the listing still takes responses.
func (s ListingStatus) Open() bool { return s == ListingOpen }

// Units are the units of measure a quantity may use: the om2 (Ontology
// of units of Measure 2.0) local names FEP-0837 uses for hasUnit. "one"
// counts things (seats, laptops, domains, currency minor units).
var Units = map[string]string{
	"one": "a count of things", "second-Time": "second", "hour": "hour", "day": "day",
	"week": "week", "month": "month", "year": "year", "kilogram": "kilogram",
	"gigabyte": "gigabyte", "kilowattHour": "kilowatt hour", "squareMetre": "square metre",
}

// Quantity is a whole number of a unit.
type Quantity struct {
	Unit  string `json:"unit"`
	Value int64  `json:"value"`
}

// Price is what one unit of a listing costs: Amount minor units of
// Currency (ISO 4217) for Per units.
type Price struct {
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
	Per      int64  `json:"per,omitempty"`
}

// Share rules of a shared service.
const (
	ShareEqual     = "equal"     // equal shares, by days subscribed
	ShareUnits     = "units"     // pro rata of the units each subscriber used
	ShareAttribute = "attribute" // pro rata of a member attribute (headcount) by days
)

// CostModel is how a shared service's cost is shared: Amount minor units
// of Currency each month, split by Rule. Attribute names the member
// attribute of the attribute rule (headcount).
type CostModel struct {
	Currency  string `json:"currency"`
	Amount    int64  `json:"amount"`
	Rule      string `json:"rule"`
	Attribute string `json:"attribute,omitempty"`
}

// Listing is an offer or a need of the marketplace, local or published by
// a peer node (Origin set). Owner is the member co-op behind it, empty
// when the national group itself runs it.
type Listing struct {
	ID             string            `json:"id"`
	Side           ListingSide       `json:"side"`
	Kind           ListingKind       `json:"kind"`
	Title          map[string]string `json:"title"`
	Description    map[string]string `json:"description"`
	CPV            []string          `json:"cpv"`
	Quantity       Quantity          `json:"quantity"`
	Price          *Price            `json:"price,omitempty"`
	CostModel      *CostModel        `json:"cost_model,omitempty"`
	AvailableFrom  *time.Time        `json:"available_from,omitempty"`
	AvailableUntil *time.Time        `json:"available_until,omitempty"`
	Deadline       *time.Time        `json:"deadline,omitempty"`
	Scope          Scope             `json:"scope"`
	Country        string            `json:"country"`
	Region         string            `json:"region,omitempty"`
	Owner          string            `json:"owner,omitempty"`
	Status         ListingStatus     `json:"status"`
	// Committed is the quantity committed so far (group purchases) or
	// agreed (other kinds).
	Committed int64  `json:"committed"`
	Origin    string `json:"origin,omitempty"`
	APID      string `json:"ap_id,omitempty"`
	// Revision orders versions of a remote listing (its node's change
	// time in nanoseconds).
	Revision  int64     `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Limits on listing fields.
const (
	MaxListingTitle = 200
	MaxQuantity     = 1_000_000_000
	MaxAmount       = 1_000_000_000_000 // minor units: ten billion in a two-decimal currency
)

// Normalize canonicalises the listing in place.
func (l *Listing) Normalize() {
	l.Country = strings.ToUpper(strings.TrimSpace(l.Country))
	l.Region = strings.ToUpper(strings.TrimSpace(l.Region))
	l.Title = normalizeText(l.Title)
	l.Description = normalizeText(l.Description)
	for i, c := range l.CPV {
		if n, ok := NormalizeCPV(c); ok {
			l.CPV[i] = n
		}
	}
	l.CPV = nonNil(dedupe(l.CPV))
	if l.Quantity.Unit == "" {
		l.Quantity.Unit = "one"
	}
	if l.Price != nil {
		l.Price.Currency = strings.ToUpper(strings.TrimSpace(l.Price.Currency))
		if l.Price.Per == 0 {
			l.Price.Per = 1
		}
	}
	if l.CostModel != nil {
		l.CostModel.Currency = strings.ToUpper(strings.TrimSpace(l.CostModel.Currency))
	}
	if l.Scope == "" {
		l.Scope = ScopeNational
	}
	if l.Status == "" {
		l.Status = ListingOpen
	}
}

// Validate checks a normalised listing and returns an EINVALID error with
// a field-level detail for each problem.
func (l *Listing) Validate() error {
	var p Problems
	if l.Side != SideOffer && l.Side != SideNeed {
		p.Add("side", "must be offer or need")
	}
	switch l.Kind {
	case KindProduct, KindService, KindSharedService:
	case KindGroupPurchase:
		if l.Side != SideNeed {
			p.Add("side", "a group purchase is a need")
		}
		if l.Deadline == nil {
			p.Add("deadline", "is required for a group purchase")
		}
	default:
		p.Add("kind", "must be product, service, shared-service or group-purchase")
	}
	if len(l.Title) == 0 {
		p.Add("title", "is required, in at least one language")
	}
	for tag, text := range l.Title {
		if !validTextTag(tag) {
			p.Add("title."+tag, "%q is not a known BCP 47 language tag", tag)
		} else if utf8.RuneCountInString(text) > MaxListingTitle {
			p.Add("title."+tag, "is longer than %d characters", MaxListingTitle)
		} else {
			checkName(&p, "title."+tag, text)
		}
	}
	for tag, text := range l.Description {
		if !validTextTag(tag) {
			p.Add("description."+tag, "%q is not a known BCP 47 language tag", tag)
		} else if utf8.RuneCountInString(text) > MaxSummaryLen {
			p.Add("description."+tag, "is longer than %d characters", MaxSummaryLen)
		} else {
			checkText(&p, "description."+tag, text)
		}
	}
	if len(l.CPV) == 0 {
		p.Add("cpv", "needs at least one CPV code")
	} else if len(l.CPV) > MaxCodes {
		p.Add("cpv", "has more than %d codes", MaxCodes)
	}
	for i, c := range l.CPV {
		if _, ok := NormalizeCPV(c); !ok {
			p.Add(fmt.Sprintf("cpv[%d]", i), "%q is not a CPV code (8 digits in a CPV division)", c)
		}
	}
	if _, ok := Units[l.Quantity.Unit]; !ok {
		p.Add("quantity.unit", "%q is not a known om2 unit (one, hour, day, week, month, year, ...)", l.Quantity.Unit)
	}
	if l.Quantity.Value < 0 {
		p.Add("quantity.value", "must not be negative")
	} else if l.Quantity.Value > MaxQuantity {
		p.Add("quantity.value", "is over %d", MaxQuantity)
	}
	if l.Kind == KindGroupPurchase && l.Quantity.Value <= 0 {
		p.Add("quantity.value", "a group purchase needs a target quantity above zero")
	}
	if l.Price != nil {
		validMoney(&p, "price", l.Price.Currency, l.Price.Amount)
		if l.Price.Per <= 0 {
			p.Add("price.per", "must be above zero")
		}
	}
	if l.Kind == KindSharedService && l.Side == SideOffer {
		if l.CostModel == nil {
			p.Add("cost_model", "is required for a shared service")
		}
	} else if l.CostModel != nil {
		p.Add("cost_model", "is only for an offered shared service")
	}
	if c := l.CostModel; c != nil {
		validMoney(&p, "cost_model", c.Currency, c.Amount)
		switch c.Rule {
		case ShareEqual, ShareUnits:
			if c.Attribute != "" {
				p.Add("cost_model.attribute", "is only for the attribute rule")
			}
		case ShareAttribute:
			if c.Attribute != "headcount" {
				p.Add("cost_model.attribute", "must be headcount")
			}
		default:
			p.Add("cost_model.rule", "must be equal, units or attribute")
		}
	}
	if l.AvailableFrom != nil && l.AvailableUntil != nil && !l.AvailableUntil.After(*l.AvailableFrom) {
		p.Add("available_until", "must be after available_from")
	}
	switch l.Scope {
	case ScopeLocal, ScopeNational, ScopeInternational:
	default:
		p.Add("scope", "must be local, national or international")
	}
	if !ValidCountry(l.Country) {
		p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code", l.Country)
	}
	if l.Scope == ScopeLocal && l.Region == "" {
		p.Add("region", "is required for a local listing (a NUTS code)")
	}
	if l.Region != "" && !ValidNUTS(l.Region, l.Country) {
		p.Add("region", "%q is not a NUTS code in country %s", l.Region, l.Country)
	}
	if l.Owner != "" && !ValidSlug(l.Owner) && l.Origin == "" {
		p.Add("owner", "must be a member id")
	}
	switch l.Status {
	case ListingOpen, ListingClosed, ListingReached, ListingNotReached:
	default:
		p.Add("status", "must be open, closed, reached or not-reached")
	}
	return p.Err("validate listing")
}

// validTextTag accepts a BCP 47 tag, or "und" for text in no stated
// language (a plain name from software that writes no nameMap).
func validTextTag(tag string) bool { return tag == "und" || ValidLanguageTag(tag) }

func validMoney(p *Problems, field, currency string, amount int64) {
	if len(currency) != 3 || strings.Trim(currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		p.Add(field+".currency", "%q is not an ISO 4217 currency code", currency)
	}
	if amount < 0 {
		p.Add(field+".amount", "must not be negative")
	} else if amount > MaxAmount {
		p.Add(field+".amount", "is over %d minor units", int64(MaxAmount))
	}
}

// ResponseStatus is the state of a response to a listing.
type ResponseStatus string

// Response statuses.
const (
	ResponsePending  ResponseStatus = "pending"
	ResponseAccepted ResponseStatus = "accepted"
	ResponseRejected ResponseStatus = "rejected"
)

// Response is a member's answer to a listing: on the wire an Offer of an
// Agreement proposing a quantity and terms. Responder is the member id on
// the responding node; ResponderNode is that node's actor (empty when
// local). OfferID is the Offer activity's id.
type Response struct {
	ID            string            `json:"id"`
	ListingID     string            `json:"listing_id"`
	Responder     string            `json:"responder"`
	ResponderNode string            `json:"responder_node,omitempty"`
	Quantity      Quantity          `json:"quantity"`
	Terms         map[string]string `json:"terms,omitempty"`
	Status        ResponseStatus    `json:"status"`
	// Reason says why the node refused a response it received.
	Reason    string     `json:"reason,omitempty"`
	OfferID   string     `json:"offer_id,omitempty"`
	Agreement *Agreement `json:"agreement,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
}

// Agreement is what an accepted response becomes: the listing, the
// parties, the quantity and, when the listing has a price, the amount.
type Agreement struct {
	ID        string    `json:"id"`
	ListingID string    `json:"listing_id"`
	Provider  string    `json:"provider"`
	Receiver  string    `json:"receiver"`
	Quantity  Quantity  `json:"quantity"`
	Amount    *Price    `json:"amount,omitempty"`
	At        time.Time `json:"at"`
}

// ValidateResponse checks a response against the listing it answers.
func ValidateResponse(l *Listing, r *Response) error {
	var p Problems
	if r.Quantity.Unit == "" {
		r.Quantity.Unit = l.Quantity.Unit
	}
	if r.Quantity.Value <= 0 {
		p.Add("quantity.value", "must be above zero")
	} else if r.Quantity.Value > MaxQuantity {
		p.Add("quantity.value", "is over %d", MaxQuantity)
	}
	if r.Quantity.Unit != l.Quantity.Unit {
		p.Add("quantity.unit", "is %q but the listing counts in %q", r.Quantity.Unit, l.Quantity.Unit)
	}
	r.Terms = normalizeText(r.Terms)
	for tag, text := range r.Terms {
		if !ValidLanguageTag(tag) {
			p.Add("terms."+tag, "%q is not a known BCP 47 language tag", tag)
		} else if utf8.RuneCountInString(text) > MaxSummaryLen {
			p.Add("terms."+tag, "is longer than %d characters", MaxSummaryLen)
		}
	}
	if err := p.Err("validate response"); err != nil {
		return err
	}
	if !l.Status.Open() {
		return &Error{Code: ECONFLICT, Op: "validate response", Message: fmt.Sprintf("listing %s is %s and takes no more responses", l.ID, l.Status),
			Fields: []FieldError{{Field: "listing", Reason: "is " + string(l.Status)}}}
	}
	return nil
}

// NoticeListing is the kind of the marketplace's notices (Ref names the
// listing and what happened; see node/market).
const NoticeListing = "listing"

// Event subjects of the marketplace.
const (
	SubjectListingCreated   = SubjectPrefix + "listing.created"
	SubjectListingUpdated   = SubjectPrefix + "listing.updated"
	SubjectListingDeleted   = SubjectPrefix + "listing.deleted"
	SubjectListingReceived  = SubjectPrefix + "listing.received"  // a peer's listing arrived or changed here
	SubjectResponseOffered  = SubjectPrefix + "listing.responded" // a local member answered a remote listing
	SubjectResponseAnswered = SubjectPrefix + "listing.answered"  // a local owner accepted or rejected a remote response
)

// ResponseEvent is the data of the response events: the response and the
// listing it answers, which federation needs to address the activity.
type ResponseEvent struct {
	Response *Response `json:"response"`
	Listing  *Listing  `json:"listing"`
}
