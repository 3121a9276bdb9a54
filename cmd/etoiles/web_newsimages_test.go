package main

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// postMultipart sends a multipart form with files (name → content) and
// the CSRF token of the last page.
func (b *browser) postMultipart(path string, files map[string][]byte, kv ...string) (int, string, http.Header) {
	b.tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", b.csrf)
	for i := 0; i+1 < len(kv); i += 2 {
		_ = mw.WriteField(kv[i], kv[i+1])
	}
	for name, data := range files {
		w, _ := mw.CreateFormFile(name, name+".png")
		_, _ = w.Write(data)
	}
	_ = mw.Close()
	req, _ := http.NewRequest("POST", b.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept-Language", b.lang)
	resp, err := b.c.Do(req)
	if err != nil {
		b.tb.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	if m := csrfField.FindStringSubmatch(out.String()); m != nil {
		b.csrf = m[1]
	}
	return resp.StatusCode, out.String(), resp.Header
}

func TestWebNewsImages(t *testing.T) {
	base, dir := mustWebNode(t)
	mustUser(t, dir, autreEmail, "member", "coop-autre", password)
	echo := newBrowserAs(t, base, "fr", echoEmail)
	autre := newBrowserAs(t, base, "en", autreEmail)

	_, body, _ := echo.get("/news/write")
	if !strings.Contains(body, `enctype="multipart/form-data"`) || !strings.Contains(body, `type="file" id="image-0"`) || !strings.Contains(body, `for="image-0-alt"`) {
		t.Fatalf("the news form has no image fields:\n%s", body)
	}
	s, body, _ := echo.postMultipart("/news/write", map[string][]byte{"image-0": tinyPNG}, "lang", "fr", "title", "Atelier vidéo", "image-0-alt", " ")
	if s != http.StatusBadRequest || !strings.Contains(body, `href="#image-0-alt"`) || !strings.Contains(body, `aria-describedby="image-0-alt-hint image-0-alt-error"`) {
		t.Errorf("an image without alt text: %d, want 400 with the error on its alt field\n%s", s, body)
	}
	big := append(append([]byte{}, tinyPNG...), make([]byte, 512<<10)...)
	s, body, _ = echo.postMultipart("/news/write", map[string][]byte{"image-1": big}, "lang", "fr", "title", "Atelier vidéo", "image-1-alt", "Une image")
	if s != http.StatusBadRequest || !strings.Contains(body, `href="#image-1"`) || !strings.Contains(body, "512 Kio") || !strings.Contains(body, `aria-describedby="image-1-hint image-1-error"`) {
		t.Errorf("an image over 512 KiB: %d, want 400 with the error on its file field\n%s", s, body)
	}
	s, body, _ = echo.postMultipart("/news/write", map[string][]byte{"image-0": []byte("not an image at all")}, "lang", "fr", "title", "Atelier vidéo", "image-0-alt", "Une image")
	if s != http.StatusBadRequest || !strings.Contains(body, `href="#image-0"`) {
		t.Errorf("a file that is no image: %d, want 400 on the file field\n%s", s, body)
	}
	huge := make([]byte, 8*512<<10+2<<20)
	if s, _, _ := echo.postMultipart("/news/write", map[string][]byte{"image-0": huge}, "lang", "fr", "title", "x"); s != http.StatusRequestEntityTooLarge {
		t.Errorf("a form over the limit: %d, want 413", s)
	}
	echo.get("/news/write")
	if s, body, _ := echo.postMultipart("/news/write", map[string][]byte{"image-0": tinyPNG}, "lang", "fr", "title", "Atelier vidéo",
		"image-0-alt", "Une équipe sous-titre une vidéo"); s != http.StatusSeeOther {
		t.Fatalf("write news with an image: %d\n%s", s, body)
	}
	_, body, _ = echo.get("/news")
	m := regexp.MustCompile(`<img src="(/media/[0-9a-f]+)" alt="Une équipe sous-titre une vidéo" lang="fr">`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the news list does not show the image with its alt text:\n%s", body)
	}
	if s, _, h := echo.get(m[1]); s != 200 || h.Get("Content-Type") != "image/png" {
		t.Errorf("GET %s: %d %s", m[1], s, h.Get("Content-Type"))
	}
	edit := regexp.MustCompile(`href="(/news/[0-9a-f]+/edit)"`).FindStringSubmatch(body)[1]
	_, body, _ = echo.get(edit)
	kept := regexp.MustCompile(`name="kept-0" value="([0-9a-f]+)"`).FindStringSubmatch(body)
	if kept == nil || !strings.Contains(body, `value="Une équipe sous-titre une vidéo"`) {
		t.Fatalf("the edit form does not show the image and its alt text:\n%s", body)
	}
	s, body, _ = echo.postMultipart(edit, nil, "lang", "en", "title", "Video workshop", "kept-0", kept[1], "kept-0-alt", "")
	if s != http.StatusBadRequest || !strings.Contains(body, `href="#kept-0-alt"`) || !strings.Contains(body, "every language") {
		t.Errorf("a translation whose image has no alt text in it: %d, want 400 on the image's alt field\n%s", s, body)
	}
	if s, body, _ := echo.postMultipart(edit, nil, "lang", "en", "title", "Video workshop", "kept-0", kept[1], "kept-0-alt", "A team captions a video"); s != http.StatusSeeOther {
		t.Fatalf("add the English version: %d\n%s", s, body)
	}
	if _, body, _ := autre.get("/news"); !strings.Contains(body, `alt="A team captions a video" lang="en"`) {
		t.Errorf("an English reader does not get the English alt text:\n%s", body)
	}
	if _, body, _ := echo.get("/news"); !strings.Contains(body, `alt="Une équipe sous-titre une vidéo" lang="fr"`) {
		t.Errorf("editing in English lost the French alt text")
	}
	echo.get(edit)
	if s, _, _ := echo.postMultipart(edit, nil, "lang", "en", "title", "Video workshop", "kept-0", kept[1], "kept-0-alt", "A team", "kept-0-remove", "on"); s != http.StatusSeeOther {
		t.Fatalf("remove the image: %d", s)
	}
	if _, body, _ := echo.get("/news"); strings.Contains(body, "<img") {
		t.Errorf("the removed image is still shown")
	}
}
