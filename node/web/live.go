package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
)

// LiveEvents lets a page follow the node's event stream: Listen calls fn
// for every event whose subject matches pattern (NATS wildcards) until
// stop is called. The composition root implements it over the bus.
type LiveEvents interface {
	Listen(pattern string, fn func(node.Event)) (stop func(), err error)
}

// liveHeartbeat keeps idle event streams open through proxies.
const liveHeartbeat = 25 * time.Second

// liveOpportunity streams, as server-sent events, a "change" event each
// time the opportunity changes: a new interest, an answer, a new stage.
// The page works without it; static/live.js only offers to reload.
func (s *Server) liveOpportunity(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Live == nil || s.Opportunities == nil {
		return &node.Error{Code: node.ENOTFOUND, Op: "live", Message: "this node sends no live updates"}
	}
	// The same permission as the page: whoever may read it may follow it.
	o, err := s.Opportunities.Get(r.Context(), viewerOf(rq.User), r.PathValue("id"))
	if err != nil {
		return err
	}
	events := make(chan node.Event, 16)
	stop, err := s.Live.Listen(node.SubjectPrefix+"opportunity.>", func(ev node.Event) {
		if ev.AggregateID != o.ID {
			return
		}
		select {
		case events <- ev:
		default: // the page reloads anyway; drop what it cannot take
		}
	})
	if err != nil {
		return err
	}
	defer stop()
	return s.stream(w, r, events)
}

// liveForYou streams a "change" event when an opportunity that needs
// one of the member's competences is posted, arrives from a peer or
// changes, so that "For you" can offer to reload.
func (s *Server) liveForYou(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Live == nil || s.Opportunities == nil || rq.User.Role != auth.RoleMember {
		return &node.Error{Code: node.ENOTFOUND, Op: "live", Message: "no live updates here"}
	}
	m, err := s.Members.Get(r.Context(), rq.User.Member)
	if err != nil {
		return err
	}
	events := make(chan node.Event, 16)
	stop, err := s.Live.Listen(node.SubjectPrefix+"opportunity.*", func(ev node.Event) {
		switch ev.Subject {
		case node.SubjectOpportunityCreated, node.SubjectOpportunityReceived, node.SubjectOpportunityUpdated:
		default:
			return
		}
		var o node.Opportunity
		if json.Unmarshal(ev.Data, &o) != nil || o.Origin == "" && o.Lead == m.ID || !fits(m.Competences, o.CPVs()) {
			return
		}
		select {
		case events <- ev:
		default:
		}
	})
	if err != nil {
		return err
	}
	defer stop()
	return s.stream(w, r, events)
}

// fits reports whether one of a co-op's competences covers one of the
// codes an opportunity needs.
func fits(competences, needs []string) bool {
	for _, c := range competences {
		for _, n := range needs {
			if covers(c, n) {
				return true
			}
		}
	}
	return false
}

// stream writes events until the client leaves or the server stops.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, events <-chan node.Event) error {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	write := func(format string, args ...any) error {
		// A stream outlives the server's write timeout: push it back.
		_ = rc.SetWriteDeadline(time.Now().Add(2 * liveHeartbeat))
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := write("retry: 5000\n: live\n\n"); err != nil {
		return nil
	}
	tick := time.NewTicker(liveHeartbeat)
	defer tick.Stop()
	ctx := r.Context()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.done():
			return nil
		case <-tick.C:
			if write(": ping\n\n") != nil {
				return nil
			}
		case ev := <-events:
			data, _ := json.Marshal(map[string]any{"subject": ev.Subject, "at": ev.Time})
			if write("event: change\ndata: %s\n\n", data) != nil {
				return nil
			}
		}
	}
}

// done is closed when Close is called, to end the live streams.
func (s *Server) done() <-chan struct{} {
	s.closeOnce.Do(func() { s.closing = make(chan struct{}) })
	return s.closing
}

// Close ends the live streams and waits for the mails being sent; call
// it before shutting the HTTP server down, which waits for streams.
func (s *Server) Close() {
	s.done()
	s.stopOnce.Do(func() { close(s.closing) })
	s.WaitMails()
}
