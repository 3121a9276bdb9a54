package httpsig

import (
	"crypto"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// hasBody reports whether a request carries a body for the purpose of
// digests: a non-empty body, or a method that sends one.
func hasBody(method string, body []byte) bool {
	switch method {
	case http.MethodPost, http.MethodPut, http.MethodPatch:
		return true
	}
	return len(body) > 0
}

// Sign signs r with a draft-cavage-12 Signature header, as Mastodon does.
//
// It sets Date to now, and on a request with a body (see the package
// documentation) it sets Digest to [Digest](body). It then signs
// "(request-target) host date", followed on a request with a body by
// "digest" and, when set, "content-type", and on other requests by
// "accept" when set. The host is r.Host, or r.URL.Host when r.Host is
// empty, which is what net/http sends. The (request-target) is the method
// in lowercase and r.URL.RequestURI().
//
// An RSA key signs with algorithm="rsa-sha256" (PKCS#1 v1.5, SHA-256). An
// Ed25519 or ECDSA P-256 key signs with algorithm="hs2019", which peers
// resolve from the key type (ECDSA signatures are ASN.1 DER). Sign neither
// reads nor sets r.Body: body must be the bytes the caller sends.
func Sign(r *http.Request, body []byte, key crypto.Signer, keyID string, now time.Time) error {
	alg, ok := signatureAlgorithm(key)
	if !ok || alg == AlgECDSAP384SHA384 {
		return fail(ErrUnsupportedAlg, "cannot sign draft-cavage with this key type")
	}
	label := "hs2019"
	if alg == AlgRSAPKCS1v15SHA256 {
		label = "rsa-sha256"
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	p := &CavageParams{KeyID: keyID, Algorithm: label}
	p.Headers = append(make([]string, 0, 6), "(request-target)", "host", "date")
	if hasBody(r.Method, body) {
		r.Header.Set("Digest", Digest(body))
		p.Headers = append(p.Headers, "digest")
		if r.Header.Get("Content-Type") != "" {
			p.Headers = append(p.Headers, "content-type")
		}
	} else if r.Header.Get("Accept") != "" {
		p.Headers = append(p.Headers, "accept")
	}
	m := requestMessage(r, "")
	if m.host == "" {
		return fail(ErrMissing, "request has no host")
	}
	s, err := p.signingString(m, m.requestTarget())
	if err != nil {
		return err
	}
	sig, serr := createSignature(alg, key, []byte(s), true)
	if serr != nil {
		return failWrap(ErrKey, "sign", serr)
	}
	var b strings.Builder
	b.Grow(100 + len(keyID) + len(sig)*4/3)
	b.WriteString(`keyId="`)
	b.WriteString(quoteEscaper.Replace(keyID))
	b.WriteString(`",algorithm="`)
	b.WriteString(label)
	b.WriteString(`",headers="`)
	b.WriteString(strings.Join(p.Headers, " "))
	b.WriteString(`",signature="`)
	b.WriteString(base64.StdEncoding.EncodeToString(sig))
	b.WriteString(`"`)
	r.Header.Set("Signature", b.String())
	return nil
}

var quoteEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// SignRFC9421 signs r with RFC 9421 Signature-Input and Signature headers
// under the label "sig1", the way Fedify first knocks. It sets Date to now
// and, on a request with a body, Content-Digest to [ContentDigest](body).
// The covered components are "@method" "@target-uri" "@authority", plus
// "content-digest" with a body; the parameters are created (now), keyid
// and alg. The algorithm follows the key: rsa-v1_5-sha256 for RSA,
// ed25519, ecdsa-p256-sha256 or ecdsa-p384-sha384. The scheme of
// @target-uri is r.URL.Scheme. Like [Sign], it leaves r.Body alone.
func SignRFC9421(r *http.Request, body []byte, key crypto.Signer, keyID string, now time.Time) error {
	alg, ok := signatureAlgorithm(key)
	if !ok {
		return fail(ErrUnsupportedAlg, "cannot sign RFC 9421 with this key type")
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	r.Header.Set("Date", now.UTC().Format(http.TimeFormat))
	in := &SignatureInput{
		Label:      "sig1",
		Components: []Component{{Name: "@method"}, {Name: "@target-uri"}, {Name: "@authority"}},
		Params: []Param{
			{Key: "created", Value: now.Unix()},
			{Key: "keyid", Value: keyID},
			{Key: "alg", Value: alg},
		},
	}
	if hasBody(r.Method, body) {
		r.Header.Set("Content-Digest", ContentDigest(body))
		in.Components = append(in.Components, Component{Name: "content-digest"})
	}
	m := requestMessage(r, "")
	if m.host == "" {
		return fail(ErrMissing, "request has no host")
	}
	base, err := signatureBase(m, in)
	if err != nil {
		return err
	}
	sig, serr := createSignature(alg, key, base, false)
	if serr != nil {
		return failWrap(ErrKey, "sign", serr)
	}
	params, _ := in.appendSignatureParams([]byte(in.Label + "="))
	r.Header.Set("Signature-Input", string(params))
	r.Header.Set("Signature", in.Label+"=:"+base64.StdEncoding.EncodeToString(sig)+":")
	return nil
}
