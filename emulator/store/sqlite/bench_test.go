package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/clerkgo/clerk/emulator/store"
)

// BenchmarkListUsers lists a page of 100 users, newest first, from
// databases of 1,000 and 100,000 users: with the (created_at, id) index
// the time should not depend on the table's size.
func BenchmarkListUsers(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir() // lives until the sub-benchmarks are done
	for _, n := range []int{1_000, 100_000} {
		s := benchStore(b, filepath.Join(dir, fmt.Sprintf("users-%d.db", n)), n)
		b.Run(fmt.Sprintf("users=%dk", n/1000), func(b *testing.B) {
			q := store.UserQuery{OrderBy: "created_at", Descending: true, Limit: 100}
			b.ReportAllocs()
			for b.Loop() {
				users, err := s.ListUsers(ctx, q)
				if err != nil || len(users) != 100 {
					b.Fatalf("ListUsers = %d users, %v", len(users), err)
				}
			}
		})
	}
}

// benchStore opens a new database at path holding n users, inserted by
// transactions of 10,000.
func benchStore(b *testing.B, path string, n int) *Store {
	b.Helper()
	ctx := context.Background()
	s, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	const batch = 10_000
	for start := 0; start < n; start += batch {
		err := s.Tx(ctx, func(tx store.Store) error {
			for i := start; i < min(start+batch, n); i++ {
				id := fmt.Sprintf("user_%08d", i)
				addr := fmt.Sprintf("person%d@example.com", i)
				u := &store.User{
					ID: id, CreatedAt: 1700000000000 + int64(i), UpdatedAt: 1700000000000 + int64(i),
					FirstName: "First", LastName: fmt.Sprintf("Last%d", i%977), Username: fmt.Sprintf("person%d", i),
					PrimaryEmail: addr,
					Identifiers: []store.Identifier{
						{ID: "idn_" + id, Kind: store.KindEmailAddress, Value: addr},
						{Kind: store.KindUsername, Value: fmt.Sprintf("person%d", i)},
					},
					Doc: fmt.Appendf(nil, `{"id":%q,"object":"user","first_name":"First","last_name":"Last%d",`+
						`"email_addresses":[{"id":"idn_%s","email_address":%q,"verification":{"status":"verified"}}],`+
						`"public_metadata":{},"private_metadata":{},"unsafe_metadata":{}}`, id, i%977, id, addr),
				}
				if err := tx.InsertUser(ctx, u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("inserting users: %v", err)
		}
	}
	return s
}
