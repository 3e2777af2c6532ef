package auth

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// minRSABits is the smallest RSA modulus accepted; Clerk's keys are 2048
// bits.
const minRSABits = 2048

// verificationKey is a public key with the algorithms it may verify.
type verificationKey struct {
	pub *rsa.PublicKey
	// alg is the one algorithm the key allows ("RS256", "RS384",
	// "RS512"); PEM keys and JWKs without "alg" allow RS256 only.
	alg string
}

// equal reports whether k and o verify the same signatures: the same
// algorithm and public key. Keys of two JWKS fetches are equal when the
// JWK did not change.
func (k *verificationKey) equal(o *verificationKey) bool {
	return k == o || (k.alg == o.alg && k.pub.E == o.pub.E && k.pub.N.Cmp(o.pub.N) == 0)
}

// parsePEMKey reads an RSA public key in PEM ("PUBLIC KEY", PKIX, as the
// Clerk dashboard shows it, or "RSA PUBLIC KEY", PKCS #1). Like Clerk's
// other SDKs it also accepts the PEM body on one line without its armour.
func parsePEMKey(s string) (*verificationKey, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "-----BEGIN") {
		s = "-----BEGIN PUBLIC KEY-----\n" + s + "\n-----END PUBLIC KEY-----"
	}
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("JWTKey is not a PEM public key")
	}
	var pub any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		pub, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		pub, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return nil, fmt.Errorf("JWTKey is a PEM %q block, want PUBLIC KEY", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("JWTKey: %w", err)
	}
	rsaPub, ok := pub.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("JWTKey is a %T, want an RSA key", pub)
	}
	if err := checkRSA(rsaPub); err != nil {
		return nil, fmt.Errorf("JWTKey: %w", err)
	}
	return &verificationKey{pub: rsaPub, alg: "RS256"}, nil
}

func checkRSA(k *rsa.PublicKey) error {
	if k.N.BitLen() < minRSABits {
		return fmt.Errorf("RSA key of %d bits, want at least %d", k.N.BitLen(), minRSABits)
	}
	if k.E < 3 || k.E%2 == 0 {
		return errors.New("RSA key with an invalid exponent")
	}
	return nil
}

// jwk is one key of a JSON Web Key Set.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// keyFromJWK turns an RSA signing JWK into a verification key.
func keyFromJWK(k jwk) (*verificationKey, error) {
	if k.Kty != "RSA" {
		return nil, fmt.Errorf("key type %q", k.Kty)
	}
	if k.Use != "" && k.Use != "sig" {
		return nil, fmt.Errorf("key use %q", k.Use)
	}
	alg := k.Alg
	switch alg {
	case "":
		alg = "RS256"
	case "RS256", "RS384", "RS512":
	default:
		return nil, fmt.Errorf("key algorithm %q", k.Alg)
	}
	n, err := base64.RawURLEncoding.DecodeString(k.N)
	if err != nil {
		return nil, errors.New("modulus is not base64url")
	}
	e, err := base64.RawURLEncoding.DecodeString(k.E)
	if err != nil || len(e) == 0 || len(e) > 4 {
		return nil, errors.New("exponent is not a base64url integer")
	}
	exp := 0
	for _, b := range e {
		exp = exp<<8 | int(b)
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}
	if err := checkRSA(pub); err != nil {
		return nil, err
	}
	return &verificationKey{pub: pub, alg: alg}, nil
}

// parseJWKS reads a JSON Web Key Set into verification keys by kid. Keys
// that are not RSA signing keys are skipped; keys without a kid are kept
// under "".
func parseJWKS(data []byte) (map[string]*verificationKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, err
	}
	keys := make(map[string]*verificationKey, len(set.Keys))
	for _, raw := range set.Keys {
		var k jwk
		if err := json.Unmarshal(raw, &k); err != nil {
			continue
		}
		vk, err := keyFromJWK(k)
		if err != nil {
			continue
		}
		keys[k.Kid] = vk
	}
	return keys, nil
}
