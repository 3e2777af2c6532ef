package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/clerkgo/clerk/emulator/store"
)

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
