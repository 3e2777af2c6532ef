package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrSchemaTooNew is returned by Migrate (and so by the backends' Open)
// when the database was migrated by a newer binary than this one.
var ErrSchemaTooNew = errors.New("store: database schema is newer than this program supports")

// Migration is one step of a backend's schema.
type Migration struct {
	Version int    // 1, 2, 3, ...
	Name    string // the file name, for error messages
	SQL     string // one or more statements separated by ";"
}

// LoadMigrations reads the migrations in dir of fsys: files named
// "NNNN_description.sql", numbered 1, 2, 3, ... without gaps.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration %q is not named NNNN_description.sql", e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("store: read migration %q: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("store: migration %q: expected version %d", m.Name, i+1)
		}
	}
	return ms, nil
}

// Migrate brings the schema of db up to the last of ms, applying each
// missing migration once, in its own transaction, and recording it in
// schema_migrations. Concurrent Migrates of one database apply each
// migration once: every transaction first takes the dialect's migration
// lock (or is exclusive by itself), then reads the current version.
func Migrate(ctx context.Context, db *sql.DB, d *Dialect, ms []Migration) error {
	for {
		done, err := migrateOne(ctx, db, d, ms)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

// migrateOne applies the first missing migration and reports whether
// there was none left to apply.
func migrateOne(ctx context.Context, db *sql.DB, d *Dialect, ms []Migration) (done bool, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: migrate: begin: %w", err)
	}
	defer func() {
		if err != nil || done {
			_ = tx.Rollback()
		}
	}()
	if d.LockMigrations != nil {
		if err := d.LockMigrations(ctx, tx); err != nil {
			return false, fmt.Errorf("store: migrate: lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version BIGINT NOT NULL PRIMARY KEY,
	applied_at BIGINT NOT NULL
)`); err != nil {
		return false, fmt.Errorf("store: migrate: create schema_migrations: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return false, fmt.Errorf("store: migrate: read version: %w", err)
	}
	if current > len(ms) {
		return false, fmt.Errorf("%w: the database is at version %d, this program knows versions up to %d", ErrSchemaTooNew, current, len(ms))
	}
	if current == len(ms) {
		return true, nil
	}
	m := ms[current]
	for _, stmt := range splitStatements(m.SQL) {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return false, fmt.Errorf("store: migration %s: %w", m.Name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`),
		m.Version, time.Now().UnixMilli()); err != nil {
		return false, fmt.Errorf("store: migration %s: record: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("store: migration %s: commit: %w", m.Name, err)
	}
	return false, nil
}

// splitStatements splits a migration into statements at the semicolons
// that end a line, dropping "--" comment lines. Migrations are ours: no
// statement has such a semicolon inside a literal.
func splitStatements(src string) []string {
	var stmts []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(trimmed, ";") {
			stmts = append(stmts, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		stmts = append(stmts, s)
	}
	return stmts
}

// SchemaVersion returns the version recorded in db's schema_migrations, 0
// when none.
func SchemaVersion(ctx context.Context, db *sql.DB) (int, error) {
	var v int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	return v, nil
}
