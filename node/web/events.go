package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/catalogue"
	"github.com/e-toiles/etoiles/node/news"
)

// eventCard is a calendar event as the list shows it, its times in its
// own time zone.
type eventCard struct {
	*node.CalendarEvent
	Name, Description Text
	Start, End        time.Time
	Remote, Editable  bool
	Notes             Text
}

func (s *Server) eventsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.News == nil {
		return s.noNews("events")
	}
	items, err := s.News.ListEvents(r.Context(), news.Query{Since: time.Now(), Limit: 100})
	if err != nil {
		return err
	}
	var cards []eventCard
	for _, e := range items {
		loc := e.Location()
		cards = append(cards, eventCard{CalendarEvent: e, Name: rq.L.Pick(e.Name), Start: e.Start.In(loc), End: e.End.In(loc),
			Remote: !e.Local(), Editable: mayWrite(rq.User, e.Origin, e.Author), Notes: rq.L.Pick(e.Accessibility.Notes)})
	}
	v := s.view(r, rq, "events.title")
	switch r.URL.Query().Get("done") {
	case "written", "deleted":
		v.Notice = rq.L.T("events.done." + r.URL.Query().Get("done"))
	}
	v.D = map[string]any{"Items": cards}
	s.render(w, http.StatusOK, "events", v)
	return nil
}

// eventForm is the writing form of a calendar event, in one language.
type eventForm struct {
	Lang, Name, Description, Start, End, Timezone string
	Venue, Street, Locality, Postcode, Country    string
	OnlineURL, Capacity, JoinMode, JoinURL        string
	Category, SignLanguage, Notes, Author, Tags   string
	Captions, StepFree                            bool
	Langs, Categories                             []string
	JoinModes                                     []node.JoinMode
	Authors                                       []*node.Member
	Admin                                         bool
}

// eventCategories are the FEP-8a8e categories the form offers: those a
// network of co-ops holds events in.
var eventCategories = []string{"MEETING", "LEARNING", "NETWORKING", "BUSINESS", "COMMUNITY", "CAUSES", "LANGUAGE_CULTURE",
	"MOVEMENTS_POLITICS", "SCIENCE_TECH", "FILM_MEDIA"}

// zones are the default time zones of the countries of the network.
var zones = map[string]string{"FR": "Europe/Paris", "IT": "Europe/Rome", "ES": "Europe/Madrid", "DE": "Europe/Berlin",
	"BE": "Europe/Brussels", "PT": "Europe/Lisbon", "AT": "Europe/Vienna", "NL": "Europe/Amsterdam", "CH": "Europe/Zurich"}

func (s *Server) eventFormPage(w http.ResponseWriter, r *http.Request, rq *request, status int, f *eventForm, errs []fieldProblem) error {
	f.Langs, f.Categories, f.Admin = Languages, eventCategories, rq.User.Role == auth.RoleAdmin
	f.JoinModes = []node.JoinMode{node.JoinFree, node.JoinRestricted, node.JoinExternal}
	if f.Admin {
		res, err := s.Catalogue.Search(r.Context(), catalogue.Query{Origin: "local", Status: node.StatusMember, Limit: catalogue.MaxLimit})
		if err != nil {
			return err
		}
		f.Authors = res.Items
	}
	v := s.view(r, rq, "eventform.title")
	v.Errors = errs
	v.D = f
	s.render(w, status, "eventform", v)
	return nil
}

func (s *Server) writeEventPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.News == nil {
		return s.noNews("write event")
	}
	zone := zones[s.Info.Country]
	if zone == "" {
		zone = "UTC"
	}
	return s.eventFormPage(w, r, rq, http.StatusOK, &eventForm{Lang: rq.L.Tag, Timezone: zone, JoinMode: string(node.JoinFree),
		Category: "MEETING", Country: s.Info.Country}, nil)
}

func (s *Server) writeEvent(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.News == nil {
		return s.noNews("write event")
	}
	pf := r.PostFormValue
	f := &eventForm{Lang: pf("lang"), Name: pf("name"), Description: pf("description"), Start: strings.TrimSpace(pf("start")),
		End: strings.TrimSpace(pf("end")), Timezone: strings.TrimSpace(pf("timezone")), Venue: pf("venue"), Street: pf("street"),
		Locality: pf("locality"), Postcode: pf("postcode"), Country: pf("country"), OnlineURL: pf("online_url"),
		Capacity: strings.TrimSpace(pf("capacity")), JoinMode: pf("join_mode"), JoinURL: pf("join_url"), Category: pf("category"),
		SignLanguage: pf("sign_language"), Notes: pf("notes"), Author: pf("author"), Tags: pf("tags"),
		Captions: pf("captions") == "on", StepFree: pf("step_free") == "on"}
	l := rq.L
	var errs []fieldProblem
	if !contains(Languages, f.Lang) {
		errs = append(errs, fieldProblem{ID: "lang", Label: l.T("field.lang"), Reason: l.T("newsform.lang.invalid")})
	}
	loc, err := time.LoadLocation(f.Timezone)
	if err != nil || f.Timezone == "" || f.Timezone == "Local" {
		errs = append(errs, fieldProblem{ID: "timezone", Label: l.T("field.timezone"), Reason: l.T("eventform.timezone.invalid")})
		loc = time.UTC
	}
	var start, end time.Time
	for _, t := range []struct {
		id, v string
		dst   *time.Time
	}{{"start", f.Start, &start}, {"end", f.End, &end}} {
		if t.v == "" {
			continue // the service says it is required
		}
		if *t.dst, err = time.ParseInLocation(dateTimeLocal, t.v, loc); err != nil {
			errs = append(errs, fieldProblem{ID: t.id, Label: l.T("field." + t.id), Reason: l.T("form.datetime.invalid")})
		}
	}
	capacity := 0
	if f.Capacity != "" {
		if capacity, err = strconv.Atoi(f.Capacity); err != nil {
			errs = append(errs, fieldProblem{ID: "capacity", Label: l.T("field.capacity"), Reason: l.T("eventform.capacity.invalid")})
		}
	}
	if errs != nil {
		return s.eventFormPage(w, r, rq, http.StatusBadRequest, f, errs)
	}
	e := &node.CalendarEvent{Name: one(f.Lang, f.Name), Description: one(f.Lang, paragraphs(f.Description)), Start: start, End: end,
		Timezone: f.Timezone, OnlineURL: f.OnlineURL, Capacity: capacity, JoinMode: node.JoinMode(f.JoinMode), JoinURL: f.JoinURL,
		Category: f.Category, Tags: splitList(f.Tags), Author: node.Author{Member: f.Author},
		Accessibility: node.Accessibility{Captions: f.Captions, StepFree: f.StepFree, SignLanguage: strings.TrimSpace(f.SignLanguage), Notes: one(f.Lang, f.Notes)}}
	if a := (node.Address{Name: f.Venue, Street: f.Street, Locality: f.Locality, Postcode: f.Postcode, Country: f.Country}); a.Name+a.Street+a.Locality+a.Postcode != "" {
		e.Address = &a
	}
	if rq.User.Role != auth.RoleAdmin {
		e.Author.Member = rq.User.Member
	}
	if _, err := s.News.CreateEvent(r.Context(), actorOf(rq.User), e); err != nil {
		if errs = eventProblems(l, err); errs == nil {
			return err
		}
		return s.eventFormPage(w, r, rq, http.StatusBadRequest, f, errs)
	}
	redirect(w, r, "/events?done=written")
	return nil
}

// eventProblems maps the service's field errors to the form's controls.
func eventProblems(l *Locale, err error) []fieldProblem {
	errs := problems(l, err)
	for i := range errs {
		id := errs[i].ID
		switch {
		case strings.HasPrefix(id, "name-"), strings.HasPrefix(id, "description-"):
			id, _, _ = strings.Cut(id, "-")
		case id == "address-country":
			id = "country"
		case id == "address":
			id = "locality"
		case strings.HasPrefix(id, "accessibility-sign_language"):
			id = "sign_language"
		case strings.HasPrefix(id, "accessibility-notes"):
			id = "notes"
		case strings.HasPrefix(id, "author"):
			id = "author"
		}
		errs[i].ID, errs[i].Label = id, l.T("field."+id)
	}
	return errs
}

func (s *Server) deleteEvent(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.News == nil {
		return s.noNews("delete event")
	}
	e, err := s.News.GetEvent(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if !mayWrite(rq.User, e.Origin, e.Author) {
		return &node.Error{Code: node.EFORBIDDEN, Op: "delete event", Message: "you may delete only your own co-op's local events"}
	}
	if err := s.News.DeleteEvent(r.Context(), actorOf(rq.User), e.ID); err != nil {
		return err
	}
	redirect(w, r, "/events?done=deleted")
	return nil
}

// LocalDateTime formats an instant in its own time zone, named: "2 mars
// 2027 à 14:00 (Europe/Paris)".
func (l *Locale) LocalDateTime(t time.Time) string {
	return l.T("date.time.zone", l.T("date.format", t.Day(), l.T("month."+strconv.Itoa(int(t.Month()))), t.Year()), t.Format("15:04"), t.Location().String())
}
