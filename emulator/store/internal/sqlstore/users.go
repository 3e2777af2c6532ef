package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"github.com/clerkgo/clerk/emulator/store"
)

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
