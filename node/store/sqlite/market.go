package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/market"
)

var _ market.Store = (*DB)(nil)

func listingArgs(l *node.Listing) ([]any, error) {
	data, err := json.Marshal(l)
	if err != nil {
		return nil, fmt.Errorf("encode listing: %w", err)
	}
	var apID, deadline any
	if l.APID != "" {
		apID = l.APID
	}
	if l.Deadline != nil {
		deadline = formatTime(*l.Deadline)
	}
	return []any{l.ID, l.Origin, apID, string(l.Side), string(l.Kind), string(l.Scope), l.Country, string(l.Status),
		l.Owner, deadline, l.Revision, string(data), formatTime(l.CreatedAt), formatTime(l.UpdatedAt)}, nil
}

func writeCPV(ctx context.Context, tx *sql.Tx, l *node.Listing) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM listing_cpv WHERE listing_id = ?`, l.ID); err != nil {
		return err
	}
	for _, c := range l.CPV {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO listing_cpv(listing_id, code) VALUES (?, ?)`, l.ID, c); err != nil {
			return err
		}
	}
	return nil
}

// CreateListing inserts a listing; ECONFLICT when its id or AP id is taken.
func (db *DB) CreateListing(ctx context.Context, l *node.Listing, events []node.Event) error {
	args, err := listingArgs(l)
	if err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO listings(id, origin, ap_id, side, kind, scope, country, status, owner, deadline,
			revision, data, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
		if isUniqueViolation(err) {
			return &node.Error{Code: node.ECONFLICT, Op: "create listing", Message: fmt.Sprintf("listing %s already exists", l.ID)}
		}
		if err != nil {
			return fmt.Errorf("insert listing: %w", err)
		}
		if err := writeCPV(ctx, tx, l); err != nil {
			return fmt.Errorf("insert listing: %w", err)
		}
		return insertEvents(ctx, tx, events)
	})
}

// UpdateListing replaces a listing's fields.
func (db *DB) UpdateListing(ctx context.Context, l *node.Listing, events []node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error { return updateListing(ctx, tx, l, events) })
}

func updateListing(ctx context.Context, tx *sql.Tx, l *node.Listing, events []node.Event) error {
	args, err := listingArgs(l)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE listings SET origin = ?, ap_id = ?, side = ?, kind = ?, scope = ?, country = ?, status = ?,
		owner = ?, deadline = ?, revision = ?, data = ?, created_at = ?, updated_at = ? WHERE id = ?`, append(args[1:], l.ID)...)
	if err != nil {
		return fmt.Errorf("update listing: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return node.Errorf(node.ENOTFOUND, "no listing %s", l.ID)
	}
	if err := writeCPV(ctx, tx, l); err != nil {
		return fmt.Errorf("update listing: %w", err)
	}
	return insertEvents(ctx, tx, events)
}

// DeleteListing removes a listing.
func (db *DB) DeleteListing(ctx context.Context, id string, events []node.Event) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM listings WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete listing: %w", err)
		}
		return insertEvents(ctx, tx, events)
	})
}

// DeleteRemoteListingsOf purges every listing a peer published (it was
// blocked or its admission ended); its codes go with them.
func (db *DB) DeleteRemoteListingsOf(ctx context.Context, origin string) error {
	if origin == "" {
		return nil // never the node's own listings
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM listings WHERE origin = ?`, origin); err != nil {
			return fmt.Errorf("delete remote listings: %w", err)
		}
		return nil
	})
}

func scanListings(rows *sql.Rows) ([]*node.Listing, error) {
	defer rows.Close()
	var out []*node.Listing
	for rows.Next() {
		var data string
		var rev int64
		if err := rows.Scan(&data, &rev); err != nil {
			return nil, err
		}
		l := new(node.Listing)
		if err := json.Unmarshal([]byte(data), l); err != nil {
			return nil, fmt.Errorf("decode listing: %w", err)
		}
		l.Revision = rev
		out = append(out, l)
	}
	return out, rows.Err()
}

func (db *DB) oneListing(ctx context.Context, where string, arg any) (*node.Listing, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT data, revision FROM listings WHERE `+where, arg)
	if err != nil {
		return nil, fmt.Errorf("get listing: %w", err)
	}
	ls, err := scanListings(rows)
	if err != nil {
		return nil, fmt.Errorf("get listing: %w", err)
	}
	if len(ls) == 0 {
		return nil, node.Errorf(node.ENOTFOUND, "no listing %s", arg)
	}
	return ls[0], nil
}

// GetListing returns a listing by id.
func (db *DB) GetListing(ctx context.Context, id string) (*node.Listing, error) {
	return db.oneListing(ctx, `id = ?`, id)
}

// ListingByAPID returns a listing by its ActivityPub id.
func (db *DB) ListingByAPID(ctx context.Context, apID string) (*node.Listing, error) {
	return db.oneListing(ctx, `ap_id = ?`, apID)
}

// Listings returns the listings matching q, newest first, and the count.
func (db *DB) Listings(ctx context.Context, q market.Query) ([]*node.Listing, int, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	for col, v := range map[string]string{"side": string(q.Side), "kind": string(q.Kind), "country": strings.ToUpper(q.Country),
		"scope": string(q.Scope), "status": string(q.Status), "owner": q.Owner} {
		if v != "" {
			add(col+" = ?", v)
		}
	}
	if q.Status == "" {
		where = append(where, "status <> 'withdrawn'")
	}
	switch q.Origin {
	case "":
	case "local":
		where = append(where, "origin = ''")
	case "remote":
		where = append(where, "origin <> ''")
	default:
		add("origin = ?", q.Origin)
	}
	if q.CPV != "" {
		// Codes the query covers, or codes that cover the query.
		where = append(where, `EXISTS (SELECT 1 FROM listing_cpv c WHERE c.listing_id = listings.id AND
			(c.code LIKE ? OR ? LIKE rtrim(c.code, '0') || '%'))`)
		args = append(args, node.CPVPrefix(q.CPV)+"%", q.CPV)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM listings`+cond, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("list listings: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT data, revision FROM listings`+cond+` ORDER BY created_at DESC, id LIMIT ? OFFSET ?`,
		append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list listings: %w", err)
	}
	ls, err := scanListings(rows)
	if err != nil {
		return nil, 0, fmt.Errorf("list listings: %w", err)
	}
	return orEmpty(ls), total, nil
}

// OpenListings returns the open listings of one side.
func (db *DB) OpenListings(ctx context.Context, side node.ListingSide) ([]*node.Listing, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT data, revision FROM listings WHERE status = 'open' AND side = ?`, string(side))
	if err != nil {
		return nil, fmt.Errorf("open listings: %w", err)
	}
	return scanListings(rows)
}

// DueGroupPurchases returns the local open group purchases due by t.
func (db *DB) DueGroupPurchases(ctx context.Context, t time.Time) ([]*node.Listing, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT data, revision FROM listings
		WHERE kind = 'group-purchase' AND status = 'open' AND origin = '' AND deadline <= ?`, formatTime(t))
	if err != nil {
		return nil, fmt.Errorf("due group purchases: %w", err)
	}
	return scanListings(rows)
}

// SaveResponse inserts or replaces a response, with the listing it
// changed, its notices and events, in one transaction.
func (db *DB) SaveResponse(ctx context.Context, r *node.Response, l *node.Listing, notices []market.Notice, events []node.Event) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	var offer any
	if r.OfferID != "" {
		offer = r.OfferID
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO listing_responses(id, listing_id, offer_id, responder, status, data, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET status = excluded.status, data = excluded.data`,
			r.ID, r.ListingID, offer, r.Responder, string(r.Status), string(data), formatTime(r.CreatedAt))
		if isUniqueViolation(err) {
			return &node.Error{Code: node.ECONFLICT, Op: "save response", Message: "this offer was already received"}
		}
		if err != nil {
			return fmt.Errorf("save response: %w", err)
		}
		if l != nil {
			if err := updateListing(ctx, tx, l, nil); err != nil {
				return err
			}
		}
		if err := addNotices(ctx, tx, notices); err != nil {
			return err
		}
		return insertEvents(ctx, tx, events)
	})
}

func (db *DB) responses(ctx context.Context, where string, args ...any) ([]*node.Response, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT data FROM listing_responses WHERE `+where+` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("responses: %w", err)
	}
	defer rows.Close()
	var out []*node.Response
	for rows.Next() {
		var data string
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		r := new(node.Response)
		if err := json.Unmarshal([]byte(data), r); err != nil {
			return nil, fmt.Errorf("decode response: %w", err)
		}
		out = append(out, r)
	}
	return orEmpty(out), rows.Err()
}

// GetResponse returns a response by id, of the listing unless listingID
// is empty.
func (db *DB) GetResponse(ctx context.Context, listingID, id string) (*node.Response, error) {
	var rs []*node.Response
	var err error
	if listingID == "" {
		rs, err = db.responses(ctx, `id = ?`, id)
	} else {
		rs, err = db.responses(ctx, `id = ? AND listing_id = ?`, id, listingID)
	}
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, node.Errorf(node.ENOTFOUND, "no response %s", id)
	}
	return rs[0], nil
}

// ResponseByOffer returns the response an Offer activity made.
func (db *DB) ResponseByOffer(ctx context.Context, offerID string) (*node.Response, error) {
	rs, err := db.responses(ctx, `offer_id = ?`, offerID)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, node.Errorf(node.ENOTFOUND, "no response for offer %s", offerID)
	}
	return rs[0], nil
}

// Responses returns the responses to a listing, oldest first.
func (db *DB) Responses(ctx context.Context, listingID string) ([]*node.Response, error) {
	return db.responses(ctx, `listing_id = ?`, listingID)
}

// SaveSubscription inserts or updates a subscription.
func (db *DB) SaveSubscription(ctx context.Context, s *market.Subscription) error {
	var end any
	if s.End != nil {
		end = formatTime(*s.End)
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO listing_subscriptions(listing_id, member_id, started_at, ended_at, attribute)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET ended_at = excluded.ended_at, attribute = excluded.attribute`,
			s.ListingID, s.Member, formatTime(s.Start), end, s.Attribute)
		if err != nil {
			return fmt.Errorf("save subscription: %w", err)
		}
		return nil
	})
}

func scanSubscriptions(rows *sql.Rows) ([]*market.Subscription, error) {
	defer rows.Close()
	var out []*market.Subscription
	for rows.Next() {
		var s market.Subscription
		var start string
		var end sql.NullString
		if err := rows.Scan(&s.ListingID, &s.Member, &start, &end, &s.Attribute); err != nil {
			return nil, err
		}
		s.Start = parseTime(start)
		if end.Valid {
			t := parseTime(end.String)
			s.End = &t
		}
		out = append(out, &s)
	}
	return out, rows.Err()
}

// Subscriptions returns a listing's subscriptions, oldest first.
func (db *DB) Subscriptions(ctx context.Context, listingID string) ([]*market.Subscription, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT listing_id, member_id, started_at, ended_at, attribute FROM listing_subscriptions
		WHERE listing_id = ? ORDER BY started_at, member_id`, listingID)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	return scanSubscriptions(rows)
}

// EndSubscriptionsOf ends a member's running subscriptions at t.
func (db *DB) EndSubscriptionsOf(ctx context.Context, member string, t time.Time) ([]*market.Subscription, error) {
	var out []*market.Subscription
	err := db.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE listing_subscriptions SET ended_at = ? WHERE member_id = ? AND ended_at IS NULL
			RETURNING listing_id, member_id, started_at, ended_at, attribute`, formatTime(t), member)
		if err != nil {
			return err
		}
		out, err = scanSubscriptions(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("end subscriptions: %w", err)
	}
	return out, nil
}

// SetUsage records the units a member used in a period.
func (db *DB) SetUsage(ctx context.Context, listingID, member, period string, units int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO listing_usage(listing_id, member_id, period, units) VALUES (?, ?, ?, ?)
			ON CONFLICT DO UPDATE SET units = excluded.units`, listingID, member, period, units)
		return err
	})
}

// Usage returns the units each member used in a period.
func (db *DB) Usage(ctx context.Context, listingID, period string) (map[string]int64, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT member_id, units FROM listing_usage WHERE listing_id = ? AND period = ?`, listingID, period)
	if err != nil {
		return nil, fmt.Errorf("usage: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var m string
		var u int64
		if err := rows.Scan(&m, &u); err != nil {
			return nil, err
		}
		out[m] = u
	}
	return out, rows.Err()
}

func addNotices(ctx context.Context, tx *sql.Tx, ns []market.Notice) error {
	for _, n := range ns {
		title := n.Title
		if title == nil {
			title = map[string]string{}
		}
		row := &node.Notice{Member: n.Member, Kind: node.NoticeListing, Ref: n.NoticeRef(), Title: title, Reason: n.Message,
			URL: "/api/v1/listings/" + n.ListingID, CreatedAt: n.At}
		if _, err := addNotice(ctx, tx, row); err != nil {
			return err
		}
	}
	return nil
}

// AddMarketNotices records marketplace notices among the node's notices.
func (db *DB) AddMarketNotices(ctx context.Context, ns []market.Notice) error {
	if len(ns) == 0 {
		return nil
	}
	return db.tx(ctx, func(tx *sql.Tx) error { return addNotices(ctx, tx, ns) })
}
