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
	return savepoint(ctx, tx, func(*sql.Tx) error { return fn(ctx) })
}

// savepoint runs fn in a savepoint of tx, rolled back to when fn fails.
func savepoint(ctx context.Context, tx *sql.Tx, fn func(tx *sql.Tx) error) error {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT step`); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	if err := fn(tx); err != nil {
		if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO step`); rerr != nil {
			return fmt.Errorf("%w (rollback to savepoint: %v)", err, rerr)
		}
		_, _ = tx.ExecContext(ctx, `RELEASE step`)
		return err
	}
	if _, err := tx.ExecContext(ctx, `RELEASE step`); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}
