package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/e-toiles/etoiles/node"
)

// InboxFile is the name of the inbox log in the data directory.
const InboxFile = "etoiles-inbox.db"

// inboxSchema is the inbox log's own schema: it lives in its own file,
// apart from the node's database and its migrations.
const inboxSchema = `CREATE TABLE IF NOT EXISTS inbox (
	seq         INTEGER PRIMARY KEY AUTOINCREMENT,
	activity_id TEXT NOT NULL UNIQUE,
	signer      TEXT NOT NULL,
	received_at TEXT NOT NULL,
	body        BLOB NOT NULL
)`

// maxGroup caps how many appends share one transaction.
const maxGroup = 512

// ErrInboxClosed is returned by Append after Close.
var ErrInboxClosed = errors.New("the inbox log is closed")

// Inbox is the durable log of the activities the inbox accepted and the
// processor has not yet applied, in a SQLite file of its own (WAL). Append
// returns once the activity is committed at the file's synchronous level;
// concurrent appends share one transaction (group commit), so durability
// costs one sync per group, not per request. Applied removes rows.
type Inbox struct {
	db      *sql.DB
	reqs    chan *appendReq
	closed  chan struct{}
	mu      sync.RWMutex // held to queue, taken to close
	isDone  bool
	wg      sync.WaitGroup
	backlog atomic.Int64
}

type appendReq struct {
	in    *node.Inbound
	added bool
	err   chan error
}

// OpenInbox opens or creates the inbox log at path. synchronous is the
// SQLite synchronous level of its commits: "full" (the default when
// empty: a commit is on disk when Append returns, through a power cut) or
// "normal" (survives the process being killed, may lose the last commits
// in a power cut).
func OpenInbox(ctx context.Context, path, synchronous string) (*Inbox, error) {
	synchronous = strings.ToUpper(synchronous)
	if synchronous == "" {
		synchronous = "FULL"
	}
	if synchronous != "FULL" && synchronous != "NORMAL" {
		return nil, fmt.Errorf("open inbox log: synchronous %q: want full or normal", synchronous)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open inbox log: %w", err)
	}
	f.Close()
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "busy_timeout(10000)", "synchronous(" + synchronous + ")"} {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open inbox log: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxIdleTime(0)
	var n int64
	if _, err = db.ExecContext(ctx, inboxSchema); err == nil {
		err = db.QueryRowContext(ctx, `SELECT count(*) FROM inbox`).Scan(&n)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open inbox log %s: %w", path, err)
	}
	in := &Inbox{db: db, reqs: make(chan *appendReq, maxGroup), closed: make(chan struct{})}
	in.backlog.Store(n)
	in.wg.Add(1)
	go in.commitLoop()
	return in, nil
}

// Close stops accepting appends, waits for the group being committed and
// closes the file.
func (in *Inbox) Close() error {
	in.mu.Lock()
	if !in.isDone {
		in.isDone = true
		close(in.closed)
	}
	in.mu.Unlock()
	in.wg.Wait()
	return in.db.Close()
}

// Append stores an accepted activity and returns when it is committed.
// added is false when an activity of that id is already waiting (a peer
// sent it again): it is applied once.
func (in *Inbox) Append(ctx context.Context, a *node.Inbound) (added bool, err error) {
	r := &appendReq{in: a, err: make(chan error, 1)}
	in.mu.RLock()
	if in.isDone {
		in.mu.RUnlock()
		return false, ErrInboxClosed
	}
	select {
	case in.reqs <- r:
		in.mu.RUnlock()
	case <-ctx.Done():
		in.mu.RUnlock()
		return false, ctx.Err()
	}
	// Once queued, the request is committed or failed: wait for it, so
	// that an answer never runs ahead of the disk.
	err = <-r.err
	return r.added, err
}

// commitLoop commits the queued appends, every request waiting when a
// commit starts sharing it.
func (in *Inbox) commitLoop() {
	defer in.wg.Done()
	for {
		var first *appendReq
		select {
		case first = <-in.reqs:
		case <-in.closed:
			in.failQueued()
			return
		}
		group := []*appendReq{first}
	more:
		for len(group) < maxGroup {
			select {
			case r := <-in.reqs:
				group = append(group, r)
			default:
				break more
			}
		}
		err := in.commit(group)
		for _, r := range group {
			r.err <- err
		}
	}
}

func (in *Inbox) failQueued() {
	for {
		select {
		case r := <-in.reqs:
			r.err <- ErrInboxClosed
		default:
			return
		}
	}
}

func (in *Inbox) commit(group []*appendReq) error {
	ctx := context.Background()
	tx, err := in.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("inbox log: begin: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT OR IGNORE INTO inbox(activity_id, signer, received_at, body) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("inbox log: %w", err)
	}
	defer stmt.Close()
	var added int64
	for _, r := range group {
		res, err := stmt.ExecContext(ctx, r.in.ActivityID, r.in.Signer, formatTime(r.in.Received), r.in.Body)
		if err != nil {
			return fmt.Errorf("inbox log: append: %w", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			r.added = true
			r.in.Seq, _ = res.LastInsertId()
			added++
		}
	}
	if err := tx.Commit(); err != nil {
		for _, r := range group {
			r.added = false
		}
		return fmt.Errorf("inbox log: commit: %w", err)
	}
	in.backlog.Add(added)
	return nil
}

// Unapplied returns up to limit waiting activities after seq, oldest
// first.
func (in *Inbox) Unapplied(ctx context.Context, after int64, limit int) ([]*node.Inbound, error) {
	rows, err := in.db.QueryContext(ctx, `SELECT seq, activity_id, signer, received_at, body FROM inbox WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("inbox log: %w", err)
	}
	defer rows.Close()
	var out []*node.Inbound
	for rows.Next() {
		a := &node.Inbound{}
		var at string
		if err := rows.Scan(&a.Seq, &a.ActivityID, &a.Signer, &at, &a.Body); err != nil {
			return nil, fmt.Errorf("inbox log: %w", err)
		}
		a.Received = parseTime(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Applied removes applied activities from the log.
func (in *Inbox) Applied(ctx context.Context, seqs ...int64) error {
	if len(seqs) == 0 {
		return nil
	}
	tx, err := in.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("inbox log: begin: %w", err)
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `DELETE FROM inbox WHERE seq = ?`)
	if err != nil {
		return fmt.Errorf("inbox log: %w", err)
	}
	defer stmt.Close()
	var n int64
	for _, s := range seqs {
		res, err := stmt.ExecContext(ctx, s)
		if err != nil {
			return fmt.Errorf("inbox log: applied: %w", err)
		}
		k, _ := res.RowsAffected()
		n += k
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("inbox log: commit: %w", err)
	}
	in.backlog.Add(-n)
	return nil
}

// Backlog returns how many accepted activities wait to be applied.
func (in *Inbox) Backlog() int64 { return in.backlog.Load() }
