package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary tokens to a networkless Verifier. It must never
// panic, and it must accept only tokens that were signed with the key: the
// fuzzer cannot forge RSA signatures, so every accepted token must be one
// of the seeds this test signed, byte for byte (segments have exactly one
// encoding, so no re-encoding of a signed token passes either).
//
// Run it with: go test ./auth -run '^$' -fuzz FuzzVerify -fuzztime 5m
func FuzzVerify(f *testing.F) {
	key, otherKey := keys(f)
	signed := map[string]bool{}
	add := func(tok string, ours bool) {
		if ours {
			signed[tok] = true
		}
		f.Add(tok)
	}
	add(sign(f, key, hdr("ins_1"), claimsAt(epoch)), true)
	add(sign(f, key, hdr(""), with(claimsAt(epoch), "v", 2, "fea", "o:a,u:b", "o", map[string]any{"id": "org_1", "rol": "admin", "per": "read", "fpm": "1"})), true)
	add(sign(f, key, map[string]any{"alg": "RS256"}, `{"sub":"u","exp":1700000100,"aud":["a","b"],"x":{"y":[1,2,{"z":null}]}}`), true)
	add(sign(f, key, hdr(""), `{"sub":"u\u00e9\ud83d\ude00","exp":1700000100}`), true)
	add(sign(f, otherKey, hdr(""), claimsAt(epoch)), false)
	add(hs256(map[string]any{"alg": "HS256"}, claimsAt(epoch), []byte(pemOf(f, &key.PublicKey))), false)
	add(seg(map[string]any{"alg": "none"})+"."+seg(claimsAt(epoch))+".", false)
	add("a.b.c", false)
	add("..", false)
	add("", false)
	add(strings.Repeat("A", 100)+"."+strings.Repeat("B", 100)+"."+strings.Repeat("C", 342), false)

	v, err := NewVerifier(Options{JWTKey: pemOf(f, &key.PublicKey), Now: func() time.Time { return epoch }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, token string) {
		claims, err := v.Verify(context.Background(), token)
		if err == nil {
			if !signed[token] {
				t.Fatalf("accepted a token the key did not sign: %q", token)
			}
			if claims == nil || claims.Subject == "" {
				t.Fatal("accepted without claims")
			}
			return
		}
		if claims != nil {
			t.Fatal("claims returned with an error")
		}
		if ReasonOf(err) == "" {
			t.Fatalf("an error without a reason: %v", err)
		}
		Decode(token) // must not panic either
	})
}

// FuzzJSONAgreesWithEncodingJSON checks the hand-written JSON reader of
// the claims against encoding/json: whatever it accepts is a valid JSON
// object with the same members, and it accepts every valid object without
// duplicate names that is not nested too deeply.
func FuzzJSONAgreesWithEncodingJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `{"a":"\u00e9\ud83d\ude00\n","b":[1,2.5e-3,-0,true,false,null],"c":{"d":{}}}`,
		`{"a":1,"a":2}`, `{"a":01}`, `{"a":1,}`, `[1]`, `"x"`, `{"a":"\x01"}`, `{"a":"\ud800"}`,
		` {"a" : [ ] } `, `{"a":1e309}`, `{"a":-}`, `{"a":1.}`, "{\"a\":\"\xff\"}", `{"\u0061":1,"a":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var names []string
		ourErr := eachMember(string(data), func(m member) error {
			names = append(names, string(m.name))
			return nil
		})
		var obj map[string]json.RawMessage
		stdErr := json.Unmarshal(data, &obj)
		isObject := stdErr == nil && obj != nil && bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("{"))
		if ourErr == nil {
			if !json.Valid(data) || !isObject {
				t.Fatalf("accepted what encoding/json rejects: %q", data)
			}
			if len(names) != len(obj) {
				t.Fatalf("members %v, encoding/json has %d", names, len(obj))
			}
			for _, n := range names {
				if _, ok := obj[n]; !ok {
					t.Fatalf("member %q unknown to encoding/json", n)
				}
			}
			return
		}
		if isObject && bytes.Count(data, []byte("["))+bytes.Count(data, []byte("{")) < maxDepth && validUTF8Strings(data) {
			// encoding/json takes duplicate names (the last wins); this
			// reader refuses them on purpose. Anything else it must take.
			if len(countNames(data)) == len(obj) && !strings.Contains(ourErr.Error(), "duplicate") {
				t.Fatalf("rejected a valid object %q: %v", data, ourErr)
			}
		}
	})
}

// validUTF8Strings reports whether data is valid UTF-8: encoding/json
// replaces invalid bytes in strings, this reader rejects them.
func validUTF8Strings(data []byte) bool {
	return strings.ToValidUTF8(string(data), "\uFFFD") == string(data)
}

// countNames lists the top-level member names of a valid JSON object,
// duplicates included.
func countNames(data []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(data))
	var names []string
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return nil
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		names = append(names, tok.(string))
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return nil
		}
	}
	return names
}
