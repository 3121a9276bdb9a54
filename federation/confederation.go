package federation

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/e-toiles/etoiles/federation/httpsig"
	"github.com/e-toiles/etoiles/federation/trust"
	"github.com/e-toiles/etoiles/federation/vocab"
	"github.com/e-toiles/etoiles/node"
	ap "github.com/go-ap/activitypub"
)

// Settings keys.
const (
	settingCredential        = "admission_credential"
	settingConfederationKey  = "confederation_key"
	settingRevocations       = "revocations"
	admissionKeyFragment     = "#admission-key"
	confederationRole        = "confederation"
	maxAdmissionTTL          = 5 * 366 * 24 * time.Hour
	admittedCollectionSuffix = "/admitted"
)

// AdmissionStore keeps the credentials a confederation issued.
type AdmissionStore interface {
	CreateAdmission(ctx context.Context, a *node.Admission, ev node.Event) error
	RevokeAdmission(ctx context.Context, jti string, at time.Time, ev node.Event) error
	Admissions(ctx context.Context) ([]*node.Admission, error)
}

// IssueAdmission signs a credential admitting the node whose actor is at
// actor, records it and raises the event that announces it to the
// network. issuer is the confederation's actor URL. It works without a
// running node (etoiles admit): the relay publishes the event later.
func IssueAdmission(ctx context.Context, store AdmissionStore, key ed25519.PrivateKey, issuer, actor, country, name string, ttl time.Duration, now time.Time) (*node.Admission, error) {
	var p node.Problems
	if u, err := url.Parse(actor); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		p.Add("actor", "must be the national node's actor URL, such as https://it.example/actor")
	}
	country = strings.ToUpper(country)
	if !node.ValidCountry(country) {
		p.Add("country", "%q is not an ISO 3166-1 alpha-2 country code", country)
	}
	if strings.TrimSpace(name) == "" {
		p.Add("name", "is required")
	}
	if ttl <= 0 || ttl > maxAdmissionTTL {
		p.Add("ttl", "must be between 1s and %s", maxAdmissionTTL)
	}
	if key == nil {
		p.Add("role", "only a confederation node issues admission credentials")
	}
	if err := p.Err("issue admission"); err != nil {
		return nil, err
	}
	token, c, err := trust.Issue(key, trust.Claims{Issuer: issuer, Subject: actor, Country: country, Name: strings.TrimSpace(name), Expires: now.Add(ttl).Unix()}, now)
	if err != nil {
		return nil, err
	}
	a := &node.Admission{JTI: c.ID, Actor: actor, Country: country, Name: c.Name, IssuedAt: time.Unix(c.IssuedAt, 0).UTC(), ExpiresAt: c.ExpiresAt(), Credential: token}
	ev, err := node.NewEvent(node.SubjectAdmissionGranted, c.ID, now, a)
	if err != nil {
		return nil, err
	}
	if err := store.CreateAdmission(ctx, a, ev); err != nil {
		return nil, err
	}
	return a, nil
}

// Admit issues a credential from the running confederation node.
func (f *Federation) Admit(ctx context.Context, actor, country, name string, ttl time.Duration) (*node.Admission, error) {
	if f.cfg.Role != confederationRole {
		return nil, &node.Error{Code: node.EFORBIDDEN, Op: "admit", Message: "only a node with --role confederation admits national nodes"}
	}
	a, err := IssueAdmission(ctx, f.store, f.keys.Admission, f.uris.Actor(), actor, country, name, ttl, f.now())
	if err == nil && f.committed != nil {
		f.committed()
	}
	return a, err
}

// Revoke revokes a credential; the confederation announces it.
func (f *Federation) Revoke(ctx context.Context, jti string) error {
	if f.cfg.Role != confederationRole {
		return &node.Error{Code: node.EFORBIDDEN, Op: "revoke", Message: "only a node with --role confederation revokes admissions"}
	}
	now := f.now()
	ev, err := node.NewEvent(node.SubjectAdmissionRevoked, jti, now, map[string]string{"jti": jti})
	if err != nil {
		return err
	}
	if err := f.store.RevokeAdmission(ctx, jti, now, ev); err != nil {
		return err
	}
	if f.committed != nil {
		f.committed()
	}
	return nil
}

// ListAdmissions lists the issued credentials.
func (f *Federation) ListAdmissions(ctx context.Context) ([]*node.Admission, error) {
	return f.store.Admissions(ctx)
}

// revokedSet returns the revoked credential ids this node knows of.
func (f *Federation) revokedSet(ctx context.Context) map[string]bool {
	out := map[string]bool{}
	if f.cfg.Role == confederationRole {
		as, _ := f.store.Admissions(ctx)
		for _, a := range as {
			if a.RevokedAt != nil {
				out[a.JTI] = true
			}
		}
		return out
	}
	raw, _ := f.store.Setting(ctx, settingRevocations)
	var ids []string
	_ = json.Unmarshal([]byte(raw), &ids)
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// confederationKey returns the key that signs admission credentials: our
// own on the confederation, else the pinned one — given by
// --confederation-key, or fetched from the confederation's actor on first
// use and kept (trust on first use).
func (f *Federation) confederationKey(ctx context.Context) (ed25519.PublicKey, string, error) {
	if f.cfg.Role == confederationRole {
		if f.keys.Admission == nil {
			return nil, "", errors.New("no admission key")
		}
		return f.keys.Admission.Public().(ed25519.PublicKey), f.uris.Actor(), nil
	}
	if f.cfg.ConfederationURL == "" {
		return nil, "", &node.Error{Code: node.EUNAVAILABLE, Op: "confederation key", Message: "no --confederation is configured"}
	}
	pemText := f.cfg.ConfederationKey
	if pemText == "" {
		pemText, _ = f.store.Setting(ctx, settingConfederationKey)
	}
	if pemText == "" {
		body, err := f.client.Get(ctx, f.signer, f.cfg.ConfederationURL)
		if err != nil {
			return nil, "", &node.Error{Code: node.EUNAVAILABLE, Op: "confederation key", Message: fmt.Sprintf("cannot fetch the confederation at %s: %v", f.cfg.ConfederationURL, err)}
		}
		_, pemText, err = findKey(body, f.cfg.ConfederationURL+admissionKeyFragment)
		if err != nil {
			return nil, "", &node.Error{Code: node.EUNAVAILABLE, Op: "confederation key", Message: "the confederation's actor shows no admission key"}
		}
		if err := f.store.SetSetting(ctx, settingConfederationKey, pemText); err != nil {
			return nil, "", err
		}
		f.log.InfoContext(ctx, "confederation key pinned", "confederation", f.cfg.ConfederationURL)
	}
	k, err := httpsig.ParsePublicKeyPEM([]byte(pemText))
	pub, ok := k.(ed25519.PublicKey)
	if err != nil || !ok {
		return nil, "", fmt.Errorf("confederation key: not an Ed25519 public key")
	}
	return pub, f.cfg.ConfederationURL, nil
}

// verifyCredential checks a credential presented by subject.
func (f *Federation) verifyCredential(ctx context.Context, token, subject string) (*trust.Claims, error) {
	key, issuer, err := f.confederationKey(ctx)
	if err != nil {
		return nil, err
	}
	revoked := f.revokedSet(ctx)
	return trust.Verify(token, trust.Expectation{Key: key, Issuer: issuer, Subject: subject, Now: f.now(), Revoked: func(id string) bool { return revoked[id] }})
}

// admitIfCredentialed marks a peer admitted when the credential it shows
// verifies; a missing or bad credential leaves it as it is.
func (f *Federation) admitIfCredentialed(ctx context.Context, peer *node.Peer, credential string) error {
	if credential == "" || peer.Blocked || (f.cfg.ConfederationURL == "" && f.cfg.Role != confederationRole) {
		return nil
	}
	c, err := f.verifyCredential(ctx, credential, peer.ActorURL)
	if err != nil {
		f.log.InfoContext(ctx, "admission credential refused", "peer", peer.ActorURL, "err", err)
		return nil
	}
	peer.Admitted, peer.CredentialID = true, c.ID
	exp := c.ExpiresAt()
	peer.CredentialExpires = &exp
	return f.store.SetPeerAdmission(ctx, peer.ID, true, c.ID, exp)
}

// InstallCredential verifies this node's own credential and keeps it; the
// actor document shows it from then on, and the node peers with the
// network.
func (f *Federation) InstallCredential(ctx context.Context, token string) (*trust.Claims, error) {
	token = strings.TrimSpace(token)
	c, err := f.verifyCredential(ctx, token, f.uris.Actor())
	if err != nil {
		var ne *node.Error
		if errors.As(err, &ne) {
			return nil, err
		}
		var p node.Problems
		p.Add("credential", "%v", err)
		return nil, p.Err("install credential")
	}
	if err := f.store.SetSetting(ctx, settingCredential, token); err != nil {
		return nil, err
	}
	f.log.InfoContext(ctx, "admission credential installed", "jti", c.ID, "expires", c.ExpiresAt())
	return c, nil
}

// InstallCredentialAndPeer installs this node's credential (POST
// /api/v1/credential) and peers with the network in the background.
func (f *Federation) InstallCredentialAndPeer(ctx context.Context, token string) (*node.Admission, error) {
	if f.cfg.ConfederationURL == "" {
		return nil, &node.Error{Code: node.ECONFLICT, Op: "install credential", Message: "start the node with --confederation URL first"}
	}
	c, err := f.InstallCredential(ctx, token)
	if err != nil {
		return nil, err
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		if err := f.AutoPeer(bg); err != nil {
			f.log.WarnContext(bg, "auto-peering", "err", err)
		}
	}()
	return &node.Admission{JTI: c.ID, Actor: c.Subject, Country: c.Country, Name: c.Name, IssuedAt: time.Unix(c.IssuedAt, 0).UTC(), ExpiresAt: c.ExpiresAt()}, nil
}

// AutoPeer follows the confederation and every node it admitted. It runs
// at start and after a credential is installed; errors are logged and the
// next run tries again.
func (f *Federation) AutoPeer(ctx context.Context) error {
	_, err := f.autoPeer(ctx, autoPeerRetry(0))
	return err
}

// autoPeer is AutoPeer; it returns how many admitted nodes it could not
// reach (they are logged as "not reachable yet, retrying in retryIn").
func (f *Federation) autoPeer(ctx context.Context, retryIn time.Duration) (int, error) {
	if f.cfg.ConfederationURL == "" {
		return 0, nil
	}
	if cred, _ := f.store.Setting(ctx, settingCredential); cred == "" {
		return 0, nil
	}
	if _, err := f.AddPeer(ctx, f.cfg.ConfederationURL); err != nil {
		return 0, fmt.Errorf("peer with the confederation: %w", err)
	}
	if err := f.refreshRevocations(ctx); err != nil {
		f.log.WarnContext(ctx, "revocation list", "err", err)
	}
	body, err := f.client.Get(ctx, f.signer, strings.TrimSuffix(f.cfg.ConfederationURL, "/actor")+admittedCollectionSuffix)
	if err != nil {
		return 0, fmt.Errorf("admitted nodes: %w", err)
	}
	var coll struct {
		Items []struct {
			ID         string `json:"id"`
			Credential string `json:"admissionCredential"`
		} `json:"orderedItems"`
	}
	if err := json.Unmarshal(body, &coll); err != nil {
		return 0, fmt.Errorf("admitted nodes: %w", err)
	}
	left := 0
	for _, it := range coll.Items {
		if it.ID == f.uris.Actor() {
			continue
		}
		err := f.peerAdmitted(ctx, it.ID, it.Credential)
		switch {
		case err == nil:
			if f.peerReached(it.ID) {
				f.log.InfoContext(ctx, "peer reachable now, following", "peer", it.ID)
			}
		case isUnreachable(err):
			left++
			f.peerUnreachable(ctx, it.ID, retryIn, err)
		default:
			f.log.WarnContext(ctx, "auto-peering", "node", it.ID, "err", err)
		}
	}
	return left, nil
}

// peerAdmitted follows a node the confederation admitted, once its
// credential verifies; a blocked node stays blocked.
func (f *Federation) peerAdmitted(ctx context.Context, actor, credential string) error {
	if _, err := f.verifyCredential(ctx, credential, actor); err != nil {
		return err
	}
	info, err := f.fetchActor(ctx, actor)
	if err != nil {
		return err
	}
	peer, err := f.store.EnsurePeer(ctx, info.Peer)
	if err != nil || peer.Blocked {
		return err
	}
	if err := f.admitIfCredentialed(ctx, peer, info.credential); err != nil {
		return err
	}
	if !peer.Admitted {
		return fmt.Errorf("%s does not show the credential the confederation lists", actor)
	}
	peer.Inbox, peer.SharedInbox, peer.Name, peer.Country = info.Inbox, info.SharedInbox, info.Name, info.Country
	if peer.Outgoing == node.FollowAccepted || peer.Outgoing == node.FollowPending {
		return nil
	}
	return f.follow(ctx, peer)
}

// refreshRevocations fetches and verifies the confederation's revocation
// list, keeps it, and unpeers every peer whose credential it names.
func (f *Federation) refreshRevocations(ctx context.Context) error {
	if f.cfg.ConfederationURL == "" {
		return nil
	}
	key, issuer, err := f.confederationKey(ctx)
	if err != nil {
		return err
	}
	body, err := f.client.Get(ctx, f.signer, strings.TrimSuffix(f.cfg.ConfederationURL, "/actor")+"/revocations")
	if err != nil {
		return err
	}
	l, err := trust.VerifyRevocations(strings.TrimSpace(string(body)), key, issuer)
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(l.Revoked)
	if err := f.store.SetSetting(ctx, settingRevocations, string(raw)); err != nil {
		return err
	}
	return f.expireAdmissions(ctx)
}

// expireAdmissions unpeers the admitted peers whose credential expired or
// was revoked: they lose admission, and unless an admin allowed them by
// hand, their members leave the catalogue and nothing more is sent.
func (f *Federation) expireAdmissions(ctx context.Context) error {
	peers, err := f.store.Peers(ctx)
	if err != nil {
		return err
	}
	revoked := f.revokedSet(ctx)
	now := f.now()
	for _, p := range peers {
		if !p.Admitted {
			continue
		}
		expired := p.CredentialExpires != nil && !now.Before(*p.CredentialExpires)
		if !expired && !revoked[p.CredentialID] {
			continue
		}
		if err := f.store.SetPeerAdmission(ctx, p.ID, false, "", time.Time{}); err != nil {
			return err
		}
		f.log.InfoContext(ctx, "peer's admission ended", "peer", p.ActorURL, "expired", expired, "revoked", revoked[p.CredentialID])
		if p.Allowed {
			continue
		}
		if err := f.store.CancelDeliveries(ctx, p.ID, "admission ended"); err != nil {
			return err
		}
		if err := f.store.DeleteRemoteMembersOf(ctx, p.ActorURL); err != nil {
			return err
		}
		if err := f.store.DeleteRemoteOpportunitiesOf(ctx, p.ActorURL); err != nil {
			return err
		}
		if f.cfg.Market != nil {
			if err := f.cfg.Market.PurgeRemoteOf(ctx, p.ActorURL); err != nil {
				return err
			}
		}
	}
	return nil
}

// applyAnnouncement applies the confederation's Add (a node was admitted:
// follow it) and Remove (a credential was revoked: refresh the list).
func (f *Federation) applyAnnouncement(ctx context.Context, act *vocab.Item, actor string) error {
	if f.cfg.ConfederationURL == "" || actor != f.cfg.ConfederationURL {
		return refuse("%s from %s, which is not our confederation", firstType(act), actor)
	}
	obj := act.Object()
	if obj == nil {
		return refuse("%s without an object", firstType(act))
	}
	if act.Is("Remove") {
		return f.refreshRevocations(ctx)
	}
	if obj.ID() == f.uris.Actor() {
		return nil
	}
	var cred string
	if raw := obj.Get("admissionCredential"); raw != nil {
		_ = json.Unmarshal(raw, &cred)
	}
	return f.peerAdmitted(ctx, obj.ID(), cred)
}

// announceAdmission tells the network about an admission event: Add when
// a node is admitted, Remove when its credential is revoked.
func (f *Federation) announceAdmission(ctx context.Context, ev node.Event) error {
	var a node.Admission
	if err := json.Unmarshal(ev.Data, &a); err != nil {
		return &permanentError{err}
	}
	typ := "Add"
	obj := any(a.Actor)
	if ev.Subject == node.SubjectAdmissionRevoked {
		typ = "Remove"
		as, err := f.store.Admissions(ctx)
		if err != nil {
			return err
		}
		for _, x := range as {
			if x.JTI == ev.AggregateID {
				obj = x.Actor
			}
		}
	} else {
		obj = vocab.NewObject("Group", a.Actor).Set("admissionCredential", a.Credential).Set("country", a.Country)
	}
	id := f.uris.EventActivity(ev.ID)
	act := vocab.NewActivity(typ, id, f.uris.Actor(), obj)
	if a, ok := act.AP().(*ap.Activity); ok {
		a.Target = ap.IRI(f.uris.Base + admittedCollectionSuffix)
	}
	peers, err := f.businessPeers(ctx)
	if err != nil {
		return err
	}
	return f.publish(ctx, id, act, peers, false)
}

// serveAdmitted lists the admitted nodes with their credentials: public,
// since a credential proves nothing without the confederation's key.
func (f *Federation) serveAdmitted(w http.ResponseWriter, r *http.Request) {
	if f.cfg.Role != confederationRole {
		writeProblem(w, 404, "this node is not a confederation")
		return
	}
	as, err := f.store.Admissions(r.Context())
	if err != nil {
		writeProblem(w, 500, "admissions unavailable")
		return
	}
	now := f.now()
	items := []map[string]string{}
	for _, a := range as {
		if a.RevokedAt == nil && now.Before(a.ExpiresAt) {
			items = append(items, map[string]string{"id": a.Actor, "type": "Group", "admissionCredential": a.Credential, "country": a.Country, "name": a.Name})
		}
	}
	body, _ := json.Marshal(map[string]any{
		"@context": []any{vocab.ActivityStreams, map[string]string{"etoiles": vocab.Namespace, "admissionCredential": "etoiles:admissionCredential", "country": "etoiles:country"}},
		"id":       f.uris.Base + admittedCollectionSuffix, "type": "OrderedCollection", "totalItems": len(items), "orderedItems": items,
	})
	writeAP(w, 200, body)
}

// serveRevocations publishes the signed list of revoked credential ids.
func (f *Federation) serveRevocations(w http.ResponseWriter, r *http.Request) {
	if f.cfg.Role != confederationRole || f.keys.Admission == nil {
		writeProblem(w, 404, "this node is not a confederation")
		return
	}
	var ids []string
	for id := range f.revokedSet(r.Context()) {
		ids = append(ids, id)
	}
	tok, err := trust.SignRevocations(f.keys.Admission, f.uris.Actor(), ids, f.now())
	if err != nil {
		writeProblem(w, 500, "revocation list unavailable")
		return
	}
	w.Header().Set("Content-Type", "application/jwt")
	_, _ = w.Write([]byte(tok))
}
