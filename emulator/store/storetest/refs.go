package storetest

import (
	"errors"
	"testing"

	"github.com/clerkgo/clerk/emulator/store"
)

// refFixture is two organizations with memberships, invitations and a
// domain each (Ref the organization's ID), and objects that merely look
// related: a ref that org_1 is a prefix of, an owner or a unique key
// equal to org_1, and objects without a ref.
func refFixture() []*store.Object {
	return []*store.Object{
		{Kind: "organization", ID: "org_1", Unique: "one"},
		{Kind: "organization", ID: "org_2", Unique: "two"},
		{Kind: "membership", ID: "mem_1", UserID: "user_1", Ref: "org_1", SortKey: "a"},
		{Kind: "membership", ID: "mem_2", UserID: "user_2", Ref: "org_1", SortKey: "b"},
		{Kind: "invitation", ID: "inv_1", Ref: "org_1", Unique: "org_1/a@example.com", Status: "pending"},
		{Kind: "domain", ID: "dom_1", Ref: "org_1", Unique: "example.com"},
		{Kind: "membership", ID: "mem_3", UserID: "user_1", Ref: "org_2"},
		{Kind: "invitation", ID: "inv_2", Ref: "org_2", Unique: "org_2/a@example.com"},
		{Kind: "session", ID: "sess_1", Ref: "org_10"},
		{Kind: "session", ID: "sess_2", UserID: "org_1"},
		{Kind: "session", ID: "sess_3", Unique: "org_1"},
	}
}

// wantObjectsThere fails t unless each of objs is there (by kind and ID),
// or is not, as there says.
func wantObjectsThere(t *testing.T, s store.Store, there bool, objs ...*store.Object) {
	t.Helper()
	for _, o := range objs {
		_, err := s.Object(ctx(t), o.Kind, o.ID)
		switch {
		case there && err != nil:
			t.Errorf("%s %s: %v, want it there", o.Kind, o.ID, err)
		case !there && !errors.Is(err, store.ErrNotFound):
			t.Errorf("%s %s: %v, want it deleted", o.Kind, o.ID, err)
		}
	}
}

// withRef splits objs into those whose Ref is ref and the others.
func withRef(objs []*store.Object, ref string) (with, without []*store.Object) {
	for _, o := range objs {
		if o.Ref == ref {
			with = append(with, o)
		} else {
			without = append(without, o)
		}
	}
	return with, without
}

var refCases = []testCase{
	{"DeleteObjectsByRef deletes the objects of every kind with the ref, and nothing else", func(t *testing.T, s store.Store) {
		fixture := refFixture()
		for _, o := range fixture {
			mustInsertObject(t, s, o)
		}
		gone, kept := withRef(fixture, "org_1")
		n, err := s.DeleteObjectsByRef(ctx(t), "org_1")
		if err != nil || n != int64(len(gone)) {
			t.Fatalf("DeleteObjectsByRef(org_1) = %d, %v; want %d", n, err, len(gone))
		}
		wantObjectsThere(t, s, false, gone...)
		wantObjectsThere(t, s, true, kept...)
		if c, err := s.CountObjects(ctx(t), store.ObjectQuery{Kind: "membership", Ref: "org_1"}); err != nil || c != 0 {
			t.Errorf("CountObjects(memberships of org_1) = %d, %v; want 0", c, err)
		}
		for _, ref := range []string{"org_1", "org_unknown", "org", "\x00", "\xff"} {
			if n, err := s.DeleteObjectsByRef(ctx(t), ref); err != nil || n != 0 {
				t.Errorf("DeleteObjectsByRef(%q) = %d, %v; want 0, nil", ref, n, err)
			}
		}
		wantObjectsThere(t, s, true, kept...)
		// The deleted objects' unique keys are free.
		mustInsertObject(t, s, &store.Object{Kind: "invitation", ID: "inv_9", Ref: "org_2", Unique: "org_1/a@example.com"})
		mustInsertObject(t, s, &store.Object{Kind: "domain", ID: "dom_9", Unique: "example.com"})
		n, err = s.DeleteObjectsByRef(ctx(t), "org_2")
		if err != nil || n != 3 {
			t.Fatalf("DeleteObjectsByRef(org_2) = %d, %v; want 3", n, err)
		}
	}},
	{"DeleteObjectsByRef with an empty ref is an error and deletes nothing", func(t *testing.T, s store.Store) {
		fixture := refFixture()
		for _, o := range fixture {
			mustInsertObject(t, s, o)
		}
		if n, err := s.DeleteObjectsByRef(ctx(t), ""); err == nil || n != 0 {
			t.Fatalf("DeleteObjectsByRef(\"\") = %d, %v; want an error", n, err)
		}
		wantObjectsThere(t, s, true, fixture...)
	}},
	{"DeleteObjectsByRef in a Tx is undone with it, and kept with it", func(t *testing.T, s store.Store) {
		fixture := refFixture()
		for _, o := range fixture {
			mustInsertObject(t, s, o)
		}
		gone, kept := withRef(fixture, "org_1")
		err := s.Tx(ctx(t), func(tx store.Store) error {
			n, err := tx.DeleteObjectsByRef(ctx(t), "org_1")
			if err != nil || n != int64(len(gone)) {
				t.Errorf("DeleteObjectsByRef in Tx = %d, %v; want %d", n, err, len(gone))
			}
			wantObjectsThere(t, tx, false, gone...)
			if c, err := tx.CountObjects(ctx(t), store.ObjectQuery{Kind: "invitation", Ref: "org_1"}); err != nil || c != 0 {
				t.Errorf("CountObjects in Tx = %d, %v; want 0", c, err)
			}
			return errRollback
		})
		if err != errRollback {
			t.Fatalf("Tx = %v, want %v", err, errRollback)
		}
		wantObjectsThere(t, s, true, fixture...)
		// A nested Tx that fails undoes its deletion; the outer one goes on.
		err = s.Tx(ctx(t), func(tx store.Store) error {
			inner := tx.Tx(ctx(t), func(tx2 store.Store) error {
				if _, err := tx2.DeleteObjectsByRef(ctx(t), "org_1"); err != nil {
					return err
				}
				return errRollback
			})
			if inner != errRollback {
				t.Errorf("nested Tx = %v, want %v", inner, errRollback)
			}
			wantObjectsThere(t, tx, true, gone...)
			return nil
		})
		if err != nil {
			t.Fatalf("Tx: %v", err)
		}
		wantObjectsThere(t, s, true, fixture...)
		// Committed, it is done, with the Tx's other writes.
		err = s.Tx(ctx(t), func(tx store.Store) error {
			if _, err := tx.DeleteObjectsByRef(ctx(t), "org_1"); err != nil {
				return err
			}
			return tx.DeleteObject(ctx(t), "organization", "org_1")
		})
		if err != nil {
			t.Fatalf("Tx: %v", err)
		}
		wantObjectsThere(t, s, false, gone...)
		wantObjectsThere(t, s, false, fixture[0])
		wantObjectsThere(t, s, true, kept[1:]...)
	}},
}
