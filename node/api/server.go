package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/catalogue"
	"github.com/e-toiles/etoiles/node/codes"
	"github.com/e-toiles/etoiles/node/consortium"
	"github.com/e-toiles/etoiles/node/market"
	"github.com/e-toiles/etoiles/node/membership"
	"github.com/e-toiles/etoiles/node/news"
	"github.com/e-toiles/etoiles/node/notice"
	"github.com/e-toiles/etoiles/node/opportunity"
	"github.com/e-toiles/etoiles/node/stats"
	"github.com/e-toiles/etoiles/node/tender"
)

// Server holds the services the API exposes. Logger may be nil.
type Server struct {
	Members   *membership.Service
	News      *news.Service // news items and calendar events; nil = routes answer 503
	Catalogue *catalogue.Service
	Codes     *codes.Service
	Verifier  *auth.Verifier
	Peers     PeerService
	Trust     TrustService
	// Stats computes the node's own report; Reports holds the reports of
	// national nodes (confederation only, nil elsewhere).
	Stats   *stats.Service
	Reports stats.ReportStore
	// Market serves the co-operative marketplace.
	Market *market.Service
	// Ready checks the node's dependencies for /readyz; each entry names
	// one (database, nats) and returns nil when it is ready.
	Ready map[string]func(context.Context) error
	// Notes are what /readyz reports besides the checks: what happened
	// at start that an admin should know (a queue store rebuilt).
	Notes map[string]string
	// Metrics serves /metrics (Prometheus text format); nil answers 404.
	Metrics http.Handler
	Logger  *slog.Logger
	// Opportunities and Notices serve the opportunity routes and the
	// members' notices; PublicURL (the node's public origin) makes the
	// notice feed URLs absolute, else the request's host is used.
	Opportunities *opportunity.Service
	Notices       *notice.Service
	PublicURL     string
	// Consortia suggests consortia for an opportunity (#4).
	Consortia *consortium.Service
	// Tender imports eForms notices into the tender radar (#4).
	Tender *tender.Importer
}

// Route is one API route: a method and a net/http pattern, the roles
// allowed (nil = public, empty = any valid token), and the handler.
type Route struct {
	Method  string
	Path    string
	Roles   []string
	Handler func(s *Server, w http.ResponseWriter, r *http.Request, p *auth.Principal) error
}

// Pattern returns the net/http ServeMux pattern of the route.
func (rt Route) Pattern() string { return rt.Method + " " + rt.Path }

var (
	public   []string
	anyToken = []string{}
	admin    = []string{auth.RoleAdmin}
	// confederation is the confederation's staff, on the confederation node.
	confederation = []string{auth.RoleConfederation}
	// adminOrMember also needs a check that a member acts on itself.
	adminOrMember = []string{auth.RoleAdmin, auth.RoleMember}
)

// Routes lists every route the API serves. spec/openapi.yaml documents
// exactly these.
var Routes = []Route{
	{"GET", "/healthz", public, (*Server).healthz},
	{"GET", "/readyz", public, (*Server).readyz},
	{"GET", "/metrics", public, (*Server).metrics},
	{"POST", "/api/v1/members", admin, (*Server).createMember},
	{"GET", "/api/v1/members", admin, (*Server).listMembers},
	{"GET", "/api/v1/members/{id}", adminOrMember, (*Server).getMember},
	{"PATCH", "/api/v1/members/{id}", adminOrMember, (*Server).patchMember},
	{"POST", "/api/v1/members/{id}/status", admin, (*Server).setMemberStatus},
	{"GET", "/api/v1/members/{id}/history", admin, (*Server).memberHistory},
	{"GET", "/api/v1/catalogue", anyToken, (*Server).searchCatalogue},
	{"GET", "/api/v1/vocab", anyToken, (*Server).codeLists},
	{"GET", "/api/v1/vocab/{kind}", anyToken, (*Server).lookupCodes},
	{"POST", "/api/v1/peers", admin, (*Server).addPeer},
	{"GET", "/api/v1/peers", admin, (*Server).listPeers},
	{"POST", "/api/v1/peers/{id}/block", admin, (*Server).blockPeer},
	{"POST", "/api/v1/peers/{id}/unblock", admin, (*Server).unblockPeer},
	{"DELETE", "/api/v1/peers/{id}", admin, (*Server).removePeer},
	{"POST", "/api/v1/credential", admin, (*Server).installCredential},
	{"POST", "/api/v1/admissions", confederation, (*Server).admit},
	{"GET", "/api/v1/admissions", confederation, (*Server).listAdmissions},
	{"POST", "/api/v1/admissions/{jti}/revoke", confederation, (*Server).revokeAdmission},
	{"GET", "/api/v1/stats", admin, (*Server).ownStats},
	{"GET", "/api/v1/network/stats", confederation, (*Server).networkStats},
	{"GET", "/api/v1/network/stats/history", confederation, (*Server).networkHistory},
	{"GET", "/api/v1/network/stats.csv", confederation, (*Server).networkCSV},
	// The co-operative marketplace (#9).
	{"POST", "/api/v1/listings", adminOrMember, (*Server).createListing},
	{"GET", "/api/v1/listings", anyToken, (*Server).listListings},
	{"GET", "/api/v1/listings/{id}", anyToken, (*Server).getListing},
	{"PATCH", "/api/v1/listings/{id}", adminOrMember, (*Server).patchListing},
	{"DELETE", "/api/v1/listings/{id}", adminOrMember, (*Server).deleteListing},
	{"POST", "/api/v1/listings/{id}/respond", adminOrMember, (*Server).respondListing},
	{"GET", "/api/v1/listings/{id}/responses", adminOrMember, (*Server).listResponses},
	{"POST", "/api/v1/listings/{id}/responses/{rid}/accept", adminOrMember, (*Server).acceptResponse},
	{"POST", "/api/v1/listings/{id}/responses/{rid}/reject", adminOrMember, (*Server).rejectResponse},
	{"POST", "/api/v1/listings/{id}/subscriptions", adminOrMember, (*Server).subscribe},
	{"DELETE", "/api/v1/listings/{id}/subscriptions/{member}", adminOrMember, (*Server).unsubscribe},
	{"POST", "/api/v1/listings/{id}/usage", adminOrMember, (*Server).recordUsage},
	{"GET", "/api/v1/listings/{id}/shares", adminOrMember, (*Server).listingShares},
	{"GET", "/api/v1/listings/{id}/shares.csv", adminOrMember, (*Server).listingSharesCSV},
	// Opportunities and notices (#4).
	{"POST", "/api/v1/opportunities", adminOrMember, (*Server).createOpportunity},
	{"GET", "/api/v1/opportunities", anyToken, (*Server).listOpportunities},
	{"GET", "/api/v1/opportunities/{id}", anyToken, (*Server).getOpportunity},
	{"POST", "/api/v1/opportunities/{id}/interest", memberOnly, (*Server).expressInterest},
	{"POST", "/api/v1/opportunities/{id}/interests/{iid}/accept", adminOrMember, (*Server).acceptInterest},
	{"POST", "/api/v1/opportunities/{id}/interests/{iid}/reject", adminOrMember, (*Server).rejectInterest},
	{"POST", "/api/v1/opportunities/{id}/status", adminOrMember, (*Server).setOpportunityStatus},
	{"POST", "/api/v1/opportunities/{id}/lead", adminOrMember, (*Server).takeOnOpportunity},
	{"POST", "/api/v1/opportunities/import", admin, (*Server).importTender},
	{"GET", "/api/v1/notices", adminOrMember, (*Server).listNotices},
	{"GET", "/api/v1/notices/feed", memberOnly, (*Server).noticeFeed},
	{"POST", "/api/v1/notices/feed", memberOnly, (*Server).noticeFeed},
	{"GET", "/feeds/notices/{file}", public, (*Server).serveNoticeFeed},
	// Consortium builder (#4).
	{"GET", "/api/v1/opportunities/{id}/suggestions", anyToken, (*Server).suggestConsortia},
}

func init() { Routes = append(Routes, NewsRoutes...) }

// Register adds every route to mux, plus a problem+json 404 for unknown
// paths under /api/.
func (s *Server) Register(mux *http.ServeMux) {
	for _, rt := range Routes {
		mux.Handle(rt.Pattern(), s.handler(rt))
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, s.Logger, node.Errorf(node.ENOTFOUND, "no API route %s %s", r.Method, r.URL.Path))
	})
}

func (s *Server) handler(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p *auth.Principal
		if rt.Roles != nil {
			var err error
			if p, err = s.authenticate(r); err != nil {
				WriteError(w, r, s.Logger, err)
				return
			}
			if len(rt.Roles) > 0 && !p.Is(rt.Roles...) {
				WriteError(w, r, s.Logger, &node.Error{Code: node.EFORBIDDEN, Op: "authorize",
					Message: article(p.Role) + " " + p.Role + " token may not " + rt.Method + " " + rt.Path + "; it needs role " + strings.Join(rt.Roles, " or ")})
				return
			}
		}
		if strings.HasPrefix(rt.Path, "/api/v1/news") || strings.HasPrefix(rt.Path, "/api/v1/events") {
			if s.News == nil {
				WriteError(w, r, s.Logger, node.Errorf(node.EUNAVAILABLE, "news and events are not enabled on this node"))
				return
			}
		}
		if err := rt.Handler(s, w, r, p); err != nil {
			WriteError(w, r, s.Logger, err)
		}
	})
}

func (s *Server) authenticate(r *http.Request) (*auth.Principal, error) {
	h := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(h, "Bearer ")
	if !ok && h != "" {
		return nil, &node.Error{Code: node.EUNAUTHORIZED, Op: "authenticate", Message: "the Authorization header must be \"Bearer <token>\""}
	}
	return s.Verifier.Verify(r.Context(), strings.TrimSpace(token))
}

// selfOrAdmin refuses a member token acting on another member.
func selfOrAdmin(p *auth.Principal, id string) error {
	if p.Is(auth.RoleAdmin) || p.Is(auth.RoleMember) && p.Member == id {
		return nil
	}
	return &node.Error{Code: node.EFORBIDDEN, Op: "authorize", Message: "a member token may act only on its own member"}
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request, _ *auth.Principal) error {
	WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	if s.Metrics == nil {
		return node.Errorf(node.ENOTFOUND, "metrics are not enabled")
	}
	s.Metrics.ServeHTTP(w, r)
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	checks := map[string]string{}
	status := http.StatusOK
	for name, check := range s.Ready {
		if err := check(r.Context()); err != nil {
			checks[name] = err.Error()
			status = http.StatusServiceUnavailable
		} else {
			checks[name] = "ok"
		}
	}
	body := map[string]any{"status": "ready", "checks": checks}
	if len(s.Notes) > 0 {
		body["notes"] = s.Notes
	}
	if status != http.StatusOK {
		body["status"] = "not ready"
	}
	if s.Codes != nil {
		lists, err := s.Codes.Store.CodeLists(r.Context())
		if err == nil {
			body["code_lists"] = codeListStatus(lists)
		}
	}
	WriteJSON(w, status, body)
	return nil
}

// codeListStatus says for each kind how many codes are loaded, or that
// labels are missing.
func codeListStatus(lists []codes.Info) map[string]string {
	out := map[string]string{}
	for _, k := range codes.Kinds {
		out[k] = "labels missing: structure checks only (import with etoiles vocab import)"
	}
	for _, l := range lists {
		if l.Count > 0 {
			out[l.Kind] = "loaded: " + itoa(l.Count) + " codes, languages " + strings.Join(l.Languages, ",")
		}
	}
	return out
}

// article is "an" before a role that starts with a vowel (an admin token),
// "a" otherwise.
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}
