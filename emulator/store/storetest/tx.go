package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/clerkgo/clerk/emulator/store"
)

// errRollback is what the Tx functions of the suite fail with.
var errRollback = errors.New("storetest: roll back")

// writeEverything makes one write of every kind through s.
func writeEverything(t *testing.T, s store.Store) error {
	if err := s.PutInstance(ctx(t), &store.Instance{ID: "ins_1", Doc: []byte(`{}`)}); err != nil {
		return err
	}
	if err := s.InsertUser(ctx(t), simpleUser("user_1", "one@example.com", 1)); err != nil {
		return err
	}
	if err := s.InsertObject(ctx(t), &store.Object{Kind: "session", ID: "sess_1", UserID: "user_1", Unique: "tok_1"}); err != nil {
		return err
	}
	return nil
}

// wantNothingWritten fails t if any of writeEverything's writes is there.
func wantNothingWritten(t *testing.T, s store.Store) {
	t.Helper()
	_, err := s.Instance(ctx(t))
	wantNotFound(t, "Instance", err)
	_, err = s.User(ctx(t), "user_1")
	wantNotFound(t, "User", err)
	_, err = s.Identifier(ctx(t), "idn_user_1")
	wantNotFound(t, "Identifier", err)
	_, err = s.Object(ctx(t), "session", "sess_1")
	wantNotFound(t, "Object", err)
	if n, err := s.CountUsers(ctx(t), store.UserQuery{}); err != nil || n != 0 {
		t.Fatalf("CountUsers = %d, %v; want 0", n, err)
	}
}

var txCases = []testCase{
	{"TxAllOrNothing commits its writes and enqueues; a write that fails fails it whole, even if the function goes on", func(t *testing.T, s store.Store) {
		err := s.Tx(ctx(t), func(tx store.Store) error {
			if err := writeEverything(t, tx); err != nil {
				return err
			}
			return tx.EnqueueOutbox(ctx(t), msg("m1", "e"))
		}, store.TxAllOrNothing)
		if err != nil {
			t.Fatalf("Tx: %v", err)
		}
		wantUser(t, mustUser(t, s, "user_1"), simpleUser("user_1", "one@example.com", 1))
		wantOutbox(t, s, "m1")
		// user_2's second identifier is taken: the insert fails after its
		// first statements. The function ignores it and returns nil; Tx
		// must not commit user_2's first rows, nor anything else.
		taken := simpleUser("user_2", "two@example.com", 2)
		taken.Identifiers = append(taken.Identifiers, email("idn_user_2b", "one@example.com"))
		var insertErr error
		err = s.Tx(ctx(t), func(tx store.Store) error {
			mustInsertObject(t, tx, &store.Object{Kind: "session", ID: "sess_2"})
			insertErr = tx.InsertUser(ctx(t), taken)
			_ = tx.EnqueueOutbox(ctx(t), msg("m2", "e"))
			return nil
		}, store.TxAllOrNothing)
		var ce *store.ConflictError
		if !errors.As(insertErr, &ce) || err == nil || !errors.As(err, &ce) {
			t.Fatalf("InsertUser = %v, Tx = %v; want a *store.ConflictError from both", insertErr, err)
		}
		_, err = s.User(ctx(t), "user_2")
		wantNotFound(t, "User(user_2)", err)
		_, err = s.Identifier(ctx(t), "idn_user_2")
		wantNotFound(t, "Identifier(idn_user_2)", err)
		_, err = s.Object(ctx(t), "session", "sess_2")
		wantNotFound(t, "Object(sess_2)", err)
		wantOutbox(t, s, "m1")
		// A nested Tx whose function fails still undoes its own writes.
		err = s.Tx(ctx(t), func(tx store.Store) error {
			if err := tx.Tx(ctx(t), func(tx2 store.Store) error {
				mustInsertObject(t, tx2, &store.Object{Kind: "session", ID: "sess_3"})
				return errRollback
			}); err != errRollback {
				t.Errorf("nested Tx = %v, want %v", err, errRollback)
			}
			return tx.InsertObject(ctx(t), &store.Object{Kind: "session", ID: "sess_4"})
		}, store.TxAllOrNothing)
		if err != nil {
			t.Fatalf("Tx with a nested one rolled back: %v", err)
		}
		_, err = s.Object(ctx(t), "session", "sess_3")
		wantNotFound(t, "Object(sess_3)", err)
		mustObject(t, s, "session", "sess_4")
	}},
	{"the writes of a Tx are there once it returns nil", func(t *testing.T, s store.Store) {
		if err := s.Tx(ctx(t), func(tx store.Store) error { return writeEverything(t, tx) }); err != nil {
			t.Fatalf("Tx: %v", err)
		}
		if _, err := s.Instance(ctx(t)); err != nil {
			t.Fatalf("Instance: %v", err)
		}
		wantUser(t, mustUser(t, s, "user_1"), simpleUser("user_1", "one@example.com", 1))
		mustObject(t, s, "session", "sess_1")
	}},
	{"an error from the Tx function is returned as is and leaves nothing written", func(t *testing.T, s store.Store) {
		err := s.Tx(ctx(t), func(tx store.Store) error {
			if err := writeEverything(t, tx); err != nil {
				return err
			}
			if err := tx.UpdateUser(ctx(t), simpleUser("user_1", "two@example.com", 2)); err != nil {
				return err
			}
			return errRollback
		})
		if err != errRollback {
			t.Fatalf("Tx = %v, want %v itself", err, errRollback)
		}
		wantNothingWritten(t, s)
		// The rolled-back unique keys are free.
		if err := writeEverything(t, s); err != nil {
			t.Fatalf("writing after the rollback: %v", err)
		}
	}},
	{"a Tx rolled back leaves earlier data as it was", func(t *testing.T, s store.Store) {
		before := simpleUser("user_0", "zero@example.com", 1)
		mustInsertUser(t, s, before)
		mustInsertObject(t, s, &store.Object{Kind: "session", ID: "sess_0", Status: "active"})
		err := s.Tx(ctx(t), func(tx store.Store) error {
			if err := tx.UpdateUser(ctx(t), simpleUser("user_0", "changed@example.com", 2)); err != nil {
				return err
			}
			if err := tx.DeleteObject(ctx(t), "session", "sess_0"); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("Tx = %v", err)
		}
		wantUser(t, mustUser(t, s, "user_0"), before)
		mustObject(t, s, "session", "sess_0")
	}},
	{"reads inside a Tx see the Tx's own writes", func(t *testing.T, s store.Store) {
		err := s.Tx(ctx(t), func(tx store.Store) error {
			if err := writeEverything(t, tx); err != nil {
				return err
			}
			if _, err := tx.User(ctx(t), "user_1"); err != nil {
				return fmt.Errorf("User: %w", err)
			}
			if _, err := tx.Identifier(ctx(t), "idn_user_1"); err != nil {
				return fmt.Errorf("Identifier: %w", err)
			}
			if got, err := tx.ListUsers(ctx(t), store.UserQuery{Query: "one@"}); err != nil || len(got) != 1 {
				return fmt.Errorf("ListUsers = %d users, %v", len(got), err)
			}
			if n, err := tx.CountObjects(ctx(t), store.ObjectQuery{Kind: "session"}); err != nil || n != 1 {
				return fmt.Errorf("CountObjects = %d, %v", n, err)
			}
			if _, err := tx.ObjectByUnique(ctx(t), "session", "tok_1"); err != nil {
				return fmt.Errorf("ObjectByUnique: %w", err)
			}
			if _, err := tx.Instance(ctx(t)); err != nil {
				return fmt.Errorf("Instance: %w", err)
			}
			return errRollback
		})
		if err != errRollback {
			t.Fatalf("Tx: %v", err)
		}
		wantNothingWritten(t, s)
	}},
	{"a conflict inside a Tx undoes only that write and the Tx goes on", func(t *testing.T, s store.Store) {
		mustInsertUser(t, s, simpleUser("user_0", "taken@example.com", 1))
		mustInsertObject(t, s, &store.Object{Kind: "session", ID: "sess_0", Unique: "tok_taken"})
		err := s.Tx(ctx(t), func(tx store.Store) error {
			mustInsertUser(t, tx, simpleUser("user_1", "one@example.com", 2))
			bad := simpleUser("user_2", "two@example.com", 3)
			bad.Identifiers = append(bad.Identifiers, email("idn_2b", "taken@example.com"))
			wantConflict(t, "InsertUser", tx.InsertUser(ctx(t), bad), store.KindEmailAddress, "taken@example.com")
			wantConflict(t, "InsertObject", tx.InsertObject(ctx(t), &store.Object{Kind: "session", ID: "sess_1", Unique: "tok_taken"}),
				"session", "tok_taken")
			wantNotFound(t, "DeleteUser", tx.DeleteUser(ctx(t), "user_missing"))
			mustInsertUser(t, tx, simpleUser("user_3", "two@example.com", 4)) // the failed insert's address is free
			return nil
		})
		if err != nil {
			t.Fatalf("Tx: %v", err)
		}
		got, err := s.ListUsers(ctx(t), store.UserQuery{})
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "ListUsers", userIDs(got), []string{"user_0", "user_1", "user_3"})
		_, err = s.Identifier(ctx(t), "idn_2b")
		wantNotFound(t, "Identifier of the failed insert", err)
	}},
	{"a nested Tx that fails undoes its own writes only", func(t *testing.T, s store.Store) {
		err := s.Tx(ctx(t), func(tx store.Store) error {
			mustInsertUser(t, tx, simpleUser("user_1", "one@example.com", 1))
			inner := tx.Tx(ctx(t), func(tx2 store.Store) error {
				mustInsertUser(t, tx2, simpleUser("user_2", "two@example.com", 2))
				return errRollback
			})
			if inner != errRollback {
				t.Errorf("nested Tx = %v, want %v", inner, errRollback)
			}
			_, err := tx.User(ctx(t), "user_2")
			wantNotFound(t, "User inside, after the nested rollback", err)
			mustInsertUser(t, tx, simpleUser("user_3", "two@example.com", 3))
			return nil
		})
		if err != nil {
			t.Fatalf("Tx: %v", err)
		}
		got, err := s.ListUsers(ctx(t), store.UserQuery{})
		if err != nil {
			t.Fatal(err)
		}
		wantIDs(t, "ListUsers", userIDs(got), []string{"user_1", "user_3"})
	}},
	{"a nested Tx that succeeds is kept with the outer one, and undone with it", func(t *testing.T, s store.Store) {
		for _, outerErr := range []error{errRollback, nil} {
			t.Run(fmt.Sprint("outer returns ", outerErr), func(t *testing.T) {
				err := s.Tx(ctx(t), func(tx store.Store) error {
					return tx.Tx(ctx(t), func(tx2 store.Store) error {
						if err := tx2.Tx(ctx(t), func(tx3 store.Store) error { return writeEverything(t, tx3) }); err != nil {
							return err
						}
						return outerErr
					})
				})
				if err != outerErr {
					t.Fatalf("Tx = %v, want %v", err, outerErr)
				}
				if outerErr != nil {
					wantNothingWritten(t, s)
				} else {
					mustUser(t, s, "user_1")
				}
			})
		}
	}},
	{"a panic in the Tx function rolls back and goes on up", func(t *testing.T, s store.Store) {
		func() {
			defer func() {
				if r := recover(); r != "boom" {
					t.Fatalf("recovered %v, want the panic", r)
				}
			}()
			_ = s.Tx(ctx(t), func(tx store.Store) error {
				if err := writeEverything(t, tx); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		wantNothingWritten(t, s)
		if err := writeEverything(t, s); err != nil {
			t.Fatalf("writing after the panic: %v", err)
		}
	}},
	{"a Tx's Store fails once the Tx has returned", func(t *testing.T, s store.Store) {
		var kept store.Store
		if err := s.Tx(ctx(t), func(tx store.Store) error { kept = tx; return nil }); err != nil {
			t.Fatal(err)
		}
		if err := kept.InsertUser(ctx(t), simpleUser("user_1", "one@example.com", 1)); err == nil {
			t.Fatal("InsertUser through a finished Tx's Store succeeded")
		}
		if _, err := kept.User(ctx(t), "user_1"); err == nil || errors.Is(err, store.ErrNotFound) {
			t.Fatalf("User through a finished Tx's Store = %v, want a failure", err)
		}
		_, err := s.User(ctx(t), "user_1")
		wantNotFound(t, "User", err)
	}},
	{"concurrent Tx calls and writes all commit", func(t *testing.T, s store.Store) {
		const writers, each = 6, 5
		var wg sync.WaitGroup
		errs := make(chan error, 2*writers)
		for w := range writers {
			wg.Add(2)
			go func() {
				defer wg.Done()
				errs <- s.Tx(ctx(t), func(tx store.Store) error {
					for i := range each {
						id := fmt.Sprintf("user_tx_%d_%d", w, i)
						if err := tx.InsertUser(ctx(t), simpleUser(id, id+"@example.com", int64(i))); err != nil {
							return err
						}
					}
					return nil
				})
			}()
			go func() {
				defer wg.Done()
				for i := range each {
					id := fmt.Sprintf("user_plain_%d_%d", w, i)
					if err := s.InsertUser(ctx(t), simpleUser(id, id+"@example.com", int64(i))); err != nil {
						errs <- err
						return
					}
					if _, err := s.ListUsers(ctx(t), store.UserQuery{Limit: 10}); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatalf("concurrent write: %v", err)
			}
		}
		if n, err := s.CountUsers(ctx(t), store.UserQuery{}); err != nil || n != 2*writers*each {
			t.Fatalf("CountUsers = %d, %v; want %d", n, err, 2*writers*each)
		}
	}},
}
