package federation

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Keys are the node actor's signing keys, generated on first start and
// kept in the data directory: peers such as GoToSocial cache a key and
// refuse a new one under the same id, so they never change by themselves.
type Keys struct {
	RSA *rsa.PrivateKey    // draft-cavage rsa-sha256, the key Mastodon and GoToSocial verify
	Ed  ed25519.PrivateKey // RFC 9421 ed25519
	// Admission signs admission credentials; only a confederation has it.
	Admission ed25519.PrivateKey
}

// Key file names in the data directory.
const (
	RSAKeyFile     = "actor-rsa.pem"
	Ed25519KeyFile = "actor-ed25519.pem"
)

// LoadOrCreateKeys reads the actor keys from dir, creating any that is
// missing (RSA-2048, Ed25519) with mode 0600.
func LoadOrCreateKeys(dir string) (*Keys, error) {
	r, err := loadOrCreate(filepath.Join(dir, RSAKeyFile), func() (crypto.Signer, error) { return rsa.GenerateKey(rand.Reader, 2048) })
	if err != nil {
		return nil, err
	}
	e, err := loadOrCreate(filepath.Join(dir, Ed25519KeyFile), func() (crypto.Signer, error) {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	})
	if err != nil {
		return nil, err
	}
	rk, ok1 := r.(*rsa.PrivateKey)
	ek, ok2 := e.(ed25519.PrivateKey)
	if !ok1 || !ok2 {
		return nil, errors.New("actor keys: unexpected key types in the data directory")
	}
	return &Keys{RSA: rk, Ed: ek}, nil
}

func loadOrCreate(path string, gen func() (crypto.Signer, error)) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k, err := gen()
		if err != nil {
			return nil, fmt.Errorf("generate %s: %w", filepath.Base(path), err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			return nil, err
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("write %s: %w", filepath.Base(path), err)
		}
		if err := pem.Encode(f, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
			f.Close()
			return nil, err
		}
		return k, f.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", filepath.Base(path), err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("read %s: no PEM block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("read %s: not a signing key", path)
	}
	return s, nil
}

// AdmissionKeyFile is the confederation's credential signing key.
const AdmissionKeyFile = "admission-ed25519.pem"

// LoadOrCreateAdmissionKey reads the confederation's admission key from
// dir, creating it on first use.
func LoadOrCreateAdmissionKey(dir string) (ed25519.PrivateKey, error) {
	k, err := loadOrCreate(filepath.Join(dir, AdmissionKeyFile), func() (crypto.Signer, error) {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	})
	if err != nil {
		return nil, err
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, errors.New("admission key: not an Ed25519 key")
	}
	return ek, nil
}

// PublicPEM returns a public key as SPKI PEM.
func PublicPEM(k crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}
