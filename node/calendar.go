package node

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// EventStatus is the status of a calendar event (iCalendar STATUS).
type EventStatus string

// Calendar event statuses.
const (
	EventConfirmed EventStatus = "confirmed"
	EventTentative EventStatus = "tentative"
	EventCancelled EventStatus = "cancelled"
)

// JoinMode says how people join a calendar event (FEP-8a8e joinMode).
type JoinMode string

// Join modes: anyone may come, the organiser approves each participant,
// or registration happens on another site (JoinURL).
const (
	JoinFree       JoinMode = "free"
	JoinRestricted JoinMode = "restricted"
	JoinExternal   JoinMode = "external"
)

// EventCategories are the FEP-8a8e / Mobilizon categories an event may
// have.
var EventCategories = []string{
	"ARTS", "BOOK_CLUBS", "BUSINESS", "CAUSES", "COMEDY", "CRAFTS", "FOOD_DRINK", "HEALTH", "MUSIC",
	"AUTO_BOAT_AIR", "COMMUNITY", "FAMILY_EDUCATION", "FASHION_BEAUTY", "FILM_MEDIA", "GAMES",
	"LANGUAGE_CULTURE", "LEARNING", "LGBTQ", "MOVEMENTS_POLITICS", "NETWORKING", "PARTY",
	"PERFORMING_VISUAL_ARTS", "PETS", "PHOTOGRAPHY", "OUTDOORS_ADVENTURE", "SPIRITUALITY_RELIGION_BELIEFS",
	"SCIENCE_TECH", "SPORTS", "THEATRE", "MEETING",
}

// Address is a postal address (schema.org PostalAddress).
type Address struct {
	Name     string `json:"name,omitempty"` // the venue
	Street   string `json:"street,omitempty"`
	Locality string `json:"locality,omitempty"`
	Postcode string `json:"postcode,omitempty"`
	Region   string `json:"region,omitempty"`
	Country  string `json:"country,omitempty"` // ISO 3166-1 alpha-2
}

// Accessibility describes what an event offers people with disabilities.
type Accessibility struct {
	Captions     bool              `json:"captions"`
	SignLanguage string            `json:"sign_language,omitempty"` // e.g. "fsl" (French Sign Language), "" = none
	StepFree     bool              `json:"step_free"`
	Notes        map[string]string `json:"notes,omitempty"`
}

// CalendarEvent is a training day, watch session, general assembly or
// other dated gathering (node.Event is the domain event of the outbox).
// Start and End are instants; Timezone is the IANA zone they are shown in.
type CalendarEvent struct {
	ID            string            `json:"id"`
	Name          map[string]string `json:"name"`
	Description   map[string]string `json:"description"`
	Author        Author            `json:"author"`
	Start         time.Time         `json:"start"`
	End           time.Time         `json:"end"`
	Timezone      string            `json:"timezone"`
	Address       *Address          `json:"address,omitempty"`
	OnlineURL     string            `json:"online_url,omitempty"`
	Capacity      int               `json:"capacity,omitempty"` // 0 = unlimited
	JoinMode      JoinMode          `json:"join_mode"`
	JoinURL       string            `json:"join_url,omitempty"`
	Status        EventStatus       `json:"status"`
	Category      string            `json:"category"`
	Tags          []string          `json:"tags"`
	Accessibility Accessibility     `json:"accessibility"`
	Link          string            `json:"link,omitempty"` // remote: the page on its node
	Published     bool              `json:"published"`
	Origin        string            `json:"origin"`
	APID          string            `json:"ap_id,omitempty"`
	Revision      int64             `json:"-"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
}

// Local reports whether the event belongs to this node.
func (e *CalendarEvent) Local() bool { return e.Origin == "" || e.Origin == OriginLocal }

// Location returns the zone of the event; UTC if Timezone is unknown.
func (e *CalendarEvent) Location() *time.Location {
	if loc, err := time.LoadLocation(e.Timezone); err == nil {
		return loc
	}
	return time.UTC
}

// Normalize trims text and fills defaults: free join, confirmed status.
func (e *CalendarEvent) Normalize() {
	e.Name, e.Description = normMap(e.Name), normMap(e.Description)
	e.Timezone = strings.TrimSpace(e.Timezone)
	e.OnlineURL, e.JoinURL = strings.TrimSpace(e.OnlineURL), strings.TrimSpace(e.JoinURL)
	e.Category = strings.ToUpper(strings.TrimSpace(e.Category))
	if e.JoinMode == "" {
		e.JoinMode = JoinFree
	}
	if e.Status == "" {
		e.Status = EventConfirmed
	}
	if e.Address != nil {
		a := e.Address
		for _, s := range []*string{&a.Name, &a.Street, &a.Locality, &a.Postcode, &a.Region} {
			*s = strings.TrimSpace(*s)
		}
		a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
		if *a == (Address{}) {
			e.Address = nil
		}
	}
	e.Accessibility.Notes = normMap(e.Accessibility.Notes)
	for i := range e.Tags {
		e.Tags[i] = strings.TrimPrefix(strings.TrimSpace(e.Tags[i]), "#")
	}
	e.Tags = nonNil(dedupe(e.Tags))
}

// Validate checks a normalised event; each problem names its field.
func (e *CalendarEvent) Validate() error {
	var p Problems
	if len(e.Name) == 0 {
		p.Add("name", "is required, in at least one language")
	}
	checkMap(&p, "name", e.Name, MaxTitleLen, true)
	checkMap(&p, "description", e.Description, MaxNewsContent, false)
	if e.Timezone == "" {
		p.Add("timezone", "is required: an IANA time zone such as Europe/Paris")
	} else if _, err := time.LoadLocation(e.Timezone); err != nil || e.Timezone == "Local" || !strings.Contains(e.Timezone, "/") && e.Timezone != "UTC" {
		p.Add("timezone", "%q is not an IANA time zone (such as Europe/Paris)", e.Timezone)
	}
	if e.Start.IsZero() {
		p.Add("start", "is required")
	}
	if e.End.IsZero() {
		p.Add("end", "is required")
	} else if !e.Start.IsZero() && !e.End.After(e.Start) {
		p.Add("end", "must be after start (%s)", e.Start.Format(time.RFC3339))
	} else if e.End.Sub(e.Start) > 366*24*time.Hour {
		p.Add("end", "is more than a year after start")
	}
	if e.Address == nil && e.OnlineURL == "" {
		p.Add("address", "or online_url is required: where the event takes place")
	}
	addURL(&p, "online_url", e.OnlineURL)
	if e.Address != nil && e.Address.Country != "" && !ValidCountry(e.Address.Country) {
		p.Add("address.country", "%q is not an ISO 3166-1 alpha-2 country code", e.Address.Country)
	}
	if e.Capacity < 0 {
		p.Add("capacity", "must be 0 (unlimited) or more")
	}
	switch e.JoinMode {
	case JoinFree, JoinRestricted:
		if e.JoinURL != "" {
			p.Add("join_url", "is only for join_mode external")
		}
	case JoinExternal:
		if e.JoinURL == "" {
			p.Add("join_url", "is required for join_mode external: an http or https registration URL")
		}
		addURL(&p, "join_url", e.JoinURL)
	default:
		p.Add("join_mode", "must be one of free, restricted, external")
	}
	switch e.Status {
	case EventConfirmed, EventTentative, EventCancelled:
	default:
		p.Add("status", "must be one of confirmed, tentative, cancelled")
	}
	if e.Category == "" {
		p.Add("category", "is required: one of the FEP-8a8e categories such as LEARNING, NETWORKING, BUSINESS")
	} else if !validCategory(e.Category) {
		p.Add("category", "%q is not a FEP-8a8e category; use one of %s", e.Category, strings.Join(EventCategories, ", "))
	}
	checkTags(&p, e.Tags)
	if s := e.Accessibility.SignLanguage; s != "" && !signLanguageCode(s) {
		p.Add("accessibility.sign_language", "%q is not an ISO 639-3 sign language code (such as fsl, bfi, ase)", s)
	}
	checkMap(&p, "accessibility.notes", e.Accessibility.Notes, MaxNewsSummary, false)
	addURL(&p, "link", e.Link)
	return p.Err("validate event")
}

func signLanguageCode(s string) bool {
	if utf8.RuneCountInString(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

func validCategory(c string) bool {
	for _, k := range EventCategories {
		if k == c {
			return true
		}
	}
	return false
}

// String describes the event for logs.
func (e *CalendarEvent) String() string {
	return fmt.Sprintf("event %s (%s)", e.ID, e.Start.Format(time.RFC3339))
}
