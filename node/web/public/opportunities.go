package public

import (
	"bytes"
	"context"
	"net/http"
	"strings"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/news"
	"github.com/e-toiles/etoiles/node/opportunity"
)

// OpportunityLister lists opportunities (node/opportunity.Service).
type OpportunityLister interface {
	List(ctx context.Context, q opportunity.Query) ([]*node.Opportunity, int, error)
}

// PublicOpportunity reports whether an opportunity may appear in the
// public feed: a call for tenders this node imported from a public notice
// (it has a source and no lead member) and that is still open. What member
// co-ops post, and everything about interests and consortia, stays
// network-internal.
func PublicOpportunity(o *node.Opportunity) bool {
	return o.Origin == "" && o.Lead == "" && o.Source != "" && o.Status.Open()
}

// OpportunityEntry turns a public opportunity into an Atom entry.
func OpportunityEntry(fi news.FeedInfo, o *node.Opportunity) news.Entry {
	lang := node.DefaultLanguage(o.Title)
	page := fi.Base + "/opportunities/" + o.ID
	link := page
	if strings.HasPrefix(o.Source, "https://") || strings.HasPrefix(o.Source, "http://") {
		link = o.Source
	}
	e := news.Entry{ID: page, Title: news.Pick(o.Title, lang), Link: link, Summary: news.Pick(o.Summary, lang),
		ContentHTML: news.Pick(o.Description, lang), Lang: lang, Published: o.CreatedAt, Updated: o.UpdatedAt}
	for _, c := range o.CPVs() {
		e.Tags = append(e.Tags, "cpv:"+c)
	}
	if o.Deadline != nil {
		e.Summary = strings.TrimSpace(e.Summary + " (deadline " + o.Deadline.UTC().Format("2006-01-02 15:04 UTC") + ")")
	}
	return e
}

func (h *Handler) opportunitiesAtom(w http.ResponseWriter, r *http.Request) {
	if h.Opportunities == nil {
		notFound(w)
		return
	}
	list, _, err := h.Opportunities.List(r.Context(), opportunity.Query{Scope: opportunity.ScopeLocal, Limit: opportunity.MaxLimit,
		Status: []node.OpportunityStatus{node.OpportunityPlanned, node.OpportunityActive, node.OpportunityForming}})
	if err != nil {
		http.Error(w, "feed unavailable", 500)
		return
	}
	var entries []news.Entry
	for _, o := range list {
		if PublicOpportunity(o) {
			entries = append(entries, OpportunityEntry(h.Info, o))
		}
	}
	var b bytes.Buffer
	fi := h.Info
	fi.Title += " — calls for tenders"
	if err := news.WriteAtomEntries(&b, fi, h.Info.Base+"/feeds/opportunities.atom", entries); err != nil {
		http.Error(w, "feed unavailable", 500)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}
