package auth

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// cachedPair returns two networkless Verifiers with the same options and
// clock, one with a token cache of size entries and one without.
func cachedPair(t testing.TB, size int, clk *clock, opts Options) (cached, plain *Verifier) {
	t.Helper()
	key, _ := keys(t)
	opts.JWTKey = pemOf(t, &key.PublicKey)
	opts.Now = clk.Now
	plain, err := NewVerifier(opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.TokenCacheSize = size
	cached, err = NewVerifier(opts)
	if err != nil {
		t.Fatal(err)
	}
	return cached, plain
}

// entries returns the number of tokens v's cache holds.
func entries(v *Verifier) int {
	n, _ := v.cache.stats()
	return n
}

// sameAnswer fails unless both answers are the same: equal claims, or
// errors with the same reason and message.
func sameAnswer(t testing.TB, what string, c1 *Claims, err1 error, c2 *Claims, err2 error) {
	t.Helper()
	if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) {
		t.Fatalf("%s: cached answered %v, uncached %v", what, err1, err2)
	}
	if (c1 == nil) != (c2 == nil) || (c1 != nil && !reflect.DeepEqual(c1, c2)) {
		t.Fatalf("%s: cached claims %+v, uncached %+v", what, c1, c2)
	}
}

func TestTokenCacheIsOffUnlessSized(t *testing.T) {
	for _, size := range []int{0, -1} {
		v := networkless(t, Options{TokenCacheSize: size})
		if v.cache != nil {
			t.Fatalf("TokenCacheSize %d made a cache", size)
		}
		key, _ := keys(t)
		tok := sign(t, key, hdr(""), claimsAt(epoch))
		c1, err1 := v.Verify(context.Background(), tok)
		c2, err2 := v.Verify(context.Background(), tok)
		if err1 != nil || err2 != nil || c1 == c2 {
			t.Fatalf("without a cache every call verifies in full and returns its own claims: %v %v", err1, err2)
		}
	}
	for size, want := range map[int]int{1: 1, 7: 7, 8: 8, 15: 8, 16: 16, 1000: 1000, 1001: 1000} {
		c := newTokenCache(size)
		if got := len(c.buckets) * c.buckets[0].ways; got != want {
			t.Errorf("TokenCacheSize %d holds %d entries, want %d", size, got, want)
		}
	}
}

// A repeated token is answered from the cache (the same *Claims), a new
// one is verified in full and cached too.
func TestTokenCacheHitAndMiss(t *testing.T) {
	key, _ := keys(t)
	ctx := context.Background()
	clk := &clock{t: epoch}
	cached, plain := cachedPair(t, 64, clk, Options{AuthorizedParties: []string{"https://example.com"}})
	a := sign(t, key, hdr(""), claimsAt(epoch))
	b := sign(t, key, hdr(""), with(claimsAt(epoch), "sub", "user_456"))

	first, err := cached.Verify(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if entries(cached) != 1 {
		t.Fatalf("%d entries after one token, want 1", entries(cached))
	}
	again, err := cached.Verify(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Fatal("the repeated token was not answered from the cache")
	}
	want, err := plain.Verify(ctx, a)
	sameAnswer(t, "hit", again, nil, want, err)

	other, err := cached.Verify(ctx, b)
	if err != nil || other == first || other.Subject != "user_456" {
		t.Fatalf("a second token: %+v %v", other, err)
	}
	if entries(cached) != 2 {
		t.Fatalf("%d entries after two tokens, want 2", entries(cached))
	}
	if c, _ := cached.Verify(ctx, b); c != other {
		t.Fatal("the second token was not answered from the cache")
	}
}

// A token that differs from a cached one in any byte is a miss: it is
// verified in full and rejected, and it is not cached.
func TestTokenCacheOneByteChangedIsVerifiedInFull(t *testing.T) {
	key, _ := keys(t)
	ctx := context.Background()
	clk := &clock{t: epoch}
	cached, plain := cachedPair(t, 64, clk, Options{})
	good := sign(t, key, hdr(""), claimsAt(epoch))
	if _, err := cached.Verify(ctx, good); err != nil {
		t.Fatal(err)
	}
	variants := map[string]string{
		"one more byte":  good + "A",
		"one byte fewer": good[:len(good)-1],
		"a leading byte": "A" + good,
	}
	for _, i := range []int{0, 5, strings.IndexByte(good, '.') + 3, len(good) / 2, strings.LastIndexByte(good, '.') + 4, len(good) - 1} {
		variants["byte "+strconv.Itoa(i)+" changed"] = good[:i] + flipChar(good[i:i+1], 0) + good[i+1:]
	}
	for name, tok := range variants {
		t.Run(name, func(t *testing.T) {
			c, err := cached.Verify(ctx, tok)
			if err == nil {
				t.Fatal("accepted")
			}
			wantC, wantErr := plain.Verify(ctx, tok)
			sameAnswer(t, name, c, err, wantC, wantErr)
			if entries(cached) != 1 {
				t.Fatalf("%d entries, want only the good token", entries(cached))
			}
		})
	}
	if _, err := cached.Verify(ctx, good); err != nil {
		t.Fatalf("the good token after its variants: %v", err)
	}
}

// A hit checks exp, nbf and iat again with the Verifier's clock and skew:
// a token that expires while cached is rejected with token-expired and
// the very message a full verification gives, and its entry is dropped.
func TestTokenCacheRechecksTimeOnEveryHit(t *testing.T) {
	key, _ := keys(t)
	ctx := context.Background()

	t.Run("expiry while cached", func(t *testing.T) {
		clk := &clock{t: epoch}
		cached, plain := cachedPair(t, 64, clk, Options{})
		tok := sign(t, key, hdr(""), claimsAt(epoch)) // exp = epoch+60s
		first, err := cached.Verify(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		clk.Add(60*time.Second + DefaultClockSkew - time.Second) // the last second of the skew
		if c, err := cached.Verify(ctx, tok); err != nil || c != first {
			t.Fatalf("within the skew: %v (from the cache: %v)", err, c == first)
		}
		clk.Add(time.Second)
		c, err := cached.Verify(ctx, tok)
		if ReasonOf(err) != ReasonTokenExpired || c != nil {
			t.Fatalf("expired while cached: %v", err)
		}
		wantC, wantErr := plain.Verify(ctx, tok)
		sameAnswer(t, "expired", c, err, wantC, wantErr)
		if entries(cached) != 0 {
			t.Fatal("the expired entry was kept")
		}
		if _, err := cached.Verify(ctx, tok); ReasonOf(err) != ReasonTokenExpired {
			t.Fatalf("expired, verified in full: %v", err)
		}
	})

	t.Run("expiry without skew", func(t *testing.T) {
		clk := &clock{t: epoch}
		cached, plain := cachedPair(t, 64, clk, Options{ClockSkew: -1})
		tok := sign(t, key, hdr(""), claimsAt(epoch))
		if _, err := cached.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
		clk.Add(60 * time.Second)
		c, err := cached.Verify(ctx, tok)
		wantC, wantErr := plain.Verify(ctx, tok)
		if ReasonOf(err) != ReasonTokenExpired {
			t.Fatalf("at exp without skew: %v", err)
		}
		sameAnswer(t, "expired", c, err, wantC, wantErr)
	})

	for _, tc := range []struct {
		claim string
		want  Reason
	}{{"nbf", ReasonTokenNotActiveYet}, {"iat", ReasonTokenIatInTheFuture}} {
		t.Run(tc.claim+" when the clock goes back", func(t *testing.T) {
			clk := &clock{t: epoch}
			cached, plain := cachedPair(t, 64, clk, Options{})
			// nbf and iat at epoch: valid from epoch-skew on.
			tok := sign(t, key, hdr(""), with(claimsAt(epoch), "nbf", nil, "iat", nil, tc.claim, epoch.Unix()))
			if _, err := cached.Verify(ctx, tok); err != nil {
				t.Fatal(err)
			}
			clk.Add(-DefaultClockSkew - time.Second)
			c, err := cached.Verify(ctx, tok)
			if ReasonOf(err) != tc.want {
				t.Fatalf("got %v, want %s", err, tc.want)
			}
			wantC, wantErr := plain.Verify(ctx, tok)
			sameAnswer(t, tc.claim, c, err, wantC, wantErr)
		})
	}
}

// Only successes are cached: a failed token, even one with a valid
// signature, is verified in full every time.
func TestTokenCacheKeepsOnlySuccesses(t *testing.T) {
	key, otherKey := keys(t)
	ctx := context.Background()
	clk := &clock{t: epoch}
	cached, _ := cachedPair(t, 64, clk, Options{AuthorizedParties: []string{"https://example.com"}})
	for name, tok := range map[string]string{
		"forged":        sign(t, otherKey, hdr(""), claimsAt(epoch)),
		"expired":       sign(t, key, hdr(""), with(claimsAt(epoch), "exp", epoch.Unix()-60)),
		"not yet valid": sign(t, key, hdr(""), with(claimsAt(epoch), "nbf", epoch.Unix()+60)),
		"other azp":     sign(t, key, hdr(""), with(claimsAt(epoch), "azp", "https://evil.example")),
		"garbage":       "a.b.c",
	} {
		for range 3 {
			if _, err := cached.Verify(ctx, tok); err == nil {
				t.Fatalf("%s accepted", name)
			}
		}
		if entries(cached) != 0 {
			t.Fatalf("%s was cached", name)
		}
	}
	// A token that became valid after it failed is verified in full then.
	tok := sign(t, key, hdr(""), with(claimsAt(epoch), "nbf", epoch.Unix()+60))
	clk.Add(time.Minute)
	if _, err := cached.Verify(ctx, tok); err != nil || entries(cached) != 1 {
		t.Fatalf("once valid: %v, %d entries", err, entries(cached))
	}
}

// A token whose entry would count more than cacheMaxEntryBytes (a JWT
// template with large custom claims) is verified in full every time.
func TestTokenCacheSkipsTokensOverTheEntryLimit(t *testing.T) {
	key, _ := keys(t)
	ctx := context.Background()
	clk := &clock{t: epoch}
	cached, _ := cachedPair(t, 64, clk, Options{})
	big := sign(t, key, hdr(""), with(claimsAt(epoch), "blob", strings.Repeat("x", 9000)))
	c1, err1 := cached.Verify(ctx, big)
	c2, err2 := cached.Verify(ctx, big)
	if err1 != nil || err2 != nil || c1 == c2 || entries(cached) != 0 {
		t.Fatalf("a %d-byte token: %v %v, cached %v", len(big), err1, err2, c1 == c2)
	}
}

// When a JWKS refresh drops a kid, or gives it another key, no cached
// token signed with it is accepted afterwards; a refresh that keeps the
// key keeps the cached tokens.
func TestTokenCacheFollowsKeyChanges(t *testing.T) {
	key, otherKey := keys(t)
	ctx := context.Background()
	// setup caches a token of each of two kids. Past the TTL the keys are
	// fetched again before the next verification, unless background says
	// that stale keys serve while a background fetch runs.
	setup := func(t *testing.T, background bool) (*jwksServer, *clock, *Verifier, string, string) {
		s := newJWKSServer(t, jwkOf("ins_1", &key.PublicKey), jwkOf("ins_2", &otherKey.PublicKey))
		clk := &clock{t: epoch}
		opts := Options{TokenCacheSize: 64, JWKSCacheTTL: time.Minute, JWKSMaxStale: time.Nanosecond}
		if background {
			opts.JWKSMaxStale = time.Hour
		}
		v := remote(t, s, clk, opts)
		long := with(claimsAt(epoch), "exp", epoch.Add(time.Hour).Unix())
		one, two := sign(t, key, hdr("ins_1"), long), sign(t, otherKey, hdr("ins_2"), long)
		for _, tok := range []string{one, two} {
			if _, err := v.Verify(ctx, tok); err != nil {
				t.Fatal(err)
			}
		}
		if entries(v) != 2 {
			t.Fatalf("%d entries, want 2", entries(v))
		}
		clk.Add(time.Minute + time.Second)
		return s, clk, v, one, two
	}

	t.Run("a dropped kid", func(t *testing.T) {
		s, _, v, one, two := setup(t, false)
		s.setKeys(jwkOf("ins_1", &key.PublicKey))
		if _, err := v.Verify(ctx, one); err != nil || s.fetches.Load() != 2 {
			t.Fatalf("a token of the kept kid: %v after %d fetches", err, s.fetches.Load())
		}
		for range 3 {
			c, err := v.Verify(ctx, two)
			if ReasonOf(err) != ReasonJWKKidMismatch || c != nil {
				t.Fatalf("a token of the dropped kid: %v", err)
			}
		}
		if entries(v) != 1 {
			t.Fatalf("%d entries, want the kept kid's only", entries(v))
		}
	})

	t.Run("a kid dropped by a background refresh", func(t *testing.T) {
		s, _, v, one, two := setup(t, true)
		s.setKeys(jwkOf("ins_1", &key.PublicKey))
		if _, err := v.Verify(ctx, one); err != nil {
			t.Fatal(err)
		}
		// Until the background fetch lands the stale keys serve, for a
		// full verification as for the cache; from then on, never again.
		waitFor(t, func() bool { _, err := v.Verify(ctx, two); return ReasonOf(err) == ReasonJWKKidMismatch })
		for range 3 {
			if _, err := v.Verify(ctx, two); ReasonOf(err) != ReasonJWKKidMismatch {
				t.Fatalf("a token of the dropped kid: %v", err)
			}
		}
	})

	t.Run("a kid given another key", func(t *testing.T) {
		s, _, v, _, two := setup(t, false)
		s.setKeys(jwkOf("ins_1", &key.PublicKey), jwkOf("ins_2", &key.PublicKey))
		if _, err := v.Verify(ctx, two); ReasonOf(err) != ReasonTokenInvalidSignature {
			t.Fatalf("a token of the replaced key: %v", err)
		}
		if entries(v) != 1 {
			t.Fatalf("%d entries, want 1", entries(v))
		}
	})

	t.Run("an unchanged key", func(t *testing.T) {
		s, _, v, _, two := setup(t, false)
		before := v.cache.get(v.cache.hash(two), two).v
		after, err := v.Verify(ctx, two)
		if err != nil || s.fetches.Load() != 2 || after != &before.claims {
			t.Fatalf("after a refresh with the same keys: %v after %d fetches (from the cache: %v)", err, s.fetches.Load(), after == &before.claims)
		}
	})
}

// AuthenticateRequest and the middleware use the cache with no change but
// the option: a repeated token gets the same signed-in state, and the
// per-request rules (client_uat for cookies) still apply to a hit.
func TestTokenCacheInAuthenticateRequest(t *testing.T) {
	key, otherKey := keys(t)
	clk := &clock{t: epoch}
	cached, plain := cachedPair(t, 64, clk, Options{AuthorizedParties: []string{"https://example.com"}})
	good := sign(t, key, hdr(""), claimsAt(epoch)) // iat = epoch-10s
	iat := epoch.Unix() - 10
	header := func(tok string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		return r
	}
	cookie := func(tok string, uat int64) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: "__session", Value: tok})
		r.AddCookie(&http.Cookie{Name: "__client_uat", Value: strconv.FormatInt(uat, 10)})
		return r
	}
	same := func(name string, got, want *RequestState) {
		t.Helper()
		if got.Status != want.Status || got.Reason != want.Reason || got.Message != want.Message ||
			got.Token != want.Token || !reflect.DeepEqual(got.Claims, want.Claims) {
			t.Fatalf("%s: cached %+v, uncached %+v", name, got, want)
		}
	}

	first := cached.AuthenticateRequest(header(good))
	second := cached.AuthenticateRequest(header(good))
	if !second.IsSignedIn() || second != first {
		t.Fatalf("a repeated header token: %+v (the shared state: %v)", second, second == first)
	}
	same("header", second, plain.AuthenticateRequest(header(good)))

	fromCookie := cached.AuthenticateRequest(cookie(good, iat))
	if fromCookie != first {
		t.Fatal("the same token from a cookie was not answered from the cache")
	}
	stale := cached.AuthenticateRequest(cookie(good, iat+1))
	if stale.IsSignedIn() || stale.Reason != ReasonSessionTokenIATBeforeClientUAT {
		t.Fatalf("a cached token older than client_uat: %+v", stale)
	}
	same("client_uat", stale, plain.AuthenticateRequest(cookie(good, iat+1)))

	forged := sign(t, otherKey, hdr(""), claimsAt(epoch))
	same("forged", cached.AuthenticateRequest(header(forged)), plain.AuthenticateRequest(header(forged)))

	var seen *Claims
	h := cached.RequireSession(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = ClaimsFromContext(r.Context())
	}))
	h.ServeHTTP(httptest.NewRecorder(), header(good))
	if seen != first.Claims {
		t.Fatal("the middleware did not get the cached claims")
	}

	clk.Add(2 * time.Minute)
	expired := cached.AuthenticateRequest(header(good))
	if expired.Reason != ReasonTokenExpired || expired.Claims != nil {
		t.Fatalf("expired while cached: %+v", expired)
	}
	same("expired", expired, plain.AuthenticateRequest(header(good)))

	// Nothing in the package writes to the shared answer: after all the
	// requests above it still equals a fresh verification's.
	clk.Add(-2 * time.Minute)
	want, err := plain.Verify(context.Background(), good)
	if err != nil || !reflect.DeepEqual(first.Claims, want) || first.Token != good || first.Status != SignedIn ||
		first.Reason != "" || first.Err != nil {
		t.Fatalf("the shared state changed: %+v", first)
	}
}

// The cache holds at most TokenCacheSize entries, and at most
// cacheBytesPerEntry per entry on average, whatever comes in: 100,000
// distinct tokens of varied sizes, some of them hit again.
func TestTokenCacheBoundUnder100000Tokens(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		name     string
		size     int
		tokenLen func() int
	}{
		{"session-sized tokens", 1000, func() int { return 900 + r.IntN(200) }},
		{"tokens up to 16 KiB", 1000, func() int { return 500 + r.IntN(MaxTokenSize-500) }},
		{"a cache of 5", 5, func() int { return 900 + r.IntN(5000) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTokenCache(tc.size)
			now := epoch
			var recent []*cacheEntry
			for i := range 100_000 {
				token := fmt.Sprintf("%d.", i) + strings.Repeat("x", tc.tokenLen())
				e := syntheticEntry(c, token, now.Add(time.Hour))
				c.add(e, now)
				if e.cost <= cacheMaxEntryBytes && c.get(e.hash, token) != e {
					t.Fatalf("token %d is not in the cache right after it was added", i)
				}
				if len(recent) < 16 {
					recent = append(recent, e)
				} else if r.IntN(4) == 0 {
					// Hits mark entries for CLOCK.
					old := recent[r.IntN(len(recent))]
					c.get(old.hash, old.token)
					recent[r.IntN(len(recent))] = e
				}
				if i%10_000 == 0 {
					checkBound(t, c, tc.size)
				}
			}
			n, bytes := checkBound(t, c, tc.size)
			t.Logf("%d entries, %d bytes counted (bound: %d entries, %d bytes)", n, bytes, tc.size, tc.size*cacheBytesPerEntry)
			if tc.name == "session-sized tokens" && n != tc.size {
				t.Errorf("%d entries of session-sized tokens, want the cache full (%d)", n, tc.size)
			}
		})
	}
}

// syntheticEntry is a cache entry for token, as verify would make it for a
// token with claims {"sub":"u"}.
func syntheticEntry(c *tokenCache, token string, expiry time.Time) *cacheEntry {
	v := new(verified)
	v.claims.raw = `{"sub":"u"}`
	v.claims.Subject = "u"
	v.state.Token = token
	return &cacheEntry{hash: c.hash(token), token: token, v: v, expiry: expiry, cost: entryCost(v)}
}

// checkBound checks the cache's bounds and that its byte count is the sum
// of its entries' costs, and returns the entries and bytes.
func checkBound(t *testing.T, c *tokenCache, size int) (int, int) {
	t.Helper()
	n, bytes := c.stats()
	if n > size || bytes > size*cacheBytesPerEntry {
		t.Fatalf("%d entries counting %d bytes, over the bound of %d entries and %d bytes", n, bytes, size, size*cacheBytesPerEntry)
	}
	sum := 0
	for i := range c.buckets {
		b := &c.buckets[i]
		for j := range b.ways {
			if e := b.entries[j].Load(); e != nil {
				sum += e.cost
				if b.tags[j].Load() != e.hash {
					t.Fatalf("bucket %d slot %d: tag and entry disagree", i, j)
				}
			}
		}
		if b.bytes > b.maxBytes {
			t.Fatalf("bucket %d counts %d bytes, over its %d", i, b.bytes, b.maxBytes)
		}
	}
	if sum != bytes {
		t.Fatalf("the buckets count %d bytes, their entries %d", bytes, sum)
	}
	return n, bytes
}

// Expired entries make room first and are dropped when their bucket
// changes: no entry outlives its token's exp there.
func TestTokenCacheDropsExpiredEntriesFirst(t *testing.T) {
	c := newTokenCache(8) // one bucket
	var hot []*cacheEntry
	for i := range 4 {
		e := syntheticEntry(c, "hot"+strconv.Itoa(i), epoch.Add(time.Hour))
		c.add(e, epoch)
		c.get(e.hash, e.token) // used: CLOCK would keep them
		hot = append(hot, e)
	}
	for i := range 4 {
		c.add(syntheticEntry(c, "short"+strconv.Itoa(i), epoch.Add(time.Minute)), epoch)
	}
	if n, _ := c.stats(); n != 8 {
		t.Fatalf("%d entries, want 8", n)
	}
	c.add(syntheticEntry(c, "new", epoch.Add(time.Hour)), epoch.Add(2*time.Minute))
	if n, _ := c.stats(); n != 5 {
		t.Fatalf("%d entries after the short ones expired, want the 4 hot ones and the new one", n)
	}
	for _, e := range hot {
		if c.get(e.hash, e.token) != e {
			t.Fatal("a live entry was evicted while expired ones were there")
		}
	}
}

// Concurrent hits, misses, failures and JWKS refreshes, for the race
// detector, with invariants that hold at every moment: tokens of the key
// that never leaves the JWKS always pass, forged ones never do, and a
// token of the kid that comes and goes passes or fails with
// jwk-kid-mismatch only. Once the kid is gone for good, its token fails.
func TestTokenCacheConcurrentHitsMissesAndRefreshes(t *testing.T) {
	key, otherKey := keys(t)
	ctx := context.Background()
	both := []map[string]any{jwkOf("ins_1", &key.PublicKey), jwkOf("ins_2", &otherKey.PublicKey)}
	s := newJWKSServer(t, both...)
	clk := &clock{t: epoch}
	v := remote(t, s, clk, Options{TokenCacheSize: 16, JWKSCacheTTL: time.Minute, JWKSRefetchInterval: time.Minute})
	long := func(sub string) map[string]any {
		return with(claimsAt(epoch), "sub", sub, "exp", epoch.Add(365*24*time.Hour).Unix())
	}
	var stable []string // hits and, beyond the cache's 16, misses
	for i := range 40 {
		stable = append(stable, sign(t, key, hdr("ins_1"), long("user_"+strconv.Itoa(i))))
	}
	coming := sign(t, otherKey, hdr("ins_2"), long("user_ins2"))
	forged := sign(t, otherKey, hdr("ins_1"), long("user_forged"))

	stop := make(chan struct{})
	var refresher sync.WaitGroup
	refresher.Add(1)
	go func() {
		defer refresher.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if i%2 == 0 {
				s.setKeys(both[0])
			} else {
				s.setKeys(both...)
			}
			clk.Add(time.Minute + time.Second) // past the TTL: the next use refreshes
			time.Sleep(time.Millisecond)
		}
	}()
	var workers sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			r := rand.New(rand.NewPCG(uint64(w), 9))
			for range 300 {
				var i int
				if r.IntN(2) == 0 {
					i = r.IntN(4) // hot tokens
				} else {
					i = r.IntN(len(stable))
				}
				var err error
				switch r.IntN(6) {
				case 0:
					if _, e := v.Verify(ctx, forged); ReasonOf(e) != ReasonTokenInvalidSignature {
						err = fmt.Errorf("forged token: %v", e)
					}
				case 1:
					if c, e := v.Verify(ctx, coming); e != nil && ReasonOf(e) != ReasonJWKKidMismatch || e == nil && c.Subject != "user_ins2" {
						err = fmt.Errorf("token of the coming and going kid: %v", e)
					}
				case 2:
					r := httptest.NewRequest(http.MethodGet, "/", nil)
					r.Header.Set("Authorization", "Bearer "+stable[i])
					if st := v.AuthenticateRequest(r); !st.IsSignedIn() || st.Claims.Subject != "user_"+strconv.Itoa(i) {
						err = fmt.Errorf("request with token %d: %+v", i, st)
					}
				default:
					if c, e := v.Verify(ctx, stable[i]); e != nil || c.Subject != "user_"+strconv.Itoa(i) {
						err = fmt.Errorf("token %d: %v", i, e)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	workers.Wait()
	close(stop)
	refresher.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// The kid leaves for good: once the background refresh has seen it
	// (until then the stale keys serve, as for a full verification), its
	// token fails, every time. A refresh the workers started may still be
	// in flight with both keys and land after setKeys, fresh as of now: so
	// each poll moves the clock past the TTL again, for the next refresh
	// to see the kid gone.
	s.setKeys(both[0])
	waitFor(t, func() bool {
		clk.Add(time.Minute + time.Second)
		_, err := v.Verify(ctx, coming)
		return ReasonOf(err) == ReasonJWKKidMismatch
	})
	for range 3 {
		if _, err := v.Verify(ctx, coming); ReasonOf(err) != ReasonJWKKidMismatch {
			t.Fatalf("after the kid left: %v", err)
		}
	}
	if n := entries(v); n > 16 {
		t.Fatalf("%d entries in a cache of 16", n)
	}
}
