package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the node's SQLite database. It keeps one writer connection (SQLite
// allows one writer at a time; serialising in Go avoids busy errors) and a
// pool of reader connections, which WAL lets run beside the writer.
type DB struct {
	path  string
	write *sql.DB
	read  *sql.DB
	// Now returns the current time; tests may replace it.
	Now func() time.Time

	stmts map[string]*sql.Stmt // kept statements of the writer, read-only after Open
}

// Open opens or creates the database at path and applies the migrations.
// Use ":memory:" only in tests that need no second connection.
func Open(ctx context.Context, path string) (*DB, error) {
	dsn := func(mode string) string {
		q := url.Values{}
		for _, p := range []string{"journal_mode(WAL)", "foreign_keys(1)", "busy_timeout(10000)", "synchronous(NORMAL)"} {
			q.Add("_pragma", p)
		}
		if mode != "" {
			q.Set("_txlock", mode)
		}
		return "file:" + path + "?" + q.Encode()
	}
	if path != ":memory:" {
		// The database holds members' private contact details: create it
		// readable by the node's user only.
		f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		f.Close()
	}
	w, err := sql.Open("sqlite", dsn("immediate"))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	db := &DB{path: path, write: w, read: w, Now: time.Now}
	if err := db.migrate(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := db.prepareKept(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if path != ":memory:" {
		r, err := sql.Open("sqlite", dsn(""))
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("open database: %w", err)
		}
		r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
		db.read = r
	}
	return db, nil
}

// Close closes both pools.
func (db *DB) Close() error {
	var errs []error
	for _, s := range db.stmts {
		errs = append(errs, s.Close())
	}
	if db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	errs = append(errs, db.write.Close())
	return errors.Join(errs...)
}

// Path returns the database file path.
func (db *DB) Path() string { return db.path }

// Ready checks that the database answers.
func (db *DB) Ready(ctx context.Context) error {
	var one int
	if err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	return nil
}

func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql")
		err := db.tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil || n > 0 {
				return err
			}
			body, err := migrations.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", version, err)
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)`, version, formatTime(time.Now()))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	return nil
}

// tx runs fn in a write transaction, committing when fn returns nil.
// Inside a Batch it runs in a savepoint of the batch's transaction.
func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if tx, ok := ctx.Value(batchKey{}).(*sql.Tx); ok {
		return db.savepoint(ctx, tx, fn)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// insertEvents appends events to the outbox inside tx and sets their ids.
func insertEvents(ctx context.Context, tx *sql.Tx, events []node.Event) error {
	for i := range events {
		ev := &events[i]
		res, err := tx.ExecContext(ctx, `INSERT INTO outbox(subject, aggregate_id, time, data) VALUES (?, ?, ?, ?)`,
			ev.Subject, ev.AggregateID, formatTime(ev.Time), []byte(ev.Data))
		if err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		if ev.ID, err = res.LastInsertId(); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
	}
	return nil
}

const timeLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}

func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}
