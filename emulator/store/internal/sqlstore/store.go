package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
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
	tx    *txState // nil outside a transaction
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
}

// maxWriteAttempts bounds the retries of a write transaction that failed
// with a retryable error (a PostgreSQL deadlock between two UpdateUsers
// swapping identifiers, for instance).
const maxWriteAttempts = 5

// New returns a Store that writes through w and reads through r (which may
// be w). Close closes both. The schema must have been migrated.
func New(ctx context.Context, d *Dialect, w, r *sql.DB) (*Store, error) {
	s := &Store{d: d, w: w, r: r, q: newQueries(d), closers: []*sql.DB{w}}
	if r != w {
		s.closers = append(s.closers, r)
	}
	// The reads of one row by key, which run outside transactions.
	reads, err := prepare(ctx, r, s.q.userWithIdentifiers, s.q.identifier, s.q.object, s.q.objectByUnique)
	if err != nil {
		return nil, err
	}
	s.reads = reads
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

func (p *preparedPool) close() {
	for _, st := range p.stmts {
		st.Close()
	}
}

// queries are the static statements, rebound for the dialect once.
type queries struct {
	instance, putInstance                                string
	insertUser, updateUser, deleteUser                   string
	userForUpdate, userWithIdentifiers                   string
	insertIdentifier, identifiersOf, deleteIdentifiersOf string
	identifier                                           string
	insertObject, updateObject, object, objectByUnique   string
	deleteObject, deleteObjectsOf                        string
}

const userColumns = `id, created_at, updated_at, last_active_at, last_sign_in_at, first_name, last_name,
	username, external_id, primary_email, primary_phone, primary_web3_wallet, doc`

const objectColumns = `kind, id, user_id, ref, status, unique_key, created_at, updated_at, doc`

func newQueries(d *Dialect) queries {
	return queries{
		instance: `SELECT id, secret_key, publishable_key, signing_key_pem, created_at, doc FROM instance WHERE singleton = 1`,
		putInstance: d.rebind(`INSERT INTO instance (singleton, id, secret_key, publishable_key, signing_key_pem, created_at, doc)
			VALUES (1, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (singleton) DO UPDATE SET id = excluded.id, secret_key = excluded.secret_key,
				publishable_key = excluded.publishable_key, signing_key_pem = excluded.signing_key_pem,
				created_at = excluded.created_at, doc = excluded.doc`),
		insertUser: d.rebind(`INSERT INTO users (id, created_at, updated_at, last_active_at, last_sign_in_at, first_name, last_name,
			username, external_id, primary_email, primary_phone, primary_web3_wallet, doc, search)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		updateUser: d.rebind(`UPDATE users SET created_at = ?, updated_at = ?, last_active_at = ?, last_sign_in_at = ?,
			first_name = ?, last_name = ?, username = ?, external_id = ?, primary_email = ?, primary_phone = ?,
			primary_web3_wallet = ?, doc = ?, search = ? WHERE id = ?`),
		userForUpdate: d.rebind(`SELECT `+userColumns+` FROM users WHERE id = ?`) + d.RowLock,
		// A user and its identifiers in one statement, so in one snapshot
		// without a transaction: one row per identifier, or one row of
		// NULL identifier columns when it has none.
		userWithIdentifiers: d.rebind(`SELECT u.id, u.created_at, u.updated_at, u.last_active_at, u.last_sign_in_at,
			u.first_name, u.last_name, u.username, u.external_id, u.primary_email, u.primary_phone,
			u.primary_web3_wallet, u.doc, i.id, i.kind, i.value
			FROM users u LEFT JOIN identifiers i ON i.user_id = u.id WHERE u.id = ? ORDER BY i.position`),
		deleteUser:          d.rebind(`DELETE FROM users WHERE id = ?`),
		insertIdentifier:    d.rebind(`INSERT INTO identifiers (kind, value, id, user_id, position) VALUES (?, ?, ?, ?, ?)`),
		identifiersOf:       d.rebind(`SELECT id, user_id, kind, value FROM identifiers WHERE user_id = ? ORDER BY position`),
		deleteIdentifiersOf: d.rebind(`DELETE FROM identifiers WHERE user_id = ?`),
		identifier:          d.rebind(`SELECT id, user_id, kind, value FROM identifiers WHERE id = ?`),
		insertObject: d.rebind(`INSERT INTO objects (` + objectColumns + `)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		updateObject: d.rebind(`UPDATE objects SET user_id = ?, ref = ?, status = ?, unique_key = ?, updated_at = ?, doc = ?
			WHERE kind = ? AND id = ?`),
		object:          d.rebind(`SELECT ` + objectColumns + ` FROM objects WHERE kind = ? AND id = ?`),
		objectByUnique:  d.rebind(`SELECT ` + objectColumns + ` FROM objects WHERE kind = ? AND unique_key = ?`),
		deleteObject:    d.rebind(`DELETE FROM objects WHERE kind = ? AND id = ?`),
		deleteObjectsOf: d.rebind(`DELETE FROM objects WHERE user_id = ?`),
	}
}

// --- plumbing ---------------------------------------------------------

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
		return fn(s.tx.tx)
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
		name, err := s.tx.savepoint(ctx)
		if err != nil {
			return err
		}
		return s.tx.release(ctx, name, fn(s.tx.tx))
	}
	for attempt := 1; ; attempt++ {
		err := s.inTx(ctx, func(tx *sql.Tx) error { return fn(tx) })
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

// inTx runs fn in a new write transaction, committing when fn returns nil
// and rolling back otherwise (or when fn panics). fn's error is returned
// as it is.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
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
// does not see the transaction's writes. Tx does not retry fn.
func (s *Store) Tx(ctx context.Context, fn func(tx store.Store) error) (err error) {
	if s.tx != nil {
		return s.nestedTx(ctx, fn)
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	st := &txState{tx: tx}
	child := &Store{d: s.d, w: s.w, r: s.r, q: s.q, reads: s.reads, tx: st}
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
	var errs []error
	for _, db := range s.closers {
		if err := db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("store: close: %w", err))
		}
	}
	return errors.Join(errs...)
}

// --- instance -----------------------------------------------------------

// Instance returns the instance settings, or store.ErrNotFound.
func (s *Store) Instance(ctx context.Context) (*store.Instance, error) {
	var in store.Instance
	err := s.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, s.q.instance).Scan(&in.ID, &in.SecretKey, &in.PublishableKey,
			&in.SigningKeyPEM, &in.CreatedAt, &in.Doc)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read instance: %w", err)
	}
	in.Doc = normDoc(in.Doc)
	return &in, nil
}

// PutInstance saves the instance settings, replacing earlier ones.
func (s *Store) PutInstance(ctx context.Context, in *store.Instance) error {
	if in == nil {
		return errors.New("store: PutInstance: nil instance")
	}
	return s.write(ctx, func(q querier) error {
		if _, err := q.ExecContext(ctx, s.q.putInstance, in.ID, in.SecretKey, in.PublishableKey,
			in.SigningKeyPEM, in.CreatedAt, docArg(in.Doc)); err != nil {
			return fmt.Errorf("store: put instance: %w", err)
		}
		return nil
	})
}

// --- users ----------------------------------------------------------------

// InsertUser saves a new user and its identifiers.
func (s *Store) InsertUser(ctx context.Context, u *store.User) error {
	if err := checkUser(u); err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, s.q.insertUser, u.ID, u.CreatedAt, u.UpdatedAt, u.LastActiveAt, u.LastSignInAt,
			u.FirstName, u.LastName, u.Username, u.ExternalID, u.PrimaryEmail, u.PrimaryPhone, u.PrimaryWeb3Wallet,
			docArg(u.Doc), searchText(u))
		if s.d.Violation(err) != NoViolation {
			return &store.ConflictError{Kind: "id", Value: u.ID}
		}
		if err != nil {
			return fmt.Errorf("store: insert user %s: %w", u.ID, err)
		}
		return s.insertIdentifiers(ctx, q, u)
	})
}

// UpdateUser replaces a user, its document and its identifiers.
func (s *Store) UpdateUser(ctx context.Context, u *store.User) error {
	if err := checkUser(u); err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, s.q.updateUser, u.CreatedAt, u.UpdatedAt, u.LastActiveAt, u.LastSignInAt,
			u.FirstName, u.LastName, u.Username, u.ExternalID, u.PrimaryEmail, u.PrimaryPhone, u.PrimaryWeb3Wallet,
			docArg(u.Doc), searchText(u), u.ID)
		if err := affectedOne(res, err); err != nil {
			return wrapNotFound(err, "update user %s", u.ID)
		}
		if _, err := q.ExecContext(ctx, s.q.deleteIdentifiersOf, u.ID); err != nil {
			return fmt.Errorf("store: update user %s: delete identifiers: %w", u.ID, err)
		}
		return s.insertIdentifiers(ctx, q, u)
	})
}

// insertIdentifiers inserts u's identifiers, one statement each so that a
// violated constraint names the identifier, in (kind, value) order so that
// concurrent writers lock rows in the same order.
func (s *Store) insertIdentifiers(ctx context.Context, q querier, u *store.User) error {
	order := make([]int, len(u.Identifiers))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool {
		x, y := &u.Identifiers[order[a]], &u.Identifiers[order[b]]
		if x.Kind != y.Kind {
			return x.Kind < y.Kind
		}
		return x.Value < y.Value
	})
	for _, pos := range order {
		idn := &u.Identifiers[pos]
		_, err := q.ExecContext(ctx, s.q.insertIdentifier, idn.Kind, idn.Value, nullIfEmpty(idn.ID), u.ID, pos)
		switch s.d.Violation(err) {
		case PrimaryKeyViolation:
			return &store.ConflictError{Kind: idn.Kind, Value: idn.Value}
		case UniqueViolation:
			return &store.ConflictError{Kind: "id", Value: idn.ID}
		}
		if err != nil {
			return fmt.Errorf("store: user %s: insert identifier: %w", u.ID, err)
		}
	}
	return nil
}

// User returns a user by ID, or store.ErrNotFound.
func (s *Store) User(ctx context.Context, id string) (*store.User, error) {
	if !storable(id) {
		return nil, fmt.Errorf("store: read user: %w", store.ErrNotFound)
	}
	var u *store.User
	var err error
	if s.tx == nil {
		u, err = scanUserWithIdentifiers(s.reads.QueryContext(ctx, s.q.userWithIdentifiers, id))
	} else {
		err = s.read(ctx, func(q querier) error {
			// Read to be modified: lock the row.
			rows, err := q.QueryContext(ctx, s.q.userForUpdate, id)
			if err != nil {
				return err
			}
			users, err := scanUsers(rows)
			if err != nil {
				return err
			}
			if len(users) == 0 {
				return store.ErrNotFound
			}
			u = users[0]
			return s.loadIdentifiers(ctx, q, users)
		})
	}
	if err != nil {
		return nil, wrapNotFound(err, "read user %s", id)
	}
	return u, nil
}

// scanUserWithIdentifiers reads the rows of the userWithIdentifiers query:
// the user, or store.ErrNotFound.
func scanUserWithIdentifiers(rows *sql.Rows, err error) (*store.User, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var u *store.User
	for rows.Next() {
		var row store.User
		var idnID, kind, value sql.NullString
		if err := rows.Scan(append(userFields(&row), &idnID, &kind, &value)...); err != nil {
			return nil, err
		}
		if u == nil {
			row.Doc = normDoc(row.Doc)
			u = &row
		}
		if kind.Valid {
			u.Identifiers = append(u.Identifiers, store.Identifier{ID: idnID.String, UserID: u.ID,
				Kind: kind.String, Value: value.String})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if u == nil {
		return nil, store.ErrNotFound
	}
	return u, nil
}

// DeleteUser deletes a user, its identifiers and its objects.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	if !storable(id) {
		return fmt.Errorf("store: delete user: %w", store.ErrNotFound)
	}
	return s.write(ctx, func(q querier) error {
		if _, err := q.ExecContext(ctx, s.q.deleteIdentifiersOf, id); err != nil {
			return fmt.Errorf("store: delete user %s: identifiers: %w", id, err)
		}
		res, err := q.ExecContext(ctx, s.q.deleteUser, id)
		if err := affectedOne(res, err); err != nil {
			return wrapNotFound(err, "delete user %s", id)
		}
		if _, err := q.ExecContext(ctx, s.q.deleteObjectsOf, id); err != nil {
			return fmt.Errorf("store: delete user %s: objects: %w", id, err)
		}
		return nil
	})
}

// ListUsers returns the users matching q, ordered and paged as q says.
func (s *Store) ListUsers(ctx context.Context, q store.UserQuery) ([]*store.User, error) {
	q, ok, err := storableUserQuery(q)
	if !ok {
		return nil, err
	}
	query, args, err := UserListQuery(s.d, q)
	if err != nil {
		return nil, err
	}
	var users []*store.User
	err = s.snapshot(ctx, func(qr querier) error {
		rows, err := qr.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		if users, err = scanUsers(rows); err != nil {
			return err
		}
		return s.loadIdentifiers(ctx, qr, users)
	})
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", err)
	}
	return users, nil
}

// CountUsers counts the users matching q.
func (s *Store) CountUsers(ctx context.Context, q store.UserQuery) (int64, error) {
	q, ok, err := storableUserQuery(q)
	if !ok {
		return 0, err
	}
	b := &builder{d: s.d}
	b.sql(`SELECT COUNT(*) FROM users u`)
	b.userWhere(&q)
	var n int64
	err = s.read(ctx, func(qr querier) error {
		return qr.QueryRowContext(ctx, b.String(), b.args...).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("store: count users: %w", err)
	}
	return n, nil
}

// Identifier returns an identifier by its ID, or store.ErrNotFound.
func (s *Store) Identifier(ctx context.Context, id string) (*store.Identifier, error) {
	if id == "" || !storable(id) {
		return nil, store.ErrNotFound
	}
	var idn store.Identifier
	var idnID sql.NullString
	err := s.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, s.q.identifier, id).Scan(&idnID, &idn.UserID, &idn.Kind, &idn.Value)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read identifier %s: %w", id, err)
	}
	idn.ID = idnID.String
	return &idn, nil
}

// identifierBatch bounds the IDs bound in one statement when loading the
// identifiers of a list of users (SQLite allows 32,766 parameters).
const identifierBatch = 500

// loadIdentifiers fills in the identifiers of users, in their stored order.
func (s *Store) loadIdentifiers(ctx context.Context, q querier, users []*store.User) error {
	if len(users) == 1 {
		idns, err := scanIdentifiers(q.QueryContext(ctx, s.q.identifiersOf, users[0].ID))
		if err != nil {
			return err
		}
		users[0].Identifiers = idns
		return nil
	}
	byID := make(map[string]*store.User, len(users))
	for start := 0; start < len(users); start += identifierBatch {
		batch := users[start:min(start+identifierBatch, len(users))]
		ids := make([]string, len(batch))
		for i, u := range batch {
			ids[i] = u.ID
			byID[u.ID] = u
		}
		b := &builder{d: s.d}
		b.sql(`SELECT id, user_id, kind, value FROM identifiers WHERE user_id IN (`).list(ids).
			sql(`) ORDER BY user_id, position`)
		idns, err := scanIdentifiers(q.QueryContext(ctx, b.String(), b.args...))
		if err != nil {
			return err
		}
		for _, idn := range idns {
			u := byID[idn.UserID]
			u.Identifiers = append(u.Identifiers, idn)
		}
	}
	return nil
}

// userFields are the Scan destinations of userColumns, in order.
func userFields(u *store.User) []any {
	return []any{&u.ID, &u.CreatedAt, &u.UpdatedAt, &u.LastActiveAt, &u.LastSignInAt, &u.FirstName, &u.LastName,
		&u.Username, &u.ExternalID, &u.PrimaryEmail, &u.PrimaryPhone, &u.PrimaryWeb3Wallet, &u.Doc}
}

func scanUsers(rows *sql.Rows) ([]*store.User, error) {
	defer rows.Close()
	users := []*store.User{}
	for rows.Next() {
		u := &store.User{}
		if err := rows.Scan(userFields(u)...); err != nil {
			return nil, err
		}
		u.Doc = normDoc(u.Doc)
		users = append(users, u)
	}
	return users, rows.Err()
}

func scanIdentifiers(rows *sql.Rows, err error) ([]store.Identifier, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var idns []store.Identifier
	for rows.Next() {
		var idn store.Identifier
		var id sql.NullString
		if err := rows.Scan(&id, &idn.UserID, &idn.Kind, &idn.Value); err != nil {
			return nil, err
		}
		idn.ID = id.String
		idns = append(idns, idn)
	}
	return idns, rows.Err()
}

func checkUser(u *store.User) error {
	if u == nil {
		return errors.New("store: nil user")
	}
	if u.ID == "" {
		return errors.New("store: user has no ID")
	}
	return checkUserText(u)
}

// --- objects --------------------------------------------------------------

// InsertObject saves a new object.
func (s *Store) InsertObject(ctx context.Context, o *store.Object) error {
	if err := checkObject(o); err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, s.q.insertObject, o.Kind, o.ID, o.UserID, o.Ref, o.Status, nullIfEmpty(o.Unique),
			o.CreatedAt, o.UpdatedAt, docArg(o.Doc))
		switch s.d.Violation(err) {
		case PrimaryKeyViolation:
			return &store.ConflictError{Kind: "id", Value: o.ID}
		case UniqueViolation:
			return &store.ConflictError{Kind: o.Kind, Value: o.Unique}
		}
		if err != nil {
			return fmt.Errorf("store: insert %s %s: %w", o.Kind, o.ID, err)
		}
		return nil
	})
}

// Object returns an object of a kind by ID, or store.ErrNotFound.
func (s *Store) Object(ctx context.Context, kind, id string) (*store.Object, error) {
	return s.oneObject(ctx, s.q.object, kind, id)
}

// ObjectByUnique returns the object of a kind with a unique key, or
// store.ErrNotFound.
func (s *Store) ObjectByUnique(ctx context.Context, kind, unique string) (*store.Object, error) {
	if unique == "" {
		return nil, store.ErrNotFound
	}
	return s.oneObject(ctx, s.q.objectByUnique, kind, unique)
}

func (s *Store) oneObject(ctx context.Context, query, kind, key string) (*store.Object, error) {
	if !storable(kind) || !storable(key) {
		return nil, store.ErrNotFound
	}
	var objs []*store.Object
	err := s.read(ctx, func(q querier) error {
		var err error
		objs, err = scanObjects(q.QueryContext(ctx, query, kind, key))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: read %s %s: %w", kind, key, err)
	}
	if len(objs) == 0 {
		return nil, store.ErrNotFound
	}
	return objs[0], nil
}

// UpdateObject replaces an object but for its Kind, ID and CreatedAt.
func (s *Store) UpdateObject(ctx context.Context, o *store.Object) error {
	if err := checkObject(o); err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, s.q.updateObject, o.UserID, o.Ref, o.Status, nullIfEmpty(o.Unique), o.UpdatedAt,
			docArg(o.Doc), o.Kind, o.ID)
		if s.d.Violation(err) != NoViolation {
			return &store.ConflictError{Kind: o.Kind, Value: o.Unique}
		}
		if err := affectedOne(res, err); err != nil {
			return wrapNotFound(err, "update %s %s", o.Kind, o.ID)
		}
		return nil
	})
}

// DeleteObject deletes an object, or returns store.ErrNotFound.
func (s *Store) DeleteObject(ctx context.Context, kind, id string) error {
	if !storable(kind) || !storable(id) {
		return fmt.Errorf("store: delete %s: %w", kind, store.ErrNotFound)
	}
	return s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, s.q.deleteObject, kind, id)
		if err := affectedOne(res, err); err != nil {
			return wrapNotFound(err, "delete %s %s", kind, id)
		}
		return nil
	})
}

// ListObjects returns the objects matching q, newest first unless
// q.Ascending (ties broken by ID in the same direction).
func (s *Store) ListObjects(ctx context.Context, q store.ObjectQuery) ([]*store.Object, error) {
	if !storableObjectQuery(q) {
		return nil, nil
	}
	b := &builder{d: s.d}
	b.sql(`SELECT ` + objectColumns + ` FROM objects`)
	b.objectWhere(&q)
	if q.Ascending {
		b.sql(` ORDER BY created_at ASC, id ASC`)
	} else {
		b.sql(` ORDER BY created_at DESC, id DESC`)
	}
	b.page(q.Limit, q.Offset)
	var objs []*store.Object
	err := s.read(ctx, func(qr querier) error {
		var err error
		objs, err = scanObjects(qr.QueryContext(ctx, b.String(), b.args...))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", q.Kind, err)
	}
	return objs, nil
}

// CountObjects counts the objects matching q.
func (s *Store) CountObjects(ctx context.Context, q store.ObjectQuery) (int64, error) {
	if !storableObjectQuery(q) {
		return 0, nil
	}
	b := &builder{d: s.d}
	b.sql(`SELECT COUNT(*) FROM objects`)
	b.objectWhere(&q)
	var n int64
	err := s.read(ctx, func(qr querier) error {
		return qr.QueryRowContext(ctx, b.String(), b.args...).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("store: count %s: %w", q.Kind, err)
	}
	return n, nil
}

func scanObjects(rows *sql.Rows, err error) ([]*store.Object, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	objs := []*store.Object{}
	for rows.Next() {
		o := &store.Object{}
		var unique sql.NullString
		if err := rows.Scan(&o.Kind, &o.ID, &o.UserID, &o.Ref, &o.Status, &unique, &o.CreatedAt, &o.UpdatedAt,
			&o.Doc); err != nil {
			return nil, err
		}
		o.Unique = unique.String
		o.Doc = normDoc(o.Doc)
		objs = append(objs, o)
	}
	return objs, rows.Err()
}

func checkObject(o *store.Object) error {
	if o == nil {
		return errors.New("store: nil object")
	}
	if o.Kind == "" || o.ID == "" {
		return errors.New("store: object has no kind or no ID")
	}
	return checkObjectText(o)
}

// --- helpers --------------------------------------------------------------

// errNoRow marks a statement that affected no row.
var errNoRow = errors.New("no row affected")

// affectedOne returns the statement's error, or errNoRow when it affected
// no row.
func affectedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return errNoRow
	}
	return nil
}

// wrapNotFound turns errNoRow into store.ErrNotFound, passes on
// store.ErrNotFound and *store.ConflictError as they are, and wraps any
// other error with what was being done.
func wrapNotFound(err error, format string, args ...any) error {
	var ce *store.ConflictError
	switch {
	case errors.Is(err, errNoRow), errors.Is(err, store.ErrNotFound):
		return store.ErrNotFound
	case errors.As(err, &ce):
		return err
	}
	return fmt.Errorf("store: "+format+": %w", append(args, err)...)
}

// docArg is the value bound for a document: never NULL.
func docArg(doc []byte) []byte {
	if doc == nil {
		return []byte{}
	}
	return doc
}

// normDoc returns an empty document as nil.
func normDoc(doc []byte) []byte {
	if len(doc) == 0 {
		return nil
	}
	return doc
}

// nullIfEmpty stores "" as NULL, for the unique columns where "" means
// none.
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
