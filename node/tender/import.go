package tender

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/e-toiles/etoiles/node"
)

// Opportunities records imported opportunities; opportunity.Service
// implements it. Import upserts by source reference in one store
// transaction, with its event, and marks an opportunity whose deadline
// has passed complete.
type Opportunities interface {
	Import(ctx context.Context, o *node.Opportunity) (*node.Opportunity, bool, error)
}

// Importer turns eForms notices into radar entries.
type Importer struct {
	Opportunities Opportunities
}

// Result says what importing one notice did.
type Result struct {
	File        string
	Opportunity *node.Opportunity
	// Created is false when the notice updated an opportunity imported
	// before.
	Created bool
}

// Prepared is a notice read and checked, ready to import.
type Prepared struct {
	File        string
	Notice      *Notice
	Opportunity *node.Opportunity
}

// Prepare reads a notice and checks that it makes a valid opportunity,
// without storing anything. Errors are EINVALID *node.Error values whose
// message names the file, line and element, with the element path as the
// field.
func Prepare(r io.Reader, file string) (*Prepared, error) {
	const op = "import tender"
	n, err := Parse(r, file)
	if err != nil {
		return nil, Invalid(op, err)
	}
	o := n.Opportunity()
	check := n.Opportunity() // Normalize works in place; keep o as mapped
	check.Normalize()
	if err := check.Validate(); err != nil {
		return nil, notValid(op, file, err)
	}
	return &Prepared{File: file, Notice: n, Opportunity: o}, nil
}

// Import stores a prepared notice: a new opportunity, or an update of the
// one imported before from a notice of the same procedure.
func (im *Importer) Import(ctx context.Context, p *Prepared) (Result, error) {
	o := *p.Opportunity
	saved, created, err := im.Opportunities.Import(ctx, &o)
	if err != nil {
		if node.ErrorCode(err) == node.EINVALID {
			return Result{}, notValid("import tender", p.File, err)
		}
		return Result{}, fmt.Errorf("import %s: %w", p.File, err)
	}
	return Result{File: p.File, Opportunity: saved, Created: created}, nil
}

// Invalid turns a parse error into an EINVALID *node.Error: the message
// is the one-line ParseError, the field the element path and the reason
// starts with the line.
func Invalid(op string, err error) error {
	var pe *ParseError
	if !errors.As(err, &pe) {
		return err
	}
	field := pe.Element
	if field == "" {
		field = "/"
	}
	reason := pe.Reason
	if pe.Line > 0 {
		reason = fmt.Sprintf("line %d: %s", pe.Line, pe.Reason)
	}
	return &node.Error{Code: node.EINVALID, Op: op, Message: pe.Error(),
		Fields: []node.FieldError{{Field: field, Reason: reason}}, Err: pe}
}

// notValid prefixes the domain's validation message with the file: the
// notice parsed but does not make a valid opportunity (too many lots, no
// country, a code not in the loaded lists, ...).
func notValid(op, file string, err error) error {
	var e *node.Error
	if !errors.As(err, &e) || e.Code != node.EINVALID {
		return err
	}
	return &node.Error{Code: node.EINVALID, Op: op, Fields: e.Fields, Err: e.Err,
		Message: fmt.Sprintf("%s: the notice does not make a valid opportunity: %s", file, e.Message)}
}

// ImportFiles reads every file first and imports nothing when one of them
// is bad: the error lists each bad file. When all are good, each notice is
// stored in its own transaction, in order; if the store fails on one, the
// ones before it stay imported (importing them again is harmless) and the
// error names the file.
func (im *Importer) ImportFiles(ctx context.Context, files ...string) ([]Result, error) {
	var prepared []*Prepared
	var bad []string
	for _, f := range files {
		p, err := prepareFile(f)
		if err != nil {
			bad = append(bad, node.ErrorMessage(err))
			continue
		}
		prepared = append(prepared, p)
	}
	if len(bad) > 0 {
		msg := strings.Join(bad, "; ")
		if len(files) > 1 {
			msg = fmt.Sprintf("%d of %d files are bad, nothing imported: %s", len(bad), len(files), msg)
		}
		return nil, &node.Error{Code: node.EINVALID, Op: "import tender", Message: msg}
	}
	var out []Result
	for _, p := range prepared {
		r, err := im.Import(ctx, p)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func prepareFile(file string) (*Prepared, error) {
	f, err := os.Open(file)
	if err != nil {
		var pe *os.PathError
		reason := err.Error()
		if errors.As(err, &pe) {
			reason = pe.Err.Error()
		}
		return nil, Invalid("import tender", &ParseError{File: file, Reason: "cannot open: " + reason})
	}
	defer f.Close()
	return Prepare(f, file)
}
