package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/internal/reqid"
	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/web"
)

// Config is the node's configuration. Every field has a flag and an
// ETOILES_* environment variable; the flag wins. The zero value is not
// used directly: DefaultConfig gives the documented defaults.
type Config struct {
	Listen          string        // --listen, ETOILES_LISTEN
	PublicURL       string        // --public-url, ETOILES_PUBLIC_URL
	DataDir         string        // --data, ETOILES_DATA
	Country         string        // --country, ETOILES_COUNTRY
	Name            string        // --name, ETOILES_NAME
	Role            string        // --role, ETOILES_ROLE: national or confederation
	NATSURL         string        // --nats-url, ETOILES_NATS_URL: empty = embedded
	NATSListen      string        // --nats-listen, ETOILES_NATS_LISTEN: embedded server's TCP address, empty = none
	LogFormat       string        // --log-format, ETOILES_LOG_FORMAT: text or json
	LogLevel        string        // --log-level, ETOILES_LOG_LEVEL: debug, info, warn, error
	VocabDir        string        // --vocab, ETOILES_VOCAB: code lists imported at start
	ShutdownTimeout time.Duration // --shutdown-timeout, ETOILES_SHUTDOWN_TIMEOUT

	AllowPrivatePeers bool          // --allow-private-peers: outbound HTTP may reach loopback and private addresses
	InsecureHTTP      bool          // --insecure-http: peers over plain http are accepted
	QueueFollows      bool          // --queue-follows: keep unknown Follows for an admin instead of rejecting them
	MaxDeliveryAge    time.Duration // --max-delivery-age: retry a delivery this long before dead-lettering it
	DeliverySweep     time.Duration // --delivery-sweep: how often pending deliveries without a job are queued again
	EmbeddedCodes     bool          // --embedded-codes: load the code lists shipped in the binary at first start
	RetryBase         time.Duration // --retry-base: first retry delay of a failed delivery

	Confederation    string // --confederation: the confederation's actor URL
	ConfederationKey string // --confederation-key: file with its admission public key (PEM); empty = pin on first use
	CredentialFile   string // --credential: file with this node's admission credential

	StatsReports   bool          // --stats-reports: send statistics reports to the confederation once admitted
	StatsThreshold int           // --stats-threshold: smallest count a report shows (k-anonymity)
	StatsDebounce  time.Duration // --stats-debounce: wait this long after a change before reporting

	InboxRate      float64    // --inbox-rate: inbox requests per second one client address may make (burst ten times that)
	TrustedProxies prefixList // --trusted-proxies: reverse proxies whose X-Forwarded-For names the client
	InboxBacklog   int        // --inbox-backlog: accepted activities that may wait to be applied before the inbox answers 429
	InboxSync      string     // --inbox-sync: full or normal, the SQLite synchronous level of the inbox log

	Languages       string // --languages: comma-separated UI languages the node offers, in the switcher's order; empty = every catalogue
	DefaultLanguage string // --default-language: the language of a reader whose browser asks for none offered; empty = en, else the first

	NewsConfig // news, events, feed import and digest (news.go)
}

// DefaultConfig returns the defaults: a national node on :8080 with its
// data in ./etoiles-data, embedded NATS, text logs.
func DefaultConfig() Config {
	return Config{
		Listen:          ":8080",
		PublicURL:       "http://localhost:8080",
		DataDir:         "./etoiles-data",
		Role:            "national",
		LogFormat:       "text",
		LogLevel:        "info",
		ShutdownTimeout: 15 * time.Second,
		MaxDeliveryAge:  7 * 24 * time.Hour,
		DeliverySweep:   5 * time.Minute,
		EmbeddedCodes:   true,
		RetryBase:       30 * time.Second,
		StatsReports:    true,
		StatsThreshold:  3,
		StatsDebounce:   time.Minute,
		InboxRate:       50,
		InboxBacklog:    50000,
		InboxSync:       "full",
		NewsConfig:      defaultNewsConfig(),
	}
}

// envName returns the environment variable of a flag: "public-url" →
// "ETOILES_PUBLIC_URL".
func envName(flagName string) string {
	return "ETOILES_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseFlags parses args into fs, then fills every flag not given on the
// command line from its ETOILES_* variable.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		if v := getenv(envName(f.Name)); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v", envName(f.Name), v, err))
			}
		}
	})
	return errors.Join(errs...)
}

// bindServe declares serve's flags on fs.
func (c *Config) bindServe(fs *flag.FlagSet) {
	fs.StringVar(&c.Listen, "listen", c.Listen, "HTTP listen address")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "the node's public base URL (actor ids derive from it)")
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data directory (database, keys, JetStream)")
	fs.StringVar(&c.Country, "country", c.Country, "the group's country, ISO 3166-1 alpha-2")
	fs.StringVar(&c.Name, "name", c.Name, "the group's display name")
	fs.StringVar(&c.Role, "role", c.Role, "national or confederation")
	fs.StringVar(&c.NATSURL, "nats-url", c.NATSURL, "external NATS cluster URL; empty runs NATS embedded")
	fs.StringVar(&c.NATSListen, "nats-listen", c.NATSListen, "TCP address for the embedded NATS server; empty listens on none")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error")
	fs.StringVar(&c.VocabDir, "vocab", c.VocabDir, "folder of code lists (cpv, nuts, country .gc or .csv) to import at start")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long a graceful stop may take")
	fs.BoolVar(&c.AllowPrivatePeers, "allow-private-peers", c.AllowPrivatePeers, "let federation reach loopback and private addresses (tests, local demos)")
	fs.BoolVar(&c.InsecureHTTP, "insecure-http", c.InsecureHTTP, "accept peers over plain http (tests, local demos)")
	fs.BoolVar(&c.QueueFollows, "queue-follows", c.QueueFollows, "keep Follows from unknown actors pending for an admin instead of rejecting them")
	fs.DurationVar(&c.MaxDeliveryAge, "max-delivery-age", c.MaxDeliveryAge, "how long a delivery is retried before it is dead-lettered")
	fs.BoolVar(&c.EmbeddedCodes, "embedded-codes", c.EmbeddedCodes, "load the CPV, NUTS and country lists shipped in the binary into the database at first start (false: structure checks only until lists are imported)")
	fs.DurationVar(&c.DeliverySweep, "delivery-sweep", c.DeliverySweep, "how often pending deliveries whose queue job is gone are queued again")
	fs.DurationVar(&c.RetryBase, "retry-base", c.RetryBase, "first retry delay of a failed delivery, doubled at each attempt")
	fs.StringVar(&c.Confederation, "confederation", c.Confederation, "the confederation's actor URL (national nodes)")
	fs.StringVar(&c.ConfederationKey, "confederation-key", c.ConfederationKey, "file with the confederation's admission public key (PEM); empty pins it on first use")
	fs.StringVar(&c.CredentialFile, "credential", c.CredentialFile, "file with this node's admission credential (a JWT from etoiles admit)")
	fs.BoolVar(&c.StatsReports, "stats-reports", c.StatsReports, "send aggregate statistics to the confederation once admitted")
	fs.IntVar(&c.StatsThreshold, "stats-threshold", c.StatsThreshold, "smallest count a statistics report shows; smaller cells are suppressed")
	fs.DurationVar(&c.StatsDebounce, "stats-debounce", c.StatsDebounce, "wait this long after a change of members or opportunities before reporting")
	fs.Float64Var(&c.InboxRate, "inbox-rate", c.InboxRate, "inbox requests per second one client address (and one verified signer) may make, with a burst of ten times that")
	fs.IntVar(&c.InboxBacklog, "inbox-backlog", c.InboxBacklog, "accepted activities that may wait to be applied; above that the inbox answers 429 with Retry-After")
	fs.StringVar(&c.InboxSync, "inbox-sync", c.InboxSync, "full (an activity answered 202 survives a power cut) or normal (survives a crash of the process) for the inbox log")
	fs.Var(&c.TrustedProxies, "trusted-proxies", "comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For names the client (rate limits)")
	fs.StringVar(&c.Languages, "languages", c.Languages, "comma-separated UI languages the node offers, in the switcher's order, e.g. lv,en,lt; empty offers every catalogue")
	fs.StringVar(&c.DefaultLanguage, "default-language", c.DefaultLanguage, "the UI language of a reader whose browser asks for none offered; empty = en, else the first of --languages")
	c.NewsConfig.bind(fs)
}

// Validate checks the configuration, naming the flag at fault.
func (c *Config) Validate() error {
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return fmt.Errorf("--public-url %q must be an http(s) origin such as https://fr.example", c.PublicURL)
	}
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	c.Country = strings.ToUpper(c.Country)
	if c.Role == "confederation" && c.Country != "" {
		return fmt.Errorf("--country %q: a confederation node has no country; leave --country out with --role confederation", c.Country)
	}
	if c.Country != "" && !node.ValidCountry(c.Country) {
		return fmt.Errorf("--country %q is not an ISO 3166-1 alpha-2 code", c.Country)
	}
	if c.Role != "national" && c.Role != "confederation" {
		return fmt.Errorf("--role %q must be national or confederation", c.Role)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("--log-format %q must be text or json", c.LogFormat)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	if c.Confederation != "" {
		if u, err := url.Parse(c.Confederation); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--confederation %q must be the confederation's actor URL, such as https://confederation.example/actor", c.Confederation)
		}
		if c.Role == "confederation" {
			return errors.New("--confederation is for national nodes; a confederation has none")
		}
	}
	if c.InboxBacklog < 1 {
		return fmt.Errorf("--inbox-backlog %d must be at least 1", c.InboxBacklog)
	}
	if s := strings.ToLower(c.InboxSync); s != "full" && s != "normal" {
		return fmt.Errorf("--inbox-sync %q must be full or normal", c.InboxSync)
	}
	if c.StatsThreshold < 1 {
		return fmt.Errorf("--stats-threshold %d must be at least 1", c.StatsThreshold)
	}
	if c.CredentialFile != "" && c.Confederation == "" {
		return errors.New("--credential needs --confederation")
	}
	if c.DataDir == "" {
		return errors.New("--data must name a directory")
	}
	if err := c.NewsConfig.validate(); err != nil {
		return err
	}
	var langs []string
	if strings.TrimSpace(c.Languages) != "" {
		langs = strings.Split(c.Languages, ",")
	}
	if err := web.Configure(langs, c.DefaultLanguage); err != nil {
		return fmt.Errorf("--languages, --default-language: %w", err)
	}
	if c.Name == "" {
		c.Name = "etoiles"
		if c.Country != "" {
			c.Name = "etoiles " + c.Country
		}
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("--log-level %q must be debug, info, warn or error", s)
	}
	return l, nil
}

// newLogger returns the process logger.
func newLogger(c Config, w io.Writer) *slog.Logger {
	level, _ := parseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(reqid.Handler{Handler: slog.NewJSONHandler(w, opts)})
	}
	return slog.New(reqid.Handler{Handler: slog.NewTextHandler(w, opts)})
}

// prefixList is a flag of comma-separated IP addresses or CIDR prefixes.
type prefixList []netip.Prefix

func (l *prefixList) String() string {
	parts := make([]string, len(*l))
	for i, p := range *l {
		parts[i] = p.String()
	}
	return strings.Join(parts, ",")
}

// Set parses "10.0.0.0/8,192.0.2.1,::1".
func (l *prefixList) Set(v string) error {
	var out prefixList
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return fmt.Errorf("%q is not an IP address or CIDR prefix", part)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	*l = out
	return nil
}
