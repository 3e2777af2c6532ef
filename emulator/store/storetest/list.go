package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/clerkgo/clerk/emulator/store"
)

// filterFixture is a handful of users to filter.
func filterFixture() []*store.User {
	mk := func(id, first, last, username, ext string, lastActive int64, idns ...store.Identifier) *store.User {
		u := &store.User{ID: id, CreatedAt: lastActive, FirstName: first, LastName: last, Username: username,
			ExternalID: ext, LastActiveAt: lastActive, Identifiers: idns, Doc: []byte(`{}`)}
		if username != "" {
			u.Identifiers = append(u.Identifiers, store.Identifier{Kind: store.KindUsername, Value: username})
		}
		if ext != "" {
			u.Identifiers = append(u.Identifiers, store.Identifier{Kind: store.KindExternalID, Value: ext})
		}
		return u
	}
	phone := func(id, v string) store.Identifier {
		return store.Identifier{ID: id, Kind: store.KindPhoneNumber, Value: v}
	}
	wallet := func(id, v string) store.Identifier {
		return store.Identifier{ID: id, Kind: store.KindWeb3Wallet, Value: v}
	}
	return []*store.User{
		mk("user_a", "Alice", "Liddell", "alice", "ext_a", 5000,
			email("idn_a1", "alice@example.com"), email("idn_a2", "alice@work.test"), phone("idn_a3", "+100"),
			wallet("idn_a4", "0xa11ce")),
		mk("user_b", "Bob", "Builder", "bob", "ext_b", 3000, email("idn_b1", "bob@example.com"), phone("idn_b2", "+200")),
		mk("user_c", "Carol", "Alison", "", "", 0, email("idn_c1", "carol@example.com"), wallet("idn_c2", "0xc0ffee")),
		mk("user_d", "Dave", "", "dave", "ext_d", 2999, phone("idn_d1", "+300")),
	}
}

// wildcardFixture has names holding LIKE's wildcards and escape, each
// next to a name the unescaped wildcard would also match. (The IDs have
// none of them, since a query matches IDs too.)
func wildcardFixture() []*store.User {
	names := map[string]string{
		"userpct":     "100% sure",
		"usernopct":   "100 x sure",
		"userunder":   "snake_case",
		"usernounder": "snakeXcase",
		"userbslash":  `back\slash`,
		"usernobsl":   "backslash",
		"userumlaut":  "Ärger",
	}
	var users []*store.User
	for id, name := range names {
		users = append(users, &store.User{ID: id, FirstName: name})
	}
	return users
}

var listCases = []testCase{
	{"every filter of UserQuery selects the users it names, and CountUsers counts them", func(t *testing.T, s store.Store) {
		for _, u := range filterFixture() {
			mustInsertUser(t, s, u)
		}
		for _, c := range []struct {
			name string
			q    store.UserQuery
			want []string
		}{
			{"no filter matches every user", store.UserQuery{}, []string{"user_a", "user_b", "user_c", "user_d"}},
			{"user IDs match any listed, unknown ones ignored", store.UserQuery{UserIDs: []string{"user_c", "user_a", "user_zz"}}, []string{"user_a", "user_c"}},
			{"email addresses match a secondary address", store.UserQuery{EmailAddresses: []string{"alice@work.test"}}, []string{"user_a"}},
			{"email addresses match any listed", store.UserQuery{EmailAddresses: []string{"bob@example.com", "carol@example.com"}}, []string{"user_b", "user_c"}},
			{"email addresses are compared as given", store.UserQuery{EmailAddresses: []string{"ALICE@example.com"}}, nil},
			{"phone numbers match any listed", store.UserQuery{PhoneNumbers: []string{"+200", "+300"}}, []string{"user_b", "user_d"}},
			{"web3 wallets match", store.UserQuery{Web3Wallets: []string{"0xc0ffee"}}, []string{"user_c"}},
			{"usernames match any listed", store.UserQuery{Usernames: []string{"dave", "alice"}}, []string{"user_a", "user_d"}},
			{"external IDs match", store.UserQuery{ExternalIDs: []string{"ext_b"}}, []string{"user_b"}},
			{"excluded external IDs drop their users and keep users without one", store.UserQuery{ExcludeExternalIDs: []string{"ext_a", "ext_d"}}, []string{"user_b", "user_c"}},
			{"query matches first and last names case-insensitively", store.UserQuery{Query: "ALI"}, []string{"user_a", "user_c"}},
			{"query matches the ID", store.UserQuery{Query: "USER_B"}, []string{"user_b"}},
			{"query matches the last name", store.UserQuery{Query: "builder"}, []string{"user_b"}},
			{"query matches the username", store.UserQuery{Query: "dav"}, []string{"user_d"}},
			{"query matches the external ID", store.UserQuery{Query: "Ext_D"}, []string{"user_d"}},
			{"query matches any email address", store.UserQuery{Query: "work.TEST"}, []string{"user_a"}},
			{"query matches a phone number", store.UserQuery{Query: "+3"}, []string{"user_d"}},
			{"query matches a web3 wallet", store.UserQuery{Query: "0XC0F"}, []string{"user_c"}},
			{"query matching nothing selects no one", store.UserQuery{Query: "nobody"}, nil},
			{"last active since keeps users active at or after it", store.UserQuery{LastActiveAtSince: 3000}, []string{"user_a", "user_b"}},
			{"last active since drops users never active", store.UserQuery{LastActiveAtSince: 1}, []string{"user_a", "user_b", "user_d"}},
			{"filters combine with AND", store.UserQuery{Query: "ali", LastActiveAtSince: 1}, []string{"user_a"}},
			{"an inclusion and an exclusion combine", store.UserQuery{EmailAddresses: []string{"alice@example.com", "bob@example.com"}, ExcludeExternalIDs: []string{"ext_a"}}, []string{"user_b"}},
			{"two inclusions intersect", store.UserQuery{UserIDs: []string{"user_a", "user_b"}, Usernames: []string{"bob", "dave"}}, []string{"user_b"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				c.q.OrderBy = "first_name"
				got, err := s.ListUsers(ctx(t), c.q)
				if err != nil {
					t.Fatalf("ListUsers: %v", err)
				}
				wantIDs(t, "ListUsers", userIDs(got), c.want)
				c.q.Limit, c.q.Offset = 1, 1 // ignored by CountUsers
				n, err := s.CountUsers(ctx(t), c.q)
				if err != nil || n != int64(len(c.want)) {
					t.Fatalf("CountUsers = %d, %v; want %d", n, err, len(c.want))
				}
			})
		}
	}},
	{"listed users carry their identifiers and doc", func(t *testing.T, s store.Store) {
		fixture := filterFixture()
		for _, u := range fixture {
			mustInsertUser(t, s, u)
		}
		got, err := s.ListUsers(ctx(t), store.UserQuery{OrderBy: "first_name"})
		if err != nil {
			t.Fatalf("ListUsers: %v", err)
		}
		for i, u := range got {
			wantUser(t, u, fixture[i])
		}
	}},
	{"a query matches percent signs, underscores and backslashes literally", func(t *testing.T, s store.Store) {
		for _, u := range wildcardFixture() {
			mustInsertUser(t, s, u)
		}
		for _, c := range []struct{ query, want string }{
			{"0% s", "userpct"},
			{"%", "userpct"},
			{"e_c", "userunder"},
			{"_", "userunder"},
			{`k\s`, "userbslash"},
			{`\`, "userbslash"},
			{"äRGER", "userumlaut"},
		} {
			t.Run(c.query, func(t *testing.T) {
				got, err := s.ListUsers(ctx(t), store.UserQuery{Query: c.query})
				if err != nil {
					t.Fatalf("ListUsers: %v", err)
				}
				wantIDs(t, fmt.Sprintf("ListUsers(Query: %q)", c.query), userIDs(got), []string{c.want})
				if n, err := s.CountUsers(ctx(t), store.UserQuery{Query: c.query}); err != nil || n != 1 {
					t.Fatalf("CountUsers = %d, %v; want 1", n, err)
				}
			})
		}
	}},
	{"every OrderBy sorts both ways with ties broken by ID, and pages of it never overlap", func(t *testing.T, s store.Store) {
		users := orderFixture()
		for _, u := range users {
			mustInsertUser(t, s, u)
		}
		for _, orderBy := range orderBys {
			for _, desc := range []bool{false, true} {
				name := orderBy
				if name == "" {
					name = "default (created_at)"
				}
				if desc {
					name = "-" + name
				}
				t.Run(name, func(t *testing.T) {
					want := expectedOrder(users, orderBy, desc)
					q := store.UserQuery{OrderBy: orderBy, Descending: desc}
					got, err := s.ListUsers(ctx(t), q)
					if err != nil {
						t.Fatalf("ListUsers: %v", err)
					}
					wantIDs(t, "ListUsers", userIDs(got), want)
					var paged []string
					for q.Offset = 0; q.Offset < len(users)+4; q.Offset += 4 {
						q.Limit = 4
						page, err := s.ListUsers(ctx(t), q)
						if err != nil {
							t.Fatalf("ListUsers(page at %d): %v", q.Offset, err)
						}
						if len(page) > 4 {
							t.Fatalf("page of %d users, limit 4", len(page))
						}
						paged = append(paged, userIDs(page)...)
					}
					wantIDs(t, "pages of 4 put together", paged, want)
				})
			}
		}
	}},
	{"an unknown OrderBy is an error", func(t *testing.T, s store.Store) {
		if _, err := s.ListUsers(ctx(t), store.UserQuery{OrderBy: "password"}); err == nil {
			t.Fatal("ListUsers(OrderBy: password) succeeded")
		}
	}},
	{"limit 0 lists everything, an offset alone skips, and an offset past the end lists nothing", func(t *testing.T, s store.Store) {
		for i := range 5 {
			mustInsertUser(t, s, simpleUser(fmt.Sprintf("user_%d", i), fmt.Sprintf("u%d@example.com", i), int64(i)))
		}
		for _, c := range []struct {
			limit, offset int
			want          []string
		}{
			{0, 0, []string{"user_0", "user_1", "user_2", "user_3", "user_4"}},
			{0, 3, []string{"user_3", "user_4"}},
			{2, 1, []string{"user_1", "user_2"}},
			{10, 4, []string{"user_4"}},
			{2, 5, nil},
			{0, 100, nil},
		} {
			got, err := s.ListUsers(ctx(t), store.UserQuery{Limit: c.limit, Offset: c.offset})
			if err != nil {
				t.Fatalf("ListUsers: %v", err)
			}
			wantIDs(t, fmt.Sprintf("limit %d offset %d", c.limit, c.offset), userIDs(got), c.want)
		}
	}},
	{"2,000 users inserted in one Tx page through exactly once each way", func(t *testing.T, s store.Store) {
		const n = 2000
		err := s.Tx(ctx(t), func(tx store.Store) error {
			for i := range n {
				// Ten users per millisecond: the pages cut through ties.
				u := simpleUser(fmt.Sprintf("user_%05d", (i*7919)%n), fmt.Sprintf("u%05d@example.com", i), int64(i/10))
				if err := tx.InsertUser(ctx(t), u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Tx: %v", err)
		}
		if got, err := s.CountUsers(ctx(t), store.UserQuery{}); err != nil || got != n {
			t.Fatalf("CountUsers = %d, %v; want %d", got, err, n)
		}
		all, err := s.ListUsers(ctx(t), store.UserQuery{})
		if err != nil || len(all) != n {
			t.Fatalf("ListUsers = %d users, %v; want %d", len(all), err, n)
		}
		for _, u := range all {
			if len(u.Identifiers) != 1 || u.Identifiers[0].UserID != u.ID {
				t.Fatalf("user %s listed with identifiers %v", u.ID, u.Identifiers)
			}
		}
		for _, desc := range []bool{false, true} {
			seen := make(map[string]bool, n)
			var last *store.User
			for off := 0; ; off += 150 {
				page, err := s.ListUsers(ctx(t), store.UserQuery{Descending: desc, Limit: 150, Offset: off})
				if err != nil {
					t.Fatalf("ListUsers: %v", err)
				}
				if len(page) == 0 {
					break
				}
				for _, u := range page {
					if seen[u.ID] {
						t.Fatalf("user %s listed twice", u.ID)
					}
					seen[u.ID] = true
					if last != nil && (userLess(u, last) != desc) {
						t.Fatalf("user %s listed after %s", u.ID, last.ID)
					}
					last = u
				}
			}
			if len(seen) != n {
				t.Fatalf("paging listed %d users, want %d", len(seen), n)
			}
		}
	}},
}

// userLess orders users by creation time, then ID.
func userLess(a, b *store.User) bool {
	if a.CreatedAt != b.CreatedAt {
		return a.CreatedAt < b.CreatedAt
	}
	return a.ID < b.ID
}

// orderBys are the values of UserQuery.OrderBy, "" the default.
var orderBys = []string{"", "created_at", "updated_at", "email_address", "web3wallet", "first_name", "last_name",
	"phone_number", "username", "last_active_at", "last_sign_in_at"}

// orderKey returns the value a user is ordered by.
func orderKey(u *store.User, orderBy string) any {
	switch orderBy {
	case "", "created_at":
		return u.CreatedAt
	case "updated_at":
		return u.UpdatedAt
	case "email_address":
		return u.PrimaryEmail
	case "web3wallet":
		return u.PrimaryWeb3Wallet
	case "first_name":
		return u.FirstName
	case "last_name":
		return u.LastName
	case "phone_number":
		return u.PrimaryPhone
	case "username":
		return u.Username
	case "last_active_at":
		return u.LastActiveAt
	case "last_sign_in_at":
		return u.LastSignInAt
	}
	panic("unknown order " + orderBy)
}

// expectedOrder returns the IDs of users ordered by orderBy (strings by
// their bytes), then by ID, all reversed when desc.
func expectedOrder(users []*store.User, orderBy string, desc bool) []string {
	c := slices.Clone(users)
	sort.Slice(c, func(i, j int) bool {
		var r int
		switch a := orderKey(c[i], orderBy).(type) {
		case int64:
			r = cmp.Compare(a, orderKey(c[j], orderBy).(int64))
		case string:
			r = strings.Compare(a, orderKey(c[j], orderBy).(string))
		}
		if r == 0 {
			r = strings.Compare(c[i].ID, c[j].ID)
		}
		if desc {
			return r > 0
		}
		return r < 0
	})
	return userIDs(c)
}

// orderFixture is 14 users with ties in every column, empty values among
// them, names whose byte order differs from a case-insensitive one, and
// inserted in an order unrelated to their IDs.
func orderFixture() []*store.User {
	firsts := []string{"Ann", "ann", "Bob", "", "Zoë", "bob", "Ann"}
	lasts := []string{"Smith", "", "Jones", "Smith", "Émile", "jones"}
	var users []*store.User
	for k := range 14 {
		i := (k * 5) % 14 // insertion order differs from ID order
		u := &store.User{
			ID:           fmt.Sprintf("user_%02d", i),
			CreatedAt:    int64(100 * (i / 3)),
			UpdatedAt:    int64(1000 - 100*(i%4)),
			LastActiveAt: int64(50 * (i % 3)),
			LastSignInAt: int64(70 * (i % 5 / 2)),
			FirstName:    firsts[i%len(firsts)],
			LastName:     lasts[i%len(lasts)],
			Doc:          []byte(`{}`),
		}
		if i%3 != 0 { // a third have no email: ties on ""
			u.PrimaryEmail = fmt.Sprintf("%c@example.com", 'z'-i)
			u.Identifiers = append(u.Identifiers, email(fmt.Sprintf("idn_e%02d", i), u.PrimaryEmail))
		}
		if i%2 == 0 {
			u.PrimaryPhone = fmt.Sprintf("+1555%04d", (i*37)%100)
			u.Identifiers = append(u.Identifiers, store.Identifier{ID: fmt.Sprintf("idn_p%02d", i), Kind: store.KindPhoneNumber, Value: u.PrimaryPhone})
		}
		if i%4 == 1 {
			u.PrimaryWeb3Wallet = fmt.Sprintf("0x%02x", 255-i)
			u.Identifiers = append(u.Identifiers, store.Identifier{ID: fmt.Sprintf("idn_w%02d", i), Kind: store.KindWeb3Wallet, Value: u.PrimaryWeb3Wallet})
		}
		if i%3 != 1 {
			u.Username = fmt.Sprintf("%c_user", 'a'+(i*3)%14)
			u.Identifiers = append(u.Identifiers, store.Identifier{Kind: store.KindUsername, Value: u.Username})
		}
		users = append(users, u)
	}
	return users
}
