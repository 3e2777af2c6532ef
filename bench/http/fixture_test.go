package httpbench

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/httpapi"
	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/emulator/store/sqlite"
	"github.com/clerkgo/clerk/internal/v2021"
)

// fixtureVersion names the cached user databases. Bump it when the users
// the fixture creates, or the way the emulator stores them, change, so
// that later runs build the databases again.
const fixtureVersion = "v1"

// apiVersion is the Clerk-API-Version every request sends: the one Clerk's
// JavaScript SDK sends.
const apiVersion = "2026-05-12"

// server is a running emulator (or the hello-world ceiling).
type server struct {
	URL       string // base URL; the API is under URL + "/v1"
	SecretKey string
	UserIDs   []string // some of its users, for GET /v1/users/{id}
}

var (
	fixturesMu sync.Mutex
	fixtures   = map[string]*server{}
	closers    []func()
	tempDir    string // removed after the run

	keyOnce sync.Once
	key     *rsa.PrivateKey
)

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
	if tempDir != "" {
		os.RemoveAll(tempDir)
	}
	os.Exit(code)
}

// signingKey is one RSA key per process: generating it costs more than the
// rest of a server's start.
func signingKey() *rsa.PrivateKey {
	keyOnce.Do(func() {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return key
}

// fixture returns the server named name, starting it with start the first
// time. Servers live until the end of the process (TestMain), so the
// repeated calls of a benchmark function with growing b.N share one.
func fixture(tb testing.TB, name string, start func(tb testing.TB) *server) *server {
	tb.Helper()
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	if s := fixtures[name]; s != nil {
		return s
	}
	s := start(tb)
	fixtures[name] = s
	return s
}

func processTempDir(tb testing.TB) string {
	tb.Helper()
	if tempDir == "" {
		dir, err := os.MkdirTemp("", "clerkgo-bench-http-run-")
		if err != nil {
			tb.Fatal(err)
		}
		tempDir = dir
	}
	return tempDir
}

// helloServer is the ceiling: the least a net/http server can do per
// request.
func helloServer(tb testing.TB) *server {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "Hello, world!\n")
	}))
	closers = append(closers, hs.Close)
	return &server{URL: hs.URL}
}

// serve opens the SQLite database at path and serves the emulator over it
// as clerktest does (emulator.New + httpapi.New + httptest.NewServer),
// without clerktest's response check, which is a test aid, not part of
// the server.
func serve(tb testing.TB, path string) *server {
	tb.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	svc, err := emulator.New(ctx, st, emulator.Options{SigningKey: signingKey()})
	if err != nil {
		st.Close()
		tb.Fatal(err)
	}
	hs := httptest.NewServer(httpapi.New(svc, nil))
	closers = append(closers, func() {
		hs.Close()
		st.Close()
	})
	s := &server{URL: hs.URL, SecretKey: svc.SecretKey()}
	users, err := svc.ListUsers(ctx, &v2021.UsersListParams{Limit: v2021.Ptr[int64](500)})
	if err != nil {
		tb.Fatal(err)
	}
	for _, u := range users {
		s.UserIDs = append(s.UserIDs, u.ID)
	}
	return s
}

// emptyServer serves a new, empty database in the run's temporary
// directory (for POST /v1/users).
func emptyServer(tb testing.TB) *server {
	return serve(tb, filepath.Join(processTempDir(tb), "empty.db"))
}

// usersServer serves a database of n users (see usersDB).
func usersServer(n int) func(tb testing.TB) *server {
	return func(tb testing.TB) *server {
		s := serve(tb, usersDB(tb, n))
		if len(s.UserIDs) == 0 {
			tb.Fatalf("the database of %d users lists none", n)
		}
		return s
	}
}

// usersDB returns the path of an SQLite database holding n users, built
// once and kept in os.TempDir()/clerkgo-bench-http, named by n and
// fixtureVersion, so that later runs reuse it. A cached database that does
// not open or does not hold n users is built again.
func usersDB(tb testing.TB, n int) string {
	tb.Helper()
	dir := filepath.Join(os.TempDir(), "clerkgo-bench-http")
	path := filepath.Join(dir, fmt.Sprintf("users-%d-%s.db", n, fixtureVersion))
	if err := checkUsersDB(path, n); err == nil {
		return path
	} else if !errors.Is(err, os.ErrNotExist) {
		tb.Logf("rebuilding %s: %v", path, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	tmp := path + ".building"
	for _, p := range []string{path, tmp} {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(p + suffix)
		}
	}
	start := time.Now()
	if err := buildUsersDB(tmp, n); err != nil {
		tb.Fatalf("building %s: %v", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("built %s (%d users) in %v", path, n, time.Since(start).Round(time.Millisecond))
	return path
}

func checkUsersDB(path string, n int) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	svc, err := emulator.New(ctx, st, emulator.Options{})
	if err != nil {
		return err
	}
	c, err := svc.Users.Count(ctx, nil)
	if err != nil {
		return err
	}
	if c.TotalCount != int64(n) {
		return fmt.Errorf("it holds %d users", c.TotalCount)
	}
	return nil
}

// buildUsersDB creates n users through the emulator's domain
// (emulator.Service.CreateUser, so the stored documents are exactly what
// POST /v1/users stores), 10,000 per transaction. Each has an email
// address, a username, a first and a last name; their created_at are one
// millisecond apart.
func buildUsersDB(path string, n int) error {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	if err := fillUsers(ctx, st, n); err != nil {
		st.Close()
		return err
	}
	return st.Close() // checkpoints the WAL into the file
}

func fillUsers(ctx context.Context, st store.Store, n int) error {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	now := func() time.Time { return base.Add(time.Duration(i) * time.Millisecond) }
	if _, err := emulator.New(ctx, st, emulator.Options{SigningKey: signingKey(), Now: now}); err != nil {
		return err
	}
	const batch = 10_000
	for start := 0; start < n; start += batch {
		err := st.Tx(ctx, func(tx store.Store) error {
			svc, err := emulator.New(ctx, tx, emulator.Options{Now: now})
			if err != nil {
				return err
			}
			for i = start; i < min(start+batch, n); i++ {
				_, err := svc.Users.Create(ctx, &v2021.UsersCreateParams{
					EmailAddress: []string{fmt.Sprintf("person%d@example.com", i)},
					Username:     v2021.Ptr(fmt.Sprintf("person%d", i)),
					FirstName:    v2021.Ptr("First"),
					LastName:     v2021.Ptr(fmt.Sprintf("Last%d", i%977)),
				})
				if err != nil {
					return fmt.Errorf("user %d: %w", i, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
