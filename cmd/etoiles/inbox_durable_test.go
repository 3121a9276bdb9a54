package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/federation"
	"github.com/e-toiles/etoiles/federation/httpsig"
	"github.com/e-toiles/etoiles/node"
)

// signedOrganization signs a Create{Organization} named name from peer.
func signedOrganization(tb testing.TB, peer *fakePeer, inbox, name string) *http.Request {
	tb.Helper()
	body := organization(peer.srv.URL+"/m/"+name, peer.actor(), name)
	req, _ := http.NewRequest("POST", inbox, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/activity+json")
	if err := httpsig.Sign(req, body, peer.key, peer.keyID(), time.Now()); err != nil {
		tb.Fatal(err)
	}
	return req
}

// TestKilledAfter202AppliesEverythingAcknowledged runs etoiles serve as a
// child process, has a peer post a burst of signed activities from
// several connections, and SIGKILLs the child right after a random number
// of 202s, for several rounds. After a last restart every activity
// answered 202 is applied, and none twice.
func TestKilledAfter202AppliesEverythingAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := mustBuildBinary(t)
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	args := []string{"--listen", addr, "--public-url", "http://" + addr, "--allow-private-peers", "--insecure-http", "--inbox-rate", "1000000"}
	peer := newFakePeer(t)
	inbox := "http://" + addr + "/inbox"

	p := startServe(t, bin, dir, args...)
	admin := client{t, "http://" + addr, mustToken(t, dir, "--role", "admin")}
	if s, body, _ := admin.do("POST", "/api/v1/peers", `{"url":"`+peer.actor()+`"}`); s != 201 {
		t.Fatalf("add the fake peer: %d %v", s, body)
	}
	var (
		mu    sync.Mutex
		acked = map[string]bool{}
		sent  atomic.Int64
	)
	const rounds = 4
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 13))
	for round := range rounds {
		if round > 0 {
			p = startServe(t, bin, dir, args...)
		}
		killAt := 50 + rng.IntN(250)
		var inRound atomic.Int64
		killed := make(chan struct{})
		var once sync.Once
		kill := func() {
			once.Do(func() {
				_ = p.cmd.Process.Kill() // SIGKILL
				close(killed)
			})
		}
		tr := &http.Transport{MaxIdleConnsPerHost: 8}
		hc := &http.Client{Transport: tr, Timeout: 10 * time.Second}
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-killed:
						return
					default:
					}
					name := fmt.Sprintf("coop-%d", sent.Add(1))
					resp, err := hc.Do(signedOrganization(t, peer, inbox, name))
					if err != nil {
						return // the node is gone
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusAccepted {
						t.Errorf("%s: %d", name, resp.StatusCode)
						kill()
						return
					}
					mu.Lock()
					acked[name] = true
					mu.Unlock()
					if inRound.Add(1) == int64(killAt) {
						kill()
					}
				}
			}()
		}
		select {
		case <-killed:
		case <-time.After(time.Minute):
			kill()
			t.Errorf("round %d: %d answers in a minute", round, inRound.Load())
		}
		wg.Wait()
		_ = p.cmd.Wait()
		tr.CloseIdleConnections()
		t.Logf("round %d: killed after %d answers 202 (%d acknowledged in all)", round, inRound.Load(), len(acked))
	}

	startServe(t, bin, dir, args...)
	probe := mustStoreProbe(t, dir)
	waitFor(t, time.Minute, "every acknowledged activity applied", func() (bool, string) {
		n := probe.remoteMembers(peer.actor())
		return n >= len(acked), fmt.Sprintf("%d of %d", n, len(acked))
	})
	rows, err := probe.db.Query(`SELECT name, count(*) FROM members WHERE origin = ? GROUP BY name`, peer.actor())
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		stored[name] = n
	}
	rows.Close()
	for name := range acked {
		if stored[name] != 1 {
			t.Errorf("%s answered 202, stored %d times", name, stored[name])
		}
	}
	for name, n := range stored {
		if n != 1 {
			t.Errorf("%s stored %d times", name, n)
		}
	}
	var processed int
	if err := probe.db.QueryRow(`SELECT count(*) FROM processed_activities WHERE actor = ? AND type = 'Create'`, peer.actor()).Scan(&processed); err != nil {
		t.Fatal(err)
	}
	if processed != len(stored) {
		t.Errorf("%d activities recorded as applied, %d members stored", processed, len(stored))
	}
	if len(acked) < rounds*50 {
		t.Errorf("only %d activities acknowledged in %d rounds", len(acked), rounds)
	}
}

// errDiskFull is the failure the store wrapper injects.
var errDiskFull = errors.New("injected: database or disk is full")

// failingStore fails some writes of federation's store while failing is
// set: every third remote member, after writing something (which the
// failed step must undo), and the first batch's commit.
type failingStore struct {
	federation.Store
	failing   atomic.Bool
	upserts   atomic.Int64
	commitBad atomic.Bool
}

func (s *failingStore) UpsertRemoteMember(ctx context.Context, activityID, typ string, m *node.Member) error {
	if s.failing.Load() && s.upserts.Add(1)%3 == 0 {
		if err := s.Store.MarkProcessed(ctx, "half-"+activityID, m.Origin, typ); err != nil {
			return err
		}
		return errDiskFull
	}
	return s.Store.UpsertRemoteMember(ctx, activityID, typ, m)
}

func (s *failingStore) Batch(ctx context.Context, fn func(ctx context.Context) error) error {
	return s.Store.Batch(ctx, func(ctx context.Context) error {
		err := fn(ctx)
		if err == nil && s.commitBad.CompareAndSwap(true, false) {
			return errDiskFull
		}
		return err
	})
}

// TestStoreFailureMidBatch makes the store fail writes in the middle of
// batches (and one whole batch): what was acknowledged is applied once the
// store works again, once, and nothing a failed activity wrote remains.
func TestStoreFailureMidBatch(t *testing.T) {
	store := &failingStore{}
	store.failing.Store(true)
	store.commitBad.Store(true)
	n := newTestNode(t, "fr", func(c *Config) { c.InboxRate = 1e6 })
	n.wrap = func(s federation.Store) federation.Store { store.Store = s; return store }
	n.run("FR")
	peer := newFakePeer(t)
	if s, body, _ := n.admin.do("POST", "/api/v1/peers", `{"url":"`+peer.actor()+`"}`); s != 201 {
		t.Fatalf("add the fake peer: %d %v", s, body)
	}
	inbox := "http://" + n.addr + "/inbox"
	const total = 60
	posts := presign(t, peer, inbox, "coop-", total)
	if err := newInboxSender(inbox, 8).send(posts); err != nil {
		t.Fatal(err)
	}
	probe := mustStoreProbe(t, n.dir)
	waitFor(t, 20*time.Second, "the activities the store takes applied", func() (bool, string) {
		got := probe.remoteMembers(peer.actor())
		return got > 0 && store.upserts.Load() >= total, fmt.Sprintf("%d applied, %d upserts", got, store.upserts.Load())
	})
	if got := probe.remoteMembers(peer.actor()); got >= total {
		t.Fatalf("%d of %d applied while the store was failing", got, total)
	}
	store.failing.Store(false) // space returns
	waitFor(t, time.Minute, "every activity applied", func() (bool, string) {
		got := probe.remoteMembers(peer.actor())
		return got == total, fmt.Sprintf("%d of %d", got, total)
	})
	var half, processed int
	if err := probe.db.QueryRow(`SELECT count(*) FROM processed_activities WHERE activity_id LIKE 'half-%'`).Scan(&half); err != nil {
		t.Fatal(err)
	}
	if half != 0 {
		t.Errorf("%d writes of failed activities kept", half)
	}
	if err := probe.db.QueryRow(`SELECT count(*) FROM processed_activities WHERE actor = ? AND activity_id LIKE '%#create'`, peer.actor()).Scan(&processed); err != nil {
		t.Fatal(err)
	}
	if processed != total {
		t.Errorf("%d activities recorded as applied, want %d", processed, total)
	}
	if st := n.main.fed.InboundStats(); st.Failed == 0 || st.Backlog != 0 {
		t.Errorf("InboundStats() = %+v, want failures counted and no backlog", st)
	}
}

// TestInboxBackPressure fills the backlog while the processor is stopped:
// the inbox answers 429 with Retry-After, says so in the metrics, and
// accepts again once the backlog is applied.
func TestInboxBackPressure(t *testing.T) {
	n := MustFederatedNode(t, "fr", "FR", func(c *Config) { c.InboxRate, c.InboxBacklog = 1e6, 5 })
	peer := newFakePeer(t)
	if s, body, _ := n.admin.do("POST", "/api/v1/peers", `{"url":"`+peer.actor()+`"}`); s != 201 {
		t.Fatalf("add the fake peer: %d %v", s, body)
	}
	inbox := "http://" + n.addr + "/inbox"
	n.main.fed.Stop()
	posts := presign(t, peer, inbox, "coop-", 7)
	send := func(p signedPost) *http.Response {
		req, _ := http.NewRequest("POST", inbox, bytes.NewReader(p.body))
		req.Header = p.header.Clone()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for i := range 5 {
		if resp := send(posts[i]); resp.StatusCode != 202 {
			t.Fatalf("activity %d: %d, want 202", i, resp.StatusCode)
		}
	}
	resp := send(posts[5])
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("over the backlog: %d, Retry-After %q; want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	metrics := func() string {
		r, err := http.Get("http://" + n.addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return string(b)
	}
	if m := metrics(); !strings.Contains(m, "etoiles_inbox_backpressure_total 1\n") || !strings.Contains(m, "etoiles_inbox_backlog 5\n") {
		t.Errorf("metrics after a 429 lack the back-pressure count or the backlog:\n%s", grepLines(m, "etoiles_inbox"))
	}
	if err := n.main.fed.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	probe := mustStoreProbe(t, n.dir)
	waitFor(t, 10*time.Second, "the backlog applied", func() (bool, string) {
		got, backlog := probe.remoteMembers(peer.actor()), n.main.fed.InboundStats().Backlog
		return got == 5 && backlog == 0, fmt.Sprintf("%d applied, backlog %d", got, backlog)
	})
	for _, p := range posts[5:] { // the refused one, sent again, and another
		if resp := send(p); resp.StatusCode != 202 {
			t.Errorf("after the backlog drained: %d, want 202", resp.StatusCode)
		}
	}
	waitFor(t, 10*time.Second, "the retried activity applied", func() (bool, string) {
		got := probe.remoteMembers(peer.actor())
		return got == 7, fmt.Sprint(got)
	})
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
