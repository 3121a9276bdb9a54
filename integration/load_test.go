package integration

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkLoad runs a bounded load against es, a node in a container:
// through its API (catalogue searches and member creates, 50 requests/s)
// and through its inbox, where fr, a second container, delivers signed
// activities for 20 member creates/s. It runs for 60 s
// (ETOILES_LOAD_SECONDS changes that) and reports throughput, p99 latency,
// errors and es's peak resident memory; any 5xx fails it. Run it with
//
//	go test -run '^$' -bench Load -benchtime 1x ./integration/
func BenchmarkLoad(b *testing.B) {
	seconds := 60
	if v, err := strconv.Atoi(os.Getenv("ETOILES_LOAD_SECONDS")); err == nil && v > 0 {
		seconds = v
	}
	n := mustNetwork(b)
	fr, es := mustStartNational(b, n, "fr"), mustStartNational(b, n, "es")
	mustPeerAll(b, fr, es)
	b.ResetTimer()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		status    = map[int]int{}
		errs      atomic.Int64
		peakRSS   atomic.Int64
		seq       atomic.Int64
		wg        sync.WaitGroup
	)
	call := func(nd *national, method, path, body string) {
		defer wg.Done()
		req, _ := http.NewRequest(method, nd.base()+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+nd.admin)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		start := time.Now()
		resp, err := httpClient.Do(req)
		if err != nil {
			errs.Add(1)
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if nd != es {
			return
		}
		mu.Lock()
		latencies = append(latencies, time.Since(start))
		status[resp.StatusCode]++
		mu.Unlock()
	}
	stop := make(chan struct{})
	go func() { // es's resident memory, from its own metrics
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if rss := residentMemory(es); rss > peakRSS.Load() {
					peakRSS.Store(rss)
				}
			}
		}
	}()
	queries := []string{"q=scop", "competence=72000000", "country=FR", "q=load&country=ES", "language=fr"}
	tick := time.NewTicker(time.Second / 70) // 50 API requests and 20 fr creates a second
	deadline := time.Now().Add(time.Duration(seconds) * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		<-tick.C
		wg.Add(1)
		switch k := seq.Add(1); {
		case i%7 < 2: // 2 in 7: a create on fr, delivered to es's inbox
			go call(fr, "POST", "/api/v1/members", fmt.Sprintf(`{"name":"Scop Load %d","country":"FR","competences":["72413000"]}`, k))
		case i%7 == 2: // 1 in 7: a create on es
			go call(es, "POST", "/api/v1/members", fmt.Sprintf(`{"name":"Coop Load %d","country":"ES","competences":["79822500"]}`, k))
		default:
			go call(es, "GET", "/api/v1/catalogue?"+queries[i%len(queries)], "")
		}
	}
	tick.Stop()
	wg.Wait()
	close(stop)
	b.StopTimer()

	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	var fivexx int
	for code, c := range status {
		if code >= 500 {
			fivexx += c
		}
	}
	if len(latencies) == 0 {
		b.Fatal("no request reached es")
	}
	b.ReportMetric(float64(len(latencies))/float64(seconds), "es-req/s")
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(errs.Load()), "errors")
	b.ReportMetric(float64(fivexx), "5xx")
	b.ReportMetric(float64(peakRSS.Load())/(1<<20), "peak-RSS-MB")
	b.Logf("es answered %v; %d transport errors", status, errs.Load())
	if fivexx > 0 {
		b.Errorf("es answered %d requests with 5xx", fivexx)
	}
	// Every member fr created reached es.
	var frCount float64
	waitFor(b, 60*time.Second, func() error {
		st, v := fr.do(b, "GET", "/api/v1/members?limit=1", fr.admin, "")
		if st != 200 {
			return fmt.Errorf("fr members: %d", st)
		}
		frCount = v["total"].(float64)
		st, v = es.do(b, "GET", "/api/v1/catalogue?limit=1&"+from(fr), es.admin, "")
		if st != 200 || v["total"].(float64) != frCount {
			return fmt.Errorf("es lists %v of fr's %v members", v["total"], frCount)
		}
		return nil
	})
	b.Logf("all %v members created on fr reached es", frCount)
}

// residentMemory reads process_resident_memory_bytes from a node's metrics.
func residentMemory(nd *national) int64 {
	resp, err := httpClient.Get(nd.base() + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_resident_memory_bytes "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int64(f)
		}
	}
	return 0
}
