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
	if rq.User == nil {
		return s.publicList(w, r, rq, "events")
	}
	items, err := s.News.ListEvents(r.Context(), news.Query{Since: time.Now(), Limit: 100})
	if err != nil {
		return err
	}
	cards := s.eventCards(rq, items)
	v := s.view(r, rq, "events.title")
	switch r.URL.Query().Get("done") {
	case "written", "saved", "deleted":
		v.Notice = rq.L.T("events.done." + r.URL.Query().Get("done"))
	}
	v.D = map[string]any{"Items": cards}
	s.render(w, http.StatusOK, "events", v)
	return nil
}

// eventCards are events as the lists show them.
func (s *Server) eventCards(rq *request, items []*node.CalendarEvent) []eventCard {
	var cards []eventCard
	for _, e := range items {
		loc := e.Location()
		cards = append(cards, eventCard{CalendarEvent: e, Name: rq.L.Pick(e.Name), Start: e.Start.In(loc), End: e.End.In(loc),
			Remote: !e.Local(), Editable: mayWrite(rq.User, e.Origin, e.Author), Notes: rq.L.Pick(e.Accessibility.Notes)})
	}
	return cards
}

// eventForm is the writing form of a calendar event, in one language.
type eventForm struct {
	ID, Status                                    string // ID is "" for a new event
	Lang, Name, Description, Start, End, Timezone string
	Venue, Street, Locality, Postcode, Country    string
	OnlineURL, Capacity, JoinMode, JoinURL        string
	Category, SignLanguage, Notes, Author, Tags   string
	Captions, StepFree                            bool
	Langs, Categories                             []string
	JoinModes                                     []node.JoinMode
	Statuses                                      []node.EventStatus
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
	key := "eventform.title"
	if f.ID != "" {
		key = "eventform.title.edit"
	}
	f.Statuses = []node.EventStatus{node.EventConfirmed, node.EventTentative, node.EventCancelled}
	if f.Status == "" {
		f.Status = string(node.EventConfirmed)
	}
	v := s.view(r, rq, key)
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
	f, e, errs := readEventForm(r, rq.L)
	if errs != nil {
		return s.eventFormPage(w, r, rq, http.StatusBadRequest, f, errs)
	}
	e.Author = node.Author{Member: f.Author}
	if rq.User.Role != auth.RoleAdmin {
		e.Author.Member = rq.User.Member
	}
	if _, err := s.News.CreateEvent(r.Context(), actorOf(rq.User), e); err != nil {
		if errs = eventProblems(rq.L, err); errs == nil {
			return err
		}
		return s.eventFormPage(w, r, rq, http.StatusBadRequest, f, errs)
	}
	redirect(w, r, "/events?done=written")
	return nil
}

// readEventForm reads the form into an event (texts in the form's one
// language), and checks what only the form knows: language, time zone,
// times and capacity as typed.
func readEventForm(r *http.Request, l *Locale) (*eventForm, *node.CalendarEvent, []fieldProblem) {
	pf := r.PostFormValue
	f := &eventForm{ID: r.PathValue("id"), Lang: pf("lang"), Name: pf("name"), Description: pf("description"), Start: strings.TrimSpace(pf("start")),
		End: strings.TrimSpace(pf("end")), Timezone: strings.TrimSpace(pf("timezone")), Venue: pf("venue"), Street: pf("street"),
		Locality: pf("locality"), Postcode: pf("postcode"), Country: pf("country"), OnlineURL: pf("online_url"),
		Capacity: strings.TrimSpace(pf("capacity")), JoinMode: pf("join_mode"), JoinURL: pf("join_url"), Category: pf("category"),
		SignLanguage: pf("sign_language"), Notes: pf("notes"), Author: pf("author"), Tags: pf("tags"), Status: pf("status"),
		Captions: pf("captions") == "on", StepFree: pf("step_free") == "on"}
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
	e := &node.CalendarEvent{Name: one(f.Lang, f.Name), Description: one(f.Lang, paragraphs(f.Description)), Start: start, End: end,
		Timezone: f.Timezone, OnlineURL: f.OnlineURL, Capacity: capacity, JoinMode: node.JoinMode(f.JoinMode), JoinURL: f.JoinURL,
		Category: f.Category, Tags: splitList(f.Tags), Status: node.EventStatus(f.Status),
		Accessibility: node.Accessibility{Captions: f.Captions, StepFree: f.StepFree, SignLanguage: strings.TrimSpace(f.SignLanguage), Notes: one(f.Lang, f.Notes)}}
	if a := (node.Address{Name: f.Venue, Street: f.Street, Locality: f.Locality, Postcode: f.Postcode, Country: f.Country}); a.Name+a.Street+a.Locality+a.Postcode != "" {
		e.Address = &a
	}
	return f, e, errs
}

// editableEvent returns a local event the user may change.
func (s *Server) editableEvent(r *http.Request, rq *request) (*node.CalendarEvent, error) {
	e, err := s.News.GetEvent(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if !mayWrite(rq.User, e.Origin, e.Author) {
		return nil, &node.Error{Code: node.EFORBIDDEN, Op: "edit event", Message: "you may change only your own co-op's local events"}
	}
	return e, nil
}

func (s *Server) editEventPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.News == nil {
		return s.noNews("edit event")
	}
	e, err := s.editableEvent(r, rq)
	if err != nil {
		return err
	}
	lang := rq.L.Tag
	if _, ok := e.Name[lang]; !ok {
		lang = node.DefaultLanguage(e.Name)
	}
	loc := e.Location()
	f := &eventForm{ID: e.ID, Lang: lang, Name: e.Name[lang], Start: e.Start.In(loc).Format(dateTimeLocal), End: e.End.In(loc).Format(dateTimeLocal),
		Timezone: e.Timezone, OnlineURL: e.OnlineURL, JoinMode: string(e.JoinMode), JoinURL: e.JoinURL, Category: e.Category,
		SignLanguage: e.Accessibility.SignLanguage, Notes: e.Accessibility.Notes[lang], Author: e.Author.Member, Tags: strings.Join(e.Tags, ", "),
		Status: string(e.Status), Captions: e.Accessibility.Captions, StepFree: e.Accessibility.StepFree}
	if text, ok := plainText(e.Description[lang]); ok {
		f.Description = text
	}
	if e.Capacity > 0 {
		f.Capacity = strconv.Itoa(e.Capacity)
	}
	if a := e.Address; a != nil {
		f.Venue, f.Street, f.Locality, f.Postcode, f.Country = a.Name, a.Street, a.Locality, a.Postcode, a.Country
	}
	return s.eventFormPage(w, r, rq, http.StatusOK, f, nil)
}

func (s *Server) editEvent(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.News == nil {
		return s.noNews("edit event")
	}
	old, err := s.editableEvent(r, rq)
	if err != nil {
		return err
	}
	f, e, errs := readEventForm(r, rq.L)
	if errs != nil {
		return s.eventFormPage(w, r, rq, http.StatusBadRequest, f, errs)
	}
	merge := func(m, with map[string]string) *map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		delete(out, f.Lang)
		for k, v := range with {
			out[k] = v
		}
		return &out
	}
	acc := e.Accessibility
	acc.Notes = *merge(old.Accessibility.Notes, e.Accessibility.Notes)
	p := news.EventPatch{Name: merge(old.Name, e.Name), Start: &e.Start, End: &e.End, Timezone: &e.Timezone, Address: &e.Address,
		OnlineURL: &e.OnlineURL, Capacity: &e.Capacity, JoinMode: &e.JoinMode, JoinURL: &e.JoinURL, Status: &e.Status,
		Category: &e.Category, Tags: &e.Tags, Accessibility: &acc}
	if _, ok := plainText(old.Description[f.Lang]); ok || strings.TrimSpace(f.Description) != "" {
		p.Description = merge(old.Description, e.Description)
	}
	if _, err := s.News.UpdateEvent(r.Context(), actorOf(rq.User), old.ID, p); err != nil {
		if errs = eventProblems(rq.L, err); errs == nil {
			return err
		}
		return s.eventFormPage(w, r, rq, http.StatusBadRequest, f, errs)
	}
	redirect(w, r, "/events?done=saved")
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
