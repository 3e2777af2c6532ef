package emulator

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"sync"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randSource is where a Service takes the random bytes of its IDs, secrets
// and codes: crypto/rand, or the reader of Options.Rand, read under a lock
// because such readers (a seeded generator) are rarely safe for concurrent
// use.
type randSource struct {
	mu sync.Mutex
	r  io.Reader
}

func newRandSource(r io.Reader) *randSource {
	if r == nil {
		r = rand.Reader
	}
	return &randSource{r: r}
}

// read fills b. A failing source is a broken machine (or a broken test
// reader): there is no safe way to go on without randomness.
func (rs *randSource) read(b []byte) {
	rs.mu.Lock()
	_, err := io.ReadFull(rs.r, b)
	rs.mu.Unlock()
	if err != nil {
		panic("emulator: reading random bytes: " + err.Error())
	}
}

// id returns prefix + "_" + 27 random base62 characters, the shape of
// Clerk's IDs ("user_2abc...", "sess_...", "idn_...").
func (rs *randSource) id(prefix string) string {
	return prefix + "_" + rs.base62(27)
}

// base62 returns n base62 characters, uniformly: bytes of 248 or more
// (256 - 256 mod 62) are drawn again, so no character is likelier.
func (rs *randSource) base62(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4+4)
	for len(out) < n {
		rs.read(buf)
		for _, c := range buf {
			if c < 248 && len(out) < n {
				out = append(out, base62[c%62])
			}
		}
	}
	return string(out)
}

// hex returns 2n random hex digits.
func (rs *randSource) hex(n int) string {
	b := make([]byte, n)
	rs.read(b)
	return hex.EncodeToString(b)
}
