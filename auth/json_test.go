package auth

import (
	"math/rand/v2"
	"testing"
)

// TestPlain8AgreesWithTheTable checks the word-at-a-time test against the
// byte table on random and adversarial words.
func TestPlain8AgreesWithTheTable(t *testing.T) {
	check := func(b []byte) {
		want := true
		for _, c := range b {
			want = want && plainChar[c]
		}
		if got := plain8(string(b)); got != want {
			t.Fatalf("plain8(%q) = %v, want %v", b, got, want)
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
