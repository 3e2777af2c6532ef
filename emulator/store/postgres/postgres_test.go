package postgres

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/emulator/store/internal/sqlstore"
	"github.com/clerkgo/clerk/emulator/store/postgres/pgtest"
	"github.com/clerkgo/clerk/emulator/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// openNew opens a store on a new database of the test server.
func openNew(t *testing.T) (*Store, string) {
	t.Helper()
	dsn := pgtest.NewDatabase(t)
	s, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dsn
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := openNew(t)
		return s
	})
}

// adminDB connects to dsn directly, closing when t ends.
func adminDB(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// wantMigrations fails t unless every migration is recorded once in the
// database at dsn.
func wantMigrations(t *testing.T, dsn string) {
	t.Helper()
	ms, err := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	var rows, max int
	if err := adminDB(t, dsn).QueryRowContext(t.Context(), "SELECT COUNT(*), MAX(version) FROM schema_migrations").Scan(&rows, &max); err != nil {
		t.Fatal(err)
	}
	if rows != len(ms) || max != len(ms) {
		t.Fatalf("schema_migrations has %d rows up to version %d, want %d", rows, max, len(ms))
	}
}

func TestConcurrentOpensOfANewDatabaseMigrateOnce(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	const n = 8
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(t.Context(), dsn)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	wantMigrations(t, dsn)
}

func TestReopeningKeepsTheDataAndMigratesOnce(t *testing.T) {
	s, dsn := openNew(t)
	if err := s.InsertUser(t.Context(), &store.User{ID: "user_1", Doc: []byte(`{"a":1}`)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	u, err := s.User(t.Context(), "user_1")
	if err != nil || string(u.Doc) != `{"a":1}` {
		t.Fatalf("User after reopen = %+v, %v", u, err)
	}
	wantMigrations(t, dsn)
}

func TestADatabaseOfANewerSchemaIsRefused(t *testing.T) {
	s, dsn := openNew(t)
	s.Close()
	if _, err := adminDB(t, dsn).ExecContext(t.Context(), "INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)"); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), dsn)
	if !errors.Is(err, ErrSchemaTooNew) || !strings.Contains(err.Error(), "999") {
		t.Fatalf("Open = %v, want ErrSchemaTooNew naming version 999", err)
	}
}

func TestAnUnreachableServerFailsOpenWithoutThePassword(t *testing.T) {
	_, err := Open(t.Context(), "postgres://someone:s3cret-pw@127.0.0.1:1/db?sslmode=disable&connect_timeout=2")
	if err == nil {
		t.Fatal("Open succeeded")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("the error shows the password: %v", err)
	}
	_, err = Open(t.Context(), "postgres://someone:s3cret-pw@[::1")
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("Open(bad DSN) = %v, want an error without the password", err)
	}
}

func TestListingUsersByEveryOrderCanUseAnIndex(t *testing.T) {
	_, dsn := openNew(t)
	conn := noSeqScan(t, dsn)
	for _, orderBy := range []string{"", "updated_at", "email_address", "web3wallet", "first_name", "last_name",
		"phone_number", "username", "last_active_at", "last_sign_in_at"} {
		for _, desc := range []bool{false, true} {
			query, args, err := sqlstore.UserListQuery(dialect, store.UserQuery{OrderBy: orderBy, Descending: desc, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			p := explain(t, conn, query, args)
			if strings.Contains(p, "Sort") || !strings.Contains(p, "Index Scan") {
				t.Errorf("order %q desc %v: plan %q, want an index scan without a sort", orderBy, desc, p)
			}
		}
	}
}

func TestListingObjectsByTheirOwnOrdersCanUseAnIndex(t *testing.T) {
	_, dsn := openNew(t)
	conn := noSeqScan(t, dsn)
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
			p := explain(t, conn, query, args)
			if strings.Contains(p, "Sort") || !strings.Contains(p, "using "+index+" on objects") {
				t.Errorf("order %q ascending %v: plan %q, want a scan of %s without a sort", order, asc, p, index)
			}
		}
	}
	if p := explain(t, conn, "DELETE FROM objects WHERE ref = $1", []any{"org_1"}); !strings.Contains(p, "objects_ref_any") {
		t.Errorf("delete by ref (sqlstore's deleteObjectsByRef): plan %q, want objects_ref_any", p)
	}
}

// noSeqScan returns a connection to dsn on which the planner avoids
// sequential scans: an empty table would be scanned whatever the
// indexes, and the tests want to see which index it would use.
func noSeqScan(t *testing.T, dsn string) *sql.Conn {
	t.Helper()
	conn, err := adminDB(t, dsn).Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(t.Context(), "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	return conn
}

// explain returns PostgreSQL's plan of query, its lines joined by "; ".
func explain(t *testing.T, conn *sql.Conn, query string, args []any) string {
	t.Helper()
	rows, err := conn.QueryContext(t.Context(), "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", query, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, strings.TrimSpace(line))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}

func TestObjectsOfTheFirstSchemaAreKeptByTheSecond(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	ms, err := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	db := adminDB(t, dsn)
	if err := sqlstore.Migrate(t.Context(), db, dialect, ms[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), `INSERT INTO objects (kind, id, user_id, ref, status, unique_key, created_at, updated_at, doc)
		VALUES ('organization', 'org_1', '', 'r', 'active', 'acme', 5, 6, '\x7b7d')`); err != nil {
		t.Fatal(err)
	}
	s, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	wantMigrations(t, dsn)
	storetest.CheckObjectFromBeforeMigration2(t, s)
}

// openTwo opens two Stores of one new database, as two processes would.
func openTwo(t *testing.T) (*Store, *Store) {
	s1, dsn := openNew(t)
	s2, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open a second store: %v", err)
	}
	t.Cleanup(func() { s2.Close() })
	return s1, s2
}

// TestTwoStoresOnOneDatabaseShareTheOutbox runs the suite's concurrent
// claims on two Stores of one database, as two clerk serve processes
// would: no message is claimed by both, none twice, none lost.
func TestTwoStoresOnOneDatabaseShareTheOutbox(t *testing.T) {
	s1, s2 := openTwo(t)
	storetest.TestConcurrentClaims(t, []store.Store{s1, s2})
}

// TestTwoStoresOnOneDatabaseShareRuns runs the suite's concurrent runs
// (claimed, some failing, settled in one write each) on two Stores of one
// database: no endpoint has runs of both in flight, none is delivered out
// of order, none twice, none lost.
func TestTwoStoresOnOneDatabaseShareRuns(t *testing.T) {
	s1, s2 := openTwo(t)
	storetest.TestConcurrentRuns(t, []store.Store{s1, s2})
}

// TestAClaimSkipsWhatAnotherIsClaiming holds a claim open in one store's
// transaction (its endpoint locked, its leases uncommitted, as while it
// commits) and claims from a second store: the second skips that endpoint
// rather than wait for it or take its message too, and takes the next
// endpoint's.
func TestAClaimSkipsWhatAnotherIsClaiming(t *testing.T) {
	s1, s2 := openTwo(t)
	ctx := t.Context()
	if err := s1.EnqueueOutbox(ctx, &store.OutboxMessage{ID: "a1", Endpoint: "ea"}, &store.OutboxMessage{ID: "b1", Endpoint: "eb"}); err != nil {
		t.Fatal(err)
	}
	err := s1.Tx(ctx, func(tx store.Store) error {
		got, err := tx.ClaimOutbox(ctx, store.OutboxClaim{Now: 10, LeaseUntil: 20, Limit: 1})
		if err != nil || len(got) != 1 || got[0].ID != "a1" {
			t.Fatalf("claim in Tx = %v, %v; want a1", got, err)
		}
		// A claim that waited for the lock would wait for this Tx: forever.
		wait, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		other, err := s2.ClaimOutbox(wait, store.OutboxClaim{Now: 10, LeaseUntil: 20, Limit: 10})
		if err != nil || len(other) != 1 || other[0].ID != "b1" {
			t.Fatalf("concurrent claim of the second store = %v, %v; want only b1", other, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Committed, a1 is leased: neither store claims it again before 20.
	for _, s := range []*Store{s1, s2} {
		if got, err := s.ClaimOutbox(ctx, store.OutboxClaim{Now: 19, LeaseUntil: 30, Limit: 10}); err != nil || len(got) != 0 {
			t.Fatalf("claim during the leases = %d messages, %v; want none", len(got), err)
		}
	}
}

// TestTwoStoresOnOneDatabaseShareWritesAndRuns runs the suite's delivery
// with writers enqueueing while claimers claim, on two Stores of one
// database: transactions commit out of Seq order, and yet each writer's
// messages go in the order it enqueued them, none twice, none lost, never
// two of an endpoint at once.
func TestTwoStoresOnOneDatabaseShareWritesAndRuns(t *testing.T) {
	s1, s2 := openTwo(t)
	storetest.TestConcurrentWritersAndRuns(t, []store.Store{s1, s2})
}

// TestAMessageCommittedAfterHigherSeqsIsDeliveredNext has a transaction of
// one store take a Seq and commit only after another store enqueued higher
// Seqs of the same endpoint, claimed them and had them in flight: the late
// message is not claimed while they are (one attempt at a time per
// endpoint), is not skipped for its lower Seq, and goes next; it does not
// hold the others back while it is uncommitted either.
func TestAMessageCommittedAfterHigherSeqsIsDeliveredNext(t *testing.T) {
	s1, s2 := openTwo(t)
	ctx := t.Context()
	late := &store.OutboxMessage{ID: "late", Endpoint: "e"}
	m1, m2 := &store.OutboxMessage{ID: "m1", Endpoint: "e"}, &store.OutboxMessage{ID: "m2", Endpoint: "e"}
	err := s1.Tx(ctx, func(tx store.Store) error {
		if err := tx.EnqueueOutbox(ctx, late); err != nil {
			return err
		}
		// An enqueue that waited for this transaction would wait forever.
		wait, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := s2.EnqueueOutbox(wait, m1); err != nil {
			t.Fatalf("enqueue of m1 while late is uncommitted: %v", err)
		}
		if err := s2.EnqueueOutbox(wait, m2); err != nil {
			t.Fatal(err)
		}
		if !(late.Seq < m1.Seq && m1.Seq < m2.Seq) {
			t.Fatalf("Seqs late %d, m1 %d, m2 %d; want them in enqueue order", late.Seq, m1.Seq, m2.Seq)
		}
		got, err := s2.ClaimOutbox(wait, store.OutboxClaim{Now: 10, LeaseUntil: 1010, Limit: 10, Run: 10})
		if err != nil || len(got) != 2 || got[0].ID != "m1" || got[1].ID != "m2" {
			t.Fatalf("claim while late is uncommitted = %v, %v; want m1, m2", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// late is committed, with the lowest Seq, while m1 and m2 are in flight.
	list, err := s1.ListOutbox(ctx, store.OutboxQuery{})
	if err != nil || len(list) != 3 || list[0].ID != "late" {
		t.Fatalf("ListOutbox = %v, %v; want late first", list, err)
	}
	for _, s := range []*Store{s1, s2} {
		if got, err := s.ClaimOutbox(ctx, store.OutboxClaim{Now: 20, LeaseUntil: 1020, Limit: 10, Run: 10}); err != nil || len(got) != 0 {
			t.Fatalf("claim while m1 and m2 are in flight = %d messages (%v), %v; want none", len(got), got, err)
		}
	}
	// m2's attempt ends first (a claimer that ends them one by one): m1 is
	// still in flight, and late waits.
	if err := s2.AckOutbox(ctx, "m2", 1); err != nil {
		t.Fatal(err)
	}
	if got, err := s1.ClaimOutbox(ctx, store.OutboxClaim{Now: 30, LeaseUntil: 1030, Limit: 10, Run: 10}); err != nil || len(got) != 0 {
		t.Fatalf("claim while m1 is in flight = %d messages, %v; want none", len(got), err)
	}
	if err := s2.AckOutbox(ctx, "m1", 1); err != nil {
		t.Fatal(err)
	}
	got, err := s1.ClaimOutbox(ctx, store.OutboxClaim{Now: 40, LeaseUntil: 1040, Limit: 10, Run: 10})
	if err != nil || len(got) != 1 || got[0].ID != "late" || got[0].Attempts != 1 {
		t.Fatalf("claim after m1 and m2 = %v, %v; want late, attempt 1", got, err)
	}
	// The same once the endpoint is idle: a message committed after its
	// endpoint's higher Seqs were all delivered is claimed, not skipped.
	if err := s1.AckOutbox(ctx, "late", 1); err != nil {
		t.Fatal(err)
	}
	late2, m3 := &store.OutboxMessage{ID: "late2", Endpoint: "e"}, &store.OutboxMessage{ID: "m3", Endpoint: "e"}
	err = s1.Tx(ctx, func(tx store.Store) error {
		if err := tx.EnqueueOutbox(ctx, late2); err != nil {
			return err
		}
		if err := s2.EnqueueOutbox(ctx, m3); err != nil {
			return err
		}
		got, err := s2.ClaimOutbox(ctx, store.OutboxClaim{Now: 50, LeaseUntil: 1050, Limit: 10})
		if err != nil || len(got) != 1 || got[0].ID != "m3" {
			t.Fatalf("claim while late2 is uncommitted = %v, %v; want m3", got, err)
		}
		return s2.AckOutbox(ctx, "m3", 1)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err = s2.ClaimOutbox(ctx, store.OutboxClaim{Now: 60, LeaseUntil: 1060, Limit: 10})
	if err != nil || len(got) != 1 || got[0].ID != "late2" || late2.Seq >= m3.Seq {
		t.Fatalf("claim after late2 committed = %v, %v (Seqs late2 %d, m3 %d); want late2, the lower", got, err, late2.Seq, m3.Seq)
	}
}

// TestOutboxMessagesOfTheThirdSchemaAreKeptByTheFourth migrates a database
// with messages waiting, and acknowledged ones past the highest left, to
// the Seqs of a sequence: the messages keep their Seqs and are delivered
// as before, and a new message's Seq is higher than any given before.
func TestOutboxMessagesOfTheThirdSchemaAreKeptByTheFourth(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	ms, err := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	db := adminDB(t, dsn)
	if err := sqlstore.Migrate(t.Context(), db, dialect, ms[:3]); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`INSERT INTO outbox (id, endpoint, event_type, payload, created_at, attempts, next_attempt_at, leased_until, seq)
			VALUES ('m5', 'e', 'user.created', '\x7b7d', 1, 0, 0, 0, 5), ('m7', 'e', 'user.created', '\x7b7d', 1, 2, 0, 99, 7)`,
		`UPDATE outbox_seq SET last_seq = 9`,
	} {
		if _, err := db.ExecContext(t.Context(), stmt); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	wantMigrations(t, dsn)
	m := &store.OutboxMessage{ID: "m10", Endpoint: "e"}
	if err := s.EnqueueOutbox(t.Context(), m); err != nil || m.Seq != 10 {
		t.Fatalf("EnqueueOutbox = %v, Seq %d; want 10, after the last given", err, m.Seq)
	}
	// m7's lease (until 99) holds the endpoint; then m5 goes first.
	if got, err := s.ClaimOutbox(t.Context(), store.OutboxClaim{Now: 50, LeaseUntil: 60, Limit: 10, Run: 10}); err != nil || len(got) != 0 {
		t.Fatalf("claim during m7's lease = %d messages, %v; want none", len(got), err)
	}
	got, err := s.ClaimOutbox(t.Context(), store.OutboxClaim{Now: 100, LeaseUntil: 200, Limit: 10, Run: 10})
	if err != nil || len(got) != 3 || got[0].ID != "m5" || got[1].ID != "m7" || got[1].Attempts != 3 || got[2].ID != "m10" {
		t.Fatalf("claim after the lease = %v, %v; want m5, m7 (attempt 3), m10", got, err)
	}
}
