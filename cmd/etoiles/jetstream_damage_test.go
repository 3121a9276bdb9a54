package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDamagedOrDeletedJetStreamStore: a node whose JetStream store is
// damaged (or deleted by hand) while deliveries are pending starts anyway,
// says so in /readyz, and delivers what SQLite says is pending.
func TestDamagedOrDeletedJetStreamStore(t *testing.T) {
	fr := MustFederatedNode(t, "fr", "FR")
	it := MustFederatedNode(t, "it", "IT")
	MustMesh(t, fr, it)
	for round, damage := range map[string]func(js string){
		"damaged": func(js string) {
			streams := filepath.Join(js, "jetstream", "$G", "streams")
			for _, f := range []string{filepath.Join(streams, "DELIVERY", "meta.inf"), filepath.Join(streams, "EVENTS", "obs", "federation-fanout", "o.dat")} {
				if err := os.WriteFile(f, []byte("garbage"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
		},
		"deleted": func(js string) {
			if err := os.RemoveAll(js); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(round, func(t *testing.T) {
			it.stop()
			name := "Coop " + round
			if s, b, _ := fr.admin.do("POST", "/api/v1/members", fmt.Sprintf(`{"name":%q,"country":"FR"}`, name)); s != 201 {
				t.Fatalf("create on fr: %d %v", s, b)
			}
			waitFor(t, 5*time.Second, "a delivery to it pending", func() (bool, string) {
				_, b, _ := fr.admin.do("GET", "/api/v1/peers", "")
				items, _ := b["items"].([]any)
				for _, x := range items {
					p, _ := x.(map[string]any)
					if p["url"] == it.actor() {
						d, _ := p["delivery"].(map[string]any)
						n, _ := d["pending"].(float64)
						return n >= 1, fmt.Sprint(d)
					}
				}
				return false, fmt.Sprint(b)
			})
			fr.stop()
			damage(filepath.Join(fr.dir, natsDir))
			fr.restart("FR")
			_, body, _ := fr.admin.do("GET", "/readyz", "")
			notes, _ := body["notes"].(map[string]any)
			if s, _ := notes["nats"].(string); !strings.Contains(s, "rebuilt from the database") {
				t.Errorf("readyz after a %s store: %v, want a note that the queues were rebuilt", round, body)
			}
			it.restart("IT")
			waitFor(t, 20*time.Second, name+" on it", func() (bool, string) {
				c := it.catalogue("country=FR")
				for _, v := range c {
					if strings.HasSuffix(v, "|"+name) {
						return true, ""
					}
				}
				return false, fmt.Sprint(c)
			})
		})
	}
}
