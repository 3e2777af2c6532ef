package storetest

import (
	"strconv"
	"sync"
	"testing"

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
