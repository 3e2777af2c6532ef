package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/clerkgo/clerk/auth"
)

const testSecretKey = "sk_test_bench0000000000000000000000000000"

func init() {
	verifiers = append(verifiers,
		namedVerifier{"ClerkGo", newClerkGo},
		namedVerifier{"ClerkGoAuthenticateRequest", newClerkGoAuthenticateRequest},
		namedVerifier{"ClerkGoCached", newClerkGoCached},
	)
}

// hitCacheSize is the token cache of the benchmarks of repeated tokens.
const hitCacheSize = 10_000

// newOurVerifier builds the networkless Verifier: PEM public key, azp
// checked.
func newOurVerifier(tb testing.TB) *auth.Verifier { return newOurCachedVerifier(tb, 0) }

// newOurCachedVerifier is newOurVerifier with a token cache of cacheSize
// entries (none when 0).
func newOurCachedVerifier(tb testing.TB, cacheSize int) *auth.Verifier {
	v, err := auth.NewVerifier(auth.Options{
		JWTKey:            fx().pubPEM,
		AuthorizedParties: []string{testAZP},
		TokenCacheSize:    cacheSize,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func newClerkGo(tb testing.TB) verifyFunc {
	v := newOurVerifier(tb)
	return func(ctx context.Context, token string) error {
		_, err := v.Verify(ctx, token)
		return err
	}
}

// newJWKSServer serves the fixture's JWKS at /v1/jwks to requests that
// carry the secret key, and counts the fetches.
func newJWKSServer(tb testing.TB) (url string, fetches *atomic.Int64) {
	fetches = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/jwks" || r.Header.Get("Authorization") != "Bearer "+testSecretKey {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write(fx().jwksJSON)
	}))
	tb.Cleanup(srv.Close)
	return srv.URL, fetches
}

// newOurJWKSVerifier builds a Verifier that fetches the JWKS from a local
// server, with a token cache of cacheSize entries (none when 0), and warms
// its caches with one request.
func newOurJWKSVerifier(tb testing.TB, cacheSize int) (*auth.Verifier, *atomic.Int64) {
	url, fetches := newJWKSServer(tb)
	v, err := auth.NewVerifier(auth.Options{
		SecretKey:         testSecretKey,
		APIURL:            url,
		AuthorizedParties: []string{testAZP},
		TokenCacheSize:    cacheSize,
	})
	if err != nil {
		tb.Fatal(err)
	}
	if st := v.AuthenticateRequest(bearerRequest(fx().token)); !st.IsSignedIn() {
		tb.Fatalf("warm-up request signed out: %s: %s", st.Reason, st.Message)
	}
	return v, fetches
}

func bearerRequest(token string) *http.Request {
	req := httptest.NewRequest(http.MethodGet, "https://example.com/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

func newClerkGoAuthenticateRequest(tb testing.TB) verifyFunc {
	v, _ := newOurJWKSVerifier(tb, 0)
	return func(_ context.Context, token string) error {
		if st := v.AuthenticateRequest(bearerRequest(token)); !st.IsSignedIn() {
			return fmt.Errorf("signed out: %s: %s", st.Reason, st.Message)
		}
		return nil
	}
}

func BenchmarkClerkGo(b *testing.B) { benchmarkVerifier(b, newClerkGo) }

// BenchmarkClerkGoAuthenticateRequest reuses one request built outside the
// loop, with a JWKS cache warmed before the timer starts.
func BenchmarkClerkGoAuthenticateRequest(b *testing.B) {
	v, fetches := newOurJWKSVerifier(b, 0)
	req := bearerRequest(fx().token)
	b.ReportAllocs()
	for b.Loop() {
		if !v.AuthenticateRequest(req).IsSignedIn() {
			b.Fatal("not signed in")
		}
	}
	if n := fetches.Load(); n != 1 {
		b.Errorf("the JWKS was fetched %d times, want once (the warm-up)", n)
	}
}

// newClerkGoCached verifies with the token cache on. The test of every
// verifier gives it the good token first, so the tampered one comes to a
// cache that holds the good one.
func newClerkGoCached(tb testing.TB) verifyFunc {
	v := newOurCachedVerifier(tb, hitCacheSize)
	return func(ctx context.Context, token string) error {
		_, err := v.Verify(ctx, token)
		return err
	}
}

// BenchmarkClerkGoCachedHit verifies the token that the token cache holds
// (verified once before the timer starts). It fails unless every call is
// answered from the cache.
func BenchmarkClerkGoCachedHit(b *testing.B) {
	v := newOurCachedVerifier(b, hitCacheSize)
	ctx := context.Background()
	first, err := v.Verify(ctx, fx().token)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if c, err := v.Verify(ctx, fx().token); err != nil || c != first {
			b.Fatal("not answered from the cache: ", err)
		}
	}
}

// BenchmarkClerkGoAuthenticateRequestCachedHit is
// BenchmarkClerkGoAuthenticateRequest with the token cache on: the warm-up
// request cached the token. It fails unless every call is answered from
// the cache (the same signed-in state).
func BenchmarkClerkGoAuthenticateRequestCachedHit(b *testing.B) {
	v, fetches := newOurJWKSVerifier(b, hitCacheSize)
	req := bearerRequest(fx().token)
	first := v.AuthenticateRequest(req)
	b.ReportAllocs()
	for b.Loop() {
		if v.AuthenticateRequest(req) != first {
			b.Fatal("not answered from the cache")
		}
	}
	if n := fetches.Load(); n != 1 {
		b.Errorf("the JWKS was fetched %d times, want once (the warm-up)", n)
	}
}

// BenchmarkClerkGoCachedFirstSeen verifies tokens the token cache does not
// hold, with the cache on: the firstSeen tokens in turn. It fails if a
// call is answered from the cache (the same claims as the token's last
// time).
func BenchmarkClerkGoCachedFirstSeen(b *testing.B) {
	benchmarkFirstSeen(b, firstSeenCacheSize)
}

// BenchmarkClerkGoFirstSeen is BenchmarkClerkGoCachedFirstSeen without the
// cache: the same tokens, which are not in the processor's caches either
// when they come again, so the difference is what the token cache adds.
func BenchmarkClerkGoFirstSeen(b *testing.B) { benchmarkFirstSeen(b, 0) }

// benchmarkFirstSeen verifies the firstSeen tokens in turn with a Verifier
// with a token cache of cacheSize entries (none when 0).
func benchmarkFirstSeen(b *testing.B, cacheSize int) {
	tokens := firstSeen()
	v := newOurCachedVerifier(b, cacheSize)
	ctx := context.Background()
	last := make([]*auth.Claims, len(tokens))
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
