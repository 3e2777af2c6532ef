// Package sqlstore implements store.Store on database/sql, once for both
// SQL backends. A backend (sqlite, postgres) opens its connection pools,
// describes its SQL dialect and error codes in a Dialect, and hands both to
// New; everything about the store's semantics lives here, so that the two
// backends cannot drift apart.
package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// Violation is the kind of unique constraint a failed statement violated.
type Violation int

const (
	// NoViolation means the error is not a unique constraint violation.
	NoViolation Violation = iota
	// PrimaryKeyViolation means a table's primary key was violated.
	PrimaryKeyViolation
	// UniqueViolation means a secondary unique constraint was violated.
	UniqueViolation
)

// Dialect is what differs between the SQL backends.
type Dialect struct {
	// Numbered reports whether placeholders are numbered ($1, $2, ...)
	// rather than "?".
	Numbered bool
	// OffsetNeedsLimit reports whether OFFSET needs a LIMIT before it;
	// "LIMIT -1" then means no limit (SQLite).
	OffsetNeedsLimit bool
	// ReadTx are the options of the read-only transactions that give a
	// multi-statement read (a user and its identifiers) one snapshot.
	ReadTx *sql.TxOptions
	// Violation classifies err: a violation of a primary key, of another
	// unique constraint, or neither.
	Violation func(err error) Violation
	// Retryable reports whether a write transaction that failed with err
	// may be retried as a whole (a deadlock or serialization failure).
	Retryable func(err error) bool
	// LockMigrations, when set, takes a lock held until tx ends that keeps
	// concurrent Opens of the same database from migrating at once. When
	// nil, the write transaction itself must be exclusive (SQLite's BEGIN
	// IMMEDIATE).
	LockMigrations func(ctx context.Context, tx *sql.Tx) error
	// RowLock is appended to a SELECT of one row read inside Tx, so that
	// a read-modify-write in a transaction is not lost to a concurrent
	// one (" FOR UPDATE" on PostgreSQL; "" where transactions are
	// serialised already, as SQLite's are).
	RowLock string
	// OutboxEndpointLock, where writes run concurrently (PostgreSQL), is a
	// condition on the column h.endpoint that takes a lock of that
	// endpoint, held until the transaction ends, and is true when it got
	// it, false at once when another transaction holds it: a claim takes
	// an endpoint's messages only while it holds its lock, and skips the
	// endpoints other claims are taking. "" where writes are serialised
	// already (SQLite), and Seqs are then in commit order
	// (OutboxSeqFromMax): an endpoint's oldest message is then the one
	// claims go through, found from the endpoint's cursor in
	// outbox_endpoints (a Seq no message of the endpoint is at or below,
	// which claims move up) rather than through an index of the outbox by
	// endpoint, which each enqueue would write to (outbox.go).
	OutboxEndpointLock string
	// StatementAtomic reports whether a statement that fails inside a
	// transaction undoes its own writes and leaves the transaction usable
	// (SQLite), so that a write of one statement needs no savepoint of its
	// own there. On PostgreSQL a failed statement aborts the transaction.
	StatementAtomic bool
	// OutboxSeqFromMax gives an enqueued message's Seq as one more than the
	// highest given so far, read (the highest Seq in the outbox, or the
	// floor in outbox_seq that acknowledgements raise), rather than from
	// outbox_seq's row, locked until the transaction ends: right only where
	// writes are serialised (SQLite's one writer), and an enqueue then
	// writes no row but its own.
	OutboxSeqFromMax bool
	// OutboxSeqIsRowID reports whether the outbox's seq is its table's
	// rowid (SQLite's INTEGER PRIMARY KEY): an enqueue then takes the Seq
	// from the insert's result (LastInsertId) rather than from a row the
	// statement returns, which cost about a quarter of the enqueue's CPU.
	OutboxSeqIsRowID bool
	// Unsynced makes the commit of a write that can be lost to a crash of
	// the machine (the outbox's claims and settles: a lost lease lets the
	// message be claimed again, a lost acknowledgement sends it again,
	// both within at-least-once) return without waiting for the disk. A
	// later synced commit makes it durable with its own: both backends
	// write one log in commit order. Zero: every commit is synced.
	Unsynced Unsynced
}

// Unsynced is how a backend commits a transaction without waiting for the
// disk: statements run on the transaction's connection before it begins
// (SQLite's synchronous level cannot change inside one), as its first
// statement, and on the connection after it ends, which restores what
// Before changed. A connection whose After fails is closed, never reused
// unsynced.
type Unsynced struct {
	Before, First, After string
}

// outboxCursors reports whether claims find each endpoint's oldest message
// from its cursor (no OutboxEndpointLock: writes are serialised).
func (d *Dialect) outboxCursors() bool { return d.OutboxEndpointLock == "" }

// rebind rewrites the "?" placeholders of query for d.
func (d *Dialect) rebind(query string) string {
	if !d.Numbered {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
