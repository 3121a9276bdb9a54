package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

var propagationRate = flag.Float64("etoiles.rate", 100, "changes per second that BenchmarkPropagation makes on the first node")

// mustPeeredNodes starts two nodes that follow each other.
func mustPeeredNodes(b *testing.B) (a, c *testNode) {
	b.Helper()
	a = MustFederatedNode(b, "fr", "FR", liftInboxRate)
	c = MustFederatedNode(b, "it", "IT", liftInboxRate)
	for _, p := range [][2]*testNode{{a, c}, {c, a}} {
		if s, body, _ := p[0].admin.do("POST", "/api/v1/peers", `{"url":"`+p[1].actor()+`"}`); s != 201 {
			b.Fatalf("%s adds %s: %d %v", p[0].name, p[1].name, s, body)
		}
	}
	for _, n := range []*testNode{a, c} {
		waitFor(b, 10*time.Second, n.name+"'s peer accepted", func() (bool, string) {
			st := n.peerStates()
			return strings.Count(st, "=accepted") == 1, st
		})
	}
	return a, c
}

// BenchmarkPropagation measures how long a change on one node takes to
// reach a peer's catalogue over loopback: two in-process nodes, fr and
// it, follow each other; a paced loop creates b.N members on fr through
// the API at -etoiles.rate changes per second (100 by default), and a
// watcher polls it's database every millisecond (one indexed query on a
// connection of its own) for the members that arrived. A latency runs
// from just before the POST on fr to the poll that finds the member on
// it: API, outbox relay, fan-out, delivery (sign, POST), it's inbox
// (verify, queue) and processor (apply, commit).
//
// Metrics: p50-ms, p90-ms, p99-ms, max-ms, and the rate achieved.
//
//	go test -run '^$' -bench Propagation -benchtime 1000x ./cmd/etoiles/
func BenchmarkPropagation(b *testing.B) {
	fr, it := mustPeeredNodes(b)
	probe := mustStoreProbe(b, it.dir)
	origin := fr.actor()
	// Warm up: one member, through the whole path.
	if s, body, _ := fr.admin.do("POST", "/api/v1/members", `{"name":"Warm Up","country":"FR","competences":["72413000"]}`); s != 201 {
		b.Fatalf("create on fr: %d %v", s, body)
	}
	waitCount(b, 10*time.Second, time.Millisecond, 1, func() int { return probe.remoteMembers(origin) })
	_, last, err := probe.newRemoteMembers(origin, 0)
	if err != nil {
		b.Fatal(err)
	}

	n := b.N
	sent := make([]time.Time, n)
	arrived := make([]time.Time, n)
	done := make(chan struct{})
	watcherErr := make(chan error, 1)
	go func() {
		seen := 0
		deadline := time.Now().Add(time.Duration(float64(n)/(*propagationRate)*float64(time.Second)) + 60*time.Second)
		for seen < n {
			names, seq, err := probe.newRemoteMembers(origin, last)
			now := time.Now()
			if err != nil {
				watcherErr <- err
				return
			}
			last = seq
			for _, name := range names {
				i, err := strconv.Atoi(strings.TrimPrefix(name, "Bench Coop "))
				if err != nil || i < 0 || i >= n || !arrived[i].IsZero() {
					watcherErr <- fmt.Errorf("unexpected member %q on it", name)
					return
				}
				arrived[i] = now
				seen++
			}
			if now.After(deadline) {
				watcherErr <- fmt.Errorf("%d of %d members reached it", seen, n)
				return
			}
			time.Sleep(time.Millisecond)
		}
		close(done)
	}()

	interval := time.Duration(float64(time.Second) / *propagationRate)
	b.ResetTimer()
	start := time.Now()
	for i := range n {
		if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
			time.Sleep(d)
		}
		sent[i] = time.Now()
		body := fmt.Sprintf(`{"name":"Bench Coop %05d","country":"FR","region":"FR101","summary":{"fr":"Vidéo et sous-titrage"},"languages":["fr","en"],"competences":["92111000"]}`, i)
		if s, resp, _ := fr.admin.do("POST", "/api/v1/members", body); s != 201 {
			b.Fatalf("create %d on fr: %d %v", i, s, resp)
		}
	}
	sending := time.Since(start)
	select {
	case <-done:
	case err := <-watcherErr:
		b.Fatal(err)
	}
	b.StopTimer()

	lat := make([]time.Duration, n)
	for i := range n {
		lat[i] = arrived[i].Sub(sent[i])
	}
	sortDurations(lat)
	b.ReportMetric(ms(percentile(lat, 50)), "p50-ms")
	b.ReportMetric(ms(percentile(lat, 90)), "p90-ms")
	b.ReportMetric(ms(percentile(lat, 99)), "p99-ms")
	b.ReportMetric(ms(lat[n-1]), "max-ms")
	b.ReportMetric(float64(n)/sending.Seconds(), "changes/s")
}
