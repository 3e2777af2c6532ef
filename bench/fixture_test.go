package bench

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"
)

// Realistic Clerk identifiers: a prefix and a 27-character KSUID-like body.
const (
	testKID      = "ins_2abcDEFghiJKLmnoPQRstuVWXy"
	testIssuer   = "https://clerk.example.com"
	testAZP      = "https://example.com"
	testSubject  = "user_2kLmNoPqRsTuVwXyZaBcDeFgHiJ"
	testSession  = "sess_2pQrStUvWxYzAbCdEfGhIjKlMnOp"
	testOrgID    = "org_2ZyXwVuTsRqPoNmLkJiHgFeDcBaZy"
	testJTI      = "9f8e7d6c5b4a39281706"
	testLifetime = 365 * 24 * time.Hour // nothing expires during a run
)

// fixture is the single key and token every benchmark and test uses.
type fixture struct {
	priv      *rsa.PrivateKey
	pub       *rsa.PublicKey
	pubPEM    string // PKIX "PUBLIC KEY"
	jwkJSON   []byte // one JWK, as served in a JWKS
	jwksJSON  []byte // {"keys":[jwk]}
	token     string // the valid session token
	tampered  string // same header and signature, one payload byte changed
	payload   []byte // decoded claims of token
	signInput []byte // header.payload of token
	signature []byte // decoded signature of token
}

// fx generates the 2048-bit key and signs the token once per process, so
// neither cost is ever inside a timed loop.
var fx = sync.OnceValue(func() *fixture {
	f, err := newFixture(time.Now())
	if err != nil {
		panic(err)
	}
	return f
})

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func newFixture(now time.Time) (*fixture, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	f := &fixture{priv: priv, pub: &priv.PublicKey}

	der, err := x509.MarshalPKIXPublicKey(f.pub)
	if err != nil {
		return nil, err
	}
	f.pubPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))

	jwk := map[string]string{
		"use": "sig",
		"kty": "RSA",
		"kid": testKID,
		"alg": "RS256",
		"n":   b64(f.pub.N.Bytes()),
		"e":   b64(big.NewInt(int64(f.pub.E)).Bytes()),
	}
	if jwk["e"] != "AQAB" {
		return nil, fmt.Errorf("unexpected public exponent %d", f.pub.E)
	}
	if f.jwkJSON, err = json.Marshal(jwk); err != nil {
		return nil, err
	}
	f.jwksJSON = []byte(`{"keys":[` + string(f.jwkJSON) + `]}`)

	f.token, f.payload, err = signToken(priv, now, testJTI)
	if err != nil {
		return nil, err
	}
	f.signInput, f.signature, err = splitToken(f.token)
	if err != nil {
		return nil, err
	}

	// Change one byte of the decoded payload (a character of the user ID)
	// and keep the original signature: the result is still well-formed
	// base64url and JSON, so only the signature check can reject it.
	bad := []byte(string(f.payload))
	i := strings.Index(string(bad), testSubject) + len(testSubject) - 1
	bad[i] ^= 0x01
	f.tampered = b64([]byte(testHeader)) + "." + b64(bad) + "." + b64(f.signature)
	return f, nil
}

// testHeader is the JOSE header of every token.
const testHeader = `{"alg":"RS256","kid":"` + testKID + `","typ":"JWT"}`

// signToken signs the session token of the fixture, issued at now, with
// the given jti (of 20 characters, so that every token has the same
// length), and returns it and its decoded claims.
func signToken(priv *rsa.PrivateKey, now time.Time, jti string) (token string, payload []byte, err error) {
	iat := now.Unix() - 5
	// encoding/json sorts map keys, which is also the order Clerk uses.
	claims := map[string]any{
		"azp": testAZP,
		"exp": now.Add(testLifetime).Unix(),
		"fea": "o:dashboard,o:impersonation",
		"fva": []int{0, -1},
		"iat": iat,
		"iss": testIssuer,
		"jti": jti,
		"nbf": iat - 10,
		"o": map[string]string{
			"fpm": "3,2",
			"id":  testOrgID,
			"per": "manage,read",
			"rol": "admin",
			"slg": "acme",
		},
		"pla": "o:pro",
		"sid": testSession,
		"sts": "active",
		"sub": testSubject,
		"v":   2,
	}
	if payload, err = json.Marshal(claims); err != nil {
		return "", nil, err
	}
	signInput := b64([]byte(testHeader)) + "." + b64(payload)
	sum := sha256.Sum256([]byte(signInput))
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, sum[:])
	if err != nil {
		return "", nil, err
	}
	return signInput + "." + b64(sig), payload, nil
}

// firstSeenTokens is how many tokens firstSeen signs, and
// firstSeenCacheSize the token cache of the benchmarks that verify them:
// a token comes again only after 1,023 others have passed through the 8
// buckets of 8 entries, so it has always been evicted by then.
const (
	firstSeenTokens    = 1024
	firstSeenCacheSize = 64
)

// firstSeen returns tokens that differ from the fixture's token, and from
// each other, only in their jti, for the benchmarks of tokens a cache has
// not seen. They are signed once per process, when first needed (about
// 1.5 s), never inside a timed loop.
var firstSeen = sync.OnceValue(func() []string {
	f := fx()
	tokens := make([]string, firstSeenTokens)
	for i := range tokens {
		tok, _, err := signToken(f.priv, time.Now(), fmt.Sprintf("%020d", i))
		if err != nil {
			panic(err)
		}
		tokens[i] = tok
	}
	return tokens
})

// splitToken returns a compact JWS's signing input and decoded signature.
func splitToken(token string) (signInput, sig []byte, err error) {
	i := strings.LastIndexByte(token, '.')
	if i < 0 {
		return nil, nil, fmt.Errorf("not a compact JWS")
	}
	sig, err = base64.RawURLEncoding.DecodeString(token[i+1:])
	return []byte(token[:i]), sig, err
}

func TestFixtureLooksLikeAClerkSessionToken(t *testing.T) {
	f := fx()
	// The claims the brief lists, with real-length Clerk IDs (prefix and
	// 27 characters) and a 20-hex-digit jti, come to just under 1000 bytes.
	if n := len(f.token); n < 850 || n > 1050 {
		t.Errorf("token is %d bytes, want 850-1050", n)
	}
	if f.pub.N.BitLen() != 2048 {
		t.Errorf("key is %d bits, want 2048", f.pub.N.BitLen())
	}
	if f.tampered == f.token || len(f.tampered) != len(f.token) {
		t.Errorf("tampered token should differ from the good one at the same length")
	}
	t.Logf("token (%d bytes): %s", len(f.token), f.token)
	t.Logf("claims: %s", f.payload)
}
