// Package pgtest gives tests a throwaway PostgreSQL server: one cluster per
// test binary, started on first use from the PostgreSQL binaries on PATH
// (initdb, pg_ctl, postgres) in a temporary directory, listening on a free
// loopback port, and stopped and removed when the tests end.
//
// A package using it runs its tests through Main:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and gets a fresh database per test from NewDatabase. When the variable
// CLERK_TEST_POSTGRES_DSN is set, its server is used instead (each test
// still gets a database of its own, dropped afterwards).
//
// As root (as CI runs), initdb and pg_ctl run as the user "postgres",
// since PostgreSQL refuses to run as root. When the binaries are missing
// the tests fail, rather than skip, so that CI cannot pass without them.
package pgtest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvDSN names the environment variable that points the tests at an
// existing server instead of a throwaway one.
const EnvDSN = "CLERK_TEST_POSTGRES_DSN"

var (
	once     sync.Once
	srv      *server
	startErr error
	admin    *sql.DB
	dbSeq    atomic.Int64
)

// server is a running throwaway cluster (or, with EnvDSN, an existing
// server: dir is then empty).
type server struct {
	dsn     string
	dir     string
	pgCtl   string
	asUser  *user.User // run the binaries as this user (when root)
	runuser string     // with this runuser
}

// Main runs the tests m, then stops the server if one was started, and
// exits with the tests' code.
func Main(m *testing.M) {
	code := m.Run()
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// Start starts the test binary's server on first use and returns the DSN
// of its "postgres" database. It fails t when no server can be had.
func Start(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		srv, startErr = start()
		if startErr == nil {
			admin, startErr = sql.Open("pgx", srv.dsn)
		}
	})
	if startErr != nil {
		t.Fatalf("pgtest: %v", startErr)
	}
	return srv.dsn
}

// NewDatabase creates an empty database on the server (starting it if
// need be) and returns its DSN. The database is dropped when t ends;
// close what uses it in a cleanup registered after NewDatabase returns.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := Start(t)
	name := fmt.Sprintf("clerk_test_%d_%d", os.Getpid(), dbSeq.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database: %v", err)
		}
	})
	dsn, err := withDatabase(base, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dsn
}

// withDatabase returns dsn naming database name instead of its own.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", errors.New("cannot parse the server's DSN")
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return dsn + " dbname=" + name, nil
}

// start starts the server, or returns the one EnvDSN names.
func start() (*server, error) {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return &server{dsn: dsn}, nil
	}
	bins := map[string]string{}
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		p, err := lookPath(name)
		if err != nil {
			return nil, fmt.Errorf("the PostgreSQL server's %s is neither on PATH nor in /usr/lib/postgresql/*/bin: "+
				"install PostgreSQL (Debian: apt-get install postgresql) or set %s to an existing server", name, EnvDSN)
		}
		bins[name] = p
	}
	s := &server{pgCtl: bins["pg_ctl"]}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root, and initdb refuses root: need the user \"postgres\" to run it: %w", err)
		}
		s.asUser = u
		if s.runuser, err = exec.LookPath("runuser"); err != nil {
			for _, p := range []string{"/usr/sbin/runuser", "/sbin/runuser"} {
				if _, serr := os.Stat(p); serr == nil {
					s.runuser, err = p, nil
					break
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("running as root, and initdb refuses root: need runuser (util-linux) to run it as postgres: %w", err)
		}
	}

	// The directory must be reachable by the postgres user: /tmp rather
	// than a TMPDIR that may sit under root's home.
	parent := os.TempDir()
	if fi, err := os.Stat("/tmp"); err == nil && fi.IsDir() {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "clerk-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("make the cluster's directory: %w", err)
	}
	s.dir = dir
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, s.fail(fmt.Errorf("chmod the cluster's directory: %w", err))
	}
	if s.asUser != nil {
		uid, _ := strconv.Atoi(s.asUser.Uid)
		gid, _ := strconv.Atoi(s.asUser.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, s.fail(fmt.Errorf("chown the cluster's directory: %w", err))
		}
	}
	data := filepath.Join(dir, "data")
	if err := s.run(bins["initdb"], "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
		"--locale=C", "--no-sync"); err != nil {
		return nil, s.fail(err)
	}

	// Another process may take the free port between our look and the
	// server's listen: try a few.
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			return nil, s.fail(err)
		}
		// A throwaway server: durability off for speed; enough connections
		// for parallel tests each with a pool.
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "+
			"-c full_page_writes=off -c max_connections=300", port, dir)
		lastErr = s.run(s.pgCtl, "-D", data, "-l", filepath.Join(dir, "server.log"), "-o", opts, "-w", "-t", "60", "start")
		if lastErr == nil {
			s.dsn = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
			return s, nil
		}
	}
	log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
	return nil, s.fail(fmt.Errorf("%w\nserver log:\n%s", lastErr, log))
}

// lookPath finds a PostgreSQL binary on PATH, or else in Debian's
// /usr/lib/postgresql/VERSION/bin (the newest version), which the server
// package does not put on PATH.
func lookPath(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob(filepath.Join("/usr/lib/postgresql", "*", "bin", name))
	best, bestVersion := "", -1
	for _, m := range matches {
		v, verr := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(m))))
		if verr == nil && v > bestVersion {
			best, bestVersion = m, v
		}
	}
	if best == "" {
		return "", err
	}
	return best, nil
}

// run runs a PostgreSQL binary, as the postgres user when root.
func (s *server) run(bin string, args ...string) error {
	var cmd *exec.Cmd
	if s.asUser != nil {
		cmd = exec.Command(s.runuser, append([]string{"-u", s.asUser.Username, "--", bin}, args...)...)
	} else {
		cmd = exec.Command(bin, args...)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", filepath.Base(bin), args[len(args)-1], err, out.String())
	}
	return nil
}

// fail removes the directory of a server that could not start, and
// returns err.
func (s *server) fail(err error) error {
	_ = os.RemoveAll(s.dir)
	return err
}

// stop stops the server started by Start, if any, and removes its
// directory.
func stop() error {
	if admin != nil {
		admin.Close()
	}
	if srv == nil || srv.dir == "" {
		return nil
	}
	err := srv.run(srv.pgCtl, "-D", filepath.Join(srv.dir, "data"), "-m", "fast", "-w", "stop")
	if rerr := os.RemoveAll(srv.dir); rerr != nil {
		err = errors.Join(err, fmt.Errorf("remove the cluster's directory: %w", rerr))
	}
	return err
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
