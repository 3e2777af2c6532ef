package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/emulator/store/postgres/pgtest"
)

// TestMain lets the test binary stand in for the clerk command: with
// CLERK_TEST_AS_CLI=1 it runs main's code instead of the tests, so a test
// can start the real command in a process of its own (and kill it).
// Otherwise it runs the tests through pgtest, for the tests that share a
// throwaway PostgreSQL server between processes.
func TestMain(m *testing.M) {
	if os.Getenv("CLERK_TEST_AS_CLI") == "1" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	pgtest.Main(m) // runs the tests, then stops the PostgreSQL server they started, if any
}

// startProcess runs `clerk serve` as a process, with the flags extra,
// and returns it with the API URL and secret key it printed.
func startProcess(t *testing.T, db string, extra ...string) (*exec.Cmd, string, string) {
	t.Helper()
	cmd, apiURL, key, _ := startServeProcess(t, db, extra...)
	if apiURL == "" || key == "" {
		t.Fatal("clerk serve printed no URL or key")
	}
	return cmd, apiURL, key
}

// A write answered 2xx survives kill -9: write concurrently, SIGKILL the
// server mid-flight, restart it on the same database, and find every
// acknowledged user.
func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	db := filepath.Join(t.TempDir(), "clerk.db")
	cmd, apiURL, key := startProcess(t, db)
	c, err := clerk.NewClient(key, clerk.WithServerURL(apiURL+"/v1"), clerk.WithoutRetries(), clerk.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var acked []string
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				u, err := c.Users.Create(ctx, &clerk.UsersCreateParams{ExternalID: clerk.Ptr(strings.Repeat("x", w+1) + "-" + time.Now().Format("150405.000000000"))})
				if err != nil {
					continue // in flight when the server died: not acknowledged
				}
				mu.Lock()
				acked = append(acked, u.ID)
				mu.Unlock()
			}
		}(w)
	}
	// Let writes flow, then kill without warning.
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 100 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	stop()
	wg.Wait()
	if len(acked) < 20 {
		t.Fatalf("only %d writes acknowledged before the kill", len(acked))
	}

	_, apiURL2, key2 := startProcess(t, db)
	c2, _ := clerk.NewClient(key2, clerk.WithServerURL(apiURL2+"/v1"))
	for _, id := range acked {
		if _, err := c2.Users.Get(context.Background(), id); err != nil {
			t.Fatalf("acknowledged user %s lost after kill -9: %v", id, err)
		}
	}
	t.Logf("%d acknowledged writes all survived kill -9", len(acked))
}

// SIGTERM stops the server gracefully: exit 0, and the data stays.
func TestServeStopsGracefullyOnSIGTERM(t *testing.T) {
	db := filepath.Join(t.TempDir(), "clerk.db")
	cmd, apiURL, key := startProcess(t, db)
	c, _ := clerk.NewClient(key, clerk.WithServerURL(apiURL+"/v1"))
	u, err := c.Users.Create(context.Background(), &clerk.UsersCreateParams{EmailAddress: []string{"term@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("clerk serve after SIGTERM: %v", err)
	}
	_, apiURL2, key2 := startProcess(t, db)
	c2, _ := clerk.NewClient(key2, clerk.WithServerURL(apiURL2+"/v1"))
	if _, err := c2.Users.Get(context.Background(), u.ID); err != nil {
		t.Fatalf("after a graceful stop: %v", err)
	}
}
