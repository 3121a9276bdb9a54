package node

import (
	"encoding/json"
	"time"
)

// Event subjects. Every state change raises one event, written in the same
// transaction as the change (the transactional outbox) and published on
// JetStream under these subjects. See spec/events.md.
const (
	SubjectPrefix = "etoiles.event."

	SubjectMemberRegistered = SubjectPrefix + "member.registered" // a prospect is recorded
	SubjectMemberJoined     = SubjectPrefix + "member.joined"     // became a member (also on rejoin)
	SubjectMemberUpdated    = SubjectPrefix + "member.updated"    // profile or competences changed
	SubjectMemberLapsed     = SubjectPrefix + "member.lapsed"     // membership lapsed
	SubjectMemberLeft       = SubjectPrefix + "member.left"       // became alumni
	SubjectMemberReturned   = SubjectPrefix + "member.returned"   // alumni back to prospect
)

// Event is a domain event. ID is the outbox row id, assigned by the store
// when the event is written; it is also the JetStream message id, so a
// republished event is deduplicated.
type Event struct {
	ID          int64           `json:"id"`
	Subject     string          `json:"subject"`
	AggregateID string          `json:"aggregate_id"`
	Time        time.Time       `json:"time"`
	Data        json.RawMessage `json:"data,omitempty"`
}

// NewEvent returns an event whose Data is v encoded as JSON.
func NewEvent(subject, aggregateID string, at time.Time, v any) (Event, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return Event{}, &Error{Code: EINTERNAL, Op: "new event", Err: err}
	}
	return Event{Subject: subject, AggregateID: aggregateID, Time: at.UTC(), Data: data}, nil
}
