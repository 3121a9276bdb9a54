package web

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/auth"
	"github.com/e-toiles/etoiles/node/catalogue"
	"github.com/e-toiles/etoiles/node/news"
)

func (s *Server) noNews(op string) error {
	return &node.Error{Code: node.ENOTFOUND, Op: op, Message: "this node does not publish news and events"}
}

func actorOf(u *auth.User) news.Actor {
	if u.Role == auth.RoleAdmin {
		return news.Actor{Admin: true}
	}
	return news.Actor{Member: u.Member}
}

// mayWrite reports whether u may change a local item written by author.
func mayWrite(u *auth.User, origin string, author node.Author) bool {
	if u == nil || origin != "" && origin != node.OriginLocal {
		return false
	}
	return u.Role == auth.RoleAdmin || u.Role == auth.RoleMember && author.Member == u.Member
}

// newsCard is a news item as the list shows it.
type newsCard struct {
	*node.NewsItem
	Title, Summary Text
	Remote         bool
	Editable       bool
	Pictures       []picture
}

// picture is a news image as the list shows it: a local published image
// inline (the CSP allows only this site's), a remote one as a link; its
// alt text in the reader's language.
type picture struct {
	Src    string
	Alt    Text
	Inline bool
}

func pictures(l *Locale, n *node.NewsItem) []picture {
	var out []picture
	for _, im := range n.Images {
		p := picture{Alt: l.Pick(im.Alt)}
		switch {
		case n.Local() && n.Published && im.ID != "":
			p.Src, p.Inline = "/media/"+url.PathEscape(im.ID), true
		case !n.Local() && im.URL != "":
			p.Src = im.URL
		default:
			continue
		}
		out = append(out, p)
	}
	return out
}

func (s *Server) newsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.News == nil {
		return s.noNews("news")
	}
	if rq.User == nil {
		return s.publicList(w, r, rq, "news")
	}
	q := news.Query{Limit: 50, Unpublished: rq.User.Role == auth.RoleAdmin}
	items, err := s.News.ListNews(r.Context(), q)
	if err != nil {
		return err
	}
	cards := s.newsCards(rq, items)
	v := s.view(r, rq, "news.title")
	switch r.URL.Query().Get("done") {
	case "written", "saved", "deleted":
		v.Notice = rq.L.T("news.done." + r.URL.Query().Get("done"))
	}
	v.D = map[string]any{"Items": cards}
	s.render(w, http.StatusOK, "news", v)
	return nil
}

// newsCards are the items rq's reader may see, as the lists show them.
func (s *Server) newsCards(rq *request, items []*node.NewsItem) []newsCard {
	var cards []newsCard
	for _, n := range items {
		if !n.Published && !mayWrite(rq.User, n.Origin, n.Author) {
			continue
		}
		cards = append(cards, newsCard{NewsItem: n, Title: rq.L.Pick(n.Title), Summary: rq.L.Pick(n.Summary),
			Remote: !n.Local(), Editable: mayWrite(rq.User, n.Origin, n.Author), Pictures: pictures(rq.L, n)})
	}
	return cards
}

// newsForm is the writing form of a news item, in one language.
type newsForm struct {
	ID                            string // "" for a new item
	Lang, Title, Summary, Content string
	Tags, PublishAt, Author       string
	Authors                       []*node.Member // for an admin: the co-ops it may write for
	Langs                         []string
	Admin                         bool
	ContentIsHTML                 bool        // an existing item whose content is not plain paragraphs
	Kept                          []imageSlot // the item's images, with their alt text in Lang
	NewImages                     []int       // the indexes of the file fields for new images
}

// paragraphs turns plain text into HTML paragraphs, escaped; the service
// sanitises HTML again anyway.
func paragraphs(text string) string {
	var b strings.Builder
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(p), "\n", "<br>") + "</p>")
		}
	}
	return b.String()
}

// plainText reverses paragraphs for the edit form, or reports that the
// content holds more than paragraphs.
func plainText(h string) (string, bool) {
	var parts []string
	rest := h
	for rest != "" {
		if !strings.HasPrefix(rest, "<p>") {
			return "", false
		}
		end := strings.Index(rest, "</p>")
		if end < 0 {
			return "", false
		}
		inner := strings.ReplaceAll(rest[3:end], "<br>", "\n")
		if strings.ContainsAny(inner, "<>") {
			return "", false
		}
		parts = append(parts, html.UnescapeString(inner))
		rest = strings.TrimSpace(rest[end+4:])
	}
	return strings.Join(parts, "\n\n"), true
}

func (s *Server) newsFormPage(w http.ResponseWriter, r *http.Request, rq *request, status int, f *newsForm, errs []fieldProblem) error {
	f.Langs, f.Admin = Languages, rq.User.Role == auth.RoleAdmin
	f.NewImages = nil
	for i := 0; i < newImageSlots && len(f.Kept)+i < node.MaxImages; i++ {
		f.NewImages = append(f.NewImages, i)
	}
	if f.Admin {
		res, err := s.Catalogue.Search(r.Context(), catalogue.Query{Origin: "local", Status: node.StatusMember, Limit: catalogue.MaxLimit})
		if err != nil {
			return err
		}
		f.Authors = res.Items
	}
	key := "newsform.title.new"
	if f.ID != "" {
		key = "newsform.title.edit"
	}
	v := s.view(r, rq, key)
	v.Errors = errs
	v.D = f
	s.render(w, status, "newsform", v)
	return nil
}

func (s *Server) writeNewsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.News == nil {
		return s.noNews("write news")
	}
	return s.newsFormPage(w, r, rq, http.StatusOK, &newsForm{Lang: rq.L.Tag}, nil)
}

// readNewsForm reads the form and checks what only the form knows: the
// language and the publication time.
func readNewsForm(r *http.Request, l *Locale) (*newsForm, time.Time, []fieldProblem) {
	f := &newsForm{ID: r.PathValue("id"), Lang: r.PostFormValue("lang"), Title: r.PostFormValue("title"), Summary: r.PostFormValue("summary"),
		Content: r.PostFormValue("content"), Tags: r.PostFormValue("tags"), PublishAt: strings.TrimSpace(r.PostFormValue("publish_at")),
		Author: r.PostFormValue("author")}
	var errs []fieldProblem
	if !contains(Languages, f.Lang) {
		errs = append(errs, fieldProblem{ID: "lang", Label: l.T("field.lang"), Reason: l.T("newsform.lang.invalid")})
	}
	var at time.Time
	if f.PublishAt != "" {
		t, err := time.ParseInLocation(dateTimeLocal, f.PublishAt, time.UTC)
		if err != nil {
			errs = append(errs, fieldProblem{ID: "publish_at", Label: l.T("field.publish_at"), Reason: l.T("form.datetime.invalid")})
		}
		at = t
	}
	return f, at, errs
}

// newsProblems maps the service's field errors to the form's controls:
// "title.fr" → title.
func newsProblems(l *Locale, err error) []fieldProblem {
	errs := problems(l, err)
	for i := range errs {
		id, _, _ := strings.Cut(errs[i].ID, "-")
		errs[i].ID, errs[i].Label = id, l.T("field."+id)
	}
	return errs
}

func (s *Server) writeNews(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.News == nil {
		return s.noNews("write news")
	}
	f, at, errs := readNewsForm(r, rq.L)
	_, images, ids, imgErrs := readImages(r, rq.L, f.Lang, nil)
	if errs = append(errs, imgErrs...); errs != nil {
		return s.newsFormPage(w, r, rq, http.StatusBadRequest, f, errs)
	}
	n := &node.NewsItem{Title: one(f.Lang, f.Title), Summary: one(f.Lang, f.Summary), Content: one(f.Lang, paragraphs(f.Content)),
		Tags: splitList(f.Tags), PublishAt: at, Author: node.Author{Member: f.Author}, Images: images}
	if rq.User.Role != auth.RoleAdmin {
		n.Author.Member = rq.User.Member
	}
	if _, err := s.News.CreateNews(r.Context(), actorOf(rq.User), n); err != nil {
		if errs = formProblems(rq.L, err, ids); errs == nil {
			return err
		}
		return s.newsFormPage(w, r, rq, http.StatusBadRequest, f, errs)
	}
	redirect(w, r, "/news?done=written")
	return nil
}

// editableNews returns a local item the user may change.
func (s *Server) editableNews(r *http.Request, rq *request) (*node.NewsItem, error) {
	n, err := s.News.GetNews(r.Context(), r.PathValue("id"), true)
	if err != nil {
		return nil, err
	}
	if !mayWrite(rq.User, n.Origin, n.Author) {
		return nil, &node.Error{Code: node.EFORBIDDEN, Op: "edit news", Message: "you may edit only your own co-op's local news"}
	}
	return n, nil
}

func (s *Server) editNewsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.News == nil {
		return s.noNews("edit news")
	}
	n, err := s.editableNews(r, rq)
	if err != nil {
		return err
	}
	lang := rq.L.Tag
	if _, ok := n.Title[lang]; !ok {
		lang = node.DefaultLanguage(n.Title)
	}
	f := &newsForm{ID: n.ID, Lang: lang, Title: n.Title[lang], Summary: n.Summary[lang], Tags: strings.Join(n.Tags, ", "), Author: n.Author.Member}
	if text, ok := plainText(n.Content[lang]); ok {
		f.Content = text
	} else {
		f.ContentIsHTML = true
	}
	if !n.Published {
		f.PublishAt = n.PublishAt.UTC().Format(dateTimeLocal)
	}
	for _, im := range n.Images {
		f.Kept = append(f.Kept, imageSlot{ID: im.ID, URL: im.URL, Alt: im.Alt[lang]})
	}
	return s.newsFormPage(w, r, rq, http.StatusOK, f, nil)
}

func (s *Server) editNews(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.News == nil {
		return s.noNews("edit news")
	}
	n, err := s.editableNews(r, rq)
	if err != nil {
		return err
	}
	f, at, errs := readNewsForm(r, rq.L)
	kept, images, ids, imgErrs := readImages(r, rq.L, f.Lang, n.Images)
	f.Kept = kept
	if errs = append(errs, imgErrs...); errs != nil {
		return s.newsFormPage(w, r, rq, http.StatusBadRequest, f, errs)
	}
	set := func(m map[string]string, text string) *map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		if strings.TrimSpace(text) == "" {
			delete(out, f.Lang)
		} else {
			out[f.Lang] = text
		}
		return &out
	}
	tags := splitList(f.Tags)
	p := news.NewsPatch{Title: set(n.Title, f.Title), Summary: set(n.Summary, f.Summary), Tags: &tags}
	if r.MultipartForm != nil { // the form with its image fields; a plain form leaves the images alone
		p.Images = &images
	}
	if !f.ContentIsHTML || strings.TrimSpace(f.Content) != "" {
		p.Content = set(n.Content, paragraphs(f.Content))
	}
	if !at.IsZero() {
		p.PublishAt = &at
	}
	if _, err := s.News.UpdateNews(r.Context(), actorOf(rq.User), n.ID, p); err != nil {
		if errs = formProblems(rq.L, err, ids); errs == nil {
			return err
		}
		return s.newsFormPage(w, r, rq, http.StatusBadRequest, f, errs)
	}
	redirect(w, r, "/news?done=saved")
	return nil
}

func (s *Server) deleteNews(w http.ResponseWriter, r *http.Request, rq *request) error {
	if s.News == nil {
		return s.noNews("delete news")
	}
	n, err := s.editableNews(r, rq)
	if err != nil {
		return err
	}
	if err := s.News.DeleteNews(r.Context(), actorOf(rq.User), n.ID); err != nil {
		return err
	}
	redirect(w, r, "/news?done=deleted")
	return nil
}
