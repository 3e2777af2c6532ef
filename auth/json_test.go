package auth

import (
	"math/bits"
	"math/rand/v2"
	"testing"
)

// TestNonPlain8AgreesWithTheTable checks the word-at-a-time test against
// the byte table on random and adversarial words: it finds a byte that is
// not plain exactly when there is one, and its lowest mark is the first.
func TestNonPlain8AgreesWithTheTable(t *testing.T) {
	check := func(b []byte) {
		first := -1
		for i, c := range b {
			if !plainChar[c] {
				first = i
				break
			}
		}
		m := nonPlain8(load64(string(b)))
		got := -1
		if m != 0 {
			got = bits.TrailingZeros64(m) >> 3
		}
		if got != first {
			t.Fatalf("nonPlain8(%q) = %#x: first byte not plain at %d, want %d", b, m, got, first)
		}
	}
	special := []byte{0, 0x1f, 0x20, '"', '\\', 0x7f, 0x80, 0xff, 'a', '!', '#', '[', ']', 0x21, 0x22, 0x5b, 0x5d}
	for i := 0; i < 8; i++ {
		for _, c := range special {
			b := []byte("abcdefgh")
			b[i] = c
			check(b)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		b := make([]byte, 8)
		for j := range b {
			if r.IntN(4) == 0 {
				b[j] = special[r.IntN(len(special))]
			} else {
				b[j] = byte(r.IntN(256))
			}
		}
		check(b)
	}
}
