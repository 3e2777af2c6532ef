package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
)

// Outbox is the part of store.Store a Worker uses: the messages saved with
// the changes that caused them, claimed one per endpoint at a time.
type Outbox interface {
	ClaimOutbox(ctx context.Context, c store.OutboxClaim) ([]*store.OutboxMessage, error)
	AckOutbox(ctx context.Context, id string, attempt int) error
	RetryOutbox(ctx context.Context, id string, attempt int, nextAttemptAt int64) error
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
	// Batch is the most messages claimed at once, so the most endpoints
	// delivered to at once; 16 when 0.
	Batch int
	// Now is the clock of claims and retries; time.Now when nil.
	Now func() time.Time
	// Logger gets the worker's own lines (outbox errors, messages given
	// up); the Sender logs the attempts. None when nil.
	Logger *slog.Logger
	// Delivered, when set, is called after each attempt with its message
	// and outcome (for clerktest's record of deliveries, and tests).
	Delivered func(m *store.OutboxMessage, r Result)
}

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
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Worker{outbox: outbox, sender: sender, opts: opts, wake: make(chan struct{}, 1)}, nil
}

// Notify tells the worker new messages were enqueued, so it looks at the
// outbox now rather than at the next poll. It never blocks.
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// lease is how long a claimed attempt is kept from other workers: the
// attempt's timeout and a margin for the outbox round trips.
func (w *Worker) lease() time.Duration { return w.sender.timeout + 30*time.Second }

// Run delivers until ctx ends, and returns ctx's error. An attempt under
// way when ctx ends is cancelled and its message left for its lease to end,
// to be claimed again (by this process after a restart, or another).
func (w *Worker) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		n, err := w.Step(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			w.logError(ctx, "webhook outbox", err)
		}
		if n > 0 && err == nil {
			continue // more may be due at once: the endpoint's next message
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

// Step claims the due messages once, makes an attempt of each (one per
// endpoint, concurrently) and records the outcomes. It returns how many
// attempts it made.
func (w *Worker) Step(ctx context.Context) (int, error) {
	now := w.opts.Now()
	msgs, err := w.outbox.ClaimOutbox(ctx, store.OutboxClaim{
		Now:        now.UnixMilli(),
		LeaseUntil: now.Add(w.lease()).UnixMilli(),
		Limit:      w.opts.Batch,
	})
	if err != nil {
		return 0, fmt.Errorf("claim: %w", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(msgs))
	for i, m := range msgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.attempt(ctx, m)
		}()
	}
	wg.Wait()
	return len(msgs), errors.Join(errs...)
}

// attempt makes one attempt of m and acknowledges it, schedules its retry
// or gives it up.
func (w *Worker) attempt(ctx context.Context, m *store.OutboxMessage) error {
	r := w.sender.Send(ctx, Message{ID: m.ID, Type: m.EventType, URL: m.Endpoint, Body: m.Payload}, m.Attempts)
	if ctx.Err() != nil {
		return nil // stopping: the lease runs out and the message is claimed again
	}
	if w.opts.Delivered != nil {
		w.opts.Delivered(m, r)
	}
	var err error
	switch wait, again := w.opts.Schedule.Next(m.Attempts); {
	case r.Delivered():
		err = w.outbox.AckOutbox(ctx, m.ID, m.Attempts)
	case again:
		err = w.outbox.RetryOutbox(ctx, m.ID, m.Attempts, w.opts.Now().Add(wait).UnixMilli())
	default:
		if w.opts.Logger != nil {
			w.opts.Logger.LogAttrs(ctx, slog.LevelError, "webhook given up",
				slog.String("id", m.ID), slog.String("type", m.EventType),
				slog.String("url", RedactURL(m.Endpoint)), slog.Int("attempts", m.Attempts))
		}
		err = w.outbox.AckOutbox(ctx, m.ID, m.Attempts)
	}
	if errors.Is(err, store.ErrNotFound) {
		// The lease ended before the outcome was recorded and another
		// claim owns the message now: it will make its own attempt.
		return nil
	}
	if err != nil {
		return fmt.Errorf("record attempt %d of %s: %w", m.Attempts, m.ID, err)
	}
	return nil
}

func (w *Worker) logError(ctx context.Context, msg string, err error) {
	if w.opts.Logger != nil {
		w.opts.Logger.LogAttrs(ctx, slog.LevelError, msg, slog.String("error", err.Error()))
	}
}
