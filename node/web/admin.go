package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/catalogue"
	"github.com/e-toiles/etoiles/node/codes"
)

// Statuses lists the membership lifecycle in order.
var Statuses = []node.MemberStatus{node.StatusProspect, node.StatusMember, node.StatusLapsed, node.StatusAlumni}

func (s *Server) membersPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := s.view(r, rq, "members.title")
	qv := r.URL.Query()
	status := node.MemberStatus(qv.Get("status"))
	if !status.Valid() {
		status = node.StatusMember
	}
	q := catalogue.Query{Text: qv.Get("q"), Origin: "local", Status: status, Limit: catalogue.MaxLimit}
	res, err := s.Catalogue.Search(r.Context(), q)
	if v.Errors = problems(rq.L, err); err != nil && v.Errors == nil {
		return err
	}
	v.D = map[string]any{"Q": q, "Items": res.Items, "Total": res.Total, "Statuses": Statuses}
	s.render(w, http.StatusOK, "members", v)
	return nil
}

type newMemberForm struct {
	Name, Country, Region, Website, Email, Summary string
	Status                                         node.MemberStatus
	Statuses                                       []node.MemberStatus
	InDirectory                                    bool
}

func (s *Server) newMemberPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	v := s.view(r, rq, "newmember.title")
	v.D = &newMemberForm{Country: s.Info.Country, Status: node.StatusMember, Statuses: Statuses, InDirectory: true}
	s.render(w, http.StatusOK, "newmember", v)
	return nil
}

func (s *Server) createMember(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := &newMemberForm{Name: r.PostFormValue("name"), Country: r.PostFormValue("country"), Region: r.PostFormValue("region"),
		Website: r.PostFormValue("website"), Email: strings.TrimSpace(r.PostFormValue("email")), Summary: r.PostFormValue("summary"),
		Status: node.MemberStatus(r.PostFormValue("status")), Statuses: Statuses, InDirectory: r.PostFormValue("in_directory") == "1"}
	m := &node.Member{Name: f.Name, Country: f.Country, Region: f.Region, Website: f.Website, Status: f.Status, InDirectory: f.InDirectory}
	if strings.TrimSpace(f.Summary) != "" {
		m.Summary = map[string]string{rq.L.Tag: f.Summary}
	}
	if f.Email != "" {
		m.Contact = &node.Contact{Email: f.Email}
	}
	created, err := s.Members.Create(r.Context(), m)
	if err != nil {
		v := s.view(r, rq, "newmember.title")
		v.D = f
		if v.Errors = problems(rq.L, err); v.Errors == nil {
			if node.ErrorCode(err) != node.ECONFLICT {
				return err
			}
			v.Errors = []fieldProblem{{ID: "name", Label: rq.L.T("field.name"), Reason: node.ErrorMessage(err), ReasonLang: "en"}}
		}
		s.render(w, http.StatusBadRequest, "newmember", v)
		return nil
	}
	redirect(w, r, "/admin/members/"+created.ID)
	return nil
}

func (s *Server) memberPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.renderMember(w, r, rq, http.StatusOK, "", nil)
}

func (s *Server) renderMember(w http.ResponseWriter, r *http.Request, rq *request, status int, note string, err error) error {
	id := r.PathValue("id")
	m, gerr := s.Members.Get(r.Context(), id)
	if gerr != nil {
		return gerr
	}
	if m.Origin != "" {
		return &node.Error{Code: node.ENOTFOUND, Op: "member page", Message: "this co-op belongs to another node"}
	}
	hist, herr := s.Members.History(r.Context(), id)
	if herr != nil {
		return herr
	}
	var next []node.MemberStatus
	for _, st := range Statuses {
		if m.Status.CanBecome(st) {
			next = append(next, st)
		}
	}
	v := s.view(r, rq, "member.title", m.Name)
	if r.URL.Query().Get("changed") == "1" {
		v.Notice = rq.L.T("member.changed", rq.L.T("status."+string(m.Status)))
	}
	if err != nil {
		v.Errors = []fieldProblem{{ID: "status", Label: rq.L.T("field.status"), Reason: node.ErrorMessage(err), ReasonLang: "en"}}
	}
	v.D = map[string]any{"Card": s.card(r.Context(), rq.L, m), "History": hist, "Next": next, "Note": note}
	s.render(w, status, "member", v)
	return nil
}

func (s *Server) setStatus(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	to, note := node.MemberStatus(r.PostFormValue("status")), r.PostFormValue("note")
	if _, err := s.Members.SetStatus(r.Context(), id, to, note); err != nil {
		switch node.ErrorCode(err) {
		case node.EINVALID, node.ECONFLICT:
			return s.renderMember(w, r, rq, http.StatusBadRequest, note, err)
		}
		return err
	}
	redirect(w, r, "/admin/members/"+id+"?changed=1")
	return nil
}

type inviteForm struct {
	Role, Member, Email string
	Members             []*node.Member
	Invites             []*auth.Invite
	Link                string
}

func (s *Server) renderInvites(w http.ResponseWriter, r *http.Request, rq *request, status int, f *inviteForm, err error) error {
	res, serr := s.Catalogue.Search(r.Context(), catalogue.Query{Origin: "local", Status: node.StatusMember, Limit: catalogue.MaxLimit})
	if serr != nil {
		return serr
	}
	invites, ierr := s.Accounts.Invites(r.Context())
	if ierr != nil {
		return ierr
	}
	f.Members, f.Invites = res.Items, invites
	v := s.view(r, rq, "invites.title")
	v.Errors = problems(rq.L, err)
	if f.Link != "" {
		v.Notice = rq.L.T("invites.created")
	}
	v.D = f
	s.render(w, status, "invites", v)
	return nil
}

func (s *Server) invitesPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := &inviteForm{Role: auth.RoleMember, Member: r.URL.Query().Get("member")}
	return s.renderInvites(w, r, rq, http.StatusOK, f, nil)
}

func (s *Server) createInvite(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := &inviteForm{Role: r.PostFormValue("role"), Member: r.PostFormValue("member"), Email: r.PostFormValue("email")}
	member := f.Member
	if f.Role == auth.RoleAdmin {
		member = ""
	}
	token, _, err := s.Accounts.CreateInvite(r.Context(), f.Role, member, f.Email, rq.User.Email)
	if err != nil {
		if node.ErrorCode(err) != node.EINVALID {
			return err
		}
		return s.renderInvites(w, r, rq, http.StatusBadRequest, f, err)
	}
	// SMTP is not configured in this release: the admin copies the link.
	return s.renderInvites(w, r, rq, http.StatusCreated, &inviteForm{Role: auth.RoleMember, Link: InviteLink(s.Info.PublicURL, token)}, nil)
}

// InviteLink returns the page where an invite is accepted.
func InviteLink(publicURL, token string) string {
	return strings.TrimSuffix(publicURL, "/") + "/invite/" + token
}

func (s *Server) peersPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.renderPeers(w, r, rq, http.StatusOK, "", nil)
}

func (s *Server) renderPeers(w http.ResponseWriter, r *http.Request, rq *request, status int, url string, err error) error {
	v := s.view(r, rq, "peers.title")
	var peers []*node.Peer
	if s.Peers != nil {
		var lerr error
		if peers, lerr = s.Peers.ListPeers(r.Context()); lerr != nil {
			return lerr
		}
	}
	if err != nil {
		v.Errors = problems(rq.L, err)
		if v.Errors == nil {
			v.Errors = []fieldProblem{{ID: "url", Label: rq.L.T("field.url"), Reason: node.ErrorMessage(err), ReasonLang: "en"}}
		}
	}
	switch r.URL.Query().Get("done") {
	case "added", "blocked", "unblocked":
		v.Notice = rq.L.T("peers." + r.URL.Query().Get("done"))
	}
	v.D = map[string]any{"Peers": peers, "URL": url, "Enabled": s.Peers != nil}
	s.render(w, status, "peers", v)
	return nil
}

func (s *Server) addPeer(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.Peers == nil {
		return &node.Error{Code: node.EUNAVAILABLE, Op: "add peer", Message: "federation is not running"}
	}
	u := strings.TrimSpace(r.PostFormValue("url"))
	if _, err := s.Peers.AddPeer(r.Context(), u); err != nil {
		if node.ErrorCode(err) == node.EINTERNAL {
			return err
		}
		return s.renderPeers(w, r, rq, http.StatusBadRequest, u, err)
	}
	redirect(w, r, "/admin/peers?done=added")
	return nil
}

func (s *Server) peerAction(w http.ResponseWriter, r *http.Request, block bool) error {
	if s.Peers == nil {
		return &node.Error{Code: node.EUNAVAILABLE, Op: "peer", Message: "federation is not running"}
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return &node.Error{Code: node.ENOTFOUND, Op: "peer", Message: "no such peer"}
	}
	done := "unblocked"
	if block {
		_, err = s.Peers.BlockPeer(r.Context(), id)
		done = "blocked"
	} else {
		_, err = s.Peers.UnblockPeer(r.Context(), id)
	}
	if err != nil {
		return err
	}
	redirect(w, r, "/admin/peers?done="+done)
	return nil
}

func (s *Server) blockPeer(w http.ResponseWriter, r *http.Request, _ *request) error {
	return s.peerAction(w, r, true)
}

func (s *Server) unblockPeer(w http.ResponseWriter, r *http.Request, _ *request) error {
	return s.peerAction(w, r, false)
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	lists, err := s.Codes.Store.CodeLists(r.Context())
	if err != nil {
		return err
	}
	loaded := map[string]codes.Info{}
	for _, l := range lists {
		loaded[l.Kind] = l
	}
	v := s.view(r, rq, "settings.title")
	v.D = map[string]any{"Kinds": codes.Kinds, "Lists": loaded}
	s.render(w, http.StatusOK, "settings", v)
	return nil
}
