package emulator

import (
	"crypto/rand"
	"math/big"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newID returns prefix + "_" + 27 random base62 characters, the shape of
// Clerk's IDs ("user_2abc...", "sess_...", "idn_...").
func newID(prefix string) string {
	return prefix + "_" + randomBase62(27)
}

// randomBase62 returns n characters from crypto/rand, uniformly.
func randomBase62(n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(base62)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("emulator: crypto/rand failed: " + err.Error())
		}
		b[i] = base62[v.Int64()]
	}
	return string(b)
}
