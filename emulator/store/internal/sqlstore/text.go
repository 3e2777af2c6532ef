package sqlstore

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/clerkgo/clerk/emulator/store"
)

// Text that both backends keep alike. PostgreSQL refuses NUL and invalid
// UTF-8 in text, and index entries longer than about 2,700 bytes; SQLite
// takes all three. The checks here make both refuse the same writes (with
// *store.ValueError) and find nothing for keys no write could have stored,
// without asking the database.

// storable reports whether every backend can keep s.
func storable(s string) bool {
	return strings.IndexByte(s, 0) < 0 && utf8.ValidString(s)
}

// checkText returns a *store.ValueError for a field s that no backend can
// keep; key fields are indexed, so their length is capped too.
func checkText(field, s string, key bool) error {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return &store.ValueError{Field: field, Problem: "holds NUL"}
	case !utf8.ValidString(s):
		return &store.ValueError{Field: field, Problem: "is not valid UTF-8"}
	case key && len(s) > store.MaxKeyBytes:
		return &store.ValueError{Field: field, Problem: fmt.Sprintf("is longer than %d bytes", store.MaxKeyBytes)}
	}
	return nil
}

// checkUserText checks the text a user write stores.
func checkUserText(u *store.User) error {
	for _, f := range []struct {
		name, value string
	}{
		{"id", u.ID}, {"first_name", u.FirstName}, {"last_name", u.LastName}, {"username", u.Username},
		{"external_id", u.ExternalID}, {"primary_email", u.PrimaryEmail}, {"primary_phone", u.PrimaryPhone},
		{"primary_web3_wallet", u.PrimaryWeb3Wallet},
	} {
		if err := checkText(f.name, f.value, true); err != nil {
			return err
		}
	}
	for _, idn := range u.Identifiers {
		if err := checkText("identifier "+idn.Kind, idn.Value, true); err != nil {
			return err
		}
		if err := checkText("identifier id", idn.ID, true); err != nil {
			return err
		}
		if err := checkText("identifier kind", idn.Kind, true); err != nil {
			return err
		}
	}
	return nil
}

// checkObjectText checks the text an object write stores.
func checkObjectText(o *store.Object) error {
	for _, f := range []struct {
		name, value string
	}{
		{"kind", o.Kind}, {"id", o.ID}, {"user_id", o.UserID}, {"ref", o.Ref}, {"status", o.Status}, {"unique", o.Unique},
		{"sort_key", o.SortKey},
	} {
		if err := checkText(o.Kind+" "+f.name, f.value, true); err != nil {
			return err
		}
	}
	// Search is not indexed: any length.
	return checkText(o.Kind+" search", o.Search, false)
}

// storableOnly drops the values no row can hold from a list filter, and
// reports whether any is left: a filter whose values are all dropped
// matches nothing.
func storableOnly(vals []string) ([]string, bool) {
	if !slices.ContainsFunc(vals, func(v string) bool { return !storable(v) }) {
		return vals, len(vals) > 0
	}
	kept := slices.DeleteFunc(slices.Clone(vals), func(v string) bool { return !storable(v) })
	return kept, len(kept) > 0
}

// storableUserQuery drops from q's filters the values no user can have,
// and reports whether q can match any user. A Query longer than
// MaxKeyBytes is refused (SQLite's LIKE takes patterns of 50,000 bytes at
// most, PostgreSQL's any length): both stores answer it with ValueError.
func storableUserQuery(q store.UserQuery) (store.UserQuery, bool, error) {
	if len(q.Query) > store.MaxKeyBytes {
		return q, false, &store.ValueError{Field: "query", Problem: fmt.Sprintf("is longer than %d bytes", store.MaxKeyBytes)}
	}
	ok := true
	for _, f := range []*[]string{&q.UserIDs, &q.EmailAddresses, &q.PhoneNumbers, &q.Web3Wallets, &q.Usernames, &q.ExternalIDs} {
		if len(*f) == 0 {
			continue
		}
		var left bool
		if *f, left = storableOnly(*f); !left {
			ok = false
		}
	}
	q.ExcludeExternalIDs, _ = storableOnly(q.ExcludeExternalIDs)
	if !storable(q.Query) {
		ok = false
	}
	return q, ok, nil
}

// storableObjectQuery drops from q's IDs the values no object can have,
// and reports whether q can match any object.
func storableObjectQuery(q store.ObjectQuery) (store.ObjectQuery, bool) {
	ok := storable(q.Kind) && storable(q.UserID) && storable(q.Ref) && storable(q.Status) && storable(q.Query)
	if len(q.IDs) > 0 {
		var left bool
		if q.IDs, left = storableOnly(q.IDs); !left {
			ok = false
		}
	}
	return q, ok
}
