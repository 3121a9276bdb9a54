// Package mail sends mail over SMTP: the node's list digest and the web
// UI's password-reset messages go through it.
//
// A Sender is configured from one URL (--smtp-url):
//
//	smtp://user:pass@mail.example.org:587?from=etoiles%40example.org
//	smtps://user:pass@mail.example.org:465?from=Etoiles+FR+%3Cnews%40example.org%3E
//
// With smtp:// (default port 587) the sender upgrades the connection with
// STARTTLS whenever the server offers it; add ?tls=required to refuse a
// server that does not offer it, or ?tls=none to never upgrade (a relay on
// the same host). With smtps:// (default port 465) the connection is TLS
// from the first byte (RFC 8314 implicit TLS). Credentials are sent only
// over TLS or to a loopback server (AUTH PLAIN). The from parameter is
// required; it may carry a display name.
//
// Messages are built here with the standard library: a multipart/alternative
// body with a quoted-printable text/plain part and, when given, a text/html
// part; UTF-8 subjects are RFC 2047 encoded. Header values containing line
// breaks are refused, so user input cannot inject headers.
package mail
