package tender

import (
	"fmt"

	"github.com/e-toiles/etoiles/node"
	"strings"
	"time"
)

// Notice is what the radar keeps of an eForms call for competition. Codes
// are converted to the node's conventions: languages are BCP 47 tags
// ("en", not "ENG"), countries ISO 3166-1 alpha-2 ("FR", not "FRA"), CPV
// codes eight digits without the check digit. BT numbers are the eForms
// business terms each field comes from.
type Notice struct {
	// ID is the notice identifier (BT-701), a UUID the buyer's system
	// assigns; it is in the notice before and after TED publishes it.
	ID string
	// Version is the notice version (BT-757), "01" for a first version.
	Version string
	// ProcedureID is the procedure identifier (BT-04), shared by every
	// notice of the same procedure.
	ProcedureID string
	// PublicationID is the TED publication number ("00123456-2024",
	// OPP-010) of a published notice; empty before publication.
	PublicationID string
	// ChangedNoticeID is the notice a change notice changes (BT-758).
	ChangedNoticeID string
	// SDK is the eForms SDK version the notice follows ("eforms-sdk-1.15").
	SDK string
	// Form is the UBL document: "ContractNotice" or "PriorInformationNotice".
	Form string
	// Type is the notice type (BT-02): "cn-standard", "pin-cfc-social", ...
	Type string
	// Subtype is the notice subtype (OPP-070): "16" for a contract notice
	// under Directive 2014/24/EU.
	Subtype string
	// Language is the notice's official language (BT-702), and Languages
	// every language it is written in, the official one first.
	Language  string
	Languages []string
	// IssuedAt is the dispatch date and time (BT-05).
	IssuedAt time.Time
	// Nature is the main nature of the contract (BT-23): works, supplies
	// or services.
	Nature string
	// Title (BT-21) and Description (BT-24) of the procedure, by language.
	Title       map[string]string
	Description map[string]string
	// MainCPV (BT-262) and AdditionalCPV (BT-263) classify the procedure.
	MainCPV       string
	AdditionalCPV []string
	// Places of performance of the procedure (BT-5141, BT-5071, BT-727).
	Places []Place
	// BuyerCountry is the country of the first buyer's address, and Buyer
	// what the notice publishes of that buyer (nil when nothing).
	BuyerCountry string
	Buyer        *node.Buyer
	// Procedure is the procedure type (BT-105) and Accelerated the
	// accelerated procedure indicator (BT-106).
	Procedure   string
	Accelerated bool
	// Value is the estimated value of the procedure (BT-27), or the sum of
	// its lots' values when they share one currency; nil when unknown.
	Value *Amount
	// Deadline is the earliest deadline of any lot, and DeadlineKind says
	// which deadline it is; zero when no lot has one.
	Deadline     time.Time
	DeadlineKind DeadlineKind
	// Lots of the procedure; a notice has at least one.
	Lots []Lot
	// Flags are true when the procedure or any lot sets them.
	Flags Flags
}

// Lot is one lot of a notice.
type Lot struct {
	// ID is the lot identifier (BT-137), "LOT-0001".
	ID string
	// Title (BT-21) and Description (BT-24) of the lot, by language.
	Title       map[string]string
	Description map[string]string
	// MainCPV (BT-262) and AdditionalCPV (BT-263). A lot without its own
	// main code takes the procedure's.
	MainCPV       string
	AdditionalCPV []string
	// Places of performance of the lot.
	Places []Place
	// Value is the lot's estimated value (BT-27), nil when not given.
	Value *Amount
	// Deadline is the earliest of the lot's deadlines for requests to
	// participate (BT-1311), tenders (BT-131) and expressions of interest
	// (BT-630); zero when none is given.
	Deadline     time.Time
	DeadlineKind DeadlineKind
	// Reserved is the reserved participation code (BT-71): "res-ws"
	// (sheltered workshops and social-integration enterprises),
	// "res-pub-ser" (organisations with a public-service mission, art. 77
	// of Directive 2014/24/EU); empty or "none" when not reserved.
	Reserved string
	// SocialObjectives are the social procurement codes (BT-775), such as
	// "acc-all" (accessibility for all) or "work-cond".
	SocialObjectives []string
	// Accessibility is the accessibility criteria code (BT-754): "inc"
	// when accessibility criteria for persons with disabilities are
	// included.
	Accessibility string
	// SMESuitable is the "suitable for SMEs" indicator (BT-726).
	SMESuitable bool
	// Flags sums up the four codes above.
	Flags Flags
	// StrategicText (BT-777) and AccessibilityText (BT-755) are what the
	// buyer wrote about its social objectives and accessibility criteria.
	StrategicText     map[string]string
	AccessibilityText map[string]string
	// DocumentsURL (BT-15) and RestrictedDocumentsURL (BT-615): where the
	// procurement documents are.
	DocumentsURL           string
	RestrictedDocumentsURL string
	// SubmissionURL (BT-18) is where tenders go; ElectronicSubmission
	// (BT-17) is required, allowed or not-allowed.
	SubmissionURL        string
	ElectronicSubmission string
	// FrameworkAgreement (BT-765) and DPS (BT-766), "none" left out.
	FrameworkAgreement string
	DPS                string
	// Duration (BT-36), Start (BT-536) and End (BT-537, YYYY-MM-DD) of
	// the contract.
	Duration   *node.Duration
	Start, End string
	// AwardCriteria and SelectionCriteria of the lot.
	AwardCriteria     []node.AwardCriterion
	SelectionCriteria []node.SelectionCriterion
}

// Flags are the social and accessibility flags the radar shows.
type Flags struct {
	// Reserved: participation is reserved (BT-71 other than "none").
	Reserved bool
	// SocialObjective: the procurement pursues a social objective
	// (BT-775 given, or strategic procurement BT-06 "soc-obj").
	SocialObjective bool
	// Accessibility: accessibility criteria are included (BT-754 "inc").
	Accessibility bool
	// SMESuitable: the procurement is suitable for SMEs (BT-726).
	SMESuitable bool
}

func (f Flags) or(g Flags) Flags {
	return Flags{
		Reserved:        f.Reserved || g.Reserved,
		SocialObjective: f.SocialObjective || g.SocialObjective,
		Accessibility:   f.Accessibility || g.Accessibility,
		SMESuitable:     f.SMESuitable || g.SMESuitable,
	}
}

// Place is a place of performance. Region holds the eForms code for
// "anywhere" (anyw), "anywhere in the given country" (anyw-cou) or
// "anywhere in the EEA" (anyw-eea) when the notice gives one.
type Place struct {
	Country string
	NUTS    string
	Region  string
}

// Amount is a money value: a non-negative decimal as written in the
// notice ("1230000", "4500000.50") and an ISO 4217 currency.
type Amount struct {
	Value    string
	Currency string
}

// DeadlineKind says which eForms deadline a date is.
type DeadlineKind string

// The deadlines a notice can give for a lot.
const (
	DeadlineTender        DeadlineKind = "tender"        // BT-131, receipt of tenders
	DeadlineParticipation DeadlineKind = "participation" // BT-1311, receipt of requests to participate
	DeadlineInterest      DeadlineKind = "interest"      // BT-630, receipt of expressions of interest
)

// SourceRef is the source reference of the radar entry made from n:
// "eforms:" followed by the procedure identifier (BT-04), a UUID that
// every notice of the procedure carries. The notice identifier (BT-701)
// changes with each change notice, and the TED number exists only once
// TED has published the notice; the procedure identifier is the same in
// a prior information notice and the contract notice that follows it, in
// every change notice, and in a copy taken before or after publication,
// so re-imports, corrections and peers' imports all find the same entry.
func (n *Notice) SourceRef() string { return SourceRefPrefix + strings.ToLower(n.ProcedureID) }

// SourceRefPrefix starts every source reference of an imported notice.
const SourceRefPrefix = "eforms:"

// Country returns the country of the procedure's place of performance:
// the first place with a country, then the first lot's, then the buyer's.
// It may be empty (a notice performed "anywhere").
func (n *Notice) Country() string {
	for _, p := range n.Places {
		if p.Country != "" {
			return p.Country
		}
	}
	for _, l := range n.Lots {
		for _, p := range l.Places {
			if p.Country != "" {
				return p.Country
			}
		}
	}
	return n.BuyerCountry
}

// NUTS returns the NUTS code of the first place of performance that has
// one, in the procedure and then in the lots.
func (n *Notice) NUTS() string {
	for _, p := range n.Places {
		if p.NUTS != "" {
			return p.NUTS
		}
	}
	for _, l := range n.Lots {
		for _, p := range l.Places {
			if p.NUTS != "" {
				return p.NUTS
			}
		}
	}
	return ""
}

// ParseError says why a notice cannot be read: the file, the line (0 when
// unknown), the element as a path from the root and the reason.
type ParseError struct {
	File    string
	Line    int
	Element string
	Reason  string
}

// Error formats the error on one line: "cn.xml:404: /ContractNotice/
// .../cbc:EndDate: "2019-13-01" is not a date".
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if b.Len() == 0 {
		b.WriteString("notice")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Element != "" {
		b.WriteString(e.Element + ": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}
