package emulator

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"time"
)

// DefaultTokenLifetime is how long a session token is valid, as in Clerk.
const DefaultTokenLifetime = 60 * time.Second

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// signJWT signs claims as an RS256 JWT with the instance's key; the kid is
// the instance ID, as Clerk's is.
func (s *core) signJWT(claims map[string]any) (string, error) {
	return compactJWT(map[string]string{"alg": "RS256", "kid": s.inst.ID, "typ": "JWT"}, claims,
		func(input []byte) ([]byte, error) {
			sum := sha256.Sum256(input)
			return rsa.SignPKCS1v15(nil, s.key, crypto.SHA256, sum[:])
		})
}

// compactJWT encodes header and claims and signs them with sign, which is
// given the signing input.
func compactJWT(header map[string]string, claims map[string]any, sign func(input []byte) ([]byte, error)) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(payload)
	sig, err := sign([]byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + enc.EncodeToString(sig), nil
}
