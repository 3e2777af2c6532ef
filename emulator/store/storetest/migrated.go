package storetest

import (
	"reflect"
	"testing"

	"github.com/clerkgo/clerk/emulator/store"
)

// CheckObjectFromBeforeMigration2 checks, for a backend's migration test,
// an object written by the schema before migration 0002 (added sort keys
// and search text) and then migrated: organization org_1 with ref "r",
// status "active", unique key "acme", created at 5, updated at 6 and the
// document "{}". It reads back whole, lists under both orders and the ID
// filter, and no query matches it, as it has no search text.
func CheckObjectFromBeforeMigration2(t *testing.T, s store.Store) {
	t.Helper()
	want := &store.Object{Kind: "organization", ID: "org_1", Ref: "r", Status: "active", Unique: "acme", CreatedAt: 5, UpdatedAt: 6, Doc: []byte("{}")}
	got, err := s.Object(t.Context(), "organization", "org_1")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Object = %+v, %v; want %+v", got, err, want)
	}
	for _, q := range []store.ObjectQuery{
		{Kind: "organization", OrderBy: store.ObjectOrderSortKey},
		{Kind: "organization", OrderBy: store.ObjectOrderSortNum, IDs: []string{"org_1"}},
	} {
		if list, err := s.ListObjects(t.Context(), q); err != nil || len(list) != 1 {
			t.Errorf("ListObjects(%+v) = %d objects, %v; want 1", q, len(list), err)
		}
	}
	if n, err := s.CountObjects(t.Context(), store.ObjectQuery{Kind: "organization", Query: "a"}); err != nil || n != 0 {
		t.Errorf("CountObjects(Query) = %d, %v; want 0: the old object has no search text", n, err)
	}
}
