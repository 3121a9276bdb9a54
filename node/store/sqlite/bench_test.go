package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/catalogue"
	"github.com/e-toiles/etoiles/node/membership"
	"github.com/e-toiles/etoiles/node/store/sqlite"
)

// trades are the CPV codes of the network's trades (web, hosting,
// graphics, marketing, video, sound, groupware, training).
var trades = [][]string{
	{"72413000", "72400000", "72420000", "72421000"},
	{"72415000", "72416000", "72317000"},
	{"79822500", "79553000"},
	{"79342000", "79341000", "79342200"},
	{"92111000", "92112000", "92111200"},
	{"92370000", "92211000"},
	{"48000000", "48517000", "72260000"},
	{"80500000", "80533100", "80510000"},
}

var words = map[string][]string{
	"fr": {"agence", "web", "coopérative", "hébergement", "vidéo", "graphisme", "formation", "logiciel", "libre", "accessibilité", "référencement", "son", "sous-titrage", "création", "sites", "réseau"},
	"en": {"agency", "web", "cooperative", "hosting", "video", "graphic", "design", "training", "free", "software", "accessibility", "marketing", "sound", "captions", "sites", "network"},
	"it": {"agenzia", "web", "cooperativa", "hosting", "video", "grafica", "formazione", "software", "libero", "accessibilità", "suono", "sottotitoli", "siti", "rete"},
	"es": {"agencia", "web", "cooperativa", "alojamiento", "vídeo", "diseño", "gráfico", "formación", "software", "libre", "accesibilidad", "sonido", "subtítulos", "sitios"},
}

var countries = []struct {
	code, lang string
	regions    []string
}{
	{"FR", "fr", []string{"FR101", "FRK26", "FRI12", "FRJ23"}},
	{"IT", "it", []string{"ITH55", "ITC4C", "ITI43", "ITF33"}},
	{"ES", "es", []string{"ES300", "ES511", "ES523", "ES618"}},
	{"BE", "fr", []string{"BE100", "BE211", "BE335"}},
	{"DE", "en", []string{"DE300", "DE212", "DEA23"}},
}

func sentence(r *rand.Rand, lang string, n int) string {
	w := words[lang]
	s := ""
	for i := 0; i < n; i++ {
		if i > 0 {
			s += " "
		}
		s += w[r.IntN(len(w))]
	}
	return s
}

// randomMember returns a realistic member: one or two trades, summaries in
// the country's language and English.
func randomMember(r *rand.Rand, i int) *node.Member {
	c := countries[r.IntN(len(countries))]
	var comps []string
	for t := 0; t < 1+r.IntN(2); t++ {
		tr := trades[r.IntN(len(trades))]
		comps = append(comps, tr[:1+r.IntN(len(tr))]...)
	}
	m := &node.Member{
		ID: fmt.Sprintf("coop-%06d", i), Name: fmt.Sprintf("Coop %s %d", sentence(r, c.lang, 1), i),
		Country: c.code, Region: c.regions[r.IntN(len(c.regions))], Status: node.StatusMember,
		Summary:     map[string]string{c.lang: sentence(r, c.lang, 12), "en": sentence(r, "en", 12)},
		Languages:   []string{c.lang, "en"},
		Competences: comps,
	}
	m.Normalize()
	m.CreatedAt, m.UpdatedAt = time.Now(), time.Now()
	return m
}

var (
	seedOnce sync.Once
	seedDir  string
	seedErr  error
)

var seedMembers = envInt("ETOILES_BENCH_MEMBERS", 100_000)

// seededDB returns a database with 100,000 members, built once per run.
func seededDB(b *testing.B) *sqlite.DB {
	b.Helper()
	seedOnce.Do(func() {
		seedDir, seedErr = os.MkdirTemp("", "etoiles-bench-")
		if seedErr != nil {
			return
		}
		db, err := sqlite.Open(context.Background(), filepath.Join(seedDir, "etoiles.db"))
		if err != nil {
			seedErr = err
			return
		}
		defer db.Close()
		r := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < seedMembers; i += 5000 {
			batch := make([]*node.Member, 0, 5000)
			for j := i; j < i+5000; j++ {
				batch = append(batch, randomMember(r, j))
			}
			if seedErr = db.ImportMembers(context.Background(), batch); seedErr != nil {
				return
			}
		}
	})
	if seedErr != nil {
		b.Fatal(seedErr)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(seedDir, "etoiles.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func TestMain(m *testing.M) {
	code := m.Run()
	if seedDir != "" {
		os.RemoveAll(seedDir)
	}
	os.Exit(code)
}

// BenchmarkCatalogueSearch100k runs a mix of free-text and filtered
// searches over 100,000 members and reports p50 and p99 latency.
func BenchmarkCatalogueSearch100k(b *testing.B) {
	db := seededDB(b)
	svc := &catalogue.Service{Store: db}
	queries := []catalogue.Query{
		{Text: "accessibilité", Country: "FR"},
		{Text: "video", Competence: "92000000"},
		{Text: "web hosting", Language: "en", Country: "IT"},
		{Competence: "72400000", Region: "FR1"},
		{Text: "sous-titrage vidéo", Competence: "92111000", Country: "FR"},
		{Competence: "79822500", Country: "ES", Language: "es"},
		{Text: "coop 4242"},
		{Text: "formazione software", Country: "IT", Region: "ITH"},
	}
	ctx := context.Background()
	if testing.Verbose() {
		for _, q := range queries {
			start := time.Now()
			res, err := svc.Search(ctx, q)
			b.Logf("%+v: %d matches in %s (err %v)", q, res.Total, time.Since(start), err)
		}
	}
	durations := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := svc.Search(ctx, queries[i%len(queries)]); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkMemberCreate measures member registration through the service:
// validation, the member row, its index rows, history and outbox event in
// one transaction.
func BenchmarkMemberCreate(b *testing.B) {
	db := MustOpen(b)
	svc := &membership.Service{Store: db}
	r := rand.New(rand.NewPCG(3, 4))
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := randomMember(r, i)
		if _, err := svc.Create(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
}

func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(os.Getenv(name), &n); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkUpsertRemoteMember is the store's share of applying one
// inbound Create{Organization}: the activity id recorded, the member row
// and its index rows written, in one transaction. It bounds the inbox
// processor, which runs one such transaction per activity.
func BenchmarkUpsertRemoteMember(b *testing.B) {
	db := MustOpen(b)
	r := rand.New(rand.NewPCG(5, 6))
	ctx := context.Background()
	const origin = "https://it.example/actor"
	members := make([]*node.Member, b.N)
	for i := range members {
		m := randomMember(r, i)
		m.Origin, m.APID, m.ID = origin, fmt.Sprintf("https://it.example/members/%d", i), fmt.Sprintf("coop-%06d@it.example", i)
		m.Revision = time.Now().UnixNano()
		members[i] = m
	}
	b.ReportAllocs()
	b.ResetTimer()
	for _, m := range members {
		if err := db.UpsertRemoteMember(ctx, m.APID+"#create", "Create", m); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "activities/s")
}
