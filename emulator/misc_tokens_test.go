package emulator

import (
	"context"
	"testing"

	"github.com/clerkgo/clerk/internal/v2021"
)

// A ticket's revocation and its acceptance never both win: the revocation
// read the pending ticket outside its write, so an acceptance landing in
// between was overwritten (the ticket showed revoked while its session
// lived). Now exactly one of the two succeeds, and the ticket shows its
// outcome.
func TestTicketRevocationsAndAcceptancesDoNotBothWin(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Service, in *interleave) {
		ctx := context.Background()
		u, err := s.Users.Create(ctx, &v2021.UsersCreateParams{})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			kind string
			// issue creates a pending ticket, returning its ID and value.
			issue  func(t *testing.T) (id, value string)
			accept func(value string) error
			revoke func(id string) error
		}{
			{kindSignInToken,
				func(t *testing.T) (string, string) {
					tok, err := s.SignInTokens.Create(ctx, &v2021.SignInTokensCreateParams{UserID: &u.ID}, nil)
					if err != nil {
						t.Fatal(err)
					}
					return tok.ID, tok.Token
				},
				func(value string) error { _, err := s.AcceptSignInToken(ctx, value); return err },
				func(id string) error { _, err := s.SignInTokens.Revoke(ctx, id); return err }},
			{kindActorToken,
				func(t *testing.T) (string, string) {
					tok, err := s.ActorTokens.Create(ctx, &v2021.ActorTokensCreateParams{UserID: u.ID, Actor: map[string]any{"sub": "user_actor"}})
					if err != nil {
						t.Fatal(err)
					}
					return tok.ID, *tok.Token
				},
				func(value string) error { _, err := s.AcceptActorToken(ctx, value); return err },
				func(id string) error { _, err := s.ActorTokens.Revoke(ctx, id); return err }},
		} {
			t.Run(c.kind, func(t *testing.T) {
				id, value := c.issue(t)
				in.arm(c.kind, func() error { return c.accept(value) })
				revokeErr := c.revoke(id)
				acceptErr := in.result(t)
				if (revokeErr == nil) == (acceptErr == nil) {
					t.Fatalf("revoke: %v; accept: %v; want exactly one to succeed", revokeErr, acceptErr)
				}
				var doc struct{ Token struct{ Status string } }
				if err := readObject(ctx, s.store, c.kind, id, "ticket", &doc); err != nil {
					t.Fatal(err)
				}
				want := ticketRevoked
				if acceptErr == nil {
					want = ticketAccepted
				}
				if doc.Token.Status != want {
					t.Errorf("status %q, want %q (revoke: %v; accept: %v)", doc.Token.Status, want, revokeErr, acceptErr)
				}
				if _, ok := AsError(revokeErr); revokeErr != nil && !ok {
					t.Errorf("revoke failed with %v, not an API error", revokeErr)
				}
			})
		}
	})
}

// A ticket's acceptance and its user's deletion at once: the acceptance
// locked the token, then the user; the deletion the user, then the token
// (it goes with the user). On PostgreSQL each waited for the other until
// the deadlock detector failed one with a 500. Now the acceptance locks
// the user first (lockUserFirst): one waits for the other, and both end
// as they would one after the other.
func TestTicketAcceptancesAndUserDeletionsDoNotDeadlock(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Service, in *interleave) {
		ctx := context.Background()
		for _, c := range []struct {
			kind string
			// inTx is the read of the token that the acceptance makes in
			// its transaction: the first finds it by its value, the actor
			// token's second finds its user.
			inTx int
			// accept issues a ticket for user u and accepts it, calling
			// arm between the two.
			accept func(t *testing.T, u string, arm func()) error
		}{
			{kindSignInToken, 2, func(t *testing.T, u string, arm func()) error {
				tok, err := s.SignInTokens.Create(ctx, &v2021.SignInTokensCreateParams{UserID: &u}, nil)
				if err != nil {
					t.Fatal(err)
				}
				arm()
				_, err = s.AcceptSignInToken(ctx, tok.Token)
				return err
			}},
			{kindActorToken, 3, func(t *testing.T, u string, arm func()) error {
				tok, err := s.ActorTokens.Create(ctx, &v2021.ActorTokensCreateParams{UserID: u, Actor: map[string]any{"sub": "user_actor"}})
				if err != nil {
					t.Fatal(err)
				}
				arm()
				_, err = s.AcceptActorToken(ctx, *tok.Token)
				return err
			}},
		} {
			t.Run(c.kind, func(t *testing.T) {
				u, err := s.Users.Create(ctx, &v2021.UsersCreateParams{})
				if err != nil {
					t.Fatal(err)
				}
				arm := func() {
					in.armNth(c.kind, c.inTx, func() error { _, err := s.Users.Delete(ctx, u.ID); return err })
				}
				acceptErr := c.accept(t, u.ID, arm)
				if acceptErr != nil {
					t.Errorf("accept: %v, want the session (it began first)", acceptErr)
				}
				if err := in.result(t); err != nil {
					t.Errorf("the user's deletion: %v", err)
				}
				if _, err := s.Users.Get(ctx, u.ID); !isNotFound(err) {
					t.Errorf("the user after its deletion: %v, want not found", err)
				}
			})
		}
	})
}
