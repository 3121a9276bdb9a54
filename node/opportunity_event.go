package node

// Opportunity event subjects. The opportunity events carry the public
// opportunity (no interests); the interest events carry the interest.
const (
	// A local opportunity was posted or imported.
	SubjectOpportunityCreated = SubjectPrefix + "opportunity.created"
	// A local opportunity changed: fields, status or consortium.
	SubjectOpportunityUpdated = SubjectPrefix + "opportunity.updated"
	// A local opportunity was deleted (its lead left before anything was filed).
	SubjectOpportunityDeleted = SubjectPrefix + "opportunity.deleted"
	// A peer's opportunity arrived or changed here. Federation does not
	// send it on; the matcher reads it.
	SubjectOpportunityReceived = SubjectPrefix + "opportunity.received"

	// A member of this node expressed interest (federation sends the
	// Offer when the opportunity is remote).
	SubjectInterestExpressed = SubjectPrefix + "opportunity.interest.expressed"
	// An interest reached the origin node from a peer (the lead sees it).
	SubjectInterestReceived = SubjectPrefix + "opportunity.interest.received"
	// The lead accepted or rejected an interest (federation answers the
	// Offer with Accept or Reject when the member is remote).
	SubjectInterestAccepted = SubjectPrefix + "opportunity.interest.accepted"
	SubjectInterestRejected = SubjectPrefix + "opportunity.interest.rejected"
	// The origin's answer reached the member's node.
	SubjectInterestAnswered = SubjectPrefix + "opportunity.interest.answered"
	// An interest was withdrawn because its member left.
	SubjectInterestWithdrawn = SubjectPrefix + "opportunity.interest.withdrawn"
)

// InterestEvent is the data of the interest events: the interest and the
// public opportunity it is for.
type InterestEvent struct {
	Interest    *Interest    `json:"interest"`
	Opportunity *Opportunity `json:"opportunity"`
}
