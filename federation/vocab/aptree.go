package vocab

import (
	"fmt"
	"reflect"
	"time"

	ap "github.com/go-ap/activitypub"
)

// go-ap writes JSON by concatenating strings: an IRI or a type holding a
// quote is written unescaped, so that a value could add members to the
// document (issue #22). The Builder therefore never lets go-ap write: it
// reads the go-ap value into a JSON tree here, and appendCanonical encodes
// the tree, escaping every string. The members written are the ones go-ap
// would write, with the same values, so honest documents are unchanged.

// apTree returns it as a JSON tree: a string for an IRI, an array for a
// collection of items, an object for an object, actor, activity,
// tombstone or link. A go-ap value this function does not know, or a
// property it cannot write, is an error rather than a silent omission.
func apTree(it ap.Item) (any, error) {
	switch v := it.(type) {
	case nil:
		return nil, nil
	case ap.IRI:
		return string(v), nil
	case ap.ItemCollection:
		return collectionTree(v)
	case *ap.ItemCollection:
		if v == nil {
			return nil, nil
		}
		return collectionTree(*v)
	case *ap.Object:
		doc := map[string]any{}
		return doc, objectTree(doc, v)
	case *ap.Actor:
		return actorTree(v)
	case *ap.Activity:
		doc := map[string]any{}
		if err := intransitiveTree(doc, func() error {
			return ap.OnObject(v, func(o *ap.Object) error { return objectTree(doc, o) })
		}, v.Actor, v.Target, v.Result, v.Origin, v.Instrument); err != nil {
			return nil, err
		}
		return doc, setItem(doc, "object", v.Object)
	case *ap.IntransitiveActivity:
		doc := map[string]any{}
		return doc, intransitiveTree(doc, func() error {
			return ap.OnObject(v, func(o *ap.Object) error { return objectTree(doc, o) })
		}, v.Actor, v.Target, v.Result, v.Origin, v.Instrument)
	case *ap.Tombstone:
		doc := map[string]any{}
		if err := ap.OnObject(v, func(o *ap.Object) error { return objectTree(doc, o) }); err != nil {
			return nil, err
		}
		if v.FormerType != "" {
			doc["formerType"] = string(v.FormerType)
		}
		setTime(doc, "deleted", v.Deleted)
		return doc, nil
	case *ap.Link:
		return linkTree(v)
	}
	// go-ap's decoder builds some IRIs through reflection, with a type
	// that a type switch does not match; read any string kind as an IRI.
	if rv := reflect.ValueOf(it); rv.Kind() == reflect.String {
		return rv.String(), nil
	}
	return nil, fmt.Errorf("vocab: cannot write a go-ap %T", it)
}

func collectionTree(c ap.ItemCollection) (any, error) {
	out := make([]any, 0, len(c))
	for _, it := range c {
		t, err := apTree(it)
		if err != nil {
			return nil, err
		}
		if t != nil {
			out = append(out, t)
		}
	}
	return out, nil
}

func setItem(doc map[string]any, term string, it ap.Item) error {
	if it == nil {
		return nil
	}
	t, err := apTree(it)
	if err != nil {
		return fmt.Errorf("%s: %w", term, err)
	}
	if t != nil {
		doc[term] = t
	}
	return nil
}

// setItems writes a collection as an array, even with one element.
func setItems(doc map[string]any, term string, c ap.ItemCollection) error {
	if len(c) == 0 {
		return nil
	}
	t, err := collectionTree(c)
	if err != nil {
		return fmt.Errorf("%s: %w", term, err)
	}
	doc[term] = t
	return nil
}

func setTime(doc map[string]any, term string, t time.Time) {
	if !t.IsZero() {
		doc[term] = t.UTC().Format(time.RFC3339)
	}
}

// setNatural writes a natural language value as go-ap does: one value as a
// plain string, several as a termMap object keyed by language.
func setNatural(doc map[string]any, term string, nl ap.NaturalLanguageValues) {
	switch {
	case len(nl) == 0:
	case len(nl) == 1:
		if len(nl[0].Value) > 0 {
			doc[term] = string(nl[0].Value)
		}
	default:
		m := map[string]any{}
		for _, v := range nl {
			if len(v.Ref) > 0 && len(v.Value) > 0 {
				m[string(v.Ref)] = string(v.Value)
			}
		}
		if len(m) > 0 {
			doc[term+"Map"] = m
		}
	}
}

func objectTree(doc map[string]any, o *ap.Object) error {
	if o.ID != "" {
		doc["id"] = string(o.ID)
	}
	if o.Type != "" {
		doc["type"] = string(o.Type)
	}
	if o.MediaType != "" {
		doc["mediaType"] = string(o.MediaType)
	}
	setNatural(doc, "name", o.Name)
	setNatural(doc, "summary", o.Summary)
	setNatural(doc, "content", o.Content)
	for _, p := range []struct {
		term string
		it   ap.Item
	}{
		{"attachment", o.Attachment}, {"attributedTo", o.AttributedTo}, {"context", o.Context},
		{"generator", o.Generator}, {"icon", o.Icon}, {"image", o.Image}, {"inReplyTo", o.InReplyTo},
		{"location", o.Location}, {"preview", o.Preview}, {"replies", o.Replies}, {"url", o.URL},
		{"likes", o.Likes}, {"shares", o.Shares},
	} {
		if err := setItem(doc, p.term, p.it); err != nil {
			return err
		}
	}
	if len(o.Audience) > 0 {
		if err := setItem(doc, "audience", o.Audience); err != nil {
			return err
		}
	}
	for _, p := range []struct {
		term string
		c    ap.ItemCollection
	}{{"tag", o.Tag}, {"to", o.To}, {"bto", o.Bto}, {"cc", o.CC}, {"bcc", o.BCC}} {
		if err := setItems(doc, p.term, p.c); err != nil {
			return err
		}
	}
	setTime(doc, "published", o.Published)
	setTime(doc, "updated", o.Updated)
	setTime(doc, "startTime", o.StartTime)
	setTime(doc, "endTime", o.EndTime)
	if o.Duration != 0 {
		return fmt.Errorf("vocab: cannot write a go-ap duration; use SetAS")
	}
	if len(o.Source.Content) > 0 || o.Source.MediaType != "" {
		return fmt.Errorf("vocab: cannot write a go-ap source; use Set")
	}
	return nil
}

func intransitiveTree(doc map[string]any, object func() error, actor, target, result, origin, instrument ap.Item) error {
	if err := object(); err != nil {
		return err
	}
	for _, p := range []struct {
		term string
		it   ap.Item
	}{{"actor", actor}, {"target", target}, {"result", result}, {"origin", origin}, {"instrument", instrument}} {
		if err := setItem(doc, p.term, p.it); err != nil {
			return err
		}
	}
	return nil
}

func actorTree(a *ap.Actor) (any, error) {
	doc := map[string]any{}
	if err := ap.OnObject(a, func(o *ap.Object) error { return objectTree(doc, o) }); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		term string
		it   ap.Item
	}{{"inbox", a.Inbox}, {"outbox", a.Outbox}, {"following", a.Following}, {"followers", a.Followers}, {"liked", a.Liked}} {
		if err := setItem(doc, p.term, p.it); err != nil {
			return nil, err
		}
	}
	if a.PreferredUsername != nil {
		setNatural(doc, "preferredUsername", a.PreferredUsername)
	}
	if e := a.Endpoints; e != nil {
		ep := map[string]any{}
		for _, p := range []struct {
			term string
			it   ap.Item
		}{
			{"oauthAuthorizationEndpoint", e.OauthAuthorizationEndpoint}, {"oauthTokenEndpoint", e.OauthTokenEndpoint},
			{"provideClientKey", e.ProvideClientKey}, {"signClientKey", e.SignClientKey},
			{"sharedInbox", e.SharedInbox}, {"uploadMedia", e.UploadMedia},
		} {
			if err := setItem(ep, p.term, p.it); err != nil {
				return nil, fmt.Errorf("endpoints: %w", err)
			}
		}
		if len(ep) > 0 {
			doc["endpoints"] = ep
		}
	}
	if err := setItems(doc, "streams", a.Streams); err != nil {
		return nil, err
	}
	if k := a.PublicKey; len(k.PublicKeyPem)+len(k.ID) > 0 {
		pk := map[string]any{}
		if k.ID != "" {
			pk["id"] = string(k.ID)
		}
		if k.Owner != "" {
			pk["owner"] = string(k.Owner)
		}
		if k.PublicKeyPem != "" {
			pk["publicKeyPem"] = k.PublicKeyPem
		}
		doc["publicKey"] = pk
	}
	return doc, nil
}

func linkTree(l *ap.Link) (any, error) {
	doc := map[string]any{}
	if l.ID != "" {
		doc["id"] = string(l.ID)
	}
	if l.Type != "" {
		doc["type"] = string(l.Type)
	}
	if l.MediaType != "" {
		doc["mediaType"] = string(l.MediaType)
	}
	setNatural(doc, "name", l.Name)
	if l.Href != "" {
		doc["href"] = string(l.Href)
	}
	if l.HrefLang != "" {
		doc["hrefLang"] = string(l.HrefLang)
	}
	if len(l.Rel) > 0 || l.Height > 0 || l.Width > 0 || l.Preview != nil {
		return nil, fmt.Errorf("vocab: cannot write a go-ap link with rel, size or preview; use Set")
	}
	return doc, nil
}
