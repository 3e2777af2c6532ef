package storetest

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/clerkgo/clerk/emulator/store"
)

// sortedCases: the fields organization-like objects are ordered and
// searched by (SortKey, SortNum, Search), and the filters and orders of
// ObjectQuery that use them (Query, IDs, OrderBy).
var sortedCases = []testCase{
	{"an object's sort key, sort number and search text read back as given, and UpdateObject replaces them", func(t *testing.T, s store.Store) {
		o := &store.Object{Kind: "organization", ID: "org_1", Unique: "acme", SortKey: "Acme Inc", SortNum: -42,
			Search: "ÉCOLE\x1facme-inc", CreatedAt: 1, UpdatedAt: 2, Doc: []byte(`{"name":"Acme Inc"}`)}
		mustInsertObject(t, s, o)
		wantObject(t, mustObject(t, s, "organization", "org_1"), o)
		got, err := s.ObjectByUnique(ctx(t), "organization", "acme")
		if err != nil {
			t.Fatalf("ObjectByUnique: %v", err)
		}
		wantObject(t, got, o)
		list, err := s.ListObjects(ctx(t), store.ObjectQuery{Kind: "organization"})
		if err != nil || len(list) != 1 {
			t.Fatalf("ListObjects = %v, %v", objectIDs(list), err)
		}
		wantObject(t, list[0], o)
		// Inside Tx, the locking reads return the same.
		err = s.Tx(ctx(t), func(tx store.Store) error {
			wantObject(t, mustObject(t, tx, "organization", "org_1"), o)
			got, err := tx.ObjectByUnique(ctx(t), "organization", "acme")
			if err != nil {
				return err
			}
			wantObject(t, got, o)
			return nil
		})
		if err != nil {
			t.Fatalf("Tx: %v", err)
		}
		if n, err := s.CountObjects(ctx(t), store.ObjectQuery{Kind: "organization", Query: "école"}); err != nil || n != 1 {
			t.Errorf("CountObjects(Query: école) = %d, %v; want 1", n, err)
		}
		upd := *o
		upd.SortKey, upd.SortNum, upd.Search, upd.UpdatedAt = "", math.MaxInt64, "Other", 3
		if err := s.UpdateObject(ctx(t), &upd); err != nil {
			t.Fatalf("UpdateObject: %v", err)
		}
		wantObject(t, mustObject(t, s, "organization", "org_1"), &upd)
		for query, want := range map[string]int64{"école": 0, "OTHER": 1} {
			if n, err := s.CountObjects(ctx(t), store.ObjectQuery{Kind: "organization", Query: query}); err != nil || n != want {
				t.Errorf("CountObjects(Query: %q) after the update = %d, %v; want %d", query, n, err, want)
			}
		}
	}},
	{"every ObjectOrder sorts both ways with ties broken by ID, and pages of it never overlap", func(t *testing.T, s store.Store) {
		users, objs := sortFixture()
		for _, u := range users {
			mustInsertUser(t, s, u)
		}
		for _, o := range objs {
			mustInsertObject(t, s, o)
		}
		for _, base := range []store.ObjectQuery{
			{Kind: "membership"},
			{Kind: "membership", Ref: "org_a"},
			{Kind: "membership", Status: "admin", Query: "member"},
		} {
			var members []*store.Object
			for _, o := range objs {
				if matches(o, base) {
					members = append(members, o)
				}
			}
			if len(members) < 4 {
				t.Fatalf("fixture: %d objects match %+v, want more to order", len(members), base)
			}
			for _, order := range objectOrders {
				for _, asc := range []bool{true, false} {
					name := fmt.Sprintf("ref %q status %q by %q ascending %v", base.Ref, base.Status, order, asc)
					t.Run(name, func(t *testing.T) {
						want := expectedObjectOrder(members, users, order, asc)
						q := base
						q.OrderBy, q.Ascending = order, asc
						got, err := s.ListObjects(ctx(t), q)
						if err != nil {
							t.Fatalf("ListObjects: %v", err)
						}
						wantIDs(t, "ListObjects", objectIDs(got), want)
						var paged []string
						for q.Offset = 0; q.Offset < len(want)+3; q.Offset += 3 {
							q.Limit = 3
							page, err := s.ListObjects(ctx(t), q)
							if err != nil {
								t.Fatalf("ListObjects(page at %d): %v", q.Offset, err)
							}
							if len(page) > 3 {
								t.Fatalf("page of %d objects, limit 3", len(page))
							}
							paged = append(paged, objectIDs(page)...)
						}
						wantIDs(t, "pages of 3 put together", paged, want)
						if n, err := s.CountObjects(ctx(t), q); err != nil || n != int64(len(want)) {
							t.Fatalf("CountObjects = %d, %v; want %d", n, err, len(want))
						}
					})
				}
			}
		}
	}},
	{"objects ordered by a user's field follow the user's changes, and an absent user orders as empty", func(t *testing.T, s store.Store) {
		mustInsertUser(t, s, &store.User{ID: "user_1", FirstName: "Bea"})
		mustInsertUser(t, s, &store.User{ID: "user_2", FirstName: "Cid"})
		for _, o := range []*store.Object{
			{Kind: "membership", ID: "mem_1", UserID: "user_1"},
			{Kind: "membership", ID: "mem_2", UserID: "user_2"},
			{Kind: "membership", ID: "mem_3"},                      // no user
			{Kind: "membership", ID: "mem_4", UserID: "user_gone"}, // a user that does not exist
		} {
			mustInsertObject(t, s, o)
		}
		list := func() []string {
			got, err := s.ListObjects(ctx(t), store.ObjectQuery{Kind: "membership", OrderBy: store.ObjectOrderUserFirstName, Ascending: true})
			if err != nil {
				t.Fatalf("ListObjects: %v", err)
			}
			return objectIDs(got)
		}
		wantIDs(t, "by first name", list(), []string{"mem_3", "mem_4", "mem_1", "mem_2"})
		u := mustUser(t, s, "user_1")
		u.FirstName = "Dan"
		if err := s.UpdateUser(ctx(t), u); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "by first name after a rename", list(), []string{"mem_3", "mem_4", "mem_2", "mem_1"})
		// An empty first name ties with the absent users: ID order.
		u.FirstName = ""
		if err := s.UpdateUser(ctx(t), u); err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "by first name, emptied", list(), []string{"mem_1", "mem_3", "mem_4", "mem_2"})
	}},
	{"an unknown ObjectOrder is an error", func(t *testing.T, s store.Store) {
		mustInsertObject(t, s, &store.Object{Kind: "organization", ID: "org_1"})
		for _, order := range []store.ObjectOrder{"name", "members_count", "-created_at", "web3wallet", "updated_at", "CREATED_AT", "id"} {
			if got, err := s.ListObjects(ctx(t), store.ObjectQuery{Kind: "organization", OrderBy: order}); err == nil {
				t.Errorf("ListObjects(OrderBy: %q) = %v, want an error", order, objectIDs(got))
			}
			// Unless no object could match: the order is still checked.
			if _, err := s.ListObjects(ctx(t), store.ObjectQuery{Kind: "organization", Query: "\x00", OrderBy: order}); err == nil {
				t.Errorf("ListObjects(OrderBy: %q, an unstorable query) succeeded", order)
			}
			// CountObjects ignores the order.
			if n, err := s.CountObjects(ctx(t), store.ObjectQuery{Kind: "organization", OrderBy: order}); err != nil || n != 1 {
				t.Errorf("CountObjects(OrderBy: %q) = %d, %v; want 1", order, n, err)
			}
		}
	}},
	{"sort numbers order as numbers, the extremes included", func(t *testing.T, s store.Store) {
		nums := []int64{10, 9, -1, 0, math.MaxInt64, math.MinInt64, 100, -10, 9}
		for i, n := range nums {
			mustInsertObject(t, s, &store.Object{Kind: "organization", ID: fmt.Sprintf("org_%d", i), SortNum: n})
		}
		got, err := s.ListObjects(ctx(t), store.ObjectQuery{Kind: "organization", OrderBy: store.ObjectOrderSortNum, Ascending: true})
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "by sort_num", objectIDs(got), []string{"org_5", "org_7", "org_2", "org_3", "org_1", "org_8", "org_0", "org_6", "org_4"})
		for i, o := range got {
			if o.SortNum != nums[o.ID[4]-'0'] {
				t.Fatalf("object %d: %s has sort_num %d", i, o.ID, o.SortNum)
			}
		}
	}},
	{"a query matches the search text case-insensitively, non-ASCII too, wildcards literally", func(t *testing.T, s store.Store) {
		texts := map[string]string{
			"org_pct":     "100% sure",
			"org_nopct":   "100 x sure",
			"org_under":   "snake_case",
			"org_nounder": "snakeXcase",
			"org_bslash":  `back\slash`,
			"org_nobsl":   "backslash",
			"org_ecole":   "ÉCOLE Normale",
			"org_ascii":   "ecole normale",
			"org_cyr":     "МОСКВА",
			"org_long":    strings.Repeat("ab", 3000) + "Needle", // longer than MaxKeyBytes: not indexed
			"org_none":    "",
		}
		var i int64
		for id, text := range texts {
			i++
			mustInsertObject(t, s, &store.Object{Kind: "organization", ID: id, Search: text, Status: "active", CreatedAt: i})
		}
		mustInsertObject(t, s, &store.Object{Kind: "other", ID: "oth_1", Search: "100% sure"})
		all := make([]string, 0, len(texts))
		for id := range texts {
			all = append(all, id)
		}
		for _, c := range []struct {
			name string
			q    store.ObjectQuery
			want []string
		}{
			{"a percent sign", store.ObjectQuery{Query: "0% s"}, []string{"org_pct"}},
			{"a lone percent sign", store.ObjectQuery{Query: "%"}, []string{"org_pct"}},
			{"an underscore", store.ObjectQuery{Query: "e_c"}, []string{"org_under"}},
			{"a lone underscore", store.ObjectQuery{Query: "_"}, []string{"org_under"}},
			{"a backslash", store.ObjectQuery{Query: `k\s`}, []string{"org_bslash"}},
			{"a lone backslash", store.ObjectQuery{Query: `\`}, []string{"org_bslash"}},
			{"lower case finds upper case, non-ASCII", store.ObjectQuery{Query: "école"}, []string{"org_ecole"}},
			{"upper case finds upper case, non-ASCII", store.ObjectQuery{Query: "ÉCOLE"}, []string{"org_ecole"}},
			{"mixed case finds both", store.ObjectQuery{Query: "NorMALE"}, []string{"org_ecole", "org_ascii"}},
			{"Cyrillic", store.ObjectQuery{Query: "москва"}, []string{"org_cyr"}},
			{"a long text", store.ObjectQuery{Query: "BNEEDLE"}, []string{"org_long"}},
			{"a common substring", store.ObjectQuery{Query: "100"}, []string{"org_pct", "org_nopct"}},
			{"the ID is not searched", store.ObjectQuery{Query: "org_"}, nil},
			{"no match", store.ObjectQuery{Query: "zzz"}, nil},
			{"an empty query matches any", store.ObjectQuery{Query: ""}, all},
			{"a query and a status", store.ObjectQuery{Query: "sure", Status: "active"}, []string{"org_pct", "org_nopct"}},
			{"a query and an unmatched status", store.ObjectQuery{Query: "sure", Status: "gone"}, nil},
			{"a query and IDs", store.ObjectQuery{Query: "sure", IDs: []string{"org_nopct", "org_ecole"}}, []string{"org_nopct"}},
			{"NUL, which no text holds, matches nothing", store.ObjectQuery{Query: "\x00"}, nil},
			{"invalid UTF-8 matches nothing", store.ObjectQuery{Query: "\xff"}, nil},
			{"invalid UTF-8 after text matches nothing", store.ObjectQuery{Query: "sure\xc0"}, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				c.q.Kind = "organization"
				got, err := s.ListObjects(ctx(t), c.q)
				if err != nil {
					t.Fatalf("ListObjects: %v", err)
				}
				wantIDs(t, fmt.Sprintf("ListObjects(Query: %q)", c.q.Query), sortedIDs(objectIDs(got)), sortedIDs(c.want))
				if n, err := s.CountObjects(ctx(t), c.q); err != nil || n != int64(len(c.want)) {
					t.Fatalf("CountObjects = %d, %v; want %d", n, err, len(c.want))
				}
			})
		}
	}},
	{"IDs keep the listed objects of the kind, with the other filters", func(t *testing.T, s store.Store) {
		for _, o := range objectFixture() {
			mustInsertObject(t, s, o)
		}
		for _, c := range []struct {
			name string
			q    store.ObjectQuery
			want []string
		}{
			{"any listed, unknown ones ignored, in the query's order", store.ObjectQuery{IDs: []string{"sess_1", "sess_zz", "sess_5"}}, []string{"sess_5", "sess_1"}},
			{"one", store.ObjectQuery{IDs: []string{"sess_2"}}, []string{"sess_2"}},
			{"repeated", store.ObjectQuery{IDs: []string{"sess_2", "sess_2"}}, []string{"sess_2"}},
			{"empty means any", store.ObjectQuery{IDs: []string{}}, []string{"sess_5", "sess_4", "sess_3", "sess_2", "sess_1", "sess_6"}},
			{"another kind's IDs", store.ObjectQuery{IDs: []string{"sess_9", "client_1"}}, nil},
			{"with a user", store.ObjectQuery{IDs: []string{"sess_1", "sess_2", "sess_3"}, UserID: "user_a"}, []string{"sess_3", "sess_1"}},
			{"with a ref and a status", store.ObjectQuery{IDs: []string{"sess_1", "sess_3", "sess_4"}, Ref: "client_1", Status: "ended"}, []string{"sess_4", "sess_1"}},
			{"with an unmatched status", store.ObjectQuery{IDs: []string{"sess_1"}, Status: "active"}, nil},
			{"ascending, paged", store.ObjectQuery{IDs: []string{"sess_1", "sess_2", "sess_3", "sess_6"}, Ascending: true, Limit: 2, Offset: 1}, []string{"sess_1", "sess_2"}},
			{"an unstorable ID among good ones drops out", store.ObjectQuery{IDs: []string{"\x00", "sess_2", "sess_3\xff"}}, []string{"sess_2"}},
			{"only unstorable IDs match nothing, not everything", store.ObjectQuery{IDs: []string{"\xff", "a\x00"}}, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				c.q.Kind = "session"
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
	{"sort keys and search text no store keeps are refused with ValueError, and nothing is written", func(t *testing.T, s store.Store) {
		long := strings.Repeat("é", store.MaxKeyBytes/2+1) // MaxKeyBytes+2 bytes
		kept := &store.Object{Kind: "organization", ID: "org_kept", SortKey: "kept", SortNum: 7, Search: "kept"}
		mustInsertObject(t, s, kept)
		for name, mutate := range map[string]func(o *store.Object){
			"long sort key":                 func(o *store.Object) { o.SortKey = long },
			"NUL in the sort key":           func(o *store.Object) { o.SortKey = "a\x00b" },
			"invalid UTF-8 in the sort key": func(o *store.Object) { o.SortKey = "\xff" },
			"NUL in the search text":        func(o *store.Object) { o.Search = "x\x00" },
			"invalid UTF-8 in the search":   func(o *store.Object) { o.Search = "ok \xc0\x80" },
		} {
			o := &store.Object{Kind: "organization", ID: "org_bad", SortNum: 1}
			mutate(o)
			var ve *store.ValueError
			if err := s.InsertObject(ctx(t), o); !errors.As(err, &ve) {
				t.Errorf("%s: InsertObject = %v, want *store.ValueError", name, err)
			}
			if _, err := s.Object(ctx(t), "organization", "org_bad"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s: the refused object was written (%v)", name, err)
			}
			upd := *kept
			mutate(&upd)
			upd.SortNum = 8
			if err := s.UpdateObject(ctx(t), &upd); !errors.As(err, &ve) {
				t.Errorf("%s: UpdateObject = %v, want *store.ValueError", name, err)
			}
			wantObject(t, mustObject(t, s, "organization", "org_kept"), kept)
		}
	}},
	{"a sort key of MaxKeyBytes is kept and ordered, beside an ID of MaxKeyBytes", func(t *testing.T, s store.Store) {
		// Text no compression shrinks, so that the index entries are as
		// long as they can be.
		r := rand.New(rand.NewPCG(1, 2))
		random := func(n int) string {
			const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			b := make([]byte, n)
			for i := range b {
				b[i] = letters[r.IntN(len(letters))]
			}
			return string(b)
		}
		key, id := random(store.MaxKeyBytes), random(store.MaxKeyBytes)
		big := &store.Object{Kind: "org", ID: id, SortKey: key, SortNum: 1, Ref: random(store.MaxKeyBytes),
			Search: random(10 * store.MaxKeyBytes)}
		mustInsertObject(t, s, big)
		mustInsertObject(t, s, &store.Object{Kind: "org", ID: "org_small", SortKey: key[:10]})
		got, err := s.ListObjects(ctx(t), store.ObjectQuery{Kind: "org", OrderBy: store.ObjectOrderSortKey, Ascending: true})
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "by sort_key", objectIDs(got), []string{"org_small", id})
		wantObject(t, got[1], big)
	}},
}

// objectOrders are the values of ObjectQuery.OrderBy, "" the default.
var objectOrders = []store.ObjectOrder{"", store.ObjectOrderCreatedAt, store.ObjectOrderSortKey, store.ObjectOrderSortNum,
	store.ObjectOrderUserFirstName, store.ObjectOrderUserLastName, store.ObjectOrderUserUsername,
	store.ObjectOrderUserEmailAddress, store.ObjectOrderUserPhoneNumber}

// objectOrderKey returns the value o is ordered by; users are the users
// by ID (an absent one orders as "").
func objectOrderKey(o *store.Object, users map[string]*store.User, order store.ObjectOrder) any {
	u := users[o.UserID]
	if u == nil {
		u = &store.User{}
	}
	switch order {
	case "", store.ObjectOrderCreatedAt:
		return o.CreatedAt
	case store.ObjectOrderSortKey:
		return o.SortKey
	case store.ObjectOrderSortNum:
		return o.SortNum
	case store.ObjectOrderUserFirstName:
		return u.FirstName
	case store.ObjectOrderUserLastName:
		return u.LastName
	case store.ObjectOrderUserUsername:
		return u.Username
	case store.ObjectOrderUserEmailAddress:
		return u.PrimaryEmail
	case store.ObjectOrderUserPhoneNumber:
		return u.PrimaryPhone
	}
	panic("unknown order " + string(order))
}

// expectedObjectOrder returns the IDs of objs ordered by order (strings by
// their bytes), then by ID, all reversed unless asc.
func expectedObjectOrder(objs []*store.Object, users []*store.User, order store.ObjectOrder, asc bool) []string {
	byID := make(map[string]*store.User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	c := slices.Clone(objs)
	slices.SortFunc(c, func(a, b *store.Object) int {
		var r int
		switch x := objectOrderKey(a, byID, order).(type) {
		case int64:
			r = cmp.Compare(x, objectOrderKey(b, byID, order).(int64))
		case string:
			r = strings.Compare(x, objectOrderKey(b, byID, order).(string))
		}
		if r == 0 {
			r = strings.Compare(a.ID, b.ID)
		}
		if !asc {
			r = -r
		}
		return r
	})
	return objectIDs(c)
}

// matches reports whether q's kind, ref, status and query select o.
func matches(o *store.Object, q store.ObjectQuery) bool {
	return o.Kind == q.Kind && (q.Ref == "" || o.Ref == q.Ref) && (q.Status == "" || o.Status == q.Status) &&
		strings.Contains(strings.ToLower(o.Search), strings.ToLower(q.Query))
}

// sortFixture is users, and memberships of them with ties in every order:
// equal sort keys and numbers, users sharing names (and empty ones), two
// memberships of one user, memberships without a user or of a user that
// does not exist, inserted in an order unrelated to their IDs; and
// objects of another kind that would sort among them.
func sortFixture() ([]*store.User, []*store.Object) {
	users := []*store.User{
		{ID: "user_1", FirstName: "Ann", LastName: "Zed", Username: "ann", PrimaryEmail: "b@x.test", PrimaryPhone: "+2"},
		{ID: "user_2", FirstName: "ann", LastName: "", Username: "", PrimaryEmail: "a@x.test", PrimaryPhone: ""},
		{ID: "user_3", FirstName: "Ann", LastName: "Émile", Username: "zed", PrimaryEmail: "", PrimaryPhone: "+1"},
		{ID: "user_4", FirstName: "", LastName: "Zed", Username: "bob", PrimaryEmail: "c@x.test", PrimaryPhone: "+2"},
		{ID: "user_5", FirstName: "Zoë", LastName: "émile", Username: "Bob", PrimaryEmail: "B@x.test", PrimaryPhone: "+10"},
	}
	owners := []string{"user_1", "user_2", "user_3", "user_4", "user_5", "", "user_gone", "user_1"}
	keys := []string{"acme", "Acme", "", "zeta", "émile", "acme", "b", "Émile"}
	nums := []int64{10, 9, -5, 10, 0, math.MaxInt64, math.MinInt64, 100, 9}
	var objs []*store.Object
	const n = 17
	for k := range n {
		i := (k * 7) % n // insertion order differs from ID order
		status := "basic"
		if i%3 != 1 {
			status = "admin"
		}
		ref := "org_b"
		if i%2 == 0 {
			ref = "org_a"
		}
		objs = append(objs, &store.Object{
			Kind: "membership", ID: fmt.Sprintf("mem_%02d", i), UserID: owners[i%len(owners)], Ref: ref, Status: status,
			SortKey: keys[i%len(keys)], SortNum: nums[i%len(nums)], Search: fmt.Sprintf("Member %d of %s", i, ref),
			CreatedAt: int64(100 * (i / 3)), UpdatedAt: int64(i), Doc: []byte(`{}`),
		})
	}
	for i, key := range []string{"", "~", "0"} {
		objs = append(objs, &store.Object{Kind: "organization", ID: fmt.Sprintf("mem_%02d", 50+i), UserID: "user_1",
			Ref: "org_a", Status: "admin", SortKey: key, SortNum: int64(i - 1), Search: "member", CreatedAt: int64(i)})
	}
	return users, objs
}

// sortedIDs returns ids sorted.
func sortedIDs(ids []string) []string {
	c := slices.Clone(ids)
	slices.Sort(c)
	return c
}
