package federation

import (
	"context"
	"fmt"
	"strconv"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
)

// ListPeers lists the peers with their state and delivery health.
func (f *Federation) ListPeers(ctx context.Context) ([]*node.Peer, error) {
	peers, err := f.store.Peers(ctx)
	if err != nil {
		return nil, err
	}
	if peers == nil {
		peers = []*node.Peer{}
	}
	return peers, f.store.FillPeerDelivery(ctx, peers...)
}

// peerForAdmin returns a peer with its delivery health.
func (f *Federation) peerForAdmin(ctx context.Context, id int64) (*node.Peer, error) {
	p, err := f.store.PeerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	return p, f.store.FillPeerDelivery(ctx, p)
}

// AddPeer allows the node whose actor is at actorURL and sends it a
// Follow. A peer that already asked to follow us is accepted at once.
func (f *Federation) AddPeer(ctx context.Context, actorURL string) (*node.Peer, error) {
	const op = "add peer"
	if actorURL == "" {
		var p node.Problems
		p.Add("url", "is required: the peer's actor URL, such as https://it.example/actor")
		return nil, p.Err(op)
	}
	if err := f.client.CheckURL(actorURL); err != nil {
		var p node.Problems
		p.Add("url", "%v", err)
		return nil, p.Err(op)
	}
	if sameHost(actorURL, f.uris.Base) {
		var p node.Problems
		p.Add("url", "is this node itself")
		return nil, p.Err(op)
	}
	fetched, err := f.fetchActor(ctx, actorURL)
	if err != nil {
		return nil, err
	}
	peer, err := f.store.PeerByActor(ctx, actorURL)
	if node.ErrorCode(err) == node.ENOTFOUND {
		peer, err = fetched.Peer, nil
	}
	if err != nil {
		return nil, err
	}
	peer.Inbox, peer.SharedInbox, peer.Name, peer.Country = fetched.Inbox, fetched.SharedInbox, fetched.Name, fetched.Country
	publicFollower := !peer.Trusted() && peer.Incoming == node.FollowAccepted
	peer.Allowed, peer.Blocked = true, false
	if err := f.follow(ctx, peer); err != nil {
		return nil, err
	}
	if publicFollower {
		// It followed us for public content; now allowed, it gets the
		// catalogue too.
		if err := f.backfill(ctx, peer, peer.FollowID); err != nil {
			return nil, err
		}
	}
	if err := f.admitIfCredentialed(ctx, peer, fetched.credential); err != nil {
		return nil, err
	}
	return peer, f.store.FillPeerDelivery(ctx, peer)
}

// follow sends our Follow to an allowed peer and accepts its pending
// follow of us, if any.
func (f *Federation) follow(ctx context.Context, peer *node.Peer) error {
	if peer.Outgoing != node.FollowAccepted {
		peer.FollowID = f.uris.Activity("follow-" + shortHash(peer.ActorURL+"|"+strconv.FormatInt(f.now().UnixNano(), 10)))
		peer.Outgoing = node.FollowPending
	}
	if err := f.store.SavePeer(ctx, peer); err != nil {
		return err
	}
	if peer.Outgoing == node.FollowPending {
		if err := f.send(ctx, peer.FollowID, "Follow", peer.ActorURL, peer, false); err != nil {
			return err
		}
	}
	// A follow of us kept pending for an admin is accepted now.
	if peer.Incoming == node.FollowPending {
		if err := f.store.SetPeerIncoming(ctx, peer.ID, node.FollowAccepted); err != nil {
			return err
		}
		peer.Incoming = node.FollowAccepted
		return f.backfill(ctx, peer, peer.FollowID)
	}
	return nil
}

// BlockPeer blocks a peer: from now on its requests get 403, nothing more
// is delivered to it, its pending deliveries are cancelled and its
// members, opportunities and marketplace listings are purged.
func (f *Federation) BlockPeer(ctx context.Context, id int64) (*node.Peer, error) {
	peer, err := f.store.PeerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	peer.Blocked, peer.Allowed = true, false
	if err := f.store.SavePeer(ctx, peer); err != nil {
		return nil, err
	}
	if err := f.store.CancelDeliveries(ctx, id, "peer blocked"); err != nil {
		return nil, err
	}
	if err := f.store.DeleteRemoteMembersOf(ctx, peer.ActorURL); err != nil {
		return nil, err
	}
	if err := f.store.DeleteRemoteOpportunitiesOf(ctx, peer.ActorURL); err != nil {
		return nil, err
	}
	if f.cfg.Market != nil {
		if err := f.cfg.Market.PurgeRemoteOf(ctx, peer.ActorURL); err != nil {
			return nil, err
		}
	}
	f.log.InfoContext(ctx, "peer blocked", "peer", peer.ActorURL)
	return f.peerForAdmin(ctx, id)
}

// UnblockPeer lifts a block and allows and follows the peer again.
func (f *Federation) UnblockPeer(ctx context.Context, id int64) (*node.Peer, error) {
	peer, err := f.store.PeerByID(ctx, id)
	if err != nil {
		return nil, err
	}
	peer.Blocked, peer.Allowed = false, true
	peer.Outgoing = node.FollowNone
	if err := f.follow(ctx, peer); err != nil {
		return nil, err
	}
	return f.peerForAdmin(ctx, id)
}

// RemovePeer unfollows a peer (Undo Follow) and stops sharing business
// data with it.
func (f *Federation) RemovePeer(ctx context.Context, id int64) error {
	peer, err := f.store.PeerByID(ctx, id)
	if err != nil {
		return err
	}
	if peer.Outgoing != node.FollowNone && peer.FollowID != "" && !peer.Blocked {
		undo := f.uris.Activity("undo-" + shortHash(peer.FollowID))
		if err := f.send(ctx, undo, "Undo", vocab.NewActivity("Follow", peer.FollowID, f.uris.Actor(), peer.ActorURL), peer, false); err != nil {
			return fmt.Errorf("remove peer: %w", err)
		}
	}
	peer.Outgoing, peer.Allowed, peer.FollowID = node.FollowNone, false, ""
	return f.store.SavePeer(ctx, peer)
}
