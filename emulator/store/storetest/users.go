package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/clerkgo/clerk/emulator/store"
)

var instanceCases = []testCase{
	{"the instance is not found before it is first put", func(t *testing.T, s store.Store) {
		_, err := s.Instance(ctx(t))
		wantNotFound(t, "Instance", err)
	}},
	{"a put instance reads back field for field and its doc byte for byte", func(t *testing.T, s store.Store) {
		in := &store.Instance{
			ID: "ins_1", SecretKey: "sk_test_1", PublishableKey: "pk_test_1",
			SigningKeyPEM: "-----BEGIN PRIVATE KEY-----\nMII...\n-----END PRIVATE KEY-----\n",
			CreatedAt:     1700000000123,
			Doc:           []byte("{\"a\":1}\x00\xff"),
		}
		if err := s.PutInstance(ctx(t), in); err != nil {
			t.Fatalf("PutInstance: %v", err)
		}
		got, err := s.Instance(ctx(t))
		if err != nil {
			t.Fatalf("Instance: %v", err)
		}
		if got.ID != in.ID || got.SecretKey != in.SecretKey || got.PublishableKey != in.PublishableKey ||
			got.SigningKeyPEM != in.SigningKeyPEM || got.CreatedAt != in.CreatedAt || !bytes.Equal(got.Doc, in.Doc) {
			t.Fatalf("Instance = %+v, want %+v", got, in)
		}
	}},
	{"putting the instance again replaces it", func(t *testing.T, s store.Store) {
		for i := range 2 {
			in := &store.Instance{ID: fmt.Sprintf("ins_%d", i), SecretKey: "sk", CreatedAt: int64(i), Doc: []byte(`{}`)}
			if err := s.PutInstance(ctx(t), in); err != nil {
				t.Fatalf("PutInstance: %v", err)
			}
		}
		got, err := s.Instance(ctx(t))
		if err != nil || got.ID != "ins_1" || got.CreatedAt != 1 {
			t.Fatalf("Instance = %+v, %v; want ins_1", got, err)
		}
	}},
}

// fullUser returns a user with every field set.
func fullUser() *store.User {
	return &store.User{
		ID: "user_full", CreatedAt: 1700000000001, UpdatedAt: 1700000000002,
		LastActiveAt: 1700000000003, LastSignInAt: 1700000000004,
		FirstName: "Zoë", LastName: "O'Brien", Username: "zoe", ExternalID: "ext-42",
		PrimaryEmail: "zoe@example.com", PrimaryPhone: "+15551234567", PrimaryWeb3Wallet: "0xabc",
		Identifiers: []store.Identifier{
			email("idn_e2", "zoe@work.test"), // not sorted: the order given is kept
			email("idn_e1", "zoe@example.com"),
			{ID: "idn_p1", Kind: store.KindPhoneNumber, Value: "+15551234567"},
			{ID: "idn_w1", Kind: store.KindWeb3Wallet, Value: "0xabc"},
			{Kind: store.KindUsername, Value: "zoe"},
			{Kind: store.KindExternalID, Value: "ext-42"},
		},
		Doc: []byte("{\"first_name\":\"Zo\u00eb\"}\n\x00\x01\xfe binary too"),
	}
}

var userCases = []testCase{
	{"an inserted user reads back equal, identifiers in the order given", func(t *testing.T, s store.Store) {
		u := fullUser()
		mustInsertUser(t, s, u)
		wantUser(t, mustUser(t, s, u.ID), u)
	}},
	{"a user with no identifiers and an empty doc reads back equal", func(t *testing.T, s store.Store) {
		u := &store.User{ID: "user_bare", CreatedAt: 1}
		mustInsertUser(t, s, u)
		got := mustUser(t, s, u.ID)
		wantUser(t, got, u)
		if len(got.Identifiers) != 0 || len(got.Doc) != 0 {
			t.Fatalf("got identifiers %v doc %q, want none", got.Identifiers, got.Doc)
		}
	}},
	{"an unknown user is not found", func(t *testing.T, s store.Store) {
		_, err := s.User(ctx(t), "user_missing")
		wantNotFound(t, "User", err)
	}},
	{"returned users share no memory with the store or the caller", func(t *testing.T, s store.Store) {
		u := fullUser()
		want := normUser(u)
		want.Doc = bytes.Clone(u.Doc)
		mustInsertUser(t, s, u)
		u.Doc[0] = 'X' // the caller's buffer changes after the insert
		u.Identifiers[0].Value = "changed"
		got := mustUser(t, s, u.ID)
		got.Doc[1] = 'Y'
		got.Identifiers[1].Value = "changed too"
		list, err := s.ListUsers(ctx(t), store.UserQuery{})
		if err != nil {
			t.Fatal(err)
		}
		list[0].Doc[2] = 'Z'
		wantUser(t, mustUser(t, s, u.ID), &want)
	}},
	{"an identifier of any kind taken by another user makes InsertUser conflict", func(t *testing.T, s store.Store) {
		owner := fullUser()
		mustInsertUser(t, s, owner)
		for _, idn := range owner.Identifiers {
			t.Run(idn.Kind+" "+idn.Value, func(t *testing.T) {
				u := &store.User{ID: "user_" + idn.Kind, Identifiers: []store.Identifier{
					email("idn_free_"+idn.Kind, "free-"+idn.Kind+"@example.com"),
					{ID: "idn_x_" + idn.Kind, Kind: idn.Kind, Value: idn.Value},
				}}
				if idn.ID == "" {
					u.Identifiers[1].ID = ""
				}
				err := s.InsertUser(ctx(t), u)
				wantConflict(t, "InsertUser", err, idn.Kind, idn.Value)
				_, err = s.User(ctx(t), u.ID)
				wantNotFound(t, "User after the conflict", err)
				_, err = s.Identifier(ctx(t), "idn_free_"+idn.Kind)
				wantNotFound(t, "Identifier the failed insert gave", err)
			})
		}
	}},
	{"the same value under two kinds does not conflict", func(t *testing.T, s store.Store) {
		mustInsertUser(t, s, &store.User{ID: "user_1", Identifiers: []store.Identifier{{Kind: store.KindUsername, Value: "same"}}})
		mustInsertUser(t, s, &store.User{ID: "user_2", Identifiers: []store.Identifier{{Kind: store.KindExternalID, Value: "same"}}})
	}},
	{"identifier values are compared as given, case and all", func(t *testing.T, s store.Store) {
		mustInsertUser(t, s, simpleUser("user_1", "ann@example.com", 1))
		mustInsertUser(t, s, simpleUser("user_2", "Ann@example.com", 2))
	}},
	{"inserting a user with a taken ID conflicts on the ID", func(t *testing.T, s store.Store) {
		mustInsertUser(t, s, simpleUser("user_1", "a@example.com", 1))
		err := s.InsertUser(ctx(t), simpleUser("user_1", "b@example.com", 2))
		wantConflict(t, "InsertUser", err, "id", "user_1")
		wantUser(t, mustUser(t, s, "user_1"), simpleUser("user_1", "a@example.com", 1))
	}},
	{"an identifier ID given twice conflicts on the ID", func(t *testing.T, s store.Store) {
		mustInsertUser(t, s, simpleUser("user_1", "a@example.com", 1))
		u := simpleUser("user_2", "b@example.com", 2)
		u.Identifiers[0].ID = "idn_user_1"
		wantConflict(t, "InsertUser", s.InsertUser(ctx(t), u), "id", "idn_user_1")
	}},
	{"of 50 concurrent inserts of one email address exactly one succeeds", func(t *testing.T, s store.Store) {
		const n = 50
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				u := simpleUser(fmt.Sprintf("user_%02d", i), "race@example.com", int64(i))
				u.Identifiers = append(u.Identifiers, email(fmt.Sprintf("idn_own_%02d", i), fmt.Sprintf("own%02d@example.com", i)))
				errs[i] = s.InsertUser(ctx(t), u)
			}()
		}
		close(start)
		wg.Wait()
		ok, conflicts := 0, 0
		winner := ""
		for i, err := range errs {
			var ce *store.ConflictError
			switch {
			case err == nil:
				ok++
				winner = fmt.Sprintf("user_%02d", i)
			case errors.As(err, &ce) && ce.Kind == store.KindEmailAddress && ce.Value == "race@example.com":
				conflicts++
			default:
				t.Errorf("insert %d: unexpected error %v", i, err)
			}
		}
		if ok != 1 || conflicts != n-1 {
			t.Fatalf("%d successes and %d conflicts, want 1 and %d", ok, conflicts, n-1)
		}
		if n, err := s.CountUsers(ctx(t), store.UserQuery{}); err != nil || n != 1 {
			t.Fatalf("CountUsers = %d, %v; want 1", n, err)
		}
		got, err := s.ListUsers(ctx(t), store.UserQuery{EmailAddresses: []string{"race@example.com"}})
		if err != nil || len(got) != 1 || got[0].ID != winner || len(got[0].Identifiers) != 2 {
			t.Fatalf("ListUsers by the raced email = %v, %v; want %s with 2 identifiers", userIDs(got), err, winner)
		}
	}},
	{"an identifier is found by its ID, with its user", func(t *testing.T, s store.Store) {
		u := fullUser()
		mustInsertUser(t, s, u)
		got, err := s.Identifier(ctx(t), "idn_p1")
		if err != nil {
			t.Fatalf("Identifier: %v", err)
		}
		want := store.Identifier{ID: "idn_p1", UserID: u.ID, Kind: store.KindPhoneNumber, Value: "+15551234567"}
		if *got != want {
			t.Fatalf("Identifier = %+v, want %+v", *got, want)
		}
	}},
	{"unknown and empty identifier IDs are not found", func(t *testing.T, s store.Store) {
		mustInsertUser(t, s, fullUser()) // has identifiers without ID
		for _, id := range []string{"idn_missing", ""} {
			_, err := s.Identifier(ctx(t), id)
			wantNotFound(t, fmt.Sprintf("Identifier(%q)", id), err)
		}
	}},
	{"UpdateUser replaces the columns, the doc and the identifiers", func(t *testing.T, s store.Store) {
		mustInsertUser(t, s, fullUser())
		u := &store.User{
			ID: "user_full", CreatedAt: 5, UpdatedAt: 6, LastActiveAt: 7, LastSignInAt: 8,
			FirstName: "New", LastName: "Name", Username: "newname", ExternalID: "",
			PrimaryEmail: "new@example.com",
			Identifiers: []store.Identifier{
				{Kind: store.KindUsername, Value: "newname"},
				email("idn_new", "new@example.com"),
			},
			Doc: []byte(`{"v":2}`),
		}
		if err := s.UpdateUser(ctx(t), u); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		wantUser(t, mustUser(t, s, u.ID), u)
		_, err := s.Identifier(ctx(t), "idn_e1")
		wantNotFound(t, "Identifier of a replaced email", err)
		if got, err := s.Identifier(ctx(t), "idn_new"); err != nil || got.Value != "new@example.com" {
			t.Fatalf("Identifier(idn_new) = %+v, %v", got, err)
		}
	}},
	{"identifiers an update drops are free for other users", func(t *testing.T, s store.Store) {
		mustInsertUser(t, s, simpleUser("user_1", "old@example.com", 1))
		if err := s.UpdateUser(ctx(t), simpleUser("user_1", "new@example.com", 1)); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		mustInsertUser(t, s, &store.User{ID: "user_2", Identifiers: []store.Identifier{email("idn_2", "old@example.com")}})
	}},
	{"an update keeping the user's own identifiers does not conflict with itself", func(t *testing.T, s store.Store) {
		u := fullUser()
		mustInsertUser(t, s, u)
		u.FirstName = "Renamed"
		if err := s.UpdateUser(ctx(t), u); err != nil {
			t.Fatalf("UpdateUser: %v", err)
		}
		wantUser(t, mustUser(t, s, u.ID), u)
	}},
	{"UpdateUser taking another user's email conflicts and changes neither user", func(t *testing.T, s store.Store) {
		a, b := simpleUser("user_a", "a@example.com", 1), simpleUser("user_b", "b@example.com", 2)
		mustInsertUser(t, s, a)
		mustInsertUser(t, s, b)
		changed := simpleUser("user_a", "b@example.com", 1)
		changed.FirstName = "Changed"
		changed.Identifiers = []store.Identifier{email("idn_a2", "a2@example.com"), email("idn_a3", "b@example.com")}
		wantConflict(t, "UpdateUser", s.UpdateUser(ctx(t), changed), store.KindEmailAddress, "b@example.com")
		wantUser(t, mustUser(t, s, "user_a"), a)
		wantUser(t, mustUser(t, s, "user_b"), b)
		_, err := s.Identifier(ctx(t), "idn_a2")
		wantNotFound(t, "Identifier of the failed update", err)
	}},
	{"updating an unknown user is not found", func(t *testing.T, s store.Store) {
		wantNotFound(t, "UpdateUser", s.UpdateUser(ctx(t), simpleUser("user_missing", "x@example.com", 1)))
		_, err := s.Identifier(ctx(t), "idn_user_missing")
		wantNotFound(t, "Identifier of the failed update", err)
	}},
	{"deleting a user deletes its identifiers and its objects of every kind, and no one else's", func(t *testing.T, s store.Store) {
		mustInsertUser(t, s, simpleUser("user_a", "a@example.com", 1))
		mustInsertUser(t, s, simpleUser("user_b", "b@example.com", 2))
		for _, o := range []*store.Object{
			{Kind: "session", ID: "sess_a", UserID: "user_a", Unique: "tok_a"},
			{Kind: "client", ID: "client_a", UserID: "user_a"},
			{Kind: "session", ID: "sess_b", UserID: "user_b"},
			{Kind: "jwt_template", ID: "jtmp_1"},
		} {
			mustInsertObject(t, s, o)
		}
		if err := s.DeleteUser(ctx(t), "user_a"); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		_, err := s.User(ctx(t), "user_a")
		wantNotFound(t, "User", err)
		_, err = s.Identifier(ctx(t), "idn_user_a")
		wantNotFound(t, "Identifier", err)
		_, err = s.Object(ctx(t), "session", "sess_a")
		wantNotFound(t, "Object(session)", err)
		_, err = s.Object(ctx(t), "client", "client_a")
		wantNotFound(t, "Object(client)", err)
		_, err = s.ObjectByUnique(ctx(t), "session", "tok_a")
		wantNotFound(t, "ObjectByUnique", err)
		mustUser(t, s, "user_b")
		mustObject(t, s, "session", "sess_b")
		mustObject(t, s, "jwt_template", "jtmp_1")
		// The address and the unique key are free again.
		mustInsertUser(t, s, simpleUser("user_c", "a@example.com", 3))
		mustInsertObject(t, s, &store.Object{Kind: "session", ID: "sess_c", Unique: "tok_a"})
	}},
	{"deleting an unknown user is not found, and so is deleting one twice", func(t *testing.T, s store.Store) {
		wantNotFound(t, "DeleteUser(unknown)", s.DeleteUser(ctx(t), "user_missing"))
		mustInsertUser(t, s, simpleUser("user_1", "a@example.com", 1))
		if err := s.DeleteUser(ctx(t), "user_1"); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		wantNotFound(t, "DeleteUser(again)", s.DeleteUser(ctx(t), "user_1"))
	}},
}
