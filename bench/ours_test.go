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
	)
}

// newOurVerifier builds the networkless Verifier: PEM public key, azp
// checked.
func newOurVerifier(tb testing.TB) *auth.Verifier {
	v, err := auth.NewVerifier(auth.Options{
		JWTKey:            fx().pubPEM,
		AuthorizedParties: []string{testAZP},
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
// server and warms its cache with one request.
func newOurJWKSVerifier(tb testing.TB) (*auth.Verifier, *atomic.Int64) {
	url, fetches := newJWKSServer(tb)
	v, err := auth.NewVerifier(auth.Options{
		SecretKey:         testSecretKey,
		APIURL:            url,
		AuthorizedParties: []string{testAZP},
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
	v, _ := newOurJWKSVerifier(tb)
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
	v, fetches := newOurJWKSVerifier(b)
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
