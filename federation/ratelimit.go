package federation

import (
	"golang.org/x/time/rate"

	"github.com/e-toiles/etoiles/internal/ratelimit"
)

// maxLimiterKeys bounds each of the inbox's rate-limit maps.
const maxLimiterKeys = 100000

// inboxLimiter rate-limits the inbox twice: by the connecting address
// before anything is read (nothing the sender writes chooses the bucket),
// and by the verified signer after the signature is checked (so a peer's
// budget is spent only by that peer).
type inboxLimiter struct {
	addrs, signers *ratelimit.Buckets
}

func newInboxLimiter(perSecond float64, burst int) *inboxLimiter {
	return &inboxLimiter{
		addrs:   ratelimit.New(rate.Limit(perSecond), burst, maxLimiterKeys),
		signers: ratelimit.New(rate.Limit(perSecond), burst, maxLimiterKeys),
	}
}
