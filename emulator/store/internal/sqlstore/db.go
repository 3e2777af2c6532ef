package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
)

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Store implements store.Store on database/sql.
//
// Outside a transaction, every write runs in a transaction of its own on
// the write pool, and every read that needs more than one statement runs
// in a read-only transaction on the read pool (one snapshot). Inside Tx,
// everything runs on the transaction, and each write (and each nested Tx)
// in a savepoint, so that a failed write, a *store.ConflictError say, undoes
// only itself and leaves the transaction usable on both backends.
type Store struct {
	d    *Dialect
	w, r *sql.DB
	q    queries
	// reads is the read pool, running the static reads through
	// statements prepared once.
	reads *preparedPool
	// writes are the static statements that run on the write pool
	// (queries.writeStatements), prepared once there: every transaction's
	// statements run through them (see onTx), so that they are not parsed
	// again each time.
	writes *preparedPool
	tx     *txState // nil outside a transaction
	// gate counts the writes in progress but the outbox's bookkeeping,
	// shared by the Store and its transactions' Stores.
	gate *writeGate
	// closers are closed by Close, in order.
	closers []*sql.DB
}

// txState is the transaction shared by a transaction's Store and its
// nested uses.
type txState struct {
	mu   sync.Mutex // serialises statements, so fn may share the Store among goroutines
	tx   *sql.Tx
	sp   int  // savepoints created so far, to name the next
	done bool // the transaction has committed or rolled back
	// allOrNothing: writes run without savepoints (store.TxAllOrNothing),
	// and failed is the first that failed, which fails the transaction.
	allOrNothing bool
	failed       error
}

// maxWriteAttempts bounds the retries of a write transaction that failed
// with a retryable error (a PostgreSQL deadlock between two UpdateUsers
// swapping identifiers, for instance).
const maxWriteAttempts = 5

// New returns a Store that writes through w and reads through r (which may
// be w). Close closes both. The schema must have been migrated.
func New(ctx context.Context, d *Dialect, w, r *sql.DB) (*Store, error) {
	s := &Store{d: d, w: w, r: r, q: newQueries(d), closers: []*sql.DB{w}, gate: newWriteGate()}
	if r != w {
		s.closers = append(s.closers, r)
	}
	// The reads of one row by key, which run outside transactions.
	reads, err := prepare(ctx, r, s.q.userWithIdentifiers, s.q.identifier, s.q.object, s.q.objectByUnique)
	if err != nil {
		return nil, err
	}
	s.reads = reads
	writes, err := prepare(ctx, w, s.q.writeStatements()...)
	if err != nil {
		reads.close()
		return nil, err
	}
	s.writes = writes
	return s, nil
}

// preparedPool is a pool of connections as a querier that runs the
// queries it was given through statements prepared once (database/sql
// prepares each on a connection the first time it runs there, and keeps
// it): SQLite then parses and plans them once per connection instead of on
// every call, which was the most of what reading one row cost. Any other
// query runs as it is.
type preparedPool struct {
	db    *sql.DB
	stmts map[string]*sql.Stmt
}

func prepare(ctx context.Context, db *sql.DB, queries ...string) (*preparedPool, error) {
	p := &preparedPool{db: db, stmts: make(map[string]*sql.Stmt, len(queries))}
	for _, q := range queries {
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			p.close()
			return nil, fmt.Errorf("store: prepare: %w", err)
		}
		p.stmts[q] = st
	}
	return p, nil
}

func (p *preparedPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := p.stmts[query]; st != nil {
		return st.ExecContext(ctx, args...)
	}
	return p.db.ExecContext(ctx, query, args...)
}

func (p *preparedPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmts[query]; st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.db.QueryContext(ctx, query, args...)
}

func (p *preparedPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmts[query]; st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.db.QueryRowContext(ctx, query, args...)
}

// onTx returns tx as a querier that runs the queries of p through p's
// statements: Tx.StmtContext reuses a statement already prepared on the
// transaction's connection, and prepares it there once otherwise.
func (p *preparedPool) onTx(tx *sql.Tx) querier { return preparedTx{tx: tx, stmts: p.stmts} }

type preparedTx struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func (p preparedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := p.stmts[query]; st != nil {
		return p.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return p.tx.ExecContext(ctx, query, args...)
}

func (p preparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmts[query]; st != nil {
		return p.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return p.tx.QueryContext(ctx, query, args...)
}

func (p preparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmts[query]; st != nil {
		return p.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return p.tx.QueryRowContext(ctx, query, args...)
}

func (p *preparedPool) close() {
	for _, st := range p.stmts {
		st.Close()
	}
}

// errTxDone is returned by a transaction's Store used after Tx returned.
var errTxDone = errors.New("store: transaction has already committed or rolled back")

// read runs fn on the transaction, or else on the read pool.
func (s *Store) read(ctx context.Context, fn func(q querier) error) error {
	if s.tx != nil {
		s.tx.mu.Lock()
		defer s.tx.mu.Unlock()
		if s.tx.done {
			return errTxDone
		}
		return fn(s.writes.onTx(s.tx.tx))
	}
	return fn(s.reads)
}

// snapshot runs fn, which reads with several statements, on the
// transaction, or else in a read-only transaction on the read pool.
func (s *Store) snapshot(ctx context.Context, fn func(q querier) error) error {
	if s.tx != nil {
		return s.read(ctx, fn)
	}
	tx, err := s.r.BeginTx(ctx, s.d.ReadTx)
	if err != nil {
		return fmt.Errorf("store: begin read: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: end read: %w", err)
	}
	return nil
}

// write runs fn atomically: in a savepoint of the transaction, or else in a
// write transaction of its own, retried when the dialect says so.
func (s *Store) write(ctx context.Context, fn func(q querier) error) error {
	if s.tx != nil {
		s.tx.mu.Lock()
		defer s.tx.mu.Unlock()
		if s.tx.allOrNothing {
			return s.tx.writeWhole(ctx, s.writes, fn)
		}
		name, err := s.tx.savepoint(ctx)
		if err != nil {
			return err
		}
		return s.tx.release(ctx, name, fn(s.writes.onTx(s.tx.tx)))
	}
	s.gate.enter()
	defer s.gate.leave()
	return s.retried(ctx, func() error {
		return s.inTx(ctx, func(tx *sql.Tx) error { return fn(s.writes.onTx(tx)) })
	})
}

// retried runs a write transaction until it succeeds, fails with an
// error the dialect does not retry (Dialect.Retryable), or has run
// maxWriteAttempts times, waiting a little longer before each retry.
func (s *Store) retried(ctx context.Context, run func() error) error {
	for attempt := 1; ; attempt++ {
		err := run()
		if err == nil || attempt == maxWriteAttempts || !s.d.Retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt) * 5 * time.Millisecond):
		}
	}
}

// writeStatement runs fn, which makes one write statement, as write does,
// but inside a transaction with no savepoint of its own where the dialect
// undoes a failed statement by itself (Dialect.StatementAtomic).
func (s *Store) writeStatement(ctx context.Context, fn func(q querier) error) error {
	if s.tx == nil || !s.d.StatementAtomic && !s.tx.allOrNothing {
		return s.write(ctx, fn)
	}
	s.tx.mu.Lock()
	defer s.tx.mu.Unlock()
	if s.tx.allOrNothing {
		return s.tx.writeWhole(ctx, s.writes, fn)
	}
	if s.tx.done {
		return errTxDone
	}
	return fn(s.writes.onTx(s.tx.tx))
}

// writeWhole runs fn, a write, on a store.TxAllOrNothing transaction: no
// savepoint; a failure fails the transaction. t.mu must be held.
func (t *txState) writeWhole(ctx context.Context, writes *preparedPool, fn func(q querier) error) error {
	if t.done {
		return errTxDone
	}
	if t.failed != nil {
		return fmt.Errorf("store: a write of this transaction failed before: %w", t.failed)
	}
	err := fn(writes.onTx(t.tx))
	if err != nil {
		t.failed = err
	}
	return err
}

// inTx runs fn in a new write transaction, committing when fn returns nil
// and rolling back otherwise (or when fn panics). fn's error is returned
// as it is.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	return commitTx(tx, fn)
}

// writeUnsynced runs fn as write does, for the outbox's bookkeeping
// (claims and settles): a transaction of its own commits without waiting
// for the disk (Dialect.Unsynced), since losing it to a crash of the
// machine means a message claimed or sent again, and it is not counted
// among the writes WaitWritesIdle waits for. Inside a transaction it is
// write.
func (s *Store) writeUnsynced(ctx context.Context, fn func(q querier) error) error {
	if s.tx != nil {
		return s.write(ctx, fn)
	}
	return s.retried(ctx, func() error {
		return s.inUnsyncedTx(ctx, s.d.Unsynced, func(tx *sql.Tx) error { return fn(s.writes.onTx(tx)) })
	})
}

// inUnsyncedTx runs fn in a write transaction committed as u says, on a
// connection of its own for u's statements around it; as inTx when u is
// zero.
func (s *Store) inUnsyncedTx(ctx context.Context, u Unsynced, fn func(tx *sql.Tx) error) (err error) {
	if u == (Unsynced{}) {
		return s.inTx(ctx, fn)
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if u.After != "" {
			// Restored even when ctx ended, so that the connection's next
			// user commits synced; a connection where that fails is closed.
			if _, aerr := conn.ExecContext(context.WithoutCancel(ctx), u.After); aerr != nil {
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
				err = errors.Join(err, fmt.Errorf("store: after an unsynced commit: %w", aerr))
			}
		}
		conn.Close()
	}()
	if u.Before != "" {
		if _, err := conn.ExecContext(ctx, u.Before); err != nil {
			return fmt.Errorf("store: begin: %w", err)
		}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	if u.First != "" {
		if _, err := tx.ExecContext(ctx, u.First); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("store: begin: %w", err)
		}
	}
	return commitTx(tx, fn)
}

// commitTx runs fn on tx and commits it, or rolls it back when fn fails.
func commitTx(tx *sql.Tx, fn func(tx *sql.Tx) error) (err error) {
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	committed = true
	return nil
}

// savepoint starts a savepoint and returns its name. t.mu must be held.
func (t *txState) savepoint(ctx context.Context) (string, error) {
	if t.done {
		return "", errTxDone
	}
	t.sp++
	name := fmt.Sprintf("sp%d", t.sp)
	if _, err := t.tx.ExecContext(ctx, "SAVEPOINT "+name); err != nil {
		return "", fmt.Errorf("store: savepoint: %w", err)
	}
	return name, nil
}

// release ends savepoint name: keeps its writes when err is nil, undoes
// them otherwise, and returns err. t.mu must be held.
func (t *txState) release(ctx context.Context, name string, err error) error {
	if t.done {
		if err != nil {
			return err
		}
		return errTxDone
	}
	// The statements that end a savepoint must run even if the caller's
	// context has just been canceled.
	ctx = context.WithoutCancel(ctx)
	if err != nil {
		if _, rerr := t.tx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return errors.Join(err, fmt.Errorf("store: rollback to savepoint: %w", rerr))
		}
	}
	if _, rerr := t.tx.ExecContext(ctx, "RELEASE SAVEPOINT "+name); rerr != nil {
		return errors.Join(err, fmt.Errorf("store: release savepoint: %w", rerr))
	}
	return err
}

// Tx runs fn in one transaction. On a transaction's Store, it runs fn in a
// savepoint of that transaction: fn's writes are undone if fn fails, and
// the enclosing transaction goes on. A panic in fn rolls back and goes on.
//
// fn must use only the Store it is given: a write through the outer Store
// waits for the transaction to end (on SQLite, whose writes go through one
// connection, forever, or until its context ends), and a read through it
// does not see the transaction's writes.
//
// When fn or the commit fails with an error the dialect retries
// (Dialect.Retryable: on PostgreSQL a deadlock or a serialization
// failure, which end a transaction that did nothing wrong), the
// transaction is rolled back and fn runs again in a new one, up to
// maxWriteAttempts times in all: fn must leave nothing behind from a run
// that the next would see (reset what it assigns outside itself).
//
// With store.TxAllOrNothing, writes take no savepoint, and a write that
// failed fails the transaction: it rolls back, whatever fn returns.
func (s *Store) Tx(ctx context.Context, fn func(tx store.Store) error, opts ...store.TxOption) error {
	if s.tx != nil {
		return s.nestedTx(ctx, fn)
	}
	s.gate.enter()
	defer s.gate.leave()
	return s.retried(ctx, func() error { return s.txOnce(ctx, fn, opts) })
}

// txOnce is one attempt of Tx: fn in a new transaction.
func (s *Store) txOnce(ctx context.Context, fn func(tx store.Store) error, opts []store.TxOption) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	st := &txState{tx: tx, allOrNothing: slices.Contains(opts, store.TxAllOrNothing)}
	child := &Store{d: s.d, w: s.w, r: s.r, q: s.q, reads: s.reads, writes: s.writes, tx: st, gate: s.gate}
	committed := false
	defer func() {
		if !committed {
			st.mu.Lock()
			st.done = true
			_ = tx.Rollback()
			st.mu.Unlock()
		}
	}()
	if err := fn(child); err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.failed != nil {
		return fmt.Errorf("store: a write of the transaction failed: %w", st.failed)
	}
	st.done = true
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	committed = true
	return nil
}

// nestedTx runs fn in a savepoint of s's transaction.
func (s *Store) nestedTx(ctx context.Context, fn func(tx store.Store) error) (err error) {
	s.tx.mu.Lock()
	name, err := s.tx.savepoint(ctx)
	s.tx.mu.Unlock()
	if err != nil {
		return err
	}
	finished := false
	defer func() {
		if !finished { // fn panicked: undo its writes, then let the panic go on
			s.tx.mu.Lock()
			_ = s.tx.release(ctx, name, errors.New("panic"))
			s.tx.mu.Unlock()
		}
	}()
	fnErr := fn(s)
	finished = true
	s.tx.mu.Lock()
	defer s.tx.mu.Unlock()
	return s.tx.release(ctx, name, fnErr)
}

// Close closes the store's connection pools. On a transaction's Store it
// does nothing but report misuse: the transaction ends when Tx returns.
func (s *Store) Close() error {
	if s.tx != nil {
		return errors.New("store: Close called on a transaction's Store")
	}
	s.reads.close()
	s.writes.close()
	var errs []error
	for _, db := range s.closers {
		if err := db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("store: close: %w", err))
		}
	}
	return errors.Join(errs...)
}
