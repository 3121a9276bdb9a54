// Package opportunity implements the opportunity use cases: posting and
// importing calls for tenders, listing them (local and cross-border),
// expressing interest, the lead's answers that form the consortium, and
// the status of the joint bid. Federation of opportunities lives in
// federation/; this package only raises the events.
package opportunity
