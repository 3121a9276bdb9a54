package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/e-toiles/etoiles/node"
)

// newImageSlots is how many images one news form uploads: without a
// script, the form has a fixed number of file fields; saving and
// editing again adds more, up to node.MaxImages.
const newImageSlots = 3

// maxFormBytes bounds a form's body: the images of one news item and its
// text, with room for the multipart framing.
const maxFormBytes = node.MaxImages*node.MaxImageBytes + 1<<20

// imageSlot is one image of the news form: a kept image (ID set) or a
// new upload, with its alt text in the form's language.
type imageSlot struct {
	ID, URL, Alt string
	Remove       bool
}

// readImages reads the form's images: the kept ones (kept-N, kept-N-alt,
// kept-N-remove) and the new files (image-N, image-N-alt). ids[i] is the
// form control of the item's image i, for the errors. old are the item's
// images, to keep their other languages' alt text.
func readImages(r *http.Request, l *Locale, lang string, old []node.Image) (kept []imageSlot, images []node.Image, ids []string, errs []fieldProblem) {
	byID := map[string]node.Image{}
	for _, im := range old {
		byID[im.ID] = im
	}
	for i := 0; i < node.MaxImages; i++ {
		id := r.PostFormValue("kept-" + strconv.Itoa(i))
		prev, ok := byID[id]
		if id == "" || !ok {
			continue
		}
		slot := imageSlot{ID: id, URL: prev.URL, Alt: r.PostFormValue(fmt.Sprintf("kept-%d-alt", i)), Remove: r.PostFormValue(fmt.Sprintf("kept-%d-remove", i)) == "on"}
		kept = append(kept, slot)
		if slot.Remove {
			continue
		}
		alt := map[string]string{}
		for k, v := range prev.Alt {
			alt[k] = v
		}
		alt[lang] = slot.Alt
		images = append(images, node.Image{ID: id, Alt: alt})
		ids = append(ids, fmt.Sprintf("kept-%d-alt", i))
	}
	for i := 0; i < newImageSlots && r.MultipartForm != nil; i++ {
		name := "image-" + strconv.Itoa(i)
		file, hdr, err := r.FormFile(name)
		if errors.Is(err, http.ErrMissingFile) || err == nil && hdr.Size == 0 {
			continue
		}
		if err != nil {
			errs = append(errs, fieldProblem{ID: name, Label: l.T("newsform.image", i+1), Reason: l.T("newsform.image.unreadable")})
			continue
		}
		data, err := io.ReadAll(io.LimitReader(file, node.MaxImageBytes+1))
		_ = file.Close()
		switch {
		case err != nil:
			errs = append(errs, fieldProblem{ID: name, Label: l.T("newsform.image", i+1), Reason: l.T("newsform.image.unreadable")})
			continue
		case len(data) > node.MaxImageBytes:
			errs = append(errs, fieldProblem{ID: name, Label: l.T("newsform.image", i+1), Reason: l.T("newsform.image.toolarge", hdr.Filename, node.MaxImageBytes>>10)})
			continue
		}
		images = append(images, node.Image{Data: data, Alt: one(lang, r.PostFormValue(name+"-alt"))})
		ids = append(ids, name)
	}
	return kept, images, ids, errs
}

// imageProblems maps the service's image errors ("images[1].alt.fr",
// "images[0].data") to the form's controls; other errors go through
// newsProblems.
func imageProblems(l *Locale, err error, ids []string) []fieldProblem {
	var out []fieldProblem
	seen := map[string]bool{}
	for _, f := range node.ErrorFields(err) {
		rest, ok := strings.CutPrefix(f.Field, "images[")
		if !ok {
			continue
		}
		n, rest, _ := strings.Cut(rest, "]")
		i, convErr := strconv.Atoi(n)
		if convErr != nil || i >= len(ids) {
			out = append(out, fieldProblem{ID: "image-0", Label: l.T("newsform.images"), Reason: f.Reason, ReasonLang: "en"})
			continue
		}
		id, label := ids[i], l.T("newsform.image.alt")
		switch {
		case strings.HasPrefix(rest, ".alt") && strings.HasPrefix(id, "image-"):
			id += "-alt"
		case strings.HasPrefix(rest, ".alt"):
		default:
			label = l.T("newsform.images")
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, fieldProblem{ID: id, Label: label, Reason: f.Reason, ReasonLang: "en"})
	}
	return out
}

// formProblems maps every error of the service to the news form.
func formProblems(l *Locale, err error, ids []string) []fieldProblem {
	out := imageProblems(l, err, ids)
	for _, e := range newsProblems(l, err) {
		if e.ID != "images" {
			out = append(out, e)
		}
	}
	return out
}
