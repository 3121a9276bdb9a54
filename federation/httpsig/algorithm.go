package httpsig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"math/big"
)

// Algorithm names, as RFC 9421 §6.2.2 registers them, plus
// AlgRSAPKCS1v15SHA512. [Result.Algorithm] always holds one of these,
// whatever label the peer sent.
const (
	AlgRSAPKCS1v15SHA256 = "rsa-v1_5-sha256"
	AlgRSAPSSSHA512      = "rsa-pss-sha512"
	AlgECDSAP256SHA256   = "ecdsa-p256-sha256"
	AlgECDSAP384SHA384   = "ecdsa-p384-sha384"
	AlgEd25519           = "ed25519"
	// AlgRSAPKCS1v15SHA512 is draft-cavage's rsa-sha512, which RFC 9421
	// does not register.
	AlgRSAPKCS1v15SHA512 = "rsa-v1_5-sha512"
)

// cavageAlgorithms maps draft-cavage algorithm labels to the algorithms
// tried. hs2019 and an absent label are resolved from the key type by
// [algorithmsForKey]. hmac-sha256 is not accepted.
var cavageAlgorithms = map[string][]string{
	"rsa-sha256":   {AlgRSAPKCS1v15SHA256},
	"rsa-sha512":   {AlgRSAPKCS1v15SHA512},
	"ed25519":      {AlgEd25519},
	"ecdsa-sha256": {AlgECDSAP256SHA256},
}

// rfc9421Algorithms lists the RFC 9421 alg values accepted. hmac-sha256 is
// not: a shared secret means nothing between Fediverse peers.
var rfc9421Algorithms = map[string]bool{
	AlgRSAPKCS1v15SHA256: true,
	AlgRSAPSSSHA512:      true,
	AlgECDSAP256SHA256:   true,
	AlgECDSAP384SHA384:   true,
	AlgEd25519:           true,
}

// algorithmsForKey returns the algorithms to try when the label does not
// name one (cavage hs2019 or no label; RFC 9421 without alg). For RSA keys
// it tries PKCS#1 v1.5 with SHA-256 first, which is what Mastodon and
// GoToSocial sign under hs2019, then RSASSA-PSS with SHA-512, which is what
// draft-cavage-12 defines hs2019 to be.
func algorithmsForKey(pub crypto.PublicKey) []string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return []string{AlgRSAPKCS1v15SHA256, AlgRSAPSSSHA512}
	case ed25519.PublicKey:
		return []string{AlgEd25519}
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return []string{AlgECDSAP256SHA256}
		case elliptic.P384():
			return []string{AlgECDSAP384SHA384}
		}
	}
	return nil
}

// verifySignature checks sig over msg with pub under alg. ECDSA signatures
// are raw r‖s (RFC 9421) unless der is set (draft-cavage), in which case
// ASN.1 DER is tried too. It returns ErrKey when pub does not fit alg, and
// ErrBadSignature when the signature does not verify.
func verifySignature(alg string, pub crypto.PublicKey, msg, sig []byte, der bool) *Error {
	wrongKey := fail(ErrKey, "key type does not fit algorithm "+alg)
	bad := fail(ErrBadSignature, "signature does not verify ("+alg+")")
	switch alg {
	case AlgRSAPKCS1v15SHA256, AlgRSAPKCS1v15SHA512, AlgRSAPSSSHA512:
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return wrongKey
		}
		var err error
		switch alg {
		case AlgRSAPKCS1v15SHA256:
			h := sha256.Sum256(msg)
			err = rsa.VerifyPKCS1v15(k, crypto.SHA256, h[:], sig)
		case AlgRSAPKCS1v15SHA512:
			h := sha512.Sum512(msg)
			err = rsa.VerifyPKCS1v15(k, crypto.SHA512, h[:], sig)
		default:
			h := sha512.Sum512(msg)
			err = rsa.VerifyPSS(k, crypto.SHA512, h[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
		}
		if err != nil {
			return bad
		}
		return nil
	case AlgEd25519:
		k, ok := pub.(ed25519.PublicKey)
		if !ok || len(k) != ed25519.PublicKeySize {
			return wrongKey
		}
		if !ed25519.Verify(k, msg, sig) {
			return bad
		}
		return nil
	case AlgECDSAP256SHA256, AlgECDSAP384SHA384:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return wrongKey
		}
		var h []byte
		var size int
		if alg == AlgECDSAP256SHA256 {
			if k.Curve != elliptic.P256() {
				return wrongKey
			}
			s := sha256.Sum256(msg)
			h, size = s[:], 32
		} else {
			if k.Curve != elliptic.P384() {
				return wrongKey
			}
			s := sha512.Sum384(msg)
			h, size = s[:], 48
		}
		if len(sig) == 2*size {
			if asn, err := rawToASN1(sig); err == nil && ecdsa.VerifyASN1(k, h, asn) {
				return nil
			}
		}
		if der && ecdsa.VerifyASN1(k, h, sig) {
			return nil
		}
		return bad
	}
	return fail(ErrUnsupportedAlg, "algorithm "+alg)
}

type ecdsaSig struct{ R, S *big.Int }

func rawToASN1(sig []byte) ([]byte, error) {
	n := len(sig) / 2
	return asn1.Marshal(ecdsaSig{new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])})
}

func asn1ToRaw(der []byte, size int) ([]byte, bool) {
	var s ecdsaSig
	rest, err := asn1.Unmarshal(der, &s)
	if err != nil || len(rest) != 0 || s.R == nil || s.S == nil || s.R.Sign() <= 0 || s.S.Sign() <= 0 ||
		s.R.BitLen() > 8*size || s.S.BitLen() > 8*size {
		return nil, false
	}
	out := make([]byte, 2*size)
	s.R.FillBytes(out[:size])
	s.S.FillBytes(out[size:])
	return out, true
}

// signatureAlgorithm picks the algorithm used to sign with key: the one
// named by algorithmsForKey first.
func signatureAlgorithm(key crypto.Signer) (string, bool) {
	algs := algorithmsForKey(key.Public())
	if len(algs) == 0 {
		return "", false
	}
	return algs[0], true
}

// createSignature signs msg with key under alg. ECDSA signatures come out
// raw (r‖s) unless der is set.
func createSignature(alg string, key crypto.Signer, msg []byte, der bool) ([]byte, error) {
	switch alg {
	case AlgRSAPKCS1v15SHA256:
		h := sha256.Sum256(msg)
		return key.Sign(rand.Reader, h[:], crypto.SHA256)
	case AlgRSAPKCS1v15SHA512:
		h := sha512.Sum512(msg)
		return key.Sign(rand.Reader, h[:], crypto.SHA512)
	case AlgRSAPSSSHA512:
		h := sha512.Sum512(msg)
		return key.Sign(rand.Reader, h[:], &rsa.PSSOptions{SaltLength: 64, Hash: crypto.SHA512})
	case AlgEd25519:
		return key.Sign(rand.Reader, msg, crypto.Hash(0))
	case AlgECDSAP256SHA256, AlgECDSAP384SHA384:
		var h []byte
		var size int
		var hash crypto.Hash
		if alg == AlgECDSAP256SHA256 {
			s := sha256.Sum256(msg)
			h, size, hash = s[:], 32, crypto.SHA256
		} else {
			s := sha512.Sum384(msg)
			h, size, hash = s[:], 48, crypto.SHA384
		}
		sig, err := key.Sign(rand.Reader, h, hash)
		if err != nil || der {
			return sig, err
		}
		raw, ok := asn1ToRaw(sig, size)
		if !ok {
			return nil, fail(ErrMalformed, "ecdsa signer returned a signature that is not ASN.1 DER")
		}
		return raw, nil
	}
	return nil, fail(ErrUnsupportedAlg, "cannot sign with "+alg)
}
