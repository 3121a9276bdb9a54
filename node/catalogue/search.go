package catalogue

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/e-toiles/etoiles/node"
)

// Query is a catalogue search. Every field is optional; the zero value
// lists active members.
type Query struct {
	Text       string // free text over names, summaries and tags
	Competence string // a CPV code; matches it and every code below it
	Country    string // ISO 3166-1 alpha-2
	Region     string // NUTS code; matches it and its subregions
	Language   string // BCP 47; "fr" also matches "fr-BE"
	Origin     string // "local", "remote" or a peer's actor URL; "" = all
	Status     node.MemberStatus
	// Public keeps only the members shown in the public directory.
	Public bool
	Limit  int
	Offset int
}

// Limits on queries.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	MaxTextLen   = 200
)

// Result is one page of matches and the total number of matches.
type Result struct {
	Items []*node.Member `json:"items"`
	Total int            `json:"total"`
}

// Store runs validated queries. CompetencePrefix is the CPV prefix to
// match (see node.CPVPrefix).
type Store interface {
	SearchMembers(ctx context.Context, q Query, competencePrefix string) (Result, error)
}

// Service searches the catalogue.
type Service struct {
	Store Store
}

// Search validates q and runs it.
func (s *Service) Search(ctx context.Context, q Query) (Result, error) {
	var p node.Problems
	q.Text = strings.TrimSpace(q.Text)
	if utf8.RuneCountInString(q.Text) > MaxTextLen {
		p.Add("q", "is longer than %d characters", MaxTextLen)
	}
	var prefix string
	if q.Competence != "" {
		c, ok := node.NormalizeCPV(q.Competence)
		if !ok {
			p.Add("competence", "%q is not a CPV code", q.Competence)
		} else {
			prefix = node.CPVPrefix(c)
		}
	}
	q.Country = strings.ToUpper(q.Country)
	if q.Country != "" && !node.ValidCountry(q.Country) {
		p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code", q.Country)
	}
	q.Region = strings.ToUpper(q.Region)
	if q.Region != "" && !node.ValidNUTS(q.Region, "") {
		p.Add("region", "%q is not a NUTS code", q.Region)
	}
	if q.Language != "" {
		if !node.ValidLanguageTag(q.Language) {
			p.Add("language", "%q is not a known BCP 47 language tag", q.Language)
		}
		q.Language = node.CanonicalLanguageTag(q.Language)
	}
	if q.Status == "" {
		q.Status = node.StatusMember
	} else if !q.Status.Valid() {
		p.Add("status", "must be one of prospect, member, lapsed, alumni")
	}
	switch {
	case q.Limit == 0:
		q.Limit = DefaultLimit
	case q.Limit < 0 || q.Limit > MaxLimit:
		p.Add("limit", "must be between 1 and %d", MaxLimit)
	}
	if q.Offset < 0 {
		p.Add("offset", "must not be negative")
	}
	if err := p.Err("search catalogue"); err != nil {
		return Result{}, err
	}
	res, err := s.Store.SearchMembers(ctx, q, prefix)
	if err != nil {
		return Result{}, err
	}
	if res.Items == nil {
		res.Items = []*node.Member{}
	}
	return res, nil
}

// FTSQuery turns free text into an SQLite FTS5 query: every word must
// match, the last one as a prefix; punctuation and operators are dropped,
// so user text can never be an FTS syntax error.
func FTSQuery(text string) string {
	words := strings.FieldsFunc(text, func(r rune) bool {
		return !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127 && !isSpaceOrPunct(r))
	})
	if len(words) > 16 {
		words = words[:16]
	}
	for i, w := range words {
		words[i] = `"` + w + `"`
	}
	if n := len(words); n > 0 {
		words[n-1] += "*"
	}
	return strings.Join(words, " ")
}

func isSpaceOrPunct(r rune) bool {
	switch r {
	case '\u00a0', '\u2019', '\u2018', '\u201c', '\u201d', '\u00ab', '\u00bb', '\u2013', '\u2014', '\u2026':
		return true
	}
	return false
}
