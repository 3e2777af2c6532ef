package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk/webhook"
)

// receiver is an app endpoint that verifies what it gets with the webhook
// package and keeps it.
type receiver struct {
	mu     sync.Mutex
	events []*webhook.Event
	header http.Header
	status int
}

func newReceiver(t *testing.T, secret string, status int) (*receiver, string) {
	t.Helper()
	v, err := webhook.NewVerifier(webhook.Options{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{status: status}
	srv := httptest.NewServer(webhook.Handler(v, func(_ context.Context, ev *webhook.Event) error {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.events = append(rc.events, ev)
		return nil
	}))
	t.Cleanup(srv.Close)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		rc.mu.Lock()
		rc.header = r.Header.Clone()
		rc.mu.Unlock()
		if rc.status != 0 {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(rc.status)
			return
		}
		req, _ := http.NewRequest(r.Method, srv.URL, r.Body)
		req.Header = r.Header
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			w.WriteHeader(502)
			return
		}
		resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
	})
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	return rc, front.URL
}

func TestWebhooksTriggerSendsASignedSample(t *testing.T) {
	secret, _ := webhook.NewSecret()
	rc, url := newReceiver(t, secret, 0)
	r := runWith([]string{"webhooks", "trigger", "user.created", "--url", url, "--secret", secret}, nil, nil)
	r.check(t, 0, []string{"user.created msg_", "204 No Content"}, nil, []string{secret})
	if len(rc.events) != 1 {
		t.Fatalf("%d events received", len(rc.events))
	}
	ev := rc.events[0]
	u, err := ev.UserCreated()
	if err != nil || u.ID == "" || time.Since(ev.Time()) > time.Minute {
		t.Fatalf("the event: %+v %+v %v", ev, u, err)
	}

	// The secret from the environment; a deleted event decodes too.
	r = runWith([]string{"webhooks", "trigger", "user.deleted", "--url", url}, nil, map[string]string{"CLERK_WEBHOOK_SIGNING_SECRET": secret})
	r.check(t, 0, []string{"user.deleted"}, nil, nil)
	if d, err := rc.events[1].UserDeleted(); err != nil || !d.Deleted {
		t.Fatalf("deleted: %+v %v", d, err)
	}

	// Without a secret, one is made and printed (to configure the app with).
	_, anyURL := newReceiver(t, secret, 200)
	r = runWith([]string{"webhooks", "trigger", "session.created", "--url", anyURL}, nil, nil)
	r.check(t, 0, []string{"signing secret (none given): whsec_", "session.created msg_"}, nil, nil)
}

func TestWebhooksTriggerFailures(t *testing.T) {
	secret, _ := webhook.NewSecret()
	_, url := newReceiver(t, secret, 503)
	for _, c := range []struct {
		name      string
		args      []string
		code      int
		stderrHas string
	}{
		{"the app answers 503", []string{"webhooks", "trigger", "user.created", "--url", url, "--secret", secret}, 1, "503"},
		{"unknown event, with a suggestion", []string{"webhooks", "trigger", "user.creatd", "--url", url}, 2, `did you mean "user.created"`},
		{"no URL", []string{"webhooks", "trigger", "user.created"}, 2, "--url"},
		{"not an http URL", []string{"webhooks", "trigger", "user.created", "--url", "ftp://x"}, 2, "--url"},
		{"a malformed secret", []string{"webhooks", "trigger", "user.created", "--url", url, "--secret", "whsec_!!"}, 2, "secret"},
		{"nothing listening", []string{"webhooks", "trigger", "user.created", "--url", "http://127.0.0.1:1", "--secret", secret}, 1, "not delivered"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runWith(c.args, nil, nil)
			r.check(t, c.code, nil, []string{c.stderrHas}, []string{secret})
		})
	}
}

func TestWebhooksEventsListsTheSpec(t *testing.T) {
	r := runWith([]string{"webhooks", "events"}, nil, nil)
	r.check(t, 0, []string{"user.created\n", "organizationMembership.created\n", "session.ended\n"}, nil, nil)
	if n := strings.Count(strings.TrimSpace(r.stdout), "\n") + 1; n != 45 {
		t.Fatalf("%d event types, want the spec's 45", n)
	}
}

func TestWebhooksVerify(t *testing.T) {
	secret, _ := webhook.NewSecret()
	signer, _ := webhook.NewSigner(secret)
	body, _ := json.Marshal(map[string]any{"type": "user.created", "object": "event", "timestamp": time.Now().UnixMilli(),
		"data": map[string]any{"id": "user_1"}})
	h := signer.Headers("msg_1", time.Now(), body)
	args := []string{"webhooks", "verify", "--secret", secret,
		"--header", "svix-id: " + h.Get("svix-id"), "--header", "svix-timestamp: " + h.Get("svix-timestamp"),
		"--header", "svix-signature: " + h.Get("svix-signature")}
	runWith(args, strings.NewReader(string(body)), nil).check(t, 0, []string{"valid: user.created at "}, nil, nil)
	sig := h.Get("svix-signature")
	runWith(args, strings.NewReader(string(body)+" "), nil).check(t, 1, nil, []string{"invalid:", "no matching signature"}, []string{sig})
	runWith(args[:len(args)-2], strings.NewReader(string(body)), nil).check(t, 1, nil, []string{"invalid:", "missing"}, nil)
	other, _ := webhook.NewSecret()
	withOther := append([]string{"webhooks", "verify", "--secret", other}, args[4:]...)
	runWith(withOther, strings.NewReader(string(body)), nil).check(t, 1, nil, []string{"invalid:"}, []string{other, sig})
	runWith([]string{"webhooks", "verify", "--header", "svix-id: x"}, strings.NewReader("{}"), nil).check(t, 2, nil, []string{"secret"}, nil)
	runWith([]string{"webhooks", "verify", "--secret", secret, "--header", "nocolon"}, strings.NewReader("{}"), nil).check(t, 2, nil, []string{"Name: value"}, nil)
}
