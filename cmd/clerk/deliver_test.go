package main

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/webhook"
)

// hookReceiver is an application's webhook endpoint: it verifies every
// delivery and answers 503 until it is opened, then 204.
type hookReceiver struct {
	t      *testing.T
	v      *webhook.Verifier
	open   atomic.Bool
	mu     sync.Mutex
	events []*webhook.Event
	ids    []string
}

func newHookReceiver(t *testing.T, secret string) (*hookReceiver, string) {
	v, err := webhook.NewVerifier(webhook.Options{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	rc := &hookReceiver{t: t, v: v}
	srv := httptest.NewServer(webhook.Handler(v, func(ctx context.Context, ev *webhook.Event) error {
		if !rc.open.Load() {
			return errClosed
		}
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.events = append(rc.events, ev)
		return nil
	}))
	t.Cleanup(srv.Close)
	return rc, srv.URL + "/webhooks/clerk"
}

type closedError struct{}

func (closedError) Error() string { return "the app is not ready" }

var errClosed = closedError{}

func (rc *hookReceiver) created() map[string]bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := map[string]bool{}
	for _, ev := range rc.events {
		if u, err := ev.UserCreated(); err == nil {
			out[u.ID] = true
		}
	}
	return out
}

// A user created and acknowledged (201) whose user.created was not yet
// delivered when `clerk serve` died by kill -9 is delivered, signed, after
// a restart on the same database: the event was saved with the user.
func TestWebhookOfAnAcknowledgedChangeSurvivesKill9(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	rc, hookURL := newHookReceiver(t, secret)
	db := filepath.Join(t.TempDir(), "clerk.db")
	flags := []string{"--webhook-url", hookURL, "--webhook-secret", secret}
	cmd, apiURL, key := startProcess(t, db, flags...)
	c, err := clerk.NewClient(key, clerk.WithServerURL(apiURL+"/v1"), clerk.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	var acked []string
	for i := 0; i < 20; i++ {
		u, err := c.Users.Create(context.Background(), &clerk.UsersCreateParams{FirstName: clerk.Ptr("Kill")})
		if err != nil {
			t.Fatal(err)
		}
		acked = append(acked, u.ID)
	}
	// The app answers 503 so far: nothing is delivered before the kill.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if n := len(rc.created()); n != 0 {
		t.Fatalf("%d events taken while the app answered 503", n)
	}

	rc.open.Store(true)
	startProcess(t, db, flags...)
	deadline := time.Now().Add(40 * time.Second)
	for len(rc.created()) < len(acked) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	got := rc.created()
	for _, id := range acked {
		if !got[id] {
			t.Fatalf("user.created of acknowledged user %s not delivered after kill -9 and restart (%d of %d were)", id, len(got), len(acked))
		}
	}
	// In the order of the changes.
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for i, ev := range rc.events[:len(acked)] {
		u, _ := ev.UserCreated()
		if u == nil || u.ID != acked[i] {
			t.Fatalf("delivery %d is %s, want user.created of %s", i, ev.Type, acked[i])
		}
	}
}

// Every change of a user made through the API reaches the app, signed with
// the secret, in order: created, updated, deleted.
func TestServeDeliversUserEvents(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	rc, hookURL := newHookReceiver(t, secret)
	rc.open.Store(true)
	_, apiURL, key := startProcess(t, filepath.Join(t.TempDir(), "clerk.db"), "--webhook-url", hookURL, "--webhook-secret", secret)
	c, _ := clerk.NewClient(key, clerk.WithServerURL(apiURL+"/v1"))
	ctx := context.Background()
	u, err := c.Users.Create(ctx, &clerk.UsersCreateParams{EmailAddress: []string{"hook@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.UpdateMetadata(ctx, u.ID, &clerk.UsersUpdateMetadataParams{PublicMetadata: map[string]any{"plan": "pro"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.Delete(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		rc.mu.Lock()
		n := len(rc.events)
		rc.mu.Unlock()
		if n >= 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var types []string
	for _, ev := range rc.events {
		types = append(types, ev.Type)
	}
	if len(types) != 3 || types[0] != webhook.EventUserCreated || types[1] != webhook.EventUserUpdated || types[2] != webhook.EventUserDeleted {
		t.Fatalf("delivered %v, want user.created, user.updated, user.deleted", types)
	}
	upd, err := rc.events[1].UserUpdated()
	if err != nil || upd.ID != u.ID || upd.PublicMetadata["plan"] != "pro" {
		t.Errorf("user.updated: %v, %s", err, rc.events[1].Data)
	}
	if d, err := rc.events[2].UserDeleted(); err != nil || d.ID != u.ID || !d.Deleted {
		t.Errorf("user.deleted: %v, %s", err, rc.events[2].Data)
	}
}

func TestServeRefusesBadWebhookFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "clerk.db")
	base := []string{"serve", "--addr", "127.0.0.1:0", "--database", db}
	runWith(append(base, "--webhook-url", "ftp://user:hunter2@example.com/x"), nil, nil).
		check(t, exitUsage, nil, []string{"--webhook-url"}, []string{"hunter2"})
	runWith(base, nil, map[string]string{"CLERK_WEBHOOK_URL": "http://ok.example/a, localhost:3000/b"}).
		check(t, exitUsage, nil, []string{"--webhook-url"}, nil)
	runWith(append(base, "--webhook-url", "http://ok.example/a", "--webhook-secret", "whsec_not base64!"), nil, nil).
		check(t, exitUsage, nil, []string{"--webhook-secret"}, []string{"not base64"})
}

// startServeProcess runs `clerk serve` as a process, with the flags args, and
// returns it with what it printed: the API URL, the secret key and the
// webhook signing secret ("" when none).
func startServeProcess(t *testing.T, db string, args ...string) (*exec.Cmd, string, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0", "--database", db}, args...)...)
	cmd.Env = append(os.Environ(), "CLERK_TEST_AS_CLI=1", "CLERK_SECRET_KEY=", "CLERK_ADDR=", "CLERK_DATABASE=",
		"CLERK_WEBHOOK_URL=", "CLERK_WEBHOOK_SIGNING_SECRET=")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var apiURL, key, secret string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if v, ok := strings.CutPrefix(line, "CLERK_API_URL="); ok {
			apiURL = v
		}
		if v, ok := strings.CutPrefix(line, "CLERK_SECRET_KEY="); ok {
			key = v
		}
		if v, ok := strings.CutPrefix(line, "CLERK_WEBHOOK_SIGNING_SECRET="); ok {
			secret = v
		}
		if strings.HasPrefix(line, "data:") {
			break
		}
	}
	return cmd, apiURL, key, secret
}

// Without --webhook-secret, clerk serve makes one up on the first start,
// prints it and signs with it, and keeps it across restarts.
func TestServeMakesUpAndKeepsTheWebhookSecret(t *testing.T) {
	var handler atomic.Pointer[http.Handler]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := handler.Load(); h != nil {
			(*h).ServeHTTP(w, r)
			return
		}
		w.WriteHeader(503)
	}))
	t.Cleanup(srv.Close)
	db := filepath.Join(t.TempDir(), "clerk.db")
	cmd, apiURL, key, secret := startServeProcess(t, db, "--webhook-url", srv.URL)
	if !strings.HasPrefix(secret, "whsec_") || len(secret) != len("whsec_")+32 {
		t.Fatalf("printed secret %q, want whsec_ and 24 bytes of base64", secret)
	}
	rc, _ := newHookReceiver(t, secret)
	rc.open.Store(true)
	var h http.Handler = webhook.Handler(rc.v, func(ctx context.Context, ev *webhook.Event) error {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.events = append(rc.events, ev)
		return nil
	})
	handler.Store(&h)
	c, _ := clerk.NewClient(key, clerk.WithServerURL(apiURL+"/v1"))
	u, err := c.Users.Create(context.Background(), &clerk.UsersCreateParams{})
	if err != nil {
		t.Fatal(err)
	}
	waitCreated := func(id string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !rc.created()[id] {
			if time.Now().After(deadline) {
				t.Fatalf("user.created of %s not delivered, signed with the printed secret", id)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitCreated(u.ID)
	cmd.Process.Kill()
	cmd.Wait()

	_, apiURL, key, again := startServeProcess(t, db, "--webhook-url", srv.URL)
	if again != secret {
		t.Fatalf("the restart printed %q, want the saved %q", again, secret)
	}
	c, _ = clerk.NewClient(key, clerk.WithServerURL(apiURL+"/v1"))
	u2, err := c.Users.Create(context.Background(), &clerk.UsersCreateParams{})
	if err != nil {
		t.Fatal(err)
	}
	waitCreated(u2.ID)
	// A secret given is used, and not printed.
	_, _, _, given := startServeProcess(t, db, "--webhook-url", srv.URL, "--webhook-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if given != "" {
		t.Errorf("a given secret was printed: %q", given)
	}
}
