package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDecode(t *testing.T) {
	valid := sign(t, instanceKey(), sessionClaims(nil))
	// decode checks nothing: an expired token signed by another key
	// decodes as well.
	expired := sign(t, otherKey(), sessionClaims(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }))
	warning := notVerifiedWarning + "\n"

	tests := []struct {
		name      string
		args      []string
		stdin     string
		code      int
		token     string // the token decoded, on success
		stderrHas []string
	}{
		{name: "argument", args: []string{valid}, code: exitOK, token: valid},
		{name: "stdin", stdin: valid + "\n", code: exitOK, token: valid},
		{name: "stdin with -", args: []string{"-"}, stdin: "\n " + valid + " \n", code: exitOK, token: valid},
		{name: "expired, wrong signature", args: []string{expired}, code: exitOK, token: expired},
		{name: "garbage", args: []string{"garbage"}, code: exitFailure, stderrHas: []string{"token invalid: token-invalid: "}},
		{name: "garbage on stdin", stdin: "not.a.token!", code: exitFailure, stderrHas: []string{"token invalid: token-invalid: "}},
		{name: "payload not JSON", args: []string{b64([]byte(`{"alg":"RS256"}`)) + "." + b64([]byte("hello")) + ".c2ln"}, code: exitFailure,
			stderrHas: []string{"token invalid: token-invalid: "}},
		{name: "empty stdin", code: exitUsage, stderrHas: []string{"error: no token: "}},
		{name: "oversized stdin", stdin: strings.Repeat("a", maxTokenInput+1), code: exitUsage,
			stderrHas: []string{"error: the token on standard input is larger than 64 KiB"}},
		{name: "two tokens", args: []string{valid, valid}, code: exitUsage, stderrHas: []string{"error: accepts at most 1 arg(s), received 2"}},
		{name: "unknown flag", args: []string{"--jwt-key", "x", valid}, code: exitUsage, stderrHas: []string{"error: unknown flag: --jwt-key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(append([]string{"token", "decode"}, tt.args...), strings.NewReader(tt.stdin), nil)
			var never []string
			if tt.code != exitOK {
				never = []string{valid, expired, "garbage", "not.a.token!"}
				if strings.Contains(r.stderr, "warning") {
					t.Errorf("warning printed on failure: %q", r.stderr)
				}
			}
			r.check(t, tt.code, nil, tt.stderrHas, never)
			if tt.code != exitOK {
				return
			}
			if r.stderr != warning {
				t.Errorf("stderr %q, want %q", r.stderr, warning)
			}
			var got struct{ Header, Payload map[string]any }
			if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
			}
			if got.Header["alg"] != "RS256" || got.Header["kid"] != testKid {
				t.Errorf("header: %v", got.Header)
			}
			if got.Payload["sub"] != testUser || got.Payload["azp"] != testAzp {
				t.Errorf("payload: %v", got.Payload)
			}
		})
	}
}

// TestDecodeOutput checks the exact output: header and payload as in the
// token, indented, no HTML escaping.
func TestDecodeOutput(t *testing.T) {
	tok := signBytes(t, instanceKey(), []byte(`{"alg":"RS256","kid":"k1"}`), []byte(`{"sub":"user_1","url":"https://a.test/?x=1&y=<2>","n":[1,2]}`))
	r := runWith([]string{"token", "decode", tok}, nil, nil)
	want := `{
  "header": {
    "alg": "RS256",
    "kid": "k1"
  },
  "payload": {
    "sub": "user_1",
    "url": "https://a.test/?x=1&y=<2>",
    "n": [
      1,
      2
    ]
  }
}
`
	if r.code != exitOK || r.stdout != want || r.stderr != notVerifiedWarning+"\n" {
		t.Errorf("code %d\nstdout:\n%s\nwant:\n%s\nstderr: %q", r.code, r.stdout, want, r.stderr)
	}
}
