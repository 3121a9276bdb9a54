package federation

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
)

// Reporter computes this node's statistics report.
type Reporter interface {
	Report(ctx context.Context) (*node.StatsReport, error)
}

const (
	reportTerm           = "etoiles:report"
	settingLastReport    = "stats_last_report"
	reportMaxInterval    = 30 * 24 * time.Hour
	defaultStatsDebounce = time.Minute
)

// reportSoon schedules a report after StatsDebounce: several changes in a
// row make one report.
func (f *Federation) reportSoon() {
	if !f.reporting() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.reportTimer != nil {
		f.reportTimer.Stop()
	}
	f.reportTimer = time.AfterFunc(f.cfg.StatsDebounce, func() {
		select {
		case f.reportDue <- struct{}{}: // the trust loop sends it
		default:
		}
	})
}

func (f *Federation) reporting() bool {
	return f.cfg.Reporter != nil && !f.cfg.NoStatsReports && f.cfg.ConfederationURL != "" && f.cfg.Role != confederationRole
}

// SendReport sends this node's report to the confederation, addressed to
// it alone. It does nothing until the node is admitted and peered: the
// confederation refuses a report from a node whose Follow it has not
// accepted yet, so the Accept schedules the first report
// (confederationAccepted).
func (f *Federation) SendReport(ctx context.Context) error {
	if !f.reporting() {
		return nil
	}
	if cred, _ := f.store.Setting(ctx, settingCredential); cred == "" {
		return nil
	}
	conf, err := f.store.PeerByActor(ctx, f.cfg.ConfederationURL)
	if err != nil || !conf.Trusted() || conf.Outgoing != node.FollowAccepted {
		return nil
	}
	r, err := f.cfg.Reporter.Report(ctx)
	if err != nil {
		return err
	}
	r.Node = f.uris.Actor()
	now := f.now().UTC()
	key := "stats-" + strconv.FormatInt(now.UnixNano(), 10)
	obj := vocab.NewObject("StatsReport", f.uris.Activity(key+"-report")).SetAttributedTo(f.uris.Actor()).SetPublished(now).Set(reportTerm, r)
	if err := f.send(ctx, f.uris.Activity(key), "Create", obj, conf, false); err != nil {
		return err
	}
	return f.store.SetSetting(ctx, settingLastReport, now.Format(time.RFC3339))
}

// reportIfDue sends a report when the last one is older than a month.
func (f *Federation) reportIfDue(ctx context.Context) error {
	if !f.reporting() {
		return nil
	}
	last, _ := f.store.Setting(ctx, settingLastReport)
	if t, err := time.Parse(time.RFC3339, last); err == nil && f.now().Sub(t) < reportMaxInterval {
		return nil
	}
	return f.SendReport(ctx)
}

// applyReport keeps a national node's report (confederation role).
func (f *Federation) applyReport(ctx context.Context, obj *vocab.Item, actor string) error {
	if f.cfg.Role != confederationRole {
		return refuse("statistics reports go to the confederation only")
	}
	var r node.StatsReport
	if raw := obj.Get(reportTerm); raw == nil || json.Unmarshal(raw, &r) != nil {
		return refuse("a StatsReport without a readable report")
	}
	if r.Node != actor {
		return refuse("a report about %s sent by %s", r.Node, actor)
	}
	return f.store.SaveReport(ctx, &r)
}

// confederationAccepted schedules a report when the confederation accepts
// this node's Follow: until then it would refuse the report.
func (f *Federation) confederationAccepted(peer *node.Peer) {
	if peer.ActorURL == f.cfg.ConfederationURL {
		f.reportSoon()
	}
}
