package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func activity(id, typ, actor string, object any, extra map[string]any) []byte {
	doc := map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "id": id, "type": typ, "actor": actor, "object": object}
	for k, v := range extra {
		doc[k] = v
	}
	b, _ := json.Marshal(doc)
	return b
}

func interestDoc(id, member string) map[string]any {
	return map[string]any{"id": id, "type": "Interest", "attributedTo": member, "member": member, "name": "Coop " + id,
		"country": "IT", "role": "groupMember", "competences": []string{"92111000"}}
}

// interests returns the states of an opportunity's interests as its lead sees them.
func interests(c client, id string) []string {
	_, o, _ := c.do("GET", "/api/v1/opportunities/"+id, "")
	var out []string
	ins, _ := o["interests"].([]any)
	for _, i := range ins {
		m := i.(map[string]any)
		out = append(out, fmt.Sprint(m["member_ap_id"], "=", m["state"]))
	}
	return out
}

// TestOfferRefusals sends Offers to fr from a peer it cannot run: a
// replayed Offer changes nothing, a forged one from a non-peer is refused
// at the inbox, and an Offer for another host's member or a closed
// opportunity is dropped.
func TestOfferRefusals(t *testing.T) {
	fr := MustFederatedNode(t, "fr", "FR")
	peer := newFakePeer(t)
	stranger := newFakePeer(t)
	if s, b, _ := fr.admin.do("POST", "/api/v1/peers", `{"url":"`+peer.actor()+`"}`); s != 201 {
		t.Fatalf("add the fake peer: %d %v", s, b)
	}
	lead, _ := fr.memberClient(t, `{"name":"Atelier Web","country":"FR","competences":["72413000"]}`)
	deadline := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	post1 := func(title string) (string, string) {
		s, o, _ := lead.do("POST", "/api/v1/opportunities", `{"title":{"fr":"`+title+`"},"competences":[{"cpv":"92111000"}],"country":"FR","open_abroad":true,"deadline":"`+deadline+`"}`)
		if s != 201 {
			t.Fatalf("post: %d %v", s, o)
		}
		return o["id"].(string), o["ap_id"].(string)
	}
	oppID, oppAP := post1("Vidéo")
	closedID, closedAP := post1("Fermée")
	if s, b, _ := lead.do("POST", "/api/v1/opportunities/"+closedID+"/status", `{"status":"cancelled"}`); s != 200 {
		t.Fatalf("cancel: %d %v", s, b)
	}
	inbox := "http://" + fr.addr + "/inbox"
	send := func(body []byte) {
		t.Helper()
		if s, b := post(t, inbox, body, peer.key, peer.keyID(), time.Now(), nil); s != 202 {
			t.Fatalf("post to fr's inbox: %d %s", s, b)
		}
	}
	m1, m2, m3 := peer.srv.URL+"/members/a", peer.srv.URL+"/members/b", peer.srv.URL+"/members/c"
	offer1 := activity(peer.srv.URL+"/activities/offer-1", "Offer", peer.actor(), interestDoc(peer.srv.URL+"/interests/1", m1), map[string]any{"target": oppAP})
	send(offer1)
	waitFor(t, 5*time.Second, "the Offer recorded", func() (bool, string) {
		got := interests(lead, oppID)
		return len(got) == 1 && got[0] == m1+"=pending", fmt.Sprint(got)
	})

	// Replays (same activity; same interest in a new activity), an
	// interest of another host's member, a closed opportunity: none is
	// recorded. A valid Offer sent last is the marker.
	send(offer1)
	send(activity(peer.srv.URL+"/activities/offer-1-again", "Offer", peer.actor(), interestDoc(peer.srv.URL+"/interests/1", m1), map[string]any{"target": oppAP}))
	send(activity(peer.srv.URL+"/activities/offer-2", "Offer", peer.actor(), interestDoc(peer.srv.URL+"/interests/2", "http://elsewhere.example/members/x"), map[string]any{"target": oppAP}))
	before := peer.received.Load()
	send(activity(peer.srv.URL+"/activities/offer-3", "Offer", peer.actor(), interestDoc(peer.srv.URL+"/interests/3", m2), map[string]any{"target": closedAP}))
	if s, b := post(t, inbox, activity(stranger.srv.URL+"/activities/offer-4", "Offer", stranger.actor(), interestDoc(stranger.srv.URL+"/interests/4", stranger.srv.URL+"/members/s"), map[string]any{"target": oppAP}),
		stranger.key, stranger.keyID(), time.Now(), nil); s != 403 {
		t.Errorf("a forged Offer from a non-peer: %d %s, want 403", s, b)
	}
	send(activity(peer.srv.URL+"/activities/offer-5", "Offer", peer.actor(), interestDoc(peer.srv.URL+"/interests/5", m3), map[string]any{"target": oppAP}))
	waitFor(t, 5*time.Second, "the marker Offer", func() (bool, string) {
		got := interests(lead, oppID)
		return len(got) == 2 && got[1] == m3+"=pending", fmt.Sprint(got)
	})
	if got := interests(lead, closedID); len(got) != 0 {
		t.Errorf("interests in the closed opportunity: %v", got)
	}
	waitFor(t, 5*time.Second, "a Reject of the Offer for the closed opportunity", func() (bool, string) {
		return peer.received.Load() > before, fmt.Sprint(peer.received.Load())
	})
}

// TestOfferAnswers has fr's member answer a peer's opportunity: only the
// origin may answer, and a replayed Accept or a late Reject changes
// nothing.
func TestOfferAnswers(t *testing.T) {
	fr := MustFederatedNode(t, "fr", "FR")
	origin, other := newFakePeer(t), newFakePeer(t)
	for _, p := range []*fakePeer{origin, other} {
		if s, b, _ := fr.admin.do("POST", "/api/v1/peers", `{"url":"`+p.actor()+`"}`); s != 201 {
			t.Fatalf("add a fake peer: %d %v", s, b)
		}
	}
	member, memberID := fr.memberClient(t, `{"name":"Video Coop","country":"FR","competences":["92111000"]}`)
	inbox := "http://" + fr.addr + "/inbox"
	send := func(p *fakePeer, body []byte) {
		t.Helper()
		if s, b := post(t, inbox, body, p.key, p.keyID(), time.Now(), nil); s != 202 {
			t.Fatalf("post to fr's inbox: %d %s", s, b)
		}
	}
	oppAP := origin.srv.URL + "/opportunities/7"
	deadline := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	send(origin, activity(origin.srv.URL+"/activities/create-7", "Create", origin.actor(), map[string]any{
		"id": oppAP, "type": []string{"Article", "Opportunity"}, "attributedTo": origin.srv.URL + "/members/lead",
		"name": "Video", "nameMap": map[string]string{"it": "Video"}, "summary": "Video", "content": "<p>Video</p>",
		"cpvCodes": []string{"92111000"}, "country": "IT", "deadline": deadline, "opportunityStatus": "active", "openToPartnersAbroad": true,
	}, nil))
	var oppID string
	waitFor(t, 5*time.Second, "the peer's opportunity on fr", func() (bool, string) {
		_, b, _ := fr.admin.do("GET", "/api/v1/opportunities?scope=cross-border", "")
		items, _ := b["items"].([]any)
		if len(items) != 1 {
			return false, fmt.Sprint(b)
		}
		oppID = items[0].(map[string]any)["id"].(string)
		return true, ""
	})
	before := origin.received.Load()
	s, in, _ := member.do("POST", "/api/v1/opportunities/"+oppID+"/interest", `{"competences":["92111000"]}`)
	if s != 201 {
		t.Fatalf("interest: %d %v", s, in)
	}
	waitFor(t, 5*time.Second, "the Offer delivered to the origin", func() (bool, string) {
		return origin.received.Load() > before, fmt.Sprint(origin.received.Load())
	})
	interestAP := in["ap_id"].(string)
	offerID := "http://" + fr.addr + "/activities/offer-" + in["id"].(string)
	answer := func(p *fakePeer, id, typ string) []byte {
		return activity(p.srv.URL+"/activities/"+id, typ, p.actor(), map[string]any{"id": offerID, "type": "Offer", "actor": fr.actor(), "object": interestAP}, nil)
	}
	state := func() string {
		_, o, _ := member.do("GET", "/api/v1/opportunities/"+oppID, "")
		ins, _ := o["interests"].([]any)
		if len(ins) != 1 {
			return fmt.Sprint(ins)
		}
		return fmt.Sprint(ins[0].(map[string]any)["state"])
	}
	// Another peer's Accept is not the origin's: refused. The marker is
	// a catalogue entry from that peer.
	send(other, answer(other, "accept-x", "Accept"))
	send(other, activity(other.srv.URL+"/activities/c1", "Create", other.actor(),
		map[string]any{"id": other.srv.URL + "/members/m", "type": "Organization", "name": "Marker", "country": "IT", "competences": []string{"72413000"}}, nil))
	waitFor(t, 5*time.Second, "the marker", func() (bool, string) {
		c := fr.catalogue("country=IT")
		return len(c) == 1, fmt.Sprint(c)
	})
	if got := state(); got != "pending" {
		t.Fatalf("after another peer's Accept the interest is %s, want pending", got)
	}
	send(origin, answer(origin, "accept-1", "Accept"))
	waitFor(t, 5*time.Second, "the Accept applied", func() (bool, string) {
		s := state()
		return s == "accepted", s
	})
	// A replayed Accept and a late Reject change nothing; the member got
	// one notice of the answer.
	send(origin, answer(origin, "accept-1", "Accept"))
	send(origin, answer(origin, "accept-2", "Accept"))
	send(origin, answer(origin, "reject-1", "Reject"))
	send(origin, activity(origin.srv.URL+"/activities/c2", "Create", origin.actor(),
		map[string]any{"id": origin.srv.URL + "/members/m2", "type": "Organization", "name": "Marker 2", "country": "IT", "competences": []string{"72413000"}}, nil))
	waitFor(t, 5*time.Second, "the second marker", func() (bool, string) {
		c := fr.catalogue("country=IT")
		return len(c) == 2, fmt.Sprint(c)
	})
	if got := state(); got != "accepted" {
		t.Errorf("after replays and a late Reject the interest is %s, want accepted", got)
	}
	waitFor(t, 5*time.Second, "the notices", func() (bool, string) {
		_, b, _ := member.do("GET", "/api/v1/notices", "")
		kinds := map[string]int{}
		items, _ := b["items"].([]any)
		for _, n := range items {
			kinds[n.(map[string]any)["kind"].(string)]++
		}
		return kinds["interest-answer"] == 1 && kinds["opportunity"] == 1, fmt.Sprint(kinds, memberID)
	})

	// Blocking the origin purges its opportunity, the interest in it and
	// the notices.
	var originID string
	_, peers, _ := fr.admin.do("GET", "/api/v1/peers", "")
	for _, p := range peers["items"].([]any) {
		if pm := p.(map[string]any); pm["url"] == origin.actor() {
			originID = fmt.Sprint(pm["id"])
		}
	}
	if s, b, _ := fr.admin.do("POST", "/api/v1/peers/"+originID+"/block", ""); s != 200 {
		t.Fatalf("block the origin: %d %v", s, b)
	}
	if s, b, _ := fr.admin.do("GET", "/api/v1/opportunities/"+oppID, ""); s != 404 {
		t.Errorf("the blocked peer's opportunity: %d %v, want 404", s, b)
	}
	_, b, _ := member.do("GET", "/api/v1/notices", "")
	for _, n := range b["items"].([]any) {
		if nm := n.(map[string]any); nm["kind"] == "opportunity" {
			t.Errorf("a notice of the blocked peer's opportunity is left: %v", nm)
		}
	}
}
