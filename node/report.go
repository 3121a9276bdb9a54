package node

import "time"

// StatsReport is the aggregate figures a national node reports to the
// confederation. It carries counts only, never names or contacts; cells
// under the k-anonymity threshold are left out and named in Suppressed.
type StatsReport struct {
	Node        string    `json:"node"`    // the national node's actor URL
	Country     string    `json:"country"` // ISO 3166-1 alpha-2
	GeneratedAt time.Time `json:"generated_at"`
	Threshold   int       `json:"threshold"` // cells below it are suppressed

	Members    map[string]int `json:"members"`     // by status
	Joins      map[string]int `json:"joins"`       // per month, "2026-11"
	Leaves     map[string]int `json:"leaves"`      // per month
	ByDivision map[string]int `json:"by_division"` // active members by CPV division ("72")
	ByRegion   map[string]int `json:"by_region"`   // active members by NUTS-1 region ("FR1")
	// Churn is the leaves of the last 12 months over the average number
	// of members in that time.
	Churn float64 `json:"churn"`

	Opportunities map[string]int `json:"opportunities"` // by status
	Consortia     int            `json:"consortia"`
	CrossBorder   int            `json:"cross_border_consortia"`
	BidsWon       int            `json:"bids_won"`
	// BidsWonValue is the total value of the won bids in euros;
	// BidsWonValues has the totals by ISO 4217 currency, euros included,
	// for groups outside the euro area.
	BidsWonValue  float64            `json:"bids_won_value"`
	BidsWonValues map[string]float64 `json:"bids_won_values,omitempty"`
	EventsHeld    int                `json:"events_held"`

	Suppressed []string `json:"suppressed,omitempty"`
}

// ActiveMembers returns the number of members in status member.
func (r *StatsReport) ActiveMembers() int { return r.Members[string(StatusMember)] }
