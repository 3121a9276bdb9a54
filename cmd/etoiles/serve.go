package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/e-toiles/etoiles/federation"
	"github.com/e-toiles/etoiles/internal/reqid"
	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/api"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/bus"
	"github.com/e-toiles/etoiles/node/catalogue"
	"github.com/e-toiles/etoiles/node/codes"
	"github.com/e-toiles/etoiles/node/codes/embedded"
	"github.com/e-toiles/etoiles/node/consortium"
	"github.com/e-toiles/etoiles/node/market"
	"github.com/e-toiles/etoiles/node/membership"
	"github.com/e-toiles/etoiles/node/notice"
	"github.com/e-toiles/etoiles/node/opportunity"
	"github.com/e-toiles/etoiles/node/stats"
	"github.com/e-toiles/etoiles/node/store/sqlite"
	"github.com/e-toiles/etoiles/node/tender"
	"github.com/e-toiles/etoiles/node/web"
	"github.com/e-toiles/etoiles/node/web/public"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// republishWindow is how far back the outbox is published again at start.
const republishWindow = 3 * time.Minute

// rebuildWindow is how far back it is published again when the JetStream
// store was lost or damaged.
const rebuildWindow = 24 * time.Hour

// Main is a running node. Run starts it and returns once it serves;
// Close stops it gracefully. End-to-end tests run it in-process.
type Main struct {
	Config Config
	Logger *slog.Logger
	// Listener, when set, is used instead of listening on Config.Listen
	// (tests pick the port before they know the public URL).
	Listener net.Listener
	// FederationStore, when set, wraps the store federation uses (tests
	// inject failures with it).
	FederationStore func(federation.Store) federation.Store
	// FederationQueue, when set, wraps the queue federation uses (tests
	// make publishes fail with it).
	FederationQueue func(federation.Queue) federation.Queue

	lock *dataLock
	// startNotes says what happened at start that /readyz reports.
	startNotes map[string]string
	db         *sqlite.DB
	inbox      *sqlite.Inbox
	bus        *bus.Bus
	relay      *bus.Relay
	fed        *federation.Federation
	// stopMatcher stops the opportunity matcher's consumer.
	stopMatcher func()
	server      *http.Server
	listener    net.Listener

	cancel  context.CancelFunc
	wg      sync.WaitGroup
	once    sync.Once
	started bool

	// ui is the web interface; Close ends its live streams first.
	ui *web.Server
	// public serves the public news and event pages; the web interface
	// renders their HTML.
	public *public.Handler
}

// Addr returns the address the HTTP server listens on.
func (m *Main) Addr() string { return m.listener.Addr().String() }

// Run opens the data directory, the database and NATS, and starts serving
// HTTP. It returns once the node is ready, or with the first error, in
// which case everything opened so far is closed again.
func (m *Main) Run(ctx context.Context) (err error) {
	start := time.Now()
	if m.Logger == nil {
		m.Logger = slog.New(slog.DiscardHandler)
	}
	log := m.Logger
	if err := m.Config.Validate(); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			m.Close()
		}
	}()
	if m.lock, err = lockDataDir(m.Config.DataDir); err != nil {
		return err
	}
	_, statErr := os.Stat(filepath.Join(m.Config.DataDir, dbFile))
	hadDatabase := statErr == nil
	if m.db, err = sqlite.Open(ctx, filepath.Join(m.Config.DataDir, dbFile)); err != nil {
		return err
	}
	if m.inbox, err = sqlite.OpenInbox(ctx, filepath.Join(m.Config.DataDir, inboxFile), m.Config.InboxSync); err != nil {
		return fmt.Errorf("--inbox-sync: %w", err)
	}
	key, err := auth.LoadOrCreateKey(filepath.Join(m.Config.DataDir, tokenKeyFile))
	if err != nil {
		return err
	}
	m.bus, err = bus.Open(ctx, bus.Options{
		StoreDir:   filepath.Join(m.Config.DataDir, natsDir),
		URL:        m.Config.NATSURL,
		ListenAddr: m.Config.NATSListen,
		Logger:     log.With("component", "nats"),
	})
	if err != nil {
		return fmt.Errorf("start nats: %w", err)
	}
	window := republishWindow
	m.startNotes = map[string]string{}
	switch {
	case m.bus.Rebuilt() != "":
		m.startNotes["nats"] = m.bus.Rebuilt()
		window = rebuildWindow
	case m.bus.FreshStore() && hadDatabase:
		m.startNotes["nats"] = "the JetStream store was missing at start; the queues were rebuilt from the database"
		log.Warn("JetStream store missing although the database exists: rebuilding the queues from the database")
		window = rebuildWindow
	}
	keys, err := federation.LoadOrCreateKeys(m.Config.DataDir)
	if err != nil {
		return err
	}
	if m.Config.Role == "confederation" {
		if keys.Admission, err = federation.LoadOrCreateAdmissionKey(m.Config.DataDir); err != nil {
			return err
		}
	}
	var confKey, credential string
	if m.Config.ConfederationKey != "" {
		b, err := os.ReadFile(m.Config.ConfederationKey)
		if err != nil {
			return fmt.Errorf("--confederation-key: %w", err)
		}
		confKey = string(b)
	}
	if m.Config.CredentialFile != "" {
		b, err := os.ReadFile(m.Config.CredentialFile)
		if err != nil {
			return fmt.Errorf("--credential: %w", err)
		}
		credential = strings.TrimSpace(string(b))
	}
	codeSvc := &codes.Service{Store: m.db}
	if m.Config.EmbeddedCodes {
		infos, err := embedded.Load(ctx, m.db)
		if err != nil {
			return err
		}
		for _, i := range infos {
			log.Info("embedded code list loaded", "kind", i.Kind, "codes", i.Count, "version", i.Version)
		}
	}
	if m.Config.VocabDir != "" {
		infos, err := codeSvc.ImportFiles(ctx, m.Config.VocabDir)
		if err != nil {
			return fmt.Errorf("--vocab: %w", err)
		}
		for _, i := range infos {
			log.Info("code list imported", "kind", i.Kind, "codes", i.Count, "languages", i.Languages)
		}
	}

	// The last events before a crash may be acknowledged by JetStream but
	// lost with it: publish the last few minutes again, well inside the
	// 10-minute duplicate window that drops those it kept.
	// A store rebuilt empty lost whatever its consumers had not yet done:
	// publish the last day again (consumers are idempotent).
	if n, err := m.db.RepublishSince(ctx, time.Now().Add(-window)); err != nil {
		return fmt.Errorf("outbox: %w", err)
	} else if n > 0 {
		log.Debug("recent events published again", "events", n)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	m.relay = bus.NewRelay(m.bus, m.db, bus.RelayOptions{Logger: log.With("component", "outbox")})
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := m.relay.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("outbox relay stopped", "err", err)
		}
	}()

	marketSvc := &market.Service{Store: m.db, Members: m.db, Country: m.Config.Country, Committed: m.relay.Notify}
	statsSvc := &stats.Service{Store: m.db, Node: m.Config.PublicURL + "/actor", Country: m.Config.Country, Threshold: m.Config.StatsThreshold}
	var fedStore federation.Store = m.db
	if m.FederationStore != nil {
		fedStore = m.FederationStore(fedStore)
	}
	var fedQueue federation.Queue = busQueue{m.bus, log.With("component", "queue")}
	if m.FederationQueue != nil {
		fedQueue = m.FederationQueue(fedQueue)
	}
	m.fed = federation.New(federation.Config{
		PublicURL: m.Config.PublicURL, Name: m.Config.Name, Country: m.Config.Country, Role: m.Config.Role, Version: version,
		AllowPrivate: m.Config.AllowPrivatePeers, InsecureHTTP: m.Config.InsecureHTTP, QueueUnknownFollows: m.Config.QueueFollows,
		MaxDeliveryAge: m.Config.MaxDeliveryAge, DeliverySweep: m.Config.DeliverySweep, RetryBase: m.Config.RetryBase, InboxRate: m.Config.InboxRate, TrustedProxies: m.Config.TrustedProxies,
		ConfederationURL: m.Config.Confederation, ConfederationKey: confKey, Credential: credential, Committed: m.relay.Notify,
		Reporter: statsSvc, NoStatsReports: !m.Config.StatsReports, StatsDebounce: m.Config.StatsDebounce,
		NoPublicFollows: !m.Config.PublicFollows,
		Market:          marketSvc,
		Inbox:           m.inbox, InboxBacklog: m.Config.InboxBacklog,
	}, keys, fedStore, fedQueue, log.With("component", "federation"))
	// Listen before the federation starts: its first Follows make peers
	// fetch this node's key at once, and a connection refused there gets
	// the Follow a 401 and a retry much later. Connections wait in the
	// listen queue until the server below serves them.
	m.listener = m.Listener
	if m.listener == nil {
		if m.listener, err = net.Listen("tcp", m.Config.Listen); err != nil {
			return fmt.Errorf("listen on %s: %w", m.Config.Listen, err)
		}
	}
	if err := m.fed.Start(runCtx); err != nil {
		return fmt.Errorf("start federation: %w", err)
	}

	links := federation.URIs{Base: m.Config.PublicURL}
	matcher := &opportunity.Matcher{Store: m.db, Links: links, Committed: m.relay.Notify, Listings: &market.Matcher{Store: m.db},
		URL: func(id string) string { return m.Config.PublicURL + "/api/v1/opportunities/" + id }}
	if m.stopMatcher, err = (busQueue{m.bus, log.With("component", "matcher")}).Subscribe(runCtx,
		federation.StreamEvents, "opportunity-matcher", node.SubjectPrefix+">", matcher.HandleMessage); err != nil {
		return fmt.Errorf("start opportunity matcher: %w", err)
	}
	if err := m.startMarket(runCtx, marketSvc); err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), m.relay.Collector(), inboundCollector(m.fed))
	members := &membership.Service{Store: m.db, Codes: m.db, Committed: m.relay.Notify}
	cat := &catalogue.Service{Store: m.db}
	opps := &opportunity.Service{Store: m.db, Codes: m.db, Links: links,
		Country: m.Config.Country, Committed: m.relay.Notify}
	srv := &api.Server{
		Members:   members,
		Catalogue: cat,
		Codes:     codeSvc,
		Verifier:  &auth.Verifier{Key: key.Public().(ed25519.PublicKey), Revocations: m.db},
		Ready:     map[string]func(context.Context) error{"database": m.db.Ready, "nats": m.bus.Ready},
		Notes:     m.startNotes,
		Peers:     m.fed,
		Trust:     m.fed,
		Stats:     statsSvc,
		Market:    marketSvc,
		Metrics:   promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
		Logger:    log,

		Opportunities: opps,
		Notices:       &notice.Service{Store: m.db},
		PublicURL:     m.Config.PublicURL,
		Consortia:     &consortium.Service{Store: m.db},
		Tender:        &tender.Importer{Opportunities: opps},
	}
	if m.Config.Role == "confederation" {
		srv.Reports = m.db
	}
	mux := http.NewServeMux()
	if srv.News, err = m.startNews(runCtx, mux, opps); err != nil {
		return err
	}
	srv.Register(mux)
	m.fed.Register(mux)
	mux.HandleFunc("GET /listings/{id}", m.fed.ServeListing)
	ui := &web.Server{
		Accounts: &auth.Accounts{Store: m.db, ResetKey: resetKey(key)}, Members: members, Catalogue: cat, Codes: codeSvc, Peers: m.fed,
		Opportunities: opps, Live: liveBus{m.bus.Conn()},
		Info:           web.Info{PublicURL: m.Config.PublicURL, Name: m.Config.Name, Country: m.Config.Country, Role: m.Config.Role, Version: version},
		Logger:         log.With("component", "web"),
		TrustedProxies: m.Config.TrustedProxies,
	}
	if m.Config.Role == "confederation" {
		ui.Reports, ui.Trust = m.db, m.fed
	}
	ui.News = srv.News
	ui.Market, ui.Notices = marketSvc, srv.Notices
	if m.Config.SMTPURL != "" {
		if ui.Mailer, err = newMailer(m.Config.SMTPURL); err != nil {
			return err
		}
	}
	ui.Suggest = consortiumSuggester{srv.Consortia}
	ui.Site = m.db
	if err := ui.Register(mux); err != nil {
		return fmt.Errorf("web ui: %w", err)
	}
	m.ui = ui
	m.public.Pages = ui
	m.server = &http.Server{
		Handler:           reqid.Middleware(api.Instrument(reg, mux)),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		if err := m.server.Serve(m.listener); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "err", err)
		}
	}()
	m.started = true
	log.Info("etoiles node ready", "listen", m.Addr(), "public_url", m.Config.PublicURL, "role", m.Config.Role,
		"data", m.Config.DataDir, "nats", natsMode(m.Config), "startup", time.Since(start).Round(time.Millisecond), "pid", os.Getpid())
	return nil
}

// resetKey derives the key of password reset links from the node's token
// key, so that links survive a restart and nothing more is kept.
func resetKey(key ed25519.PrivateKey) []byte {
	k := sha256.Sum256(append([]byte("etoiles password reset\x00"), key.Seed()...))
	return k[:]
}

func natsMode(c Config) string {
	if c.NATSURL != "" {
		return "external"
	}
	return "embedded"
}

// Close stops the node: it drains HTTP, flushes the outbox to JetStream,
// stops NATS and closes the database. It is safe to call more than once.
func (m *Main) Close() error {
	var errs []error
	m.once.Do(func() {
		timeout := m.Config.ShutdownTimeout
		if timeout <= 0 {
			timeout = 15 * time.Second
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if m.ui != nil {
			m.ui.Close() // end the pages' live streams, which Shutdown would wait for
		}
		if m.server != nil {
			// Drain HTTP for half the budget, then close what is left: a
			// peer's connection that was opened but never used keeps
			// Shutdown waiting, and the outbox flush matters more.
			drain, cancelDrain := context.WithTimeout(ctx, timeout/2)
			if err := m.server.Shutdown(drain); err != nil {
				m.Logger.Warn("http drain cut short", "err", err)
				errs = append(errs, m.server.Close())
			}
			cancelDrain()
		} else if m.listener != nil && m.Listener == nil {
			errs = append(errs, m.listener.Close()) // Run failed before serving
		}
		if m.relay != nil {
			if err := m.relay.Flush(ctx); err != nil {
				errs = append(errs, fmt.Errorf("flush outbox: %w", err))
			}
		}
		if m.stopMatcher != nil {
			m.stopMatcher()
		}
		if m.fed != nil {
			m.fed.Stop()
		}
		if m.cancel != nil {
			m.cancel()
		}
		m.wg.Wait()
		if m.bus != nil {
			errs = append(errs, m.bus.Close())
		}
		if m.inbox != nil {
			errs = append(errs, m.inbox.Close())
		}
		if m.db != nil {
			errs = append(errs, m.db.Close())
		}
		errs = append(errs, m.lock.Release())
		if m.started {
			m.Logger.Info("etoiles node stopped")
		}
	})
	return errors.Join(errs...)
}
