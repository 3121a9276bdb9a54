package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/catalogue"
	"github.com/e-toiles/etoiles/node/membership"
	"github.com/e-toiles/etoiles/node/stats"
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

// tradeWords are words a co-op of each trade uses in its summary, per
// language (same order as trades).
var tradeWords = map[string][][]string{
	"fr": {{"agence", "web", "sites", "conception"}, {"hébergement", "serveurs", "infogérance"}, {"graphisme", "identité", "maquette"},
		{"référencement", "marketing", "communication"}, {"vidéo", "tournage", "montage", "sous-titrage"}, {"son", "mixage", "podcast"},
		{"logiciel", "libre", "collaboratif"}, {"formation", "ateliers", "accompagnement"}},
	"en": {{"web", "agency", "websites", "design"}, {"hosting", "servers", "managed"}, {"graphic", "branding", "layout"},
		{"seo", "marketing", "communication"}, {"video", "filming", "editing", "captions"}, {"sound", "mixing", "podcast"},
		{"free", "software", "groupware"}, {"training", "workshops", "coaching"}},
	"it": {{"agenzia", "web", "siti", "progettazione"}, {"hosting", "server", "gestione"}, {"grafica", "identità", "impaginazione"},
		{"posizionamento", "marketing", "comunicazione"}, {"video", "riprese", "montaggio", "sottotitoli"}, {"suono", "missaggio", "podcast"},
		{"software", "libero", "collaborativo"}, {"formazione", "laboratori", "accompagnamento"}},
	"es": {{"agencia", "web", "sitios", "diseño"}, {"alojamiento", "servidores", "gestión"}, {"diseño", "gráfico", "maquetación"},
		{"posicionamiento", "marketing", "comunicación"}, {"vídeo", "rodaje", "montaje", "subtítulos"}, {"sonido", "mezcla", "podcast"},
		{"software", "libre", "colaborativo"}, {"formación", "talleres", "acompañamiento"}},
}

// filler is a Zipf-distributed vocabulary of 3,000 word forms shared by
// every summary, like the common words of real text.
var filler = func() []string {
	common := []string{"cooperative", "coopérative", "cooperativa", "projet", "project", "progetto", "proyecto", "clients", "qualité",
		"quality", "qualità", "calidad", "équipe", "team", "squadra", "equipo", "accessibilité", "accessibility", "accessibilità", "accesibilidad"}
	out := append([]string(nil), common...)
	for i := len(out); i < 3000; i++ {
		out = append(out, "mot"+strconv.FormatInt(int64(i), 36))
	}
	return out
}()

// summary writes a summary: the trade words of the co-op in its language
// and Zipf-distributed common words.
func summary(r *rand.Rand, z *rand.Zipf, lang string, tradeIdx []int) string {
	var w []string
	for _, t := range tradeIdx {
		tw := tradeWords[lang][t]
		for i := 0; i < 3; i++ {
			w = append(w, tw[r.IntN(len(tw))])
		}
	}
	for len(w) < 24 {
		w = append(w, filler[z.Uint64()])
	}
	r.Shuffle(len(w), func(i, j int) { w[i], w[j] = w[j], w[i] })
	return strings.Join(w, " ")
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

// randomMember returns a realistic member: one or two trades, summaries in
// the country's language and English that use the trades' words.
func randomMember(r *rand.Rand, z *rand.Zipf, i int) *node.Member {
	c := countries[r.IntN(len(countries))]
	var comps []string
	var tradeIdx []int
	for t := 0; t < 1+r.IntN(2); t++ {
		ti := r.IntN(len(trades))
		tradeIdx = append(tradeIdx, ti)
		tr := trades[ti]
		comps = append(comps, tr[:1+r.IntN(len(tr))]...)
	}
	m := &node.Member{
		ID: fmt.Sprintf("coop-%06d", i), Name: fmt.Sprintf("Coop %s %d", filler[z.Uint64()], i),
		Country: c.code, Region: c.regions[r.IntN(len(c.regions))], Status: node.StatusMember,
		Summary:     map[string]string{c.lang: summary(r, z, c.lang, tradeIdx), "en": summary(r, z, "en", tradeIdx)},
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
		z := rand.NewZipf(r, 1.1, 2, uint64(len(filler)-1))
		for i := 0; i < seedMembers; i += 5000 {
			batch := make([]*node.Member, 0, 5000)
			for j := i; j < i+5000; j++ {
				batch = append(batch, randomMember(r, z, j))
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
		{Text: "video captions", Competence: "92000000"},
		{Text: "hosting servers", Language: "en", Country: "IT"},
		{Competence: "72400000", Region: "FR1"},
		{Text: "sous-titrage", Competence: "92111000", Country: "FR"},
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
	z := rand.NewZipf(r, 1.1, 2, uint64(len(filler)-1))
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := randomMember(r, z, i)
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

// BenchmarkNetworkView loads 100 nodes' reports over 24 months (2,400
// reports) from SQLite and computes the network view and a history.
func BenchmarkNetworkView(b *testing.B) {
	db := MustOpen(b)
	ctx := context.Background()
	start := time.Now().AddDate(-2, 0, 0)
	for n := 0; n < 100; n++ {
		for m := 0; m < 24; m++ {
			r := &node.StatsReport{Node: fmt.Sprintf("https://n%d.example/actor", n), Country: countries[n%len(countries)].code,
				GeneratedAt: start.AddDate(0, m, 0), Members: map[string]int{"member": 50 + m, "alumni": m},
				Joins: map[string]int{}, Leaves: map[string]int{}, ByDivision: map[string]int{"72": 30, "92": 10}, Churn: 0.1}
			for k := 0; k < 24; k++ {
				month := start.AddDate(0, k, 0).Format("2006-01")
				r.Joins[month], r.Leaves[month] = 3, 2
			}
			if err := db.SaveReport(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		reps, err := db.Reports(ctx, start.AddDate(0, -1, 0))
		if err != nil || len(reps) != 2400 {
			b.Fatalf("Reports = %d, %v", len(reps), err)
		}
		if n := stats.Aggregate(reps, ""); n.Nodes != 100 {
			b.Fatalf("Aggregate nodes = %d", n.Nodes)
		}
		if _, err := stats.History(reps, "members", "country"); err != nil {
			b.Fatal(err)
		}
	}
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
	z := rand.NewZipf(r, 1.1, 2, uint64(len(filler)-1))
	members := make([]*node.Member, b.N)
	for i := range members {
		m := randomMember(r, z, i)
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
