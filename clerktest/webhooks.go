package clerktest

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/delivery"
	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/webhook"
)

// WithWebhooks makes the server deliver its events to url, signed with
// secret, as Clerk delivers webhooks to an application: the URL of the
// application's webhook handler under test (an httptest.Server's, say) and
// the secret it verifies with (its CLERK_WEBHOOK_SIGNING_SECRET, e.g. made
// with webhook.NewSecret). Each change the server makes saves its events
// with it; a worker delivers them in order, retrying a failed attempt 5
// and 15 seconds later. FlushWebhooks waits for them, and WebhookEvents
// lists those delivered.
//
// So far the server emits user.created, user.updated, user.deleted,
// session.created, session.ended, session.removed and session.revoked.
func WithWebhooks(url, secret string) Option {
	return func(o *options) { o.webhookURL, o.webhookSecret = url, secret }
}

// webhooks is a server's delivery: its endpoint, its worker, and what it
// delivered. A nil *webhooks is a server without (WithWebhooks not given).
type webhooks struct {
	st      store.Store
	url     string
	secret  string
	worker  *delivery.Worker
	mu      sync.Mutex
	events  []*webhook.Event
	lastErr string // the last failed attempt, for FlushWebhooks' message
}

// newWebhooks is the delivery of o's endpoint from st; nil without one.
func newWebhooks(st store.Store, o options) (*webhooks, error) {
	if o.webhookURL == "" {
		return nil, nil
	}
	w := &webhooks{st: st, url: o.webhookURL, secret: o.webhookSecret}
	sender, err := delivery.NewSender(delivery.Options{Secret: o.webhookSecret, Timeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	w.worker, err = delivery.NewWorker(st, sender, delivery.WorkerOptions{
		PollInterval: 50 * time.Millisecond,
		Delivered:    w.record,
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// configure sets the emulator's options of the delivery: the endpoint, the
// secret, and the worker woken after each commit that saved events.
func (w *webhooks) configure(opts *emulator.Options) {
	if w == nil {
		return
	}
	opts.Webhooks = []emulator.WebhookEndpoint{{URL: w.url}}
	opts.WebhookSecret = w.secret
	opts.EventsSaved = w.worker.Notify
}

// start runs the worker until the returned stop is called.
func (w *webhooks) start() (stop func()) {
	if w == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.worker.Run(ctx) }()
	return func() { cancel(); <-done }
}

func (w *webhooks) record(m *store.OutboxMessage, r delivery.Result) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !r.Delivered() {
		w.lastErr = m.EventType + " " + m.ID + ": "
		if r.Err != nil {
			w.lastErr += r.Err.Error()
		} else {
			w.lastErr += "the handler answered " + strconv.Itoa(r.Status)
		}
		return
	}
	var ev webhook.Event
	if err := json.Unmarshal(m.Payload, &ev); err == nil {
		w.events = append(w.events, &ev)
	}
}

// FlushWebhooks waits until every event of the changes made so far has
// been delivered (answered 2xx), failing the test if that takes longer than
// timeout (with the last failed attempt's status). The server must have
// been started WithWebhooks.
func (s *Server) FlushWebhooks(t testing.TB, timeout time.Duration) {
	t.Helper()
	if s.hooks == nil {
		t.Fatal("clerktest: FlushWebhooks: the server was not started WithWebhooks")
	}
	deadline := time.Now().Add(timeout)
	for {
		n, err := s.hooks.st.CountOutbox(context.Background(), store.OutboxQuery{})
		if err != nil {
			t.Fatalf("clerktest: FlushWebhooks: %v", err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			s.hooks.mu.Lock()
			last := s.hooks.lastErr
			s.hooks.mu.Unlock()
			t.Fatalf("clerktest: %d webhook events not delivered after %v (last failed attempt: %s)", n, timeout, last)
		}
		s.hooks.worker.Notify()
		time.Sleep(5 * time.Millisecond)
	}
}

// WebhookEvents returns the events delivered so far (answered 2xx), in the
// order delivered. The server must have been started WithWebhooks.
func (s *Server) WebhookEvents() []*webhook.Event {
	if s.hooks == nil {
		return nil
	}
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	return append([]*webhook.Event(nil), s.hooks.events...)
}
