package main

import (
	"database/sql"
	"net/url"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"
)

// The benchmarks of this package run whole nodes in-process. They are
// scenarios rather than loops: b.N is the number of activities or
// changes, so run them with a fixed count, -benchtime 5000x for example.
// Every figure they report is a metric of the run itself; none is
// asserted.

// storeProbe reads a node's SQLite database on a connection of its own,
// read-only, to watch what the node applies without going through its
// API (and without slowing it down more than one indexed query).
type storeProbe struct {
	tb testing.TB
	db *sql.DB
}

func mustStoreProbe(tb testing.TB, dataDir string) *storeProbe {
	tb.Helper()
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Set("mode", "ro")
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, dbFile)+"?"+q.Encode())
	if err != nil {
		tb.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	tb.Cleanup(func() { db.Close() })
	return &storeProbe{tb, db}
}

// remoteMembers counts the members that origin published.
func (p *storeProbe) remoteMembers(origin string) int {
	p.tb.Helper()
	var n int
	if err := p.db.QueryRow(`SELECT count(*) FROM members WHERE origin = ?`, origin).Scan(&n); err != nil {
		p.tb.Fatal(err)
	}
	return n
}

// remoteCounter returns a function that counts the members origin
// published, reading only the rows stored since its last call (members
// are stored in seq order: there is one writer).
func (p *storeProbe) remoteCounter(origin string) func() int {
	var total int
	var last int64
	return func() int {
		p.tb.Helper()
		var n int
		var top sql.NullInt64
		if err := p.db.QueryRow(`SELECT count(*), max(seq) FROM members WHERE origin = ? AND seq > ?`, origin, last).Scan(&n, &top); err != nil {
			p.tb.Fatal(err)
		}
		if top.Valid {
			last = top.Int64
		}
		total += n
		return total
	}
}

// retriedDeliveries counts the deliveries that needed more than one
// attempt.
func (p *storeProbe) retriedDeliveries() int {
	p.tb.Helper()
	var n int
	if err := p.db.QueryRow(`SELECT count(*) FROM deliveries WHERE attempts > 1`).Scan(&n); err != nil {
		p.tb.Fatal(err)
	}
	return n
}

// newRemoteMembers returns the names of the members origin published
// that are stored with a seq above after, and the highest seq seen. It
// may run outside the benchmark's goroutine: it returns its error.
func (p *storeProbe) newRemoteMembers(origin string, after int64) ([]string, int64, error) {
	rows, err := p.db.Query(`SELECT seq, name FROM members WHERE origin = ? AND seq > ? ORDER BY seq`, origin, after)
	if err != nil {
		return nil, after, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&after, &name); err != nil {
			return nil, after, err
		}
		names = append(names, name)
	}
	return names, after, rows.Err()
}

// waitCount polls count every interval until it reaches want and returns
// the time it did, or fails after timeout.
func waitCount(tb testing.TB, timeout, interval time.Duration, want int, count func() int) time.Time {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		n := count()
		now := time.Now()
		if n >= want {
			return now
		}
		if now.After(deadline) {
			tb.Fatalf("waited %s: %d of %d", timeout, n, want)
		}
		time.Sleep(interval)
	}
}

// cpuTime returns the CPU time (user + system) the process has used.
func cpuTime(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// percentile returns the p-th percentile (0 < p ≤ 100) of sorted
// durations, nearest rank.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func sortDurations(d []time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// liftInboxRate lets one peer post as fast as a benchmark needs.
func liftInboxRate(c *Config) { c.InboxRate = 1e6 }
