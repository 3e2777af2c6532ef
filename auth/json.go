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

type scanner struct {
	data string
	pos  int
}

// eachMember reads data as one JSON object and calls fn for each member in
// order. Member names are compared unescaped; a repeated name is an error.
func eachMember(data string, fn func(m member) error) error {
	s := scanner{data: data}
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != '{' {
		return errJSON
	}
	s.pos++
	var seenBuf [32]string
	seen := seenBuf[:0]
	var filter uint64 // one bit per (length, first byte) class of the names seen
	first := true
	for {
		s.skipSpace()
		if s.pos >= len(s.data) {
			return errJSON
		}
		if s.data[s.pos] == '}' && first {
			s.pos++
			break
		}
		first = false
		name, err := s.stringValue()
		if err != nil {
			return err
		}
		// A name can only repeat one of the same class: compare with the
		// names seen only when the class was seen (rarely, for claims).
		bit := uint64(1) << ((uint(len(name)) * 7) % 64)
		if len(name) > 0 {
			bit = uint64(1) << ((uint(len(name))*7 + uint(name[0])) % 64)
		}
		if filter&bit != 0 {
			for _, prev := range seen {
				if prev == name {
					return errors.New("duplicate member " + strconv.Quote(name))
				}
			}
		}
		filter |= bit
		seen = append(seen, name)
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return errJSON
		}
		s.pos++
		s.skipSpace()
		start := s.pos
		kind, escaped, err := s.skipValue(1)
		if err != nil {
			return err
		}
		if err := fn(member{name: name, kind: kind, raw: s.data[start:s.pos], escaped: escaped}); err != nil {
			return err
		}
		s.skipSpace()
		if s.pos >= len(s.data) {
			return errJSON
		}
		if s.data[s.pos] == ',' {
			s.pos++
			continue
		}
		if s.data[s.pos] != '}' {
			return errJSON
		}
		s.pos++
		break
	}
	s.skipSpace()
	if s.pos != len(s.data) {
		return errJSON
	}
	return nil
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// skipValue moves past one value and says what it was, and for a string
// whether it has escapes.
func (s *scanner) skipValue(depth int) (jsonKind, bool, error) {
	if depth > maxDepth {
		return 0, false, errors.New("JSON nested too deeply")
	}
	if s.pos >= len(s.data) {
		return 0, false, errJSON
	}
	if s.data[s.pos] == '"' {
		escaped, err := s.skipString()
		return kindString, escaped, err
	}
	kind, err := s.skipOther(depth)
	return kind, false, err
}

// skipOther moves past a value that is not a string.
func (s *scanner) skipOther(depth int) (jsonKind, error) {
	switch c := s.data[s.pos]; {
	case c == '{':
		s.pos++
		s.skipSpace()
		if s.pos < len(s.data) && s.data[s.pos] == '}' {
			s.pos++
			return kindObject, nil
		}
		for {
			s.skipSpace()
			if s.pos >= len(s.data) || s.data[s.pos] != '"' {
				return 0, errJSON
			}
			if _, err := s.skipString(); err != nil {
				return 0, err
			}
			s.skipSpace()
			if s.pos >= len(s.data) || s.data[s.pos] != ':' {
				return 0, errJSON
			}
			s.pos++
			s.skipSpace()
			if _, _, err := s.skipValue(depth + 1); err != nil {
				return 0, err
			}
			s.skipSpace()
			if s.pos >= len(s.data) {
				return 0, errJSON
			}
			if s.data[s.pos] == ',' {
				s.pos++
				continue
			}
			if s.data[s.pos] != '}' {
				return 0, errJSON
			}
			s.pos++
			return kindObject, nil
		}
	case c == '[':
		s.pos++
		s.skipSpace()
		if s.pos < len(s.data) && s.data[s.pos] == ']' {
			s.pos++
			return kindArray, nil
		}
		for {
			s.skipSpace()
			if _, _, err := s.skipValue(depth + 1); err != nil {
				return 0, err
			}
			s.skipSpace()
			if s.pos >= len(s.data) {
				return 0, errJSON
			}
			if s.data[s.pos] == ',' {
				s.pos++
				continue
			}
			if s.data[s.pos] != ']' {
				return 0, errJSON
			}
			s.pos++
			return kindArray, nil
		}
	case c == '-' || (c >= '0' && c <= '9'):
		return kindNumber, s.skipNumber()
	case c == 't':
		return kindTrue, s.literal("true")
	case c == 'f':
		return kindFalse, s.literal("false")
	case c == 'n':
		return kindNull, s.literal("null")
	}
	return 0, errJSON
}

func (s *scanner) literal(lit string) error {
	if len(s.data)-s.pos < len(lit) || s.data[s.pos:s.pos+len(lit)] != lit {
		return errJSON
	}
	s.pos += len(lit)
	return nil
}

// skipNumber follows the JSON number grammar exactly.
func (s *scanner) skipNumber() error {
	d := s.data
	if s.pos < len(d) && d[s.pos] == '-' {
		s.pos++
	}
	switch {
	case s.pos < len(d) && d[s.pos] == '0':
		s.pos++
	case s.pos < len(d) && d[s.pos] >= '1' && d[s.pos] <= '9':
		for s.pos < len(d) && d[s.pos] >= '0' && d[s.pos] <= '9' {
			s.pos++
		}
	default:
		return errJSON
	}
	if s.pos < len(d) && d[s.pos] == '.' {
		s.pos++
		n := s.pos
		for s.pos < len(d) && d[s.pos] >= '0' && d[s.pos] <= '9' {
			s.pos++
		}
		if s.pos == n {
			return errJSON
		}
	}
	if s.pos < len(d) && (d[s.pos] == 'e' || d[s.pos] == 'E') {
		s.pos++
		if s.pos < len(d) && (d[s.pos] == '+' || d[s.pos] == '-') {
			s.pos++
		}
		n := s.pos
		for s.pos < len(d) && d[s.pos] >= '0' && d[s.pos] <= '9' {
			s.pos++
		}
		if s.pos == n {
			return errJSON
		}
	}
	return nil
}

// plainChar marks the bytes a string can hold as they are: printable
// ASCII other than '"' and '\\'.
var plainChar = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// nonPlain8 marks, in the high bit of each byte, the bytes of b that are
// not plainChar bytes, with word-at-a-time arithmetic: bytes below 0x20,
// at or above 0x80, '"' and '\\'. Borrows can mark bytes after the first
// marked one, never before it: the lowest mark is exact.
func nonPlain8(b string) uint64 {
	x := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below := (x - ones*0x20) &^ x // a byte < 0x20 (for bytes < 0x80)
	quote := (x ^ ones*'"') - ones&^(x^ones*'"')
	slash := (x ^ ones*'\\') - ones&^(x^ones*'\\')
	return (below | quote | slash | x) & highs
}

// skipString moves past a string and reports whether it had escapes.
func (s *scanner) skipString() (escaped bool, err error) {
	d := s.data
	if s.pos >= len(d) || d[s.pos] != '"' {
		return false, errJSON
	}
	s.pos++
	for s.pos < len(d) {
		// Fast path: printable ASCII without quote or backslash, eight
		// bytes at a time to the first other byte, then byte by byte
		// near the end of the input.
		for s.pos+8 <= len(d) {
			if m := nonPlain8(d[s.pos : s.pos+8]); m != 0 {
				s.pos += bits.TrailingZeros64(m) >> 3
				break
			}
			s.pos += 8
		}
		for s.pos < len(d) && plainChar[d[s.pos]] {
			s.pos++
		}
		if s.pos >= len(d) {
			break
		}
		c := d[s.pos]
		switch {
		case c == '"':
			s.pos++
			return escaped, nil
		case c == '\\':
			escaped = true
			if s.pos+1 >= len(d) {
				return false, errJSON
			}
			switch d[s.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.pos += 2
			case 'u':
				if s.pos+6 > len(d) {
					return false, errJSON
				}
				for i := s.pos + 2; i < s.pos+6; i++ {
					if unhex(d[i]) < 0 {
						return false, errJSON
					}
				}
				s.pos += 6
			default:
				return false, errJSON
			}
		case c < 0x20:
			return false, errJSON
		case c < utf8.RuneSelf:
			s.pos++
		default:
			r, size := utf8.DecodeRuneInString(d[s.pos:])
			if r == utf8.RuneError && size == 1 {
				return false, errJSON
			}
			s.pos += size
		}
	}
	return false, errJSON
}

// stringValue reads a string at the current position and returns its
// unescaped content (a substring of the input when it has no escapes).
func (s *scanner) stringValue() (string, error) {
	start := s.pos
	escaped, err := s.skipString()
	if err != nil {
		return "", err
	}
	raw := s.data[start+1 : s.pos-1]
	if !escaped {
		return raw, nil
	}
	return unescape(raw)
}

// decodeString returns the content of a raw JSON string value.
func decodeString(raw string) (string, error) {
	s := scanner{data: raw}
	v, err := s.stringValue()
	if err != nil || s.pos != len(raw) {
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
	s := scanner{data: raw}
	s.skipSpace()
	if s.pos >= len(raw) || raw[s.pos] != '[' {
		return errJSON
	}
	s.pos++
	s.skipSpace()
	if s.pos < len(raw) && raw[s.pos] == ']' {
		return nil
	}
	for {
		s.skipSpace()
		start := s.pos
		kind, _, err := s.skipValue(1)
		if err != nil {
			return err
		}
		if err := fn(kind, raw[start:s.pos]); err != nil {
			return err
		}
		s.skipSpace()
		if s.pos >= len(raw) {
			return errJSON
		}
		if raw[s.pos] == ']' {
			return nil
		}
		if raw[s.pos] != ',' {
			return errJSON
		}
		s.pos++
	}
}
