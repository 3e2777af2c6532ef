package auth

import (
	"context"
	"encoding/base64"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// networkless returns a Verifier with the test key's PEM and a fixed clock.
func networkless(t *testing.T, opts Options) *Verifier {
	t.Helper()
	key, _ := keys(t)
	opts.JWTKey = pemOf(t, &key.PublicKey)
	if opts.Now == nil {
		opts.Now = func() time.Time { return epoch }
	}
	v, err := NewVerifier(opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyRejectsEveryBrokenToken(t *testing.T) {
	key, otherKey := keys(t)
	now := epoch
	good := sign(t, key, hdr("ins_1"), claimsAt(now))
	parts := strings.Split(good, ".")
	pemKey := pemOf(t, &key.PublicKey)
	skew := DefaultClockSkew
	s := func(d time.Duration) int64 { return now.Add(d).Unix() }

	tests := []struct {
		name  string
		token string
		opts  Options
		want  Reason // "" means valid
	}{
		{"a valid token passes", good, Options{}, ""},
		{"a token signed by another key fails", sign(t, otherKey, hdr("ins_1"), claimsAt(now)), Options{}, ReasonTokenInvalidSignature},
		{"alg none fails", seg(map[string]any{"alg": "none", "typ": "JWT"}) + "." + parts[1] + ".", Options{}, ReasonTokenInvalidAlgorithm},
		{"alg none without a signature segment fails", seg(map[string]any{"alg": "none"}) + "." + parts[1], Options{}, ReasonTokenInvalid},
		{"HS256 signed with the public key as secret fails", hs256(map[string]any{"alg": "HS256", "typ": "JWT"}, claimsAt(now), []byte(pemKey)), Options{}, ReasonTokenInvalidAlgorithm},
		{"a header without alg fails", sign(t, key, map[string]any{"typ": "JWT"}, claimsAt(now)), Options{}, ReasonTokenInvalidAlgorithm},
		{"RS384 against an RS256 key fails", sign(t, key, map[string]any{"alg": "RS384", "typ": "JWT"}, claimsAt(now)), Options{}, ReasonTokenInvalidAlgorithm},
		{"RS512 against an RS256 key fails", sign(t, key, map[string]any{"alg": "RS512"}, claimsAt(now)), Options{}, ReasonTokenInvalidAlgorithm},
		{"ES256 fails", seg(map[string]any{"alg": "ES256"}) + "." + parts[1] + "." + parts[2], Options{}, ReasonTokenInvalidAlgorithm},
		{"typ other than JWT fails", sign(t, key, map[string]any{"alg": "RS256", "typ": "at+jwt"}, claimsAt(now)), Options{}, ReasonTokenInvalid},
		{"typ absent passes", sign(t, key, map[string]any{"alg": "RS256"}, claimsAt(now)), Options{}, ""},
		{"a critical header extension fails", sign(t, key, map[string]any{"alg": "RS256", "crit": []string{"b64"}, "b64": false}, claimsAt(now)), Options{}, ReasonTokenInvalid},

		{"exp missing fails", sign(t, key, hdr(""), with(claimsAt(now), "exp", nil)), Options{}, ReasonTokenVerificationFailed},
		{"exp at now passes (skew)", sign(t, key, hdr(""), with(claimsAt(now), "exp", s(0))), Options{}, ""},
		{"exp at now-skew+1s passes", sign(t, key, hdr(""), with(claimsAt(now), "exp", s(-skew+time.Second))), Options{}, ""},
		{"exp at now-skew fails", sign(t, key, hdr(""), with(claimsAt(now), "exp", s(-skew))), Options{}, ReasonTokenExpired},
		{"exp at now-skew-1s fails", sign(t, key, hdr(""), with(claimsAt(now), "exp", s(-skew-time.Second))), Options{}, ReasonTokenExpired},
		{"exp at now fails without skew", sign(t, key, hdr(""), with(claimsAt(now), "exp", s(0))), Options{ClockSkew: -1}, ReasonTokenExpired},
		{"nbf at now+skew-1s passes", sign(t, key, hdr(""), with(claimsAt(now), "nbf", s(skew-time.Second))), Options{}, ""},
		{"nbf at now+skew passes", sign(t, key, hdr(""), with(claimsAt(now), "nbf", s(skew))), Options{}, ""},
		{"nbf at now+skew+1s fails", sign(t, key, hdr(""), with(claimsAt(now), "nbf", s(skew+time.Second))), Options{}, ReasonTokenNotActiveYet},
		{"iat at now+skew-1s passes", sign(t, key, hdr(""), with(claimsAt(now), "iat", s(skew-time.Second))), Options{}, ""},
		{"iat at now+skew+1s fails", sign(t, key, hdr(""), with(claimsAt(now), "iat", s(skew+time.Second))), Options{}, ReasonTokenIatInTheFuture},
		{"iat in the future without nbf fails", sign(t, key, hdr(""), with(claimsAt(now), "nbf", nil, "iat", s(time.Hour))), Options{}, ReasonTokenIatInTheFuture},
		{"nbf and iat in the future fail on nbf first", sign(t, key, hdr(""), with(claimsAt(now), "nbf", s(time.Hour), "iat", s(time.Hour))), Options{}, ReasonTokenNotActiveYet},
		{"sub missing fails", sign(t, key, hdr(""), with(claimsAt(now), "sub", nil)), Options{}, ReasonTokenVerificationFailed},
		{"sub empty fails", sign(t, key, hdr(""), with(claimsAt(now), "sub", "")), Options{}, ReasonTokenVerificationFailed},
		{"sub not a string fails", sign(t, key, hdr(""), with(claimsAt(now), "sub", 42)), Options{}, ReasonTokenVerificationFailed},

		{"azp wrong fails", good, Options{AuthorizedParties: []string{"https://other.example"}}, ReasonTokenInvalidAuthorizedParties},
		{"azp right passes", good, Options{AuthorizedParties: []string{"https://other.example", "https://example.com"}}, ""},
		{"azp missing with parties set fails", sign(t, key, hdr(""), with(claimsAt(now), "azp", nil)), Options{AuthorizedParties: []string{"https://example.com"}}, ReasonTokenInvalidAuthorizedParties},
		{"azp present with no parties set passes", good, Options{}, ""},
		{"aud as a matching string passes", sign(t, key, hdr(""), with(claimsAt(now), "aud", "api")), Options{Audiences: []string{"api"}}, ""},
		{"aud as a matching array passes", sign(t, key, hdr(""), with(claimsAt(now), "aud", []string{"x", "api"})), Options{Audiences: []string{"api"}}, ""},
		{"aud as another string fails", sign(t, key, hdr(""), with(claimsAt(now), "aud", "web")), Options{Audiences: []string{"api"}}, ReasonTokenVerificationFailed},
		{"aud as another array fails", sign(t, key, hdr(""), with(claimsAt(now), "aud", []string{"web", "app"})), Options{Audiences: []string{"api"}}, ReasonTokenVerificationFailed},
		{"aud missing with audiences set fails", good, Options{Audiences: []string{"api"}}, ReasonTokenVerificationFailed},
		{"aud of numbers fails", sign(t, key, hdr(""), with(claimsAt(now), "aud", []int{1})), Options{}, ReasonTokenVerificationFailed},

		{"one payload byte changed fails", parts[0] + "." + flipChar(parts[1], 10) + "." + parts[2], Options{}, ReasonTokenInvalidSignature},
		{"signature bits flipped fails", parts[0] + "." + parts[1] + "." + flipChar(parts[2], 5), Options{}, ReasonTokenInvalidSignature},
		{"signature truncated fails", parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-4], Options{}, ReasonTokenInvalidSignature},
		{"signature empty fails", parts[0] + "." + parts[1] + ".", Options{}, ReasonTokenInvalidSignature},
		{"signature with non-zero padding bits fails", parts[0] + "." + parts[1] + "." + parts[2][:len(parts[2])-1] + nextB64(parts[2][len(parts[2])-1]), Options{}, ReasonTokenInvalidSignature},
		{"2 segments fail", parts[0] + "." + parts[1], Options{}, ReasonTokenInvalid},
		{"4 segments fail", good + ".x", Options{}, ReasonTokenInvalid},
		{"5 segments fail", good + ".x.y", Options{}, ReasonTokenInvalid},
		{"a trailing dot fails", good + ".", Options{}, ReasonTokenInvalid},
		{"an empty header fails", "." + parts[1] + "." + parts[2], Options{}, ReasonTokenInvalid},
		{"an empty token fails", "", Options{}, ReasonTokenInvalid},
		{"a 1 MB header fails before decoding", strings.Repeat("A", 1<<20) + "." + parts[1] + "." + parts[2], Options{}, ReasonTokenInvalid},
		{"standard-alphabet base64 fails", toStd(parts[0]) + "." + toStd(parts[1]) + "." + toStd(parts[2]), Options{}, ReasonTokenInvalid},
		{"padding fails", padded(parts[0]) + "." + parts[1] + "." + parts[2], Options{}, ReasonTokenInvalid},
		{"a newline inside fails", parts[0] + "." + parts[1][:5] + "\n" + parts[1][5:] + "." + parts[2], Options{}, ReasonTokenInvalid},
		{"a space around fails", " " + good, Options{}, ReasonTokenInvalid},
		{"a payload that is a JSON array fails", sign(t, key, hdr(""), `[1,2]`), Options{}, ReasonTokenInvalid},
		{"a payload that is a JSON string fails", sign(t, key, hdr(""), `"user_123"`), Options{}, ReasonTokenInvalid},
		{"a payload that is not JSON fails", sign(t, key, hdr(""), `{"sub":"u",}`), Options{}, ReasonTokenInvalid},
		{"a payload with a duplicate exp fails", sign(t, key, hdr(""), `{"sub":"u","exp":1,"exp":`+itoa(s(time.Hour))+`}`), Options{}, ReasonTokenInvalid},
		{"exp as a string fails", sign(t, key, hdr(""), with(claimsAt(now), "exp", "9999999999")), Options{}, ReasonTokenVerificationFailed},
		{"exp as 1e309 fails", sign(t, key, hdr(""), `{"sub":"u","exp":1e309}`), Options{}, ReasonTokenVerificationFailed},
		{"exp beyond 2^53 fails", sign(t, key, hdr(""), `{"sub":"u","exp":1e300}`), Options{}, ReasonTokenVerificationFailed},
		{"exp as a fraction passes", sign(t, key, hdr(""), `{"sub":"u","exp":`+itoa(s(time.Minute))+`.5}`), Options{}, ""},
		{"a header that is not JSON fails", seg("{alg:RS256}") + "." + parts[1] + "." + parts[2], Options{}, ReasonTokenInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := networkless(t, tt.opts)
			claims, err := v.Verify(context.Background(), tt.token)
			if got := ReasonOf(err); got != tt.want {
				t.Fatalf("reason %q, want %q (err: %v)", got, tt.want, err)
			}
			if tt.want == "" && (claims == nil || claims.Subject == "") {
				t.Fatalf("valid token without claims")
			}
			if tt.want != "" && claims != nil {
				t.Fatalf("claims returned with an error")
			}
			if err != nil && len(tt.token) > 20 && strings.Contains(err.Error(), tt.token[len(tt.token)-20:]) {
				t.Fatalf("the error echoes the token")
			}
		})
	}
}

func flipChar(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

// nextB64 changes the last character of a segment so that only its unused
// low bits differ.
func nextB64(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	return string(alphabet[strings.IndexByte(alphabet, c)+1])
}

func toStd(s string) string {
	raw, _ := base64.RawURLEncoding.DecodeString(s)
	return base64.StdEncoding.EncodeToString(raw)
}

func padded(s string) string {
	for len(s)%4 != 0 {
		s += "="
	}
	if !strings.HasSuffix(s, "=") {
		s += "===="
	}
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestClaimsNormaliseVersion1AndVersion2(t *testing.T) {
	key, _ := keys(t)
	v := networkless(t, Options{})
	v1 := sign(t, key, hdr(""), with(claimsAt(epoch),
		"org_id", "org_1", "org_slug", "acme", "org_role", "org:admin",
		"org_permissions", []string{"org:invoices:read"}, "fva", []int{3, -1},
		"act", map[string]any{"sub": "user_admin", "iss": "https://dashboard.clerk.com"},
		"plan_tier", map[string]any{"level": 2}))
	// The worked example of Clerk's JavaScript SDK.
	v2 := sign(t, key, hdr(""), with(claimsAt(epoch), "v", 2, "sts", "active", "fva", []int{5, -1},
		"pla", "u:free,o:pro", "fea", "o:billing,u:goldprofile,o:repositories,uo:projects", "jti", "jti_1",
		"o", map[string]any{"id": "org_2abc", "slg": "acme", "rol": "admin", "per": "read,create,update,delete,revoke", "fpm": "1,7,21"}))

	c1, err := v.Verify(context.Background(), v1)
	if err != nil {
		t.Fatal(err)
	}
	if c1.Version != 1 || c1.OrgID != "org_1" || c1.OrgSlug != "acme" || c1.OrgRole != "org:admin" ||
		!c1.HasPermission("org:invoices:read") || c1.HasPermission("org:invoices:write") ||
		!c1.HasRole("admin") || !c1.HasRole("org:admin") || c1.HasRole("member") ||
		c1.Actor == nil || c1.Actor.Subject != "user_admin" || len(c1.FactorVerificationAge) != 2 || c1.FactorVerificationAge[1] != -1 {
		t.Errorf("v1 claims: %+v", c1)
	}
	if raw, ok := c1.Get("plan_tier"); !ok || string(raw) != `{"level":2}` {
		t.Errorf("custom claim: %s %v", raw, ok)
	}
	if _, ok := c1.Get("nope"); ok {
		t.Error("Get found a claim the token does not have")
	}
	custom, err := c1.Custom()
	if err != nil || custom["sid"] != "sess_123" {
		t.Errorf("Custom: %v %v", custom, err)
	}

	c2, err := v.Verify(context.Background(), v2)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"org:billing:read", "org:repositories:read", "org:repositories:create", "org:repositories:update",
		"org:projects:read", "org:projects:update", "org:projects:revoke"}
	if strings.Join(c2.OrgPermissions, " ") != strings.Join(want, " ") {
		t.Errorf("v2 permissions %v, want %v", c2.OrgPermissions, want)
	}
	if c2.Version != 2 || c2.OrgID != "org_2abc" || c2.OrgSlug != "acme" || c2.OrgRole != "org:admin" ||
		!c2.HasRole("admin") || c2.SessionStatus != "active" || c2.ID != "jti_1" ||
		strings.Join(c2.Plans, ",") != "u:free,o:pro" || len(c2.Features) != 4 {
		t.Errorf("v2 claims: %+v", c2)
	}
	if string(c2.RawJSON()) == "" || !strings.Contains(string(c2.RawJSON()), `"fpm":"1,7,21"`) {
		t.Errorf("RawJSON: %s", c2.RawJSON())
	}
}

func TestOrgPermissionsV2EdgeCases(t *testing.T) {
	tests := []struct {
		name          string
		fea, per, fpm string
		want          string
	}{
		{"fewer masks than features", "o:a,o:b", "read", "1", "org:a:read"},
		{"more masks than features", "o:a", "read", "1,1,1", "org:a:read"},
		{"a mask that is not a number", "o:a,o:b", "read", "x,1", "org:b:read"},
		{"bits beyond the permission names", "o:a", "read", "255", "org:a:read"},
		{"user features are skipped", "u:x,o:a", "read,write", "2", "org:a:write"},
		{"no per", "o:a", "", "1", ""},
		{"a feature without scope is skipped", "a,o:b", "read", "1", "org:b:read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(orgPermissionsV2(strings.Split(tt.fea, ","), tt.per, tt.fpm), " ")
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// orgPermissionsV2Reference is orgPermissionsV2 written plainly, with
// the standard library's string functions: the fast one must agree with it.
func orgPermissionsV2Reference(features []string, per, fpm string) []string {
	if per == "" || fpm == "" {
		return nil
	}
	var out []string
	masks := fpm
	for _, f := range features {
		scope, name, ok := strings.Cut(strings.TrimSpace(f), ":")
		if !ok || (scope != "o" && scope != "ou" && scope != "uo") {
			continue
		}
		if masks == "" {
			break
		}
		var m string
		m, masks, _ = strings.Cut(masks, ",")
		mask, err := strconv.ParseUint(strings.TrimSpace(m), 10, 64)
		if err != nil {
			continue
		}
		rest := per
		for j := 0; rest != "" && j < 64; j++ {
			var perm string
			perm, rest, _ = strings.Cut(rest, ",")
			if mask&(1<<j) != 0 {
				out = append(out, "org:"+name+":"+strings.TrimSpace(perm))
			}
		}
	}
	return out
}

func TestOrgPermissionsV2AgreesWithTheReference(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"o", "u", "ou", "uo", ":", ",", " ", "\u00a0", "\t", "a", "read", "0", "1", "3", "7",
		"18446744073709551615", "18446744073709551616", "00000000000000000000001", "+1", "-1", "x", "é"}
	gen := func(n int) string {
		var b strings.Builder
		for range r.IntN(n) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		return b.String()
	}
	for i := 0; i < 100000; i++ {
		fea, per, fpm := strings.Split(gen(12), ","), gen(10), gen(8)
		got := strings.Join(orgPermissionsV2(fea, per, fpm), "|")
		want := strings.Join(orgPermissionsV2Reference(fea, per, fpm), "|")
		if got != want {
			t.Fatalf("fea %q per %q fpm %q: got %q, want %q", fea, per, fpm, got, want)
		}
	}
}

func TestNewVerifierRejectsBadConfiguration(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"a JWTKey that is not PEM", Options{JWTKey: "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"}},
		{"a private key block", Options{JWTKey: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"}},
		{"an APIURL that is not http", Options{SecretKey: "sk_test_x", APIURL: "ftp://x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewVerifier(tt.opts); err == nil {
				t.Fatal("want an error")
			}
		})
	}
	t.Run("a PEM body without armour is accepted", func(t *testing.T) {
		key, _ := keys(t)
		p := pemOf(t, &key.PublicKey)
		body := strings.Join(strings.Split(p, "\n")[1:len(strings.Split(p, "\n"))-2], "")
		v, err := NewVerifier(Options{JWTKey: body, Now: func() time.Time { return epoch }})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(context.Background(), sign(t, key, hdr(""), claimsAt(epoch))); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("no key fails every token closed", func(t *testing.T) {
		key, _ := keys(t)
		v, err := NewVerifier(Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(context.Background(), sign(t, key, hdr(""), claimsAt(time.Now())))
		if ReasonOf(err) != ReasonJWKLocalMissing {
			t.Fatalf("got %v", err)
		}
	})
}

func TestDecodeDoesNotVerify(t *testing.T) {
	_, otherKey := keys(t)
	tok := sign(t, otherKey, hdr("ins_9"), claimsAt(epoch))
	d, err := Decode(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(d.Header), `"kid":"ins_9"`) || !strings.Contains(string(d.Payload), `"sub":"user_123"`) {
		t.Errorf("decoded %s %s", d.Header, d.Payload)
	}
	if _, err := Decode("a.b"); ReasonOf(err) != ReasonTokenInvalid {
		t.Errorf("Decode of 2 segments: %v", err)
	}
	if _, err := Decode(seg("[1]") + "." + seg("{}") + ".x"); err == nil {
		t.Error("Decode accepted a header that is not an object")
	}
}
