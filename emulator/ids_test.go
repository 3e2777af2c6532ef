package emulator

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestRandSourceIDsHaveClerksShape(t *testing.T) {
	rs := newRandSource(nil)
	seen := map[string]bool{}
	for range 1000 {
		id := rs.id("user")
		rest, ok := strings.CutPrefix(id, "user_")
		if !ok || len(rest) != 27 || strings.Trim(rest, base62) != "" {
			t.Fatalf("id %q is not user_ + 27 base62 characters", id)
		}
		if seen[id] {
			t.Fatalf("id %q repeated", id)
		}
		seen[id] = true
	}
}

func TestRandSourceIsUniformOverBase62(t *testing.T) {
	// Every byte value appears equally often in this reader; rejection of
	// bytes >= 248 must leave each of the 62 characters equally often.
	var all []byte
	for range 4 {
		for b := range 256 {
			all = append(all, byte(b))
		}
	}
	rs := newRandSource(bytes.NewReader(append(all, all...)))
	counts := map[byte]int{}
	for _, c := range []byte(rs.base62(62 * 4 * 4)) {
		counts[c]++
	}
	for i := range len(base62) {
		if counts[base62[i]] != 16 {
			t.Fatalf("character %q drawn %d times, want 16", base62[i], counts[base62[i]])
		}
	}
}

func TestRandSourceFromASeedRepeats(t *testing.T) {
	a := newRandSource(rand.NewChaCha8([32]byte{1}))
	b := newRandSource(rand.NewChaCha8([32]byte{1}))
	for range 10 {
		if x, y := a.id("sess")+a.hex(8), b.id("sess")+b.hex(8); x != y {
			t.Fatalf("one seed gave %q and %q", x, y)
		}
	}
}
