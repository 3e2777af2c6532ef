package bench

import (
	"context"
	"testing"
	"time"
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
// cache does not hold, with the cache on (the firstSeen tokens in turn):
// what the cache adds to a first verification, against the floor
// verifying the same token.
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
	ours := newOurCachedVerifier(b, firstSeenCacheSize)
	ctx := context.Background()
	var floorSum, oursSum time.Duration
	i := 0
	for b.Loop() {
		t0 := time.Now()
		if err := floorVerify(f.pub, inputs[i][0], inputs[i][1]); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := ours.Verify(ctx, tokens[i]); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		floorSum += t1.Sub(t0)
		oursSum += t2.Sub(t1)
		i = (i + 1) % len(tokens)
	}
	b.ReportMetric(float64(oursSum)/float64(floorSum), "x-floor")
	b.ReportMetric(float64(floorSum.Nanoseconds())/float64(b.N), "floor-ns/op")
	b.ReportMetric(float64(oursSum.Nanoseconds())/float64(b.N), "ours-ns/op")
}
