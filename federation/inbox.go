package federation

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/e-toiles/etoiles/federation/httpsig"
	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/internal/ratelimit"
	"github.com/e-toiles/etoiles/node"
)

// MaxInboxBytes caps an inbound activity.
const MaxInboxBytes = 256 << 10

// serveInbox verifies an inbound activity and appends it to the inbox
// log; the processor applies it later. Answers: 202 on disk; 400 unreadable activity; 401
// unverifiable signature (peers such as Fedify then retry with another
// signature scheme); 403 blocked host or not an allowed peer; 413 too
// large; 429 over the host's rate, or the backlog
// is full; 503 the log could not be written.
func (f *Federation) serveInbox(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if f.cfg.Inbox.Backlog() >= int64(f.cfg.InboxBacklog) {
		// Refused before any work: the peer retries later, and nothing
		// it sent is lost.
		f.inStats.refused.Add(1)
		w.Header().Set("Retry-After", inboxRetryAfter)
		writeProblem(w, 429, "this node has too many activities waiting to be applied; retry later")
		return
	}
	client := ratelimit.ClientKey(r, f.cfg.TrustedProxies)
	if !f.limiter.addrs.Allow(client, f.now()) {
		w.Header().Set("Retry-After", "10")
		writeProblem(w, 429, "too many requests from "+client)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxInboxBytes))
	if err != nil {
		writeProblem(w, 413, fmt.Sprintf("activity larger than %d bytes", MaxInboxBytes))
		return
	}
	act, err := vocab.Decode(body)
	if err != nil {
		writeProblem(w, 400, "unreadable activity: "+err.Error())
		return
	}
	actor := act.Actor()
	if act.ID() == "" || actor == "" {
		writeProblem(w, 400, "an activity needs an id and one actor")
		return
	}
	if blocked, err := f.store.HostBlocked(ctx, hostOf(actor)); err != nil || blocked {
		writeProblem(w, 403, "this node does not accept activities from "+hostOf(actor))
		return
	}
	res, err := f.cfg.Verifier.Verify(r, body, httpsig.KeyGetterFunc(f.getKey))
	if err != nil {
		f.log.InfoContext(ctx, "inbox: signature refused", "actor", actor, "err", err)
		writeProblem(w, 401, "signature not verified: "+err.Error())
		return
	}
	if res.Owner != actor {
		writeProblem(w, 401, fmt.Sprintf("the key %s belongs to %s, not to the activity's actor %s", res.KeyID, res.Owner, actor))
		return
	}
	if !f.limiter.signers.Allow(res.Owner, f.now()) {
		w.Header().Set("Retry-After", "10")
		writeProblem(w, 429, "too many requests from "+res.Owner)
		return
	}
	if !act.Is("Follow") {
		p, err := f.store.PeerByActor(ctx, actor)
		// A public follower may unfollow; everything else needs a peer.
		publicUndo := err == nil && act.Is("Undo") && p.Incoming == node.FollowAccepted && !p.Blocked
		if !publicUndo && (err != nil || !p.Trusted()) {
			writeProblem(w, 403, actor+" is not an allowed peer of this node")
			return
		}
	}
	if act.Is("Create") || act.Is("Update") || act.Is("Delete") {
		if obj := act.Object(); obj == nil || !sameHost(obj.ID(), actor) {
			writeProblem(w, 403, fmt.Sprintf("%s may only create, update or delete objects of its own host", actor))
			return
		}
	}
	added, err := f.cfg.Inbox.Append(ctx, &node.Inbound{ActivityID: act.ID(), Signer: res.Owner, Received: f.now().UTC(), Body: body})
	if err != nil {
		f.log.ErrorContext(ctx, "inbox: log", "err", err)
		writeProblem(w, 503, "the inbox log is unavailable; retry later")
		return
	}
	if added {
		f.inStats.accepted.Add(1)
		f.wakeProcessor()
	}
	// The activity is on disk: it will be applied, even if this process
	// dies now.
	w.WriteHeader(http.StatusAccepted)
}

// verifyPeerGet checks that a GET is signed by an allowed, unblocked
// peer, and returns it, or the status to answer.
func (f *Federation) verifyPeerGet(r *http.Request) (*node.Peer, int, error) {
	res, err := f.cfg.Verifier.Verify(r, nil, httpsig.KeyGetterFunc(f.getKey))
	if err != nil {
		return nil, 401, fmt.Errorf("a signed GET from an admitted peer is required: %w", err)
	}
	p, err := f.store.PeerByActor(r.Context(), res.Owner)
	if err != nil || !p.Trusted() {
		return nil, 403, fmt.Errorf("%s is not an allowed peer of this node", res.Owner)
	}
	return p, 0, nil
}

// getKey resolves a keyId to a public key and its owner: from the cache
// while fresh, else by fetching the key's document (the actor, or the key
// itself) with a signed GET. refresh forces a fetch: the key may have
// rotated.
func (f *Federation) getKey(ctx context.Context, keyID string, refresh bool) (crypto.PublicKey, string, error) {
	if err := f.client.CheckURL(keyID); err != nil {
		return nil, "", err
	}
	unlock := f.keyFetch.lock(keyID)
	defer unlock()
	owner, pemText, fetched, cerr := f.store.CachedKey(ctx, keyID)
	if !refresh && cerr == nil && f.now().Sub(fetched) < f.cfg.KeyTTL {
		k, err := httpsig.ParsePublicKeyPEM([]byte(pemText))
		return k, owner, err
	}
	if !f.keyFetch.allow(keyID) {
		if cerr == nil {
			// Fetched a moment ago (perhaps by a request that arrived
			// together with this one): use that key; a signature it does
			// not verify is refused with 401.
			k, err := httpsig.ParsePublicKeyPEM([]byte(pemText))
			return k, owner, err
		}
		return nil, "", fmt.Errorf("%s: %w", keyID, ErrKeyCooldown)
	}
	doc := keyID
	if u, err := url.Parse(keyID); err == nil {
		u.Fragment = ""
		doc = u.String()
	}
	body, err := f.client.Get(ctx, f.signer, doc)
	if err != nil {
		return nil, "", fmt.Errorf("fetch key %s: %w", keyID, err)
	}
	owner, pemText, err = findKey(body, keyID)
	if err != nil {
		return nil, "", err
	}
	if !sameHost(owner, keyID) {
		return nil, "", fmt.Errorf("key %s claims owner %s on another host", keyID, owner)
	}
	k, err := httpsig.ParsePublicKeyPEM([]byte(pemText))
	if err != nil {
		return nil, "", fmt.Errorf("key %s: %w", keyID, err)
	}
	if err := f.store.CacheKey(ctx, keyID, owner, pemText); err != nil {
		return nil, "", err
	}
	return k, owner, nil
}

type publicKey struct {
	ID    string `json:"id"`
	Owner string `json:"owner"`
	PEM   string `json:"publicKeyPem"`
}

// findKey finds keyID in an actor document (publicKey as an object or an
// array, or our ed25519Key) or in a key document.
func findKey(body []byte, keyID string) (owner, pem string, err error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", "", fmt.Errorf("key document: %w", err)
	}
	var cands []publicKey
	var self publicKey
	if json.Unmarshal(body, &self) == nil && self.PEM != "" {
		cands = append(cands, self)
	}
	for _, term := range []string{"publicKey", "etoiles:ed25519Key", "etoiles:admissionKey"} {
		raw := doc[term]
		var one publicKey
		var many []publicKey
		if json.Unmarshal(raw, &one) == nil && one.ID != "" {
			cands = append(cands, one)
		} else if json.Unmarshal(raw, &many) == nil {
			cands = append(cands, many...)
		}
	}
	for _, k := range cands {
		if k.ID == keyID && k.PEM != "" {
			if k.Owner == "" {
				var id string
				_ = json.Unmarshal(doc["id"], &id)
				k.Owner = id
			}
			return k.Owner, k.PEM, nil
		}
	}
	return "", "", errors.New("key " + keyID + " not found in its document")
}
