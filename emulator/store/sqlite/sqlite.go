// Package sqlite is the embedded store.Store: SQLite through the pure-Go
// driver modernc.org/sqlite (no cgo).
//
// A file database runs in WAL mode with synchronous=FULL, so that a write
// that returned is on disk and survives a crash of the process or of the
// machine. Writes go through one connection, whose transactions begin
// IMMEDIATE: writers of this process queue for it in Go, and writers of
// other processes wait up to the busy timeout for SQLite's write lock, so
// that none fails with SQLITE_BUSY. Reads go through a pool of read-only
// connections and run concurrently with the writer.
//
// The in-memory database (":memory:") lives in one connection that reads
// and writes alike, and disappears with the Store.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/emulator/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrSchemaTooNew is returned by Open when the database was migrated by a
// newer version of this program.
var ErrSchemaTooNew = sqlstore.ErrSchemaTooNew

// busyTimeoutMillis is how long a connection waits for a lock another
// process holds before failing with SQLITE_BUSY.
const busyTimeoutMillis = 10000

// Store is a store.Store kept in an SQLite database.
type Store struct {
	*sqlstore.Store
	path string
	w    *sql.DB // the write connection, for the package's tests
}

var _ store.Store = (*Store)(nil)

var dialect = &sqlstore.Dialect{
	OffsetNeedsLimit: true,
	ReadTx:           &sql.TxOptions{ReadOnly: true}, // a deferred BEGIN: a snapshot, no lock
	Violation:        violation,
	Retryable:        func(error) bool { return false }, // writes are serialised: no deadlock
	StatementAtomic:  true,                              // a failed statement undoes itself, not the transaction
	OutboxSeqFromMax: true,                              // writes are serialised: the next Seq is read
	OutboxSeqIsRowID: true,                              // outbox.seq is its INTEGER PRIMARY KEY
	// In WAL mode, synchronous=NORMAL commits without syncing the log; the
	// next FULL commit syncs it, that commit's frames and all before.
	Unsynced: sqlstore.Unsynced{Before: "PRAGMA synchronous=NORMAL", After: "PRAGMA synchronous=FULL"},
}

// violation classifies an SQLite constraint error.
func violation(err error) sqlstore.Violation {
	var e *sqlite.Error
	if err == nil || !errors.As(err, &e) {
		return sqlstore.NoViolation
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return sqlstore.PrimaryKeyViolation
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return sqlstore.UniqueViolation
	}
	return sqlstore.NoViolation
}

// Open opens (creating it and its directory when missing) the SQLite
// database at path, and migrates its schema. path ":memory:" or "" opens a
// new in-memory database.
func Open(ctx context.Context, path string) (*Store, error) {
	migrations, err := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	if path == "" || path == ":memory:" {
		return openMemory(ctx, migrations)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	w, err := sql.Open("sqlite", fileDSN(abs,
		"_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate",
		busyTimeoutMillis))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	oneConnection(w)
	if err := migrateWhenFree(ctx, w, migrations); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}

	r, err := sql.Open("sqlite", fileDSN(abs,
		"_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)&_pragma=query_only(1)", busyTimeoutMillis))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	st, err := sqlstore.New(ctx, dialect, w, r)
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return &Store{Store: st, path: abs, w: w}, nil
}

// migrateWhenFree migrates the database of w, trying again while SQLite
// answers SQLITE_BUSY, for as long as the busy timeout: the first opens of
// a new file race to make it a WAL database, and SQLite answers some of
// them busy at once instead of waiting (it does not call the busy handler
// where waiting could deadlock).
func migrateWhenFree(ctx context.Context, w *sql.DB, migrations []sqlstore.Migration) error {
	deadline := time.Now().Add(busyTimeoutMillis * time.Millisecond)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		err := sqlstore.Migrate(ctx, w, dialect, migrations)
		if err == nil || !busy(err) || time.Now().Add(wait).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// busy reports whether err is SQLite's SQLITE_BUSY (of any extended code).
func busy(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// openMemory opens a new in-memory database: one connection, never
// closed while the Store is open, since each connection to ":memory:" is a
// database of its own. It starts as a copy of the migrated image of an
// empty database (migratedImage), made once per process.
func openMemory(ctx context.Context, migrations []sqlstore.Migration) (*Store, error) {
	image, err := migratedImage(ctx, migrations)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open in memory: %w", err)
	}
	db, err := newMemoryDB()
	if err != nil {
		return nil, fmt.Errorf("sqlite: open in memory: %w", err)
	}
	if err := withConn(ctx, db, func(c serializer) error { return c.Deserialize(image) }); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open in memory: %w", err)
	}
	st, err := sqlstore.New(ctx, dialect, db, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open in memory: %w", err)
	}
	return &Store{Store: st, path: ":memory:", w: db}, nil
}

// newMemoryDB opens a new, empty in-memory database on one connection.
func newMemoryDB() (*sql.DB, error) {
	db, err := sql.Open("sqlite", ":memory:?_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	oneConnection(db)
	return db, nil
}

// oneConnection makes db a pool of one connection, kept open: SQLite's
// one writer, or an in-memory database (which is its connection's own).
func oneConnection(db *sql.DB) {
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
}

// serializer is the driver's connection, which copies an in-memory
// database out (sqlite3_serialize) and in (sqlite3_deserialize).
type serializer interface {
	Serialize() ([]byte, error)
	Deserialize(buf []byte) error
}

// withConn runs fn on the driver connection of db's one connection.
func withConn(ctx context.Context, db *sql.DB, fn func(c serializer) error) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(serializer)
		if !ok {
			return fmt.Errorf("the driver's connection (%T) cannot copy a database", dc)
		}
		return fn(c)
	})
}

// memoryImage is the image of an empty database migrated by the
// package's migrations (the same at every Open), made on first use: a new
// in-memory store starts as a copy, rather than running the migrations
// again, which was most of what opening one cost (clerktest opens one per
// test). nil until made; a failure to make it is not kept.
var (
	memoryImageMu sync.Mutex
	memoryImage   []byte
)

// migratedImage returns memoryImage, making it with migrations first.
func migratedImage(ctx context.Context, migrations []sqlstore.Migration) ([]byte, error) {
	memoryImageMu.Lock()
	defer memoryImageMu.Unlock()
	if memoryImage != nil {
		return memoryImage, nil
	}
	db, err := newMemoryDB()
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := sqlstore.Migrate(ctx, db, dialect, migrations); err != nil {
		return nil, err
	}
	err = withConn(ctx, db, func(c serializer) (err error) {
		memoryImage, err = c.Serialize()
		return err
	})
	return memoryImage, err
}

// fileDSN is the driver's name for the database file at the absolute path
// abs: a file: URI (so that any character of the path is escaped) with the
// query params.
func fileDSN(abs, params string, args ...any) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: fmt.Sprintf(params, args...)}
	return u.String()
}

// Path returns the absolute path of the database file, or ":memory:".
func (s *Store) Path() string { return s.path }
