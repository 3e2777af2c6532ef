package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
)

// claimRuns claims runs of up to run messages of up to limit endpoints at
// now, leased for 1000 ms.
func claimRuns(t *testing.T, s store.Store, now int64, limit, run int) []*store.OutboxMessage {
	t.Helper()
	msgs, err := s.ClaimOutbox(ctx(t), store.OutboxClaim{Now: now, LeaseUntil: now + 1000, Limit: limit, Run: run})
	if err != nil {
		t.Fatalf("ClaimOutbox(now %d, run %d): %v", now, run, err)
	}
	return msgs
}

func mustSettle(t *testing.T, s store.Store, ends ...store.OutboxEnd) {
	t.Helper()
	if err := s.SettleOutbox(ctx(t), ends...); err != nil {
		t.Fatalf("SettleOutbox: %v", err)
	}
}

func ack(id string, attempt int) store.OutboxEnd {
	return store.OutboxEnd{ID: id, Attempt: attempt, Outcome: store.OutboxAck}
}

func retry(id string, attempt int, at int64) store.OutboxEnd {
	return store.OutboxEnd{ID: id, Attempt: attempt, Outcome: store.OutboxRetry, NextAttemptAt: at}
}

func release(id string, attempt int) store.OutboxEnd {
	return store.OutboxEnd{ID: id, Attempt: attempt, Outcome: store.OutboxRelease}
}

// wantAttempts fails t unless the outbox holds, in Seq order, the messages
// described as "id@attempts" ("id@attempts+" when leased at now).
func wantAttempts(t *testing.T, s store.Store, now int64, want ...string) {
	t.Helper()
	msgs, err := s.ListOutbox(ctx(t), store.OutboxQuery{})
	if err != nil {
		t.Fatalf("ListOutbox: %v", err)
	}
	got := make([]string, len(msgs))
	for i, m := range msgs {
		got[i] = fmt.Sprintf("%s@%d", m.ID, m.Attempts)
		if m.LeasedUntil > now {
			got[i] += "+"
		}
	}
	wantIDs(t, "outbox", got, want)
}

var outboxRunCases = []testCase{
	{"a claim with Run takes each endpoint's oldest messages in a run, up to Run, stopping at one not due", func(t *testing.T, s store.Store) {
		later := msg("a4", "ea")
		later.NextAttemptAt = 100
		mustEnqueue(t, s, msg("a1", "ea"), msg("b1", "eb"), msg("a2", "ea"), msg("a3", "ea"), later, msg("a5", "ea"),
			msg("b2", "eb"), msg("c1", "ec"))
		// Limit counts endpoints, the lowest heads first; Run messages.
		got := claimRuns(t, s, 10, 2, 2)
		wantIDs(t, "claim of 2 endpoints, runs of 2", msgIDs(got), []string{"a1", "b1", "a2", "b2"})
		for _, m := range got {
			if m.Attempts != 1 || m.LeasedUntil != 1010 {
				t.Fatalf("claimed %+v, want attempt 1 leased until 1010", *m)
			}
		}
		// ea and eb are in flight, a3 behind a leased head: only ec.
		wantIDs(t, "claim while ea and eb are in flight", msgIDs(claimRuns(t, s, 20, 10, 10)), []string{"c1"})
		mustSettle(t, s, ack("a1", 1), ack("a2", 1), ack("b1", 1), ack("b2", 1))
		// The run stops before a4, not due until 100, and a5 waits behind.
		wantIDs(t, "claim at 30", msgIDs(claimRuns(t, s, 30, 10, 10)), []string{"a3"})
		mustSettle(t, s, ack("a3", 1))
		wantIDs(t, "claim at 99", msgIDs(claimRuns(t, s, 99, 10, 10)), nil)
		wantIDs(t, "claim at 100", msgIDs(claimRuns(t, s, 100, 10, 10)), []string{"a4", "a5"})
		wantAttempts(t, s, 100, "a4@1+", "a5@1+", "c1@1+")
	}},
	{"a failure in a run releases the messages after it, their attempts not counted, and the run is claimed again in order", func(t *testing.T, s store.Store) {
		mustEnqueue(t, s, msg("a1", "ea"), msg("a2", "ea"), msg("a3", "ea"), msg("a4", "ea"))
		wantIDs(t, "claim", msgIDs(claimRuns(t, s, 10, 1, 3)), []string{"a1", "a2", "a3"})
		// a1 delivered, a2 failed: a3 was never attempted.
		mustSettle(t, s, ack("a1", 1), retry("a2", 1, 500), release("a3", 1))
		wantAttempts(t, s, 10, "a2@1", "a3@0", "a4@0")
		// Nothing of ea before a2 is due again: not a3, not a4.
		wantIDs(t, "claim at 499", msgIDs(claimRuns(t, s, 499, 10, 10)), nil)
		got := claimRuns(t, s, 500, 10, 10)
		wantIDs(t, "claim at 500", msgIDs(got), []string{"a2", "a3", "a4"})
		if got[0].Attempts != 2 || got[1].Attempts != 1 || got[2].Attempts != 1 {
			t.Fatalf("reclaimed attempts %d, %d, %d; want 2, 1, 1", got[0].Attempts, got[1].Attempts, got[2].Attempts)
		}
		mustSettle(t, s, ack("a2", 2), ack("a3", 1), ack("a4", 1))
		wantOutbox(t, s)
	}},
	{"a run's lease ends together; then the old claim's ends are fenced off, each on its own", func(t *testing.T, s store.Store) {
		mustEnqueue(t, s, msg("a1", "ea"), msg("a2", "ea"), msg("a3", "ea"))
		wantIDs(t, "claim", msgIDs(claimRuns(t, s, 10, 1, 3)), []string{"a1", "a2", "a3"}) // leased until 1010
		for _, now := range []int64{11, 1009} {
			if got := claimRuns(t, s, now, 10, 10); len(got) != 0 {
				t.Fatalf("claim at %d took %v during the lease", now, msgIDs(got))
			}
		}
		// The claimer stalled: a claim of one message takes a1 again.
		again := claimRuns(t, s, 1010, 10, 1)
		if len(again) != 1 || again[0].ID != "a1" || again[0].Attempts != 2 {
			t.Fatalf("claim when the lease ended = %v, want a1 attempt 2", again)
		}
		// The stalled claimer's ends: a1's is not current, a2's and a3's are
		// (no claim took them since) and apply.
		err := s.SettleOutbox(ctx(t), ack("a1", 1), ack("a2", 1), release("a3", 1))
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("SettleOutbox with an end no longer current = %v, want ErrNotFound", err)
		}
		wantAttempts(t, s, 1010, "a1@2+", "a3@0")
		wantNotFound(t, "AckOutbox of the old attempt", s.AckOutbox(ctx(t), "a1", 1))
		mustSettle(t, s, ack("a1", 2))
		wantIDs(t, "claim after a1", msgIDs(claimRuns(t, s, 1020, 10, 10)), []string{"a3"})
	}},
	{"SettleOutbox: nothing applies with an unknown outcome; unknown messages are not current; none is nothing", func(t *testing.T, s store.Store) {
		mustEnqueue(t, s, msg("a1", "ea"), msg("b1", "eb"))
		claimRuns(t, s, 10, 10, 10)
		if err := s.SettleOutbox(ctx(t), ack("a1", 1), store.OutboxEnd{ID: "b1", Attempt: 1}); err == nil || errors.Is(err, store.ErrNotFound) {
			t.Fatalf("SettleOutbox with no outcome = %v, want another error", err)
		}
		wantAttempts(t, s, 10, "a1@1+", "b1@1+")
		for _, id := range []string{"nope", "", "\x00", "\xff"} {
			if err := s.SettleOutbox(ctx(t), ack(id, 1), ack("a1", 1)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("SettleOutbox(%q) = %v, want ErrNotFound", id, err)
			}
		}
		wantAttempts(t, s, 10, "b1@1+")
		if err := s.SettleOutbox(ctx(t)); err != nil {
			t.Errorf("SettleOutbox of nothing: %v", err)
		}
		// Settled in a Tx that rolls back, nothing is.
		err := s.Tx(ctx(t), func(tx store.Store) error {
			if err := tx.SettleOutbox(ctx(t), retry("b1", 1, 50)); err != nil {
				return err
			}
			wantAttempts(t, tx, 10, "b1@1")
			return errRollback
		})
		if err != errRollback {
			t.Fatalf("Tx = %v", err)
		}
		wantAttempts(t, s, 10, "b1@1+")
	}},
	{"SettleOutbox applies a long run's ends, in batches, each once", func(t *testing.T, s store.Store) {
		const n = 230
		var msgs []*store.OutboxMessage
		for i := range n {
			msgs = append(msgs, msg(fmt.Sprintf("m%03d", i), "e"))
		}
		mustEnqueue(t, s, msgs...)
		got := claimRuns(t, s, 10, 1, n)
		if len(got) != n {
			t.Fatalf("claimed %d, want %d", len(got), n)
		}
		// All acknowledged but the last 20, released; one ID twice: its
		// second end is not current any more.
		var ends []store.OutboxEnd
		for _, m := range got[:n-20] {
			ends = append(ends, ack(m.ID, m.Attempts))
		}
		ends = append(ends, ack("m000", 1))
		for _, m := range got[n-20:] {
			ends = append(ends, release(m.ID, m.Attempts))
		}
		err := s.SettleOutbox(ctx(t), ends...)
		if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "m000") || strings.Contains(err.Error(), "m001") {
			t.Fatalf("SettleOutbox = %v, want ErrNotFound for m000 alone", err)
		}
		var want []string
		for _, m := range got[n-20:] {
			want = append(want, m.ID+"@0")
		}
		wantAttempts(t, s, 10, want...)
		next := msg("next", "e")
		mustEnqueue(t, s, next)
		if next.Seq <= got[n-1].Seq {
			t.Fatalf("Seq %d given after %d", next.Seq, got[n-1].Seq)
		}
	}},
	{"a Seq is never given twice, even after the outbox emptied or its newest message was acknowledged", func(t *testing.T, s store.Store) {
		m1, m2 := msg("m1", "e1"), msg("m2", "e2")
		mustEnqueue(t, s, m1, m2)
		claimRuns(t, s, 10, 10, 10)
		// The newest first, while an older one is left.
		mustSettle(t, s, ack("m2", 1))
		m3 := msg("m3", "e1")
		mustEnqueue(t, s, m3)
		if m3.Seq <= m2.Seq {
			t.Fatalf("m3 has Seq %d after m2's %d was acknowledged", m3.Seq, m2.Seq)
		}
		if err := s.AckOutbox(ctx(t), "m1", 1); err != nil {
			t.Fatal(err)
		}
		got := claimRuns(t, s, 20, 10, 10)
		wantIDs(t, "claim", msgIDs(got), []string{"m3"})
		mustSettle(t, s, ack("m3", 1))
		wantOutbox(t, s)
		m4 := msg("m4", "e1")
		mustEnqueue(t, s, m4)
		if m4.Seq <= m3.Seq {
			t.Fatalf("m4 has Seq %d after the outbox emptied of m3's %d", m4.Seq, m3.Seq)
		}
	}},
	{"each endpoint's oldest message is found past the others' backlogs, after its outbox emptied, and for a new endpoint", func(t *testing.T, s store.Store) {
		// ea's first message waits for a retry while ea's and eb's pile
		// up behind and between; eb's are delivered meanwhile.
		mustEnqueue(t, s, msg("a1", "ea"), msg("a2", "ea"), msg("b1", "eb"), msg("a3", "ea"), msg("b2", "eb"))
		wantIDs(t, "first claim", msgIDs(claimRuns(t, s, 10, 10, 1)), []string{"a1", "b1"})
		mustSettle(t, s, retry("a1", 1, 500), ack("b1", 1))
		wantIDs(t, "claim with a1 not due", msgIDs(claimRuns(t, s, 20, 10, 10)), []string{"b2"})
		mustSettle(t, s, ack("b2", 1))
		// eb's outbox is empty, and claimed so while an ea message is the
		// newest; then eb's next message is the next enqueued.
		mustEnqueue(t, s, msg("a4", "ea"))
		wantIDs(t, "claim with nothing due", msgIDs(claimRuns(t, s, 25, 10, 10)), nil)
		mustEnqueue(t, s, msg("b3", "eb"))
		wantIDs(t, "claim of eb's next", msgIDs(claimRuns(t, s, 30, 10, 10)), []string{"b3"})
		mustSettle(t, s, ack("b3", 1))
		// A claim of one endpoint, then of the other, and an endpoint never
		// seen before, whose first message comes after all of those.
		mustEnqueue(t, s, msg("b4", "eb"), msg("c1", "ec"))
		got, err := s.ClaimOutbox(ctx(t), store.OutboxClaim{Now: 40, LeaseUntil: 1040, Limit: 10, Run: 10, Endpoint: "ec"})
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "claim of ec", msgIDs(got), []string{"c1"})
		wantIDs(t, "claim of the others before a1 is due", msgIDs(claimRuns(t, s, 40, 10, 10)), []string{"b4"})
		mustSettle(t, s, ack("c1", 1), ack("b4", 1))
		// a1 comes due: ea's run is taken from its oldest, in order.
		wantIDs(t, "claim when a1 is due", msgIDs(claimRuns(t, s, 500, 10, 10)), []string{"a1", "a2", "a3", "a4"})
		mustSettle(t, s, ack("a1", 2), ack("a2", 1), ack("a3", 1), ack("a4", 1))
		wantOutbox(t, s)
		mustEnqueue(t, s, msg("b5", "eb"), msg("a5", "ea"))
		wantIDs(t, "claim after the outbox emptied", msgIDs(claimRuns(t, s, 600, 10, 10)), []string{"b5", "a5"})
	}},
	{"while a claim holds an endpoint's run uncommitted, another takes nothing of it, not the messages behind", func(t *testing.T, s store.Store) {
		mustEnqueue(t, s, msg("a1", "ea"), msg("a2", "ea"), msg("a3", "ea"), msg("a4", "ea"))
		type result struct {
			msgs []*store.OutboxMessage
			err  error
		}
		other := make(chan result, 1)
		err := s.Tx(ctx(t), func(tx store.Store) error {
			got, err := tx.ClaimOutbox(ctx(t), store.OutboxClaim{Now: 10, LeaseUntil: 1010, Limit: 10, Run: 2})
			if err != nil {
				return err
			}
			wantIDs(t, "claim in Tx", msgIDs(got), []string{"a1", "a2"})
			// Another claim, now: it skips the locked head (PostgreSQL) or
			// waits for this Tx to end (SQLite); either way it must not
			// take a3 or a4 behind it.
			go func() {
				msgs, err := s.ClaimOutbox(ctx(t), store.OutboxClaim{Now: 10, LeaseUntil: 1010, Limit: 10, Run: 10})
				other <- result{msgs, err}
			}()
			time.Sleep(100 * time.Millisecond)
			return nil
		})
		if err != nil {
			t.Fatalf("Tx: %v", err)
		}
		r := <-other
		if r.err != nil {
			t.Fatalf("concurrent claim: %v", r.err)
		}
		for _, m := range r.msgs {
			if m.Endpoint == "ea" {
				t.Fatalf("concurrent claim took %v of ea, whose run another claim holds", msgIDs(r.msgs))
			}
		}
	}},
	{"concurrent claimers of runs, some attempts failing, deliver every message once, in order, one run per endpoint at a time", func(t *testing.T, s store.Store) {
		testConcurrentRuns(t, []store.Store{s})
	}},
	{"messages enqueued while claimers run are delivered once each, each writer's in the order it enqueued them", func(t *testing.T, s store.Store) {
		testConcurrentWritersAndRuns(t, []store.Store{s})
	}},
}

// TestConcurrentRuns is the concurrent-run case of the suite on several
// stores of one database (processes sharing it): claimers, spread over the
// stores, claim runs in a loop, fail the first attempt of some messages
// (retried at once, the rest of the run released) and acknowledge the
// others, each run's outcomes in one SettleOutbox, until the outbox is
// empty. No endpoint has two claims in flight at once, no message is
// claimed while in flight, every endpoint's messages are acknowledged in
// Seq order, and each exactly once.
func TestConcurrentRuns(t *testing.T, stores []store.Store) {
	testConcurrentRuns(t, stores)
}

func testConcurrentRuns(t *testing.T, stores []store.Store) {
	testConcurrentDelivery(t, stores, concurrency{endpoints: 5, perEndpoint: 30, claimers: 6, limit: 2, run: 4,
		fails: func(m *store.OutboxMessage) bool { return m.Attempts == 1 && m.Seq%7 == 3 }})
}

// TestConcurrentWritersAndRuns is the suite's concurrent delivery with
// the messages enqueued while they are claimed, on several stores of one
// database: writers, spread over the stores, each enqueue a chain of
// messages, one transaction after the other, each transaction waiting a
// little after its enqueue before it commits (so that, on PostgreSQL,
// transactions commit out of Seq order), while claimers claim runs, fail
// some attempts and settle. A writer's messages of one endpoint are
// acknowledged in the order the writer enqueued them (each was enqueued
// after the one before committed), each exactly once; no endpoint has two
// claims in flight at once.
func TestConcurrentWritersAndRuns(t *testing.T, stores []store.Store) {
	testConcurrentWritersAndRuns(t, stores)
}

func testConcurrentWritersAndRuns(t *testing.T, stores []store.Store) {
	testConcurrentDelivery(t, stores, concurrency{endpoints: 3, perEndpoint: 24, claimers: 4, limit: 2, run: 4, writers: 6,
		fails: func(m *store.OutboxMessage) bool { return m.Attempts == 1 && m.Seq%7 == 3 }})
}

// concurrency is a concurrent delivery: claimers claiming runs of up to
// run messages of up to limit endpoints at once.
type concurrency struct {
	endpoints, perEndpoint, claimers int
	limit, run                       int
	// fails tells the attempts that fail (retried at once, the rest of
	// their run released); none when nil, and then every message must be
	// claimed once, and with runs of one is acknowledged by AckOutbox.
	fails func(m *store.OutboxMessage) bool
	// writers, when not 0, enqueue the messages while the claimers run,
	// each a chain of its own (see TestConcurrentWritersAndRuns); when 0,
	// they are all enqueued before, and then an endpoint's messages are
	// acknowledged in Seq order.
	writers int
}

// chainLink is a message's place in the chain of the writer that
// enqueued it.
type chainLink struct{ writer, index int }

func testConcurrentDelivery(t *testing.T, stores []store.Store, c concurrency) {
	total := c.endpoints * c.perEndpoint
	links := map[string]chainLink{} // written before the goroutines start, read only after
	var ids []string
	if c.writers == 0 {
		for i := range c.perEndpoint {
			var batch []*store.OutboxMessage
			for e := range c.endpoints {
				m := msg(fmt.Sprintf("m_%d_%d", e, i), fmt.Sprintf("e%d", e))
				batch = append(batch, m)
				ids = append(ids, m.ID)
			}
			mustEnqueue(t, stores[0], batch...)
		}
	} else {
		for n := range total {
			w, i := n%c.writers, n/c.writers
			id := fmt.Sprintf("m_w%d_%d", w, i)
			links[id] = chainLink{w, i}
			ids = append(ids, id)
		}
	}
	now := time.Now().UnixMilli()
	var (
		mu       sync.Mutex
		claimed  = map[string]int{}
		acked    = map[string]int{}
		inFlight = map[string]bool{}  // endpoint -> a run is in flight
		lastSeq  = map[string]int64{} // endpoint -> Seq last acked
		lastLink = map[string]int{}   // endpoint and writer -> index last acked
		problems []string
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	var writing sync.WaitGroup
	var written atomic.Bool
	for w := range c.writers {
		s := stores[w%len(stores)]
		writing.Add(1)
		go func() {
			defer writing.Done()
			for i := 0; i*c.writers+w < total; i++ {
				n := i*c.writers + w
				m := msg(fmt.Sprintf("m_w%d_%d", w, i), fmt.Sprintf("e%d", n%c.endpoints))
				err := s.Tx(ctx(t), func(tx store.Store) error {
					if err := tx.EnqueueOutbox(ctx(t), m); err != nil {
						return err
					}
					time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
					return nil
				})
				if err != nil {
					fail("writer %d: enqueue %s: %v", w, m.ID, err)
					return
				}
			}
		}()
	}
	go func() { writing.Wait(); written.Store(true) }()
	if c.writers == 0 {
		written.Store(true)
	}
	// settle records the outcomes of a run as the claimer would.
	settle := func(s store.Store, ends []store.OutboxEnd) error {
		if c.fails != nil || c.run > 1 {
			return s.SettleOutbox(ctx(t), ends...)
		}
		for _, e := range ends {
			if err := s.AckOutbox(ctx(t), e.ID, e.Attempt); err != nil {
				return err
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	for n := range c.claimers {
		s := stores[n%len(stores)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for idle := 0; idle < 2000; {
				done := written.Load() // before the claim: nothing is enqueued after
				msgs, err := s.ClaimOutbox(ctx(t), store.OutboxClaim{Now: now, LeaseUntil: now + time.Hour.Milliseconds(), Limit: c.limit, Run: c.run})
				if err != nil {
					fail("claimer %d: ClaimOutbox: %v", n, err)
					return
				}
				if len(msgs) == 0 {
					if n, err := s.CountOutbox(ctx(t), store.OutboxQuery{}); err != nil || n == 0 && done {
						return
					}
					if done {
						idle++
					}
					time.Sleep(time.Millisecond)
					continue
				}
				runs := map[string][]*store.OutboxMessage{}
				var order []string
				mu.Lock()
				for _, m := range msgs {
					if claimed[m.ID]++; c.fails == nil && claimed[m.ID] > 1 {
						problems = append(problems, fmt.Sprintf("%s claimed %d times", m.ID, claimed[m.ID]))
					}
					if _, ok := runs[m.Endpoint]; !ok {
						order = append(order, m.Endpoint)
						if inFlight[m.Endpoint] {
							problems = append(problems, fmt.Sprintf("%s claimed while a run of %s is in flight", m.ID, m.Endpoint))
						}
						inFlight[m.Endpoint] = true
					}
					runs[m.Endpoint] = append(runs[m.Endpoint], m)
				}
				mu.Unlock()
				for _, e := range order {
					var ends []store.OutboxEnd
					mu.Lock()
					for i, m := range runs[e] {
						if c.writers == 0 && m.Seq <= lastSeq[e] {
							problems = append(problems, fmt.Sprintf("%s (Seq %d) claimed after Seq %d of its endpoint", m.ID, m.Seq, lastSeq[e]))
						}
						l := links[m.ID]
						key := fmt.Sprintf("%s/%d", e, l.writer)
						if last, ok := lastLink[key]; c.writers > 0 && ok && l.index <= last {
							problems = append(problems, fmt.Sprintf("%s (Seq %d) claimed after the same writer's later m_w%d_%d", m.ID, m.Seq, l.writer, last))
						}
						if c.fails != nil && c.fails(m) {
							ends = append(ends, retry(m.ID, m.Attempts, now))
							for _, rest := range runs[e][i+1:] {
								ends = append(ends, release(rest.ID, rest.Attempts))
							}
							break
						}
						ends = append(ends, ack(m.ID, m.Attempts))
						acked[m.ID]++
						lastSeq[e] = m.Seq
						lastLink[key] = l.index
					}
					// Out of flight before the outcomes commit, so that the
					// endpoint's next run is never claimed before.
					delete(inFlight, e)
					mu.Unlock()
					if err := settle(s, ends); err != nil {
						fail("claimer %d: settle %v: %v", n, ends, err)
						return
					}
				}
			}
			fail("claimer %d: gave up with messages left", n)
		}()
	}
	wg.Wait()
	writing.Wait()
	for _, p := range problems {
		t.Error(p)
	}
	for _, id := range ids {
		if acked[id] != 1 {
			t.Errorf("%s acknowledged %d times, want once", id, acked[id])
		}
	}
	wantOutbox(t, stores[0])
}
