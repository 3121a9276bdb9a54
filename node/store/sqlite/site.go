package sqlite

import (
	"context"
	"database/sql"
)

// SiteTexts returns the public site's texts: key, then language, then
// text.
func (db *DB) SiteTexts(ctx context.Context) (map[string]map[string]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT key, lang, text FROM site_texts`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]string{}
	for rows.Next() {
		var k, l, t string
		if err := rows.Scan(&k, &l, &t); err != nil {
			return nil, err
		}
		if out[k] == nil {
			out[k] = map[string]string{}
		}
		out[k][l] = t
	}
	return out, rows.Err()
}

// SetSiteTexts stores the texts of one language (key to text); an empty
// text removes that translation.
func (db *DB) SetSiteTexts(ctx context.Context, lang string, texts map[string]string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for k, t := range texts {
			var err error
			if t == "" {
				_, err = tx.ExecContext(ctx, `DELETE FROM site_texts WHERE key = ? AND lang = ?`, k, lang)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO site_texts(key, lang, text, updated_at) VALUES (?, ?, ?, ?)
					ON CONFLICT(key, lang) DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at`, k, lang, t, formatTime(db.Now()))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}
