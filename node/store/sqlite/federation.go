package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
)

const peerColumns = `id, actor_url, inbox, shared_inbox, name, country, software, allowed, blocked, outgoing, incoming, follow_id, created_at, updated_at, admitted, credential_id, credential_expires`

// scanPeer reads a peer; now decides whether its credential has lapsed.
func scanPeer(s scanner, now time.Time) (*node.Peer, error) {
	var p node.Peer
	var ca, ua string
	var credExp sql.NullString
	err := s.Scan(&p.ID, &p.ActorURL, &p.Inbox, &p.SharedInbox, &p.Name, &p.Country, &p.Software, &p.Allowed, &p.Blocked,
		&p.Outgoing, &p.Incoming, &p.FollowID, &ca, &ua, &p.Admitted, &p.CredentialID, &credExp)
	if err != nil {
		return nil, err
	}
	if credExp.Valid {
		t := parseTime(credExp.String)
		p.CredentialExpires = &t
		p.CredentialLapsed = p.Admitted && node.CredentialLapsedAt(&t, now)
	}
	p.CreatedAt, p.UpdatedAt = parseTime(ca), parseTime(ua)
	return &p, nil
}

func hostOf(actorURL string) string {
	u, err := url.Parse(actorURL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

// SavePeer inserts a peer or updates the one with the same actor URL, and
// sets p.ID. On update the peer's follow of us (incoming) is left alone:
// only SetPeerIncoming changes it, so that an admin's edit and the inbox
// processor never overwrite each other.
func (db *DB) SavePeer(ctx context.Context, p *node.Peer) error {
	now := db.Now().UTC()
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	p.UpdatedAt = now
	return db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO peers(actor_url, host, inbox, shared_inbox, name, country, software, allowed, blocked,
			outgoing, incoming, follow_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT(actor_url) DO UPDATE SET inbox = excluded.inbox, shared_inbox = excluded.shared_inbox, name = excluded.name,
			country = excluded.country, software = excluded.software, allowed = excluded.allowed, blocked = excluded.blocked,
			outgoing = excluded.outgoing, follow_id = excluded.follow_id, updated_at = excluded.updated_at
			RETURNING id`,
			p.ActorURL, hostOf(p.ActorURL), p.Inbox, p.SharedInbox, p.Name, p.Country, p.Software, p.Allowed, p.Blocked,
			string(p.Outgoing), string(p.Incoming), p.FollowID, formatTime(p.CreatedAt), formatTime(p.UpdatedAt)).Scan(&p.ID)
		if err != nil {
			return fmt.Errorf("save peer: %w", err)
		}
		return nil
	})
}

// EnsurePeer inserts p unless a peer with its actor URL exists, and
// returns the stored peer.
func (db *DB) EnsurePeer(ctx context.Context, p *node.Peer) (*node.Peer, error) {
	now := formatTime(db.Now())
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO peers(actor_url, host, inbox, shared_inbox, name, country, software, allowed, blocked,
			outgoing, incoming, follow_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, '', '', '', ?, ?)
			ON CONFLICT(actor_url) DO NOTHING`,
			p.ActorURL, hostOf(p.ActorURL), p.Inbox, p.SharedInbox, p.Name, p.Country, p.Software, now, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("ensure peer: %w", err)
	}
	return db.PeerByActor(ctx, p.ActorURL)
}

// SetPeerAdmission records whether a peer showed a valid admission
// credential, with its id and expiry.
func (db *DB) SetPeerAdmission(ctx context.Context, id int64, admitted bool, jti string, expires time.Time) error {
	var exp any
	if !expires.IsZero() {
		exp = formatTime(expires)
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE peers SET admitted = ?, credential_id = ?, credential_expires = ?, updated_at = ? WHERE id = ?`,
			admitted, jti, exp, formatTime(db.Now()), id)
		return err
	})
}

// SetPeerIncoming records the state of a peer's follow of us.
func (db *DB) SetPeerIncoming(ctx context.Context, id int64, state node.FollowState) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE peers SET incoming = ?, updated_at = ? WHERE id = ?`, string(state), formatTime(db.Now()), id)
		return err
	})
}

// SetPeerOutgoing records the peer's answer to our Follow followID; an
// answer to an older Follow changes nothing.
func (db *DB) SetPeerOutgoing(ctx context.Context, id int64, followID string, state node.FollowState) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE peers SET outgoing = ?, updated_at = ? WHERE id = ? AND follow_id = ?`,
			string(state), formatTime(db.Now()), id, followID)
		return err
	})
}

func peerNotFound(what string) error {
	return &node.Error{Code: node.ENOTFOUND, Op: "get peer", Message: "peer " + what + " not found"}
}

// PeerByActor returns the peer with that actor URL, without its delivery
// health (see FillPeerDelivery): the inbox reads it for every activity.
func (db *DB) PeerByActor(ctx context.Context, actorURL string) (*node.Peer, error) {
	p, err := scanPeer(db.read.QueryRowContext(ctx, `SELECT `+peerColumns+` FROM peers WHERE actor_url = ?`, actorURL), db.Now())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, peerNotFound(actorURL)
	}
	if err != nil {
		return nil, fmt.Errorf("get peer: %w", err)
	}
	return p, nil
}

// PeerByID returns a peer by id, without its delivery health.
func (db *DB) PeerByID(ctx context.Context, id int64) (*node.Peer, error) {
	p, err := scanPeer(db.read.QueryRowContext(ctx, `SELECT `+peerColumns+` FROM peers WHERE id = ?`, id), db.Now())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, peerNotFound(fmt.Sprint(id))
	}
	if err != nil {
		return nil, fmt.Errorf("get peer: %w", err)
	}
	return p, nil
}

// FillPeerDelivery sets the delivery health of peers, for admins. It
// reads the peers' deliveries, which grow with time: the hot paths
// (inbox, fan-out, delivery) do without it.
func (db *DB) FillPeerDelivery(ctx context.Context, peers ...*node.Peer) error {
	for _, p := range peers {
		p.Delivery = node.PeerDelivery{}
		if err := db.fillDelivery(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// Peers lists every peer, without their delivery health.
func (db *DB) Peers(ctx context.Context) ([]*node.Peer, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+peerColumns+` FROM peers ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list peers: %w", err)
	}
	var out []*node.Peer
	now := db.Now()
	for rows.Next() {
		p, err := scanPeer(rows, now)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("list peers: %w", err)
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func (db *DB) fillDelivery(ctx context.Context, p *node.Peer) error {
	d := &p.Delivery
	rows, err := db.read.QueryContext(ctx, `SELECT state, count(*) FROM deliveries WHERE peer_id = ? GROUP BY state`, p.ID)
	if err != nil {
		return fmt.Errorf("peer deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return err
		}
		switch state {
		case node.DeliveryPending:
			d.Pending = n
		case node.DeliveryDelivered:
			d.Delivered = n
		case node.DeliveryDead:
			d.Dead = n
		}
	}
	var lastErr sql.NullString
	var next, success sql.NullString
	_ = db.read.QueryRowContext(ctx, `SELECT last_error, next_attempt FROM deliveries WHERE peer_id = ? AND last_error <> ''
		AND (state = 'pending' OR state = 'dead' AND substr(last_error, 1, ?) = ?)
		ORDER BY updated_at DESC LIMIT 1`, p.ID, len(node.UnbuiltPrefix), node.UnbuiltPrefix).Scan(&lastErr, &next)
	_ = db.read.QueryRowContext(ctx, `SELECT max(updated_at) FROM deliveries WHERE peer_id = ? AND state = 'delivered'`, p.ID).Scan(&success)
	d.LastError = lastErr.String
	if next.Valid {
		t := parseTime(next.String)
		d.NextAttempt = &t
	}
	if success.Valid {
		t := parseTime(success.String)
		d.LastSuccess = &t
	}
	// Unreachable: the newest finished delivery died.
	var newest string
	if err := db.read.QueryRowContext(ctx, `SELECT state FROM deliveries WHERE peer_id = ? AND state <> 'pending'
		AND substr(last_error, 1, ?) <> ? ORDER BY updated_at DESC LIMIT 1`, p.ID, len(node.UnbuiltPrefix), node.UnbuiltPrefix).Scan(&newest); err == nil {
		d.Unreachable = newest == node.DeliveryDead
	}
	return rows.Err()
}

// HostBlocked reports whether any peer on that host is blocked.
func (db *DB) HostBlocked(ctx context.Context, host string) (bool, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM peers WHERE host = ? AND blocked = 1`, strings.ToLower(host)).Scan(&n); err != nil {
		return false, fmt.Errorf("host blocked: %w", err)
	}
	return n > 0, nil
}

// CachedKey returns a cached remote public key.
func (db *DB) CachedKey(ctx context.Context, keyID string) (owner, pem string, fetched time.Time, err error) {
	var at string
	err = db.read.QueryRowContext(ctx, `SELECT owner, pem, fetched_at FROM remote_keys WHERE key_id = ?`, keyID).Scan(&owner, &pem, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", time.Time{}, &node.Error{Code: node.ENOTFOUND, Op: "cached key", Message: "key not cached"}
	}
	return owner, pem, parseTime(at), err
}

// CacheKey stores a remote public key.
func (db *DB) CacheKey(ctx context.Context, keyID, owner, pem string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO remote_keys(key_id, owner, pem, fetched_at) VALUES (?, ?, ?, ?)`,
			keyID, owner, pem, formatTime(db.Now()))
		return err
	})
}

// ActivityProcessed reports whether an inbound activity was applied.
func (db *DB) ActivityProcessed(ctx context.Context, id string) (bool, error) {
	var one int
	err := db.read.QueryRowContext(ctx, `SELECT 1 FROM processed_activities WHERE activity_id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// MarkProcessed records an inbound activity as applied.
func (db *DB) MarkProcessed(ctx context.Context, id, actor, typ string) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return markProcessed(ctx, tx, db.Now(), id, actor, typ) })
}

func markProcessed(ctx context.Context, tx *sql.Tx, now time.Time, id, actor, typ string) error {
	_, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO processed_activities(activity_id, actor, type, applied_at) VALUES (?, ?, ?, ?)`,
		id, actor, typ, formatTime(now))
	return err
}

// errAlreadyApplied ends a transaction that found its activity applied.
var errAlreadyApplied = errors.New("already applied")

// onceTx runs fn in a transaction that first records the activity as
// processed; an activity seen before is skipped without error.
func (db *DB) onceTx(ctx context.Context, activityID, actor, typ string, fn func(tx *sql.Tx) error) error {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := db.exec(ctx, tx, `INSERT OR IGNORE INTO processed_activities(activity_id, actor, type, applied_at) VALUES (?, ?, ?, ?)`,
			activityID, actor, typ, formatTime(db.Now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errAlreadyApplied
		}
		return fn(tx)
	})
	if errors.Is(err, errAlreadyApplied) {
		return nil
	}
	return err
}

// UpsertRemoteMember stores a member a peer published (found by its
// ActivityPub id), once per activity. A version older than the stored
// one, or than a Delete already applied, changes nothing: deliveries may
// arrive out of order.
func (db *DB) UpsertRemoteMember(ctx context.Context, activityID, typ string, m *node.Member) error {
	return db.onceTx(ctx, activityID, m.Origin, typ, func(tx *sql.Tx) error {
		var deleted int64
		err := db.queryRow(ctx, tx, `SELECT revision FROM remote_tombstones WHERE ap_id = ?`, m.APID).Scan(&deleted)
		if err == nil && deleted >= m.Revision {
			return nil
		}
		var (
			seq, revision int64
			id, created   string
		)
		err = db.queryRow(ctx, tx, `SELECT seq, id, revision, created_at FROM members WHERE ap_id = ?`, m.APID).Scan(&seq, &id, &revision, &created)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			seq, err = insertMember(ctx, tx, m)
			if node.ErrorCode(err) == node.ECONFLICT {
				// Another object of the peer reduces to the same local id
				// (…/m/-1 and …/m/1): tell them apart by their ids.
				sum := sha256.Sum256([]byte(m.APID))
				local, host, _ := strings.Cut(m.ID, "@")
				m.ID = local + "-" + hex.EncodeToString(sum[:3]) + "@" + host
				seq, err = insertMember(ctx, tx, m)
			}
		case err != nil:
			return fmt.Errorf("upsert remote member: %w", err)
		case revision > m.Revision:
			return nil
		default:
			m.ID, m.CreatedAt = id, parseTime(created)
			err = updateMember(ctx, tx, m)
		}
		if err != nil {
			return err
		}
		if _, err := db.exec(ctx, tx, `UPDATE members SET revision = ? WHERE seq = ?`, m.Revision, seq); err != nil {
			return err
		}
		_, err = db.exec(ctx, tx, `DELETE FROM remote_tombstones WHERE ap_id = ?`, m.APID)
		return err
	})
}

// DeleteRemoteMember purges a remote member and its index rows, once per
// activity, and remembers the deletion so that an older Create arriving
// late does not bring it back. origin must own the member.
func (db *DB) DeleteRemoteMember(ctx context.Context, activityID, origin, apID string, revision int64) error {
	return db.onceTx(ctx, activityID, origin, "Delete", func(tx *sql.Tx) error {
		var seq, current int64
		err := tx.QueryRowContext(ctx, `SELECT seq, revision FROM members WHERE ap_id = ? AND origin = ?`, apID, origin).Scan(&seq, &current)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case current > revision:
			return nil // the member came back after this Delete
		default:
			if _, err := tx.ExecContext(ctx, `DELETE FROM members_fts WHERE rowid = ?`, seq); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM members WHERE seq = ?`, seq); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO remote_tombstones(ap_id, origin, revision, deleted_at) VALUES (?, ?, ?, ?)
			ON CONFLICT(ap_id) DO UPDATE SET revision = max(revision, excluded.revision), deleted_at = excluded.deleted_at`,
			apID, origin, revision, formatTime(db.Now()))
		return err
	})
}

// DeleteRemoteMembersOf purges every member a peer published.
func (db *DB) DeleteRemoteMembersOf(ctx context.Context, origin string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM members_fts WHERE rowid IN (SELECT seq FROM members WHERE origin = ?)`, origin); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM members WHERE origin = ?`, origin)
		return err
	})
}

// MemberByAPID returns a member by its ActivityPub id.
func (db *DB) MemberByAPID(ctx context.Context, apID string) (*node.Member, error) {
	m, _, err := scanMember(db.read.QueryRowContext(ctx, `SELECT `+memberColumns+` FROM members m WHERE m.ap_id = ?`, apID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &node.Error{Code: node.ENOTFOUND, Op: "get member", Message: "member " + apID + " not found"}
	}
	return m, err
}

// ActiveLocalMembers returns the node's own members in status member.
func (db *DB) ActiveLocalMembers(ctx context.Context) ([]*node.Member, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+memberColumns+` FROM members m WHERE m.origin = '' AND m.status = 'member' ORDER BY m.seq`)
	if err != nil {
		return nil, fmt.Errorf("active local members: %w", err)
	}
	defer rows.Close()
	var out []*node.Member
	for rows.Next() {
		m, _, err := scanMember(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m.Public())
	}
	return out, rows.Err()
}
