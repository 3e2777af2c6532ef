package emulator

import (
	"context"
	"testing"

	"github.com/clerkgo/clerk/internal/v2021"
)

// A session's revocation answers the session it revoked, or 404, whatever
// another request does meanwhile: it read the session outside its write,
// so a deletion of the user (whose sessions go with it) landing in between
// made the write fail with the store's bare "not found", a 500.
func TestSessionRevocationsAnswerWhenTheUserGoesMeanwhile(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Service, in *interleave) {
		ctx := context.Background()
		u, err := s.Users.Create(ctx, &v2021.UsersCreateParams{})
		if err != nil {
			t.Fatal(err)
		}
		sess, err := s.CreateSession(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		in.arm(kindSession, func() error { _, err := s.Users.Delete(ctx, u.ID); return err })
		got, err := s.Sessions.Revoke(ctx, sess.ID)
		if delErr := in.result(t); delErr != nil {
			t.Fatalf("the user's deletion: %v", delErr)
		}
		switch {
		case err == nil:
			if got.ID != sess.ID || got.Status != "revoked" {
				t.Errorf("revoked %s with status %q, want %s revoked", got.ID, got.Status, sess.ID)
			}
		case !isNotFound(err):
			t.Errorf("revoke: %v, want the revoked session or not found", err)
		default:
			if _, ok := AsError(err); !ok {
				t.Errorf("revoke: %v, the store's error, not an API error", err)
			}
		}
		if _, err := s.Sessions.Get(ctx, sess.ID); !isNotFound(err) {
			t.Errorf("the session after its user's deletion: %v, want not found", err)
		}
	})
}
