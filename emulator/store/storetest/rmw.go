package storetest

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
)

func init() {
	txCases = append(txCases, testCase{
		"concurrent read-modify-writes of one user in Tx lose nothing", func(t *testing.T, s store.Store) {
			mustInsertUser(t, s, &store.User{ID: "user_rmw", CreatedAt: 1, UpdatedAt: 1, Doc: []byte("0")})
			const n = 20
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- s.Tx(ctx(t), func(tx store.Store) error {
						u, err := tx.User(ctx(t), "user_rmw")
						if err != nil {
							return err
						}
						count, err := strconv.Atoi(string(u.Doc))
						if err != nil {
							return err
						}
						u.Doc = []byte(strconv.Itoa(count + 1))
						return tx.UpdateUser(ctx(t), u)
					})
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("Tx: %v", err)
				}
			}
			if got := string(mustUser(t, s, "user_rmw").Doc); got != strconv.Itoa(n) {
				t.Fatalf("counter %s after %d increments: updates were lost", got, n)
			}
		},
	})
}

func init() {
	txCases = append(txCases, testCase{
		"concurrent read-modify-writes of one object in Tx lose nothing", func(t *testing.T, s store.Store) {
			// A counter kept as an organization keeps its members count: in
			// SortNum, and in the doc. Half the writers read the object by
			// ID, half by its unique key: both lock it.
			mustInsertObject(t, s, &store.Object{Kind: "organization", ID: "org_rmw", Unique: "rmw", CreatedAt: 1, Doc: []byte("0")})
			const n = 20
			var wg sync.WaitGroup
			errs := make(chan error, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- s.Tx(ctx(t), func(tx store.Store) error {
						var o *store.Object
						var err error
						if i%2 == 0 {
							o, err = tx.Object(ctx(t), "organization", "org_rmw")
						} else {
							o, err = tx.ObjectByUnique(ctx(t), "organization", "rmw")
						}
						if err != nil {
							return err
						}
						count, err := strconv.Atoi(string(o.Doc))
						if err != nil {
							return err
						}
						o.SortNum++
						o.Doc = []byte(strconv.Itoa(count + 1))
						o.UpdatedAt = int64(count + 1)
						return tx.UpdateObject(ctx(t), o)
					})
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatalf("Tx: %v", err)
				}
			}
			o := mustObject(t, s, "organization", "org_rmw")
			if o.SortNum != n || string(o.Doc) != strconv.Itoa(n) {
				t.Fatalf("counter %d (doc %s) after %d increments: updates were lost", o.SortNum, o.Doc, n)
			}
		},
	})
}

func init() {
	txCases = append(txCases, testCase{
		"two transactions locking two users in opposite orders both commit: the one a deadlock ends runs again", func(t *testing.T, s store.Store) {
			// Each locks its first user, waits (at most half a second) for
			// the other to hold its own first, then locks and updates its
			// second. On PostgreSQL both then wait for each other until the
			// deadlock detector ends one, which Tx runs again; on SQLite
			// the second waits for the first to commit.
			for _, id := range []string{"user_a", "user_b"} {
				mustInsertUser(t, s, &store.User{ID: id, CreatedAt: 1, UpdatedAt: 1, Doc: []byte("{}")})
			}
			orders := [2][2]string{{"user_a", "user_b"}, {"user_b", "user_a"}}
			holding := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
			var once [2]sync.Once
			var wg sync.WaitGroup
			var errs [2]error
			for i, order := range orders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = s.Tx(ctx(t), func(tx store.Store) error {
						if _, err := tx.User(ctx(t), order[0]); err != nil {
							return err
						}
						once[i].Do(func() { close(holding[i]) })
						select {
						case <-holding[1-i]:
						case <-time.After(500 * time.Millisecond):
						}
						second, err := tx.User(ctx(t), order[1])
						if err != nil {
							return err
						}
						second.LastName = "by " + order[0]
						return tx.UpdateUser(ctx(t), second)
					})
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("Tx %d: %v", i+1, err)
				}
			}
			for _, order := range orders {
				if got := mustUser(t, s, order[1]).LastName; got != "by "+order[0] {
					t.Errorf("%s's last name %q, want %q", order[1], got, "by "+order[0])
				}
			}
		},
	})
}
