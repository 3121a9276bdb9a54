package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	listingPath  = regexp.MustCompile(`^/market/(l-[0-9a-f]+)\?done=posted$`)
	acceptAction = regexp.MustCompile(`action="(/market/l-[0-9a-f]+/responses/r-[0-9a-f]+)/accept"`)
)

// mustListing posts a listing through the form and returns its id.
func mustListing(t *testing.T, b *browser, kv ...string) string {
	t.Helper()
	b.get("/market/new")
	s, body, h := b.post("/market/new", kv...)
	m := listingPath.FindStringSubmatch(h.Get("Location"))
	if s != http.StatusSeeOther || m == nil {
		t.Fatalf("post listing: %d %q\n%s", s, h.Get("Location"), body)
	}
	return m[1]
}

func TestWebMarketplace(t *testing.T) {
	base, dir := mustWebNode(t)
	mustUser(t, dir, autreEmail, "member", "coop-autre", password)
	echo := newBrowserAs(t, base, "fr", echoEmail)
	autre := newBrowserAs(t, base, "en", autreEmail)
	admin := newBrowserAs(t, base, "en", adminEmail)

	var offer string
	t.Run("post", func(t *testing.T) {
		if s, body, _ := echo.get("/market/new"); s != 200 || strings.Contains(body, `id="owner"`) || !strings.Contains(body, `<option value="fr" selected>`) {
			t.Fatalf("GET /market/new as a member: %d (a member chooses no owner)", s)
		}
		s, body, _ := echo.post("/market/new", "side", "offer", "kind", "service", "lang", "fr", "title", "Sous-titrage", "cpv", "92111000",
			"quantity_value", "dix", "quantity_unit", "hour", "price_amount", "12,345", "price_currency", "EUR")
		if s != http.StatusBadRequest || !strings.Contains(body, `href="#quantity_value"`) || !strings.Contains(body, `href="#price_amount"`) ||
			!strings.Contains(body, `aria-describedby="price_amount-hint price_amount-error"`) {
			t.Errorf("a word as quantity and three decimals: %d, want 400 with both errors tied to their fields\n%s", s, body)
		}
		s, body, _ = echo.post("/market/new", "side", "offer", "kind", "service", "lang", "fr", "title", "", "cpv", "123",
			"quantity_value", "-1", "quantity_unit", "hour", "scope", "local", "region", "")
		for _, want := range []string{`href="#title"`, `href="#cpv"`, `href="#quantity_value"`, `href="#region"`, `aria-describedby="cpv-hint cpv-error"`, `class="error-summary"`} {
			if s != http.StatusBadRequest || !strings.Contains(body, want) {
				t.Errorf("the service's field errors: %d, the form lacks %s", s, want)
			}
		}
		offer = mustListing(t, echo, "owner", "", "side", "offer", "kind", "service", "lang", "fr", "title", "Sous-titrage de vidéos",
			"description", "Sous-titres sourds et malentendants.", "cpv", "92111000", "quantity_value", "40", "quantity_unit", "hour",
			"price_amount", "55", "price_currency", "EUR", "price_per", "1", "scope", "national", "country", "FR")
		_, body, _ = echo.get("/market/" + offer + "?done=posted")
		for _, want := range []string{"<h1>Annonce : Sous-titrage de vidéos</h1>", "Scop Écho", "55,00\u00a0€ de l&#39;heure", "40 heures", "L&#39;annonce est publiée."} {
			if !strings.Contains(body, want) {
				t.Errorf("the listing page lacks %q", want)
			}
		}
		for _, path := range []string{"/market", "/market/new", "/market/" + offer} {
			if _, page, h := echo.get(path); strings.Contains(page, "<script") || strings.Contains(page, " style=") || strings.Contains(h.Get("Content-Security-Policy"), "unsafe-inline") {
				t.Errorf("%s has inline script or style, or a CSP that allows them", path)
			}
		}
		if strings.Contains(body, "le groupe national") {
			t.Errorf("a member's empty owner must be its own co-op, not the group")
		}
	})

	t.Run("filters", func(t *testing.T) {
		if _, body, _ := autre.get("/market?side=offer&cpv=92000000&country=fr"); !strings.Contains(body, `lang="fr">Sous-titrage de vidéos</a>`) {
			t.Errorf("the offer is not found by side, a wider CPV code and the country:\n%s", body)
		}
		if _, body, _ := autre.get("/market?side=need"); strings.Contains(body, "Sous-titrage de vidéos") {
			t.Errorf("the offer is listed among needs")
		}
		if _, body, _ := autre.get("/market?kind=service&scope=international"); strings.Contains(body, "Sous-titrage de vidéos") {
			t.Errorf("a national offer is listed as international")
		}
		if s, body, _ := autre.get("/market?kind=bogus&cpv=12"); s != http.StatusBadRequest || !strings.Contains(body, `href="#kind"`) ||
			!strings.Contains(body, `aria-describedby="kind-error"`) || !strings.Contains(body, `href="#cpv"`) {
			t.Errorf("bad filters: %d, want 400 with errors on kind and cpv", s)
		}
	})

	t.Run("a match is a notice", func(t *testing.T) {
		need := mustListing(t, autre, "side", "need", "kind", "service", "lang", "en", "title", "Captions for our films",
			"cpv", "92111000", "quantity_value", "10", "quantity_unit", "hour", "scope", "national")
		waitFor(t, 10*time.Second, "the match on echo's marketplace page", func() (bool, string) {
			_, body, _ := echo.get("/market")
			return strings.Contains(body, "Une annonce correspond à la vôtre") && strings.Contains(body, `<a href="/market/`+need+`" lang="en">Captions for our films</a> – <a href="/market/`+offer+`">votre annonce</a>`), body
		})
	})

	var rid string
	t.Run("respond and accept", func(t *testing.T) {
		_, body, _ := autre.get("/market/" + offer)
		if !strings.Contains(body, `id="quantity"`) || strings.Contains(body, "/accept") {
			t.Fatalf("another co-op should get the response form and no accept button")
		}
		s, body, _ := autre.post("/market/"+offer+"/respond", "quantity", "0", "terms", "")
		if s != http.StatusBadRequest || !strings.Contains(body, `href="#quantity"`) || !strings.Contains(body, `aria-describedby="quantity-hint quantity-error"`) {
			t.Errorf("a zero quantity: %d, want 400 on the quantity\n%s", s, body)
		}
		if s, _, _ := autre.do("POST", "/market/"+offer+"/respond", url.Values{"quantity": {"3"}}); s != http.StatusForbidden {
			t.Errorf("a response without a CSRF token: %d, want 403", s)
		}
		if s, _, h := autre.post("/market/"+offer+"/respond", "quantity", "3", "terms", "Delivery in January"); s != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "?done=responded") {
			t.Fatalf("respond: %d", s)
		}
		if s, _, _ := echo.post("/market/"+offer+"/respond", "quantity", "1"); s != http.StatusConflict {
			t.Errorf("the owner answers its own listing: %d, want 409", s)
		}
		_, body, _ = echo.get("/market")
		if !strings.Contains(body, "Nouvelle réponse") || !strings.Contains(body, `href="/market/`+offer+`"`) {
			t.Errorf("the owner's marketplace page lacks the notice of the response:\n%s", body)
		}
		_, body, _ = echo.get("/market/" + offer)
		m := acceptAction.FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, `aria-label="Accepter la réponse de Coop Autre"`) || !strings.Contains(body, `<span lang="en">Delivery in January</span>`) {
			t.Fatalf("the owner sees no response to accept:\n%s", body)
		}
		rid = m[1]
		autre.get("/market/" + offer)
		if s, _, _ := autre.post(rid + "/accept"); s != http.StatusForbidden {
			t.Errorf("the responder accepts its own response on another co-op's listing: %d, want 403", s)
		}
		if s, _, _ := echo.post(rid + "/accept"); s != http.StatusSeeOther {
			t.Fatalf("the owner accepts: %d", s)
		}
		for _, b := range []*browser{echo, autre} {
			_, body, _ := b.get("/market/" + offer)
			if !strings.Contains(body, "scop-echo") || !strings.Contains(body, "coop-autre") || !strings.Contains(body, "165") || !regexp.MustCompile(`a-[0-9a-f]+`).MatchString(body) {
				t.Errorf("the agreement (provider, receiver, amount 3 × 55) is not shown to %s:\n%s", b.lang, body)
			}
		}
		if s, _, _ := echo.post(rid + "/reject"); s != http.StatusConflict {
			t.Errorf("rejecting a decided response: %d, want 409", s)
		}
	})

	t.Run("the group's listing", func(t *testing.T) {
		admin.get("/market/new")
		if _, body, _ := admin.get("/market/new"); !strings.Contains(body, `<option value="">the national group</option>`) {
			t.Fatalf("an admin should choose the owner, the group first")
		}
		need := mustListing(t, admin, "owner", "", "side", "need", "kind", "product", "lang", "en", "title", "Refurbished laptops",
			"cpv", "30213100", "quantity_value", "20", "quantity_unit", "one", "scope", "national")
		autre.get("/market/" + need)
		if s, _, _ := autre.post("/market/"+need+"/respond", "quantity", "5", "terms", "Ten refurbished ThinkPads"); s != http.StatusSeeOther {
			t.Fatalf("respond to the group's need: %d", s)
		}
		_, body, _ := admin.get("/market/" + need)
		m := acceptAction.FindStringSubmatch(body)
		if m == nil || !strings.Contains(body, "the national group") {
			t.Fatalf("the admin sees no response to the group's need:\n%s", body)
		}
		echo.get("/market/" + need)
		if s, _, _ := echo.post(m[1] + "/accept"); s != http.StatusForbidden {
			t.Errorf("a member accepts on the group's listing (acting as admin): %d, want 403", s)
		}
		if s, _, _ := echo.post("/market/" + need + "/close"); s != http.StatusForbidden {
			t.Errorf("a member closes the group's listing: %d, want 403", s)
		}
		if s, _, _ := autre.post("/market/" + offer + "/close"); s != http.StatusForbidden {
			t.Errorf("a member closes another co-op's listing: %d, want 403", s)
		}
		if s, _, _ := admin.post(m[1] + "/reject"); s != http.StatusSeeOther {
			t.Errorf("the admin declines: %d", s)
		}
		if _, body, _ := autre.get("/market/" + need); !strings.Contains(body, "<td>declined") {
			t.Errorf("the responder does not see its response declined")
		}
		if s, _, _ := admin.post("/market/" + need + "/close"); s != http.StatusSeeOther {
			t.Errorf("the admin closes the group's listing: %d", s)
		}
		if _, body, _ := autre.get("/market/" + need); !strings.Contains(body, `<span class="status">closed</span>`) || strings.Contains(body, `id="quantity"`) {
			t.Errorf("a closed listing must say so and take no response")
		}
	})

	t.Run("group purchase", func(t *testing.T) {
		deadline := time.Now().UTC().Add(72 * time.Hour).Format("2006-01-02T15:04")
		if s, body, _ := admin.post("/market/new", "side", "need", "kind", "group-purchase", "lang", "en", "title", "Laptops", "cpv", "30213100",
			"quantity_value", "10", "quantity_unit", "one", "scope", "national"); s != http.StatusBadRequest || !strings.Contains(body, `href="#deadline"`) {
			t.Errorf("a group purchase without a deadline: %d, want 400 on the deadline", s)
		}
		gp := mustListing(t, admin, "side", "need", "kind", "group-purchase", "lang", "en", "title", "Bulk laptop purchase", "cpv", "30213100",
			"quantity_value", "10", "quantity_unit", "one", "deadline", deadline, "scope", "national")
		_, body, _ := echo.get("/market/" + gp)
		if !strings.Contains(body, "Participer à l&#39;achat groupé") {
			t.Errorf("a member should be offered to commit")
		}
		if s, _, _ := echo.post("/market/"+gp+"/respond", "quantity", "4"); s != http.StatusSeeOther {
			t.Fatalf("commit: %d", s)
		}
		_, body, _ = autre.get("/market/" + gp)
		if !strings.Contains(body, `max="10" value="4"`) || !strings.Contains(body, "4 of 10 committed (40 %)") {
			t.Errorf("the progress towards the target is not shown:\n%s", body)
		}
	})

	t.Run("shared service", func(t *testing.T) {
		svc := mustListing(t, admin, "side", "offer", "kind", "shared-service", "lang", "en", "title", "Shared accountant",
			"cpv", "79211000", "quantity_value", "1", "quantity_unit", "month", "cost_amount", "1000", "cost_currency", "EUR", "cost_rule", "equal")
		for _, b := range []*browser{echo, autre} {
			b.get("/market/" + svc)
			if s, _, _ := b.post("/market/" + svc + "/subscribe"); s != http.StatusSeeOther {
				t.Fatalf("subscribe: %d", s)
			}
		}
		period := time.Now().UTC().Format("2006-01")
		_, body, _ := autre.get("/market/" + svc + "?period=" + period)
		for _, want := range []string{"Scop Écho", "Coop Autre", "€500.00", "€1,000.00", "100000×", `href="/market/` + svc + `/shares.csv?period=` + period + `"`, "End my co-op&#39;s subscription"} {
			if !strings.Contains(body, want) {
				t.Errorf("the shared service's page lacks %q", want)
			}
		}
		s, csv, h := autre.get("/market/" + svc + "/shares.csv?period=" + period)
		if s != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.Contains(csv, "TOTAL") || !strings.Contains(csv, "50000") {
			t.Errorf("shares CSV: %d %s\n%s", s, h.Get("Content-Type"), csv)
		}
		if s, body, _ := autre.get("/market/" + svc + "?period=2026-13"); s != http.StatusBadRequest || !strings.Contains(body, `href="#period"`) {
			t.Errorf("a bad month: %d, want 400 on the period", s)
		}
		if s, _, _ := admin.post("/market/" + svc + "/subscribe"); s != http.StatusForbidden {
			t.Errorf("an admin subscribes as a member: %d, want 403", s)
		}
	})
}
