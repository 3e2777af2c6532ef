package auth

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"strings"
	"testing"
)

// agreesWithEncodingBase64 checks decodeSegment against
// base64.RawURLEncoding.Strict() on src (which has no line breaks, as
// splitToken guarantees), into buffers with no room to spare and with
// plenty.
func agreesWithEncodingBase64(t *testing.T, src string) {
	t.Helper()
	want, stdErr := base64.RawURLEncoding.Strict().DecodeString(src)
	for _, room := range []int{0, 1, 7, 64} {
		size := max(decodedLen(len(src)), 0) + room
		dst := bytes.Repeat([]byte{0xAA}, size)
		n, ok := decodeSegment(dst, src)
		if ok != (stdErr == nil) {
			t.Fatalf("decodeSegment(%q) ok = %v; encoding/base64 says %v", src, ok, stdErr)
		}
		if ok && !bytes.Equal(dst[:n], want) {
			t.Fatalf("decodeSegment(%q) = %x, want %x", src, dst[:n], want)
		}
	}
	if n, ok := decodeSegment(make([]byte, max(len(want)-1, 0)), src); ok && len(want) > 0 {
		t.Fatalf("decodeSegment(%q) into a short buffer = %d, true", src, n)
	}
}

func TestDecodeSegmentAgreesWithEncodingBase64(t *testing.T) {
	for _, src := range []string{
		"", "A", "AA", "AAA", "AAAA", "AB", "AQ", "AAB", "AAE", "_-", "__8", "____", "-_-_-_-_A",
		"eyJhbGciOiJSUzI1NiJ9", "eyJhbGciOiJSUzI1NiJ9=", "eyJ+bGciOiJSUzI1NiJ9", "eyJ/bGci",
		"a b", "ab\x00c", "abc\xff", "AAAAAAAA=", "AAAAAAA", "AAAAAAAAA",
	} {
		agreesWithEncodingBase64(t, src)
	}
	// Every byte in every position of short and long inputs.
	for _, n := range []int{2, 3, 4, 8, 11, 12, 16, 19} {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				if c == '\n' || c == '\r' {
					continue // refused by splitToken before decoding
				}
				b := []byte(strings.Repeat("Q", n))
				b[pos] = byte(c)
				agreesWithEncodingBase64(t, string(b))
			}
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 20000; i++ {
		raw := make([]byte, r.IntN(700))
		for j := range raw {
			raw[j] = byte(r.Uint32())
		}
		agreesWithEncodingBase64(t, base64.RawURLEncoding.EncodeToString(raw))
	}
}

// FuzzDecodeSegment: decodeSegment accepts exactly what encoding/base64
// (strict, unpadded base64url) accepts, and decodes it to the same bytes.
func FuzzDecodeSegment(f *testing.F) {
	for _, s := range []string{"", "AA", "AAE", "eyJhbGciOiJSUzI1NiJ9", "eyJ+bGci", "AAAAAAAA="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if strings.ContainsAny(src, "\r\n") {
			return
		}
		agreesWithEncodingBase64(t, src)
	})
}
