package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mustBuildBinary builds the etoiles binary, as a release is built
// (static, CGO_ENABLED=0), into a temporary folder.
func mustBuildBinary(tb testing.TB) string {
	tb.Helper()
	bin := filepath.Join(tb.TempDir(), "etoiles")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// servedProcess is an etoiles serve process.
type servedProcess struct {
	cmd   *exec.Cmd
	addr  string
	ready time.Duration // from exec to the first 200 from /readyz
}

// startServe runs bin serve on a free loopback port with its data in
// dir, and returns once /readyz answers 200. extra flags come last and
// override the others.
func startServe(tb testing.TB, bin, dir string, extra ...string) *servedProcess {
	tb.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--data", dir, "--country", "FR", "--log-format", "json"}, extra...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")} // no ETOILES_* from the caller
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &servedProcess{cmd: cmd}
	tb.Cleanup(func() { p.stop(tb) })
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		var rec struct {
			Msg    string `json:"msg"`
			Listen string `json:"listen"`
		}
		if json.Unmarshal(lines.Bytes(), &rec) == nil && rec.Msg == "etoiles node ready" {
			p.addr = rec.Listen
			break
		}
	}
	if p.addr == "" {
		tb.Fatalf("etoiles serve never said it was ready (%v)", lines.Err())
	}
	go io.Copy(io.Discard, stderr) // keep the pipe drained
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get("http://" + p.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.ready = time.Since(start)
				return p
			}
		}
		if time.Since(start) > 30*time.Second {
			tb.Fatalf("/readyz not 200 after 30 s: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
}

// statusKB returns a /proc/PID/status field in kB, such as VmRSS.
func (p *servedProcess) statusKB(tb testing.TB, field string) int {
	tb.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		tb.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				tb.Fatalf("%s: %q", field, line)
			}
			return kb
		}
	}
	tb.Fatalf("no %s in /proc/%d/status", field, p.cmd.Process.Pid)
	return 0
}

// stop stops the process with SIGTERM, as an orchestrator does.
func (p *servedProcess) stop(tb testing.TB) {
	if p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			tb.Errorf("etoiles serve exited with %v", err)
		}
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
		tb.Errorf("etoiles serve did not stop within 20 s of SIGTERM")
	}
}

// BenchmarkStartup measures the binary as an operator runs it: each
// round starts etoiles serve (built once, static) on a fresh data
// directory and a free loopback port, and times it from exec to the
// first 200 from /readyz (cold-ms, and the slowest, cold-max-ms: keys
// generated, database migrated, JetStream streams created); then lets it idle 2 s and reads VmRSS
// from /proc (idle-rss-MB); then stops it with SIGTERM and starts it
// again on the same directory (warm-ms). ns/op is the cold start.
//
//	go test -run '^$' -bench Startup -benchtime 5x ./cmd/etoiles/
func BenchmarkStartup(b *testing.B) {
	bin := mustBuildBinary(b)
	var cold, coldMax, warm time.Duration
	var rss, hwm int
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		dir := filepath.Join(b.TempDir(), "data")
		b.StartTimer()
		p := startServe(b, bin, dir)
		b.StopTimer()
		cold += p.ready
		coldMax = max(coldMax, p.ready)
		time.Sleep(2 * time.Second)
		rss += p.statusKB(b, "VmRSS")
		hwm += p.statusKB(b, "VmHWM")
		p.stop(b)
		q := startServe(b, bin, dir)
		warm += q.ready
		q.stop(b)
		b.StartTimer()
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(ms(cold)/n, "cold-ms")
	b.ReportMetric(ms(coldMax), "cold-max-ms")
	b.ReportMetric(ms(warm)/n, "warm-ms")
	b.ReportMetric(float64(rss)/1024/n, "idle-rss-MB")
	b.ReportMetric(float64(hwm)/1024/n, "peak-rss-MB")
}
