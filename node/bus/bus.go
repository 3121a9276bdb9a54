package bus

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream names and the subjects they hold.
const (
	StreamEvents   = "EVENTS"   // domain events from the outbox
	StreamInbox    = "INBOX"    // inbound activities waiting to be applied
	StreamDelivery = "DELIVERY" // outbound deliveries, one job per target inbox

	SubjectEvents   = node.SubjectPrefix + ">" // every subject of EVENTS
	InboxPrefix     = "etoiles.inbox."         // prefix of INBOX subjects
	SubjectInbox    = InboxPrefix + ">"        // every subject of INBOX
	DeliveryPrefix  = "etoiles.delivery."      // prefix of DELIVERY subjects
	SubjectDelivery = DeliveryPrefix + ">"     // every subject of DELIVERY
)

// EventsMaxAge is how long the EVENTS stream keeps an event.
const EventsMaxAge = 30 * 24 * time.Hour

// DefaultDuplicateWindow is the duplicate window used when
// Options.DuplicateWindow is zero.
const DefaultDuplicateWindow = 10 * time.Minute

const (
	defaultReadyTimeout = 10 * time.Second // when ctx has no deadline
	publishAsyncTimeout = 10 * time.Second // an async publish without ack fails after this
	drainTimeout        = 10 * time.Second
)

// Options configures a Bus. The zero value runs an in-process NATS server
// with JetStream in memory, no TCP listener and no logs.
type Options struct {
	// StoreDir is the directory under which the embedded server keeps
	// JetStream (in StoreDir/jetstream), with file storage. Empty means
	// memory storage in a private temporary directory removed by Close.
	// The caller must hold an exclusive lock on it: see the package doc.
	StoreDir string

	// URL, when not empty, connects to that external NATS cluster (a
	// comma-separated list of URLs) and starts no server. StoreDir and
	// ListenAddr are then ignored, and streams use file storage.
	URL string

	// ListenAddr is the host:port on which the embedded server accepts
	// clients from other processes. Empty means no TCP listener at all
	// (DontListen); port 0 picks a free port (see Bus.ClientURL).
	ListenAddr string

	// Logger receives connection events, and the embedded server's
	// warnings and errors (its notices at debug level). Nil discards.
	Logger *slog.Logger

	// Replicas is the number of stream replicas on an external cluster;
	// zero means 1. The embedded server always keeps one.
	Replicas int

	// DuplicateWindow is how long JetStream remembers message ids to drop
	// republished messages; zero means DefaultDuplicateWindow. A relay
	// restarted after a crash must republish within it.
	DuplicateWindow time.Duration

	// ConnectOptions are extra client options for an external cluster,
	// such as nats.UserCredentials. Open sets the connection name and the
	// disconnect, reconnect and closed handlers after them.
	ConnectOptions []nats.Option
}

// Bus is a connection to NATS JetStream with the node's streams declared,
// and the embedded server when there is one. Its methods are safe for
// concurrent use.
type Bus struct {
	srv     *server.Server // nil when connected to an external URL
	tmpDir  string         // memory mode: private store dir removed by Close
	nc      *nats.Conn
	js      jetstream.JetStream
	log     *slog.Logger
	closed  chan struct{} // closed by the connection's closed handler
	once    sync.Once
	errDown error
	rebuilt string // why the store was moved aside at start; "" if it was not
	fresh   bool   // no JetStream store was found at start
}

// Open starts the embedded NATS server, or connects to opts.URL, and
// creates or updates the EVENTS, INBOX and DELIVERY streams. ctx bounds
// the start: the server's readiness, the connection and the stream
// declarations. Call Close when done.
func Open(ctx context.Context, opts Options) (*Bus, error) {
	b := &Bus{log: opts.Logger, closed: make(chan struct{})}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	var err error
	if opts.URL == "" {
		err = b.startServer(ctx, opts)
	} else {
		err = b.connect(opts)
	}
	if err == nil {
		err = b.declareStreams(ctx, opts)
	}
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("open bus: %w", err)
	}
	return b, nil
}

func (b *Bus) startServer(ctx context.Context, opts Options) error {
	sopts := &server.Options{
		ServerName: "etoiles",
		JetStream:  true,
		StoreDir:   opts.StoreDir,
		DontListen: opts.ListenAddr == "",
		NoSigs:     true,
	}
	if opts.ListenAddr != "" {
		host, port, err := net.SplitHostPort(opts.ListenAddr)
		if err != nil {
			return fmt.Errorf("listen address: %w", err)
		}
		p, err := strconv.Atoi(port)
		if err != nil || p < 0 || p > 65535 {
			return fmt.Errorf("listen address %q: bad port", opts.ListenAddr)
		}
		if p == 0 {
			p = server.RANDOM_PORT
		}
		sopts.Host, sopts.Port = host, p
	}
	if sopts.StoreDir == "" {
		dir, err := os.MkdirTemp("", "etoiles-nats-")
		if err != nil {
			return fmt.Errorf("memory store dir: %w", err)
		}
		b.tmpDir, sopts.StoreDir = dir, dir
	} else if _, err := os.Stat(filepath.Join(sopts.StoreDir, "jetstream")); errors.Is(err, fs.ErrNotExist) {
		b.fresh = true
	}
	lg, err := b.runServer(ctx, sopts)
	if err != nil {
		return err
	}
	if damage := lg.damaged(); len(damage) > 0 && b.tmpDir == "" {
		// A stream or consumer could not be restored: nats-server went on
		// without it, and creating it again would fail on the same files.
		// Move the whole store aside and start on an empty one; the node
		// rebuilds the queues from its database (see Rebuilt).
		b.shutdownServer()
		js := filepath.Join(sopts.StoreDir, "jetstream")
		aside := js + ".damaged-" + time.Now().UTC().Format("20060102T150405Z")
		if err := os.Rename(js, aside); err != nil {
			return fmt.Errorf("move the damaged JetStream store aside: %w", err)
		}
		b.rebuilt = fmt.Sprintf("the JetStream store could not be restored (%s); it was moved to %s and the queues were rebuilt from the database", damage[0], aside)
		b.log.Warn("JetStream store damaged: moved aside, rebuilding the queues from the database", "moved_to", aside, "first_problem", damage[0], "problems", len(damage))
		if _, err := b.runServer(ctx, sopts); err != nil {
			return err
		}
	}
	return nil
}

// runServer starts the embedded server with sopts and connects to it in
// process.
func (b *Bus) runServer(ctx context.Context, sopts *server.Options) (*serverLogger, error) {
	srv, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("new server: %w", err)
	}
	b.srv = srv
	lg := &serverLogger{log: b.log}
	srv.SetLoggerV2(lg, false, false, false)
	srv.Start() // returns once started; failures went to lg.Fatalf
	if f := lg.fatalSuffix(); f != "" {
		return nil, fmt.Errorf("start server%s", f)
	}
	wait := defaultReadyTimeout
	if dl, ok := ctx.Deadline(); ok {
		wait = time.Until(dl)
	}
	if !srv.ReadyForConnections(wait) {
		return nil, fmt.Errorf("start server: not ready after %v%s", wait, lg.fatalSuffix())
	}
	if !srv.JetStreamEnabled() {
		return nil, fmt.Errorf("start server: jetstream not enabled%s", lg.fatalSuffix())
	}
	closed := make(chan struct{})
	b.closed = closed
	nc, err := nats.Connect("", nats.InProcessServer(srv), nats.Name("etoiles"),
		nats.ClosedHandler(func(*nats.Conn) { close(closed) }))
	if err != nil {
		return nil, fmt.Errorf("connect in process: %w", err)
	}
	b.nc = nc
	return lg, b.newJetStream()
}

// shutdownServer closes the in-process connection and stops the server.
func (b *Bus) shutdownServer() {
	if b.nc != nil {
		b.nc.Close()
		<-b.closed
		b.nc = nil
	}
	b.srv.Shutdown()
	b.srv.WaitForShutdown()
}

// Rebuilt says why the JetStream store was started empty although the
// data directory had one (it could not be restored and was moved aside);
// "" when it was not. The node then queues again, from its database,
// everything the lost queues may have held.
func (b *Bus) Rebuilt() string { return b.rebuilt }

// FreshStore reports whether the embedded server found no JetStream store
// in its directory (a first start, or a store deleted by hand).
func (b *Bus) FreshStore() bool { return b.fresh }

func (b *Bus) connect(opts Options) error {
	nopts := append([]nats.Option(nil), opts.ConnectOptions...)
	nopts = append(nopts,
		nats.Name("etoiles"),
		nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			b.log.Warn("nats disconnected", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			b.log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted())
		}),
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }),
	)
	nc, err := nats.Connect(opts.URL, nopts...)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	b.nc = nc
	return b.newJetStream()
}

func (b *Bus) newJetStream() error {
	js, err := jetstream.New(b.nc, jetstream.WithPublishAsyncTimeout(publishAsyncTimeout))
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	b.js = js
	return nil
}

// streamConfigs returns the declarations of the node's streams.
func streamConfigs(opts Options, embedded bool) []jetstream.StreamConfig {
	storage, replicas := jetstream.FileStorage, 1
	if embedded && opts.StoreDir == "" {
		storage = jetstream.MemoryStorage
	}
	if !embedded && opts.Replicas > 0 {
		replicas = opts.Replicas
	}
	dup := opts.DuplicateWindow
	if dup <= 0 {
		dup = DefaultDuplicateWindow
	}
	return []jetstream.StreamConfig{{
		Name:        StreamEvents,
		Description: "etoiles domain events, published from the outbox",
		Subjects:    []string{SubjectEvents},
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      EventsMaxAge,
		Storage:     storage,
		Replicas:    replicas,
		Duplicates:  dup,
	}, {
		Name:        StreamInbox,
		Description: "etoiles inbound activities waiting to be applied",
		Subjects:    []string{SubjectInbox},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     storage,
		Replicas:    replicas,
		Duplicates:  dup,
	}, {
		Name:        StreamDelivery,
		Description: "etoiles outbound deliveries, one job per target inbox",
		Subjects:    []string{SubjectDelivery},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     storage,
		Replicas:    replicas,
		Duplicates:  dup,
	}}
}

func (b *Bus) declareStreams(ctx context.Context, opts Options) error {
	for _, cfg := range streamConfigs(opts, b.srv != nil) {
		if _, err := b.js.CreateOrUpdateStream(ctx, cfg); err != nil {
			return fmt.Errorf("declare stream %s: %w", cfg.Name, err)
		}
	}
	return nil
}

// Conn returns the NATS connection.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// JetStream returns the JetStream context of the connection.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// Embedded reports whether the bus runs its own in-process server.
func (b *Bus) Embedded() bool { return b.srv != nil }

// ClientURL returns the URL other processes can use to reach this bus:
// the embedded server's listener, or the external URL connected to. It is
// empty for an embedded server without a listener.
func (b *Bus) ClientURL() string {
	if b.srv != nil {
		if b.srv.Addr() == nil {
			return ""
		}
		return b.srv.ClientURL()
	}
	return b.nc.ConnectedUrlRedacted()
}

// Ready reports whether the bus can serve: the embedded server is running
// with JetStream, the connection is up, and JetStream answers an account
// info request within ctx.
func (b *Bus) Ready(ctx context.Context) error {
	if b.srv != nil && (!b.srv.Running() || !b.srv.JetStreamEnabled()) {
		return errors.New("bus not ready: embedded server not running")
	}
	if st := b.nc.Status(); st != nats.CONNECTED {
		return fmt.Errorf("bus not ready: connection %v", st)
	}
	if _, err := b.js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("bus not ready: account info: %w", err)
	}
	return nil
}

// Close drains the connection, so that pending publishes and acks go out,
// then shuts the embedded server down and waits until it has stopped.
// Stop subscriptions before. Close is idempotent and returns the same
// error every time.
func (b *Bus) Close() error {
	b.once.Do(func() { b.errDown = b.close() })
	return b.errDown
}

func (b *Bus) close() error {
	var errs []error
	if b.nc != nil {
		if err := b.nc.Drain(); err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
			errs = append(errs, fmt.Errorf("drain: %w", err))
			b.nc.Close()
		}
		select {
		case <-b.closed:
		case <-time.After(drainTimeout):
			b.nc.Close()
			errs = append(errs, errors.New("drain: timed out"))
		}
	}
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
	}
	if b.tmpDir != "" {
		if err := os.RemoveAll(b.tmpDir); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close bus: %w", err)
	}
	return nil
}
