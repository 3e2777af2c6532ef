package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
)

// msg returns an outbox message for endpoint, due at once.
func msg(id, endpoint string) *store.OutboxMessage {
	return &store.OutboxMessage{ID: id, Endpoint: endpoint, EventType: "user.created",
		Payload: fmt.Appendf(nil, `{"id":%q}`, id), CreatedAt: 1}
}

func mustEnqueue(t *testing.T, s store.Store, msgs ...*store.OutboxMessage) {
	t.Helper()
	if err := s.EnqueueOutbox(ctx(t), msgs...); err != nil {
		t.Fatalf("EnqueueOutbox: %v", err)
	}
}

// claim claims up to limit messages of any endpoint at now, leased for
// 1000 ms.
func claim(t *testing.T, s store.Store, now int64, limit int) []*store.OutboxMessage {
	t.Helper()
	msgs, err := s.ClaimOutbox(ctx(t), store.OutboxClaim{Now: now, LeaseUntil: now + 1000, Limit: limit})
	if err != nil {
		t.Fatalf("ClaimOutbox(now %d): %v", now, err)
	}
	return msgs
}

func msgIDs(msgs []*store.OutboxMessage) []string {
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	return ids
}

// wantOutbox fails t unless the outbox holds the messages ids, in Seq
// order.
func wantOutbox(t *testing.T, s store.Store, ids ...string) {
	t.Helper()
	msgs, err := s.ListOutbox(ctx(t), store.OutboxQuery{})
	if err != nil {
		t.Fatalf("ListOutbox: %v", err)
	}
	wantIDs(t, "ListOutbox", msgIDs(msgs), ids)
	if n, err := s.CountOutbox(ctx(t), store.OutboxQuery{}); err != nil || n != int64(len(ids)) {
		t.Fatalf("CountOutbox = %d, %v; want %d", n, err, len(ids))
	}
}

// outboxCases are the outbox's cases: of a message at a time here, of runs
// in outbox_runs.go.
var outboxCases = append(outboxQueueCases, outboxRunCases...)

var outboxQueueCases = []testCase{
	{"messages enqueued in a Tx commit with it, or not at all", func(t *testing.T, s store.Store) {
		err := s.Tx(ctx(t), func(tx store.Store) error {
			if err := writeEverything(t, tx); err != nil {
				return err
			}
			if err := tx.EnqueueOutbox(ctx(t), msg("msg_1", "e1"), msg("msg_2", "e1")); err != nil {
				return err
			}
			wantOutbox(t, tx, "msg_1", "msg_2") // the Tx sees its own
			return errRollback
		})
		if err != errRollback {
			t.Fatalf("Tx = %v, want %v", err, errRollback)
		}
		wantNothingWritten(t, s)
		wantOutbox(t, s)
		if got := claim(t, s, 10, 10); len(got) != 0 {
			t.Fatalf("claimed %v after the rollback", msgIDs(got))
		}
		// A nested Tx that fails undoes its messages; the outer one commits
		// the rest with its change.
		err = s.Tx(ctx(t), func(tx store.Store) error {
			if err := writeEverything(t, tx); err != nil {
				return err
			}
			if err := tx.Tx(ctx(t), func(tx2 store.Store) error {
				if err := tx2.EnqueueOutbox(ctx(t), msg("msg_x", "e1")); err != nil {
					return err
				}
				return errRollback
			}); err != errRollback {
				t.Errorf("nested Tx = %v, want %v", err, errRollback)
			}
			return tx.EnqueueOutbox(ctx(t), msg("msg_1", "e1"))
		})
		if err != nil {
			t.Fatalf("Tx: %v", err)
		}
		mustUser(t, s, "user_1")
		wantOutbox(t, s, "msg_1")
		got := claim(t, s, 10, 10)
		wantIDs(t, "claim after commit", msgIDs(got), []string{"msg_1"})
	}},
	{"in a Tx, an enqueue refused for a taken ID undoes only itself: the Tx goes on and commits the rest", func(t *testing.T, s store.Store) {
		mustEnqueue(t, s, msg("m1", "e1"))
		err := s.Tx(ctx(t), func(tx store.Store) error {
			if err := writeEverything(t, tx); err != nil {
				return err
			}
			if err := tx.EnqueueOutbox(ctx(t), msg("m2", "e1")); err != nil {
				return err
			}
			wantConflict(t, "EnqueueOutbox of a taken ID in a Tx", tx.EnqueueOutbox(ctx(t), msg("m1", "e2")), "outbox_message", "m1")
			wantConflict(t, "EnqueueOutbox of two, one taken, in a Tx", tx.EnqueueOutbox(ctx(t), msg("m3", "e2"), msg("m2", "e2")), "outbox_message", "m2")
			return tx.EnqueueOutbox(ctx(t), msg("m4", "e1"))
		})
		if err != nil {
			t.Fatalf("Tx: %v", err)
		}
		mustUser(t, s, "user_1")
		wantOutbox(t, s, "m1", "m2", "m4")
		list, _ := s.ListOutbox(ctx(t), store.OutboxQuery{})
		if list[0].Endpoint != "e1" || list[2].Seq <= list[1].Seq {
			t.Fatalf("after the Tx: %+v, %+v, %+v", *list[0], *list[1], *list[2])
		}
	}},
	{"a message reads back as enqueued, with the Seq the store gave it", func(t *testing.T, s store.Store) {
		m := &store.OutboxMessage{ID: "msg_1", Endpoint: "https://example.com/hook", EventType: "user.created",
			Payload: []byte("{\"a\":\"\xff\x00\"}"), CreatedAt: 42, NextAttemptAt: 7,
			Attempts: 9, LeasedUntil: 99, Seq: 1234} // ignored
		empty := &store.OutboxMessage{ID: "msg_2", Endpoint: "e"}
		mustEnqueue(t, s, m, empty)
		if m.Seq <= 0 || empty.Seq <= m.Seq || m.Attempts != 0 || m.LeasedUntil != 0 {
			t.Fatalf("after EnqueueOutbox: seqs %d, %d, attempts %d, lease %d; want increasing seqs, 0, 0",
				m.Seq, empty.Seq, m.Attempts, m.LeasedUntil)
		}
		list, err := s.ListOutbox(ctx(t), store.OutboxQuery{})
		if err != nil || len(list) != 2 {
			t.Fatalf("ListOutbox = %d messages, %v; want 2", len(list), err)
		}
		if got := *list[0]; !reflect.DeepEqual(got, *m) {
			t.Fatalf("message reads back as\n %+v\nwant %+v", got, *m)
		}
		if list[1].Payload != nil || list[1].Seq != empty.Seq {
			t.Fatalf("empty message reads back as %+v", *list[1])
		}
	}},
	{"Seqs increase in enqueue order, within a call and across calls", func(t *testing.T, s store.Store) {
		mustEnqueue(t, s, msg("m_c", "e1"), msg("m_a", "e2"), msg("m_b", "e1"))
		mustEnqueue(t, s, msg("m_0", "e3"))
		if err := s.Tx(ctx(t), func(tx store.Store) error {
			return tx.EnqueueOutbox(ctx(t), msg("m_z", "e2"))
		}); err != nil {
			t.Fatal(err)
		}
		wantOutbox(t, s, "m_c", "m_a", "m_b", "m_0", "m_z")
		list, _ := s.ListOutbox(ctx(t), store.OutboxQuery{Endpoint: "e1"})
		wantIDs(t, "ListOutbox(e1)", msgIDs(list), []string{"m_c", "m_b"})
		list, _ = s.ListOutbox(ctx(t), store.OutboxQuery{Limit: 2})
		wantIDs(t, "ListOutbox(limit 2)", msgIDs(list), []string{"m_c", "m_a"})
		if n, err := s.CountOutbox(ctx(t), store.OutboxQuery{Endpoint: "e2", Limit: 1}); err != nil || n != 2 {
			t.Fatalf("CountOutbox(e2) = %d, %v; want 2", n, err)
		}
		for _, e := range []string{"e9", "\x00", "\xff"} {
			if n, err := s.CountOutbox(ctx(t), store.OutboxQuery{Endpoint: e}); err != nil || n != 0 {
				t.Errorf("CountOutbox(%q) = %d, %v; want 0", e, n, err)
			}
		}
	}},
	{"a claim takes the oldest due message of each endpoint, one in flight per endpoint, in Seq order", func(t *testing.T, s store.Store) {
		mustEnqueue(t, s, msg("a1", "ea"), msg("b1", "eb"), msg("a2", "ea"), msg("a3", "ea"), msg("b2", "eb"), msg("c1", "ec"))
		got := claim(t, s, 10, 10)
		wantIDs(t, "first claim", msgIDs(got), []string{"a1", "b1", "c1"})
		for _, m := range got {
			if m.Attempts != 1 || m.LeasedUntil != 1010 || m.Payload == nil {
				t.Fatalf("claimed %+v, want attempt 1 leased until 1010", *m)
			}
		}
		// Their heads in flight, the endpoints give nothing more.
		if again := claim(t, s, 20, 10); len(again) != 0 {
			t.Fatalf("second claim took %v while every endpoint has one in flight", msgIDs(again))
		}
		if err := s.AckOutbox(ctx(t), "a1", 1); err != nil {
			t.Fatalf("AckOutbox(a1): %v", err)
		}
		wantIDs(t, "claim after acking a1", msgIDs(claim(t, s, 30, 10)), []string{"a2"})
		if err := s.AckOutbox(ctx(t), "c1", 1); err != nil {
			t.Fatal(err)
		}
		if err := s.AckOutbox(ctx(t), "a2", 1); err != nil {
			t.Fatal(err)
		}
		// A limit takes the lowest Seqs first.
		if err := s.AckOutbox(ctx(t), "b1", 1); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "claim limited to 1", msgIDs(claim(t, s, 40, 1)), []string{"a3"})
		wantIDs(t, "next claim", msgIDs(claim(t, s, 40, 1)), []string{"b2"})
		wantOutbox(t, s, "a3", "b2")
	}},
	{"a claim of one endpoint takes only its messages", func(t *testing.T, s store.Store) {
		mustEnqueue(t, s, msg("a1", "ea"), msg("b1", "eb"), msg("b2", "eb"))
		got, err := s.ClaimOutbox(ctx(t), store.OutboxClaim{Now: 5, LeaseUntil: 10, Limit: 10, Endpoint: "eb"})
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "claim of eb", msgIDs(got), []string{"b1"})
		for _, e := range []string{"e9", "\x00", "\xff"} {
			if got, err := s.ClaimOutbox(ctx(t), store.OutboxClaim{Now: 5, LeaseUntil: 10, Limit: 10, Endpoint: e}); err != nil || len(got) != 0 {
				t.Errorf("claim of %q = %v, %v; want nothing", e, msgIDs(got), err)
			}
		}
		wantIDs(t, "claim of any", msgIDs(claim(t, s, 5, 10)), []string{"a1"})
	}},
	{"a message is not claimed before it is due, and holds back its endpoint meanwhile", func(t *testing.T, s store.Store) {
		later := msg("a1", "ea")
		later.NextAttemptAt = 100
		mustEnqueue(t, s, later, msg("a2", "ea"), msg("b1", "eb"))
		wantIDs(t, "claim at 99", msgIDs(claim(t, s, 99, 10)), []string{"b1"})
		got := claim(t, s, 100, 10)
		wantIDs(t, "claim at 100", msgIDs(got), []string{"a1"})
	}},
	{"a lease hides a message until it ends; then it is claimed again, and the old attempt can no longer end it", func(t *testing.T, s store.Store) {
		mustEnqueue(t, s, msg("a1", "ea"), msg("a2", "ea"))
		first := claim(t, s, 10, 10) // leased until 1010
		wantIDs(t, "claim", msgIDs(first), []string{"a1"})
		for _, now := range []int64{11, 500, 1009} {
			if got := claim(t, s, now, 10); len(got) != 0 {
				t.Fatalf("claim at %d took %v during the lease", now, msgIDs(got))
			}
		}
		// The claimer died: once the lease ends, the message is claimed
		// again, as the next attempt, and the next message still waits.
		second := claim(t, s, 1010, 10)
		wantIDs(t, "claim when the lease ends", msgIDs(second), []string{"a1"})
		if second[0].Attempts != 2 || second[0].LeasedUntil != 2010 {
			t.Fatalf("reclaimed %+v, want attempt 2 leased until 2010", *second[0])
		}
		// The first attempt is over: it can neither ack nor retry.
		wantNotFound(t, "AckOutbox of the expired attempt", s.AckOutbox(ctx(t), "a1", 1))
		wantNotFound(t, "RetryOutbox of the expired attempt", s.RetryOutbox(ctx(t), "a1", 1, 0))
		if got := claim(t, s, 1020, 10); len(got) != 0 {
			t.Fatalf("claim took %v while a1 is leased again", msgIDs(got))
		}
		if err := s.AckOutbox(ctx(t), "a1", 2); err != nil {
			t.Fatalf("AckOutbox of the current attempt: %v", err)
		}
		wantIDs(t, "claim after ack", msgIDs(claim(t, s, 1020, 10)), []string{"a2"})
	}},
	{"RetryOutbox releases the lease, schedules the next attempt and the attempts are counted", func(t *testing.T, s store.Store) {
		mustEnqueue(t, s, msg("a1", "ea"), msg("a2", "ea"))
		m := claim(t, s, 10, 10)[0]
		if err := s.RetryOutbox(ctx(t), m.ID, m.Attempts, 500); err != nil {
			t.Fatalf("RetryOutbox: %v", err)
		}
		list, _ := s.ListOutbox(ctx(t), store.OutboxQuery{Endpoint: "ea"})
		if got := list[0]; got.ID != "a1" || got.Attempts != 1 || got.NextAttemptAt != 500 || got.LeasedUntil != 0 {
			t.Fatalf("after RetryOutbox: %+v, want a1, attempts 1, next attempt at 500, no lease", *got)
		}
		// Not before 500 (the endpoint waits: a2 stays behind a1), then
		// again, before its lease would have ended.
		if got := claim(t, s, 499, 10); len(got) != 0 {
			t.Fatalf("claim at 499 took %v", msgIDs(got))
		}
		for attempt := 2; attempt <= 4; attempt++ {
			now := int64(attempt * 500)
			got := claim(t, s, now, 10)
			if len(got) != 1 || got[0].ID != "a1" || got[0].Attempts != attempt {
				t.Fatalf("claim at %d = %+v, want a1 attempt %d", now, got, attempt)
			}
			if err := s.RetryOutbox(ctx(t), "a1", attempt, now+500); err != nil {
				t.Fatal(err)
			}
		}
		got := claim(t, s, 2500, 10)
		if len(got) != 1 || got[0].Attempts != 5 {
			t.Fatalf("claim at 2500 = %+v, want a1 attempt 5", got)
		}
		if err := s.AckOutbox(ctx(t), "a1", 5); err != nil {
			t.Fatal(err)
		}
		wantOutbox(t, s, "a2")
		// a2 has its own count.
		if got := claim(t, s, 2500, 10); len(got) != 1 || got[0].ID != "a2" || got[0].Attempts != 1 {
			t.Fatalf("claim = %+v, want a2 attempt 1", got)
		}
	}},
	{"AckOutbox deletes; Ack and Retry of an unknown message are ErrNotFound", func(t *testing.T, s store.Store) {
		mustEnqueue(t, s, msg("a1", "ea"), msg("b1", "eb"))
		claim(t, s, 10, 10)
		if err := s.AckOutbox(ctx(t), "a1", 1); err != nil {
			t.Fatal(err)
		}
		wantOutbox(t, s, "b1")
		wantNotFound(t, "AckOutbox twice", s.AckOutbox(ctx(t), "a1", 1))
		wantNotFound(t, "RetryOutbox of an acked message", s.RetryOutbox(ctx(t), "a1", 1, 0))
		wantNotFound(t, "AckOutbox of a wrong attempt", s.AckOutbox(ctx(t), "b1", 2))
		for _, id := range []string{"nope", "", "\x00", "\xff"} {
			wantNotFound(t, fmt.Sprintf("AckOutbox(%q)", id), s.AckOutbox(ctx(t), id, 1))
			wantNotFound(t, fmt.Sprintf("RetryOutbox(%q)", id), s.RetryOutbox(ctx(t), id, 1, 0))
		}
		wantOutbox(t, s, "b1")
	}},
	{"an outbox message no store keeps is refused, and the whole enqueue with it", func(t *testing.T, s store.Store) {
		long := strings.Repeat("é", store.MaxKeyBytes/2+1)
		for name, m := range map[string]*store.OutboxMessage{
			"NUL in the ID":                {ID: "m\x00", Endpoint: "e"},
			"long ID":                      {ID: long, Endpoint: "e"},
			"invalid UTF-8 in endpoint":    {ID: "m", Endpoint: "\xff"},
			"long endpoint":                {ID: "m", Endpoint: long},
			"NUL in the event type":        {ID: "m", Endpoint: "e", EventType: "user.\x00"},
			"overlong UTF-8 in event type": {ID: "m", Endpoint: "e", EventType: "\xc0\x80"},
		} {
			var ve *store.ValueError
			if err := s.EnqueueOutbox(ctx(t), msg("ok", "e"), m); !errors.As(err, &ve) {
				t.Errorf("%s: EnqueueOutbox = %v, want *store.ValueError", name, err)
			}
		}
		for name, m := range map[string]*store.OutboxMessage{
			"no ID": {Endpoint: "e"}, "no endpoint": {ID: "m"}, "nil": nil,
		} {
			if err := s.EnqueueOutbox(ctx(t), msg("ok", "e"), m); err == nil {
				t.Errorf("%s: EnqueueOutbox succeeded", name)
			}
		}
		wantOutbox(t, s)
		mustEnqueue(t, s, msg("m1", "e"))
		err := s.EnqueueOutbox(ctx(t), msg("m2", "e"), msg("m1", "other"))
		wantConflict(t, "EnqueueOutbox of a taken ID", err, "outbox_message", "m1")
		wantOutbox(t, s, "m1")
		if err := s.EnqueueOutbox(ctx(t)); err != nil {
			t.Errorf("EnqueueOutbox of nothing: %v", err)
		}
		for name, c := range map[string]store.OutboxClaim{
			"limit 0":                {Now: 1, LeaseUntil: 2},
			"lease ending now":       {Now: 1, LeaseUntil: 1, Limit: 1},
			"lease ended before now": {Now: 5, LeaseUntil: 1, Limit: 1},
		} {
			if got, err := s.ClaimOutbox(ctx(t), c); err == nil {
				t.Errorf("ClaimOutbox(%s) = %v, want an error", name, msgIDs(got))
			}
		}
		wantIDs(t, "claim", msgIDs(claim(t, s, 1, 1)), []string{"m1"})
	}},
	{"a message committed after a later-Seq one of its endpoint is delivered next, in commit order, never two at once", func(t *testing.T, s store.Store) {
		// Transaction A enqueues first (the lower Seq on PostgreSQL, whose
		// Seqs come from a sequence) and commits last, unless B has to
		// wait for it (SQLite: one writer). B, committed, is claimed before
		// A commits where it can be. Whichever committed first must be
		// delivered first, and A's message, committed with its lower Seq
		// while B's was in flight, neither skipped nor claimed while B's
		// lease holds the endpoint.
		a, b := msg("m_a", "e"), msg("m_b", "e")
		type claimed struct {
			msgs []*store.OutboxMessage
			err  error
		}
		bDone := make(chan error, 1)
		cDone := make(chan claimed, 1)
		bFirst := false
		err := s.Tx(ctx(t), func(tx store.Store) error {
			if err := tx.EnqueueOutbox(ctx(t), a); err != nil {
				return err
			}
			go func() {
				err := s.EnqueueOutbox(ctx(t), b)
				bDone <- err
				if err == nil {
					msgs, err := s.ClaimOutbox(ctx(t), store.OutboxClaim{Now: 10, LeaseUntil: 1010, Limit: 10, Run: 10})
					cDone <- claimed{msgs, err}
				}
			}()
			select {
			case err := <-bDone:
				if err != nil {
					return fmt.Errorf("enqueue of B: %w", err)
				}
				bFirst = true
				c := <-cDone // it need not wait for A: A's message is not committed
				if c.err != nil {
					return c.err
				}
				wantIDs(t, "claim while A is open", msgIDs(c.msgs), []string{"m_b"})
			case <-time.After(300 * time.Millisecond):
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Tx A: %v", err)
		}
		if !bFirst {
			if err := <-bDone; err != nil {
				t.Fatalf("enqueue of B: %v", err)
			}
			c := <-cDone
			if c.err != nil {
				t.Fatal(c.err)
			}
			wantIDs(t, "claim after both committed, A first", msgIDs(c.msgs), []string{"m_a", "m_b"})
			if a.Seq >= b.Seq {
				t.Fatalf("A committed first with Seq %d, B after with %d", a.Seq, b.Seq)
			}
			return
		}
		if got := claimRuns(t, s, 20, 10, 10); len(got) != 0 {
			t.Fatalf("claimed %v while m_b of the same endpoint is in flight", msgIDs(got))
		}
		mustSettle(t, s, ack("m_b", 1))
		wantIDs(t, "claim after m_b", msgIDs(claimRuns(t, s, 30, 10, 10)), []string{"m_a"})
		mustSettle(t, s, ack("m_a", 1))
		wantOutbox(t, s)
	}},
	{"concurrent claimers never take a message twice, nor two of one endpoint at once, and deliver all in order", func(t *testing.T, s store.Store) {
		testConcurrentClaims(t, []store.Store{s})
	}},
}

// TestConcurrentClaims is the concurrent-claim case of the suite on
// several stores of one database (processes sharing it): claimers, spread
// over the stores, claim in a loop and ack what they claim, until the
// outbox is empty. No message is claimed twice (leases do not end during
// the test), no endpoint has two messages in flight at once, every
// endpoint's messages are acked in Seq order, and every message is
// claimed.
func TestConcurrentClaims(t *testing.T, stores []store.Store) {
	testConcurrentClaims(t, stores)
}

func testConcurrentClaims(t *testing.T, stores []store.Store) {
	testConcurrentDelivery(t, stores, concurrency{endpoints: 6, perEndpoint: 25, claimers: 6, limit: 3, run: 1})
}
