package sqlstore

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/clerkgo/clerk/emulator/store"
)

// builder accumulates the text and arguments of one dynamic statement.
type builder struct {
	d    *Dialect
	sb   strings.Builder
	args []any
}

// sql appends literal SQL text.
func (b *builder) sql(s string) *builder {
	b.sb.WriteString(s)
	return b
}

// arg appends a placeholder bound to v.
func (b *builder) arg(v any) *builder {
	b.args = append(b.args, v)
	if b.d.Numbered {
		b.sb.WriteByte('$')
		b.sb.WriteString(strconv.Itoa(len(b.args)))
	} else {
		b.sb.WriteByte('?')
	}
	return b
}

// list appends a comma-separated placeholder list bound to vs.
func (b *builder) list(vs []string) *builder {
	for i, v := range vs {
		if i > 0 {
			b.sb.WriteString(", ")
		}
		b.arg(v)
	}
	return b
}

// page appends LIMIT and OFFSET; limit <= 0 means no limit, offset <= 0
// none. Both are integers, written as literals.
func (b *builder) page(limit, offset int) {
	switch {
	case limit > 0:
		b.sql(" LIMIT " + strconv.Itoa(limit))
	case offset > 0 && b.d.OffsetNeedsLimit:
		b.sql(" LIMIT -1")
	}
	if offset > 0 {
		b.sql(" OFFSET " + strconv.Itoa(offset))
	}
}

func (b *builder) String() string { return b.sb.String() }

// UserListQuery returns the statement, and its arguments, that ListUsers
// runs for q (exported for the backends' query-plan tests).
func UserListQuery(d *Dialect, q store.UserQuery) (string, []any, error) {
	b := &builder{d: d}
	b.sql(`SELECT ` + userColumns + ` FROM users u`)
	b.userWhere(&q)
	if err := b.userOrder(&q); err != nil {
		return "", nil, err
	}
	b.page(q.Limit, q.Offset)
	return b.String(), b.args, nil
}

// orderColumns maps UserQuery.OrderBy to the users column it orders by.
// Each has an index on (column, id).
var orderColumns = map[string]string{
	"":                "created_at",
	"created_at":      "created_at",
	"updated_at":      "updated_at",
	"email_address":   "primary_email",
	"web3wallet":      "primary_web3_wallet",
	"first_name":      "first_name",
	"last_name":       "last_name",
	"phone_number":    "primary_phone",
	"username":        "username",
	"last_active_at":  "last_active_at",
	"last_sign_in_at": "last_sign_in_at",
}

// userWhere appends the WHERE clause selecting the users q matches.
func (b *builder) userWhere(q *store.UserQuery) {
	first := true
	and := func() {
		if first {
			b.sql(" WHERE ")
			first = false
		} else {
			b.sql(" AND ")
		}
	}
	if len(q.UserIDs) > 0 {
		and()
		b.sql("u.id IN (").list(q.UserIDs).sql(")")
	}
	for _, f := range []struct {
		kind   string
		values []string
	}{
		{store.KindEmailAddress, q.EmailAddresses},
		{store.KindPhoneNumber, q.PhoneNumbers},
		{store.KindWeb3Wallet, q.Web3Wallets},
		{store.KindUsername, q.Usernames},
		{store.KindExternalID, q.ExternalIDs},
	} {
		if len(f.values) == 0 {
			continue
		}
		and()
		b.sql("u.id IN (SELECT i.user_id FROM identifiers i WHERE i.kind = ").arg(f.kind).
			sql(" AND i.value IN (").list(f.values).sql("))")
	}
	if len(q.ExcludeExternalIDs) > 0 {
		and()
		b.sql("u.id NOT IN (SELECT i.user_id FROM identifiers i WHERE i.kind = ").arg(store.KindExternalID).
			sql(" AND i.value IN (").list(q.ExcludeExternalIDs).sql("))")
	}
	if q.Query != "" {
		and()
		b.sql("u.search LIKE ").arg(likeContains(q.Query)).sql(` ESCAPE '\'`)
	}
	if q.LastActiveAtSince > 0 {
		and()
		b.sql("u.last_active_at >= ").arg(q.LastActiveAtSince)
	}
}

// userOrder appends the ORDER BY clause of q: its column, then the ID, both
// in q's direction.
func (b *builder) userOrder(q *store.UserQuery) error {
	col, ok := orderColumns[q.OrderBy]
	if !ok {
		return fmt.Errorf("store: cannot order users by %q", q.OrderBy)
	}
	dir := " ASC"
	if q.Descending {
		dir = " DESC"
	}
	b.sql(" ORDER BY u." + col + dir + ", u.id" + dir)
	return nil
}

// ObjectListQuery returns the statement, and its arguments, that
// ListObjects runs for q (exported for the backends' query-plan tests).
func ObjectListQuery(d *Dialect, q store.ObjectQuery) (string, []any, error) {
	order, ok := objectOrders[q.OrderBy]
	if !ok {
		return "", nil, fmt.Errorf("store: cannot order %s by %q", q.Kind, q.OrderBy)
	}
	b := &builder{d: d}
	b.sql(`SELECT ` + listObjectColumns + ` FROM objects o`)
	if order.user {
		b.sql(` LEFT JOIN users u ON u.id = o.user_id`)
	}
	b.objectWhere(&q)
	dir := " DESC"
	if q.Ascending {
		dir = " ASC"
	}
	b.sql(" ORDER BY " + order.expr + dir + ", o.id" + dir)
	b.page(q.Limit, q.Offset)
	return b.String(), b.args, nil
}

// objectOrder is what ListObjects orders by for an ObjectOrder.
type objectOrder struct {
	expr string // the ORDER BY expression, before the ID
	user bool   // expr is a column of the owning user, joined as "u"
}

// objectOrders maps ObjectQuery.OrderBy to its order. Those of the
// object's own columns have an index on (kind, column, id); those of the
// owning user's order the objects selected by the filters (no index can
// serve an order across the join), an object without a user as "".
var objectOrders = map[store.ObjectOrder]objectOrder{
	"":                                {expr: "o.created_at"},
	store.ObjectOrderCreatedAt:        {expr: "o.created_at"},
	store.ObjectOrderSortKey:          {expr: "o.sort_key"},
	store.ObjectOrderSortNum:          {expr: "o.sort_num"},
	store.ObjectOrderUserFirstName:    {expr: "COALESCE(u.first_name, '')", user: true},
	store.ObjectOrderUserLastName:     {expr: "COALESCE(u.last_name, '')", user: true},
	store.ObjectOrderUserUsername:     {expr: "COALESCE(u.username, '')", user: true},
	store.ObjectOrderUserEmailAddress: {expr: "COALESCE(u.primary_email, '')", user: true},
	store.ObjectOrderUserPhoneNumber:  {expr: "COALESCE(u.primary_phone, '')", user: true},
}

// objectWhere appends the WHERE clause selecting the objects q matches,
// the objects table aliased "o".
func (b *builder) objectWhere(q *store.ObjectQuery) {
	b.sql(" WHERE o.kind = ").arg(q.Kind)
	if q.UserID != "" {
		b.sql(" AND o.user_id = ").arg(q.UserID)
	}
	if q.Ref != "" {
		b.sql(" AND o.ref = ").arg(q.Ref)
	}
	if q.Status != "" {
		b.sql(" AND o.status = ").arg(q.Status)
	}
	if len(q.IDs) > 0 {
		b.sql(" AND o.id IN (").list(q.IDs).sql(")")
	}
	if q.Query != "" {
		b.sql(" AND o.search_lower LIKE ").arg(likeContains(q.Query)).sql(` ESCAPE '\'`)
	}
}

// likeContains is the LIKE pattern of the lower-cased text containing
// query, lower-cased.
func likeContains(query string) string {
	return "%" + escapeLike(strings.ToLower(query)) + "%"
}

// escapeLike escapes the LIKE wildcards of s, and the escape character
// itself, with a backslash.
func escapeLike(s string) string {
	if !strings.ContainsAny(s, `\%_`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r == '\\' || r == '%' || r == '_' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// searchSep separates the fields of a user's search text, so that a query
// does not match across two of them (unless it contains the separator).
const searchSep = "\x1f"

// searchText is what UserQuery.Query matches against: the user's ID, names,
// username, external ID and identifier values, lower-cased by Go on both
// backends so that case-insensitivity does not depend on a database's
// locale.
func searchText(u *store.User) string {
	parts := make([]string, 0, 5+len(u.Identifiers))
	parts = append(parts, u.ID, u.FirstName, u.LastName, u.Username, u.ExternalID)
	for _, idn := range u.Identifiers {
		parts = append(parts, idn.Value)
	}
	return strings.ToLower(strings.Join(parts, searchSep))
}
