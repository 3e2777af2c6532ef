package delivery_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator/delivery"
	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/emulator/store/sqlite"
)

// clock is a settable clock for the worker's claims and retries.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openStore(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "outbox.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func enqueue(t *testing.T, s store.Store, endpoint string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		m := &store.OutboxMessage{ID: id, Endpoint: endpoint, EventType: "user.created",
			Payload: []byte(fmt.Sprintf(`{"type":"user.created","data":{"id":%q}}`, id)), CreatedAt: 1}
		if err := s.EnqueueOutbox(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
}

func outboxIDs(t *testing.T, s store.Store) []string {
	t.Helper()
	msgs, err := s.ListOutbox(context.Background(), store.OutboxQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range msgs {
		ids = append(ids, fmt.Sprintf("%s@%d", m.ID, m.Attempts))
	}
	return ids
}

func TestWorkerRetriesOnScheduleAndKeepsOrder(t *testing.T) {
	rc, u := newReceiver(t, 500, 502) // the first two attempts fail
	s := openStore(t)
	clk := &clock{t: time.Now()}
	sender := newSender(t, nil, delivery.Options{Now: time.Now})
	var mu sync.Mutex
	var outcomes []string
	w, err := delivery.NewWorker(s, sender, delivery.WorkerOptions{
		Schedule: delivery.Schedule{5 * time.Second, 10 * time.Second},
		Now:      clk.Now,
		Delivered: func(m *store.OutboxMessage, r delivery.Result) {
			mu.Lock()
			outcomes = append(outcomes, fmt.Sprintf("%s#%d:%d", m.ID, m.Attempts, r.Status))
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	enqueue(t, s, u, "msg_a", "msg_b")

	step := func(want int) {
		t.Helper()
		n, err := w.Step(ctx)
		if err != nil || n != want {
			t.Fatalf("Step = %d, %v; want %d attempts", n, err, want)
		}
	}
	step(1) // msg_a attempt 1: 500; msg_b, claimed in its run, released
	if got := outboxIDs(t, s); fmt.Sprint(got) != "[msg_a@1 msg_b@0]" {
		t.Fatalf("after the first failure the outbox holds %v", got)
	}
	step(0) // msg_a waits 5 s, and msg_b waits behind it
	clk.Add(4 * time.Second)
	step(0)
	clk.Add(time.Second)
	step(1) // msg_a attempt 2: 502
	clk.Add(9 * time.Second)
	step(0)
	clk.Add(time.Second)
	step(2) // msg_a attempt 3: 200, then msg_b attempt 1, in the same run: 200
	step(0)

	want := []string{"msg_a#1:500", "msg_a#2:502", "msg_a#3:200", "msg_b#1:200"}
	if fmt.Sprint(outcomes) != fmt.Sprint(want) {
		t.Fatalf("attempts %v, want %v", outcomes, want)
	}
	var ids []string
	for _, h := range rc.got {
		ids = append(ids, h.Get("svix-id"))
	}
	if fmt.Sprint(ids) != "[msg_a msg_a msg_a msg_b]" {
		t.Errorf("svix-ids received %v", ids)
	}
	if left := outboxIDs(t, s); len(left) != 0 {
		t.Errorf("the outbox still holds %v", left)
	}
}

func TestWorkerGivesUpAfterTheSchedule(t *testing.T) {
	_, u := newReceiver(t, 500, 500, 500)
	s := openStore(t)
	clk := &clock{t: time.Now()}
	var logs bytes.Buffer
	w, err := delivery.NewWorker(s, newSender(t, nil, delivery.Options{}), delivery.WorkerOptions{
		Schedule: delivery.Schedule{time.Second},
		Now:      clk.Now,
		Logger:   slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, u, "msg_gone", "msg_next")
	if n, err := w.Step(context.Background()); n != 1 || err != nil {
		t.Fatal(n, err)
	}
	if got := outboxIDs(t, s); fmt.Sprint(got) != "[msg_gone@1 msg_next@0]" {
		t.Fatalf("after one failure the outbox holds %v", got)
	}
	clk.Add(time.Second)
	// msg_gone's last attempt fails and it is given up; msg_next, in the
	// same run, goes next, and fails too (once).
	if n, err := w.Step(context.Background()); n != 2 || err != nil {
		t.Fatal(n, err)
	}
	if got := outboxIDs(t, s); fmt.Sprint(got) != "[msg_next@1]" {
		t.Fatalf("after the last attempt the outbox holds %v", got)
	}
	if !strings.Contains(logs.String(), "level=ERROR msg=\"webhook given up\" id=msg_gone") || !strings.Contains(logs.String(), "attempts=2") {
		t.Errorf("log:\n%s", logs.String())
	}
}

// TestWorkerDeliversWhatADeadWorkerClaimed: a worker that claimed a message
// and died (its lease still running) does not lose it: once the lease ends
// another worker delivers it, as attempt 2, with the same svix-id.
func TestWorkerDeliversWhatADeadWorkerClaimed(t *testing.T) {
	rc, u := newReceiver(t)
	s := openStore(t)
	now := time.Now()
	claimed, err := s.ClaimOutbox(context.Background(), store.OutboxClaim{Now: now.UnixMilli(), LeaseUntil: now.Add(time.Minute).UnixMilli(), Limit: 1})
	if err != nil || len(claimed) != 0 {
		t.Fatal(claimed, err)
	}
	enqueue(t, s, u, "msg_orphan")
	if claimed, err = s.ClaimOutbox(context.Background(), store.OutboxClaim{Now: now.UnixMilli(), LeaseUntil: now.Add(time.Minute).UnixMilli(), Limit: 1}); err != nil || len(claimed) != 1 {
		t.Fatal(claimed, err)
	}
	clk := &clock{t: now}
	w, err := delivery.NewWorker(s, newSender(t, nil, delivery.Options{}), delivery.WorkerOptions{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := w.Step(context.Background()); n != 0 {
		t.Fatal("a leased message was claimed again")
	}
	clk.Add(time.Minute)
	if n, err := w.Step(context.Background()); n != 1 || err != nil {
		t.Fatal(n, err)
	}
	if len(rc.got) != 1 || rc.got[0].Get("svix-id") != "msg_orphan" {
		t.Fatalf("received %v", rc.got)
	}
	if left := outboxIDs(t, s); len(left) != 0 {
		t.Errorf("the outbox still holds %v", left)
	}
}

// TestWorkerRunDeliversInOrderAcrossEndpoints runs the worker for real:
// two endpoints, 200 messages each, each endpoint's in the order enqueued,
// woken by Notify.
func TestWorkerRunDeliversInOrderAcrossEndpoints(t *testing.T) {
	type rec struct {
		mu  sync.Mutex
		ids []string
	}
	recs := [2]*rec{{}, {}}
	var urls [2]string
	for i := range recs {
		r := recs[i]
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			io.Copy(io.Discard, req.Body)
			r.mu.Lock()
			r.ids = append(r.ids, req.Header.Get("svix-id"))
			r.mu.Unlock()
		}))
		t.Cleanup(srv.Close)
		urls[i] = srv.URL
	}
	s := openStore(t)
	w, err := delivery.NewWorker(s, newSender(t, nil, delivery.Options{}), delivery.WorkerOptions{PollInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	const n = 200
	for i := 0; i < n; i++ {
		for e := range urls {
			enqueue(t, s, urls[e], fmt.Sprintf("msg_%d_%03d", e, i))
		}
		w.Notify()
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if c, _ := s.CountOutbox(context.Background(), store.OutboxQuery{}); c == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not delivered in 30 s: %v left", outboxIDs(t, s))
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Run returned %v", err)
	}
	for e, r := range recs {
		if len(r.ids) != n {
			t.Fatalf("endpoint %d got %d messages, want %d", e, len(r.ids), n)
		}
		for i, id := range r.ids {
			if want := fmt.Sprintf("msg_%d_%03d", e, i); id != want {
				t.Fatalf("endpoint %d: message %d is %s, want %s", e, i, id, want)
			}
		}
	}
}

// BenchmarkWorkerDelivers1000 is the outbox's part of the delivery
// goal: 1,000 user.created messages enqueued one transaction each into a
// file database (synchronous=FULL), delivered to one loopback endpoint, in
// order, by a running worker woken by Notify. One op is the 1,000.
func BenchmarkWorkerDelivers1000(b *testing.B) {
	var got sync.WaitGroup
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.Copy(io.Discard, req.Body)
		got.Done()
	}))
	b.Cleanup(srv.Close)
	payload := bytes.Repeat([]byte("x"), 2000)
	var drain time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "outbox.db"))
		if err != nil {
			b.Fatal(err)
		}
		sender, err := delivery.NewSender(delivery.Options{Secret: secret})
		if err != nil {
			b.Fatal(err)
		}
		w, err := delivery.NewWorker(s, sender, delivery.WorkerOptions{})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		got.Add(1000)
		b.StartTimer()
		for j := 0; j < 1000; j++ {
			m := &store.OutboxMessage{ID: fmt.Sprintf("msg_%d", j), Endpoint: srv.URL, EventType: "user.created", Payload: payload}
			if err := s.EnqueueOutbox(context.Background(), m); err != nil {
				b.Fatal(err)
			}
			w.Notify()
		}
		enqueued := time.Now()
		got.Wait()
		b.StopTimer()
		drain += time.Since(enqueued)
		cancel()
		<-done
		s.Close()
	}
	// after-last-ms: from the last enqueue to the last delivery (the
	// issue's "within 5 s of the last create").
	b.ReportMetric(float64(drain.Milliseconds())/float64(b.N), "after-last-ms")
}
