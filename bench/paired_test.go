package bench

import (
	"context"
	"testing"
	"time"

	"github.com/clerkgo/clerk/auth"
)

// BenchmarkPaired times ours and the floor alternately, one call each per
// iteration, and reports their ratio (x-floor). Pairing cancels what
// separate benchmarks cannot: this machine's speed drifts by tens of per
// cent over seconds, and both sides of a pair see the same drift.
// The time.Now calls add the same few tens of ns to both sides.
//
//	cd bench && go test -run '^$' -bench Paired -benchtime 20000x -count 5
func BenchmarkPaired(b *testing.B) {
	f := fx()
	signInput, sig, err := splitToken(f.token)
	if err != nil {
		b.Fatal(err)
	}
	ours := newOurVerifier(b)
	ctx := context.Background()
	var floorSum, oursSum time.Duration
	for b.Loop() {
		t0 := time.Now()
		if err := floorVerify(f.pub, signInput, sig); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := ours.Verify(ctx, f.token); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		floorSum += t1.Sub(t0)
		oursSum += t2.Sub(t1)
	}
	b.ReportMetric(float64(oursSum)/float64(floorSum), "x-floor")
	b.ReportMetric(float64(floorSum.Nanoseconds())/float64(b.N), "floor-ns/op")
	b.ReportMetric(float64(oursSum.Nanoseconds())/float64(b.N), "ours-ns/op")
}

// BenchmarkPairedCachedFirstSeen is BenchmarkPaired for tokens the token
// cache does not hold: the firstSeen tokens in turn, each verified by the
// floor, by ours with the cache on and by ours without it (these two in
// alternating order, as the second one finds the token in the
// processor's caches). It reports the cached verification's ratio to the
// floor (x-floor) and to the uncached one (x-uncached): what the cache
// adds to a first verification.
//
//	cd bench && go test -run '^$' -bench PairedCachedFirstSeen -benchtime 20000x -count 5
func BenchmarkPairedCachedFirstSeen(b *testing.B) {
	f := fx()
	tokens := firstSeen()
	inputs := make([][2][]byte, len(tokens))
	for i, tok := range tokens {
		signInput, sig, err := splitToken(tok)
		if err != nil {
			b.Fatal(err)
		}
		inputs[i] = [2][]byte{signInput, sig}
	}
	cached := newOurCachedVerifier(b, firstSeenCacheSize)
	uncached := newOurVerifier(b)
	ctx := context.Background()
	timed := func(v *auth.Verifier, token string) time.Duration {
		t0 := time.Now()
		if _, err := v.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	var floorSum, cachedSum, uncachedSum time.Duration
	i, n := 0, 0
	for b.Loop() {
		t0 := time.Now()
		if err := floorVerify(f.pub, inputs[i][0], inputs[i][1]); err != nil {
			b.Fatal(err)
		}
		floorSum += time.Since(t0)
		if n%2 == 0 {
			cachedSum += timed(cached, tokens[i])
			uncachedSum += timed(uncached, tokens[i])
		} else {
			uncachedSum += timed(uncached, tokens[i])
			cachedSum += timed(cached, tokens[i])
		}
		i, n = (i+1)%len(tokens), n+1
	}
	b.ReportMetric(float64(cachedSum)/float64(floorSum), "x-floor")
	b.ReportMetric(float64(cachedSum)/float64(uncachedSum), "x-uncached")
	b.ReportMetric(float64(floorSum.Nanoseconds())/float64(b.N), "floor-ns/op")
	b.ReportMetric(float64(cachedSum.Nanoseconds())/float64(b.N), "ours-ns/op")
	b.ReportMetric(float64(uncachedSum.Nanoseconds())/float64(b.N), "uncached-ns/op")
}
