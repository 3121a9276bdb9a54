package main

import (
	"context"
	"time"

	"github.com/e-toiles/etoiles/federation"
	"github.com/e-toiles/etoiles/node/market"
)

// marketCloseInterval is how often group purchases past their deadline
// are closed.
const marketCloseInterval = time.Minute

// startMarket subscribes the marketplace to member events (a co-op that
// lapses or leaves is unsubscribed from shared services at once) and
// closes due group purchases every marketCloseInterval, until ctx ends.
func (m *Main) startMarket(ctx context.Context, svc *market.Service) error {
	q := busQueue{m.bus, m.Logger.With("component", "queue")}
	stop, err := q.Subscribe(ctx, federation.StreamEvents, "market-members", federation.SubjectMembers, svc.HandleMemberEvent)
	if err != nil {
		return err
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer stop()
		t := time.NewTicker(marketCloseInterval)
		defer t.Stop()
		for {
			if _, err := svc.CloseDue(ctx); err != nil && ctx.Err() == nil {
				m.Logger.Warn("closing due group purchases", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}
