package clerktest

// Testing, sign-in and actor tokens. This file is in package clerktest (not
// clerktest_test) to reach the Server's emulator.Service: accepting a
// ticket is the Frontend API's part, which the domain offers as
// AcceptSignInToken and AcceptActorToken.

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/auth"
	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/store/sqlite"
	"github.com/clerkgo/clerk/internal/v2021"
)

// clockService is a Service whose clock the test moves.
func clockService(t *testing.T) (*emulator.Service, func(time.Duration)) {
	t.Helper()
	keyOnce.Do(func() { key, keyErr = rsa.GenerateKey(rand.Reader, 2048) })
	if keyErr != nil {
		t.Fatal(keyErr)
	}
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	svc, err := emulator.New(ctx, st, emulator.Options{SigningKey: key, Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}})
	if err != nil {
		t.Fatal(err)
	}
	return svc, func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(d)
	}
}

// wantError fails t unless err is an API error with that status and code
// (and param_name, when param is not empty).
func wantError(t *testing.T, err error, status int, code, param string) {
	t.Helper()
	var e *clerk.APIError
	if !errors.As(err, &e) || e.StatusCode != status || len(e.Errors) == 0 || e.Errors[0].Code != code ||
		(param != "" && e.Errors[0].Meta["param_name"] != param) {
		t.Fatalf("got %v, want %d %s %s", err, status, code, param)
	}
}

// wantDomainError fails t unless err is a domain error with that code.
func wantDomainError(t *testing.T, err error, code string) {
	t.Helper()
	if e, ok := emulator.AsError(err); !ok || e.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func TestTestingTokens(t *testing.T) {
	srv := NewServer(t)
	ctx := context.Background()
	before := time.Now().Unix()
	tok, err := srv.Client.TestingTokens.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ts, _, ok := strings.Cut(tok.Token, "-")
	iat, perr := strconv.ParseInt(ts, 10, 64)
	if tok.Object != "testing_token" || !ok || perr != nil || iat < before || tok.ExpiresAt != iat+3600 {
		t.Fatalf("%+v", tok)
	}
	if err := srv.svc.VerifyTestingToken(tok.Token); err != nil {
		t.Fatalf("verify: %v", err)
	}
	other, err := srv.Client.TestingTokens.Create(ctx)
	if err != nil || other.Token == tok.Token {
		t.Fatalf("a second token: %+v %v", other, err)
	}
	last := tok.Token[len(tok.Token)-1]
	flipped := tok.Token[:len(tok.Token)-1] + map[bool]string{true: "1", false: "0"}[last == '0']
	for _, bad := range []string{"", "nope", flipped, strconv.FormatInt(iat+1, 10) + tok.Token[len(ts):]} {
		wantDomainError(t, srv.svc.VerifyTestingToken(bad), "testing_token_invalid")
	}

	t.Run("they expire after an hour", func(t *testing.T) {
		svc, advance := clockService(t)
		tok, err := svc.TestingTokens.Create(ctx)
		if err != nil {
			t.Fatal(err)
		}
		advance(59 * time.Minute)
		if err := svc.VerifyTestingToken(tok.Token); err != nil {
			t.Fatalf("within the hour: %v", err)
		}
		advance(time.Minute)
		wantDomainError(t, svc.VerifyTestingToken(tok.Token), "testing_token_invalid")
		// And another instance does not take them.
		wantDomainError(t, srv.svc.VerifyTestingToken(tok.Token), "testing_token_invalid")
	})
}

func TestSignInTokens(t *testing.T) {
	srv := NewServer(t)
	ctx := context.Background()
	c := srv.Client.SignInTokens
	user := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"sit@example.com"}})

	tok, err := c.Create(ctx, &clerk.SignInTokensCreateParams{UserID: user.ID, ExpiresInSeconds: clerk.Ptr[int64](600)})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Object != "sign_in_token" || !strings.HasPrefix(tok.ID, "sit_") || tok.Status != "pending" || tok.UserID != user.ID ||
		len(tok.Token) < 40 || tok.URL == nil || tok.CreatedAt == 0 {
		t.Fatalf("%+v", tok)
	}
	u, err := url.Parse(*tok.URL)
	if err != nil || u.Scheme != "https" || u.Path != "/v1/tickets/accept" || u.Query().Get("ticket") != tok.Token {
		t.Fatalf("url %q", *tok.URL)
	}

	t.Run("errors: unknown user, no user, a bad lifetime", func(t *testing.T) {
		_, err := c.Create(ctx, &clerk.SignInTokensCreateParams{UserID: "user_nope"})
		wantError(t, err, 404, "resource_not_found", "")
		_, err = c.Create(ctx, &clerk.SignInTokensCreateParams{})
		wantError(t, err, 422, "form_param_missing", "user_id")
		_, err = c.Create(ctx, &clerk.SignInTokensCreateParams{UserID: user.ID, ExpiresInSeconds: clerk.Ptr[int64](0)})
		wantError(t, err, 422, "form_param_format_invalid", "expires_in_seconds")
		_, err = c.Revoke(ctx, "sit_nope")
		wantError(t, err, 404, "resource_not_found", "")
	})

	t.Run("org_id (later API versions) is refused: no organizations yet", func(t *testing.T) {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/sign_in_tokens", strings.NewReader(`{"user_id":"`+user.ID+`","org_id":"org_1"}`))
		req.Header.Set("Authorization", "Bearer "+srv.SecretKey)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Clerk-API-Version", "2025-11-10")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 422 || !strings.Contains(string(body), `"param_name":"org_id"`) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})

	t.Run("accepted once: a session for the user", func(t *testing.T) {
		sess, err := srv.svc.AcceptSignInToken(ctx, tok.Token)
		if err != nil || sess.UserID != user.ID || sess.Status != "active" || sess.Actor != nil {
			t.Fatalf("%+v %v", sess, err)
		}
		got, err := srv.Client.Sessions.Get(ctx, sess.ID)
		if err != nil || got.UserID != user.ID {
			t.Fatalf("%+v %v", got, err)
		}
		_, err = srv.svc.AcceptSignInToken(ctx, tok.Token)
		wantDomainError(t, err, "ticket_invalid")
		// An accepted token cannot be revoked.
		_, err = c.Revoke(ctx, tok.ID)
		wantError(t, err, 400, "sign_in_token_cannot_be_revoked_code", "")
		_, err = srv.svc.AcceptSignInToken(ctx, "not-a-token")
		wantDomainError(t, err, "ticket_invalid")
	})

	t.Run("revoke, then it is refused", func(t *testing.T) {
		tok, err := c.Create(ctx, &clerk.SignInTokensCreateParams{UserID: user.ID})
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Revoke(ctx, tok.ID)
		if err != nil || r.Status != "revoked" || r.ID != tok.ID || r.UpdatedAt < r.CreatedAt {
			t.Fatalf("%+v %v", r, err)
		}
		_, err = c.Revoke(ctx, tok.ID)
		wantError(t, err, 400, "sign_in_token_cannot_be_revoked_code", "")
		_, err = srv.svc.AcceptSignInToken(ctx, tok.Token)
		wantDomainError(t, err, "ticket_invalid")
	})

	t.Run("a user's tokens go with the user", func(t *testing.T) {
		other := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"gone@example.com"}})
		tok, err := c.Create(ctx, &clerk.SignInTokensCreateParams{UserID: other.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Client.Users.Delete(ctx, other.ID); err != nil {
			t.Fatal(err)
		}
		_, err = c.Revoke(ctx, tok.ID)
		wantError(t, err, 404, "resource_not_found", "")
	})

	t.Run("they expire", func(t *testing.T) {
		svc, advance := clockService(t)
		u, err := svc.Users.Create(ctx, &v2021.UsersCreateParams{EmailAddress: []string{"e@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		short, err := svc.CreateSignInToken(ctx, &v2021.SignInTokensCreateParams{UserID: &u.ID, ExpiresInSeconds: v2021.Ptr[int64](60)})
		if err != nil {
			t.Fatal(err)
		}
		month, err := svc.CreateSignInToken(ctx, &v2021.SignInTokensCreateParams{UserID: &u.ID})
		if err != nil {
			t.Fatal(err)
		}
		advance(time.Minute)
		_, err = svc.AcceptSignInToken(ctx, short.Token)
		wantDomainError(t, err, "ticket_expired")
		advance(29*24*time.Hour + 23*time.Hour)
		if _, err := svc.AcceptSignInToken(ctx, month.Token); err != nil {
			t.Fatalf("the default is 30 days: %v", err)
		}
	})
}

func TestActorTokens(t *testing.T) {
	srv := NewServer(t)
	ctx := context.Background()
	c := srv.Client.ActorTokens
	admin := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"admin@example.com"}})
	user := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"user@example.com"}, FirstName: clerk.Ptr("Uma")})
	actor := map[string]any{"sub": admin.ID}

	// The actor payload may carry more than sub.
	tok, err := c.Create(ctx, &clerk.ActorTokensCreateParams{UserID: user.ID,
		Actor:            map[string]any{"sub": admin.ID, "iss": "https://admin.example.com"},
		ExpiresInSeconds: clerk.Ptr[int64](600), SessionMaxDurationInSeconds: clerk.Ptr[int64](900)})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Object != "actor_token" || !strings.HasPrefix(tok.ID, "act_") || tok.Status != "pending" || tok.UserID != user.ID ||
		tok.Actor["sub"] != admin.ID || tok.Actor["iss"] != "https://admin.example.com" || tok.Token == "" ||
		!strings.Contains(tok.URL, "/v1/tickets/accept?ticket=") {
		t.Fatalf("%+v", tok)
	}

	t.Run("errors: no actor sub, unknown user, unknown token", func(t *testing.T) {
		_, err := c.Create(ctx, &clerk.ActorTokensCreateParams{UserID: user.ID, Actor: map[string]any{"iss": "x"}})
		wantError(t, err, 422, "form_param_missing", "actor.sub") // 2026-05-12's spec requires it
		_, err = c.Create(ctx, &clerk.ActorTokensCreateParams{UserID: user.ID, Actor: map[string]any{"sub": ""}})
		wantError(t, err, 422, "form_param_missing", "actor")
		_, err = c.Create(ctx, &clerk.ActorTokensCreateParams{UserID: "user_nope", Actor: actor})
		wantError(t, err, 404, "resource_not_found", "")
		_, err = c.Create(ctx, &clerk.ActorTokensCreateParams{UserID: user.ID, Actor: actor, SessionMaxDurationInSeconds: clerk.Ptr[int64](0)})
		wantError(t, err, 422, "form_param_format_invalid", "session_max_duration_in_seconds")
		_, err = c.Revoke(ctx, "act_nope")
		wantError(t, err, 404, "resource_not_found", "")
		_, err = srv.svc.AcceptActorToken(ctx, "not-a-token")
		wantDomainError(t, err, "ticket_invalid")
	})

	// The impersonation: the ticket starts a session that carries the
	// actor, and its session token has the act claim.
	before := time.Now()
	sess, err := srv.svc.AcceptActorToken(ctx, tok.Token)
	if err != nil {
		t.Fatal(err)
	}
	if sess.UserID != user.ID || sess.Status != "active" || sess.Actor["sub"] != admin.ID {
		t.Fatalf("%+v", sess)
	}
	if d := time.UnixMilli(sess.ExpireAt).Sub(before); d < 899*time.Second || d > 901*time.Second {
		t.Fatalf("the session lasts %s, want session_max_duration_in_seconds (900s)", d)
	}
	got, err := srv.Client.Sessions.Get(ctx, sess.ID)
	if err != nil || got.Actor["sub"] != admin.ID {
		t.Fatalf("GET session: %+v %v", got, err)
	}

	t.Run("the session token carries act and verifies", func(t *testing.T) {
		jwt, err := srv.svc.CreateSessionToken(ctx, sess.ID, emulator.TokenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		claims, err := auth.VerifyToken(ctx, jwt, srv.AuthOptions())
		if err != nil || claims.Subject != user.ID || claims.SessionID != sess.ID || claims.Actor == nil ||
			claims.Actor.Subject != admin.ID || claims.Actor.Issuer != "https://admin.example.com" {
			t.Fatalf("%+v %v", claims, err)
		}
		// A session without an actor gets a token without act.
		plain, err := srv.svc.CreateSession(ctx, user.ID)
		if err != nil {
			t.Fatal(err)
		}
		jwt, err = srv.svc.CreateSessionToken(ctx, plain.ID, emulator.TokenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if claims, err := auth.VerifyToken(ctx, jwt, srv.AuthOptions()); err != nil || claims.Actor != nil {
			t.Fatalf("%+v %v", claims, err)
		}
	})

	t.Run("a template can carry the actor with {{session.actor}}", func(t *testing.T) {
		if _, err := srv.Client.JWTTemplates.Create(ctx, &clerk.JWTTemplatesCreateParams{Name: "imp",
			Claims: map[string]any{"act": "{{session.actor}}", "name": "{{user.first_name}}"}}); err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client.Sessions.CreateTokenFromTemplate(ctx, sess.ID, "imp", nil)
		if err != nil {
			t.Fatal(err)
		}
		claims, err := auth.VerifyToken(ctx, resp.JWT, srv.AuthOptions())
		if err != nil || claims.Actor == nil || claims.Actor.Subject != admin.ID || claims.Subject != user.ID {
			t.Fatalf("%+v %v", claims, err)
		}
	})

	t.Run("once accepted: no second session, no revoke", func(t *testing.T) {
		_, err := srv.svc.AcceptActorToken(ctx, tok.Token)
		wantDomainError(t, err, "ticket_invalid")
		_, err = c.Revoke(ctx, tok.ID)
		wantError(t, err, 400, "actor_token_cannot_be_revoked_code", "")
	})

	t.Run("revoke a pending token; then it is refused", func(t *testing.T) {
		tok, err := c.Create(ctx, &clerk.ActorTokensCreateParams{UserID: user.ID, Actor: actor})
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Revoke(ctx, tok.ID)
		if err != nil || r.Status != "revoked" || r.Token != "" || r.Actor["sub"] != admin.ID {
			t.Fatalf("%+v %v", r, err)
		}
		_, err = c.Revoke(ctx, tok.ID)
		wantError(t, err, 400, "actor_token_cannot_be_revoked_code", "")
		_, err = srv.svc.CreateActorSession(ctx, tok.ID)
		wantDomainError(t, err, "ticket_invalid")
	})

	t.Run("racing accepts start one session", func(t *testing.T) {
		tok, err := c.Create(ctx, &clerk.ActorTokensCreateParams{UserID: user.ID, Actor: actor})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, refused := 0, 0
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := srv.svc.CreateActorSession(ctx, tok.ID)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					ok++
				} else if e, isDomain := emulator.AsError(err); isDomain && e.Code == "ticket_invalid" {
					refused++
				} else {
					t.Errorf("unexpected: %v", err)
				}
			}()
		}
		wg.Wait()
		if ok != 1 || refused != 9 {
			t.Fatalf("%d accepted, %d refused; want 1 and 9", ok, refused)
		}
	})

	t.Run("tokens expire; impersonation sessions end at their maximum", func(t *testing.T) {
		svc, advance := clockService(t)
		u, err := svc.Users.Create(ctx, &v2021.UsersCreateParams{EmailAddress: []string{"x@example.com"}})
		if err != nil {
			t.Fatal(err)
		}
		params := &v2021.ActorTokensCreateParams{UserID: u.ID, Actor: map[string]any{"sub": "user_admin"}}
		old, err := svc.ActorTokens.Create(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		advance(time.Hour) // the default lifetime
		_, err = svc.AcceptActorToken(ctx, *old.Token)
		wantDomainError(t, err, "ticket_expired")

		fresh, err := svc.ActorTokens.Create(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		sess, err := svc.AcceptActorToken(ctx, *fresh.Token)
		if err != nil {
			t.Fatal(err)
		}
		advance(29 * time.Minute)
		if _, err := svc.CreateSessionToken(ctx, sess.ID, emulator.TokenOptions{}); err != nil {
			t.Fatalf("within 30 minutes: %v", err)
		}
		advance(time.Minute) // the default session_max_duration_in_seconds: 1800
		if s, err := svc.Sessions.Get(ctx, sess.ID); err != nil || s.Status != "expired" {
			t.Fatalf("%+v %v", s, err)
		}
		_, err = svc.CreateSessionToken(ctx, sess.ID, emulator.TokenOptions{})
		wantDomainError(t, err, "session_not_active")
	})
}
