package federation

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
)

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// businessPeers returns the peers that receive network-internal data:
// trusted (allowed or admitted, not blocked) and following us.
func (f *Federation) businessPeers(ctx context.Context) ([]*node.Peer, error) {
	peers, err := f.store.Peers(ctx)
	if err != nil {
		return nil, err
	}
	var out []*node.Peer
	for _, p := range peers {
		if p.Trusted() && p.Incoming == node.FollowAccepted && p.DeliveryInbox() != "" {
			out = append(out, p)
		}
	}
	return out, nil
}

// fanOut turns a member event into an activity for the peers: joined →
// Create, updated → Update, lapsed or left → Delete with a Tombstone.
// The activity id derives from the event id, so a redelivered event makes
// the same activity, which receivers apply once.
func (f *Federation) fanOut(ctx context.Context, data []byte) error {
	var ev node.Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return &permanentError{fmt.Errorf("event: %w", err)}
	}
	var m node.Member
	if err := json.Unmarshal(ev.Data, &m); err != nil {
		return &permanentError{fmt.Errorf("event %d: %w", ev.ID, err)}
	}
	id := f.uris.EventActivity(ev.ID)
	var act *vocab.Builder
	switch ev.Subject {
	case node.SubjectMemberJoined:
		defer f.reportSoon()
		act = vocab.NewActivity("Create", id, f.uris.Actor(), f.memberObject(&m))
	case node.SubjectMemberUpdated:
		act = vocab.NewActivity("Update", id, f.uris.Actor(), f.memberObject(&m))
	case node.SubjectMemberLapsed, node.SubjectMemberLeft:
		defer f.reportSoon()
		tomb := vocab.NewTombstone(f.uris.Member(m.ID), "Organization", ev.Time).Set(revisionTerm, strconv.FormatInt(m.UpdatedAt.UnixNano(), 10))
		act = vocab.NewActivity("Delete", id, f.uris.Actor(), tomb)
	default:
		return nil
	}
	act.SetPublished(ev.Time)
	peers, err := f.businessPeers(ctx)
	if err != nil {
		return err
	}
	return f.publish(ctx, id, act, peers, false)
}

// publish records an activity in the outbox and delivers it to the peers,
// one delivery per distinct inbox (shared inboxes deduplicated).
func (f *Federation) publish(ctx context.Context, id string, act *vocab.Builder, peers []*node.Peer, public bool) error {
	to := make([]string, 0, len(peers))
	for _, p := range peers {
		to = append(to, p.ActorURL)
	}
	if public {
		act.SetTo(vocab.Public)
		act.SetCc(append([]string{f.uris.Followers()}, to...)...)
	} else if len(to) > 0 {
		act.SetTo(to...)
	}
	body, err := act.Marshal()
	if err != nil {
		return f.unbuilt(ctx, id, err, peers...)
	}
	if err := f.store.AddOutboxItem(ctx, node.OutboxItem{ActivityID: id, Public: public, Body: body, Published: f.now().UTC()}); err != nil {
		return err
	}
	return f.deliverTo(ctx, id, body, peers)
}

// deliverTo records one delivery per distinct inbox and queues them.
func (f *Federation) deliverTo(ctx context.Context, id string, body []byte, peers []*node.Peer) error {
	seen := map[string]bool{}
	var targets []node.DeliveryTarget
	for _, p := range peers {
		inbox := p.DeliveryInbox()
		if inbox == "" || seen[inbox] {
			continue
		}
		seen[inbox] = true
		targets = append(targets, node.DeliveryTarget{Inbox: inbox, PeerID: p.ID})
	}
	if len(targets) == 0 {
		return nil
	}
	ids, err := f.store.AddDeliveries(ctx, id, body, targets)
	if err != nil {
		return err
	}
	for _, d := range ids {
		if err := f.enqueueDelivery(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

func (f *Federation) enqueueDelivery(ctx context.Context, id int64) error {
	return f.queue.Publish(ctx, SubjectDelivery, "delivery-"+strconv.FormatInt(id, 10), []byte(strconv.FormatInt(id, 10)))
}

// send delivers one activity of type typ about object to one peer (a
// Follow, an Accept or Reject, an Undo). Follow answers are not kept in
// the outbox collection.
func (f *Federation) send(ctx context.Context, id, typ string, object any, peer *node.Peer, record bool) error {
	act := vocab.NewActivity(typ, id, f.uris.Actor(), object).SetTo(peer.ActorURL)
	body, err := act.Marshal()
	if err != nil {
		return f.unbuilt(ctx, id, err, peer)
	}
	if record {
		if err := f.store.AddOutboxItem(ctx, node.OutboxItem{ActivityID: id, Body: body, Published: f.now().UTC()}); err != nil {
			return err
		}
	}
	return f.deliverTo(ctx, id, body, []*node.Peer{peer})
}

// backfill sends a newly accepted peer a Create for every active member,
// so that its catalogue starts complete. The activity ids are stable per
// member, peer and follow (epoch: the id of the Follow being accepted),
// so a repeated backfill for one follow is applied once, while a new
// follow (after a block was lifted, which purged the peer's copy) brings
// everything again instead of being taken for a redelivery.
func (f *Federation) backfill(ctx context.Context, peer *node.Peer, epoch string) error {
	members, err := f.store.ActiveLocalMembers(ctx)
	if err != nil {
		return err
	}
	for _, m := range members {
		id := f.uris.Activity("backfill-" + shortHash(peer.ActorURL+"|"+epoch+"|"+m.ID+"|"+m.UpdatedAt.String()))
		act := vocab.NewActivity("Create", id, f.uris.Actor(), f.memberObject(m)).SetPublished(m.UpdatedAt).SetTo(peer.ActorURL)
		body, err := act.Marshal()
		if err != nil {
			_ = f.unbuilt(ctx, id, err, peer) // the other objects still go
			continue
		}
		if err := f.deliverTo(ctx, id, body, []*node.Peer{peer}); err != nil {
			return err
		}
	}
	if len(members) > 0 {
		f.log.InfoContext(ctx, "catalogue backfill queued", "peer", peer.ActorURL, "members", len(members))
	}
	if err := f.backfillOpportunities(ctx, peer, epoch); err != nil {
		return err
	}
	return f.backfillListings(ctx, peer, epoch)
}

// remoteActor is a fetched actor: the peer record it makes (not saved)
// and the admission credential it shows, if any.
type remoteActor struct {
	*node.Peer
	credential string
}

// fetchActor fetches a remote actor.
func (f *Federation) fetchActor(ctx context.Context, actorURL string) (*remoteActor, error) {
	if err := f.client.CheckURL(actorURL); err != nil {
		return nil, &node.Error{Code: node.EINVALID, Op: "fetch actor", Message: err.Error()}
	}
	body, err := f.client.Get(ctx, f.signer, actorURL)
	if err != nil {
		return nil, &node.Error{Code: node.EUNAVAILABLE, Op: "fetch actor", Message: fmt.Sprintf("cannot fetch %s: %v", actorURL, err)}
	}
	it, err := vocab.Decode(body)
	if err != nil {
		return nil, &node.Error{Code: node.EINVALID, Op: "fetch actor", Message: fmt.Sprintf("%s is not an ActivityPub actor: %v", actorURL, err)}
	}
	if it.ID() != actorURL {
		return nil, &node.Error{Code: node.EINVALID, Op: "fetch actor", Message: fmt.Sprintf("%s serves an actor with id %s", actorURL, it.ID())}
	}
	p := &remoteActor{Peer: &node.Peer{ActorURL: actorURL}}
	p.Inbox = first(it.IRIs("inbox"))
	var endpoints struct {
		SharedInbox string `json:"sharedInbox"`
	}
	_ = it.Unmarshal("endpoints", &endpoints)
	p.SharedInbox = endpoints.SharedInbox
	names := it.NameMap()
	p.Name = names[defaultLang(names)]
	_ = it.Unmarshal("country", &p.Country)
	_ = it.Unmarshal("admissionCredential", &p.credential)
	if p.Inbox == "" || !sameHost(p.Inbox, actorURL) || p.SharedInbox != "" && !sameHost(p.SharedInbox, actorURL) {
		return nil, &node.Error{Code: node.EINVALID, Op: "fetch actor", Message: actorURL + " has no inbox on its own host"}
	}
	if err := f.client.CheckURL(p.Inbox); err != nil {
		return nil, &node.Error{Code: node.EINVALID, Op: "fetch actor", Message: err.Error()}
	}
	return p, nil
}

func first(s []string) string {
	if len(s) > 0 {
		return s[0]
	}
	return ""
}
