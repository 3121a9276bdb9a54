package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/tender"
)

// importTender reads an eForms notice from the body (application/xml) and
// imports it as a radar opportunity: 201 when it is new, 200 when it
// updated the opportunity imported before from the same notice.
func (s *Server) importTender(w http.ResponseWriter, r *http.Request, _ *auth.Principal) error {
	const op = "import tender"
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/xml" && mt != "text/xml" && !strings.HasSuffix(mt, "+xml") {
		return &node.Error{Code: node.EUNSUPPORTED, Op: op,
			Message: fmt.Sprintf("content type %q is not XML; send the eForms notice as application/xml", ct)}
	}
	if s.Tender == nil {
		return &node.Error{Code: node.EUNAVAILABLE, Op: op, Message: "the tender radar is not configured on this node"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, tender.MaxSize))
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return &node.Error{Code: node.ETOOLARGE, Op: op, Message: fmt.Sprintf("the notice is larger than %d MiB", tender.MaxSize>>20)}
	case err != nil:
		return &node.Error{Code: node.EINVALID, Op: op, Message: "cannot read the request body", Err: err}
	}
	p, err := tender.Prepare(bytes.NewReader(body), "body")
	if err != nil {
		return err
	}
	res, err := s.Tender.Import(r.Context(), p)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/v1/opportunities/"+res.Opportunity.ID)
	}
	WriteJSON(w, status, res.Opportunity)
	return nil
}
