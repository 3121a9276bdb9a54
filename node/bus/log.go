package bus

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
)

// serverLogger routes the embedded server's log to slog: notices at debug
// level, warnings and errors as such, and fatal errors at error level
// (remembered, so that Open can say why the server did not start). Debug
// and trace output stays off.
type serverLogger struct {
	log    *slog.Logger
	mu     sync.Mutex
	fatal  string
	damage []string // warnings that say the JetStream store on disk is damaged
}

// damageSigns are what nats-server's warnings say when it cannot restore a
// stream or consumer from disk (it then goes on without it).
var damageSigns = []string{"corrupt", "checksums do not match", "error adding consumer", "error recreating stream",
	"error creating store", "error unmarshalling stream metafile", "error restoring", "error opening"}

func (l *serverLogger) logf(level slog.Level, format string, v []any) {
	ctx := context.Background()
	if l.log.Enabled(ctx, level) {
		l.log.Log(ctx, level, fmt.Sprintf(format, v...), "component", "nats-server")
	}
}

func (l *serverLogger) Noticef(format string, v ...any) { l.logf(slog.LevelDebug, format, v) }
func (l *serverLogger) Warnf(format string, v ...any) {
	l.noteDamage(format, v)
	l.logf(slog.LevelWarn, format, v)
}
func (l *serverLogger) Errorf(format string, v ...any) {
	l.noteDamage(format, v)
	l.logf(slog.LevelError, format, v)
}

func (l *serverLogger) noteDamage(format string, v []any) {
	msg := fmt.Sprintf(format, v...)
	low := strings.ToLower(msg)
	for _, s := range damageSigns {
		if strings.Contains(low, s) {
			l.mu.Lock()
			l.damage = append(l.damage, strings.TrimSpace(msg))
			l.mu.Unlock()
			return
		}
	}
}

// damaged returns the damage warnings seen so far.
func (l *serverLogger) damaged() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.damage...)
}
func (l *serverLogger) Debugf(format string, v ...any) {}
func (l *serverLogger) Tracef(format string, v ...any) {}

// Fatalf logs at error level and remembers the message. Unlike
// nats-server's own logger it does not exit the process.
func (l *serverLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	l.mu.Lock()
	l.fatal = msg
	l.mu.Unlock()
	l.log.Error(msg, "component", "nats-server")
}

// fatalSuffix returns ": " and the last fatal message, if any.
func (l *serverLogger) fatalSuffix() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fatal == "" {
		return ""
	}
	return ": " + l.fatal
}
