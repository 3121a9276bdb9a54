package news

import (
	"context"
	"time"

	"github.com/e-toiles/etoiles/node"
)

// CreateEvent writes a local calendar event and publishes it at once.
func (s *Service) CreateEvent(ctx context.Context, who Actor, e *node.CalendarEvent) (*node.CalendarEvent, error) {
	const op = "create event"
	e.Origin, e.APID, e.Link = node.OriginLocal, "", ""
	if e.ID == "" {
		e.ID = NewID()
	}
	a, err := s.author(ctx, op, who, e.Author)
	if err != nil {
		return nil, err
	}
	e.Author = a
	if err := checkEvent(e); err != nil {
		return nil, err
	}
	now := s.now()
	e.CreatedAt, e.UpdatedAt, e.Published = now, now, true
	ev, err := node.NewEvent(node.SubjectCalendarPublished, e.ID, now, e)
	if err != nil {
		return nil, err
	}
	if err := s.Store.CreateCalendarEvent(ctx, e, []node.Event{ev}); err != nil {
		return nil, err
	}
	s.committed([]node.Event{ev})
	return e, nil
}

func checkEvent(e *node.CalendarEvent) error {
	e.Normalize()
	e.Description = SanitizeMap(e.Description)
	e.Start, e.End = e.Start.UTC(), e.End.UTC()
	return e.Validate()
}

// GetEvent returns a calendar event.
func (s *Service) GetEvent(ctx context.Context, id string) (*node.CalendarEvent, error) {
	return s.Store.GetCalendarEvent(ctx, id)
}

// ListEvents lists events by start time.
func (s *Service) ListEvents(ctx context.Context, q Query) ([]*node.CalendarEvent, error) {
	return s.Store.ListCalendarEvents(ctx, q)
}

// EventPatch lists the fields of an event to change; nil stays.
type EventPatch struct {
	Name          *map[string]string  `json:"name"`
	Description   *map[string]string  `json:"description"`
	Start         *time.Time          `json:"start"`
	End           *time.Time          `json:"end"`
	Timezone      *string             `json:"timezone"`
	Address       **node.Address      `json:"address"`
	OnlineURL     *string             `json:"online_url"`
	Capacity      *int                `json:"capacity"`
	JoinMode      *node.JoinMode      `json:"join_mode"`
	JoinURL       *string             `json:"join_url"`
	Status        *node.EventStatus   `json:"status"`
	Category      *string             `json:"category"`
	Tags          *[]string           `json:"tags"`
	Accessibility *node.Accessibility `json:"accessibility"`
}

// UpdateEvent applies a patch to a local event.
func (s *Service) UpdateEvent(ctx context.Context, who Actor, id string, p EventPatch) (*node.CalendarEvent, error) {
	const op = "update event"
	e, err := s.Store.GetCalendarEvent(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := mayEdit(op, who, e.Origin, e.Author); err != nil {
		return nil, err
	}
	if p.Name != nil {
		e.Name = *p.Name
	}
	if p.Description != nil {
		e.Description = *p.Description
	}
	if p.Start != nil {
		e.Start = *p.Start
	}
	if p.End != nil {
		e.End = *p.End
	}
	if p.Timezone != nil {
		e.Timezone = *p.Timezone
	}
	if p.Address != nil {
		e.Address = *p.Address
	}
	if p.OnlineURL != nil {
		e.OnlineURL = *p.OnlineURL
	}
	if p.Capacity != nil {
		e.Capacity = *p.Capacity
	}
	if p.JoinMode != nil {
		e.JoinMode = *p.JoinMode
	}
	if p.JoinURL != nil {
		e.JoinURL = *p.JoinURL
	}
	if p.Status != nil {
		e.Status = *p.Status
	}
	if p.Category != nil {
		e.Category = *p.Category
	}
	if p.Tags != nil {
		e.Tags = *p.Tags
	}
	if p.Accessibility != nil {
		e.Accessibility = *p.Accessibility
	}
	if err := checkEvent(e); err != nil {
		return nil, err
	}
	e.UpdatedAt = s.now()
	ev, err := node.NewEvent(node.SubjectCalendarUpdated, e.ID, e.UpdatedAt, e)
	if err != nil {
		return nil, err
	}
	if err := s.Store.UpdateCalendarEvent(ctx, e, []node.Event{ev}); err != nil {
		return nil, err
	}
	s.committed([]node.Event{ev})
	return e, nil
}

// DeleteEvent removes a local event and raises a Deleted event.
func (s *Service) DeleteEvent(ctx context.Context, who Actor, id string) error {
	const op = "delete event"
	e, err := s.Store.GetCalendarEvent(ctx, id)
	if err != nil {
		return err
	}
	if err := mayEdit(op, who, e.Origin, e.Author); err != nil {
		return err
	}
	e.UpdatedAt = s.now()
	ev, err := node.NewEvent(node.SubjectCalendarDeleted, e.ID, e.UpdatedAt, e)
	if err != nil {
		return err
	}
	if err := s.Store.DeleteCalendarEvent(ctx, id, []node.Event{ev}); err != nil {
		return err
	}
	s.committed([]node.Event{ev})
	return nil
}
