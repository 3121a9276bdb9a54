// Package public serves the node's public, unauthenticated pages for news
// and events: a minimal HTML page per news item and per event (the URL
// their ActivityPub objects give as url; ActivityPub clients get the
// object at the same URL), uploaded images, the Atom feed of news, the
// iCalendar feed of events and one .ics file per event.
package public
