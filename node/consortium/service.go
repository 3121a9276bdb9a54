package consortium

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// Store gives the builder an opportunity and the catalogue.
type Store interface {
	// GetOpportunity returns a local or remote opportunity by local id;
	// ENOTFOUND if none.
	GetOpportunity(ctx context.Context, id string) (*node.Opportunity, error)
	// ConsortiumCandidates returns every active member co-op, local and
	// remote (status member), as candidates whose ID is the local id.
	ConsortiumCandidates(ctx context.Context) ([]Candidate, error)
	// CandidatesVersion returns a value that changes when the result of
	// ConsortiumCandidates may have changed.
	CandidatesVersion(ctx context.Context) (string, error)
}

// DefaultMaxAge is how long the Service reuses an index of the catalogue
// whose version has not changed.
const DefaultMaxAge = time.Minute

// Service suggests consortia for the opportunities a node knows. It keeps
// the index of the catalogue between requests while the store's
// CandidatesVersion stays the same, for at most MaxAge (0 means
// DefaultMaxAge). Store is required; Now may be nil (time.Now).
type Service struct {
	Store  Store
	MaxAge time.Duration
	Now    func() time.Time

	mu      sync.Mutex
	index   *Index
	version string
	built   time.Time
}

// catalogue returns the index of the current candidates, built again when
// the store's version changed or the index is older than MaxAge.
func (s *Service) catalogue(ctx context.Context) (*Index, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	maxAge := s.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	v, err := s.Store.CandidatesVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("candidates version: %w", err)
	}
	t := now()
	s.mu.Lock()
	x := s.index
	fresh := x != nil && s.version == v && t.Sub(s.built) < maxAge
	s.mu.Unlock()
	if fresh {
		return x, nil
	}
	cands, err := s.Store.ConsortiumCandidates(ctx)
	if err != nil {
		return nil, fmt.Errorf("load candidates: %w", err)
	}
	x = NewIndex(cands)
	s.mu.Lock()
	s.index, s.version, s.built = x, v, t
	s.mu.Unlock()
	return x, nil
}

// Query holds the options of a suggestion request; its zero value asks
// for DefaultK consortia without cross-border preference.
type Query struct {
	K           int
	CrossBorder bool
}

// Suggestions is the answer for one opportunity.
type Suggestions struct {
	Opportunity string `json:"opportunity"`
	*Result
}

// Suggest returns up to q.K consortia for the opportunity with local id
// id, drawn from every active member of the federated catalogue. The
// lead and the members already in the opportunity's consortium belong to
// every suggestion (Member.Included).
func (s *Service) Suggest(ctx context.Context, id string, q Query) (*Suggestions, error) {
	const op = "suggest consortia"
	o, err := s.Store.GetOpportunity(ctx, id)
	if err != nil {
		return nil, err
	}
	r := RequestFor(o)
	r.K, r.CrossBorder = q.K, q.CrossBorder
	if r.K < 0 || r.K > MaxK {
		var p node.Problems
		p.Add("k", "must be between 1 and %d", MaxK)
		return nil, p.Err(op)
	}
	x, err := s.catalogue(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	res, err := x.Suggest(r)
	if err != nil {
		return nil, err
	}
	return &Suggestions{Opportunity: o.ID, Result: res}, nil
}

// RequestFor turns an opportunity into a request: its required
// competences, each lot's codes as needs of that lot (when the
// competences do not already name them), its languages and place, and
// its lead and consortium members as included candidates. When that
// makes more than MaxNeeds needs, each code is asked once for the whole
// contract instead.
func RequestFor(o *node.Opportunity) Request {
	r := Request{Languages: o.Languages, Country: o.Country, Region: o.Region}
	seen := map[Need]bool{}
	add := func(n Need) {
		if c, ok := node.NormalizeCPV(n.CPV); ok {
			n.CPV = c
		}
		if !seen[n] {
			seen[n] = true
			r.Needs = append(r.Needs, n)
		}
	}
	for _, c := range o.Competences {
		add(Need{Lot: c.Lot, CPV: c.CPV})
	}
	for _, l := range o.Lots {
		for _, c := range l.CPV {
			add(Need{Lot: l.ID, CPV: c})
		}
	}
	if len(r.Needs) > MaxNeeds {
		// Too many lot-by-lot needs: ask for each code once.
		needs := r.Needs
		r.Needs, seen = nil, map[Need]bool{}
		for _, n := range needs {
			add(Need{CPV: n.CPV})
		}
	}
	if o.Lead != "" {
		r.Include = append(r.Include, o.Lead)
	}
	for _, e := range o.Consortium {
		if e.Member != "" && e.Member != o.Lead {
			r.Include = append(r.Include, e.Member)
		}
	}
	return r
}
