package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// batchKey marks a context whose writes join a batch transaction.
type batchKey struct{}

// Batch runs fn with a context in which the store's writes share one
// write transaction, committed when fn returns nil and rolled back
// otherwise. Each write, and each Step, runs in a savepoint of it, so a
// failed one leaves the others in place. Reads from the reader pool do not
// see the batch's writes until it commits. A database with a single
// connection (":memory:", tests) runs fn without a batch.
func (db *DB) Batch(ctx context.Context, fn func(ctx context.Context) error) error {
	if db.read == db.write || ctx.Value(batchKey{}) != nil {
		return fn(ctx)
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		return fn(context.WithValue(ctx, batchKey{}, tx))
	})
}

// Step runs fn in a savepoint of the batch ctx carries (or alone when it
// carries none): when fn fails, its writes are undone and the batch's
// other writes stay.
func (db *DB) Step(ctx context.Context, fn func(ctx context.Context) error) error {
	tx, ok := ctx.Value(batchKey{}).(*sql.Tx)
	if !ok {
		return fn(ctx)
	}
	return db.savepoint(ctx, tx, func(*sql.Tx) error { return fn(ctx) })
}

// savepoint runs fn in a savepoint of tx, rolled back to when fn fails.
func (db *DB) savepoint(ctx context.Context, tx *sql.Tx, fn func(tx *sql.Tx) error) error {
	if _, err := db.exec(ctx, tx, `SAVEPOINT step`); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	if err := fn(tx); err != nil {
		if _, rerr := db.exec(ctx, tx, `ROLLBACK TO step`); rerr != nil {
			return fmt.Errorf("%w (rollback to savepoint: %v)", err, rerr)
		}
		_, _ = db.exec(ctx, tx, `RELEASE step`)
		return err
	}
	if _, err := db.exec(ctx, tx, `RELEASE step`); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}

// kept are the statements the inbox processor runs thousands of times a
// second: they are prepared once, at Open, on the writer connection
// (parsing them would cost more than running them).
var kept = []string{
	`SAVEPOINT step`, `RELEASE step`, `ROLLBACK TO step`,
	`INSERT OR IGNORE INTO processed_activities(activity_id, actor, type, applied_at) VALUES (?, ?, ?, ?)`,
	`SELECT revision FROM remote_tombstones WHERE ap_id = ?`,
	`SELECT seq, id, revision, created_at FROM members WHERE ap_id = ?`,
	`UPDATE members SET revision = ? WHERE seq = ?`,
	`DELETE FROM remote_tombstones WHERE ap_id = ?`,
}

// prepareKept prepares the kept statements. It runs before any
// transaction: preparing on the pool while a transaction holds its one
// connection would wait for ever.
func (db *DB) prepareKept(ctx context.Context) error {
	db.stmts = map[string]*sql.Stmt{}
	for _, q := range kept {
		s, err := db.write.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		db.stmts[q] = s
	}
	return nil
}

// stmt returns a kept statement as a statement of tx (on the same
// connection, so not prepared again), or nil for any other query.
func (db *DB) stmt(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	s, ok := db.stmts[query]
	if !ok {
		return nil
	}
	return tx.StmtContext(ctx, s)
}

// exec runs a kept statement in tx.
func (db *DB) exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	if s := db.stmt(ctx, tx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// queryRow runs a kept query in tx.
func (db *DB) queryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) *sql.Row {
	if s := db.stmt(ctx, tx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.QueryRowContext(ctx, query, args...)
}
