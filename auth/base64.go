package auth

// decodeSegment decodes a JWT segment into dst: base64url without padding
// (RFC 7515), strictly, so that a segment has exactly one encoding. It is
// base64.RawURLEncoding.Strict().Decode without two things a token never
// needs: skipping line breaks (splitToken refuses them before) and
// decoding a prefix of bad input. It reports false for a character outside
// the alphabet, a length that no encoding has, non-zero unused bits in the
// last character, or a dst shorter than decodedLen(len(src)).
//
// It exists because encoding/base64 takes about eleven instructions per
// character and this about half that (BENCHMARKS.md); a session token has
// about 900 characters to decode.
func decodeSegment(dst []byte, src string) (int, bool) {
	n := decodedLen(len(src))
	if n < 0 || len(dst) < n {
		return 0, false
	}
	si, di := 0, 0
	// Eight characters, six bytes at a time, written as eight bytes while
	// dst has room for the two extra ones (overwritten next, or unused).
	for ; si+8 <= len(src) && di+8 <= len(dst); si, di = si+8, di+6 {
		s := src[si : si+8]
		a, b, c, d := b64Value[s[0]], b64Value[s[1]], b64Value[s[2]], b64Value[s[3]]
		e, f, g, h := b64Value[s[4]], b64Value[s[5]], b64Value[s[6]], b64Value[s[7]]
		if a|b|c|d|e|f|g|h == b64Invalid {
			return 0, false
		}
		v := uint64(a)<<58 | uint64(b)<<52 | uint64(c)<<46 | uint64(d)<<40 |
			uint64(e)<<34 | uint64(f)<<28 | uint64(g)<<22 | uint64(h)<<16
		o := dst[di : di+8]
		o[0], o[1], o[2], o[3] = byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32)
		o[4], o[5], o[6], o[7] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	}
	for ; si+4 <= len(src); si, di = si+4, di+3 {
		s := src[si : si+4]
		a, b, c, d := b64Value[s[0]], b64Value[s[1]], b64Value[s[2]], b64Value[s[3]]
		if a|b|c|d == b64Invalid {
			return 0, false
		}
		v := uint32(a)<<18 | uint32(b)<<12 | uint32(c)<<6 | uint32(d)
		o := dst[di : di+3]
		o[0], o[1], o[2] = byte(v>>16), byte(v>>8), byte(v)
	}
	switch len(src) - si {
	case 2: // one byte; the second character's low four bits unused
		a, b := b64Value[src[si]], b64Value[src[si+1]]
		if a|b == b64Invalid || b&0x0f != 0 {
			return 0, false
		}
		dst[di] = a<<2 | b>>4
	case 3: // two bytes; the third character's low two bits unused
		a, b, c := b64Value[src[si]], b64Value[src[si+1]], b64Value[src[si+2]]
		if a|b|c == b64Invalid || c&0x03 != 0 {
			return 0, false
		}
		dst[di] = a<<2 | b>>4
		dst[di+1] = b<<4 | c>>2
	}
	return n, true
}

// decodedLen is the number of bytes n characters of unpadded base64
// decode to, or -1 when no encoding has n characters.
func decodedLen(n int) int {
	if n%4 == 1 {
		return -1
	}
	return n/4*3 + n%4*3/4
}

// b64Invalid marks the characters outside the base64url alphabet in
// b64Value. Valid values have their top two bits clear, so OR-ing the
// values of several characters gives b64Invalid if any of them is one.
const b64Invalid = 0xff

// b64Value maps a base64url character to its six bits.
var b64Value = func() (t [256]byte) {
	for i := range t {
		t[i] = b64Invalid
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(alphabet); i++ {
		t[alphabet[i]] = byte(i)
	}
	return t
}()
