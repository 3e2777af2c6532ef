// Package storetest is the one test suite of store.Store, run by every
// implementation (sqlite, postgres) so that they behave alike:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { ... })
//	}
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/clerkgo/clerk/emulator/store"
)

// testCase is one case of the suite, run on a store of its own.
type testCase struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// Run runs the suite. open must return a new, empty store for the test t
// and close it when t ends (t.Cleanup). Cases run in parallel, each on its
// own store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	var cases []testCase
	cases = append(cases, instanceCases...)
	cases = append(cases, userCases...)
	cases = append(cases, listCases...)
	cases = append(cases, objectCases...)
	cases = append(cases, txCases...)
	cases = append(cases, textCases...)
	cases = append(cases, sortedCases...)
	cases = append(cases, refCases...)
	cases = append(cases, outboxCases...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, open(t))
		})
	}
}

// --- helpers ----------------------------------------------------------------

// ctx is the context of the calls made by a test.
func ctx(t *testing.T) context.Context { return t.Context() }

func mustInsertUser(t *testing.T, s store.Store, u *store.User) {
	t.Helper()
	if err := s.InsertUser(ctx(t), u); err != nil {
		t.Fatalf("InsertUser(%s): %v", u.ID, err)
	}
}

func mustUser(t *testing.T, s store.Store, id string) *store.User {
	t.Helper()
	u, err := s.User(ctx(t), id)
	if err != nil {
		t.Fatalf("User(%s): %v", id, err)
	}
	return u
}

func mustInsertObject(t *testing.T, s store.Store, o *store.Object) {
	t.Helper()
	if err := s.InsertObject(ctx(t), o); err != nil {
		t.Fatalf("InsertObject(%s %s): %v", o.Kind, o.ID, err)
	}
}

func mustObject(t *testing.T, s store.Store, kind, id string) *store.Object {
	t.Helper()
	o, err := s.Object(ctx(t), kind, id)
	if err != nil {
		t.Fatalf("Object(%s, %s): %v", kind, id, err)
	}
	return o
}

// wantNotFound fails t unless err is store.ErrNotFound.
func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("%s: error %v, want store.ErrNotFound", what, err)
	}
}

// wantConflict fails t unless err is a *store.ConflictError on kind and
// value.
func wantConflict(t *testing.T, what string, err error, kind, value string) {
	t.Helper()
	var ce *store.ConflictError
	if !errors.As(err, &ce) {
		t.Fatalf("%s: error %v, want *store.ConflictError{%s, %q}", what, err, kind, value)
	}
	if ce.Kind != kind || ce.Value != value {
		t.Fatalf("%s: conflict on %s %q, want %s %q", what, ce.Kind, ce.Value, kind, value)
	}
}

// normUser returns a copy of u as a store returns it: an empty Doc as nil,
// no identifiers as nil, and each identifier's UserID the user's.
func normUser(u *store.User) store.User {
	c := *u
	if len(c.Doc) == 0 {
		c.Doc = nil
	}
	if len(c.Identifiers) == 0 {
		c.Identifiers = nil
	} else {
		c.Identifiers = append([]store.Identifier(nil), c.Identifiers...)
		for i := range c.Identifiers {
			c.Identifiers[i].UserID = c.ID
		}
	}
	return c
}

// wantUser fails t unless got equals want as a store returns it.
func wantUser(t *testing.T, got, want *store.User) {
	t.Helper()
	g, w := normUser(got), normUser(want)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("user %s:\n got %+v\nwant %+v", want.ID, g, w)
	}
	if !bytes.Equal(got.Doc, want.Doc) {
		t.Fatalf("user %s: doc %q, want %q", want.ID, got.Doc, want.Doc)
	}
}

// normObject returns a copy of o with an empty Doc as nil.
func normObject(o *store.Object) store.Object {
	c := *o
	if len(c.Doc) == 0 {
		c.Doc = nil
	}
	return c
}

// wantObject fails t unless got equals want as a store returns it.
func wantObject(t *testing.T, got, want *store.Object) {
	t.Helper()
	g, w := normObject(got), normObject(want)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("object %s %s:\n got %+v\nwant %+v", want.Kind, want.ID, g, w)
	}
}

// userIDs returns the IDs of users, in order.
func userIDs(users []*store.User) []string {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	return ids
}

// objectIDs returns the IDs of objs, in order.
func objectIDs(objs []*store.Object) []string {
	ids := make([]string, len(objs))
	for i, o := range objs {
		ids[i] = o.ID
	}
	return ids
}

// wantIDs fails t unless got and want hold the same IDs in the same order
// (nil and empty alike).
func wantIDs(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

// email returns an email address identifier.
func email(id, value string) store.Identifier {
	return store.Identifier{ID: id, Kind: store.KindEmailAddress, Value: value}
}

// simpleUser returns a user with one email address.
func simpleUser(id, addr string, createdAt int64) *store.User {
	return &store.User{
		ID: id, CreatedAt: createdAt, UpdatedAt: createdAt,
		PrimaryEmail: addr,
		Identifiers:  []store.Identifier{email("idn_"+id, addr)},
		Doc:          fmt.Appendf(nil, `{"id":%q}`, id),
	}
}
