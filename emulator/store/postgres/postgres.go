// Package postgres is the store.Store kept in PostgreSQL, through pgx v5
// and its database/sql driver (pgx/stdlib).
//
// It goes through database/sql rather than pgxpool so that it shares one
// implementation of the store's semantics with the SQLite backend
// (internal/sqlstore): queries, filters, conflicts, savepoints and
// migrations are written once and tested by one suite on both. pgx still
// does the work underneath: binary protocol, cached prepared statements,
// and PostgreSQL's own error codes.
//
// Writes are durable when they return as far as the server's settings make
// them (synchronous_commit on, the default). Concurrent writers rely on
// PostgreSQL's row locks and unique indexes; a write transaction that
// fails with a deadlock or a serialization failure is retried a few times.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/emulator/store/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrSchemaTooNew is returned by Open when the database was migrated by a
// newer version of this program.
var ErrSchemaTooNew = sqlstore.ErrSchemaTooNew

// MaxConns bounds the connections a Store opens to the server.
const MaxConns = 20

// migrationLockKey is the key of the advisory lock that serialises the
// migrations of concurrent Opens ("clerkemu" in ASCII).
const migrationLockKey int64 = 0x636c65726b656d75

// outboxLockClass is the first key of the advisory locks of outbox
// endpoints ("clko" in ASCII), the second the endpoint's hash.
const outboxLockClass = "1668049775"

// Store is a store.Store kept in a PostgreSQL database.
type Store struct {
	*sqlstore.Store
}

var _ store.Store = (*Store)(nil)

var dialect = &sqlstore.Dialect{
	Numbered: true,
	// One snapshot for the statements of a read.
	ReadTx:    &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead},
	Violation: violation,
	Retryable: retryable,
	RowLock:   " FOR UPDATE",
	// An asynchronous commit: the log is flushed by the WAL writer, or by
	// the next synchronous commit, which flushes it up to its own record.
	Unsynced: sqlstore.Unsynced{First: "SET LOCAL synchronous_commit = off"},
	// An advisory lock of the transaction, keyed by the endpoint's hash in
	// a class of its own: two endpoints of one hash only hold each other's
	// claims back, never take one's messages for the other's.
	OutboxEndpointLock: "pg_try_advisory_xact_lock(" + outboxLockClass + ", hashtext(h.endpoint))",
	LockMigrations: func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLockKey)
		return err
	},
}

// violation classifies a PostgreSQL unique violation (SQLSTATE 23505) by
// the name of its constraint: primary keys are named *_pkey.
func violation(err error) sqlstore.Violation {
	var e *pgconn.PgError
	if err == nil || !errors.As(err, &e) || e.Code != "23505" {
		return sqlstore.NoViolation
	}
	if strings.HasSuffix(e.ConstraintName, "_pkey") {
		return sqlstore.PrimaryKeyViolation
	}
	return sqlstore.UniqueViolation
}

// retryable reports a serialization failure (40001) or deadlock (40P01).
func retryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40001" || e.Code == "40P01")
}

// Open connects to the PostgreSQL database dsn names (a URL or key=value
// connection string, as pgx accepts) and migrates its schema. The DSN is
// never part of an error, since it may hold a password.
func Open(ctx context.Context, dsn string) (*Store, error) {
	migrations, err := sqlstore.LoadMigrations(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("postgres: open: cannot parse the connection string")
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(MaxConns)
	db.SetMaxIdleConns(MaxConns)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: open: connect to %s:%d/%s: %w", cfg.Host, cfg.Port, cfg.Database, err)
	}
	if err := sqlstore.Migrate(ctx, db, dialect, migrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	st, err := sqlstore.New(ctx, dialect, db, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	return &Store{Store: st}, nil
}
