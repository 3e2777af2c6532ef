package sqlite

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/clerkgo/clerk/emulator/store"
)

// BenchmarkCreateWithEvent is the write of a user created through the API
// with a webhook endpoint: the user and its user.created message in one
// transaction, as emulator's eventStore makes it; "savepoints" with each
// write in a savepoint of its own, "all-or-nothing" with
// store.TxAllOrNothing; "no-event" is the user's write alone, as the API
// makes it without an endpoint (the difference is what the event costs).
// On a file (synchronous=FULL: a commit is an fsync) and in memory (the
// CPU alone).
func BenchmarkCreateWithEvent(b *testing.B) {
	payload := bytes.Repeat([]byte("x"), 2000)
	for _, where := range []string{"file", "memory"} {
		for _, mode := range []string{"no-event", "savepoints", "all-or-nothing"} {
			b.Run(where+"/"+mode, func(b *testing.B) {
				path := ":memory:"
				if where == "file" {
					path = filepath.Join(b.TempDir(), "clerk.db")
				}
				s, err := Open(context.Background(), path)
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				var opts []store.TxOption
				if mode == "all-or-nothing" {
					opts = append(opts, store.TxAllOrNothing)
				}
				ctx := context.Background()
				b.ResetTimer()
				for i := range b.N {
					id := fmt.Sprintf("user_%d", i)
					u := &store.User{ID: id, CreatedAt: int64(i), UpdatedAt: int64(i), FirstName: "Bench",
						Identifiers: []store.Identifier{{ID: "idn_" + id, Kind: store.KindEmailAddress, Value: id + "@example.com"}},
						Doc:         payload[:600]}
					if mode == "no-event" {
						if err := s.InsertUser(ctx, u); err != nil {
							b.Fatal(err)
						}
						continue
					}
					m := &store.OutboxMessage{ID: "msg_" + id, Endpoint: "http://127.0.0.1/hook", EventType: "user.created", Payload: payload}
					err := s.Tx(ctx, func(tx store.Store) error {
						if err := tx.InsertUser(ctx, u); err != nil {
							return err
						}
						return tx.EnqueueOutbox(ctx, m)
					}, opts...)
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkClaimAndSettleRun is the worker's part of the outbox for a run
// of 64 messages: one claim and one SettleOutbox acknowledging them all,
// in memory (the CPU alone). One op is one message.
func BenchmarkClaimAndSettleRun(b *testing.B) {
	const run = 64
	payload := bytes.Repeat([]byte("x"), 2000)
	s, err := Open(context.Background(), ":memory:")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for i := 0; i < b.N; i += run {
		b.StopTimer()
		msgs := make([]*store.OutboxMessage, run)
		for j := range msgs {
			msgs[j] = &store.OutboxMessage{ID: fmt.Sprintf("msg_%d", i+j), Endpoint: "e", Payload: payload}
		}
		if err := s.EnqueueOutbox(ctx, msgs...); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		got, err := s.ClaimOutbox(ctx, store.OutboxClaim{Now: 1, LeaseUntil: 2, Limit: 16, Run: run})
		if err != nil || len(got) != run {
			b.Fatalf("claimed %d, %v", len(got), err)
		}
		ends := make([]store.OutboxEnd, len(got))
		for j, m := range got {
			ends[j] = store.OutboxEnd{ID: m.ID, Attempt: m.Attempts, Outcome: store.OutboxAck}
		}
		if err := s.SettleOutbox(ctx, ends...); err != nil {
			b.Fatal(err)
		}
	}
}
