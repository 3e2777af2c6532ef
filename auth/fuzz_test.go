package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
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

// FuzzCachedAgreesWithUncached checks that the token cache changes no
// answer. Two pairs of Verifiers, each a Verifier with a small cache and
// one without, share one clock: a networkless pair (PEM key) and a JWKS
// pair whose fetches get the same answers. Every answer of a cached
// Verifier must equal its twin's: the same claims, or an error with the
// same reason and message.
//
// The inputs are a token (the seeds are valid tokens; the fuzzer derives
// others from them), claims that the test signs with the instance's key
// (so that tokens with a valid signature and arbitrary claims reach the
// cache), and a script. The script's first byte picks the options (azp,
// aud, clock skew); each later step verifies the token, the signed claims
// or a token of a fixed set (tokens of the other key, expiring, not yet
// valid, without kid, ...) twice, moves the clock back or forth, changes
// what the JWKS serves, or authenticates a request with the token in a
// header or a cookie.
//
// Run it with: go test ./auth -run '^$' -fuzz FuzzCachedAgreesWithUncached -fuzztime 5m
func FuzzCachedAgreesWithUncached(f *testing.F) {
	key, otherKey := keys(f)
	pemKey := pemOf(f, &key.PublicKey)
	at := func(d time.Duration) int64 { return epoch.Add(d).Unix() }
	fixed := []string{
		sign(f, key, hdr("ins_1"), claimsAt(epoch)),
		sign(f, key, hdr("ins_1"), with(claimsAt(epoch), "exp", at(3*time.Second))),
		sign(f, key, hdr("ins_1"), with(claimsAt(epoch), "nbf", at(8*time.Second), "iat", at(7*time.Second))),
		sign(f, key, hdr("ins_1"), with(claimsAt(epoch), "aud", []string{"web", "api"}, "v", 2, "fea", "o:a",
			"o", map[string]any{"id": "org_1", "rol": "admin", "per": "read", "fpm": "1"})),
		sign(f, key, hdr("ins_1"), with(claimsAt(epoch), "azp", "https://other.example")),
		sign(f, key, hdr(""), claimsAt(epoch)),
		sign(f, key, map[string]any{"alg": "RS512", "kid": "ins_1"}, claimsAt(epoch)),
		sign(f, otherKey, hdr("ins_2"), claimsAt(epoch)),
		sign(f, otherKey, hdr("ins_1"), claimsAt(epoch)),
		sign(f, otherKey, hdr("ins_3"), with(claimsAt(epoch), "exp", at(time.Hour))),
	}
	jwksBody := func(keys ...map[string]any) string {
		data, _ := json.Marshal(map[string]any{"keys": keys})
		return string(data)
	}
	jwksAnswers := []string{
		jwksBody(jwkOf("ins_1", &key.PublicKey), jwkOf("ins_2", &otherKey.PublicKey)),
		jwksBody(jwkOf("ins_1", &key.PublicKey)),
		jwksBody(jwkOf("ins_2", &otherKey.PublicKey), jwkOf("ins_3", &otherKey.PublicKey)),
		jwksBody(jwkOf("ins_1", &otherKey.PublicKey), jwkOf("ins_2", &key.PublicKey)),
		jwksBody(),
		"not JSON",
	}

	claimsJSON := func(c map[string]any) string {
		data, _ := json.Marshal(c)
		return string(data)
	}
	scripts := [][]byte{
		{0, 0, 0, 3, 55, 0, 0, 3, 10, 0, 0},                                   // verify, expire while cached
		{1, 1, 0, 3, 1, 1, 0, 3, 127, 1, 0, 3, 200, 1, 0},                     // the signed claims, the clock back and forth
		{2, 2, 1, 3, 4, 2, 1, 2, 2, 3, 248, 2, 2},                             // expiring and not yet valid tokens
		{0, 2, 7, 2, 0, 4, 3, 3, 21, 2, 0, 2, 7, 4, 1, 3, 21, 2, 7, 2, 0},     // keys replaced, dropped
		{3, 2, 3, 2, 0, 3, 50, 2, 3, 4, 2, 3, 21, 2, 3, 3, 10, 2, 3},          // azp and aud checked
		{4, 5, 0, 5, 1, 5, 2, 3, 9, 5, 0, 5, 3},                               // requests
		{5, 2, 3, 2, 4, 2, 5, 2, 6, 2, 8, 2, 9, 2, 0, 2, 1, 2, 2, 0, 0, 1, 0}, // more tokens than the cache holds
	}
	for i, tok := range fixed {
		f.Add(tok, claimsJSON(with(claimsAt(epoch), "exp", at(time.Duration(i)*time.Second))), scripts[i%len(scripts)])
	}
	f.Add("a.b.c", `{"sub":"u","exp":1700000005}`, scripts[1])
	f.Add(fixed[0], `{"sub":"u","exp":1700000100,"nbf":1700000002,"iat":1700000001,"aud":"api","azp":"https://example.com"}`, scripts[1])

	var signedMu sync.Mutex
	signed := map[string]string{} // claims → token, as signing costs a millisecond
	signClaims := func(t *testing.T, claims string) string {
		signedMu.Lock()
		defer signedMu.Unlock()
		tok, ok := signed[claims]
		if !ok {
			if len(signed) > 1000 {
				clear(signed)
			}
			tok = sign(t, key, hdr("ins_1"), claims)
			signed[claims] = tok
		}
		return tok
	}

	f.Fuzz(func(t *testing.T, token, claims string, script []byte) {
		if len(script) == 0 || len(claims) > 4096 {
			return
		}
		clk := &clock{t: epoch}
		opts := Options{Now: clk.Now}
		if script[0]&1 != 0 {
			opts.AuthorizedParties = []string{"https://example.com"}
		}
		if script[0]&2 != 0 {
			opts.Audiences = []string{"api"}
		}
		opts.ClockSkew = []time.Duration{0, -1, 30 * time.Second, time.Second}[script[0]>>2&3]

		// The JWKS pair: fetches are synchronous (keys do not serve stale)
		// and the clock moves in whole seconds while the TTL ends on a
		// half, so both Verifiers fetch at the same steps.
		jwks := jwksAnswers[0]
		transport := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			status := http.StatusOK
			if jwks == "not JSON" {
				status = http.StatusBadGateway
			}
			return &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(jwks)), Request: r}, nil
		})
		remoteOpts := opts
		remoteOpts.SecretKey = "sk_test_fuzz"
		remoteOpts.HTTPClient = &http.Client{Transport: transport}
		remoteOpts.JWKSCacheTTL = 20*time.Second + 500*time.Millisecond
		remoteOpts.JWKSMaxStale = time.Nanosecond
		remoteOpts.JWKSRefetchInterval = 10 * time.Second
		localOpts := opts
		localOpts.JWTKey = pemKey
		var pairs [2][2]*Verifier // {cached, plain} for the PEM key and the JWKS
		for i, o := range []Options{localOpts, remoteOpts} {
			for j, size := range []int{8, 0} {
				o.TokenCacheSize = size
				v, err := NewVerifier(o)
				if err != nil {
					t.Fatal(err)
				}
				pairs[i][j] = v
			}
		}

		ctx := context.Background()
		pick := func(arg byte) string {
			switch {
			case arg%4 == 0:
				return token
			case arg%4 == 1:
				return signClaims(t, claims)
			default:
				return fixed[int(arg/4)%len(fixed)]
			}
		}
		check := func(step int, tok string) {
			for _, p := range pairs {
				for range 2 { // the second time, a token that verified is a hit
					c1, err1 := p[0].Verify(ctx, tok)
					c2, err2 := p[1].Verify(ctx, tok)
					sameAnswer(t, fmt.Sprintf("step %d at %s", step, clk.Now().Sub(epoch)), c1, err1, c2, err2)
				}
			}
		}
		for i := 1; i+1 < len(script); i += 2 {
			op, arg := script[i], script[i+1]
			switch op % 6 {
			case 0:
				check(i, token)
			case 1:
				check(i, signClaims(t, claims))
			case 2:
				check(i, fixed[int(arg)%len(fixed)])
			case 3:
				clk.Add(time.Duration(int8(arg)) * time.Second)
			case 4:
				jwks = jwksAnswers[int(arg)%len(jwksAnswers)]
			case 5:
				tok := pick(arg)
				for _, p := range pairs {
					r := httptest.NewRequest(http.MethodGet, "/", nil)
					if arg&0x80 != 0 {
						r.Header.Set("Authorization", "Bearer "+tok)
					} else {
						r.AddCookie(&http.Cookie{Name: "__session", Value: tok})
						r.AddCookie(&http.Cookie{Name: "__client_uat", Value: strconv.FormatInt(epoch.Unix()-int64(arg&0x40)/4, 10)})
					}
					s1, s2 := p[0].AuthenticateRequest(r), p[1].AuthenticateRequest(r)
					if s1.Status != s2.Status || s1.Reason != s2.Reason || s1.Message != s2.Message ||
						s1.Token != s2.Token || !reflect.DeepEqual(s1.Claims, s2.Claims) || fmt.Sprint(s1.Err) != fmt.Sprint(s2.Err) {
						t.Fatalf("step %d: request states differ: cached %+v, uncached %+v", i, s1, s2)
					}
				}
			}
		}
	})
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

// RoundTrip calls f.
func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
