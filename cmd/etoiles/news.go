package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/federation"
	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/mail"
	"github.com/e-toiles/etoiles/node/news"
	"github.com/e-toiles/etoiles/node/news/digest"
	"github.com/e-toiles/etoiles/node/news/feedimport"
	"github.com/e-toiles/etoiles/node/opportunity"
	"github.com/e-toiles/etoiles/node/store/sqlite"
	"github.com/e-toiles/etoiles/node/web/public"
)

// NewsConfig configures news, events, the SPIP feed import and the list
// digest. Every field has a flag and an ETOILES_* variable.
type NewsConfig struct {
	PublicFollows  bool          // --public-follows: accept Follows from any Fediverse actor for news and events
	SMTPURL        string        // --smtp-url: smtp[s]://user:pass@host:port?from=ADDRESS (see node/mail)
	DigestTo       string        // --digest-to: the list address the digest goes to (a Mailman list)
	DigestPeriod   string        // --digest-period: weekly or monthly; empty = no digest
	ImportFeed     string        // --import-feed: a SPIP site's RSS/Atom URL imported as news on a schedule
	ImportInterval time.Duration // --import-interval: how often the feed is imported
	ImportLang     string        // --import-lang: language of the feed's entries when it names none
}

func defaultNewsConfig() NewsConfig {
	return NewsConfig{PublicFollows: true, ImportInterval: time.Hour}
}

func (c *NewsConfig) bind(fs *flag.FlagSet) {
	fs.BoolVar(&c.PublicFollows, "public-follows", c.PublicFollows, "accept Follows from Fediverse actors that are not peers; they get news and events only")
	fs.StringVar(&c.SMTPURL, "smtp-url", c.SMTPURL, "SMTP server for mail: smtp://user:pass@host:587?from=ADDRESS (STARTTLS when offered) or smtps:// (implicit TLS)")
	fs.StringVar(&c.DigestTo, "digest-to", c.DigestTo, "list address that receives the news and events digest")
	fs.StringVar(&c.DigestPeriod, "digest-period", c.DigestPeriod, "weekly or monthly; empty sends no digest")
	fs.StringVar(&c.ImportFeed, "import-feed", c.ImportFeed, "RSS or Atom feed of a SPIP site, imported as news every --import-interval")
	fs.DurationVar(&c.ImportInterval, "import-interval", c.ImportInterval, "how often --import-feed is imported")
	fs.StringVar(&c.ImportLang, "import-lang", c.ImportLang, "language of --import-feed's entries when the feed names none")
}

// Mailer returns the SMTP sender of --smtp-url, or nil when none is
// configured. The digest and the web interface's password reset use it.
func (c *NewsConfig) Mailer() (*mail.Sender, error) {
	if c.SMTPURL == "" {
		return nil, nil
	}
	cfg, err := mail.ParseURL(c.SMTPURL)
	if err != nil {
		return nil, fmt.Errorf("--smtp-url: %w", err)
	}
	return mail.New(cfg)
}

func (c *NewsConfig) validate() error {
	if c.SMTPURL != "" {
		if _, err := mail.ParseURL(c.SMTPURL); err != nil {
			return fmt.Errorf("--smtp-url: %w", err)
		}
	}
	switch c.DigestPeriod {
	case "", "weekly", "monthly":
	default:
		return fmt.Errorf("--digest-period %q must be weekly or monthly", c.DigestPeriod)
	}
	if c.DigestPeriod != "" && (c.DigestTo == "" || c.SMTPURL == "") {
		return errors.New("--digest-period needs --digest-to and --smtp-url")
	}
	if c.ImportFeed != "" && c.ImportInterval < time.Minute {
		return fmt.Errorf("--import-interval %s must be at least a minute", c.ImportInterval)
	}
	return nil
}

// startNews builds the news service, registers the public pages and
// feeds, and starts the loop that publishes scheduled news, imports the
// feed and sends the digest.
func (m *Main) startNews(ctx context.Context, mux *http.ServeMux, opps *opportunity.Service) (*news.Service, error) {
	svc := &news.Service{
		Store: m.db, GroupName: m.Config.Name, Committed: m.relay.Notify,
		MediaURL: func(id string) string { return m.Config.PublicURL + "/media/" + id },
	}
	info := news.FeedInfo{Base: m.Config.PublicURL, Title: m.Config.Name}
	h := &public.Handler{News: svc, Media: m.db, AP: m.fed, Info: info, WantsAP: federation.WantsActivityJSON, Opportunities: opps}
	h.Register(mux)
	m.public = h
	loop, err := m.newsLoop(svc, info, opps)
	if err != nil {
		return nil, err
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		loop(ctx)
	}()
	return svc, nil
}

// newsLoop returns the loop that publishes scheduled news every minute,
// imports --import-feed every --import-interval and sends the digest when
// a period completes.
func (m *Main) newsLoop(svc *news.Service, info news.FeedInfo, opps *opportunity.Service) (func(ctx context.Context), error) {
	log := m.Logger.With("component", "news")
	var dg *digest.Digest
	if m.Config.DigestPeriod != "" {
		sender, err := m.Config.Mailer()
		if err != nil {
			return nil, err
		}
		dg = &digest.Digest{News: svc, Store: m.db, Sender: sender, To: m.Config.DigestTo, Period: m.Config.DigestPeriod, Info: info, Opportunities: opps}
		stuck, err := m.db.DigestsSending(context.Background())
		if err != nil {
			return nil, err
		}
		for _, p := range stuck {
			log.Warn("a digest was being sent when the node stopped; it is not sent again: check the list archive", "period", p, "to", m.Config.DigestTo)
		}
	}
	importFeed := func(ctx context.Context) {
		rc, err := feedimport.Open(ctx, m.outboundHTTP(), m.Config.ImportFeed)
		if err != nil {
			log.Warn("feed import", "feed", m.Config.ImportFeed, "err", err)
			return
		}
		defer rc.Close()
		res, err := feedimport.Import(ctx, svc, rc, feedimport.Options{Lang: m.Config.ImportLang})
		if err != nil {
			log.Warn("feed import", "feed", m.Config.ImportFeed, "err", err)
			return
		}
		if res.Added > 0 {
			log.Info("feed imported", "feed", m.Config.ImportFeed, "added", res.Added, "skipped", res.Skipped)
		}
	}
	return func(ctx context.Context) {
		tick := time.NewTicker(time.Minute)
		defer tick.Stop()
		lastImport := time.Time{}
		for {
			if n, err := svc.PublishDue(ctx); err != nil && ctx.Err() == nil {
				log.Warn("scheduled news", "err", err)
			} else if n > 0 {
				log.Info("scheduled news published", "items", n)
			}
			if m.Config.ImportFeed != "" && time.Since(lastImport) >= m.Config.ImportInterval {
				lastImport = time.Now()
				importFeed(ctx)
			}
			if dg != nil {
				if sent, err := dg.RunDue(ctx, time.Now()); err != nil && ctx.Err() == nil {
					log.Warn("digest", "err", err)
				} else if sent {
					log.Info("digest sent", "to", m.Config.DigestTo)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}, nil
}

// cmdImportRSS runs etoiles import rss URL|FILE: it imports a SPIP site's
// RSS or Atom feed as news into the node's database (the running node
// federates the new items).
func cmdImportRSS(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "rss" {
		return errors.New("import: usage: etoiles import rss [--data DIR] [--lang fr] URL|FILE")
	}
	fs := flag.NewFlagSet("import rss", flag.ContinueOnError)
	dir := fs.String("data", "./etoiles-data", "data directory of the node")
	lang := fs.String("lang", "", "language of the entries when the feed names none (BCP 47)")
	name := fs.String("name", "", "the group's display name, shown as the author")
	allowPrivate := fs.Bool("allow-private-peers", false, "let the fetch reach loopback and private addresses (tests, local demos)")
	insecure := fs.Bool("insecure-http", false, "allow a plain http feed URL")
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return helpOnRequest(fs, err, stdout)
		}
		return fmt.Errorf("import rss: %w", err)
	}
	for flagName, dst := range map[string]*string{"data": dir, "name": name} {
		if v := getenv(envName(flagName)); v != "" && !flagGiven(fs, flagName) {
			*dst = v
		}
	}
	if fs.NArg() != 1 {
		return errors.New("import rss: name one feed URL or file")
	}
	if *lang != "" && !node.ValidLanguageTag(*lang) {
		return fmt.Errorf("import rss: --lang %q is not a BCP 47 language tag", *lang)
	}
	if _, err := os.Stat(filepath.Join(*dir, dbFile)); err != nil {
		return fmt.Errorf("import rss: no node database in %s (--data)", *dir)
	}
	for flagName, dst := range map[string]*bool{"allow-private-peers": allowPrivate, "insecure-http": insecure} {
		if v := getenv(envName(flagName)); v != "" && !flagGiven(fs, flagName) {
			*dst = v == "1" || strings.EqualFold(v, "true")
		}
	}
	client := federation.NewClient(*allowPrivate, *insecure, "etoiles/"+version+" feed import").HTTPClient()
	rc, err := feedimport.Open(ctx, client, fs.Arg(0))
	if err != nil {
		return fmt.Errorf("import rss: %w", err)
	}
	defer rc.Close()
	db, err := sqlite.Open(ctx, filepath.Join(*dir, dbFile))
	if err != nil {
		return fmt.Errorf("import rss: %w", err)
	}
	defer db.Close()
	svc := &news.Service{Store: db, GroupName: *name}
	res, err := feedimport.Import(ctx, svc, rc, feedimport.Options{Lang: *lang})
	if err != nil {
		return fmt.Errorf("import rss %s: %w", fs.Arg(0), err)
	}
	fmt.Fprintf(stdout, "%d news items imported, %d already there\n", res.Added, res.Skipped)
	return nil
}

// outboundHTTP is the node's guarded HTTP client for fetches that are not
// federation (feeds): the same private-address policy as federation.
func (m *Main) outboundHTTP() *http.Client {
	return federation.NewClient(m.Config.AllowPrivatePeers, m.Config.InsecureHTTP, "etoiles/"+version+" (+"+m.Config.PublicURL+")").HTTPClient()
}
