package federation

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
)

// cpuTime returns the CPU time (user + system) the process has used.
func cpuTime(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchActivity returns a Create{Organization} as the fan-out builds it
// for a realistic member (about 1 KB).
func benchActivity(tb testing.TB) []byte {
	tb.Helper()
	f := &Federation{uris: URIs{Base: "https://fr.example"}}
	now := time.Now()
	m := &node.Member{
		ID: "scop-echo", Name: "Scop Écho", LegalForm: "SCOP", Country: "FR", Region: "FR101", Website: "https://echo.example",
		Summary:     map[string]string{"fr": "Vidéo, sous-titrage et audiodescription", "en": "Video, captions and audio description"},
		Languages:   []string{"fr", "en"},
		Competences: []string{"92111000", "72413000"}, Tags: []string{"accessibilité"},
		Status: node.StatusMember, CreatedAt: now, UpdatedAt: now,
	}
	act := vocab.NewActivity("Create", f.uris.EventActivity(1), f.uris.Actor(), f.memberObject(m)).
		SetPublished(now).SetTo("https://it.example/actor")
	body, err := act.Marshal()
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

// runWorkers runs op n times on workers goroutines and returns the wall
// time it took.
func runWorkers(n, workers int, op func() error) (time.Duration, error) {
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				if err := op(); err != nil {
					once.Do(func() { first = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start), first
}

// BenchmarkSignedDelivery measures signed deliveries per second per core
// on the real delivery path, Client.Post with the node's Signer: a
// draft-cavage rsa-sha256 signature with an RSA-2048 key, then a POST over
// loopback HTTP (keep-alive) to an httptest inbox that reads the body and
// answers 202. Its floor is one rsa.SignPKCS1v15 of a SHA-256 digest,
// which it runs in the same benchmark, in chunks that alternate with the
// deliveries, so that the load of other processes hits both alike.
//
// Per core: GOMAXPROCS workers (set it with -cpu) each deliver one job at
// a time, as the delivery consumer does, and the rates are divided by
// GOMAXPROCS. The fake inbox runs in the same process on the same cores,
// so its cost (the server side of HTTP) is charged to the deliveries: the
// ratio is a lower bound. The /cpu-s figures divide by the CPU time the
// process used instead of wall time × cores, which stays right when other
// processes share the machine.
//
// The timer (ns/op) covers the deliveries only. Metrics:
// deliveries/s/core, rawsigns/s/core and ratio (the first over the
// second), then the same per CPU-second.
//
//	go test -run '^$' -bench SignedDelivery -benchtime 2000x -cpu 1,2 ./federation/
func BenchmarkSignedDelivery(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	body := benchActivity(b)
	var got atomic.Int64
	inbox := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer inbox.Close()
	workers := runtime.GOMAXPROCS(0)
	c := NewClient(true, true, "etoiles/bench")
	s := &Signer{Key: key, KeyID: "https://fr.example/actor#main-key"}
	ctx := context.Background()
	url := inbox.URL + "/inbox"
	post := func() error { return c.Post(ctx, s, url, body) }
	digest := sha256.Sum256([]byte("(request-target): post /inbox\nhost: it.example\ndate: Tue, 07 Jun 2026 20:51:35 GMT"))
	raw := func() error {
		_, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:])
		return err
	}
	// Warm up the connections and the CPU frequency outside the figures.
	if _, err := runWorkers(4*workers, workers, post); err != nil {
		b.Fatal(err)
	}
	if _, err := runWorkers(4*workers, workers, raw); err != nil {
		b.Fatal(err)
	}
	got.Store(0)

	chunk := 16 * workers
	var postWall, rawWall, postCPU, rawCPU time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(chunk, b.N-done)
		c0 := cpuTime(b)
		d, err := runWorkers(n, workers, post)
		if err != nil {
			b.Fatal(err)
		}
		c1 := cpuTime(b)
		b.StopTimer()
		rd, err := runWorkers(n, workers, raw)
		if err != nil {
			b.Fatal(err)
		}
		c2 := cpuTime(b)
		b.StartTimer()
		postWall, rawWall = postWall+d, rawWall+rd
		postCPU, rawCPU = postCPU+c1-c0, rawCPU+c2-c1
		done += n
	}
	b.StopTimer()
	if got.Load() != int64(b.N) {
		b.Fatalf("the inbox got %d deliveries, want %d", got.Load(), b.N)
	}
	n := float64(b.N)
	perCore := n / postWall.Seconds() / float64(workers)
	rawPerCore := n / rawWall.Seconds() / float64(workers)
	b.ReportMetric(perCore, "deliveries/s/core")
	b.ReportMetric(rawPerCore, "rawsigns/s/core")
	b.ReportMetric(perCore/rawPerCore, "ratio")
	b.ReportMetric(n/postCPU.Seconds(), "deliveries/cpu-s")
	b.ReportMetric(n/rawCPU.Seconds(), "rawsigns/cpu-s")
	b.ReportMetric(rawCPU.Seconds()/postCPU.Seconds(), "cpu-ratio")
}
