package httpapi

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/store/sqlite"
)

// Passwords, digests, TOTP secrets, backup codes and keys never appear in
// the log (at debug level) or in an error body, whatever the request.
func TestSecretsNeverReachLogsOrErrorBodies(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc, err := emulator.New(ctx, st, emulator.Options{SecretKey: "sk_test_topsecretkey0000"})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httptest.NewServer(New(svc, log))
	defer srv.Close()

	const (
		password = "Hunter2-correct-horse"
		digest   = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
		badHash  = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$not-base64!!"
		totp     = "JBSWY3DPEHPK3PXPJBSWY3DP"
		backup   = "backupcode-77aa"
		shortPw  = "sh0rt!"
	)
	secrets := []string{password, digest, badHash, totp, backup, shortPw, "sk_test_topsecretkey0000", svc.PublicKeyPEM()[30:60]}
	var bodies bytes.Buffer
	send := func(method, path, key, body string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 400 {
			bodies.Write(data)
		}
	}
	key := svc.SecretKey()
	send("POST", "/v1/users", key, `{"email_address":["a@example.com"],"password":"`+password+`","totp_secret":"`+totp+`","backup_codes":["`+backup+`"]}`)
	send("POST", "/v1/users", key, `{"email_address":["b@example.com"],"password_digest":"`+digest+`","password_hasher":"bcrypt"}`)
	send("POST", "/v1/users", key, `{"email_address":["c@example.com"],"password_digest":"`+badHash+`","password_hasher":"argon2id"}`)
	send("POST", "/v1/users", key, `{"email_address":["d@example.com"],"password":"`+shortPw+`"}`)
	send("POST", "/v1/users", key, `{"email_address":["e@example.com"],"password":12345}`)
	send("POST", "/v1/users", key, `{"email_address":["a@example.com"],"password":"`+password+`"}`)
	send("POST", "/v1/users", "sk_test_wrong-"+password, `{}`)
	send("GET", "/v1/users?query="+password, key, ``)
	if bodies.Len() == 0 {
		t.Fatal("no error bodies were produced: the test exercises nothing")
	}
	for _, s := range secrets {
		if strings.Contains(logs.String(), s) {
			t.Errorf("the log contains a secret (%.6s...)", s)
		}
		if strings.Contains(bodies.String(), s) {
			t.Errorf("an error body contains a secret (%.6s...)", s)
		}
	}
}
