package storetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/clerkgo/clerk/emulator/store"
)

// textCases: text that PostgreSQL refuses and SQLite takes (NUL, invalid
// UTF-8, index entries over MaxKeyBytes) is refused by every store with
// *store.ValueError, leaving nothing written; keys that no write could
// have stored find nothing, without an error.
var textCases = []testCase{
	{"text no store keeps is refused with ValueError, and nothing is written", func(t *testing.T, s store.Store) {
		long := strings.Repeat("é", store.MaxKeyBytes/2+1) // MaxKeyBytes+2 bytes, fewer characters
		for name, mutate := range map[string]func(u *store.User){
			"NUL in first_name":           func(u *store.User) { u.FirstName = "a\x00b" },
			"invalid UTF-8 in last_name":  func(u *store.User) { u.LastName = "\xff" },
			"long external_id":            func(u *store.User) { u.ExternalID = long },
			"NUL in an identifier":        func(u *store.User) { u.Identifiers[0].Value = "x\x00@example.com" },
			"long identifier value":       func(u *store.User) { u.Identifiers[1].Value = long },
			"overlong UTF-8 in a primary": func(u *store.User) { u.PrimaryEmail = "\xc0\x80" },
		} {
			u := fullUser()
			mutate(u)
			var ve *store.ValueError
			if err := s.InsertUser(ctx(t), u); !errors.As(err, &ve) {
				t.Errorf("%s: InsertUser = %v, want *store.ValueError", name, err)
			}
			if _, err := s.User(ctx(t), u.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: the refused user was written (%v)", name, err)
			}
		}
		u := fullUser()
		mustInsertUser(t, s, u)
		u.FirstName = "a\x00"
		var ve *store.ValueError
		if err := s.UpdateUser(ctx(t), u); !errors.As(err, &ve) {
			t.Errorf("UpdateUser with NUL = %v, want *store.ValueError", err)
		}
		if got := mustUser(t, s, u.ID); got.FirstName != fullUser().FirstName {
			t.Errorf("a refused update changed first_name to %q", got.FirstName)
		}
		for name, o := range map[string]*store.Object{
			"NUL in unique":    {Kind: "k", ID: "o1", Unique: "\x00"},
			"long unique":      {Kind: "k", ID: "o2", Unique: long},
			"invalid ref":      {Kind: "k", ID: "o3", Ref: "\xfe"},
			"NUL in status":    {Kind: "k", ID: "o4", Status: "a\x00"},
			"long ID":          {Kind: "k", ID: long},
			"NUL in the kind":  {Kind: "k\x00", ID: "o5"},
			"invalid owner ID": {Kind: "k", ID: "o6", UserID: "\xff"},
		} {
			if err := s.InsertObject(ctx(t), o); !errors.As(err, &ve) {
				t.Errorf("%s: InsertObject = %v, want *store.ValueError", name, err)
			}
		}
		if n, err := s.CountObjects(ctx(t), store.ObjectQuery{Kind: "k"}); err != nil || n != 0 {
			t.Errorf("refused objects were written: %d, %v", n, err)
		}
		// The longest key that is allowed is kept, multi-byte characters
		// and all.
		ok := strings.Repeat("é", store.MaxKeyBytes/2)
		mustInsertObject(t, s, &store.Object{Kind: "k", ID: "o7", Unique: ok})
		if o, err := s.ObjectByUnique(ctx(t), "k", ok); err != nil || o.ID != "o7" {
			t.Errorf("ObjectByUnique(MaxKeyBytes) = %v, %v", o, err)
		}
	}},
	{"keys no write could store find nothing, without an error", func(t *testing.T, s store.Store) {
		mustInsertUser(t, s, fullUser())
		mustInsertObject(t, s, &store.Object{Kind: "k", ID: "o1", UserID: "user_full", Ref: "r", Status: "s", Unique: "u"})
		for _, key := range []string{"\x00", "user_full\x00", "\xff", "\xc0\x80"} {
			if _, err := s.User(ctx(t), key); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("User(%q) = %v, want ErrNotFound", key, err)
			}
			if err := s.DeleteUser(ctx(t), key); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("DeleteUser(%q) = %v, want ErrNotFound", key, err)
			}
			if _, err := s.Identifier(ctx(t), key); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Identifier(%q) = %v, want ErrNotFound", key, err)
			}
			if _, err := s.Object(ctx(t), "k", key); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Object(%q) = %v, want ErrNotFound", key, err)
			}
			if _, err := s.ObjectByUnique(ctx(t), "k", key); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("ObjectByUnique(%q) = %v, want ErrNotFound", key, err)
			}
			if err := s.DeleteObject(ctx(t), "k", key); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("DeleteObject(%q) = %v, want ErrNotFound", key, err)
			}
			for name, q := range map[string]store.UserQuery{
				"email":       {EmailAddresses: []string{key}},
				"IDs":         {UserIDs: []string{key}},
				"query":       {Query: key},
				"external ID": {ExternalIDs: []string{key}},
			} {
				if users, err := s.ListUsers(ctx(t), q); err != nil || len(users) != 0 {
					t.Errorf("ListUsers(%s %q) = %d users, %v", name, key, len(users), err)
				}
				if n, err := s.CountUsers(ctx(t), q); err != nil || n != 0 {
					t.Errorf("CountUsers(%s %q) = %d, %v", name, key, n, err)
				}
			}
			// A query longer than any key is refused alike (SQLite's LIKE
			// fails on patterns over 50,000 bytes, PostgreSQL's does not).
			long := store.UserQuery{Query: strings.Repeat("a", 60000)}
			var ve *store.ValueError
			if _, err := s.ListUsers(ctx(t), long); !errors.As(err, &ve) {
				t.Errorf("ListUsers(60,000-byte query) = %v, want ValueError", err)
			}
			if _, err := s.CountUsers(ctx(t), long); !errors.As(err, &ve) {
				t.Errorf("CountUsers(60,000-byte query) = %v, want ValueError", err)
			}
			// A bad value among good ones drops out; the good ones match.
			q := store.UserQuery{EmailAddresses: []string{key, "zoe@example.com"}, ExcludeExternalIDs: []string{key}}
			if users, err := s.ListUsers(ctx(t), q); err != nil || len(users) != 1 {
				t.Errorf("ListUsers(email %q or zoe@example.com) = %d users, %v; want 1", key, len(users), err)
			}
			for _, q := range []store.ObjectQuery{{Kind: "k", UserID: key}, {Kind: "k", Ref: key}, {Kind: "k", Status: key}, {Kind: key}} {
				if objs, err := s.ListObjects(ctx(t), q); err != nil || len(objs) != 0 {
					t.Errorf("ListObjects(%+v) = %d, %v", q, len(objs), err)
				}
				if n, err := s.CountObjects(ctx(t), q); err != nil || n != 0 {
					t.Errorf("CountObjects(%+v) = %d, %v", q, n, err)
				}
			}
		}
	}},
}
