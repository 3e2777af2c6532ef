package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/auth"
)

// served is a `clerk serve` running in the test.
type served struct {
	apiURL, secretKey, publishableKey string
	cancel                            context.CancelFunc
	exit                              chan int
	stderr                            *bytes.Buffer
}

// startServe runs `clerk serve` with args until the test stops it, and
// reads the URL and keys it prints.
func startServe(t *testing.T, vars map[string]string, args ...string) *served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &served{cancel: cancel, exit: make(chan int, 1), stderr: &bytes.Buffer{}}
	e := &env{stdin: strings.NewReader(""), stdout: pw, stderr: s.stderr, ctx: ctx,
		getenv: func(k string) string { return vars[k] }}
	go func() {
		code := runEnv(append([]string{"serve"}, args...), e)
		pw.Close()
		s.exit <- code
	}()
	sc := bufio.NewScanner(pr)
	deadline := time.AfterFunc(10*time.Second, func() { pw.CloseWithError(io.ErrUnexpectedEOF) })
	defer deadline.Stop()
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if v, ok := strings.CutPrefix(line, "CLERK_API_URL="); ok {
			s.apiURL = v
		}
		if v, ok := strings.CutPrefix(line, "CLERK_SECRET_KEY="); ok {
			s.secretKey = v
		}
		if v, ok := strings.CutPrefix(line, "CLERK_PUBLISHABLE_KEY="); ok {
			s.publishableKey = v
		}
		if strings.HasPrefix(line, "data:") {
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if s.apiURL == "" || s.secretKey == "" {
		cancel()
		t.Fatalf("serve printed no URL or key; stderr: %s", s.stderr)
	}
	return s
}

func (s *served) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.exit:
		if code != 0 {
			t.Fatalf("serve exited %d: %s", code, s.stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func TestServeKeepsDataAndKeysAcrossRestarts(t *testing.T) {
	db := filepath.Join(t.TempDir(), "data", "clerk.db")
	s := startServe(t, nil, "--addr", "127.0.0.1:0", "--database", db)
	if !strings.HasPrefix(s.secretKey, "sk_test_") || !strings.HasPrefix(s.publishableKey, "pk_test_") {
		t.Fatalf("keys %q %q", s.secretKey, s.publishableKey)
	}
	c, err := clerk.NewClient(s.secretKey, clerk.WithServerURL(s.apiURL+"/v1"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := c.Users.Create(context.Background(), &clerk.UsersCreateParams{EmailAddress: []string{"keep@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	s.stop(t)

	again := startServe(t, nil, "--addr", "127.0.0.1:0", "--database", db)
	defer again.stop(t)
	if again.secretKey != s.secretKey {
		t.Fatalf("the secret key changed across restarts")
	}
	c2, _ := clerk.NewClient(again.secretKey, clerk.WithServerURL(again.apiURL+"/v1"))
	got, err := c2.Users.Get(context.Background(), u.ID)
	if err != nil || got.EmailAddresses[0].EmailAddress != "keep@example.com" {
		t.Fatalf("after restart: %v %v", got, err)
	}
}

func TestServeTakesTheSecretKeyFromTheEnvironment(t *testing.T) {
	db := filepath.Join(t.TempDir(), "clerk.db")
	s := startServe(t, map[string]string{"CLERK_SECRET_KEY": "sk_test_fromenv", "CLERK_ADDR": "127.0.0.1:0", "CLERK_DATABASE": db})
	defer s.stop(t)
	if s.secretKey != "sk_test_fromenv" {
		t.Fatalf("secret key %q", s.secretKey)
	}
	c, _ := clerk.NewClient("sk_test_wrong", clerk.WithServerURL(s.apiURL+"/v1"), clerk.WithoutRetries())
	if _, err := c.Users.List(context.Background(), nil); !clerk.IsUnauthorized(err) {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestServeRejectsABadLogLevel(t *testing.T) {
	var stderr bytes.Buffer
	code := runEnv([]string{"serve", "--log-level", "loud"}, &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr,
		getenv: func(string) string { return "" }})
	if code != exitUsage || !strings.Contains(stderr.String(), "--log-level") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
}

func TestServeMintsVersion2TokensWhenAsked(t *testing.T) {
	s := startServe(t, nil, "--addr", "127.0.0.1:0", "--database", filepath.Join(t.TempDir(), "c.db"), "--token-version", "2")
	defer s.stop(t)
	c, _ := clerk.NewClient(s.secretKey, clerk.WithServerURL(s.apiURL+"/v1"))
	u, err := c.Users.Create(context.Background(), &clerk.UsersCreateParams{EmailAddress: []string{"v2@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	post := func(path string, body string) map[string]any {
		req, _ := http.NewRequest("POST", s.apiURL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+s.secretKey)
		req.Header.Set("Clerk-API-Version", "2026-05-12")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", path, resp.StatusCode, out)
		}
		return out
	}
	sess := post("/v1/sessions", `{"user_id":"`+u.ID+`"}`)
	tok := post("/v1/sessions/"+sess["id"].(string)+"/tokens", `{}`)
	d, err := auth.Decode(tok["jwt"].(string))
	if err != nil || !strings.Contains(string(d.Payload), `"v":2`) {
		t.Fatalf("payload %s, %v", d.Payload, err)
	}
}

func TestServeRejectsAnUnknownTokenVersion(t *testing.T) {
	var stderr bytes.Buffer
	code := runEnv([]string{"serve", "--token-version", "3"}, &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr,
		getenv: func(string) string { return "" }})
	if code != exitUsage || !strings.Contains(stderr.String(), "--token-version") {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
}

// --check-responses (or CLERK_CHECK_RESPONSES=true) checks each answer:
// at debug level every checked answer is logged, without it none is.
func TestServeChecksAnswersWhenAsked(t *testing.T) {
	for _, tt := range []struct {
		name    string
		vars    map[string]string
		args    []string
		checked bool
	}{
		{"the flag", nil, []string{"--check-responses"}, true},
		{"the environment", map[string]string{"CLERK_CHECK_RESPONSES": "true"}, nil, true},
		{"the flag wins over the environment", map[string]string{"CLERK_CHECK_RESPONSES": "true"}, []string{"--check-responses=false"}, false},
		{"neither", nil, nil, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--addr", "127.0.0.1:0", "--database", filepath.Join(t.TempDir(), "c.db"), "--log-level", "debug"}, tt.args...)
			s := startServe(t, tt.vars, args...)
			c, _ := clerk.NewClient(s.secretKey, clerk.WithServerURL(s.apiURL+"/v1"))
			u, err := c.Users.Create(context.Background(), &clerk.UsersCreateParams{EmailAddress: []string{"check@example.com"}})
			if err != nil {
				s.stop(t)
				t.Fatal(err)
			}
			if _, err := c.Users.Get(context.Background(), u.ID); err != nil {
				s.stop(t)
				t.Fatal(err)
			}
			s.stop(t)
			log := s.stderr.String()
			for _, op := range []string{"CreateUser", "GetUser"} {
				logged := strings.Contains(log, `msg="answer matches the spec" operation=`+op)
				if logged != tt.checked {
					t.Errorf("%s checked: %v, want %v; log:\n%s", op, logged, tt.checked, log)
				}
			}
			if strings.Contains(log, "does not match the spec") {
				t.Errorf("an answer does not match the spec:\n%s", log)
			}
		})
	}
	t.Run("a bad value in the environment", func(t *testing.T) {
		var stderr bytes.Buffer
		code := runEnv([]string{"serve"}, &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr,
			getenv: func(k string) string { return map[string]string{"CLERK_CHECK_RESPONSES": "maybe"}[k] }})
		if code != exitUsage || !strings.Contains(stderr.String(), "CLERK_CHECK_RESPONSES") {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
	})
}
