package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/codes"
	"github.com/e-toiles/etoiles/node/membership"
)

var (
	_ codes.Store            = (*DB)(nil)
	_ membership.CodeChecker = (*DB)(nil)
)

// ReplaceCodeList swaps a whole code list in one transaction.
func (db *DB) ReplaceCodeList(ctx context.Context, l *codes.List) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM codes WHERE kind = ?`, `DELETE FROM code_labels WHERE kind = ?`, `DELETE FROM code_lists WHERE kind = ?`} {
			if _, err := tx.ExecContext(ctx, q, l.Kind); err != nil {
				return fmt.Errorf("replace code list: %w", err)
			}
		}
		insCode, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO codes(kind, code, parent, level) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer insCode.Close()
		insLabel, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO code_labels(kind, code, lang, label, folded) VALUES (?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer insLabel.Close()
		for _, c := range l.Codes {
			if _, err := insCode.ExecContext(ctx, l.Kind, c.Code, c.Parent, c.Level); err != nil {
				return fmt.Errorf("replace code list: %s: %w", c.Code, err)
			}
			for lang, label := range c.Labels {
				if _, err := insLabel.ExecContext(ctx, l.Kind, c.Code, lang, label, node.FoldAccents(label)); err != nil {
					return fmt.Errorf("replace code list: %s: %w", c.Code, err)
				}
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO code_lists(kind, count, version, languages, source, loaded_at) VALUES (?, ?, ?, ?, ?, ?)`,
			l.Kind, len(l.Codes), l.Version, mustJSON(l.Languages()), l.Source, formatTime(db.Now()))
		return err
	})
}

// CodeLists says which code lists are loaded.
func (db *DB) CodeLists(ctx context.Context) ([]codes.Info, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT kind, count, version, languages FROM code_lists ORDER BY kind`)
	if err != nil {
		return nil, fmt.Errorf("code lists: %w", err)
	}
	defer rows.Close()
	var out []codes.Info
	for rows.Next() {
		var i codes.Info
		var langs string
		if err := rows.Scan(&i.Kind, &i.Count, &i.Version, &langs); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(langs), &i.Languages)
		out = append(out, i)
	}
	return out, rows.Err()
}

// LookupCodes finds codes by prefix or by folded label text in lang
// (either matching when both are given).
// Labels fall back to the language-neutral "und" label, then English.
func (db *DB) LookupCodes(ctx context.Context, kind, prefix, folded, lang string, limit int) ([]codes.Entry, error) {
	q := `SELECT c.code, c.parent,
		coalesce((SELECT label FROM code_labels WHERE kind = c.kind AND code = c.code AND lang = ?),
		         (SELECT label FROM code_labels WHERE kind = c.kind AND code = c.code AND lang = 'und'),
		         (SELECT label FROM code_labels WHERE kind = c.kind AND code = c.code AND lang = 'en'), '')
		FROM codes c WHERE c.kind = ?`
	args := []any{lang, kind}
	byCode := ` c.code >= ? AND c.code < ?`
	byLabel := ` EXISTS (SELECT 1 FROM code_labels l WHERE l.kind = c.kind AND l.code = c.code AND l.lang IN (?, 'und') AND instr(l.folded, ?) > 0)`
	switch {
	case prefix != "" && folded != "":
		q += ` AND (` + byCode + ` OR ` + byLabel + `)`
		args = append(args, prefix, prefix+"~", lang, folded)
	case prefix != "":
		q += ` AND ` + byCode
		args = append(args, prefix, prefix+"~")
	case folded != "":
		q += ` AND ` + byLabel
		args = append(args, lang, folded)
	}
	q += ` ORDER BY c.level, c.code LIMIT ?`
	args = append(args, limit)
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("look up codes: %w", err)
	}
	defer rows.Close()
	var out []codes.Entry
	for rows.Next() {
		e := codes.Entry{Lang: lang}
		if err := rows.Scan(&e.Code, &e.Parent, &e.Label); err != nil {
			return nil, err
		}
		if e.Label == "" {
			e.Lang = ""
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// UnknownCodes returns the codes of a kind that the loaded list lacks;
// loaded is false when that list is not loaded.
func (db *DB) UnknownCodes(ctx context.Context, kind string, list []string) ([]string, bool, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM code_lists WHERE kind = ? AND count > 0`, kind).Scan(&n); err != nil {
		return nil, false, fmt.Errorf("unknown codes: %w", err)
	}
	if n == 0 {
		return nil, false, nil
	}
	var unknown []string
	for _, c := range list {
		var one int
		err := db.read.QueryRowContext(ctx, `SELECT 1 FROM codes WHERE kind = ? AND code = ?`, kind, c).Scan(&one)
		if err == sql.ErrNoRows {
			unknown = append(unknown, c)
		} else if err != nil {
			return nil, true, fmt.Errorf("unknown codes: %w", err)
		}
	}
	return unknown, true, nil
}
