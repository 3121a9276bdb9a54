package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// fanoutInboxes are fake peer inboxes on one or more httptest servers:
// they answer 202 at once and report when the activity that carries the
// current marker has reached every one of them.
type fanoutInboxes struct {
	mu     sync.Mutex
	marker []byte
	got    map[string]bool
	want   int
	first  time.Time
	all    chan time.Time
}

func (f *fanoutInboxes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.WriteHeader(http.StatusAccepted)
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.marker == nil || !bytes.Contains(body, f.marker) || f.got[r.Host+r.URL.Path] {
		return
	}
	if len(f.got) == 0 {
		f.first = now
	}
	f.got[r.Host+r.URL.Path] = true
	if len(f.got) == f.want {
		f.all <- now
	}
}

// expect arms the inboxes for the activity that carries marker.
func (f *fanoutInboxes) expect(marker string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.marker, f.got = []byte(marker), map[string]bool{}
}

// BenchmarkFanOut measures the fan-out of one member change to 200
// followers: 200 allowed peers that follow the node (inserted in its
// store) whose inboxes are fake, on one httptest server (one-host: 200
// inbox paths, so the keep-alive connections are shared) or on 200
// (200-hosts: one connection each). Each of the b.N rounds creates a
// member through the API and waits until all 200 inboxes got its Create.
//
// Metrics: fanout-ms, the mean time from the POST to the 200th delivery
// (fanout-max-ms, the slowest round); first-ms, the mean time to the
// first one (the pipeline's latency); deliveries/s, 200 × b.N over the
// time the rounds took; and retried, the deliveries that needed more
// than one attempt (a slow round without retries points at the queue).
//
//	go test -run '^$' -bench FanOut -benchtime 10x ./cmd/etoiles/
func BenchmarkFanOut(b *testing.B) {
	const peers = 200
	for _, hosts := range []int{1, peers} {
		name := "one-host"
		if hosts > 1 {
			name = fmt.Sprintf("%d-hosts", hosts)
		}
		b.Run(name, func(b *testing.B) {
			n := MustFederatedNode(b, "fr", "FR")
			inboxes := &fanoutInboxes{want: peers, all: make(chan time.Time, 1)}
			srvs := make([]*httptest.Server, hosts)
			for i := range srvs {
				srvs[i] = httptest.NewServer(inboxes)
				b.Cleanup(srvs[i].Close)
			}
			ctx := context.Background()
			for i := range peers {
				base := srvs[i%hosts].URL
				p := &node.Peer{ActorURL: fmt.Sprintf("%s/actors/%d", base, i), Inbox: fmt.Sprintf("%s/actors/%d/inbox", base, i),
					Name: fmt.Sprintf("peer %d", i), Allowed: true, Outgoing: node.FollowAccepted, Incoming: node.FollowAccepted}
				if err := n.main.db.SavePeer(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
			round := func(i int) (first, all time.Duration) {
				name := fmt.Sprintf("Fan Out %05d", i)
				inboxes.expect(name)
				start := time.Now()
				if s, body, _ := n.admin.do("POST", "/api/v1/members", `{"name":"`+name+`","country":"FR","competences":["72413000"]}`); s != 201 {
					b.Fatalf("create: %d %v", s, body)
				}
				select {
				case end := <-inboxes.all:
					inboxes.mu.Lock()
					defer inboxes.mu.Unlock()
					return inboxes.first.Sub(start), end.Sub(start)
				case <-time.After(time.Minute):
					inboxes.mu.Lock()
					defer inboxes.mu.Unlock()
					b.Fatalf("round %d: %d of %d inboxes got the activity after a minute", i, len(inboxes.got), peers)
				}
				return 0, 0
			}
			round(-1) // warm up: connections, prepared paths
			var sumFirst, sumAll, maxAll time.Duration
			b.ResetTimer()
			for i := range b.N {
				first, all := round(i)
				sumFirst, sumAll, maxAll = sumFirst+first, sumAll+all, max(maxAll, all)
			}
			b.StopTimer()
			b.ReportMetric(ms(sumAll)/float64(b.N), "fanout-ms")
			b.ReportMetric(ms(maxAll), "fanout-max-ms")
			b.ReportMetric(ms(sumFirst)/float64(b.N), "first-ms")
			b.ReportMetric(float64(peers*b.N)/sumAll.Seconds(), "deliveries/s")
			b.ReportMetric(float64(mustStoreProbe(b, n.dir).retriedDeliveries()), "retried")
		})
	}
}
