// Package digest sends the weekly or monthly digest of news, coming
// events and new cross-border opportunities to a mailing list (a Mailman list address) over SMTP, as text and HTML.
//
// A period is sent at most once, even across restarts: the period is
// claimed in SQLite before the mail is sent and marked sent after. A
// crash between the claim and the send loses that period's digest rather
// than risking a second copy on the list; a failed send (the SMTP server
// refused it) releases the claim and the next run retries.
package digest
