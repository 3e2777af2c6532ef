package auth

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"
)

// remote returns a Verifier that fetches the JWKS from s, on a settable
// clock.
func remote(t *testing.T, s *jwksServer, clk *clock, opts Options) *Verifier {
	t.Helper()
	opts.SecretKey = "sk_test_jwks"
	opts.APIURL = s.URL
	opts.Now = clk.Now
	v, err := NewVerifier(opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestJWKSCache(t *testing.T) {
	key, otherKey := keys(t)
	ctx := context.Background()
	token := func(clk *clock, kid string, k any) string {
		signer := key
		if k != nil {
			signer = otherKey
		}
		return sign(t, signer, hdr(kid), claimsAt(clk.Now()))
	}

	t.Run("first use fetches with the secret key, later uses do not", func(t *testing.T) {
		s := newJWKSServer(t, jwkOf("ins_1", &key.PublicKey))
		clk := &clock{t: epoch}
		v := remote(t, s, clk, Options{})
		for i := 0; i < 5; i++ {
			if _, err := v.Verify(ctx, token(clk, "ins_1", nil)); err != nil {
				t.Fatal(err)
			}
		}
		if n := s.fetches.Load(); n != 1 {
			t.Errorf("%d fetches, want 1", n)
		}
		if s.auth != "Bearer sk_test_jwks" {
			t.Errorf("Authorization %q", s.auth)
		}
	})

	t.Run("an APIURL ending in the version is not doubled", func(t *testing.T) {
		s := newJWKSServer(t, jwkOf("ins_1", &key.PublicKey))
		clk := &clock{t: epoch}
		v, err := NewVerifier(Options{SecretKey: "sk_test_x", APIURL: s.URL + "/v1/", Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(ctx, token(clk, "ins_1", nil)); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("a missing kid fails without a fetch", func(t *testing.T) {
		s := newJWKSServer(t, jwkOf("ins_1", &key.PublicKey))
		clk := &clock{t: epoch}
		v := remote(t, s, clk, Options{})
		_, err := v.Verify(ctx, token(clk, "", nil))
		if ReasonOf(err) != ReasonJWKFailedToResolve || s.fetches.Load() != 0 {
			t.Fatalf("got %v after %d fetches", err, s.fetches.Load())
		}
	})

	t.Run("an unknown kid refetches once, then more unknown kids fetch nothing within the interval", func(t *testing.T) {
		s := newJWKSServer(t, jwkOf("ins_1", &key.PublicKey))
		clk := &clock{t: epoch}
		v := remote(t, s, clk, Options{JWKSRefetchInterval: time.Minute})
		if _, err := v.Verify(ctx, token(clk, "ins_1", nil)); err != nil {
			t.Fatal(err)
		}
		_, err := v.Verify(ctx, token(clk, "ins_forged", otherKey))
		if ReasonOf(err) != ReasonJWKKidMismatch || s.fetches.Load() != 2 {
			t.Fatalf("got %v after %d fetches, want jwk-kid-mismatch after 2", err, s.fetches.Load())
		}
		for _, kid := range []string{"ins_a", "ins_b", "ins_c", "ins_forged"} {
			if _, err := v.Verify(ctx, token(clk, kid, otherKey)); ReasonOf(err) != ReasonJWKKidMismatch {
				t.Fatalf("kid %s: %v", kid, err)
			}
		}
		if n := s.fetches.Load(); n != 2 {
			t.Errorf("%d fetches, want 2: unknown kids inside the interval fetched", n)
		}
		clk.Add(time.Minute)
		v.Verify(ctx, token(clk, "ins_d", otherKey))
		if n := s.fetches.Load(); n != 3 {
			t.Errorf("%d fetches after the interval, want 3", n)
		}
	})

	t.Run("a rotated key is picked up by the unknown-kid refetch", func(t *testing.T) {
		s := newJWKSServer(t, jwkOf("ins_1", &key.PublicKey))
		clk := &clock{t: epoch}
		v := remote(t, s, clk, Options{})
		if _, err := v.Verify(ctx, token(clk, "ins_1", nil)); err != nil {
			t.Fatal(err)
		}
		s.setKeys(jwkOf("ins_1", &key.PublicKey), jwkOf("ins_2", &otherKey.PublicKey))
		if _, err := v.Verify(ctx, token(clk, "ins_2", otherKey)); err != nil {
			t.Fatalf("new key: %v", err)
		}
		if _, err := v.Verify(ctx, token(clk, "ins_1", nil)); err != nil {
			t.Fatalf("old key: %v", err)
		}
	})

	t.Run("the TTL is fixed: use does not extend it", func(t *testing.T) {
		s := newJWKSServer(t, jwkOf("ins_1", &key.PublicKey))
		clk := &clock{t: epoch}
		v := remote(t, s, clk, Options{JWKSCacheTTL: time.Hour})
		for i := 0; i <= 6; i++ {
			if _, err := v.Verify(ctx, token(clk, "ins_1", nil)); err != nil {
				t.Fatal(err)
			}
			clk.Add(11 * time.Minute)
		}
		// Verified every 11 minutes up to minute 66: the TTL ran out once.
		waitFor(t, func() bool { return s.fetches.Load() == 2 })
	})

	t.Run("when a refresh fails the last good keys serve until the hard expiry", func(t *testing.T) {
		s := newJWKSServer(t, jwkOf("ins_1", &key.PublicKey))
		clk := &clock{t: epoch}
		v := remote(t, s, clk, Options{JWKSCacheTTL: time.Hour, JWKSMaxStale: 2 * time.Hour})
		if _, err := v.Verify(ctx, token(clk, "ins_1", nil)); err != nil {
			t.Fatal(err)
		}
		s.set(http.StatusServiceUnavailable, "down")
		clk.Add(90 * time.Minute)
		if _, err := v.Verify(ctx, token(clk, "ins_1", nil)); err != nil {
			t.Fatalf("stale keys did not serve: %v", err)
		}
		waitFor(t, func() bool { return s.fetches.Load() == 2 })
		clk.Add(2 * time.Hour) // past TTL + max stale
		_, err := v.Verify(ctx, token(clk, "ins_1", nil))
		if ReasonOf(err) != ReasonJWKRemoteFailedToLoad {
			t.Fatalf("past the hard expiry: %v", err)
		}
	})

	t.Run("stale keys refresh in the background and the new keys take over", func(t *testing.T) {
		s := newJWKSServer(t, jwkOf("ins_1", &key.PublicKey))
		clk := &clock{t: epoch}
		v := remote(t, s, clk, Options{JWKSCacheTTL: time.Hour})
		v.Verify(ctx, token(clk, "ins_1", nil))
		s.setKeys(jwkOf("ins_2", &otherKey.PublicKey))
		clk.Add(61 * time.Minute)
		if _, err := v.Verify(ctx, token(clk, "ins_1", nil)); err != nil {
			t.Fatalf("stale key while refreshing: %v", err)
		}
		waitFor(t, func() bool { return s.fetches.Load() == 2 })
		waitFor(t, func() bool {
			_, err := v.Verify(ctx, token(clk, "ins_2", otherKey))
			return err == nil
		})
	})

	failures := []struct {
		name   string
		status int
		body   string
		want   Reason
	}{
		{"a 5xx", http.StatusBadGateway, "<html>bad gateway</html>", ReasonJWKRemoteFailedToLoad},
		{"a 401", http.StatusUnauthorized, `{"errors":[{"code":"authentication_invalid"}]}`, ReasonSecretKeyInvalid},
		{"invalid JSON", 200, `{"keys": [`, ReasonJWKRemoteInvalid},
		{"empty keys", 200, `{"keys": []}`, ReasonJWKRemoteMissing},
		{"only keys of other types", 200, `{"keys": [{"kty":"EC","kid":"ins_1","crv":"P-256"}]}`, ReasonJWKRemoteMissing},
	}
	for _, f := range failures {
		t.Run("JWKS answering "+f.name+" fails closed", func(t *testing.T) {
			s := newJWKSServer(t)
			s.set(f.status, f.body)
			clk := &clock{t: epoch}
			v := remote(t, s, clk, Options{})
			_, err := v.Verify(ctx, token(clk, "ins_1", nil))
			if ReasonOf(err) != f.want {
				t.Fatalf("got %v, want %s", err, f.want)
			}
		})
	}

	t.Run("a JWKS that times out fails closed", func(t *testing.T) {
		s := newJWKSServer(t, jwkOf("ins_1", &key.PublicKey))
		s.delay = 2 * time.Second
		clk := &clock{t: epoch}
		v := remote(t, s, clk, Options{JWKSFetchTimeout: 50 * time.Millisecond})
		start := time.Now()
		_, err := v.Verify(ctx, token(clk, "ins_1", nil))
		if ReasonOf(err) != ReasonJWKRemoteFailedToLoad || time.Since(start) > time.Second {
			t.Fatalf("got %v after %v", err, time.Since(start))
		}
	})

	t.Run("a caller's cancelled context ends its wait", func(t *testing.T) {
		s := newJWKSServer(t, jwkOf("ins_1", &key.PublicKey))
		s.delay = 300 * time.Millisecond
		clk := &clock{t: epoch}
		v := remote(t, s, clk, Options{})
		cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		_, err := v.Verify(cctx, token(clk, "ins_1", nil))
		if ReasonOf(err) != ReasonJWKRemoteFailedToLoad || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v", err)
		}
		// The shared fetch was not cancelled with that caller: the next
		// one gets the keys.
		if _, err := v.Verify(ctx, token(clk, "ins_1", nil)); err != nil {
			t.Fatal(err)
		}
		if n := s.fetches.Load(); n != 1 {
			t.Errorf("%d fetches, want 1", n)
		}
	})

	t.Run("100 concurrent cold requests share one fetch", func(t *testing.T) {
		s := newJWKSServer(t, jwkOf("ins_1", &key.PublicKey))
		s.delay = 50 * time.Millisecond
		clk := &clock{t: epoch}
		v := remote(t, s, clk, Options{})
		tok := token(clk, "ins_1", nil)
		var wg sync.WaitGroup
		errs := make(chan error, 100)
		for i := 0; i < 100; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := v.Verify(ctx, tok)
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := s.fetches.Load(); n != 1 {
			t.Errorf("%d fetches, want 1", n)
		}
	})

	t.Run("a JWK that allows RS512 verifies RS512 and rejects RS256", func(t *testing.T) {
		k := jwkOf("ins_1", &key.PublicKey)
		k["alg"] = "RS512"
		s := newJWKSServer(t, k)
		clk := &clock{t: epoch}
		v := remote(t, s, clk, Options{})
		if _, err := v.Verify(ctx, sign(t, key, map[string]any{"alg": "RS512", "kid": "ins_1"}, claimsAt(epoch))); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(ctx, token(clk, "ins_1", nil)); ReasonOf(err) != ReasonTokenInvalidAlgorithm {
			t.Fatalf("RS256 against an RS512 key: %v", err)
		}
	})
}

// waitFor polls cond for up to two seconds (background refreshes).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
