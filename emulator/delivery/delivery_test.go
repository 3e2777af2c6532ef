package delivery_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator/delivery"
	"github.com/clerkgo/clerk/webhook"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// receiver is an app's webhook endpoint that verifies what it gets and
// answers with the statuses it is told, in turn (200 once they run out).
type receiver struct {
	t        *testing.T
	v        *webhook.Verifier
	mu       sync.Mutex
	statuses []int
	got      []http.Header
	bodies   [][]byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := rc.v.Verify(r.Header, body); err != nil {
		rc.t.Errorf("receiver: the delivery does not verify: %v", err)
		w.WriteHeader(400)
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.got = append(rc.got, r.Header.Clone())
	rc.bodies = append(rc.bodies, body)
	status := 200
	if len(rc.statuses) > 0 {
		status, rc.statuses = rc.statuses[0], rc.statuses[1:]
	}
	w.WriteHeader(status)
}

func newReceiver(t *testing.T, statuses ...int) (*receiver, string) {
	t.Helper()
	v, err := webhook.NewVerifier(webhook.Options{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{t: t, v: v, statuses: statuses}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	return rc, srv.URL + "/webhooks"
}

func newSender(t *testing.T, logs *bytes.Buffer, opts delivery.Options) *delivery.Sender {
	t.Helper()
	opts.Secret = secret
	if logs != nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	s, err := delivery.NewSender(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var body = []byte(`{"type":"user.created","object":"event","timestamp":1700000000000,"instance_id":"ins_1","data":{"id":"user_1"}}`)

func TestRetriesKeepTheMessageID(t *testing.T) {
	rc, u := newReceiver(t, 500, 503)
	var logs bytes.Buffer
	s := newSender(t, &logs, delivery.Options{})
	m := delivery.Message{ID: "msg_2Y3x", Type: "user.created", URL: u, Body: body}
	var results []delivery.Result
	for attempt := 1; attempt <= 3; attempt++ {
		r := s.Send(context.Background(), m, attempt)
		results = append(results, r)
		if r.Delivered() {
			break
		}
	}
	if len(results) != 3 || results[0].Status != 500 || results[1].Status != 503 || !results[2].Delivered() || results[2].Status != 200 {
		t.Fatalf("results = %+v, want 500, 503, then 200 delivered", results)
	}
	if results[0].Delivered() || results[1].Delivered() {
		t.Fatal("a 5xx counted as delivered")
	}
	if len(rc.got) != 3 {
		t.Fatalf("the receiver got %d requests, want 3", len(rc.got))
	}
	for i, h := range rc.got {
		if h.Get("svix-id") != "msg_2Y3x" {
			t.Errorf("attempt %d: svix-id %q, want msg_2Y3x", i+1, h.Get("svix-id"))
		}
		if h.Get("Content-Type") != "application/json" {
			t.Errorf("attempt %d: Content-Type %q", i+1, h.Get("Content-Type"))
		}
		if !bytes.Equal(rc.bodies[i], body) {
			t.Errorf("attempt %d: body %s", i+1, rc.bodies[i])
		}
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want one per attempt:\n%s", len(lines), logs.String())
	}
	for i, want := range []string{"level=WARN", "level=WARN", "level=INFO"} {
		for _, part := range []string{want, "id=msg_2Y3x", "type=user.created", "url=" + u, "attempt=" + string(rune('1'+i)), "latency="} {
			if !strings.Contains(lines[i], part) {
				t.Errorf("log line %d lacks %q: %s", i+1, part, lines[i])
			}
		}
	}
	if !strings.Contains(lines[0], "status=500") || !strings.Contains(lines[2], "status=200") {
		t.Errorf("the log lines do not hold the statuses:\n%s", logs.String())
	}
}

func TestLogsHoldNeitherSecretNorBodyNorPassword(t *testing.T) {
	_, u := newReceiver(t, 500)
	var logs bytes.Buffer
	s := newSender(t, &logs, delivery.Options{})
	withPassword := strings.Replace(u, "http://", "http://app:hunter2@", 1)
	s.Send(context.Background(), delivery.Message{ID: "msg_1", Type: "user.created", URL: withPassword, Body: body}, 1)
	s.Send(context.Background(), delivery.Message{ID: "msg_1", Type: "user.created", URL: u, Body: body}, 2)
	out := logs.String()
	for _, leak := range []string{"whsec_", strings.TrimPrefix(secret, "whsec_"), "user_1", "ins_1", "hunter2", "v1,"} {
		if strings.Contains(out, leak) {
			t.Errorf("the log holds %q:\n%s", leak, out)
		}
	}
	if !strings.Contains(out, "app:xxxxx@") {
		t.Errorf("the password is not shown redacted:\n%s", out)
	}
}

func TestFailuresWithoutAnAnswer(t *testing.T) {
	// A port nothing listens on: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String() + "/hook"
	l.Close()

	// An app that never answers within the timeout.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })

	// An app that redirects: not followed, not delivered.
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirect.Close)

	var logs bytes.Buffer
	s := newSender(t, &logs, delivery.Options{Timeout: 200 * time.Millisecond})
	send := func(u string) delivery.Result {
		return s.Send(context.Background(), delivery.Message{ID: "msg_1", Type: "session.created", URL: u, Body: body}, 1)
	}

	if r := send(refused); r.Delivered() || r.Status != 0 || r.Err == nil || !strings.Contains(r.Err.Error(), "refused") {
		t.Errorf("refused: %+v", r)
	}
	start := time.Now()
	r := send(slow.URL)
	if r.Delivered() || r.Status != 0 || r.Err == nil || !strings.Contains(r.Err.Error(), "timed out") {
		t.Errorf("slow: %+v", r)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("the timeout of 200ms took %v", el)
	}
	if r := send(redirect.URL); r.Delivered() || r.Status != http.StatusTemporaryRedirect || r.Err != nil {
		t.Errorf("redirect: %+v", r)
	}
	for _, bad := range []string{"", "localhost:3000/hook", "ftp://example.com/x", "http:///nohost", "http://[::1"} {
		if r := send(bad); r.Delivered() || !errors.Is(r.Err, delivery.ErrInvalidURL) {
			t.Errorf("URL %q: %+v, want ErrInvalidURL", bad, r)
		}
	}
	if n := strings.Count(logs.String(), "level=WARN"); n != 8 {
		t.Errorf("%d warnings logged, want 8:\n%s", n, logs.String())
	}
}

func TestCancelledContextStopsTheAttempt(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	s := newSender(t, nil, delivery.Options{Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	r := s.Send(ctx, delivery.Message{ID: "msg_1", URL: slow.URL, Body: body}, 1)
	if r.Delivered() || r.Err == nil {
		t.Fatalf("%+v, want a failure", r)
	}
}

func TestTimestampComesFromTheClock(t *testing.T) {
	rc, u := newReceiver(t)
	now := time.Now().Add(-2 * time.Minute).Truncate(time.Second)
	s := newSender(t, nil, delivery.Options{Now: func() time.Time { return now }, UserAgent: "test-agent"})
	if r := s.Send(context.Background(), delivery.Message{ID: "msg_1", URL: u, Body: body}, 1); !r.Delivered() {
		t.Fatalf("%+v", r)
	}
	if got, want := rc.got[0].Get("svix-timestamp"), now.Unix(); got != strconv.FormatInt(want, 10) {
		t.Errorf("svix-timestamp %q, want %d", got, want)
	}
	if ua := rc.got[0].Get("User-Agent"); ua != "test-agent" {
		t.Errorf("User-Agent %q", ua)
	}
}

func TestNewSenderRefusesABadSecret(t *testing.T) {
	for _, s := range []string{"", "whsec_", "whsec_!!!", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw!"} {
		_, err := delivery.NewSender(delivery.Options{Secret: s})
		if !errors.Is(err, webhook.ErrInvalidSecret) {
			t.Errorf("secret %q: %v, want ErrInvalidSecret", s, err)
		}
		if err != nil && len(s) > len("whsec_") && strings.Contains(err.Error(), s) {
			t.Errorf("the error quotes the secret: %v", err)
		}
	}
}

func TestSchedules(t *testing.T) {
	// The default: the first three attempts within 30 seconds.
	var at time.Duration
	for attempt := 1; attempt < 3; attempt++ {
		d, ok := delivery.DevelopmentSchedule.Next(attempt)
		if !ok {
			t.Fatalf("the development schedule stops after attempt %d", attempt)
		}
		at += d
	}
	if at > 30*time.Second {
		t.Errorf("the third attempt is %v after the first, want ≤ 30s", at)
	}
	// Svix's production schedule: 8 attempts, the last about 27.6 hours in.
	if n := delivery.ProductionSchedule.Attempts(); n != 8 {
		t.Errorf("production attempts = %d, want 8", n)
	}
	var total time.Duration
	for attempt := 1; ; attempt++ {
		d, ok := delivery.ProductionSchedule.Next(attempt)
		if !ok {
			if attempt != 8 {
				t.Errorf("the production schedule stops after attempt %d", attempt)
			}
			break
		}
		total += d
	}
	if want := 27*time.Hour + 35*time.Minute + 5*time.Second; total != want {
		t.Errorf("the production schedule lasts %v, want %v", total, want)
	}
	if _, ok := delivery.Schedule(nil).Next(1); ok {
		t.Error("an empty schedule retries")
	}
	if _, ok := delivery.DevelopmentSchedule.Next(0); ok {
		t.Error("attempt 0 has a next")
	}
	if err := (delivery.Schedule{time.Second, -time.Second}).Validate(); err == nil || !strings.Contains(err.Error(), "wait 2") {
		t.Errorf("a negative wait: %v", err)
	}
	if err := delivery.DevelopmentSchedule.Validate(); err != nil {
		t.Error(err)
	}
}
