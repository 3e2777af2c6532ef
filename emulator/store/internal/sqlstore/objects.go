package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/clerkgo/clerk/emulator/store"
)

// InsertObject saves a new object.
func (s *Store) InsertObject(ctx context.Context, o *store.Object) error {
	if err := checkObject(o); err != nil {
		return err
	}
	return s.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, s.q.insertObject, o.Kind, o.ID, o.UserID, o.Ref, o.Status, nullIfEmpty(o.Unique),
			o.SortKey, o.SortNum, o.Search, o.CreatedAt, o.UpdatedAt, docArg(o.Doc), strings.ToLower(o.Search))
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

// Object returns an object of a kind by ID, or store.ErrNotFound. Inside
// Tx it locks the object's row until the transaction ends.
func (s *Store) Object(ctx context.Context, kind, id string) (*store.Object, error) {
	if s.tx != nil {
		return s.oneObject(ctx, s.q.objectForUpdate, kind, id)
	}
	return s.oneObject(ctx, s.q.object, kind, id)
}

// ObjectByUnique returns the object of a kind with a unique key, or
// store.ErrNotFound. Inside Tx it locks the object's row until the
// transaction ends.
func (s *Store) ObjectByUnique(ctx context.Context, kind, unique string) (*store.Object, error) {
	if unique == "" {
		return nil, store.ErrNotFound
	}
	if s.tx != nil {
		return s.oneObject(ctx, s.q.objectByUniqueForUpdate, kind, unique)
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
		res, err := q.ExecContext(ctx, s.q.updateObject, o.UserID, o.Ref, o.Status, nullIfEmpty(o.Unique),
			o.SortKey, o.SortNum, o.Search, strings.ToLower(o.Search), o.UpdatedAt, docArg(o.Doc), o.Kind, o.ID)
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

// errEmptyRef is returned by DeleteObjectsByRef for "", which would name
// every object that has no reference.
var errEmptyRef = errors.New("store: DeleteObjectsByRef: empty ref")

// DeleteObjectsByRef deletes the objects, of every kind, whose Ref is ref,
// and returns how many it deleted.
func (s *Store) DeleteObjectsByRef(ctx context.Context, ref string) (int64, error) {
	if ref == "" {
		return 0, errEmptyRef
	}
	if !storable(ref) {
		return 0, nil
	}
	var n int64
	err := s.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, s.q.deleteObjectsByRef, ref)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: delete objects of %s: %w", ref, err)
	}
	return n, nil
}

// ListObjects returns the objects matching q, ordered and paged as q says.
func (s *Store) ListObjects(ctx context.Context, q store.ObjectQuery) ([]*store.Object, error) {
	if _, ok := objectOrders[q.OrderBy]; !ok {
		return nil, fmt.Errorf("store: cannot order %s by %q", q.Kind, q.OrderBy)
	}
	q, ok := storableObjectQuery(q)
	if !ok {
		return nil, nil
	}
	query, args, err := ObjectListQuery(s.d, q)
	if err != nil {
		return nil, err
	}
	var objs []*store.Object
	err = s.read(ctx, func(qr querier) error {
		var err error
		objs, err = scanObjects(qr.QueryContext(ctx, query, args...))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list %s: %w", q.Kind, err)
	}
	return objs, nil
}

// CountObjects counts the objects matching q's filters.
func (s *Store) CountObjects(ctx context.Context, q store.ObjectQuery) (int64, error) {
	q, ok := storableObjectQuery(q)
	if !ok {
		return 0, nil
	}
	b := &builder{d: s.d}
	b.sql(`SELECT COUNT(*) FROM objects o`)
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

// objectFields are the Scan destinations of objectColumns, in order.
func objectFields(o *store.Object, unique *sql.NullString) []any {
	return []any{&o.Kind, &o.ID, &o.UserID, &o.Ref, &o.Status, unique, &o.SortKey, &o.SortNum, &o.Search,
		&o.CreatedAt, &o.UpdatedAt, &o.Doc}
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
		if err := rows.Scan(objectFields(o, &unique)...); err != nil {
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
