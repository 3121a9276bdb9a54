package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/federation/httpsig"
)

// signedPost is an inbox request signed in advance.
type signedPost struct {
	body   []byte
	header http.Header
}

// presign signs n Create{Organization} activities of distinct objects
// (named prefix0, prefix1, …) from peer to inbox, on every core. Signing is the
// sender's cost, not the node's: benchmarks do it before the timer.
func presign(tb testing.TB, peer *fakePeer, inbox, prefix string, n int) []signedPost {
	tb.Helper()
	out := make([]signedPost, n)
	now := time.Now()
	var wg sync.WaitGroup
	var next atomic.Int64
	var failed atomic.Value
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				name := fmt.Sprintf("%s%d", prefix, i)
				body := organization(peer.srv.URL+"/m/"+name, peer.actor(), "Cooperativa "+name)
				req, _ := http.NewRequest("POST", inbox, nil)
				req.Header.Set("Content-Type", "application/activity+json")
				if err := httpsig.Sign(req, body, peer.key, peer.keyID(), now); err != nil {
					failed.Store(err)
					return
				}
				out[i] = signedPost{body, req.Header}
			}
		}()
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		tb.Fatal(err)
	}
	return out
}

// inboxSender posts signed activities with a pool of keep-alive
// connections.
type inboxSender struct {
	inbox   string
	clients int
	http    *http.Client
	// took, when not nil, receives each request's time to its answer.
	took []time.Duration
}

func newInboxSender(inbox string, clients int) *inboxSender {
	tr := &http.Transport{MaxIdleConns: clients, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	return &inboxSender{inbox: inbox, clients: clients, http: &http.Client{Transport: tr, Timeout: time.Minute}}
}

// send posts every request, from s.clients goroutines, and returns when
// every answer is in, with the first status other than 202.
func (s *inboxSender) send(posts []signedPost) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range s.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(posts) {
					return
				}
				req, _ := http.NewRequest("POST", s.inbox, bytes.NewReader(posts[i].body))
				req.Header = posts[i].header.Clone()
				t0 := time.Now()
				resp, err := s.http.Do(req)
				if s.took != nil {
					s.took[i] = time.Since(t0)
				}
				if err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusAccepted {
						err = fmt.Errorf("activity %d: %d %s", i, resp.StatusCode, b)
					}
				}
				if err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}

// applyTimeout is how long a benchmark waits for n activities.
func applyTimeout(n int) time.Duration { return 30*time.Second + time.Duration(n)*10*time.Millisecond }

// inboundClients is how many connections post to the inbox at once.
const inboundClients = 16

// mustInboundNode starts a node with a fake peer already allowed and its
// key cached (one activity applied), and returns what the inbound
// benchmarks need.
func mustInboundNode(b *testing.B) (*testNode, *fakePeer, *storeProbe, string) {
	b.Helper()
	n := MustFederatedNode(b, "fr", "FR", liftInboxRate)
	peer := newFakePeer(b)
	if s, body, _ := n.admin.do("POST", "/api/v1/peers", `{"url":"`+peer.actor()+`"}`); s != 201 {
		b.Fatalf("add the fake peer: %d %v", s, body)
	}
	inbox := "http://" + n.addr + "/inbox"
	probe := mustStoreProbe(b, n.dir)
	if err := newInboxSender(inbox, 1).send(presign(b, peer, inbox, "warm-up-", 1)); err != nil {
		b.Fatal(err)
	}
	waitCount(b, 10*time.Second, time.Millisecond, 1, probe.remoteCounter(peer.actor()))
	return n, peer, probe, inbox
}

// BenchmarkInbound measures verified and applied inbound activities per
// second: b.N signed Create{Organization} activities of distinct objects,
// signed in advance by an allowed fake peer (RSA-2048, draft-cavage), are
// POSTed to /inbox from 16 keep-alive connections at once; the clock
// stops when the catalogue holds all of them. The HTTP clients run in the
// process, on the same cores as the node.
//
// end-to-end runs the inbox and the processor together: activities/s is
// b.N over the time until the last one is applied, accepted/s b.N over
// the time until the last 202; accept-p50-ms and accept-p99-ms are the
// times to a 202; ratio-to-rsa-verify is activities/s over a raw
// RSA-2048 verify loop on every core, measured at the start of the run.
// end-to-end-c8 and -c32 post from 8 and 32 connections.
//
// stages runs them one after the other on the same node: the consumers
// are stopped while the activities are posted (accepted/s: verify and
// append to the inbox log), then started again and the clock runs
// until the backlog is applied (applied/s: the processor alone).
//
//	go test -run '^$' -bench Inbound -benchtime 5000x ./cmd/etoiles/
func BenchmarkInbound(b *testing.B) {
	verifies := rsaVerifyRate(b)
	b.Run("end-to-end", func(b *testing.B) { benchEndToEnd(b, inboundClients, verifies) })
	for _, c := range []int{8, 32} {
		b.Run(fmt.Sprintf("end-to-end-c%d", c), func(b *testing.B) { benchEndToEnd(b, c, verifies) })
	}
	b.Run("stages", benchStages)
}

// benchEndToEnd posts b.N activities from clients connections and waits
// until all are applied; verifies is the raw RSA-2048 verify rate of the
// run, on every core.
func benchEndToEnd(b *testing.B, clients int, verifies float64) {
	_, peer, probe, inbox := mustInboundNode(b)
	posts := presign(b, peer, inbox, "coop-", b.N)
	sender := newInboxSender(inbox, clients)
	sender.took = make([]time.Duration, b.N)
	var accepted time.Time
	c0 := cpuTime(b)
	b.ResetTimer()
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		err := sender.send(posts)
		accepted = time.Now()
		done <- err
	}()
	applied := waitCount(b, applyTimeout(b.N), 2*time.Millisecond, b.N+1, probe.remoteCounter(peer.actor()))
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	cpu := cpuTime(b) - c0
	b.ReportMetric(float64(b.N)/applied.Sub(start).Seconds(), "activities/s")
	b.ReportMetric(float64(b.N)/accepted.Sub(start).Seconds(), "accepted/s")
	b.ReportMetric(float64(b.N)/cpu.Seconds(), "activities/cpu-s")
	slices.Sort(sender.took)
	b.ReportMetric(float64(sender.took[b.N/2].Microseconds())/1000, "accept-p50-ms")
	b.ReportMetric(float64(sender.took[b.N*99/100].Microseconds())/1000, "accept-p99-ms")
	b.ReportMetric(float64(b.N)/applied.Sub(start).Seconds()/verifies, "ratio-to-rsa-verify")
}

func benchStages(b *testing.B) {
	n, peer, probe, inbox := mustInboundNode(b)
	posts := presign(b, peer, inbox, "coop-", b.N)
	sender := newInboxSender(inbox, inboundClients)
	n.main.fed.Stop()
	c0 := cpuTime(b)
	b.ResetTimer()
	start := time.Now()
	if err := sender.send(posts); err != nil {
		b.Fatal(err)
	}
	accepted := time.Since(start)
	c1 := cpuTime(b)
	if got := probe.remoteMembers(peer.actor()); got != 1 {
		b.Fatalf("%d members applied while the processor was stopped", got-1)
	}
	start = time.Now()
	if err := n.main.fed.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	applied := waitCount(b, applyTimeout(b.N), 2*time.Millisecond, b.N+1, probe.remoteCounter(peer.actor())).Sub(start)
	b.StopTimer()
	c2 := cpuTime(b)
	b.ReportMetric(float64(b.N)/accepted.Seconds(), "accepted/s")
	b.ReportMetric(float64(b.N)/applied.Seconds(), "applied/s")
	b.ReportMetric(float64(b.N)/(c1-c0).Seconds(), "accepted/cpu-s")
	b.ReportMetric(float64(b.N)/(c2-c1).Seconds(), "applied/cpu-s")
}

// rsaVerifyRate measures RSA-2048 PKCS#1 v1.5 SHA-256 verifications per
// second on every core, for 300 ms: the floor of the inbox's own cost.
func rsaVerifyRate(b *testing.B) float64 {
	b.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	sum := sha256.Sum256([]byte("(request-target): post /inbox"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(300 * time.Millisecond)
	start := time.Now()
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig) == nil {
					n.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}
