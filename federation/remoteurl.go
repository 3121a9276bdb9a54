package federation

import (
	"context"

	"github.com/e-toiles/etoiles/node"
)

// urlCheck applies node.CheckURL to the URLs of one object received from
// a peer (spec/federation.md, "URLs received from peers"): a URL the rule
// refuses is dropped, with an INFO line that says which object, which
// field and why. An object whose id fails the rule is refused before this
// runs.
type urlCheck struct {
	f        *Federation
	ctx      context.Context
	kind, id string
}

func (f *Federation) urlCheck(ctx context.Context, kind, id string) urlCheck {
	return urlCheck{f: f, ctx: ctx, kind: kind, id: id}
}

// keep returns u when node.CheckURL accepts it, else "".
func (c urlCheck) keep(field, u string) string {
	if u == "" {
		return ""
	}
	if err := node.CheckURL(u); err != nil {
		c.f.log.InfoContext(c.ctx, "remote URL dropped", "kind", c.kind, "object", c.id, "field", field, "url", u, "reason", "it "+err.Error())
		return ""
	}
	return u
}
