package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const testSecretKey = "sk_test_0123456789abcdefghijklmnop"

// jwksServer serves the JWKS of the instance key at /v1/jwks, and records
// the Authorization headers it got.
type jwksServer struct {
	*httptest.Server
	mu    sync.Mutex
	auths []string
}

func newJWKSServer(t *testing.T) *jwksServer {
	s := &jwksServer{}
	body, err := json.Marshal(map[string]any{"keys": []any{jwk(instanceKey())}})
	if err != nil {
		t.Fatal(err)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.auths = append(s.auths, r.Header.Get("Authorization"))
		s.mu.Unlock()
		if r.URL.Path != "/v1/jwks" {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+testSecretKey {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"errors":[{"code":"authentication_invalid","message":"bad key"}]}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) authorizations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.auths...)
}

func TestVerify(t *testing.T) {
	pemFile := writePEM(t, instanceKey())
	pemText := publicPEM(t, instanceKey())
	valid := sign(t, instanceKey(), sessionClaims(nil))
	expired := sign(t, instanceKey(), sessionClaims(func(c map[string]any) {
		now := time.Now()
		c["iat"] = now.Add(-2 * time.Hour).Unix()
		c["nbf"] = now.Add(-2 * time.Hour).Unix()
		c["exp"] = now.Add(-time.Hour).Unix()
	}))
	justExpired := sign(t, instanceKey(), sessionClaims(func(c map[string]any) {
		c["exp"] = time.Now().Add(-2 * time.Second).Unix()
	}))
	wrongSig := sign(t, otherKey(), sessionClaims(nil))
	withAud := sign(t, instanceKey(), sessionClaims(func(c map[string]any) { c["aud"] = "api.example.test" }))
	missing := filepath.Join(t.TempDir(), "missing.pem")
	emptyFile := filepath.Join(t.TempDir(), "empty.pem")
	if err := os.WriteFile(emptyFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := newJWKSServer(t)
	// A URL on which nothing listens: a test that reaches it fails.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	jwtKey := []string{"token", "verify", "--jwt-key", pemFile}
	args := func(extra ...string) []string { return append(append([]string(nil), jwtKey...), extra...) }
	never := []string{valid, expired, justExpired, wrongSig, withAud, testSecretKey}

	tests := []struct {
		name      string
		args      []string
		stdin     string
		env       map[string]string
		code      int
		stdoutHas []string
		stderrHas []string
		never     []string // besides the tokens and the secret key, on failure
	}{
		// Valid tokens, each way of passing them.
		{name: "valid token as argument", args: args(valid), code: exitOK,
			stdoutHas: []string{"{\n  \"azp\": \"" + testAzp + "\",\n", "\n  \"sub\": \"" + testUser + "\"\n}\n"}},
		{name: "valid token on stdin", args: args(), stdin: valid + "\n", code: exitOK, stdoutHas: []string{`"sub": "` + testUser + `"`}},
		{name: "valid token on stdin with -", args: args("-"), stdin: "  \r\n" + valid + "\r\n\n", code: exitOK, stdoutHas: []string{`"sub": "` + testUser + `"`}},
		{name: "argument with spaces around", args: args(" " + valid + "\n"), code: exitOK, stdoutHas: []string{`"sub"`}},
		{name: "token before the flags", args: []string{"token", "verify", valid, "--jwt-key", pemFile}, code: exitOK, stdoutHas: []string{`"sub"`}},

		// Rejected tokens: exit 1, one line with the reason.
		{name: "expired", args: args(expired), code: exitFailure, stderrHas: []string{"token invalid: token-expired: "}},
		{name: "expired on stdin", args: args(), stdin: expired, code: exitFailure, stderrHas: []string{"token invalid: token-expired: "}},
		{name: "expired 2s ago, within the default skew", args: args(justExpired), code: exitOK, stdoutHas: []string{`"sub"`}},
		{name: "expired 2s ago, no skew", args: args(justExpired, "--clock-skew", "0"), code: exitFailure, stderrHas: []string{"token-expired"}},
		{name: "expired 2s ago, skew 1s", args: args(justExpired, "--clock-skew=1s"), code: exitFailure, stderrHas: []string{"token-expired"}},
		{name: "expired 2 hours ago, skew 3h", args: args(expired, "--clock-skew=3h"), code: exitOK, stdoutHas: []string{`"sub"`}},
		{name: "wrong signature", args: args(wrongSig), code: exitFailure, stderrHas: []string{"token invalid: token-invalid-signature"}},
		{name: "malformed", args: args("abc.def"), code: exitFailure, stderrHas: []string{"token invalid: token-invalid: "}},
		{name: "authorized party matches", args: args(valid, "--authorized-party", "https://other.example.test", "--authorized-party", testAzp), code: exitOK, stdoutHas: []string{`"azp": "` + testAzp + `"`}},
		{name: "authorized party mismatch", args: args(valid, "--authorized-party", "https://other.example.test"), code: exitFailure,
			stderrHas: []string{"token invalid: token-invalid-authorized-parties: "}},
		{name: "audience matches", args: args(withAud, "--audience", "api.example.test"), code: exitOK, stdoutHas: []string{`"aud": "api.example.test"`}},
		{name: "audience mismatch", args: args(withAud, "--audience", "other.example.test"), code: exitFailure, stderrHas: []string{"token invalid: "}},

		// Key sources.
		{name: "JWT key from CLERK_JWT_KEY", args: []string{"token", "verify", valid}, env: map[string]string{"CLERK_JWT_KEY": pemText}, code: exitOK, stdoutHas: []string{`"sub"`}},
		{name: "--jwt-key wins over CLERK_SECRET_KEY", args: args(valid), env: map[string]string{"CLERK_SECRET_KEY": testSecretKey, "CLERK_API_URL": closed.URL}, code: exitOK, stdoutHas: []string{`"sub"`}},
		{name: "--secret-key wins over CLERK_JWT_KEY", args: []string{"token", "verify", "--secret-key", testSecretKey, "--api-url", srv.URL, valid},
			env: map[string]string{"CLERK_JWT_KEY": publicPEM(t, otherKey())}, code: exitOK, stdoutHas: []string{`"sub"`}},
		{name: "secret key from CLERK_SECRET_KEY and CLERK_API_URL", args: []string{"token", "verify", valid},
			env: map[string]string{"CLERK_SECRET_KEY": testSecretKey, "CLERK_API_URL": srv.URL}, code: exitOK, stdoutHas: []string{`"sub"`}},
		{name: "--api-url wins over CLERK_API_URL", args: []string{"token", "verify", "--api-url", srv.URL, valid},
			env: map[string]string{"CLERK_SECRET_KEY": testSecretKey, "CLERK_API_URL": closed.URL}, code: exitOK, stdoutHas: []string{`"sub"`}},
		{name: "wrong secret key", args: []string{"token", "verify", "--secret-key", "sk_test_wrong_wrong_wrong", "--api-url", srv.URL, valid},
			code: exitFailure, stderrHas: []string{"token not verified: secret-key-invalid: "}, never: []string{"sk_test_wrong_wrong_wrong"}},
		{name: "API unreachable", args: []string{"token", "verify", "--secret-key", testSecretKey, "--api-url", closed.URL, valid},
			code: exitFailure, stderrHas: []string{"token not verified: jwk-remote-failed-to-load: "}},

		// Usage errors: exit 2.
		{name: "both keys", args: args(valid, "--secret-key", testSecretKey), code: exitUsage, stderrHas: []string{"error: --jwt-key and --secret-key are exclusive"}},
		{name: "no key", args: []string{"token", "verify", valid}, code: exitUsage, stderrHas: []string{"error: no key: "}},
		{name: "both keys in the environment", args: []string{"token", "verify", valid},
			env: map[string]string{"CLERK_JWT_KEY": pemText, "CLERK_SECRET_KEY": testSecretKey}, code: exitUsage, stderrHas: []string{"error: both CLERK_JWT_KEY and CLERK_SECRET_KEY are set"}},
		{name: "no key file", args: []string{"token", "verify", "--jwt-key", missing, valid}, code: exitUsage, stderrHas: []string{"error: --jwt-key: open " + missing}},
		{name: "key file is a folder", args: []string{"token", "verify", "--jwt-key", t.TempDir(), valid}, code: exitUsage, stderrHas: []string{"error: --jwt-key: "}},
		{name: "empty key file", args: []string{"token", "verify", "--jwt-key", emptyFile, valid}, code: exitUsage, stderrHas: []string{"is empty"}},
		{name: "key file is not PEM", args: []string{"token", "verify", "--jwt-key", notPEM, valid}, code: exitUsage, stderrHas: []string{"error: --jwt-key " + notPEM + ": "}},
		{name: "CLERK_JWT_KEY is not PEM", args: []string{"token", "verify", valid}, env: map[string]string{"CLERK_JWT_KEY": "nope"}, code: exitUsage,
			stderrHas: []string{"error: CLERK_JWT_KEY: "}},
		{name: "bad --api-url", args: []string{"token", "verify", "--secret-key", testSecretKey, "--api-url", "ftp://example.test", valid}, code: exitUsage,
			stderrHas: []string{"error: --secret-key and --api-url: "}},
		{name: "bad CLERK_API_URL", args: []string{"token", "verify", valid}, env: map[string]string{"CLERK_SECRET_KEY": testSecretKey, "CLERK_API_URL": "example.test"},
			code: exitUsage, stderrHas: []string{"error: CLERK_SECRET_KEY and CLERK_API_URL: "}},
		{name: "empty --jwt-key", args: []string{"token", "verify", "--jwt-key", "", valid}, code: exitUsage, stderrHas: []string{"error: --jwt-key needs a file name"}},
		{name: "empty --secret-key", args: []string{"token", "verify", "--secret-key=", valid}, code: exitUsage, stderrHas: []string{"error: --secret-key is empty"}},
		{name: "--api-url with a JWT key", args: args(valid, "--api-url", srv.URL), code: exitUsage, stderrHas: []string{"error: --api-url applies only with a secret key"}},
		{name: "negative skew", args: args(valid, "--clock-skew=-1s"), code: exitUsage, stderrHas: []string{"error: --clock-skew must not be negative"}},
		{name: "bad skew", args: args(valid, "--clock-skew=soon"), code: exitUsage, stderrHas: []string{`error: invalid argument "soon" for "--clock-skew"`}},
		{name: "unknown flag", args: args(valid, "--jwt-keys", pemFile), code: exitUsage, stderrHas: []string{"error: unknown flag: --jwt-keys", "see 'clerk token verify --help'"}},
		{name: "flag without value", args: args(valid, "--audience"), code: exitUsage, stderrHas: []string{"error: flag needs an argument: --audience"}},
		{name: "two tokens", args: args(valid, valid), code: exitUsage, stderrHas: []string{"error: accepts at most 1 arg(s), received 2"}},
		{name: "empty stdin", args: args(), code: exitUsage, stderrHas: []string{"error: no token: "}},
		{name: "blank stdin", args: args("-"), stdin: " \n\t\n", code: exitUsage, stderrHas: []string{"error: no token: "}},
		{name: "empty argument", args: args(""), code: exitUsage, stderrHas: []string{"error: the TOKEN argument is empty"}},
		{name: "oversized stdin", args: args(), stdin: valid + strings.Repeat(" ", maxTokenInput), code: exitUsage,
			stderrHas: []string{"error: the token on standard input is larger than 64 KiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(tt.args, strings.NewReader(tt.stdin), tt.env)
			var nev []string
			if tt.code != exitOK {
				nev = append(append(nev, never...), tt.never...)
			}
			r.check(t, tt.code, tt.stdoutHas, tt.stderrHas, nev)
			if tt.code == exitOK {
				if r.stderr != "" {
					t.Errorf("stderr: %q", r.stderr)
				}
				var claims map[string]any
				if err := json.Unmarshal([]byte(r.stdout), &claims); err != nil || claims["sub"] != testUser {
					t.Errorf("stdout is not the claims (%v): %s", err, r.stdout)
				}
			}
		})
	}
}

// TestVerifyOutputIsThePayload checks that the claims printed are the
// token's payload as it is, indented: key order and custom claims kept.
func TestVerifyOutputIsThePayload(t *testing.T) {
	now := time.Now().Unix()
	payload := `{"sub":"user_2abc","exp":` + itoa(now+3600) + `,"iat":` + itoa(now-60) + `,"nbf":` + itoa(now-60) +
		`,"iss":"` + testIssuer + `","azp":"` + testAzp + `","metadata":{"plan":"pro","tags":["a&b","<c>"]}}`
	tok := signBytes(t, instanceKey(), testHeader(t), []byte(payload))
	r := runWith([]string{"token", "verify", "--jwt-key", writePEM(t, instanceKey()), tok}, nil, nil)
	want := `{
  "sub": "user_2abc",
  "exp": ` + itoa(now+3600) + `,
  "iat": ` + itoa(now-60) + `,
  "nbf": ` + itoa(now-60) + `,
  "iss": "` + testIssuer + `",
  "azp": "` + testAzp + `",
  "metadata": {
    "plan": "pro",
    "tags": [
      "a&b",
      "<c>"
    ]
  }
}
`
	if r.code != exitOK || r.stdout != want || r.stderr != "" {
		t.Errorf("code %d\nstdout:\n%s\nwant:\n%s\nstderr: %s", r.code, r.stdout, want, r.stderr)
	}
}

// TestVerifySecretKeySendsBearer checks that with --secret-key the keys
// are fetched from {api-url}/v1/jwks with the secret key as a Bearer
// token, and that the key is printed nowhere.
func TestVerifySecretKeySendsBearer(t *testing.T) {
	srv := newJWKSServer(t)
	valid := sign(t, instanceKey(), sessionClaims(nil))
	r := runWith([]string{"token", "verify", "--secret-key", testSecretKey, "--api-url", srv.URL, valid}, nil, nil)
	r.check(t, exitOK, []string{`"sub": "` + testUser + `"`}, nil, []string{testSecretKey})
	got := srv.authorizations()
	if len(got) == 0 {
		t.Fatal("the JWKS was not fetched")
	}
	for _, a := range got {
		if a != "Bearer "+testSecretKey {
			t.Errorf("Authorization: %q, want %q", a, "Bearer "+testSecretKey)
		}
	}

	// A rejected token: the key appears neither in the message.
	expired := sign(t, instanceKey(), sessionClaims(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() }))
	r = runWith([]string{"token", "verify", "--api-url", srv.URL, expired}, nil, map[string]string{"CLERK_SECRET_KEY": testSecretKey})
	r.check(t, exitFailure, nil, []string{"token invalid: token-expired"}, []string{testSecretKey, expired})
}

// TestVerifyFlagsAreNotShared runs the command twice: flags of one run
// must not leak into the next (each run builds its own commands).
func TestVerifyFlagsAreNotShared(t *testing.T) {
	pemFile := writePEM(t, instanceKey())
	valid := sign(t, instanceKey(), sessionClaims(nil))
	r := runWith([]string{"token", "verify", "--jwt-key", pemFile, "--authorized-party", "https://other.example.test", valid}, nil, nil)
	r.check(t, exitFailure, nil, []string{"token-invalid-authorized-parties"}, []string{valid})
	r = runWith([]string{"token", "verify", "--jwt-key", pemFile, valid}, nil, nil)
	r.check(t, exitOK, []string{`"sub"`}, nil, nil)
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
