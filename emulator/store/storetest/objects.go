package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/clerkgo/clerk/emulator/store"
)

// session returns a session object.
func session(id, userID, clientID, status string, createdAt int64) *store.Object {
	return &store.Object{Kind: "session", ID: id, UserID: userID, Ref: clientID, Status: status,
		CreatedAt: createdAt, UpdatedAt: createdAt, Doc: fmt.Appendf(nil, `{"id":%q}`, id)}
}

// objectFixture is sessions of two users on three clients with two
// statuses, created with ties, plus objects of another kind.
func objectFixture() []*store.Object {
	return []*store.Object{
		session("sess_3", "user_a", "client_1", "active", 100),
		session("sess_1", "user_a", "client_1", "ended", 100),
		session("sess_2", "user_b", "client_2", "active", 100),
		session("sess_5", "user_a", "client_2", "active", 300),
		session("sess_4", "user_b", "client_1", "ended", 200),
		session("sess_6", "", "client_3", "pending", 50),
		{Kind: "client", ID: "client_1", UserID: "user_a", Ref: "client_1", Status: "active", CreatedAt: 1000},
		{Kind: "client", ID: "sess_9", UserID: "user_a", Status: "active", CreatedAt: 999},
	}
}

var objectCases = []testCase{
	{"an inserted object reads back equal, doc byte for byte", func(t *testing.T, s store.Store) {
		o := &store.Object{Kind: "session", ID: "sess_1", UserID: "user_1", Ref: "client_1", Status: "active",
			Unique: "token_1", CreatedAt: 1700000000001, UpdatedAt: 1700000000002, Doc: []byte("{\"x\":\"\u00e9\"}\x00\xff")}
		mustInsertObject(t, s, o)
		wantObject(t, mustObject(t, s, "session", "sess_1"), o)
		got, err := s.ObjectByUnique(ctx(t), "session", "token_1")
		if err != nil {
			t.Fatalf("ObjectByUnique: %v", err)
		}
		wantObject(t, got, o)
		got.Doc[0] = 'X' // no aliasing
		wantObject(t, mustObject(t, s, "session", "sess_1"), o)
	}},
	{"an object with only a kind and an ID reads back equal", func(t *testing.T, s store.Store) {
		o := &store.Object{Kind: "jwt_template", ID: "jtmp_1"}
		mustInsertObject(t, s, o)
		wantObject(t, mustObject(t, s, "jwt_template", "jtmp_1"), o)
	}},
	{"unknown objects are not found, by ID, by kind or by unique key", func(t *testing.T, s store.Store) {
		mustInsertObject(t, s, &store.Object{Kind: "session", ID: "sess_1", Unique: "tok"})
		mustInsertObject(t, s, &store.Object{Kind: "session", ID: "sess_2"})
		for _, c := range []struct {
			name string
			err  error
		}{
			{"unknown ID", func() error { _, err := s.Object(ctx(t), "session", "sess_x"); return err }()},
			{"other kind", func() error { _, err := s.Object(ctx(t), "client", "sess_1"); return err }()},
			{"unknown unique key", func() error { _, err := s.ObjectByUnique(ctx(t), "session", "nope"); return err }()},
			{"unique key of another kind", func() error { _, err := s.ObjectByUnique(ctx(t), "client", "tok"); return err }()},
			{"empty unique key", func() error { _, err := s.ObjectByUnique(ctx(t), "session", ""); return err }()},
		} {
			wantNotFound(t, c.name, c.err)
		}
	}},
	{"a unique key is unique within its kind only, and empty keys never conflict", func(t *testing.T, s store.Store) {
		mustInsertObject(t, s, &store.Object{Kind: "sign_in_token", ID: "sit_1", Unique: "abc"})
		wantConflict(t, "InsertObject", s.InsertObject(ctx(t), &store.Object{Kind: "sign_in_token", ID: "sit_2", Unique: "abc"}),
			"sign_in_token", "abc")
		_, err := s.Object(ctx(t), "sign_in_token", "sit_2")
		wantNotFound(t, "Object after the conflict", err)
		mustInsertObject(t, s, &store.Object{Kind: "invitation", ID: "inv_1", Unique: "abc"})
		mustInsertObject(t, s, &store.Object{Kind: "sign_in_token", ID: "sit_3"})
		mustInsertObject(t, s, &store.Object{Kind: "sign_in_token", ID: "sit_4"})
	}},
	{"an object ID is unique within its kind only", func(t *testing.T, s store.Store) {
		mustInsertObject(t, s, &store.Object{Kind: "session", ID: "x_1"})
		wantConflict(t, "InsertObject", s.InsertObject(ctx(t), &store.Object{Kind: "session", ID: "x_1"}), "id", "x_1")
		mustInsertObject(t, s, &store.Object{Kind: "client", ID: "x_1"})
	}},
	{"of 50 concurrent inserts of one unique key exactly one succeeds", func(t *testing.T, s store.Store) {
		const n = 50
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.InsertObject(ctx(t), &store.Object{Kind: "sign_in_token", ID: fmt.Sprintf("sit_%02d", i), Unique: "same"})
			}()
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			var ce *store.ConflictError
			switch {
			case err == nil:
				ok++
			case errors.As(err, &ce) && ce.Kind == "sign_in_token" && ce.Value == "same":
			default:
				t.Errorf("insert %d: %v", i, err)
			}
		}
		if n, err := s.CountObjects(ctx(t), store.ObjectQuery{Kind: "sign_in_token"}); ok != 1 || err != nil || n != 1 {
			t.Fatalf("%d inserts succeeded, %d objects stored (%v); want 1 and 1", ok, n, err)
		}
	}},
	{"UpdateObject replaces every field but kind, ID and creation time", func(t *testing.T, s store.Store) {
		mustInsertObject(t, s, &store.Object{Kind: "session", ID: "sess_1", UserID: "user_1", Ref: "client_1",
			Status: "active", Unique: "tok_1", CreatedAt: 10, UpdatedAt: 10, Doc: []byte(`{"v":1}`)})
		upd := &store.Object{Kind: "session", ID: "sess_1", UserID: "user_2", Ref: "client_2",
			Status: "ended", Unique: "tok_2", CreatedAt: 999, UpdatedAt: 20, Doc: []byte(`{"v":2}`)}
		if err := s.UpdateObject(ctx(t), upd); err != nil {
			t.Fatalf("UpdateObject: %v", err)
		}
		want := *upd
		want.CreatedAt = 10
		wantObject(t, mustObject(t, s, "session", "sess_1"), &want)
		_, err := s.ObjectByUnique(ctx(t), "session", "tok_1")
		wantNotFound(t, "ObjectByUnique(old key)", err)
		// The old key is free; clearing the key works too.
		mustInsertObject(t, s, &store.Object{Kind: "session", ID: "sess_2", Unique: "tok_1"})
		upd.Unique = ""
		if err := s.UpdateObject(ctx(t), upd); err != nil {
			t.Fatalf("UpdateObject(no key): %v", err)
		}
		_, err = s.ObjectByUnique(ctx(t), "session", "tok_2")
		wantNotFound(t, "ObjectByUnique(cleared key)", err)
	}},
	{"UpdateObject to a taken unique key conflicts and changes nothing", func(t *testing.T, s store.Store) {
		a := &store.Object{Kind: "session", ID: "sess_a", Unique: "tok_a", Status: "active"}
		mustInsertObject(t, s, a)
		mustInsertObject(t, s, &store.Object{Kind: "session", ID: "sess_b", Unique: "tok_b"})
		wantConflict(t, "UpdateObject", s.UpdateObject(ctx(t), &store.Object{Kind: "session", ID: "sess_a", Unique: "tok_b", Status: "ended"}),
			"session", "tok_b")
		wantObject(t, mustObject(t, s, "session", "sess_a"), a)
	}},
	{"updating or deleting an unknown object is not found", func(t *testing.T, s store.Store) {
		mustInsertObject(t, s, &store.Object{Kind: "session", ID: "sess_1"})
		wantNotFound(t, "UpdateObject", s.UpdateObject(ctx(t), &store.Object{Kind: "session", ID: "sess_x"}))
		wantNotFound(t, "UpdateObject(other kind)", s.UpdateObject(ctx(t), &store.Object{Kind: "client", ID: "sess_1"}))
		wantNotFound(t, "DeleteObject", s.DeleteObject(ctx(t), "session", "sess_x"))
		wantNotFound(t, "DeleteObject(other kind)", s.DeleteObject(ctx(t), "client", "sess_1"))
	}},
	{"a deleted object is gone, its unique key free, its kind's others kept", func(t *testing.T, s store.Store) {
		mustInsertObject(t, s, &store.Object{Kind: "session", ID: "sess_1", Unique: "tok"})
		mustInsertObject(t, s, &store.Object{Kind: "session", ID: "sess_2"})
		if err := s.DeleteObject(ctx(t), "session", "sess_1"); err != nil {
			t.Fatalf("DeleteObject: %v", err)
		}
		_, err := s.Object(ctx(t), "session", "sess_1")
		wantNotFound(t, "Object", err)
		wantNotFound(t, "DeleteObject(again)", s.DeleteObject(ctx(t), "session", "sess_1"))
		mustObject(t, s, "session", "sess_2")
		mustInsertObject(t, s, &store.Object{Kind: "session", ID: "sess_3", Unique: "tok"})
	}},
	{"ListObjects filters by kind, user, ref and status, newest first, and CountObjects counts", func(t *testing.T, s store.Store) {
		for _, o := range objectFixture() {
			mustInsertObject(t, s, o)
		}
		for _, c := range []struct {
			name string
			q    store.ObjectQuery
			want []string
		}{
			{"a kind alone lists all its objects, newest first, ties by ID descending", store.ObjectQuery{Kind: "session"},
				[]string{"sess_5", "sess_4", "sess_3", "sess_2", "sess_1", "sess_6"}},
			{"ascending lists oldest first, ties by ID ascending", store.ObjectQuery{Kind: "session", Ascending: true},
				[]string{"sess_6", "sess_1", "sess_2", "sess_3", "sess_4", "sess_5"}},
			{"user", store.ObjectQuery{Kind: "session", UserID: "user_a"}, []string{"sess_5", "sess_3", "sess_1"}},
			{"ref", store.ObjectQuery{Kind: "session", Ref: "client_1"}, []string{"sess_4", "sess_3", "sess_1"}},
			{"status", store.ObjectQuery{Kind: "session", Status: "active"}, []string{"sess_5", "sess_3", "sess_2"}},
			{"user, ref and status together", store.ObjectQuery{Kind: "session", UserID: "user_a", Ref: "client_1", Status: "active"}, []string{"sess_3"}},
			{"another kind", store.ObjectQuery{Kind: "client", UserID: "user_a"}, []string{"client_1", "sess_9"}},
			{"an unknown kind lists nothing", store.ObjectQuery{Kind: "organization"}, nil},
			{"an unmatched filter lists nothing", store.ObjectQuery{Kind: "session", Status: "revoked"}, nil},
			{"a limit takes the newest", store.ObjectQuery{Kind: "session", Limit: 2}, []string{"sess_5", "sess_4"}},
			{"an offset skips", store.ObjectQuery{Kind: "session", Limit: 2, Offset: 2}, []string{"sess_3", "sess_2"}},
			{"an offset alone skips", store.ObjectQuery{Kind: "session", Offset: 4}, []string{"sess_1", "sess_6"}},
			{"an ascending page", store.ObjectQuery{Kind: "session", Ascending: true, Limit: 3, Offset: 1}, []string{"sess_1", "sess_2", "sess_3"}},
			{"an offset past the end lists nothing", store.ObjectQuery{Kind: "session", Limit: 2, Offset: 6}, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				got, err := s.ListObjects(ctx(t), c.q)
				if err != nil {
					t.Fatalf("ListObjects: %v", err)
				}
				wantIDs(t, "ListObjects", objectIDs(got), c.want)
				q := c.q
				q.Limit, q.Offset = 0, 0
				all, err := s.ListObjects(ctx(t), q)
				if err != nil {
					t.Fatal(err)
				}
				if n, err := s.CountObjects(ctx(t), c.q); err != nil || n != int64(len(all)) {
					t.Fatalf("CountObjects = %d, %v; want %d", n, err, len(all))
				}
			})
		}
	}},
	{"listed objects read back equal", func(t *testing.T, s store.Store) {
		fixture := objectFixture()
		for _, o := range fixture {
			mustInsertObject(t, s, o)
		}
		got, err := s.ListObjects(ctx(t), store.ObjectQuery{Kind: "session", Ref: "client_2", Ascending: true})
		if err != nil || len(got) != 2 {
			t.Fatalf("ListObjects = %v, %v", objectIDs(got), err)
		}
		wantObject(t, got[0], fixture[2])
		wantObject(t, got[1], fixture[3])
	}},
	{"pages of objects never overlap and cover all of them", func(t *testing.T, s store.Store) {
		var want []string
		for i := range 23 {
			id := fmt.Sprintf("sess_%02d", i)
			mustInsertObject(t, s, session(id, "user_1", "client_1", "active", int64(i/4)))
			want = append(want, id)
		}
		for _, asc := range []bool{true, false} {
			var got []string
			for off := 0; off < 30; off += 5 {
				page, err := s.ListObjects(ctx(t), store.ObjectQuery{Kind: "session", Ascending: asc, Limit: 5, Offset: off})
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, objectIDs(page)...)
			}
			if !asc {
				got = reversed(got)
			}
			wantIDs(t, fmt.Sprintf("pages (ascending %v)", asc), got, want)
		}
	}},
}

func reversed(ids []string) []string {
	r := make([]string, len(ids))
	for i, id := range ids {
		r[len(ids)-1-i] = id
	}
	return r
}
