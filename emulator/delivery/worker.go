package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
)

// Outbox is the part of store.Store a Worker uses: the messages saved with
// the changes that caused them, claimed in runs, one run per endpoint at a
// time, and the outcomes of a run recorded in one write.
type Outbox interface {
	ClaimOutbox(ctx context.Context, c store.OutboxClaim) ([]*store.OutboxMessage, error)
	SettleOutbox(ctx context.Context, ends ...store.OutboxEnd) error
}

// WorkerOptions configures a Worker.
type WorkerOptions struct {
	// Schedule is the wait before each retry; DevelopmentSchedule when nil.
	// A message whose last attempt fails is given up: logged at error level
	// and removed from the outbox.
	Schedule Schedule
	// PollInterval is how often the outbox is looked at when nothing
	// wakes the worker (Notify): for messages of other processes, and
	// retries coming due. 250ms when 0.
	PollInterval time.Duration
	// Batch is the most endpoints claimed at once, so the most delivered
	// to at once; 16 when 0.
	Batch int
	// Run is the most messages of one endpoint claimed at once: they are
	// sent one after the other, in order, and their outcomes recorded in
	// one write, so that the outbox's writes (each a commit the changes of
	// the API wait for, on SQLite's one writer) are two a run rather than
	// two a message. After a failed attempt the rest of the run is
	// released for later. 64 when 0; 1 claims a message at a time.
	Run int
	// Gather is how long the worker waits before claiming again after a
	// step that claimed a run of more than one message, none of them full:
	// messages are coming faster than they are delivered one by one, and
	// waiting lets those saved meanwhile go in one run (a claim and a
	// settle) instead of one write each. A step that claimed one message
	// an endpoint, or a full run, is followed by the next claim at once,
	// so a message saved while the worker was idle is not held back.
	// 10ms when 0; negative: no wait.
	Gather time.Duration
	// Yield is how long each of the worker's outbox writes (a claim, the
	// record of a run's outcomes) waits for a pause in the store's other
	// writes, where the store can tell (WritesIdler: the SQLite and
	// PostgreSQL stores, counting the writes of their own process; on
	// SQLite the changes of the API share one writer with the worker): it
	// then writes between changes instead of making them wait, and under a
	// steady stream of changes claims longer runs, less often, and
	// delivers more of a burst's events after it: a burst of changes
	// keeps more of its rate, and its events arrive up to a few hundred
	// milliseconds later. It waits only while delivery keeps up: not after
	// a step that claimed a message due more than a second before, so
	// events never fall much more than a second behind their changes.
	// 100ms when 0; negative: no wait.
	Yield time.Duration
	// Now is the clock of claims and retries; time.Now when nil.
	Now func() time.Time
	// Logger gets the worker's own lines (outbox errors, messages given
	// up); the Sender logs the attempts. None when nil.
	Logger *slog.Logger
	// Delivered, when set, is called after each attempt with its message
	// and outcome (for clerktest's record of deliveries, and tests).
	Delivered func(m *store.OutboxMessage, r Result)
}

// WritesIdler is what a store may offer its Worker: a wait for a pause in
// the writes other than the outbox's own (the SQLite and PostgreSQL
// stores, through their shared implementation; it matters most where the
// writes are serialised, on SQLite).
type WritesIdler interface {
	// WaitWritesIdle waits until no other write is in progress, at most
	// max, and reports whether it found them idle.
	WaitWritesIdle(ctx context.Context, max time.Duration) bool
}

// keepingUp is how long a message may have been due when claimed for the
// worker to go on yielding (WorkerOptions.Yield): beyond it, delivery is
// behind, and claims and records go at once until it caught up.
const keepingUp = time.Second

// Worker delivers the messages of an outbox with a Sender, at least once:
// a message leaves the outbox only when its endpoint answered 2xx or its
// schedule ran out. The messages of one endpoint go one at a time, in the
// order of their changes; several Workers, in one process or several on a
// shared database, never make the same attempt twice, and the messages of a
// Worker that dies are claimed again when their lease ends.
type Worker struct {
	outbox Outbox
	sender *Sender
	opts   WorkerOptions
	wake   chan struct{}
	idler  WritesIdler // nil when the outbox offers none, or Yield < 0
	behind atomic.Bool // the last step claimed a message due over keepingUp ago
}

// NewWorker returns a Worker of outbox sending with sender. Run starts it.
func NewWorker(outbox Outbox, sender *Sender, opts WorkerOptions) (*Worker, error) {
	if opts.Schedule == nil {
		opts.Schedule = DevelopmentSchedule
	}
	if err := opts.Schedule.Validate(); err != nil {
		return nil, err
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 250 * time.Millisecond
	}
	if opts.Batch <= 0 {
		opts.Batch = 16
	}
	if opts.Run <= 0 {
		opts.Run = 64
	}
	if opts.Gather == 0 {
		opts.Gather = 10 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Yield == 0 {
		opts.Yield = 100 * time.Millisecond
	}
	w := &Worker{outbox: outbox, sender: sender, opts: opts, wake: make(chan struct{}, 1)}
	if idler, ok := outbox.(WritesIdler); ok && opts.Yield > 0 {
		w.idler = idler
	}
	return w, nil
}

// Notify tells the worker new messages were enqueued, so it looks at the
// outbox now rather than at the next poll. It never blocks.
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// leaseMargin is the part of a claim's lease beyond an attempt's timeout:
// time for the outbox's round trips.
const leaseMargin = 30 * time.Second

// settleMargin is the least time a run's next attempt leaves of the lease
// when it ends (after the sender's timeout at the latest): the next attempt
// starts only then, so that every attempt ends within the lease, with time
// left to record the run's outcomes before it ends. Otherwise the rest of
// the run is released, to be claimed again at once.
const settleMargin = 15 * time.Second

// lease is how long a claim is kept from other workers: the first attempt's
// timeout and a margin for the outbox round trips.
func (w *Worker) lease() time.Duration { return w.sender.timeout + leaseMargin }

// Run delivers until ctx ends, and returns ctx's error. An attempt under
// way when ctx ends is cancelled and its message left for its lease to end,
// to be claimed again (by this process after a restart, or another); the
// outcomes of the run's attempts made before are recorded, and its messages
// not attempted released.
func (w *Worker) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		st, err := w.step(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			w.logError(ctx, "webhook outbox", err)
		}
		if st.attempts > 0 && err == nil {
			// More may be due at once: the endpoint's next messages.
			if !st.full && st.longest > 1 && w.opts.Gather > 0 {
				timer.Reset(w.opts.Gather)
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-timer.C:
				}
			}
			continue
		}
		timer.Reset(w.opts.PollInterval)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-w.wake:
		case <-timer.C:
		}
	}
}

// Step claims the due messages once, delivers each endpoint's run
// (endpoints concurrently, the messages of one in order) and records the
// outcomes. It returns how many attempts it made.
func (w *Worker) Step(ctx context.Context) (int, error) {
	st, err := w.step(ctx)
	return st.attempts, err
}

// stepStats is what a step did.
type stepStats struct {
	attempts int
	longest  int  // the longest run claimed
	full     bool // a run claimed was as long as WorkerOptions.Run
}

// yield waits, before an outbox write, for a pause in the store's other
// writes (WorkerOptions.Yield), unless delivery is behind.
func (w *Worker) yield(ctx context.Context) {
	if w.idler != nil && !w.behind.Load() {
		w.idler.WaitWritesIdle(ctx, w.opts.Yield)
	}
}

func (w *Worker) step(ctx context.Context) (stepStats, error) {
	w.yield(ctx)
	now := w.opts.Now()
	leaseUntil := now.Add(w.lease())
	msgs, err := w.outbox.ClaimOutbox(ctx, store.OutboxClaim{
		Now:        now.UnixMilli(),
		LeaseUntil: leaseUntil.UnixMilli(),
		Limit:      w.opts.Batch,
		Run:        w.opts.Run,
	})
	if err != nil {
		return stepStats{}, fmt.Errorf("claim: %w", err)
	}
	w.behind.Store(slices.ContainsFunc(msgs, func(m *store.OutboxMessage) bool {
		return now.UnixMilli()-max(m.CreatedAt, m.NextAttemptAt) > keepingUp.Milliseconds()
	}))
	runs := byEndpoint(msgs)
	var st stepStats
	for _, run := range runs {
		st.longest = max(st.longest, len(run))
		st.full = st.full || len(run) >= w.opts.Run
	}
	var wg sync.WaitGroup
	errs := make([]error, len(runs))
	attempts := make([]int, len(runs))
	for i, run := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			attempts[i], errs[i] = w.deliver(ctx, run, leaseUntil)
		}()
	}
	wg.Wait()
	for _, n := range attempts {
		st.attempts += n
	}
	return st, errors.Join(errs...)
}

// byEndpoint splits msgs (in Seq order) into the runs of their endpoints,
// each in Seq order.
func byEndpoint(msgs []*store.OutboxMessage) [][]*store.OutboxMessage {
	var runs [][]*store.OutboxMessage
	index := map[string]int{}
	for _, m := range msgs {
		i, ok := index[m.Endpoint]
		if !ok {
			i = len(runs)
			index[m.Endpoint] = i
			runs = append(runs, nil)
		}
		runs[i] = append(runs[i], m)
	}
	return runs
}

// deliver attempts the messages of run (one endpoint's, claimed together
// until leaseUntil) one after the other, until one fails, and records the
// outcomes in one write: acknowledged, retried or given up, and the
// messages not attempted released. It returns how many attempts it made.
func (w *Worker) deliver(ctx context.Context, run []*store.OutboxMessage, leaseUntil time.Time) (int, error) {
	ends := make([]store.OutboxEnd, 0, len(run))
	attempts := 0
	for i, m := range run {
		if ctx.Err() != nil || i > 0 && w.opts.Now().Add(w.sender.timeout+settleMargin).After(leaseUntil) {
			ends = appendReleased(ends, run[i:])
			break
		}
		r := w.sender.Send(ctx, Message{ID: m.ID, Type: m.EventType, URL: m.Endpoint, Body: m.Payload}, m.Attempts)
		if ctx.Err() != nil {
			// Stopping: the message is left leased, for its lease to end
			// and another claim to make the attempt again.
			ends = appendReleased(ends, run[i+1:])
			break
		}
		attempts++
		if w.opts.Delivered != nil {
			w.opts.Delivered(m, r)
		}
		end := store.OutboxEnd{ID: m.ID, Attempt: m.Attempts, Outcome: store.OutboxAck}
		wait, again := w.opts.Schedule.Next(m.Attempts)
		if !r.Delivered() && again {
			end.Outcome, end.NextAttemptAt = store.OutboxRetry, w.opts.Now().Add(wait).UnixMilli()
			ends = appendReleased(append(ends, end), run[i+1:])
			break
		}
		if !r.Delivered() && w.opts.Logger != nil {
			w.opts.Logger.LogAttrs(ctx, slog.LevelError, "webhook given up",
				slog.String("id", m.ID), slog.String("type", m.EventType),
				slog.String("url", RedactURL(m.Endpoint)), slog.Int("attempts", m.Attempts))
		}
		ends = append(ends, end)
	}
	if len(ends) == 0 {
		return attempts, nil
	}
	w.yield(ctx) // not when stopping: ctx is done
	// The outcomes are recorded even when stopping, so that the messages
	// delivered are not sent again.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleMargin)
	defer cancel()
	err := w.outbox.SettleOutbox(sctx, ends...)
	if errors.Is(err, store.ErrNotFound) {
		// The lease ended before the outcomes were recorded and another
		// claim owns those messages now: it will make its own attempts.
		return attempts, nil
	}
	if err != nil {
		return attempts, fmt.Errorf("record the attempts of %d messages from %s: %w", len(ends), run[0].ID, err)
	}
	return attempts, nil
}

// appendReleased appends to ends the release of msgs, claimed but not
// attempted.
func appendReleased(ends []store.OutboxEnd, msgs []*store.OutboxMessage) []store.OutboxEnd {
	for _, m := range msgs {
		ends = append(ends, store.OutboxEnd{ID: m.ID, Attempt: m.Attempts, Outcome: store.OutboxRelease})
	}
	return ends
}

func (w *Worker) logError(ctx context.Context, msg string, err error) {
	if w.opts.Logger != nil {
		w.opts.Logger.LogAttrs(ctx, slog.LevelError, msg, slog.String("error", err.Error()))
	}
}
