package clerktest_test

import (
	"context"
	"testing"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/auth"
	"github.com/clerkgo/clerk/clerktest"
)

func TestVerifySessionChecksTheTokenAgainstTheSession(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	user := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"v@example.com"}})
	tok := srv.SessionToken(t, user.ID)
	other := srv.SessionToken(t, user.ID)
	sid := func(token string) string {
		c, err := auth.VerifyToken(ctx, token, srv.AuthOptions())
		if err != nil {
			t.Fatal(err)
		}
		return c.SessionID
	}
	oldest, newest := struct{ ID string }{sid(tok)}, struct{ ID string }{sid(other)}

	got, err := srv.Client.Sessions.Verify(ctx, oldest.ID, &clerk.SessionsVerifyParams{Token: clerk.Ptr(tok)})
	if err != nil || got.ID != oldest.ID || got.Status != "active" {
		t.Fatalf("right token: %+v %v", got, err)
	}
	tests := []struct {
		name, session, token, code string
	}{
		{"another session's token", oldest.ID, other, "token_invalid"},
		{"a tampered token", oldest.ID, tok + "x", "token_invalid"},
		{"no token", oldest.ID, "", "form_param_missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &clerk.SessionsVerifyParams{}
			if tt.token != "" {
				p.Token = clerk.Ptr(tt.token)
			}
			if _, err := srv.Client.Sessions.Verify(ctx, tt.session, p); !clerk.HasErrorCode(err, tt.code) {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
		})
	}
	if _, err := srv.Client.Sessions.Revoke(ctx, newest.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client.Sessions.Verify(ctx, newest.ID, &clerk.SessionsVerifyParams{Token: clerk.Ptr(other)}); !clerk.HasErrorCode(err, "session_not_active") {
		t.Fatalf("revoked session: %v", err)
	}
}
