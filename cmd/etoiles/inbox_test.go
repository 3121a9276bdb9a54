package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/federation/httpsig"
	"github.com/e-toiles/etoiles/internal/sharedtest"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// fakePeer is a remote node we cannot run: an actor with an RSA key whose
// inbox accepts everything.
type fakePeer struct {
	srv      *httptest.Server
	key      *rsa.PrivateKey
	received atomic.Int64
	fetched  atomic.Int64 // GET /actor requests
}

func (p *fakePeer) actor() string { return p.srv.URL + "/actor" }
func (p *fakePeer) keyID() string { return p.actor() + "#main-key" }

func newFakePeer(tb testing.TB) *fakePeer {
	tb.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	p := &fakePeer{key: key}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pub := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /actor", func(w http.ResponseWriter, r *http.Request) {
		p.fetched.Add(1)
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(map[string]any{
			"@context": []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
			"id":       p.actor(), "type": "Group", "name": "Fake peer", "inbox": p.srv.URL + "/inbox",
			"publicKey": map[string]string{"id": p.keyID(), "owner": p.actor(), "publicKeyPem": pub},
		})
	})
	mux.HandleFunc("POST /inbox", func(w http.ResponseWriter, r *http.Request) {
		p.received.Add(1)
		w.WriteHeader(202)
	})
	p.srv = httptest.NewServer(mux)
	tb.Cleanup(p.srv.Close)
	return p
}

// post sends an activity to inbox signed with key under keyID at time at.
func post(tb testing.TB, inbox string, body []byte, key *rsa.PrivateKey, keyID string, at time.Time, tamper func(*http.Request)) (int, string) {
	tb.Helper()
	req, _ := http.NewRequest("POST", inbox, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/activity+json")
	if key != nil {
		if err := httpsig.Sign(req, body, key, keyID, at); err != nil {
			tb.Fatal(err)
		}
	}
	if tamper != nil {
		tamper(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func organization(id, actor, name string) []byte {
	b, _ := json.Marshal(map[string]any{
		"@context": "https://www.w3.org/ns/activitystreams",
		"id":       id + "#create", "type": "Create", "actor": actor,
		"object": map[string]any{"id": id, "type": "Organization", "name": name, "country": "IT", "competences": []string{"72413000"}},
	})
	return b
}

func TestInboxRefusesBadInput(t *testing.T) {
	n := MustFederatedNode(t, "fr", "FR")
	peer := newFakePeer(t)
	if s, b, _ := n.admin.do("POST", "/api/v1/peers", `{"url":"`+peer.actor()+`"}`); s != 201 {
		t.Fatalf("add the fake peer: %d %v", s, b)
	}
	inbox := "http://" + n.addr + "/inbox"
	now := time.Now()
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	unknown := newFakePeer(t) // a real signer that is no peer of the node
	deep := strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200)
	stranger := "http://127.0.0.1:1/actor"

	tests := []struct {
		name   string
		body   []byte
		key    *rsa.PrivateKey
		keyID  string
		at     time.Time
		tamper func(*http.Request)
		status int
	}{
		{"unsigned", organization(peer.srv.URL+"/m/a", peer.actor(), "A"), nil, "", now, nil, 401},
		{"forged signature", organization(peer.srv.URL+"/m/b", peer.actor(), "B"), other, peer.keyID(), now, nil, 401},
		{"key owner is not the actor", organization(peer.srv.URL+"/m/c", peer.srv.URL+"/other-actor", "C"), peer.key, peer.keyID(), now, nil, 401},
		{"replayed old date", organization(peer.srv.URL+"/m/d", peer.actor(), "D"), peer.key, peer.keyID(), now.Add(-3 * time.Hour), nil, 401},
		{"digest mismatch", organization(peer.srv.URL+"/m/e", peer.actor(), "E"), peer.key, peer.keyID(), now,
			func(r *http.Request) { r.Header.Set("Digest", httpsig.Digest([]byte("something else"))) }, 401},
		{"object of another host", organization("http://elsewhere.example/m/f", peer.actor(), "F"), peer.key, peer.keyID(), now, nil, 403},
		{"unknown actor", organization("http://127.0.0.1:1/m/g", stranger, "G"), peer.key, peer.keyID(), now, nil, 401},
		{"actor that is no peer", organization(unknown.srv.URL+"/m/h", unknown.actor(), "H"), unknown.key, unknown.keyID(), now, nil, 403},
		{"invalid JSON", []byte(`{"type":"Create",`), peer.key, peer.keyID(), now, nil, 400},
		{"deeply nested JSON", []byte(deep), peer.key, peer.keyID(), now, nil, 400},
		{"oversize body", append([]byte(`{"x":"`), bytes.Repeat([]byte("x"), 300<<10)...), peer.key, peer.keyID(), now, nil, 413},
	}
	for _, tt := range tests {
		status, body := post(t, inbox, tt.body, tt.key, tt.keyID, tt.at, tt.tamper)
		if status != tt.status {
			t.Errorf("%s: status %d (%s), want %d", tt.name, status, body, tt.status)
		}
	}
	// The positive control: the same path accepts a good activity.
	if s, b := post(t, inbox, organization(peer.srv.URL+"/m/ok", peer.actor(), "Cooperativa OK"), peer.key, peer.keyID(), now, nil); s != 202 {
		t.Fatalf("good activity: %d %s", s, b)
	}
	waitFor(t, 5*time.Second, "the good activity applied", func() (bool, string) {
		c := n.catalogue("country=IT")
		return len(c) == 1, fmt.Sprint(c)
	})
	if c := n.catalogue("country=IT"); len(c) != 1 {
		t.Errorf("catalogue holds %v; only the good activity may be stored", c)
	}
	// Replaying the good activity is acknowledged and applied once.
	if s, _ := post(t, inbox, organization(peer.srv.URL+"/m/ok", peer.actor(), "Cooperativa OK"), peer.key, peer.keyID(), now, nil); s != 202 {
		t.Errorf("replayed activity id: %d, want 202", s)
	}
}

func TestOutboundRefusesPrivateAddresses(t *testing.T) {
	dir := t.TempDir()
	m := MustRun(t, dir) // no --allow-private-peers
	admin := client{t, "http://" + m.Addr(), mustToken(t, dir, "--role", "admin")}
	for _, url := range []string{"http://127.0.0.1:9/actor", "https://169.254.169.254/actor", "https://10.1.2.3/actor", "https://[::1]/actor", "https://localhost/actor", "ftp://it.example/actor", "not a url"} {
		s, b, _ := admin.do("POST", "/api/v1/peers", `{"url":"`+url+`"}`)
		if s != 400 {
			t.Errorf("add peer %s: %d %v, want 400", url, s, b)
		}
	}
	// A signature whose key lives on a private address is not fetched.
	peer := newFakePeer(t)
	s, _ := post(t, "http://"+m.Addr()+"/inbox", organization(peer.srv.URL+"/m/x", peer.actor(), "X"), peer.key, peer.keyID(), time.Now(), nil)
	if s != 401 && s != 403 {
		t.Errorf("signature with a private key URL: %d, want 401 or 403", s)
	}
	if s, b, _ := admin.do("GET", "/api/v1/peers", ""); s != 200 || len(b["items"].([]any)) != 0 {
		t.Errorf("peers after refusals: %d %v, want none", s, b)
	}
}

func TestDiscovery(t *testing.T) {
	n := MustFederatedNode(t, "fr", "FR")
	base := "http://" + n.addr
	get := func(path string) (int, []byte, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.Bytes(), resp.Header.Get("Content-Type")
	}
	s, body, ct := get("/.well-known/webfinger?resource=acct:group@" + n.addr)
	if s != 200 || ct != "application/jrd+json" || !strings.Contains(string(body), `"href":"`+n.actor()+`"`) {
		t.Errorf("webfinger: %d %s %s", s, ct, body)
	}
	if s, _, _ := get("/.well-known/webfinger?resource=acct:nobody@" + n.addr); s != 404 {
		t.Errorf("webfinger for an unknown account: %d, want 404", s)
	}
	s, body, ct = get("/actor")
	var actor map[string]any
	json.Unmarshal(body, &actor)
	if s != 200 || ct != "application/activity+json" || actor["type"] != "Group" || actor["inbox"] != n.actor()+"/inbox" || actor["publicKey"] == nil {
		t.Errorf("actor: %d %s %s", s, ct, body)
	}
	s, body, _ = get("/.well-known/nodeinfo")
	if s != 200 || !strings.Contains(string(body), "/nodeinfo/2.1") {
		t.Errorf("nodeinfo links: %d %s", s, body)
	}
	s, body, _ = get("/nodeinfo/2.1")
	if s != 200 {
		t.Fatalf("nodeinfo: %d %s", s, body)
	}
	c := jsonschema.NewCompiler()
	schema, err := c.Compile(sharedtest.Path(t, "nodeinfo", "2.1", "schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Errorf("nodeinfo 2.1 does not validate against the official schema: %v\n%s", err, body)
	}
	if s, body, ct := get("/ns"); s != 200 || ct != "application/ld+json" || !strings.Contains(string(body), "competences") {
		t.Errorf("/ns: %d %s", s, ct)
	}
	// Business data needs a signed GET from an allowed peer.
	if s, _, _ := get("/members/anything"); s != 401 {
		t.Errorf("unsigned GET of a member: %d, want 401", s)
	}
}
