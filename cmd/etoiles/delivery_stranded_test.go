package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/federation"
)

// flakyQueue fails (or silently drops) the next DELIVERY publishes while
// armed, as JetStream does when it is briefly unavailable.
type flakyQueue struct {
	federation.Queue
	mu     sync.Mutex
	fail   int  // how many delivery publishes to fail
	drop   bool // drop instead of failing: the fan-out sees success
	failed int
}

func (q *flakyQueue) arm(n int, drop bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.fail, q.drop = n, drop
}

func (q *flakyQueue) Publish(ctx context.Context, subject, msgID string, data []byte) error {
	if subject == federation.SubjectDelivery {
		q.mu.Lock()
		hit, drop := q.fail > 0, q.drop
		if hit {
			q.fail--
			q.failed++
		}
		q.mu.Unlock()
		if hit && drop {
			return nil
		}
		if hit {
			return errors.New("nats: timeout")
		}
	}
	return q.Queue.Publish(ctx, subject, msgID, data)
}

// TestStrandedDeliveries: when queuing the job of some targets of a
// fan-out fails, or a job is lost after its publish, every peer still
// receives the change without a restart, and each delivery is made once.
func TestStrandedDeliveries(t *testing.T) {
	q := &flakyQueue{}
	fr := newTestNode(t, "fr", func(c *Config) { c.DeliverySweep = 5 * time.Second })
	fr.wrapQueue = func(inner federation.Queue) federation.Queue { q.Queue = inner; return q }
	fr.run("FR")
	it := MustFederatedNode(t, "it", "IT")
	es := MustFederatedNode(t, "es", "ES")
	pt := MustFederatedNode(t, "pt", "PT")
	peers := []*testNode{it, es, pt}
	MustMesh(t, fr, it, es, pt)
	probe := mustStoreProbe(t, fr.dir)

	for _, tc := range []struct {
		name, id string
		drop     bool
		within   time.Duration
	}{
		// Within less than a sweep interval: the fan-out run again by
		// the event's redelivery queues the pending delivery itself.
		{"publish fails: the fan-out runs again", "scop-un", false, 4 * time.Second},
		{"job lost after publish: the sweep queues it", "scop-deux", true, 30 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q.arm(1, tc.drop)
			body := fmt.Sprintf(`{"id":%q,"name":"Scop %s","country":"FR","summary":{"fr":"Vidéo"},"competences":["92111000"]}`, tc.id, tc.id)
			if s, b, _ := fr.admin.do("POST", "/api/v1/members", body); s != 201 {
				t.Fatalf("create on fr: %d %v", s, b)
			}
			for _, n := range peers {
				waitFor(t, tc.within, tc.id+" on "+n.name, func() (bool, string) {
					s, _, _ := n.admin.do("GET", "/api/v1/members/"+tc.id+"@"+fr.addr, "")
					return s == 200, fmt.Sprint(s)
				})
			}
			rows, delivered, attempts := createDeliveries(t, probe, "/members/"+tc.id+`"`)
			if rows != len(peers) || delivered != rows || attempts != rows {
				t.Errorf("deliveries of the Create: %d rows, %d delivered, %d attempts; want %d, each delivered in one attempt", rows, delivered, attempts, len(peers))
			}
		})
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.failed != 2 {
		t.Errorf("the wrapper failed %d publishes, want 2: the test did not test", q.failed)
	}
}

// createDeliveries counts the deliveries of the Create whose body holds
// marker: rows, delivered ones and attempts.
func createDeliveries(t *testing.T, probe *storeProbe, marker string) (rows, delivered, attempts int) {
	t.Helper()
	rs, err := probe.db.Query(`SELECT state, attempts, CAST(body AS TEXT) FROM deliveries`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for rs.Next() {
		var state, body string
		var n int
		if err := rs.Scan(&state, &n, &body); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body, `"type":"Create"`) || !strings.Contains(body, marker) {
			continue
		}
		rows++
		attempts += n
		if state == "delivered" {
			delivered++
		}
	}
	return rows, delivered, attempts
}
