package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/clerkgo/clerk/emulator/store"
)

// The mechanics every group shares for what it stores: reading, writing
// and listing stored objects with their JSON documents, paging, and
// turning the store's conflicts into Clerk's errors. A group's own files
// say which objects it keeps (their kind and keys); how they are kept is
// here, once.

// readObject decodes the document of a stored object into v, through st
// (the store, or a transaction's). A missing object is Clerk's not-found
// error, naming what ("Session", "Sign-in token", ...).
func readObject(ctx context.Context, st store.Store, kind, id, what string, v any) error {
	o, err := st.Object(ctx, kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound(what)
	}
	if err != nil {
		return err
	}
	return json.Unmarshal(o.Doc, v)
}

// putObject inserts (insert) or replaces o, with v encoded as its
// document.
func putObject(ctx context.Context, st store.Store, o store.Object, v any, insert bool) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	o.Doc = data
	if insert {
		return st.InsertObject(ctx, &o)
	}
	return st.UpdateObject(ctx, &o)
}

// decodeObjects decodes the documents of stored objects, in order.
func decodeObjects[T any](rows []*store.Object) ([]*T, error) {
	out := make([]*T, 0, len(rows))
	for _, r := range rows {
		v := new(T)
		if err := json.Unmarshal(r.Doc, v); err != nil {
			return nil, fmt.Errorf("emulator: %s %s: %w", r.Kind, r.ID, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// paging checks limit (1..500, default 10) and offset (≥ 0).
func paging(limit, offset *int64) (int, int, error) {
	l, o := int64(10), int64(0)
	if limit != nil {
		l = *limit
	}
	if offset != nil {
		o = *offset
	}
	if l < 1 || l > 500 {
		return 0, 0, invalid("limit", "limit must be between 1 and 500.")
	}
	if o < 0 {
		return 0, 0, invalid("offset", "offset must be 0 or more.")
	}
	return int(l), int(o), nil
}

// isConflict reports whether err is the store's *store.ConflictError: a
// unique key taken.
func isConflict(err error) bool {
	var conflict *store.ConflictError
	return errors.As(err, &conflict)
}

// identifierConflict turns a conflict on a user's identifier into Clerk's
// form_identifier_exists naming it; other errors pass through.
func identifierConflict(err error) error {
	var conflict *store.ConflictError
	if errors.As(err, &conflict) {
		return identifierExists(conflict.Kind)
	}
	return err
}

// retryOnConflict runs fn up to three times while it fails with a
// *store.ConflictError: the unique key of a one-per-user object (TOTP,
// profile image) taken by a concurrent request that replaced it first.
func retryOnConflict(fn func() error) error {
	var err error
	for range 3 {
		if err = fn(); !isConflict(err) {
			return err
		}
	}
	return err
}

// JSON is an answer of the API's type T, already encoded: a user's stored
// JSON served as it is (no decode, no encode), or an answer that carries,
// beside T's fields, what later API versions add to the 2021-02-05 models
// (an organization invitation's url, ...). The server writes it as it is.
type JSON[T any] []byte

// encodeJSON encodes v as the answer of type T.
func encodeJSON[T any](v any) (JSON[T], error) {
	data, err := json.Marshal(v)
	return JSON[T](data), err
}

// decodeObject decodes the document of one stored object.
func decodeObject[T any](o *store.Object) (*T, error) {
	rows, err := decodeObjects[T]([]*store.Object{o})
	if err != nil {
		return nil, err
	}
	return rows[0], nil
}

// listPage reads a page of the objects q selects, decoded, with the count
// of all of them: limit and offset as paging checks them.
func listPage[T any](ctx context.Context, st store.Store, q store.ObjectQuery, limit, offset *int64) ([]*T, int64, error) {
	total, err := st.CountObjects(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	if q.Limit, q.Offset, err = paging(limit, offset); err != nil {
		return nil, 0, err
	}
	rows, err := st.ListObjects(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	out, err := decodeObjects[T](rows)
	return out, total, err
}

// answerAll builds the answer of each record.
func answerAll[R, A any](records []*R, answer func(*R) (A, error)) ([]A, error) {
	out := make([]A, 0, len(records))
	for _, r := range records {
		a, err := answer(r)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}
