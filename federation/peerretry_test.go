package federation

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestUnreachablePeerLogLevels: a peer that cannot be reached is logged at
// INFO while nodes may still be starting, once at WARN past
// UnreachableWarnAfter, then no more until it is reached again.
func TestUnreachablePeerLogLevels(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	f := &Federation{log: slog.New(slog.NewTextHandler(&buf, nil)), now: func() time.Time { return now }}
	ctx := context.Background()
	refused := errors.New("connection refused")
	lines := func() []string {
		s := strings.TrimSpace(buf.String())
		buf.Reset()
		if s == "" {
			return nil
		}
		return strings.Split(s, "\n")
	}
	for i := range 3 {
		f.peerUnreachable(ctx, "https://it.example/actor", autoPeerRetry(time.Duration(i)*time.Second), refused)
		now = now.Add(time.Minute)
	}
	got := lines()
	if len(got) != 3 {
		t.Fatalf("logged %d lines, want 3: %q", len(got), got)
	}
	for _, l := range got {
		if !strings.Contains(l, "level=INFO") || !strings.Contains(l, "peer not reachable yet") || !strings.Contains(l, "retry_in=") {
			t.Errorf("early failure logged as %q, want INFO with retry_in", l)
		}
	}
	now = now.Add(UnreachableWarnAfter)
	f.peerUnreachable(ctx, "https://it.example/actor", time.Minute, refused)
	f.peerUnreachable(ctx, "https://it.example/actor", time.Minute, refused)
	if got := lines(); len(got) != 1 || !strings.Contains(got[0], "level=WARN") || !strings.Contains(got[0], "still not reachable") {
		t.Errorf("past the threshold logged %q, want one WARN", got)
	}
	if !f.peerReached("https://it.example/actor") || f.peerReached("https://it.example/actor") {
		t.Error("peerReached does not report, then forget, the unreachable peer")
	}
	f.peerUnreachable(ctx, "https://it.example/actor", time.Second, refused)
	if got := lines(); len(got) != 1 || !strings.Contains(got[0], "level=INFO") {
		t.Errorf("after being reached, a new failure logged %q, want INFO again", got)
	}
	if d := autoPeerRetry(40 * time.Second); d != time.Minute {
		t.Errorf("retry after 40 s = %v, want capped at 1 min", d)
	}
}
