package delivery_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator/delivery"
	"github.com/clerkgo/clerk/emulator/store"
)

// countingOutbox counts the outbox writes a worker makes.
type countingOutbox struct {
	delivery.Outbox
	mu      sync.Mutex
	claims  int
	settles [][]store.OutboxEnd
}

func (c *countingOutbox) ClaimOutbox(ctx context.Context, cl store.OutboxClaim) ([]*store.OutboxMessage, error) {
	c.mu.Lock()
	c.claims++
	c.mu.Unlock()
	return c.Outbox.ClaimOutbox(ctx, cl)
}

func (c *countingOutbox) SettleOutbox(ctx context.Context, ends ...store.OutboxEnd) error {
	c.mu.Lock()
	c.settles = append(c.settles, ends)
	c.mu.Unlock()
	return c.Outbox.SettleOutbox(ctx, ends...)
}

func receivedIDs(rc *receiver) string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var ids []string
	for _, h := range rc.got {
		ids = append(ids, h.Get("svix-id"))
	}
	return fmt.Sprint(ids)
}

// TestWorkerDeliversARunInOneClaimAndOneSettle: the messages due of an
// endpoint go in one run, in order: one claim for the step, one write for
// each endpoint's outcomes.
func TestWorkerDeliversARunInOneClaimAndOneSettle(t *testing.T) {
	rcA, uA := newReceiver(t)
	rcB, uB := newReceiver(t)
	s := openStore(t)
	for i := range 10 {
		enqueue(t, s, uA, fmt.Sprintf("msg_a%d", i))
		if i < 3 {
			enqueue(t, s, uB, fmt.Sprintf("msg_b%d", i))
		}
	}
	out := &countingOutbox{Outbox: s}
	w, err := delivery.NewWorker(out, newSender(t, nil, delivery.Options{}), delivery.WorkerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := w.Step(context.Background()); n != 13 || err != nil {
		t.Fatalf("Step = %d, %v; want 13 attempts", n, err)
	}
	if got := receivedIDs(rcA); got != "[msg_a0 msg_a1 msg_a2 msg_a3 msg_a4 msg_a5 msg_a6 msg_a7 msg_a8 msg_a9]" {
		t.Errorf("endpoint A received %s", got)
	}
	if got := receivedIDs(rcB); got != "[msg_b0 msg_b1 msg_b2]" {
		t.Errorf("endpoint B received %s", got)
	}
	if out.claims != 1 || len(out.settles) != 2 {
		t.Errorf("%d claims and %d settles, want 1 and 2 (one per endpoint)", out.claims, len(out.settles))
	}
	if left := outboxIDs(t, s); len(left) != 0 {
		t.Errorf("the outbox still holds %v", left)
	}
	// A Run of 1 claims a message at a time.
	enqueue(t, s, uA, "msg_x", "msg_y")
	w1, err := delivery.NewWorker(s, newSender(t, nil, delivery.Options{}), delivery.WorkerOptions{Run: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []int{1, 1, 0} {
		if n, err := w1.Step(context.Background()); n != want || err != nil {
			t.Fatalf("Step with Run 1 = %d, %v; want %d", n, err, want)
		}
	}
}

// TestWorkerReleasesTheRestOfARunAfterAFailure: after a failed attempt the
// messages after it in the run are not sent; released, with their attempts
// not counted, they go after the failed one's retry.
func TestWorkerReleasesTheRestOfARunAfterAFailure(t *testing.T) {
	rc, u := newReceiver(t, 200, 500)
	s := openStore(t)
	clk := &clock{t: time.Now()}
	w, err := delivery.NewWorker(s, newSender(t, nil, delivery.Options{}), delivery.WorkerOptions{
		Schedule: delivery.Schedule{5 * time.Second}, Now: clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, u, "msg_1", "msg_2", "msg_3")
	if n, err := w.Step(context.Background()); n != 2 || err != nil {
		t.Fatalf("Step = %d, %v; want 2 attempts", n, err)
	}
	if got := fmt.Sprint(outboxIDs(t, s)); got != "[msg_2@1 msg_3@0]" {
		t.Fatalf("after msg_2 failed the outbox holds %s", got)
	}
	if n, _ := w.Step(context.Background()); n != 0 {
		t.Fatal("msg_3 went before msg_2's retry")
	}
	clk.Add(5 * time.Second)
	if n, err := w.Step(context.Background()); n != 2 || err != nil {
		t.Fatalf("Step = %d, %v; want 2 attempts", n, err)
	}
	if got := receivedIDs(rc); got != "[msg_1 msg_2 msg_2 msg_3]" {
		t.Errorf("received %s", got)
	}
	if left := outboxIDs(t, s); len(left) != 0 {
		t.Errorf("the outbox still holds %v", left)
	}
}

// TestWorkerStartsARunsNextAttemptOnlyWellWithinTheLease: an attempt of a
// run starts only if it would end, at its timeout, well before the run's
// lease does; otherwise the rest of the run is released and claimed anew.
func TestWorkerStartsARunsNextAttemptOnlyWellWithinTheLease(t *testing.T) {
	rc, u := newReceiver(t)
	s := openStore(t)
	clk := &clock{t: time.Now()}
	var once sync.Once
	w, err := delivery.NewWorker(s, newSender(t, nil, delivery.Options{Timeout: 10 * time.Second}), delivery.WorkerOptions{
		Now: clk.Now,
		// The first attempt takes (on the worker's clock) 16 s of the 40 s
		// lease: a next one might end 34 s in, less than 15 s before the end.
		Delivered: func(*store.OutboxMessage, delivery.Result) { once.Do(func() { clk.Add(16 * time.Second) }) },
	})
	if err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, u, "msg_1", "msg_2", "msg_3")
	if n, err := w.Step(context.Background()); n != 1 || err != nil {
		t.Fatalf("Step = %d, %v; want 1 attempt", n, err)
	}
	if got := fmt.Sprint(outboxIDs(t, s)); got != "[msg_2@0 msg_3@0]" {
		t.Fatalf("the outbox holds %s, want the rest of the run released", got)
	}
	if n, err := w.Step(context.Background()); n != 2 || err != nil {
		t.Fatalf("Step = %d, %v; want 2 attempts", n, err)
	}
	if got := receivedIDs(rc); got != "[msg_1 msg_2 msg_3]" {
		t.Errorf("received %s", got)
	}
}

// TestWorkerStoppedInARunRecordsWhatItDelivered: stopped during an attempt,
// the worker still records the run's outcomes so far (a delivered message
// is not sent again) and releases the messages it did not attempt; the
// interrupted attempt's message stays leased, for its lease to end.
func TestWorkerStoppedInARunRecordsWhatItDelivered(t *testing.T) {
	started := make(chan struct{})
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		n++
		second := n == 2
		mu.Unlock()
		if second {
			close(started)
			<-r.Context().Done() // until the worker gives up the attempt
		}
	}))
	t.Cleanup(srv.Close)
	s := openStore(t)
	enqueue(t, s, srv.URL, "msg_1", "msg_2", "msg_3")
	w, err := delivery.NewWorker(s, newSender(t, nil, delivery.Options{}), delivery.WorkerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := w.Step(ctx); done <- err }()
	<-started
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Step: %v", err)
	}
	msgs, err := s.ListOutbox(context.Background(), store.OutboxQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(outboxIDs(t, s)); got != "[msg_2@1 msg_3@0]" || msgs[0].LeasedUntil == 0 || msgs[1].LeasedUntil != 0 {
		t.Fatalf("the outbox holds %s (leases %d, %d); want msg_2 leased, msg_3 released", got, msgs[0].LeasedUntil, msgs[1].LeasedUntil)
	}
}
