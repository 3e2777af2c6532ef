package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/clerkgo/clerk/emulator/store"
)

// The outbox is the table outbox, one row per message.
//
// PostgreSQL (Dialect.OutboxEndpointLock): EnqueueOutbox takes each Seq
// from the sequence outbox_seqs, with no lock, so transactions that
// enqueue commit at once, and may commit in another order than their Seqs.
// A claim does not go through an endpoint's oldest message, which a late
// commit may change, but through a lock of the endpoint (an advisory lock
// of the transaction, taken with a try: claims skip the endpoints others
// hold). Under it, with a snapshot taken after it was granted (so after
// the claims that held it before committed), the claim leases nothing if
// a message of the endpoint is leased (the partial index outbox_leased),
// and otherwise a run from the lowest Seq committed. A message that
// commits late with a lower Seq than some already delivered is then the
// next claimed; the messages of one endpoint are never in flight for two
// claims, since an endpoint with one leased is not claimed, and the lease
// is committed before the lock is released.
//
// SQLite (Dialect.OutboxSeqFromMax): writes are serialised, so an enqueue
// takes one more than the highest Seq given, read: the highest in the
// outbox, or outbox_seq's last_seq, a floor raised by the
// acknowledgements that delete a message (to its Seq) so that no Seq is
// given twice. Seqs are in commit order: an endpoint's oldest message is
// leased with every run, so a claim that finds it not leased finds the
// endpoint idle. The outbox has no index by endpoint, which every enqueue
// would write to: a claim finds an endpoint's oldest message by reading up
// from the endpoint's cursor, a Seq below all of its messages, and moves
// the cursor up (claimFromCursors).

// outboxColumns are the columns of an OutboxMessage, in the order of
// scanOutbox.
const outboxColumns = `id, endpoint, event_type, payload, created_at, attempts, next_attempt_at, leased_until, seq`

// outboxConflictKind is the Kind of the *store.ConflictError of an
// enqueued ID that is already in the outbox.
const outboxConflictKind = "outbox_message"

// EnqueueOutbox saves msgs, giving them the next Seqs in the order given.
func (s *Store) EnqueueOutbox(ctx context.Context, msgs ...*store.OutboxMessage) error {
	for _, m := range msgs {
		if err := checkOutboxMessage(m); err != nil {
			return err
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	seqs := make([]int64, len(msgs))
	write := s.write
	if len(msgs) == 1 {
		write = s.writeStatement // the usual enqueue, of one event: one statement
	}
	err := write(ctx, func(q querier) error {
		for i, m := range msgs {
			err := s.insertOutbox(ctx, q, m, &seqs[i])
			if s.d.Violation(err) != NoViolation {
				return &store.ConflictError{Kind: outboxConflictKind, Value: m.ID}
			}
			if err != nil {
				return fmt.Errorf("store: enqueue %s: %w", m.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, m := range msgs {
		m.Seq, m.Attempts, m.LeasedUntil = seqs[i], 0, 0
	}
	return nil
}

// insertOutbox saves m and sets *seq to the Seq it was given.
func (s *Store) insertOutbox(ctx context.Context, q querier, m *store.OutboxMessage, seq *int64) error {
	args := []any{m.ID, m.Endpoint, m.EventType, docArg(m.Payload), m.CreatedAt, m.NextAttemptAt}
	if !s.d.OutboxSeqIsRowID {
		return q.QueryRowContext(ctx, s.q.insertOutbox, args...).Scan(seq)
	}
	res, err := q.ExecContext(ctx, s.q.insertOutbox, args...)
	if err != nil {
		return err
	}
	*seq, err = res.LastInsertId()
	return err
}

// ClaimOutbox leases the run of due messages of up to c.Limit endpoints:
// in one transaction, it finds the endpoints (on PostgreSQL, locks them),
// then leases each one's run.
func (s *Store) ClaimOutbox(ctx context.Context, c store.OutboxClaim) ([]*store.OutboxMessage, error) {
	if c.Limit < 1 {
		return nil, fmt.Errorf("store: claim outbox: limit %d, want at least 1", c.Limit)
	}
	if c.LeaseUntil <= c.Now {
		return nil, fmt.Errorf("store: claim outbox: the lease ends at %d, not after now (%d)", c.LeaseUntil, c.Now)
	}
	if !storable(c.Endpoint) {
		return nil, nil
	}
	var msgs []*store.OutboxMessage
	err := s.writeUnsynced(ctx, func(q querier) error {
		msgs = nil
		var heads []outboxHead
		var err error
		if s.d.outboxCursors() {
			heads, err = s.claimFromCursors(ctx, q, c)
		} else {
			heads, err = scanHeads(q.QueryContext(ctx, s.q.claimOutboxHeads, c.Now, c.Now, c.Endpoint, c.Endpoint, c.Now, c.Limit))
		}
		if err != nil {
			return err
		}
		for _, h := range heads {
			run, err := s.leaseRun(ctx, q, h, c)
			if err != nil {
				return err
			}
			msgs = append(msgs, run...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim outbox: %w", err)
	}
	// RETURNING returns the rows in no particular order.
	slices.SortFunc(msgs, func(a, b *store.OutboxMessage) int { return compareInt64(a.Seq, b.Seq) })
	return msgs, nil
}

// OutboxClaimQueries returns the statements of a claim: the one that
// finds the endpoints' oldest messages, and the one that leases a run
// (exported for the backends' query-plan tests).
func OutboxClaimQueries(d *Dialect) (heads, run string) {
	return claimOutboxHeads(d), leaseOutboxRun(d)
}

// outboxHead is the oldest message of an endpoint when a claim looked.
type outboxHead struct {
	endpoint string
	seq      int64
}

func scanHeads(rows *sql.Rows, err error) ([]outboxHead, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var heads []outboxHead
	for rows.Next() {
		var h outboxHead
		if err := rows.Scan(&h.endpoint, &h.seq); err != nil {
			return nil, err
		}
		heads = append(heads, h)
	}
	return heads, rows.Err()
}

// claimFromCursors is claimOutboxHeads without Dialect.OutboxEndpointLock:
// it reads each endpoint's oldest message from the endpoint's cursor up,
// moves the cursor up to just below it (or, for an endpoint with no
// message, to the highest Seq in the outbox: no message of it is at or
// below that, and the next will be above), and returns the heads that are
// due and not leased, the lowest first, up to c.Limit. A cursor only ever
// rises to a Seq below every message of its endpoint, so it skips none;
// each claim scans the messages enqueued since the one before, not the
// outbox.
func (s *Store) claimFromCursors(ctx context.Context, q querier, c store.OutboxClaim) ([]outboxHead, error) {
	type cursor struct {
		endpoint    string
		below, last int64
		head        sql.NullInt64
		due, leased sql.NullInt64
	}
	rows, err := q.QueryContext(ctx, s.q.claimOutboxHeads, c.Endpoint, c.Endpoint)
	if err != nil {
		return nil, err
	}
	var cursors []cursor
	for rows.Next() {
		var k cursor
		if err := rows.Scan(&k.endpoint, &k.below, &k.head, &k.due, &k.leased, &k.last); err != nil {
			rows.Close()
			return nil, err
		}
		cursors = append(cursors, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var heads []outboxHead
	for _, k := range cursors {
		below := k.last
		if k.head.Valid {
			below = k.head.Int64 - 1
			if k.due.Int64 <= c.Now && k.leased.Int64 <= c.Now {
				heads = append(heads, outboxHead{endpoint: k.endpoint, seq: k.head.Int64})
			}
		}
		if below > k.below {
			if _, err := q.ExecContext(ctx, s.q.moveOutboxCursor, below, k.endpoint); err != nil {
				// Not the endpoint: its URL may hold a password.
				return nil, fmt.Errorf("move an endpoint's cursor: %w", err)
			}
		}
	}
	slices.SortFunc(heads, func(a, b outboxHead) int { return compareInt64(a.seq, b.seq) })
	return heads[:min(len(heads), c.Limit)], nil
}

// leaseRun leases and returns the run of h's endpoint: on PostgreSQL, read
// again under the endpoint's lock, from the lowest Seq committed, and
// nothing if a message of the endpoint is leased; elsewhere from h, the
// head.
func (s *Store) leaseRun(ctx context.Context, q querier, h outboxHead, c store.OutboxClaim) ([]*store.OutboxMessage, error) {
	args := []any{h.seq, h.endpoint}
	if !s.d.outboxCursors() {
		args = []any{h.endpoint, h.endpoint, c.Now}
	}
	args = append(args, max(c.Run, 1), c.LeaseUntil, h.endpoint, c.Now, c.Now, c.Now, c.Now)
	return scanOutbox(q.QueryContext(ctx, s.q.leaseOutboxRun, args...))
}

func compareInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// AckOutbox deletes a message whose attempt number attempt succeeded.
func (s *Store) AckOutbox(ctx context.Context, id string, attempt int) error {
	return s.settleOne(ctx, store.OutboxEnd{ID: id, Attempt: attempt, Outcome: store.OutboxAck})
}

// RetryOutbox releases the lease of a message whose attempt number attempt
// failed, and makes it due at nextAttemptAt.
func (s *Store) RetryOutbox(ctx context.Context, id string, attempt int, nextAttemptAt int64) error {
	return s.settleOne(ctx, store.OutboxEnd{ID: id, Attempt: attempt, Outcome: store.OutboxRetry, NextAttemptAt: nextAttemptAt})
}

func (s *Store) settleOne(ctx context.Context, e store.OutboxEnd) error {
	stale, err := s.settle(ctx, []store.OutboxEnd{e})
	if err != nil {
		return err
	}
	if len(stale) > 0 {
		return store.ErrNotFound
	}
	return nil
}

// SettleOutbox ends the attempts ends in one transaction.
func (s *Store) SettleOutbox(ctx context.Context, ends ...store.OutboxEnd) error {
	stale, err := s.settle(ctx, ends)
	if err != nil {
		return err
	}
	if len(stale) > 0 {
		return fmt.Errorf("%w: the attempts of outbox messages %s are no longer current", store.ErrNotFound, strings.Join(stale, ", "))
	}
	return nil
}

// settle applies ends and returns the IDs of those whose attempt was not
// the message's current one. Consecutive acknowledgements, and consecutive
// releases, are applied in one statement each: the usual settle, a run's
// acknowledgements, is one statement (on PostgreSQL one round trip, where
// it was one a message) and a commit.
func (s *Store) settle(ctx context.Context, ends []store.OutboxEnd) (stale []string, err error) {
	for _, e := range ends {
		if e.Outcome < store.OutboxAck || e.Outcome > store.OutboxRelease {
			return nil, fmt.Errorf("store: settle outbox message %s: unknown outcome %d", e.ID, e.Outcome)
		}
	}
	// An ID no store keeps is in no outbox.
	var unknown []string
	kept := make([]store.OutboxEnd, 0, len(ends))
	for _, e := range ends {
		if storable(e.ID) {
			kept = append(kept, e)
		} else {
			unknown = append(unknown, e.ID)
		}
	}
	if len(kept) == 0 {
		return unknown, nil
	}
	err = s.writeUnsynced(ctx, func(q querier) error {
		stale = slices.Clone(unknown)
		var acked int64 // the highest Seq deleted
		for rest := kept; len(rest) > 0; {
			n := 1
			for n < len(rest) && n < maxSettleBatch && rest[n].Outcome == rest[0].Outcome {
				n++
			}
			batch := rest[:n]
			rest = rest[n:]
			var err error
			if batch[0].Outcome == store.OutboxRetry {
				for _, e := range batch {
					err = affectedOne(q.ExecContext(ctx, s.q.retryOutbox, e.NextAttemptAt, e.ID, e.Attempt))
					if errors.Is(err, errNoRow) {
						stale, err = append(stale, e.ID), nil
					}
					if err != nil {
						break
					}
				}
			} else {
				var seq int64
				seq, err = s.settleBatch(ctx, q, batch, &stale)
				acked = max(acked, seq)
			}
			if err != nil {
				return fmt.Errorf("store: settle outbox messages from %s: %w", batch[0].ID, err)
			}
		}
		if acked > 0 && s.d.OutboxSeqFromMax {
			if _, err := q.ExecContext(ctx, s.q.raiseOutboxSeq, acked, acked); err != nil {
				return fmt.Errorf("store: settle outbox: raise the seq floor: %w", err)
			}
		}
		return nil
	})
	return stale, err
}

// maxSettleBatch is the most ends one statement of settleBatch applies.
const maxSettleBatch = 100

// settleBatch applies ends, all acknowledgements or all releases, in one
// statement, adds the IDs of those not current to *stale, and returns the
// highest Seq deleted. The statement is made for the number of ends, and
// parsed each time: once a run rather than once a message.
func (s *Store) settleBatch(ctx context.Context, q querier, ends []store.OutboxEnd, stale *[]string) (int64, error) {
	ack := ends[0].Outcome == store.OutboxAck
	if len(ends) == 1 { // a statement prepared once
		e := ends[0]
		var seq int64
		var err error
		if ack {
			if err = q.QueryRowContext(ctx, s.q.ackOutbox, e.ID, e.Attempt).Scan(&seq); errors.Is(err, sql.ErrNoRows) {
				err = errNoRow
			}
		} else {
			err = affectedOne(q.ExecContext(ctx, s.q.releaseOutbox, e.ID, e.Attempt))
		}
		if errors.Is(err, errNoRow) {
			*stale = append(*stale, e.ID)
			return 0, nil
		}
		return seq, err
	}
	var b strings.Builder
	if ack {
		b.WriteString(`DELETE FROM outbox`)
	} else {
		b.WriteString(`UPDATE outbox SET leased_until = 0, attempts = attempts - 1`)
	}
	b.WriteString(` WHERE (id, attempts) IN (VALUES `)
	args := make([]any, 0, 2*len(ends))
	for i, e := range ends {
		if i > 0 {
			b.WriteString(`, `)
		}
		b.WriteString(`(CAST(? AS TEXT), CAST(? AS INTEGER))`)
		args = append(args, e.ID, e.Attempt)
	}
	b.WriteString(`) RETURNING id, seq`)
	rows, err := q.QueryContext(ctx, s.d.rebind(b.String()), args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	applied := make(map[string]int, len(ends))
	var last int64
	for rows.Next() {
		var id string
		var seq int64
		if err := rows.Scan(&id, &seq); err != nil {
			return 0, err
		}
		applied[id]++
		if ack {
			last = max(last, seq)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	for _, e := range ends {
		if applied[e.ID] > 0 {
			applied[e.ID]--
			continue
		}
		*stale = append(*stale, e.ID)
	}
	return last, nil
}

// ListOutbox returns the messages matching q in Seq order.
func (s *Store) ListOutbox(ctx context.Context, q store.OutboxQuery) ([]*store.OutboxMessage, error) {
	if !storable(q.Endpoint) {
		return nil, nil
	}
	b := &builder{d: s.d}
	b.sql(`SELECT ` + outboxColumns + ` FROM outbox`)
	outboxWhere(b, q)
	b.sql(` ORDER BY seq`)
	b.page(q.Limit, 0)
	var msgs []*store.OutboxMessage
	err := s.read(ctx, func(qr querier) error {
		var err error
		msgs, err = scanOutbox(qr.QueryContext(ctx, b.String(), b.args...))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list outbox: %w", err)
	}
	return msgs, nil
}

// CountOutbox counts the messages matching q.
func (s *Store) CountOutbox(ctx context.Context, q store.OutboxQuery) (int64, error) {
	if !storable(q.Endpoint) {
		return 0, nil
	}
	b := &builder{d: s.d}
	b.sql(`SELECT COUNT(*) FROM outbox`)
	outboxWhere(b, q)
	var n int64
	err := s.read(ctx, func(qr querier) error {
		return qr.QueryRowContext(ctx, b.String(), b.args...).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("store: count outbox: %w", err)
	}
	return n, nil
}

func outboxWhere(b *builder, q store.OutboxQuery) {
	if q.Endpoint != "" {
		b.sql(` WHERE endpoint = `)
		b.arg(q.Endpoint)
	}
}

func scanOutbox(rows *sql.Rows, err error) ([]*store.OutboxMessage, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	msgs := []*store.OutboxMessage{}
	for rows.Next() {
		m := &store.OutboxMessage{}
		if err := rows.Scan(&m.ID, &m.Endpoint, &m.EventType, &m.Payload, &m.CreatedAt, &m.Attempts,
			&m.NextAttemptAt, &m.LeasedUntil, &m.Seq); err != nil {
			return nil, err
		}
		m.Payload = normDoc(m.Payload)
		msgs = append(msgs, m)
	}
	return msgs, rows.Err()
}

func checkOutboxMessage(m *store.OutboxMessage) error {
	if m == nil {
		return errors.New("store: nil outbox message")
	}
	if m.ID == "" || m.Endpoint == "" {
		return errors.New("store: outbox message has no ID or no endpoint")
	}
	for _, f := range []struct{ name, value string }{
		{"outbox id", m.ID}, {"outbox endpoint", m.Endpoint}, {"outbox event_type", m.EventType},
	} {
		if err := checkText(f.name, f.value, true); err != nil {
			return err
		}
	}
	return nil
}
