package node_test

import (
	"testing"

	"github.com/e-toiles/etoiles/node"
)

func TestPeerState(t *testing.T) {
	acc, rej, none := node.FollowAccepted, node.FollowRejected, node.FollowNone
	for _, c := range []struct {
		name string
		p    node.Peer
		want node.PeerState
	}{
		{"both follows, allowed", node.Peer{Allowed: true, Incoming: acc, Outgoing: acc}, node.PeerAccepted},
		{"both follows, admitted", node.Peer{Admitted: true, Incoming: acc, Outgoing: acc}, node.PeerAccepted},
		{"allowed, ours not answered", node.Peer{Allowed: true, Incoming: acc, Outgoing: none}, node.PeerPending},
		{"allowed, ours refused", node.Peer{Allowed: true, Incoming: acc, Outgoing: rej}, node.PeerRejected},
		{"blocked", node.Peer{Allowed: true, Blocked: true, Incoming: acc, Outgoing: acc}, node.PeerBlocked},
		{"admission ended", node.Peer{Incoming: acc, Outgoing: acc}, node.PeerUntrusted},
		{"a Fediverse follower", node.Peer{Incoming: acc}, node.PeerFollower},
		{"a stranger refused", node.Peer{Incoming: rej}, node.PeerPending},
	} {
		if got := c.p.State(); got != c.want {
			t.Errorf("%s: State() = %s, want %s", c.name, got, c.want)
		}
	}
}
