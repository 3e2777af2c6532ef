package auth

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// benchToken is a realistic version 2 session token of about 900 bytes.
func benchToken(b *testing.B) string { return benchTokenWithID(b, "f3a1b2c3d4e5f6a7b8c9") }

// benchTokenWithID is benchToken with another jti (of 20 characters, for
// the same length).
func benchTokenWithID(b *testing.B, jti string) string {
	key, _ := keys(b)
	now := time.Now()
	tok := sign(b, key, map[string]any{"alg": "RS256", "kid": "ins_2abcdefghijklmnopqrstuvwxyz", "typ": "JWT"}, map[string]any{
		"azp": "https://example.com", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "nbf": now.Unix() - 10,
		"fea": "o:dashboard,o:impersonation", "fva": []int{0, -1}, "iss": "https://clerk.example.com",
		"jti": jti, "pla": "o:pro", "sid": "sess_2abcdefghijklmnopqrstuvwxyz01", "sts": "active",
		"sub": "user_2abcdefghijklmnopqrstuvwxyz01", "v": 2,
		"o": map[string]any{"fpm": "3,2", "id": "org_2abcdefghijklmnopqrstuvwxyz01", "per": "manage,read", "rol": "admin", "slg": "acme-corporation"},
	})
	return tok
}

// BenchmarkFloor is the RSA math alone: hash the signing input and verify
// the signature, already decoded.
func BenchmarkFloor(b *testing.B) {
	key, _ := keys(b)
	tok := benchToken(b)
	i := strings.LastIndexByte(tok, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(tok[i+1:])
	input := []byte(tok[:i])
	b.ReportAllocs()
	for b.Loop() {
		sum := sha256.Sum256(input)
		if rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig) != nil {
			b.Fatal("bad signature")
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	key, _ := keys(b)
	tok := benchToken(b)
	v, err := NewVerifier(Options{JWTKey: pemOf(b, &key.PublicKey), AuthorizedParties: []string{"https://example.com"}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAuthenticateRequestWarmJWKS(b *testing.B) {
	key, _ := keys(b)
	tok := benchToken(b)
	s := newJWKSServer(b, jwkOf("ins_2abcdefghijklmnopqrstuvwxyz", &key.PublicKey))
	v, err := NewVerifier(Options{SecretKey: "sk_test_bench", APIURL: s.URL, AuthorizedParties: []string{"https://example.com"}})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	if !v.AuthenticateRequest(r).IsSignedIn() {
		b.Fatal("not signed in")
	}
	b.ReportAllocs()
	for b.Loop() {
		if !v.AuthenticateRequest(r).IsSignedIn() {
			b.Fatal("not signed in")
		}
	}
}

// BenchmarkOverhead is everything Verify does besides the RSA math and the
// hash: the cost this package adds to the floor.
func BenchmarkOverhead(b *testing.B) {
	key, _ := keys(b)
	tok := benchToken(b)
	v, err := NewVerifier(Options{JWTKey: pemOf(b, &key.PublicKey), AuthorizedParties: []string{"https://example.com"}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		dot1, dot2, e := splitToken(tok)
		if e != nil {
			b.Fatal(e)
		}
		if _, e := v.header(tok[:dot1]); e != nil {
			b.Fatal(e)
		}
		var sig [512]byte
		if _, ok := decodeSegment(sig[:], tok[dot2+1:]); !ok {
			b.Fatal("signature")
		}
		var stack [2048]byte
		n, ok := decodeSegment(stack[:], tok[dot1+1:dot2])
		if !ok {
			b.Fatal("payload")
		}
		c := new(Claims)
		if err := parseClaims(string(stack[:n]), c); err != nil {
			b.Fatal(err)
		}
		if e := v.checkClaims(c); e != nil {
			b.Fatal(e)
		}
	}
}

// BenchmarkVerifyCachedHit verifies a token that the token cache holds.
func BenchmarkVerifyCachedHit(b *testing.B) {
	key, _ := keys(b)
	tok := benchToken(b)
	v, err := NewVerifier(Options{JWTKey: pemOf(b, &key.PublicKey), AuthorizedParties: []string{"https://example.com"}, TokenCacheSize: 10_000})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	first, err := v.Verify(ctx, tok)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if c, err := v.Verify(ctx, tok); err != nil || c != first {
			b.Fatal("not a hit: ", err)
		}
	}
}

// BenchmarkAuthenticateRequestCachedHit authenticates a request whose
// token the cache holds, with keys from a warm JWKS cache.
func BenchmarkAuthenticateRequestCachedHit(b *testing.B) {
	key, _ := keys(b)
	tok := benchToken(b)
	s := newJWKSServer(b, jwkOf("ins_2abcdefghijklmnopqrstuvwxyz", &key.PublicKey))
	v, err := NewVerifier(Options{SecretKey: "sk_test_bench", APIURL: s.URL, AuthorizedParties: []string{"https://example.com"}, TokenCacheSize: 10_000})
	if err != nil {
		b.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	first := v.AuthenticateRequest(r)
	if !first.IsSignedIn() {
		b.Fatal("not signed in")
	}
	b.ReportAllocs()
	for b.Loop() {
		if v.AuthenticateRequest(r) != first {
			b.Fatal("not a hit")
		}
	}
}

// BenchmarkVerifyCachedFirstSeen verifies tokens the cache does not hold,
// with the cache on: 256 tokens in turn through a cache of 16 (two buckets
// of 8), so that each one has been evicted when it comes again. Signing
// the tokens takes about half a second before the timer starts.
func BenchmarkVerifyCachedFirstSeen(b *testing.B) {
	key, _ := keys(b)
	tokens := make([]string, 256)
	for i := range tokens {
		tokens[i] = benchTokenWithID(b, fmt.Sprintf("%020d", i))
	}
	v, err := NewVerifier(Options{JWTKey: pemOf(b, &key.PublicKey), AuthorizedParties: []string{"https://example.com"}, TokenCacheSize: 16})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	last := make([]*Claims, len(tokens)) // a hit would return the same claims again
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		c, err := v.Verify(ctx, tokens[i])
		if err != nil || c == last[i] {
			b.Fatal("not verified in full: ", err)
		}
		last[i] = c
		i = (i + 1) % len(tokens)
	}
}
