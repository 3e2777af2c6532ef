package auth

import (
	"errors"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// A small, strict JSON reader for the two objects of a JWT (header and
// claims). It exists because encoding/json costs about a quarter of an
// RSA-2048 verification on a 900-byte session token (BENCHMARKS.md), and
// verification is on every request's path. It validates the whole document
// (RFC 8259: no trailing commas, no comments, no invalid escapes or UTF-8,
// no leading zeros), hands each member of the top-level object to a
// callback as raw bytes, and rejects duplicate member names, so that no two
// JSON parsers can disagree about which "exp" a token has.

// maxDepth caps nesting inside claims.
const maxDepth = 32

var errJSON = errors.New("malformed JSON")

type jsonKind uint8

const (
	kindString jsonKind = iota + 1
	kindNumber
	kindObject
	kindArray
	kindTrue
	kindFalse
	kindNull
)

// member is one name/value pair of an object, as raw bytes of the input.
//
// Names and raw values are substrings of the input, so reading a token's
// claims copies nothing but escaped strings.
type member struct {
	name    string // unescaped
	kind    jsonKind
	raw     string // the value as it appears in the input
	escaped bool   // a string value with escapes
}

// The scanner's functions take the input and a position in it and return
// the position after what they read: the position stays in a register,
// which measured a fifth fewer instructions than a scanner struct.

// eachMember reads data as one JSON object and calls fn for each member in
// order. Member names are compared unescaped; a repeated name is an error.
func eachMember(data string, fn func(m member) error) error {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return errJSON
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		if skipSpace(data, i+1) != len(data) {
			return errJSON
		}
		return nil
	}
	var seenBuf [32]string
	seen := seenBuf[:0]
	var filter uint64 // one bit per (length, first byte, last byte) class of the names seen
	for {
		i = skipSpace(data, i)
		name, next, err := stringValue(data, i)
		if err != nil {
			return err
		}
		i = next
		// A name can only repeat one of the same class: compare with the
		// names seen only when the class was seen (rarely, for claims).
		h := uint(len(name)) * 7
		if len(name) > 0 {
			h += uint(name[0]) + uint(name[len(name)-1])*3
		}
		bit := uint64(1) << (h % 64)
		if filter&bit != 0 {
			for _, prev := range seen {
				if prev == name {
					return errors.New("duplicate member " + strconv.Quote(name))
				}
			}
		}
		filter |= bit
		seen = append(seen, name)
		i = skipSpace(data, i)
		if i >= len(data) || data[i] != ':' {
			return errJSON
		}
		i = skipSpace(data, i+1)
		start := i
		kind, escaped, next, err := skipValue(data, i, 1)
		if err != nil {
			return err
		}
		i = next
		if err := fn(member{name: name, kind: kind, raw: data[start:i], escaped: escaped}); err != nil {
			return err
		}
		i = skipSpace(data, i)
		if i >= len(data) {
			return errJSON
		}
		if data[i] == ',' {
			i++
			continue
		}
		if data[i] != '}' {
			return errJSON
		}
		if skipSpace(data, i+1) != len(data) {
			return errJSON
		}
		return nil
	}
}

// skipSpace returns the position of the first byte at or after i that is
// not JSON white space.
func skipSpace(d string, i int) int {
	for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
		i++
	}
	return i
}

// skipValue moves past one value and says what it was, and for a string
// whether it has escapes.
func skipValue(d string, i, depth int) (kind jsonKind, escaped bool, next int, err error) {
	if depth > maxDepth {
		return 0, false, i, errors.New("JSON nested too deeply")
	}
	if i >= len(d) {
		return 0, false, i, errJSON
	}
	if d[i] == '"' {
		next, escaped, err = skipString(d, i)
		return kindString, escaped, next, err
	}
	kind, next, err = skipOther(d, i, depth)
	return kind, false, next, err
}

// skipOther moves past a value that is not a string.
func skipOther(d string, i, depth int) (jsonKind, int, error) {
	switch c := d[i]; {
	case c == '{':
		i = skipSpace(d, i+1)
		if i < len(d) && d[i] == '}' {
			return kindObject, i + 1, nil
		}
		for {
			i = skipSpace(d, i)
			if i >= len(d) || d[i] != '"' {
				return 0, i, errJSON
			}
			next, _, err := skipString(d, i)
			if err != nil {
				return 0, next, err
			}
			i = skipSpace(d, next)
			if i >= len(d) || d[i] != ':' {
				return 0, i, errJSON
			}
			i = skipSpace(d, i+1)
			if _, _, i, err = skipValue(d, i, depth+1); err != nil {
				return 0, i, err
			}
			i = skipSpace(d, i)
			if i >= len(d) {
				return 0, i, errJSON
			}
			if d[i] == ',' {
				i++
				continue
			}
			if d[i] != '}' {
				return 0, i, errJSON
			}
			return kindObject, i + 1, nil
		}
	case c == '[':
		i = skipSpace(d, i+1)
		if i < len(d) && d[i] == ']' {
			return kindArray, i + 1, nil
		}
		for {
			i = skipSpace(d, i)
			var err error
			if _, _, i, err = skipValue(d, i, depth+1); err != nil {
				return 0, i, err
			}
			i = skipSpace(d, i)
			if i >= len(d) {
				return 0, i, errJSON
			}
			if d[i] == ',' {
				i++
				continue
			}
			if d[i] != ']' {
				return 0, i, errJSON
			}
			return kindArray, i + 1, nil
		}
	case c == '-' || (c >= '0' && c <= '9'):
		next, err := skipNumber(d, i)
		return kindNumber, next, err
	case c == 't':
		next, err := literal(d, i, "true")
		return kindTrue, next, err
	case c == 'f':
		next, err := literal(d, i, "false")
		return kindFalse, next, err
	case c == 'n':
		next, err := literal(d, i, "null")
		return kindNull, next, err
	}
	return 0, i, errJSON
}

func literal(d string, i int, lit string) (int, error) {
	if len(d)-i < len(lit) || d[i:i+len(lit)] != lit {
		return i, errJSON
	}
	return i + len(lit), nil
}

// skipNumber follows the JSON number grammar exactly.
func skipNumber(d string, i int) (int, error) {
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return i, errJSON
	}
	if i < len(d) && d[i] == '.' {
		i++
		n := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == n {
			return i, errJSON
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		n := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == n {
			return i, errJSON
		}
	}
	return i, nil
}

// plainChar marks the bytes a string can hold as they are: printable
// ASCII other than '"' and '\\'.
var plainChar = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// load64 reads eight bytes of b, little-endian: one load once compiled.
func load64(b string) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// nonPlain8 marks, in the high bit of each byte, the bytes of the word x
// that are not plainChar bytes, with word-at-a-time arithmetic: bytes
// below 0x20, at or above 0x80, '"' and '\\'. Borrows can mark bytes after
// the first marked one, never before it: the lowest mark is exact.
func nonPlain8(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below := (x - ones*0x20) &^ x // a byte < 0x20 (for bytes < 0x80)
	quote := (x ^ ones*'"') - ones&^(x^ones*'"')
	slash := (x ^ ones*'\\') - ones&^(x^ones*'\\')
	return (below | quote | slash | x) & highs
}

// skipString moves past the string at i and reports whether it had
// escapes.
func skipString(d string, i int) (next int, escaped bool, err error) {
	if i >= len(d) || d[i] != '"' {
		return i, false, errJSON
	}
	i++
	for i < len(d) {
		// Fast path: printable ASCII without quote or backslash, eight
		// bytes at a time to the first other byte, then byte by byte
		// near the end of the input.
		for i+8 <= len(d) {
			if m := nonPlain8(load64(d[i : i+8])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(d) && plainChar[d[i]] {
			i++
		}
		if i >= len(d) {
			break
		}
		c := d[i]
		switch {
		case c == '"':
			return i + 1, escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(d) {
				return i, false, errJSON
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(d) {
					return i, false, errJSON
				}
				for j := i + 2; j < i+6; j++ {
					if unhex(d[j]) < 0 {
						return i, false, errJSON
					}
				}
				i += 6
			default:
				return i, false, errJSON
			}
		case c < 0x20:
			return i, false, errJSON
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRuneInString(d[i:])
			if r == utf8.RuneError && size == 1 {
				return i, false, errJSON
			}
			i += size
		}
	}
	return i, false, errJSON
}

// stringValue reads the string at i and returns its unescaped content (a
// substring of the input when it has no escapes) and the position after
// it.
func stringValue(d string, i int) (string, int, error) {
	next, escaped, err := skipString(d, i)
	if err != nil {
		return "", next, err
	}
	raw := d[i+1 : next-1]
	if !escaped {
		return raw, next, nil
	}
	v, err := unescape(raw)
	return v, next, err
}

// decodeString returns the content of a raw JSON string value.
func decodeString(raw string) (string, error) {
	v, next, err := stringValue(raw, 0)
	if err != nil || next != len(raw) {
		return "", errJSON
	}
	return v, nil
}

// unescape decodes the escapes of a string already checked by skipString.
func unescape(raw string) (string, error) {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch raw[i+1] {
		case '"', '\\', '/':
			out = append(out, raw[i+1])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(raw[i+2 : i+6])
			i += 6
			if r >= 0xD800 && r < 0xDC00 {
				// A high surrogate must be followed by a low one.
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					if r2 := hex4(raw[i+2 : i+6]); r2 >= 0xDC00 && r2 < 0xE000 {
						out = utf8.AppendRune(out, (r-0xD800)<<10+(r2-0xDC00)+0x10000)
						i += 6
						continue
					}
				}
				out = utf8.AppendRune(out, utf8.RuneError)
				continue
			}
			if r >= 0xDC00 && r < 0xE000 {
				out = utf8.AppendRune(out, utf8.RuneError)
				continue
			}
			out = utf8.AppendRune(out, r)
			continue
		}
		i += 2
	}
	return string(out), nil
}

func hex4(b string) rune {
	var r rune
	for i := 0; i < len(b); i++ {
		r = r<<4 | rune(unhex(b[i]))
	}
	return r
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// numericDate reads a JSON number as seconds since the epoch. Fractions
// are truncated; a value that is not a finite number within ±2^53 is an
// error (1e309 overflows, and a date that far out is no date).
func numericDate(m member) (int64, error) {
	if m.kind != kindNumber {
		return 0, errors.New("not a number")
	}
	// Fast path: a plain integer.
	if len(m.raw) <= 15 {
		var n int64
		neg := m.raw[0] == '-'
		digits := m.raw
		if neg {
			digits = digits[1:]
		}
		plain := len(digits) > 0
		for i := 0; i < len(digits); i++ {
			c := digits[i]
			if c < '0' || c > '9' {
				plain = false
				break
			}
			n = n*10 + int64(c-'0')
		}
		if plain {
			if neg {
				n = -n
			}
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(m.raw, 64)
	if err != nil || f > 1<<53 || f < -(1<<53) {
		return 0, errors.New("number out of range")
	}
	return int64(f), nil
}

// stringArray reads a JSON array of strings.
func stringArray(raw string) ([]string, error) {
	var out []string
	err := eachElement(raw, func(kind jsonKind, v string) error {
		if kind != kindString {
			return errors.New("not a string")
		}
		s, err := decodeString(v)
		out = append(out, s)
		return err
	})
	return out, err
}

// eachElement calls fn for each element of a JSON array already validated
// by the scanner.
func eachElement(raw string, fn func(kind jsonKind, v string) error) error {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return errJSON
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return nil
	}
	for {
		i = skipSpace(raw, i)
		start := i
		kind, _, next, err := skipValue(raw, i, 1)
		if err != nil {
			return err
		}
		i = next
		if err := fn(kind, raw[start:i]); err != nil {
			return err
		}
		i = skipSpace(raw, i)
		if i >= len(raw) {
			return errJSON
		}
		if raw[i] == ']' {
			return nil
		}
		if raw[i] != ',' {
			return errJSON
		}
		i++
	}
}
