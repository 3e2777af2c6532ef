package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// openFile opens an SQLite file as the sqlite package does its writer
// (one connection, synchronous=FULL), with a Store around it that has
// what writes need.
func openFile(t *testing.T) (*Store, *sql.DB) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(filepath.Join(t.TempDir(), "g.db"))+
		"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec("CREATE TABLE t (v INTEGER)"); err != nil {
		t.Fatal(err)
	}
	d := &Dialect{
		Retryable: func(error) bool { return false },
		Unsynced:  Unsynced{Before: "PRAGMA synchronous=NORMAL", After: "PRAGMA synchronous=FULL"},
	}
	return &Store{d: d, w: db, r: db, writes: &preparedPool{db: db, stmts: map[string]*sql.Stmt{}}, gate: newWriteGate()}, db
}

func synchronous(t *testing.T, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) int {
	t.Helper()
	var level int
	if err := q.QueryRowContext(context.Background(), "PRAGMA synchronous").Scan(&level); err != nil {
		t.Fatal(err)
	}
	return level
}

// TestUnsyncedWritesCommitUnsyncedAndLeaveTheWriterSynced: the outbox's
// bookkeeping commits with synchronous=NORMAL (1), and the connection is
// back to FULL (2) after, whether the write succeeded or failed, so that
// the API's next change is durable.
func TestUnsyncedWritesCommitUnsyncedAndLeaveTheWriterSynced(t *testing.T) {
	s, db := openFile(t)
	ctx := context.Background()
	for _, fail := range []bool{false, true} {
		err := s.writeUnsynced(ctx, func(q querier) error {
			if _, err := q.ExecContext(ctx, "INSERT INTO t VALUES (1)"); err != nil {
				return err
			}
			if fail {
				return errors.New("failed on purpose")
			}
			return nil
		})
		if fail != (err != nil) {
			t.Fatalf("fail=%v: err %v", fail, err)
		}
		if got := synchronous(t, db); got != 2 {
			t.Errorf("fail=%v: synchronous after the unsynced write = %d, want 2 (FULL)", fail, got)
		}
	}
	// Read inside on the transaction itself (the one connection).
	var inside int
	err := s.writeUnsynced(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&inside)
	})
	if err != nil {
		t.Fatal(err)
	}
	if inside != 1 {
		t.Errorf("synchronous inside an unsynced write = %d, want 1 (NORMAL)", inside)
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Errorf("%d rows (%v), want the one of the write that succeeded", n, err)
	}
}

// TestAConnectionNotRestoredAfterAnUnsyncedWriteIsClosed: when the
// statement that restores the level fails, the write reports it and the
// connection is dropped, never handed to a change unsynced.
func TestAConnectionNotRestoredAfterAnUnsyncedWriteIsClosed(t *testing.T) {
	s, db := openFile(t)
	s.d.Unsynced = Unsynced{Before: "PRAGMA synchronous=OFF", After: "SELECT no_such_function()"}
	ctx := context.Background()
	err := s.writeUnsynced(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, "INSERT INTO t VALUES (1)")
		return err
	})
	if err == nil {
		t.Fatal("an unsynced write whose restore failed reported no error")
	}
	if got := synchronous(t, db); got != 2 {
		t.Errorf("synchronous on the next connection = %d, want 2 (FULL, the DSN's: a new connection)", got)
	}
}

// TestWritesAreCountedForWaitWritesIdleButNotTheOutboxs: a write (and a
// Tx) counts as in progress while it runs, the outbox's bookkeeping does
// not.
func TestWritesAreCountedForWaitWritesIdleButNotTheOutboxs(t *testing.T) {
	s, _ := openFile(t)
	ctx := context.Background()
	busy := func() int { s.gate.mu.Lock(); defer s.gate.mu.Unlock(); return s.gate.busy }
	var during []int
	record := func(q querier) error { during = append(during, busy()); return nil }
	if err := s.write(ctx, record); err != nil {
		t.Fatal(err)
	}
	if err := s.writeUnsynced(ctx, record); err != nil {
		t.Fatal(err)
	}
	if got, want := during, []int{1, 0}; got[0] != want[0] || got[1] != want[1] {
		t.Errorf("writes in progress during a write, an unsynced write = %v, want %v", got, want)
	}
	if busy() != 0 {
		t.Errorf("%d writes in progress after they ended", busy())
	}
}

// TestWaitWritesIdleWaitsForAPause: at once (after the quiet moment) when
// no write runs; until the write in progress ends; false after max when
// one goes on, or at once when ctx is done.
func TestWaitWritesIdleWaitsForAPause(t *testing.T) {
	s, _ := openFile(t)
	ctx := context.Background()

	start := time.Now()
	if !s.WaitWritesIdle(ctx, time.Second) {
		t.Error("no write runs, yet WaitWritesIdle reported none idle")
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("WaitWritesIdle took %v with no write running", d)
	}

	s.gate.enter()
	start = time.Now()
	if s.WaitWritesIdle(ctx, 30*time.Millisecond) {
		t.Error("WaitWritesIdle reported a pause while a write runs")
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("WaitWritesIdle gave up after %v, before its 30ms", d)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	start = time.Now()
	if s.WaitWritesIdle(cctx, time.Minute) {
		t.Error("WaitWritesIdle on a done context reported a pause")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("WaitWritesIdle on a done context took %v", d)
	}

	go func() { time.Sleep(50 * time.Millisecond); s.gate.leave() }()
	start = time.Now()
	if !s.WaitWritesIdle(ctx, time.Minute) {
		t.Error("WaitWritesIdle missed the end of the write")
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 30*time.Second {
		t.Errorf("WaitWritesIdle returned %v after the start, want after the write's end at 50ms", d)
	}
}
