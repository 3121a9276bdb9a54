package federation

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/e-toiles/etoiles/federation/httpsig"
	"github.com/e-toiles/etoiles/node"
)

// MaxFetchBytes caps a fetched document.
const MaxFetchBytes = 1 << 20

// ErrForbiddenAddress is returned for a URL whose host resolves to a
// loopback, private, link-local, multicast or metadata address while
// private peers are not allowed, or whose scheme is refused.
var ErrForbiddenAddress = errors.New("forbidden address")

// Client is the SSRF-safe HTTP client of federation: it refuses every
// scheme but https (and http when InsecureHTTP is set), and connections to
// loopback, private, link-local, unspecified, multicast and cloud metadata
// addresses unless AllowPrivate is set. The check runs on the address
// actually dialled, after DNS, so a name that resolves to 127.0.0.1 is
// refused too.
type Client struct {
	AllowPrivate bool
	InsecureHTTP bool
	UserAgent    string
	Timeout      time.Duration
	http         *http.Client
}

// NewClient returns a client with the given policy.
func NewClient(allowPrivate, insecureHTTP bool, userAgent string) *Client {
	c := &Client{AllowPrivate: allowPrivate, InsecureHTTP: insecureHTTP, UserAgent: userAgent, Timeout: 15 * time.Second}
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: c.control}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second,
		Proxy:                 nil,
	}
	c.http = &http.Client{Transport: tr, Timeout: c.Timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return errors.New("too many redirects")
		}
		return c.CheckURL(req.URL.String())
	}}
	return c
}

// HTTPClient returns the guarded *http.Client underneath, for other
// outbound fetches of the node (feeds, tender sources): the same address
// and redirect checks apply. It adds no User-Agent and no size limit.
func (c *Client) HTTPClient() *http.Client { return c.http }

// forbidden reports whether an address may not be dialled.
func forbidden(a netip.Addr) bool {
	a = a.Unmap()
	metadata := netip.MustParseAddr("169.254.169.254")
	return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsUnspecified() || a.IsMulticast() || a.IsInterfaceLocalMulticast() || a == metadata ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(a) || netip.MustParsePrefix("fd00:ec2::/32").Contains(a)
}

func (c *Client) control(_, address string, _ syscall.RawConn) error {
	if c.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	if forbidden(ap.Addr()) {
		return fmt.Errorf("%w: %s is not a public address", ErrForbiddenAddress, ap.Addr())
	}
	return nil
}

// CheckURL refuses URLs this client will not fetch: other schemes, no
// host, and literal forbidden addresses (names are checked when dialled).
func (c *Client) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%w: %q is not an absolute URL", ErrForbiddenAddress, raw)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && c.InsecureHTTP:
	default:
		return fmt.Errorf("%w: scheme %q refused (https only; --insecure-http allows http)", ErrForbiddenAddress, u.Scheme)
	}
	if a, err := netip.ParseAddr(u.Hostname()); err == nil && !c.AllowPrivate && forbidden(a) {
		return fmt.Errorf("%w: %s is not a public address (--allow-private-peers allows it)", ErrForbiddenAddress, a)
	}
	if u.Hostname() == "localhost" && !c.AllowPrivate {
		return fmt.Errorf("%w: localhost (--allow-private-peers allows it)", ErrForbiddenAddress)
	}
	return nil
}

// Signer signs outgoing requests as the node actor.
type Signer struct {
	Key   crypto.Signer
	KeyID string
	Now   func() time.Time
}

func (s *Signer) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// StatusError is an HTTP answer other than 2xx.
type StatusError struct {
	URL        string
	Status     int
	RetryAfter time.Duration
	Body       string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s answered %d %s", e.URL, e.Status, e.Body)
}

// Get fetches an ActivityPub document with a signed GET (GoToSocial and
// Mastodon in authorized-fetch mode require the signature).
func (c *Client) Get(ctx context.Context, s *Signer, iri string) ([]byte, error) {
	if err := c.CheckURL(iri); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, iri, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", `application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
	req.Header.Set("User-Agent", c.UserAgent)
	if s != nil {
		if err := httpsig.Sign(req, nil, s.Key, s.KeyID, s.now()); err != nil {
			return nil, fmt.Errorf("sign GET %s: %w", iri, err)
		}
	}
	return c.do(req)
}

// Post delivers an activity with a signed POST.
func (c *Client) Post(ctx context.Context, s *Signer, inbox string, body []byte) error {
	if err := c.CheckURL(inbox); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, inbox, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/activity+json")
	req.Header.Set("User-Agent", c.UserAgent)
	if err := httpsig.Sign(req, body, s.Key, s.KeyID, s.now()); err != nil {
		return fmt.Errorf("sign POST %s: %w", inbox, err)
	}
	_, err = c.do(req)
	return err
}

func (c *Client) do(req *http.Request) ([]byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxFetchBytes+1))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := &StatusError{URL: req.URL.String(), Status: resp.StatusCode, Body: truncate(string(body), 200)}
		se.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		return nil, se
	}
	if len(body) > MaxFetchBytes {
		return nil, &node.Error{Code: node.ETOOLARGE, Message: fmt.Sprintf("%s sent more than %d bytes", req.URL, MaxFetchBytes)}
	}
	return body, nil
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
