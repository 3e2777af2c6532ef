package emulator

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/emulator/store/postgres"
	"github.com/clerkgo/clerk/emulator/store/postgres/pgtest"
	"github.com/clerkgo/clerk/emulator/store/sqlite"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// interleaveWait is how long an interleaved request gets to finish
// before the read it follows returns. One that waits for the reader's
// locks (a row lock on PostgreSQL, the one writer on SQLite) runs after
// the reader's transaction instead, as it would between two requests.
const interleaveWait = 300 * time.Millisecond

// interleaving is a store that, once armed, lets another request land
// between a read and what the reader does next: right after the next read
// of an object of the armed kind (Object, ObjectByUnique, ListObjects,
// CountObjects), in a transaction or not, it starts the other request and
// gives it up to interleaveWait to finish before the read returns.
type interleaving struct {
	store.Store
	in *interleave
}

// interleave is the armed request of an interleaving store, shared by
// the store and its transactions.
type interleave struct {
	mu    sync.Mutex
	kind  string // the kind whose reads set other off; "" when not armed
	skip  int    // reads of kind to let by before
	other func() error
	done  chan error
}

// arm readies other to run after the next read of an object of kind.
func (in *interleave) arm(kind string, other func() error) { in.armNth(kind, 1, other) }

// armNth readies other to run after the nth read of an object of kind
// from now.
func (in *interleave) armNth(kind string, n int, other func() error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.kind, in.skip, in.other, in.done = kind, n-1, other, make(chan error, 1)
}

// result waits for the armed request and returns its error; it fails the
// test when no read set it off.
func (in *interleave) result(t *testing.T) error {
	t.Helper()
	in.mu.Lock()
	kind, done := in.kind, in.done
	in.mu.Unlock()
	if kind != "" || done == nil {
		t.Fatalf("no read of a %q set the interleaved request off", kind)
	}
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatal("the interleaved request did not end within 30 s")
		return nil
	}
}

func (in *interleave) after(kind string) {
	in.mu.Lock()
	if in.kind == "" || in.kind != kind {
		in.mu.Unlock()
		return
	}
	if in.skip > 0 {
		in.skip--
		in.mu.Unlock()
		return
	}
	other, done := in.other, in.done
	in.kind = ""
	in.mu.Unlock()
	finished := make(chan struct{})
	go func() {
		done <- other()
		close(finished)
	}()
	select {
	case <-finished:
	case <-time.After(interleaveWait):
	}
}

func (s *interleaving) Tx(ctx context.Context, fn func(tx store.Store) error, opts ...store.TxOption) error {
	return s.Store.Tx(ctx, func(tx store.Store) error { return fn(&interleaving{Store: tx, in: s.in}) }, opts...)
}

func (s *interleaving) Object(ctx context.Context, kind, id string) (*store.Object, error) {
	o, err := s.Store.Object(ctx, kind, id)
	s.in.after(kind)
	return o, err
}

func (s *interleaving) ObjectByUnique(ctx context.Context, kind, unique string) (*store.Object, error) {
	o, err := s.Store.ObjectByUnique(ctx, kind, unique)
	s.in.after(kind)
	return o, err
}

func (s *interleaving) ListObjects(ctx context.Context, q store.ObjectQuery) ([]*store.Object, error) {
	rows, err := s.Store.ListObjects(ctx, q)
	s.in.after(q.Kind)
	return rows, err
}

func (s *interleaving) CountObjects(ctx context.Context, q store.ObjectQuery) (int64, error) {
	n, err := s.Store.CountObjects(ctx, q)
	s.in.after(q.Kind)
	return n, err
}

// forEachBackend runs test on a service over an interleaving store, on a
// SQLite file and on a PostgreSQL database (pgtest), where transactions
// run side by side and only row locks keep them apart.
func forEachBackend(t *testing.T, test func(t *testing.T, s *Service, in *interleave)) {
	forEachBackendWith(t, Options{}, test)
}

// forEachBackendWith is forEachBackend with the service's options opts
// (its signing key and clock are set).
func forEachBackendWith(t *testing.T, opts Options, test func(t *testing.T, s *Service, in *interleave)) {
	now := time.Unix(1_700_000_000, 0)
	newClientsTestService(t, &now) // makes clientsTestKey
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			var st store.Store
			var err error
			if backend == "sqlite" {
				st, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "clerk.db"))
			} else {
				st, err = postgres.Open(ctx, pgtest.NewDatabase(t))
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			in := &interleave{}
			opts.SigningKey, opts.Now = clientsTestKey, time.Now
			s, err := New(ctx, &interleaving{Store: st, in: in}, opts)
			if err != nil {
				t.Fatal(err)
			}
			test(t, s, in)
		})
	}
}

// idOf is the "id" of a JSON answer, given with its call's error: id, err
// := idOf(s.Organizations.Create(ctx, p)).
func idOf[T ~[]byte](out T, err error) (string, error) {
	if err != nil {
		return "", err
	}
	var v struct{ ID string }
	if err := json.Unmarshal(out, &v); err != nil {
		return "", err
	}
	return v.ID, nil
}
