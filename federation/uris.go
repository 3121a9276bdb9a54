package federation

import (
	"net/url"
	"strconv"
	"strings"
)

// URIs builds every URI this node publishes, in one place. Base is the
// node's public origin, without a trailing slash.
type URIs struct{ Base string }

// Actor is the node's Group actor.
func (u URIs) Actor() string { return u.Base + "/actor" }

// MainKey is the id of the actor's RSA key (draft-cavage signatures).
func (u URIs) MainKey() string { return u.Actor() + "#main-key" }

// EdKey is the id of the actor's Ed25519 key (RFC 9421 signatures).
func (u URIs) EdKey() string { return u.Actor() + "#ed25519-key" }

// Inbox is the actor's inbox.
func (u URIs) Inbox() string { return u.Actor() + "/inbox" }

// SharedInbox is the node's shared inbox.
func (u URIs) SharedInbox() string { return u.Base + "/inbox" }

// Outbox is the actor's outbox collection.
func (u URIs) Outbox() string { return u.Actor() + "/outbox" }

// Followers is the actor's followers collection.
func (u URIs) Followers() string { return u.Actor() + "/followers" }

// Following is the actor's following collection.
func (u URIs) Following() string { return u.Actor() + "/following" }

// Member is the Organization object of a local member co-op.
func (u URIs) Member(id string) string { return u.Base + "/members/" + url.PathEscape(id) }

// Activity is an activity this node published; key makes it unique and
// stable (an event id, so that a redelivered event keeps its activity id).
func (u URIs) Activity(key string) string { return u.Base + "/activities/" + url.PathEscape(key) }

// EventActivity is the activity published for a domain event.
func (u URIs) EventActivity(eventID int64) string {
	return u.Activity("ev-" + strconv.FormatInt(eventID, 10))
}

// Context is the JSON-LD context of our extension terms.
func (u URIs) Context() string { return u.Base + "/ns" }

// Host returns the host (with port) of the node.
func (u URIs) Host() string {
	p, err := url.Parse(u.Base)
	if err != nil {
		return ""
	}
	return p.Host
}

// Owns reports whether iri is served by this node.
func (u URIs) Owns(iri string) bool { return sameHost(iri, u.Base) }

// hostOf returns the lower-cased host (with port) of a URL, "" if none.
func hostOf(raw string) string {
	p, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(p.Host)
}

// sameHost reports whether two URLs have the same host.
func sameHost(a, b string) bool {
	ha := hostOf(a)
	return ha != "" && ha == hostOf(b)
}

// Opportunity is the object of a local opportunity.
func (u URIs) Opportunity(id string) string { return u.Base + "/opportunities/" + url.PathEscape(id) }

// Interest is the object of an expression of interest a local member made.
func (u URIs) Interest(id string) string { return u.Base + "/interests/" + url.PathEscape(id) }
