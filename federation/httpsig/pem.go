package httpsig

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
)

// ParsePublicKeyPEM returns the first public key found in PEM data: a
// "PUBLIC KEY" block (SubjectPublicKeyInfo, as in an actor's publicKeyPem)
// or an "RSA PUBLIC KEY" block (PKCS#1). Other blocks are skipped. The key
// is an *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey.
func ParsePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, errors.New("httpsig: no public key PEM block")
		}
		switch b.Type {
		case "PUBLIC KEY":
			k, err := x509.ParsePKIXPublicKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("httpsig: parse public key: %w", err)
			}
			return k, nil
		case "RSA PUBLIC KEY":
			k, err := x509.ParsePKCS1PublicKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("httpsig: parse rsa public key: %w", err)
			}
			return k, nil
		}
	}
}

// oidRSASSAPSS is id-RSASSA-PSS, which crypto/x509 does not accept in
// PKCS#8; RFC 9421's test-key-rsa-pss uses it.
var oidRSASSAPSS = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}

// ParsePrivateKeyPEM returns the first private key found in PEM data: an
// "RSA PRIVATE KEY" (PKCS#1), "PRIVATE KEY" (PKCS#8, including RSA keys
// marked id-RSASSA-PSS) or "EC PRIVATE KEY" (SEC 1) block. Other blocks are
// skipped. Encrypted keys are not supported.
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, errors.New("httpsig: no private key PEM block")
		}
		switch b.Type {
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("httpsig: parse rsa private key: %w", err)
			}
			return k, nil
		case "EC PRIVATE KEY":
			k, err := x509.ParseECPrivateKey(b.Bytes)
			if err != nil {
				return nil, fmt.Errorf("httpsig: parse ec private key: %w", err)
			}
			return k, nil
		case "PRIVATE KEY":
			return parsePKCS8(b.Bytes)
		}
	}
}

func parsePKCS8(der []byte) (crypto.Signer, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		var p8 struct {
			Version    int
			Algo       pkix.AlgorithmIdentifier
			PrivateKey []byte
		}
		if _, err2 := asn1.Unmarshal(der, &p8); err2 == nil && p8.Algo.Algorithm.Equal(oidRSASSAPSS) {
			rk, err3 := x509.ParsePKCS1PrivateKey(p8.PrivateKey)
			if err3 != nil {
				return nil, fmt.Errorf("httpsig: parse rsa-pss private key: %w", err3)
			}
			return rk, nil
		}
		return nil, fmt.Errorf("httpsig: parse private key: %w", err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("httpsig: private key of type %T cannot sign", k)
	}
	return s, nil
}
