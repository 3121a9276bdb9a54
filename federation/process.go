package federation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
)

func firstType(it *vocab.Item) string {
	if t := it.Types(); len(t) > 0 {
		return t[0]
	}
	return ""
}

func refuse(format string, args ...any) error {
	return &permanentError{fmt.Errorf(format, args...)}
}

// apply applies an activity. recorded reports that the store marked it
// processed in the same transaction as the change, which the member
// upserts and deletes do; the caller marks the others.
func (f *Federation) apply(ctx context.Context, act *vocab.Item, signer string) (recorded bool, err error) {
	actor := act.Actor()
	if actor != signer {
		return false, refuse("actor %s is not the signer %s", actor, signer)
	}
	peer, err := f.store.PeerByActor(ctx, actor)
	if err != nil && node.ErrorCode(err) != node.ENOTFOUND {
		return false, err
	}
	if peer != nil && peer.Blocked {
		return false, refuse("%s is blocked", actor)
	}
	switch {
	case act.Is("Follow"):
		return false, f.applyFollow(ctx, act, peer)
	}
	if act.Is("Add") || act.Is("Remove") {
		return false, f.applyAnnouncement(ctx, act, actor)
	}
	if act.Is("Undo") && peer != nil && !peer.Trusted() {
		return false, f.applyPublicUndo(ctx, act, peer)
	}
	if peer == nil || !peer.Trusted() {
		return false, refuse("%s is not an allowed peer", actor)
	}
	obj := act.Object()
	if obj == nil {
		return false, refuse("activity %s has no single object", act.ID())
	}
	switch {
	case act.Is("Accept"), act.Is("Reject"):
		if handled, err := f.applyMarketAnswer(ctx, act, obj, peer); handled {
			return false, err
		}
		if obj.Is("Offer") || obj.IsIRI() && f.uris.Owns(obj.ID()) && strings.Contains(obj.ID(), "/activities/offer-") {
			return true, f.applyOfferAnswer(ctx, act, obj, peer)
		}
		return false, f.applyFollowAnswer(ctx, act, obj, peer)
	case act.Is("Offer"):
		if handled, err := f.applyMarketOffer(ctx, act, obj, peer); handled {
			return false, err
		}
		return true, f.applyOffer(ctx, act, obj, peer)
	case act.Is("Undo"):
		if obj.Is("Follow") || obj.IsIRI() {
			return false, f.store.SetPeerIncoming(ctx, peer.ID, node.FollowNone)
		}
		return false, nil
	case act.Is("Create"), act.Is("Update"):
		if !sameHost(obj.ID(), actor) {
			return false, refuse("%s may not %s %s, owned by another host", actor, firstType(act), obj.ID())
		}
		if obj.IsIRI() {
			return false, refuse("%s needs an embedded object", firstType(act))
		}
		if err := node.CheckURL(obj.ID()); err != nil {
			return false, refuse("object id %q: it %v", obj.ID(), err)
		}
		if obj.Is("StatsReport") {
			return false, f.applyReport(ctx, obj, actor)
		}
		if obj.Is("Opportunity") {
			return true, f.applyOpportunity(ctx, act, obj, peer)
		}
		if obj.Is("Proposal") {
			return false, f.applyProposal(ctx, obj, actor)
		}
		if handled, err := f.applyContent(ctx, act, obj, actor); handled {
			return true, err
		}
		if obj.Is("Organization") {
			m, err := remoteMember(obj, actor, f.now().UTC())
			if err != nil {
				return false, &permanentError{err}
			}
			m.Website = f.urlCheck(ctx, "member", m.APID).keep("website", m.Website)
			return true, f.store.UpsertRemoteMember(ctx, act.ID(), firstType(act), m)
		}
		return false, nil // a type we do not keep
	case act.Is("Delete"):
		if !sameHost(obj.ID(), actor) {
			return false, refuse("%s may not delete %s, owned by another host", actor, obj.ID())
		}
		if f.isOpportunity(ctx, obj) {
			return true, f.applyOpportunityDelete(ctx, act, obj, actor)
		}
		if isListing(obj.ID(), actor) {
			return false, f.applyListingDelete(ctx, act, obj, actor)
		}
		rev := revisionOf(obj)
		if rev == 0 {
			rev = revisionOf(act)
		}
		if found, err := f.store.DeleteRemoteContent(ctx, act.ID(), actor, obj.ID(), rev); found || err != nil {
			return true, err
		}
		if err := f.memberGone(ctx, obj.ID()); err != nil {
			return false, err
		}
		return true, f.store.DeleteRemoteMember(ctx, act.ID(), actor, obj.ID(), rev)
	}
	return false, nil // an activity type we do not act on
}

// applyFollow answers a Follow of our actor: an allowed peer is accepted
// (and gets a backfill of the catalogue), anyone else is rejected, or kept
// pending for an admin when QueueUnknownFollows is set.
func (f *Federation) applyFollow(ctx context.Context, act *vocab.Item, peer *node.Peer) error {
	obj := act.Object()
	if obj == nil || obj.ID() != f.uris.Actor() {
		return refuse("Follow of something other than this node's actor")
	}
	actor := act.Actor()
	if peer == nil || !peer.Trusted() {
		info, err := f.fetchActor(ctx, actor)
		if err != nil {
			return err
		}
		if peer, err = f.store.EnsurePeer(ctx, info.Peer); err != nil {
			return err
		}
		// A node admitted by the confederation is trusted on its
		// credential alone.
		if err := f.admitIfCredentialed(ctx, peer, info.credential); err != nil {
			return err
		}
	}
	switch {
	case peer.Trusted():
		peer.Incoming = node.FollowAccepted
	case !f.cfg.NoPublicFollows:
		return f.acceptPublicFollower(ctx, act, peer)
	case f.cfg.QueueUnknownFollows:
		f.log.InfoContext(ctx, "follow queued for an admin", "actor", actor)
		return f.store.SetPeerIncoming(ctx, peer.ID, node.FollowPending)
	default:
		peer.Incoming = node.FollowRejected
	}
	if err := f.store.SetPeerIncoming(ctx, peer.ID, peer.Incoming); err != nil {
		return err
	}
	answer := "Accept"
	if !peer.Trusted() {
		answer = "Reject"
	}
	if err := f.send(ctx, f.uris.Activity(answer+"-"+shortHash(act.ID())), answer, act, peer, false); err != nil {
		return err
	}
	if !peer.Trusted() {
		return nil
	}
	if err := f.backfill(ctx, peer, act.ID()); err != nil {
		return err
	}
	// An allowed peer that follows us but refused or never got our own
	// Follow (it was not allowing us yet) is followed again: both admins
	// have now shown they want to peer.
	if peer.Outgoing == node.FollowRejected || peer.Outgoing == node.FollowNone {
		return f.follow(ctx, peer)
	}
	return nil
}

// applyFollowAnswer records a peer's Accept or Reject of our Follow.
func (f *Federation) applyFollowAnswer(ctx context.Context, act, obj *vocab.Item, peer *node.Peer) error {
	if !obj.Is("Follow") && !(obj.IsIRI() && obj.ID() == peer.FollowID) {
		return nil // an answer to something else
	}
	if obj.ID() != peer.FollowID {
		return refuse("%s answers a Follow that is not our current one (%s)", act.ID(), obj.ID())
	}
	state := node.FollowRejected
	if act.Is("Accept") {
		state = node.FollowAccepted
	}
	if err := f.store.SetPeerOutgoing(ctx, peer.ID, obj.ID(), state); err != nil {
		return err
	}
	if state == node.FollowAccepted {
		if peer.Outgoing != node.FollowAccepted {
			f.log.InfoContext(ctx, "peering established: our follow was accepted", "peer", peer.ActorURL)
		}
		f.confederationAccepted(peer)
	}
	// A Reject from a peer that follows us was sent before its admin
	// allowed us (both admins add each other at about the same time):
	// follow again, at most once in ten minutes so that a peer that
	// follows us and rejects us anyway cannot make us loop.
	if state == node.FollowRejected && peer.Incoming == node.FollowAccepted && f.refollowAllowed(peer.ActorURL) {
		peer.Outgoing = node.FollowRejected
		return f.follow(ctx, peer)
	}
	return nil
}

// refollowAllowed rate-limits re-follows per peer.
func (f *Federation) refollowAllowed(actor string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refollowed == nil {
		f.refollowed = map[string]time.Time{}
	}
	now := f.now()
	if last, ok := f.refollowed[actor]; ok && now.Sub(last) < 10*time.Minute {
		return false
	}
	f.refollowed[actor] = now
	return true
}
