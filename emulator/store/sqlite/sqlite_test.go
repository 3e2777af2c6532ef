package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/emulator/store/internal/sqlstore"
	"github.com/clerkgo/clerk/emulator/store/storetest"
)

// openTemp opens a new database file in t's temporary directory.
func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "clerk.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreInFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func TestStoreInMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(t.Context(), ":memory:")
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestEachInMemoryStoreIsADatabaseOfItsOwn(t *testing.T) {
	a, err := Open(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(t.Context(), ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.InsertUser(t.Context(), &store.User{ID: "user_1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.User(t.Context(), "user_1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("User in the other database: %v, want ErrNotFound", err)
	}
	if a.Path() != ":memory:" {
		t.Fatalf("Path = %q", a.Path())
	}
}

func TestOpenCreatesTheParentDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "clerk.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	if s.Path() != path {
		t.Fatalf("Path = %q, want %q", s.Path(), path)
	}
}

func TestAPathWithURICharactersIsAFileName(t *testing.T) {
	path := filepath.Join(t.TempDir(), "odd ?name#%20&x=1.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
}

func TestFileDatabasesAreDurableAndSerialiseWrites(t *testing.T) {
	s := openTemp(t)
	for _, c := range []struct{ pragma, want string }{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", fmt.Sprint(busyTimeoutMillis)},
	} {
		var got string
		if err := s.w.QueryRowContext(t.Context(), "PRAGMA "+c.pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", c.pragma, err)
		}
		if got != c.want {
			t.Errorf("PRAGMA %s = %s, want %s", c.pragma, got, c.want)
		}
	}
	if got := s.w.Stats().MaxOpenConnections; got != 1 {
		t.Errorf("write pool has %d connections, want 1", got)
	}
}

func TestReopeningKeepsTheDataAndMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clerk.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.InsertUser(t.Context(), &store.User{ID: "user_1", Doc: []byte(`{"a":1}`)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(t.Context(), path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	u, err := s.User(t.Context(), "user_1")
	if err != nil || string(u.Doc) != `{"a":1}` {
		t.Fatalf("User after reopen = %+v, %v", u, err)
	}
	wantMigrations(t, s)
}

// wantMigrations fails t unless every migration is recorded once.
func wantMigrations(t *testing.T, s *Store) {
	t.Helper()
	ms, err := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	var rows, max int
	if err := s.w.QueryRowContext(t.Context(), "SELECT COUNT(*), MAX(version) FROM schema_migrations").Scan(&rows, &max); err != nil {
		t.Fatal(err)
	}
	if rows != len(ms) || max != len(ms) {
		t.Fatalf("schema_migrations has %d rows up to version %d, want %d", rows, max, len(ms))
	}
}

func TestADatabaseOfANewerSchemaIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clerk.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(t.Context(), "INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = Open(t.Context(), path)
	if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "999") {
		t.Fatalf("Open = %v, want ErrSchemaTooNew naming version 999", err)
	}
}

func TestConcurrentOpensOfANewFileMigrateOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clerk.db")
	const n = 8
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(t.Context(), path)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	wantMigrations(t, stores[0])
}

func TestTwoStoresOnOneFileWriteConcurrentlyWithoutBusyErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clerk.db")
	a, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const each = 40
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for k, s := range []*Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				id := fmt.Sprintf("user_%d_%d", k, i)
				err := s.Tx(t.Context(), func(tx store.Store) error {
					if _, err := tx.CountUsers(t.Context(), store.UserQuery{}); err != nil { // read, then write
						return err
					}
					return tx.InsertUser(t.Context(), &store.User{ID: id})
				})
				if err != nil {
					errs <- fmt.Errorf("%s: %w", id, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n, err := a.CountUsers(t.Context(), store.UserQuery{}); err != nil || n != 4*each {
		t.Fatalf("CountUsers = %d, %v; want %d", n, err, 4*each)
	}
}

// The kill test: a child process (this test binary, running
// TestKillHelper) inserts users and prints each ID once InsertUser has
// returned; the parent kills it with SIGKILL mid-stream and checks that
// every printed user is in the database.
const killEnv = "CLERK_SQLITE_KILL_HELPER_DB"

func TestWritesThatReturnedSurviveKill9(t *testing.T) {
	path := filepath.Join(t.TempDir(), "clerk.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), killEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var written []string
	sc := bufio.NewScanner(out)
	for sc.Scan() && len(written) < 40 {
		if id, ok := strings.CutPrefix(sc.Text(), "wrote "); ok {
			written = append(written, id)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if len(written) < 40 {
		t.Fatalf("the child wrote %d users before it stopped, want 40", len(written))
	}
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open after kill: %v", err)
	}
	defer s.Close()
	for _, id := range written {
		if _, err := s.User(t.Context(), id); err != nil {
			t.Fatalf("user %s, written before the kill: %v", id, err)
		}
	}
}

func TestKillHelper(t *testing.T) {
	path := os.Getenv(killEnv)
	if path == "" {
		t.Skip("only run by TestWritesThatReturnedSurviveKill9")
	}
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for i := 0; time.Now().Before(deadline); i++ {
		id := fmt.Sprintf("user_%06d", i)
		if err := s.InsertUser(ctx, &store.User{ID: id, Doc: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(os.Stdout, "wrote %s\n", id)
	}
}

func TestListingUsersByEveryOrderUsesAnIndexNotASort(t *testing.T) {
	s := openTemp(t)
	orders := []string{"", "created_at", "updated_at", "email_address", "web3wallet", "first_name", "last_name",
		"phone_number", "username", "last_active_at", "last_sign_in_at"}
	for _, orderBy := range orders {
		for _, desc := range []bool{false, true} {
			query, args, err := sqlstore.UserListQuery(dialect, store.UserQuery{OrderBy: orderBy, Descending: desc, Limit: 100, Offset: 100})
			if err != nil {
				t.Fatal(err)
			}
			plan := explain(t, s, query, args)
			if strings.Contains(plan, "TEMP B-TREE") || !strings.Contains(plan, "USING INDEX users_") {
				t.Errorf("order %q desc %v: plan %q, want an index scan without a sort", orderBy, desc, plan)
			}
		}
	}
	query, args, err := sqlstore.UserListQuery(dialect, store.UserQuery{LastActiveAtSince: 5, OrderBy: "last_active_at", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if plan := explain(t, s, query, args); !strings.Contains(plan, "USING INDEX users_last_active_at") {
		t.Errorf("last active filter: plan %q, want users_last_active_at", plan)
	}
}

// explain returns SQLite's query plan of query.
func explain(t *testing.T, s *Store, query string, args []any) string {
	t.Helper()
	rows, err := s.w.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", query, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "; ")
}

func TestListingObjectsByTheirOwnOrdersUsesAnIndexNotASort(t *testing.T) {
	s := openTemp(t)
	for order, index := range map[store.ObjectOrder]string{
		"":                         "objects_created_at",
		store.ObjectOrderCreatedAt: "objects_created_at",
		store.ObjectOrderSortKey:   "objects_sort_key",
		store.ObjectOrderSortNum:   "objects_sort_num",
	} {
		for _, asc := range []bool{false, true} {
			query, args, err := sqlstore.ObjectListQuery(dialect, store.ObjectQuery{Kind: "organization", OrderBy: order, Ascending: asc, Limit: 100, Offset: 100})
			if err != nil {
				t.Fatal(err)
			}
			plan := explain(t, s, query, args)
			if strings.Contains(plan, "TEMP B-TREE") || !strings.Contains(plan, "USING INDEX "+index+" (kind=?)") {
				t.Errorf("order %q ascending %v: plan %q, want a search of %s without a sort", order, asc, plan, index)
			}
		}
	}
	// An organization's memberships by their members' names: the
	// memberships and their users are found through indexes, then sorted.
	query, args, err := sqlstore.ObjectListQuery(dialect, store.ObjectQuery{Kind: "membership", Ref: "org_1",
		OrderBy: store.ObjectOrderUserFirstName, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if plan := explain(t, s, query, args); strings.Contains(plan, "SCAN") ||
		!strings.Contains(plan, "USING INDEX objects_ref (kind=? AND ref=?)") {
		t.Errorf("memberships by first name: plan %q, want searches, no scan", plan)
	}
	// DeleteObjectsByRef's statement (sqlstore's deleteObjectsByRef).
	if plan := explain(t, s, "DELETE FROM objects WHERE ref = ?", []any{"org_1"}); !strings.Contains(plan, "USING INDEX objects_ref_any (ref=?)") {
		t.Errorf("delete by ref: plan %q, want objects_ref_any", plan)
	}
}

func TestObjectsOfTheFirstSchemaAreKeptByTheSecond(t *testing.T) {
	s := openFromMigration(t, 1, `INSERT INTO objects (kind, id, user_id, ref, status, unique_key, created_at, updated_at, doc)
		VALUES ('organization', 'org_1', '', 'r', 'active', 'acme', 5, 6, X'7B7D')`)
	storetest.CheckObjectFromBeforeMigration2(t, s)
}

// openFromMigration makes a database of the first n migrations, runs seed
// on it, and opens it (migrating it to the last), closed when t ends.
func openFromMigration(t *testing.T, n int, seed string) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "clerk.db")
	ms, err := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", fileDSN(path, "_txlock=immediate"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.Migrate(t.Context(), db, dialect, ms[:n]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), seed); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	wantMigrations(t, s)
	return s
}

// The outbox has no index by endpoint, which each enqueue would write to:
// a claim reads each endpoint's messages from its cursor up, by Seq
// (migration 0005).
func TestClaimsReadTheOutboxBySeqWithoutAnIndexByEndpoint(t *testing.T) {
	s := openTemp(t)
	rows, err := s.w.QueryContext(t.Context(), `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox'`)
	if err != nil {
		t.Fatal(err)
	}
	var indexes []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, name)
	}
	rows.Close()
	if len(indexes) != 1 || !strings.HasPrefix(indexes[0], "sqlite_autoindex_outbox") {
		t.Errorf("the outbox's indexes are %v, want only its unique id's", indexes)
	}
	heads, run := sqlstore.OutboxClaimQueries(dialect)
	if plan := explain(t, s, heads, []any{"", ""}); !strings.Contains(plan, "SEARCH o USING INTEGER PRIMARY KEY (rowid>?)") ||
		!strings.Contains(plan, "SEARCH h USING INTEGER PRIMARY KEY (rowid=?)") {
		t.Errorf("the claim's heads: plan %q, want each endpoint's read up from its cursor by rowid", plan)
	}
	plan := explain(t, s, run, []any{1, "e", 10, 5, "e", 1, 1, 1, 1})
	if !strings.Contains(plan, "SEARCH outbox USING INTEGER PRIMARY KEY (rowid>?)") || strings.Contains(plan, "SCAN outbox") {
		t.Errorf("the lease of a run: plan %q, want the run read up from its head by rowid", plan)
	}
}

// Messages waiting when a database of migration 0004 (an index by
// endpoint) is opened are claimed after migration 0005 (cursors) as
// before: each endpoint's in order, from its oldest.
func TestTheOutboxsMessagesAreKeptByItsCursors(t *testing.T) {
	// Seqs 1 and 2 were delivered; a1 waits for a retry.
	s := openFromMigration(t, 4, `UPDATE outbox_seq SET last_seq = 2;
		INSERT INTO outbox (seq, id, endpoint, event_type, payload, created_at, attempts, next_attempt_at, leased_until) VALUES
			(3, 'a1', 'ea', 'user.created', X'7B7D', 1, 1, 100, 0),
			(4, 'b1', 'eb', 'user.created', X'7B7D', 1, 0, 0, 0),
			(5, 'a2', 'ea', 'user.created', X'7B7D', 1, 0, 0, 0),
			(6, 'b2', 'eb', 'user.created', X'7B7D', 1, 0, 0, 0)`)
	claim := func(now int64, want ...string) {
		t.Helper()
		msgs, err := s.ClaimOutbox(t.Context(), store.OutboxClaim{Now: now, LeaseUntil: now + 1000, Limit: 10, Run: 10})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, m := range msgs {
			ids = append(ids, m.ID)
			if err := s.AckOutbox(t.Context(), m.ID, m.Attempts); err != nil {
				t.Fatal(err)
			}
		}
		if !slices.Equal(ids, want) {
			t.Errorf("claim at %d: %v, want %v", now, ids, want)
		}
	}
	claim(10, "b1", "b2")
	m := &store.OutboxMessage{ID: "b3", Endpoint: "eb", Payload: []byte(`{}`)}
	if err := s.EnqueueOutbox(t.Context(), m); err != nil || m.Seq != 7 {
		t.Fatalf("enqueue after the migration: Seq %d, %v; want 7", m.Seq, err)
	}
	claim(20, "b3")
	claim(100, "a1", "a2")
}

// TestTheOutboxsUnsyncedWritesLeaveTheWriterSynced: claims and settles
// commit with synchronous=NORMAL (their loss to a crash of the machine
// is a message sent again), and the write connection is back to FULL for
// the changes after them.
func TestTheOutboxsUnsyncedWritesLeaveTheWriterSynced(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "clerk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.EnqueueOutbox(ctx, &store.OutboxMessage{ID: "msg_1", Endpoint: "http://127.0.0.1/hook", Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	msgs, err := s.ClaimOutbox(ctx, store.OutboxClaim{Now: 1, LeaseUntil: 2, Limit: 1})
	if err != nil || len(msgs) != 1 {
		t.Fatalf("claimed %d, %v", len(msgs), err)
	}
	if err := s.SettleOutbox(ctx, store.OutboxEnd{ID: "msg_1", Attempt: msgs[0].Attempts, Outcome: store.OutboxAck}); err != nil {
		t.Fatal(err)
	}
	var level int
	if err := s.w.QueryRow("PRAGMA synchronous").Scan(&level); err != nil {
		t.Fatal(err)
	}
	if level != 2 {
		t.Errorf("synchronous of the write connection after a claim and a settle = %d, want 2 (FULL)", level)
	}
}

// An in-memory store starts as a copy of a migrated image: it must hold
// what running the migrations gives (schema and recorded versions), and
// the image must stay empty whatever a store made from it writes.
func TestInMemoryStoresStartAsTheMigratedSchema(t *testing.T) {
	ctx := t.Context()
	migrations, err := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := newMemoryDB()
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Close()
	if err := sqlstore.Migrate(ctx, fresh, dialect, migrations); err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// What describes a database: its schema, how many rows each table
	// holds, and the migrations recorded.
	describe := func(t *testing.T, db *sql.DB) []string {
		t.Helper()
		var out []string
		rows, err := db.QueryContext(ctx, `SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name`)
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var typ, name, tbl, sqlText string
			if err := rows.Scan(&typ, &name, &tbl, &sqlText); err != nil {
				t.Fatal(err)
			}
			out = append(out, typ+" "+name+" "+tbl+" "+sqlText)
			if typ == "table" {
				tables = append(tables, name)
			}
		}
		rows.Close()
		for _, table := range tables {
			var n int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+table+`"`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("rows of %s: %d", table, n))
		}
		// The versions recorded (not when: the image's are older).
		var versions string
		if err := db.QueryRowContext(ctx, `SELECT group_concat(version, ',') FROM (SELECT version FROM schema_migrations ORDER BY version)`).Scan(&versions); err != nil {
			t.Fatal(err)
		}
		return append(out, "versions "+versions)
	}
	want := describe(t, fresh)
	if got := describe(t, a.w); !slices.Equal(got, want) {
		t.Fatalf("an in-memory store's database:\n%s\nwant, as the migrations make it:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if err := a.InsertUser(ctx, &store.User{ID: "user_1"}); err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got := describe(t, b.w); !slices.Equal(got, want) {
		t.Fatalf("a store opened after another one wrote: its database is not the migrated one:\n%s", strings.Join(got, "\n"))
	}
}
