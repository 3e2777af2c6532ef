package sqlstore

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/clerkgo/clerk/emulator/store"
)

func TestEscapeLikeEscapesWildcardsAndTheEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain":  "plain",
		"100%":   `100\%`,
		"a_b":    `a\_b`,
		`a\b`:    `a\\b`,
		`%_\`:    `\%\_\\`,
		"ümlaut": "ümlaut",
	} {
		if got := escapeLike(in); got != want {
			t.Errorf("escapeLike(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRebindNumbersPlaceholdersForPostgres(t *testing.T) {
	d := &Dialect{Numbered: true}
	if got := d.rebind("a = ? AND b IN (?, ?)"); got != "a = $1 AND b IN ($2, $3)" {
		t.Fatalf("rebind = %q", got)
	}
	if got := (&Dialect{}).rebind("a = ?"); got != "a = ?" {
		t.Fatalf("rebind without numbering = %q", got)
	}
}

func TestPagingOmitsWhatIsNotAskedFor(t *testing.T) {
	for _, c := range []struct {
		needsLimit    bool
		limit, offset int
		want          string
	}{
		{false, 0, 0, ""},
		{true, 0, 0, ""},
		{false, 10, 0, " LIMIT 10"},
		{false, 0, 5, " OFFSET 5"},
		{true, 0, 5, " LIMIT -1 OFFSET 5"},
		{true, 10, 5, " LIMIT 10 OFFSET 5"},
		{true, -1, -3, ""},
	} {
		b := &builder{d: &Dialect{OffsetNeedsLimit: c.needsLimit}}
		b.page(c.limit, c.offset)
		if b.String() != c.want {
			t.Errorf("page(%d, %d) with needsLimit %v = %q, want %q", c.limit, c.offset, c.needsLimit, b.String(), c.want)
		}
	}
}

func TestSearchTextHoldsEveryMatchedFieldLowerCased(t *testing.T) {
	u := &store.User{ID: "user_X", FirstName: "Ärger", LastName: "B", Username: "U", ExternalID: "E",
		Identifiers: []store.Identifier{{Value: "A@B.C"}}}
	want := strings.Join([]string{"user_x", "ärger", "b", "u", "e", "a@b.c"}, searchSep)
	if got := searchText(u); got != want {
		t.Fatalf("searchText = %q, want %q", got, want)
	}
}

func TestSplitStatementsDropsCommentsAndBlankLines(t *testing.T) {
	src := "-- a comment\nCREATE TABLE a (\n\tx INTEGER -- trailing\n);\n\n-- another\nCREATE INDEX i ON a (x);\n"
	want := []string{"CREATE TABLE a (\n\tx INTEGER -- trailing\n);", "CREATE INDEX i ON a (x);"}
	if got := splitStatements(src); !reflect.DeepEqual(got, want) {
		t.Fatalf("splitStatements = %q, want %q", got, want)
	}
}

func TestLoadMigrationsWantsNumberedFilesWithoutGaps(t *testing.T) {
	ok := fstest.MapFS{
		"m/0002_more.sql": {Data: []byte("B;")},
		"m/0001_init.sql": {Data: []byte("A;")},
		"m/README":        {Data: []byte("ignored")},
	}
	ms, err := LoadMigrations(ok, "m")
	if err != nil || len(ms) != 2 || ms[0].Version != 1 || ms[1].SQL != "B;" {
		t.Fatalf("LoadMigrations = %+v, %v", ms, err)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"a gap":      {"m/0001_a.sql": {}, "m/0003_c.sql": {}},
		"a bad name": {"m/init.sql": {}},
		"a zero":     {"m/0000_a.sql": {}},
		"a repeat":   {"m/0001_a.sql": {}, "m/0001_b.sql": {}},
	} {
		if _, err := LoadMigrations(fsys, "m"); err == nil {
			t.Errorf("LoadMigrations with %s succeeded", name)
		}
	}
}

func TestObjectListQueryJoinsUsersOnlyForTheirOrders(t *testing.T) {
	d := &Dialect{Numbered: true}
	for order, join := range map[store.ObjectOrder]bool{
		"": false, store.ObjectOrderCreatedAt: false, store.ObjectOrderSortKey: false, store.ObjectOrderSortNum: false,
		store.ObjectOrderUserFirstName: true, store.ObjectOrderUserLastName: true, store.ObjectOrderUserUsername: true,
		store.ObjectOrderUserEmailAddress: true, store.ObjectOrderUserPhoneNumber: true,
	} {
		query, _, err := ObjectListQuery(d, store.ObjectQuery{Kind: "k", OrderBy: order})
		if err != nil {
			t.Fatalf("order %q: %v", order, err)
		}
		if strings.Contains(query, "JOIN users") != join {
			t.Errorf("order %q: %s", order, query)
		}
	}
	if _, _, err := ObjectListQuery(d, store.ObjectQuery{Kind: "k", OrderBy: "name"}); err == nil {
		t.Error("ObjectListQuery(OrderBy: name) succeeded")
	}
}

func TestObjectWhereBindsEveryFilter(t *testing.T) {
	query, args, err := ObjectListQuery(&Dialect{}, store.ObjectQuery{Kind: "k", UserID: "u", Ref: "r", Status: "s",
		IDs: []string{"a", "b"}, Query: `50%_É\`, OrderBy: store.ObjectOrderSortNum, Ascending: true, Limit: 2, Offset: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := ` WHERE o.kind = ? AND o.user_id = ? AND o.ref = ? AND o.status = ? AND o.id IN (?, ?)` +
		` AND o.search_lower LIKE ? ESCAPE '\' ORDER BY o.sort_num ASC, o.id ASC LIMIT 2 OFFSET 1`
	if !strings.HasSuffix(query, want) {
		t.Errorf("query %q\nwant it to end %q", query, want)
	}
	wantArgs := []any{"k", "u", "r", "s", "a", "b", `%50\%\_é\\%`}
	if !reflect.DeepEqual(args, wantArgs) {
		t.Errorf("args %q, want %q", args, wantArgs)
	}
}
