package delivery_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator/delivery"
	"github.com/clerkgo/clerk/emulator/store"
)

// yieldingOutbox records, in order, the worker's claims, settles and
// waits for a pause in the store's other writes.
type yieldingOutbox struct {
	delivery.Outbox
	mu     sync.Mutex
	events []string
	waits  []time.Duration
}

func (y *yieldingOutbox) record(e string) {
	y.mu.Lock()
	y.events = append(y.events, e)
	y.mu.Unlock()
}

func (y *yieldingOutbox) ClaimOutbox(ctx context.Context, c store.OutboxClaim) ([]*store.OutboxMessage, error) {
	y.record("claim")
	return y.Outbox.ClaimOutbox(ctx, c)
}

func (y *yieldingOutbox) SettleOutbox(ctx context.Context, ends ...store.OutboxEnd) error {
	y.record("settle")
	return y.Outbox.SettleOutbox(ctx, ends...)
}

func (y *yieldingOutbox) WaitWritesIdle(ctx context.Context, max time.Duration) bool {
	y.mu.Lock()
	y.events = append(y.events, "wait")
	y.waits = append(y.waits, max)
	y.mu.Unlock()
	return true
}

func (y *yieldingOutbox) seen() (string, []time.Duration) {
	y.mu.Lock()
	defer y.mu.Unlock()
	return fmt.Sprint(y.events), append([]time.Duration(nil), y.waits...)
}

// TestWorkerYieldsBeforeEachOutboxWrite: a worker of a store that can
// tell a pause in its other writes (SQLite's) waits for one, up to Yield,
// before it claims and before it records a run; not with a negative Yield,
// nor while delivery is behind (it claimed a message due over a second
// before), until it caught up.
func TestWorkerYieldsBeforeEachOutboxWrite(t *testing.T) {
	_, u := newReceiver(t)
	for _, c := range []struct {
		name      string
		yield     time.Duration
		createdAt time.Time // of the messages, against the worker's clock at now
		steps     int
		want      string
		waits     []time.Duration
	}{
		{"default", 0, now, 2, "[wait claim wait settle wait claim]", []time.Duration{100 * time.Millisecond, 100 * time.Millisecond, 100 * time.Millisecond}},
		{"set", 5 * time.Millisecond, now, 2, "[wait claim wait settle wait claim]", []time.Duration{5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond}},
		{"off", -1, now, 2, "[claim settle claim]", nil},
		// Due 1.5 s before the claim: behind, so the record and the next
		// claim go at once; that claim finds nothing due behind, so the
		// one after waits again.
		{"behind", 0, now.Add(-1500 * time.Millisecond), 3, "[wait claim settle claim wait claim]", []time.Duration{100 * time.Millisecond, 100 * time.Millisecond}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := openStore(t)
			for i := range 3 {
				m := &store.OutboxMessage{ID: fmt.Sprintf("msg_%d", i), Endpoint: u, EventType: "user.created",
					Payload: []byte(`{}`), CreatedAt: c.createdAt.UnixMilli()}
				if err := s.EnqueueOutbox(context.Background(), m); err != nil {
					t.Fatal(err)
				}
			}
			y := &yieldingOutbox{Outbox: s}
			w, err := delivery.NewWorker(y, newSender(t, nil, delivery.Options{}), delivery.WorkerOptions{
				Yield: c.yield, Gather: -1, Now: func() time.Time { return now },
			})
			if err != nil {
				t.Fatal(err)
			}
			for range c.steps {
				if _, err := w.Step(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			got, waits := y.seen()
			if got != c.want {
				t.Errorf("outbox calls %s, want %s", got, c.want)
			}
			if fmt.Sprint(waits) != fmt.Sprint(c.waits) {
				t.Errorf("waits of %v, want %v", waits, c.waits)
			}
			if n, _ := s.CountOutbox(context.Background(), store.OutboxQuery{}); n != 0 {
				t.Errorf("%d messages left in the outbox, want all delivered", n)
			}
		})
	}
}

// now is the clock of TestWorkerYieldsBeforeEachOutboxWrite's workers.
var now = time.Now().Truncate(time.Millisecond)
