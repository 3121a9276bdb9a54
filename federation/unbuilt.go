package federation

import (
	"context"
	"fmt"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// unbuilt records that the activity id could not be built for peers: one
// dead delivery per inbox whose last error starts with
// node.UnbuiltPrefix, so that the failure shows in the peers' delivery
// health (GET /api/v1/peers, the Peers page) and not only in the log. It
// returns the permanent error the caller returns, when it has nothing
// else to send.
func (f *Federation) unbuilt(ctx context.Context, id string, err error, peers ...*node.Peer) error {
	f.log.ErrorContext(ctx, "activity not built", "activity", id, "err", err)
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
	perm := &permanentError{fmt.Errorf("build %s: %w", id, err)}
	if len(targets) == 0 {
		return perm
	}
	ids, aerr := f.store.AddDeliveries(ctx, id, []byte{}, targets)
	if aerr != nil {
		return fmt.Errorf("record the unbuilt activity %s: %w", id, aerr)
	}
	for _, d := range ids {
		if rerr := f.store.RecordAttempt(ctx, d, node.DeliveryDead, node.UnbuiltPrefix+err.Error(), time.Time{}); rerr != nil {
			return fmt.Errorf("record the unbuilt activity %s: %w", id, rerr)
		}
	}
	return perm
}
