package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/clerkgo/clerk/emulator/store"
)

// The outbox is the table outbox, one row per message, and the one-row
// table outbox_seq holding the last Seq given. EnqueueOutbox takes its
// Seqs by updating that row, which locks it until the transaction ends:
// transactions that enqueue take Seqs one after the other, each after the
// previous one committed or rolled back, so Seqs increase in commit order
// and a claim that sees a message never later sees one of a lower Seq
// appear.

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
	err := s.write(ctx, func(q querier) error {
		var last int64
		if err := q.QueryRowContext(ctx, s.q.takeOutboxSeqs, int64(len(msgs))).Scan(&last); err != nil {
			return fmt.Errorf("store: enqueue: take seqs: %w", err)
		}
		for i, m := range msgs {
			seqs[i] = last - int64(len(msgs)-1-i)
			_, err := q.ExecContext(ctx, s.q.insertOutbox, m.ID, m.Endpoint, m.EventType, docArg(m.Payload),
				m.CreatedAt, m.NextAttemptAt, seqs[i])
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

// ClaimOutbox leases the oldest due message of up to c.Limit endpoints.
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
	err := s.write(ctx, func(q querier) error {
		var err error
		msgs, err = scanOutbox(q.QueryContext(ctx, s.q.claimOutbox, c.LeaseUntil, c.Now, c.Now, c.Endpoint, c.Endpoint, c.Limit))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim outbox: %w", err)
	}
	// RETURNING returns the rows in no particular order.
	slices.SortFunc(msgs, func(a, b *store.OutboxMessage) int { return compareInt64(a.Seq, b.Seq) })
	return msgs, nil
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
	if !storable(id) {
		return store.ErrNotFound
	}
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, s.q.ackOutbox, id, attempt)
		if err := affectedOne(res, err); err != nil {
			return wrapNotFound(err, "ack outbox message %s", id)
		}
		return nil
	})
}

// RetryOutbox releases the lease of a message whose attempt number attempt
// failed, and makes it due at nextAttemptAt.
func (s *Store) RetryOutbox(ctx context.Context, id string, attempt int, nextAttemptAt int64) error {
	if !storable(id) {
		return store.ErrNotFound
	}
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, s.q.retryOutbox, nextAttemptAt, id, attempt)
		if err := affectedOne(res, err); err != nil {
			return wrapNotFound(err, "retry outbox message %s", id)
		}
		return nil
	})
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
