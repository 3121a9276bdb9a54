// Package smtptest runs a real SMTP server (go-smtp) on loopback inside a
// test process and parses what it receives: tests of anything that sends
// mail check the message a server really got.
package smtptest
