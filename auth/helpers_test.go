package auth

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Test keys are generated once per test binary: RSA generation is slow.
var (
	keysOnce       sync.Once
	testKey, other *rsa.PrivateKey
)

func keys(t testing.TB) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if testKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if other, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return testKey, other
}

func pemOf(t testing.TB, k *rsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func seg(v any) string {
	var data []byte
	switch v := v.(type) {
	case string:
		data = []byte(v)
	case []byte:
		data = v
	default:
		data, _ = json.Marshal(v)
	}
	return base64.RawURLEncoding.EncodeToString(data)
}

// sign builds a token from a header and claims (maps, or raw JSON strings)
// and signs it with key using the header's alg.
func sign(t testing.TB, key *rsa.PrivateKey, header, claims any) string {
	t.Helper()
	input := seg(header) + "." + seg(claims)
	alg := "RS256"
	if h, ok := header.(map[string]any); ok {
		alg, _ = h["alg"].(string)
	}
	var sig []byte
	var err error
	switch alg {
	case "RS256":
		sum := sha256.Sum256([]byte(input))
		sig, err = rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	case "RS384":
		sum := sha512.Sum384([]byte(input))
		sig, err = rsa.SignPKCS1v15(nil, key, crypto.SHA384, sum[:])
	case "RS512":
		sum := sha512.Sum512([]byte(input))
		sig, err = rsa.SignPKCS1v15(nil, key, crypto.SHA512, sum[:])
	default:
		sig = []byte("not-a-signature")
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + seg(sig)
}

// hs256 signs with HMAC, the classic confusion attack when the "secret" is
// the RSA public key.
func hs256(header, claims any, secret []byte) string {
	input := seg(header) + "." + seg(claims)
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + seg(m.Sum(nil))
}

var epoch = time.Unix(1_700_000_000, 0)

func hdr(kid string) map[string]any {
	h := map[string]any{"alg": "RS256", "typ": "JWT"}
	if kid != "" {
		h["kid"] = kid
	}
	return h
}

// claimsAt is a valid v1 session token's claims at time now.
func claimsAt(now time.Time) map[string]any {
	return map[string]any{
		"sub": "user_123", "sid": "sess_123", "iss": "https://clerk.example.com",
		"azp": "https://example.com", "iat": now.Unix() - 10, "nbf": now.Unix() - 20,
		"exp": now.Unix() + 60,
	}
}

func with(c map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func jwkOf(kid string, k *rsa.PublicKey) map[string]any {
	return map[string]any{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
		"n": base64.RawURLEncoding.EncodeToString(k.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.E)).Bytes()),
	}
}

// jwksServer serves /v1/jwks and counts fetches. Its answer can be changed
// while it runs.
type jwksServer struct {
	*httptest.Server
	fetches atomic.Int32
	mu      sync.Mutex
	status  int
	body    string
	delay   time.Duration
	auth    string // the last Authorization header
}

func newJWKSServer(t testing.TB, keys ...map[string]any) *jwksServer {
	s := &jwksServer{status: 200}
	s.setKeys(keys...)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		status, body, delay := s.status, s.body, s.delay
		s.auth = r.Header.Get("Authorization")
		s.mu.Unlock()
		if r.URL.Path != "/v1/jwks" {
			http.NotFound(w, r)
			return
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) setKeys(keys ...map[string]any) {
	data, _ := json.Marshal(map[string]any{"keys": keys})
	s.set(200, string(data))
}

func (s *jwksServer) set(status int, body string) {
	s.mu.Lock()
	s.status, s.body = status, body
	s.mu.Unlock()
}
