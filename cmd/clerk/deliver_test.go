package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/emulator/store/postgres"
	"github.com/clerkgo/clerk/emulator/store/postgres/pgtest"
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
		check(t, exitUsage, nil, []string{"CLERK_WEBHOOK_URL: want an absolute http or https URL"}, nil)
	runWith(append(base, "--webhook-url", "http://ok.example/a", "--webhook-secret", "whsec_not base64!"), nil, nil).
		check(t, exitUsage, nil, []string{"--webhook-secret"}, []string{"not base64"})
}

// startServeProcess runs `clerk serve` as a process, with the flags args, and
// returns it with what it printed: the API URL, the secret key and the
// webhook signing secret ("" when none).
func startServeProcess(t *testing.T, db string, args ...string) (*exec.Cmd, string, string, string) {
	t.Helper()
	cmd, apiURL, key, secret, _ := startServeLogged(t, db, args...)
	return cmd, apiURL, key, secret
}

// startServeLogged is startServeProcess, also giving the process's log.
func startServeLogged(t *testing.T, db string, args ...string) (*exec.Cmd, string, string, string, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--addr", "127.0.0.1:0", "--database", db}, args...)...)
	cmd.Env = append(os.Environ(), "CLERK_TEST_AS_CLI=1", "CLERK_SECRET_KEY=", "CLERK_ADDR=", "CLERK_DATABASE=",
		"CLERK_WEBHOOK_URL=", "CLERK_WEBHOOK_SIGNING_SECRET=", "CLERK_WEBHOOK_EVENTS=", "CLERK_WEBHOOK_SCHEDULE=", "CLERK_WEBHOOK_TIMEOUT=")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cmd.Stderr = logs // its log: the delivery attempts, shown if the test fails
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("clerk serve's log:\n%s", logs.String())
		}
	})
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
	return cmd, apiURL, key, secret, logs
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
		// Generous: under CI's load (go test -race ./... on 2 cores) a
		// first attempt that fails is retried 5 s later.
		deadline := time.Now().Add(30 * time.Second)
		for !rc.created()[id] {
			if time.Now().After(deadline) {
				t.Fatalf("user.created of %s not delivered, signed with the printed secret", id)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitCreated(u.ID)
	// Stopped, not killed: a kill between the delivery and the record of
	// it would leave the event leased for 40 s (timeout + 30 s), holding
	// back the next event of the URL longer than waitCreated waits.
	cmd.Process.Signal(os.Interrupt)
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

// hookAttempt is one request an app's webhook endpoint took: its svix-id, the
// event (signature verified), the status answered (0: none, the sender
// went away) and when it ended.
type hookAttempt struct {
	id     string
	ev     *webhook.Event
	status int
	at     time.Time
}

// hookLog is an app's webhook endpoint that verifies every request,
// records every attempt and notes whether two ever overlapped. answer
// gives the status of the nth request (1-based); nil answers 204.
type hookLog struct {
	url      string
	mu       sync.Mutex
	attempts []hookAttempt
	inFlight atomic.Int32
	overlap  atomic.Bool
	unsigned atomic.Int32
}

func newHookLog(t *testing.T, secret string, answer func(n int, id string, r *http.Request) int) *hookLog {
	t.Helper()
	v, err := webhook.NewVerifier(webhook.Options{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	rec := &hookLog{}
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rec.inFlight.Add(1) > 1 {
			rec.overlap.Store(true)
		}
		status := http.StatusNoContent
		a := hookAttempt{id: r.Header.Get("svix-id")}
		body, err := v.VerifyRequest(r)
		if err == nil {
			a.ev, err = webhook.DecodeEvent(body)
		}
		if err != nil {
			rec.unsigned.Add(1)
			status = http.StatusBadRequest
		} else if answer != nil {
			status = answer(int(n.Add(1)), a.id, r)
		}
		a.status, a.at = status, time.Now()
		rec.mu.Lock()
		rec.attempts = append(rec.attempts, a)
		rec.mu.Unlock()
		rec.inFlight.Add(-1) // before answering: the sender's next attempt may follow at once
		if status != 0 {
			w.WriteHeader(status)
		}
	}))
	t.Cleanup(srv.Close)
	rec.url = srv.URL + "/api/webhooks"
	return rec
}

// delivered is the attempts answered 2xx, in the order they ended.
func (rec *hookLog) delivered() []hookAttempt {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []hookAttempt
	for _, a := range rec.attempts {
		if a.status >= 200 && a.status <= 299 {
			out = append(out, a)
		}
	}
	return out
}

// all is every attempt so far.
func (rec *hookLog) all() []hookAttempt {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.attempts)
}

// waitUntil polls done with the attempts so far until it holds, or fails
// the test after d.
func (rec *hookLog) waitUntil(t *testing.T, d time.Duration, what string, done func(all []hookAttempt) bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !done(rec.all()) {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s; %d attempts", d, what, len(rec.all()))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// createdUser is the user ID of a user.created event, "" for another.
func createdUser(ev *webhook.Event) string {
	if u, err := ev.UserCreated(); err == nil {
		return u.ID
	}
	return ""
}

// TestTwoServersOnOnePostgreSQLDeliverEachWebhookOnce runs two `clerk
// serve` processes on one PostgreSQL database with the same webhook URL
// and secret. 200 users created concurrently over both: every user.created
// reaches the app, signed, exactly once (one svix-id, one delivery: the
// app always answers 204 and nothing dies), never two at once, and in the
// order of the changes (each creating goroutine's users in its order).
// Then one server is killed (-9) while the app holds its attempt open: the
// other delivers that event, with the same svix-id, once the attempt's
// lease (--webhook-timeout 3s + 30s) has ended.
func TestTwoServersOnOnePostgreSQLDeliverEachWebhookOnce(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	const timeout, lease = 3 * time.Second, 33 * time.Second
	dsn := pgtest.NewDatabase(t)
	var stall atomic.Bool
	stalled := make(chan string, 1)
	testDone := make(chan struct{})
	rec := newHookLog(t, secret, func(n int, id string, r *http.Request) int {
		if stall.CompareAndSwap(true, false) {
			stalled <- id
			select { // until the sender is gone
			case <-r.Context().Done():
			case <-testDone:
			}
			return 0
		}
		return http.StatusNoContent
	})
	t.Cleanup(func() { close(testDone) }) // before the receiver closes
	flags := []string{"--webhook-url", rec.url, "--webhook-secret", secret,
		"--webhook-timeout", timeout.String(), "--webhook-events", "user.created"}
	cmdA, urlA, key := startProcess(t, dsn, flags...)
	cmdB, urlB, _ := startProcess(t, dsn, flags...)
	clients := clientsOf(t, key, urlA, urlB)
	ctx := context.Background()

	const workers, each = 8, 25
	made := make([][]string, workers) // by goroutine, in creation order
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for i := range each {
				u, err := clients[(g+i)%2].Users.Create(ctx, &clerk.UsersCreateParams{FirstName: clerk.Ptr(fmt.Sprintf("g%d-%d", g, i))})
				if err != nil {
					t.Errorf("create: %v", err)
					return
				}
				made[g] = append(made[g], u.ID)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	rec.waitUntil(t, 30*time.Second, "not every user.created delivered", func([]hookAttempt) bool {
		return len(rec.delivered()) >= workers*each
	})
	// Every attempt acknowledged: the outbox is empty.
	st, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		n, err := st.CountOutbox(ctx, store.OutboxQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages left in the outbox after every delivery", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	all := rec.all()
	if len(all) != workers*each {
		t.Errorf("%d attempts for %d events; the app answered 204 to each", len(all), workers*each)
	}
	if n := rec.unsigned.Load(); n != 0 {
		t.Errorf("%d deliveries without a valid signature", n)
	}
	if rec.overlap.Load() {
		t.Error("two attempts to the one URL overlapped")
	}
	at := map[string]int{} // user ID -> place in the deliveries
	ids := map[string]bool{}
	for i, a := range rec.delivered() {
		if ids[a.id] {
			t.Errorf("svix-id %s delivered twice", a.id)
		}
		ids[a.id] = true
		u := createdUser(a.ev)
		if u == "" {
			t.Fatalf("delivery %d is %s, want only user.created (--webhook-events)", i, a.ev.Type)
		}
		if _, dup := at[u]; dup {
			t.Errorf("user.created of %s delivered twice", u)
		}
		at[u] = i
	}
	for g, users := range made {
		last := -1
		for _, u := range users {
			i, ok := at[u]
			if !ok {
				t.Fatalf("user.created of %s (goroutine %d) not delivered", u, g)
			}
			if i < last {
				t.Fatalf("goroutine %d created %s after another user, but its user.created came before", g, u)
			}
			last = i
		}
	}

	// Kill -9 during an attempt. B is stopped so that A (which the user's
	// creation wakes) makes it; A dies; B, resumed, finds the message
	// leased until the lease ends.
	if err := cmdB.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stall.Store(true)
	u, err := clients[0].Users.Create(ctx, &clerk.UsersCreateParams{FirstName: clerk.Ptr("Stalled")})
	if err != nil {
		cmdB.Process.Signal(syscall.SIGCONT)
		t.Fatal(err)
	}
	var id string
	select {
	case id = <-stalled:
	case <-time.After(10 * time.Second):
		cmdB.Process.Signal(syscall.SIGCONT)
		t.Fatal("no attempt of the new user.created in 10s")
	}
	start := time.Now()
	cmdA.Process.Signal(syscall.SIGKILL)
	cmdA.Wait()
	if err := cmdB.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	var got hookAttempt
	rec.waitUntil(t, lease+15*time.Second, "the killed server's event not delivered by the other", func(all []hookAttempt) bool {
		for _, a := range all {
			if a.id == id && a.status == http.StatusNoContent {
				got = a
				return true
			}
		}
		return false
	})
	waited := got.at.Sub(start)
	t.Logf("delivered by the other server %v after the kill (lease %v)", waited.Round(time.Millisecond), lease)
	if createdUser(got.ev) != u.ID {
		t.Errorf("svix-id %s delivered %s, want user.created of %s", id, got.ev.Type, u.ID)
	}
	if waited < lease-3*time.Second || waited > lease+10*time.Second {
		t.Errorf("delivered %v after the kill, want about the lease, %v", waited, lease)
	}
	n := 0
	for _, a := range rec.all() {
		if a.id == id {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d attempts of %s, want 2: the one cut short and the other server's", n, id)
	}
}

// syncBuffer is a bytes.Buffer safe for a process's writes and the test's
// reads at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
