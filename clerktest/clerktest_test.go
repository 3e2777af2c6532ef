package clerktest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/auth"
	"github.com/clerkgo/clerk/clerktest"
)

func TestUsersThroughTheSDK(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	c := srv.Client

	ada, err := c.Users.Create(ctx, &clerk.UsersCreateParams{
		EmailAddress: []string{"Ada@Example.com"}, FirstName: clerk.Ptr("Ada"), Username: clerk.Ptr("ada_l"),
		Password: clerk.Ptr("correct horse battery"), PublicMetadata: map[string]any{"plan": "pro"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ada.ID, "user_") || len(ada.ID) != len("user_")+27 || !ada.PasswordEnabled ||
		len(ada.EmailAddresses) != 1 || ada.EmailAddresses[0].EmailAddress != "ada@example.com" ||
		ada.PrimaryEmailAddressID == nil || *ada.PrimaryEmailAddressID != ada.EmailAddresses[0].ID ||
		ada.PublicMetadata["plan"] != "pro" || ada.CreatedAt == 0 {
		t.Fatalf("created %+v", ada)
	}

	got, err := c.Users.Get(ctx, ada.ID)
	if err != nil || got.ID != ada.ID || *got.Username != "ada_l" {
		t.Fatalf("get: %+v %v", got, err)
	}

	t.Run("a taken email is form_identifier_exists", func(t *testing.T) {
		_, err := c.Users.Create(ctx, &clerk.UsersCreateParams{EmailAddress: []string{"ada@example.com"}})
		var apiErr *clerk.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != 422 || apiErr.Errors[0].Code != "form_identifier_exists" ||
			apiErr.Errors[0].Meta["param_name"] != "email_address" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a short password is refused and never echoed", func(t *testing.T) {
		_, err := c.Users.Create(ctx, &clerk.UsersCreateParams{EmailAddress: []string{"x@example.com"}, Password: clerk.Ptr("s3cr")})
		var apiErr *clerk.APIError
		if !errors.As(err, &apiErr) || apiErr.Errors[0].Code != "form_password_length_too_short" || bytes.Contains(apiErr.Body, []byte("s3cr")) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("verify_password", func(t *testing.T) {
		v, err := c.Users.VerifyPassword(ctx, ada.ID, &clerk.UsersVerifyPasswordParams{Password: "correct horse battery"})
		if err != nil || !v.Verified {
			t.Fatalf("right password: %+v %v", v, err)
		}
		_, err = c.Users.VerifyPassword(ctx, ada.ID, &clerk.UsersVerifyPasswordParams{Password: "wrong horse"})
		if !clerk.HasErrorCode(err, "incorrect_password") {
			t.Fatalf("wrong password: %v", err)
		}
	})
	t.Run("list, filters and count", func(t *testing.T) {
		for _, e := range []string{"b@example.com", "c@example.com"} {
			srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{e}})
		}
		all, err := c.Users.List(ctx, nil)
		if err != nil || len(all) != 3 || all[2].ID != ada.ID { // newest first; b and c may share a millisecond
			t.Fatalf("list (newest first): %d %v", len(all), err)
		}
		byEmail, err := c.Users.List(ctx, &clerk.UsersListParams{EmailAddress: []string{"ADA@example.com"}})
		if err != nil || len(byEmail) != 1 || byEmail[0].ID != ada.ID {
			t.Fatalf("by email: %v %v", byEmail, err)
		}
		n, err := c.Users.Count(ctx, &clerk.UsersCountParams{Query: clerk.Ptr("example.com")})
		if err != nil || n.TotalCount != 3 {
			t.Fatalf("count: %+v %v", n, err)
		}
		var ids []string
		for u, err := range c.Users.ListIter(ctx, &clerk.UsersListParams{Limit: clerk.Ptr[int64](2), OrderBy: clerk.Ptr("+created_at")}) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		if len(ids) != 3 || ids[0] != ada.ID {
			t.Fatalf("iterated %v", ids)
		}
	})
	t.Run("delete, then not found", func(t *testing.T) {
		d, err := c.Users.Delete(ctx, ada.ID)
		if err != nil || !d.Deleted || d.ID != ada.ID || d.Object != "user" {
			t.Fatalf("delete: %+v %v", d, err)
		}
		if _, err := c.Users.Get(ctx, ada.ID); !clerk.IsNotFound(err) {
			t.Fatalf("after delete: %v", err)
		}
	})
}

func TestConcurrentCreatesWithOneEmailGiveExactlyOneUser(t *testing.T) {
	srv := clerktest.NewServer(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, taken := 0, 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := srv.Client.Users.Create(context.Background(), &clerk.UsersCreateParams{EmailAddress: []string{"race@example.com"}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case clerk.HasErrorCode(err, "form_identifier_exists"):
				taken++
			default:
				t.Errorf("unexpected: %v", err)
			}
		}()
	}
	wg.Wait()
	if created != 1 || taken != 49 {
		t.Fatalf("%d created, %d taken; want 1 and 49", created, taken)
	}
}

// raw sends a request with the given API version and returns status and
// body.
func raw(t *testing.T, srv *clerktest.Server, method, path, version, key string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, srv.URL+path, rd)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if version != "" {
		req.Header.Set("Clerk-API-Version", version)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

func TestAWrongKeyIsAuthenticationInvalid(t *testing.T) {
	srv := clerktest.NewServer(t)
	for _, key := range []string{"", "sk_test_wrong", srv.SecretKey + "x"} {
		status, body := raw(t, srv, "GET", "/v1/users", "", key, nil)
		if status != 401 || !bytes.Contains(body, []byte(`"code":"authentication_invalid"`)) || !bytes.Contains(body, []byte("clerk_trace_id")) {
			t.Fatalf("key %q: %d %s", key, status, body)
		}
	}
}

func TestBadInputGetsClerkErrors(t *testing.T) {
	srv := clerktest.NewServer(t)
	tests := []struct {
		name, method, path, version string
		body                        any
		status                      int
		code, param                 string
	}{
		{"a mistyped body field", "POST", "/v1/users", "", map[string]any{"first_name": 12}, 422, "form_param_format_invalid", "first_name"},
		{"an unknown body field", "POST", "/v1/users", "", map[string]any{"nope": 1}, 422, "form_param_unknown", "nope"},
		{"a limit above 500", "GET", "/v1/users?limit=501", "", nil, 422, "form_param_format_invalid", "limit"},
		{"an unknown query parameter", "GET", "/v1/users?nope=1", "", nil, 422, "form_param_unknown", "nope"},
		{"an unknown user", "GET", "/v1/users/user_nope", "", nil, 404, "resource_not_found", ""},
		{"an unknown path", "GET", "/v1/nope", "", nil, 404, "resource_not_found", ""},
		{"an invalid email", "POST", "/v1/users", "", map[string]any{"email_address": []string{"not-an-email"}}, 422, "form_param_format_invalid", "email_address"},
		{"an unknown API version", "GET", "/v1/users", "1999-01-01", nil, 400, "api_version_invalid", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := raw(t, srv, tt.method, tt.path, tt.version, srv.SecretKey, tt.body)
			var got struct {
				Errors []struct {
					Code string         `json:"code"`
					Meta map[string]any `json:"meta"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(body, &got); err != nil || status != tt.status || len(got.Errors) != 1 || got.Errors[0].Code != tt.code {
				t.Fatalf("%d %s", status, body)
			}
			if tt.param != "" && got.Errors[0].Meta["param_name"] != tt.param {
				t.Fatalf("param %v, want %s", got.Errors[0].Meta, tt.param)
			}
		})
	}
	t.Run("malformed JSON is request_body_invalid", func(t *testing.T) {
		req, _ := http.NewRequest("POST", srv.URL+"/v1/users", strings.NewReader(`{"first_name":`))
		req.Header.Set("Authorization", "Bearer "+srv.SecretKey)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 400 || !bytes.Contains(body, []byte("request_body_invalid")) {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
	})
}

// Clerk's testing recipe without a browser, over HTTP as Clerk's JavaScript
// SDK speaks it (API version 2026-05-12): create a user, a session, a
// token; the token verifies with package auth, networkless and through the
// JWKS.
func TestSessionTokensVerify(t *testing.T) {
	srv := clerktest.NewServer(t)
	user := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"grace@example.com"}})
	const v = "2026-05-12"

	status, body := raw(t, srv, "POST", "/v1/sessions", v, srv.SecretKey, map[string]any{"user_id": user.ID})
	var sess clerk.Session
	if status != 200 || json.Unmarshal(body, &sess) != nil || sess.Status != "active" || sess.UserID != user.ID || !strings.HasPrefix(sess.ID, "sess_") {
		t.Fatalf("create session: %d %s", status, body)
	}
	status, body = raw(t, srv, "POST", "/v1/sessions/"+sess.ID+"/tokens", v, srv.SecretKey, map[string]any{})
	var tok struct{ Object, JWT string }
	if status != 200 || json.Unmarshal(body, &tok) != nil || tok.Object != "token" {
		t.Fatalf("create token: %d %s", status, body)
	}

	claims, err := auth.VerifyToken(context.Background(), tok.JWT, srv.AuthOptions())
	if err != nil || claims.Subject != user.ID || claims.SessionID != sess.ID || !strings.HasPrefix(claims.Issuer, "https://clerk.") {
		t.Fatalf("networkless: %+v %v", claims, err)
	}
	v2, err := auth.NewVerifier(auth.Options{SecretKey: srv.SecretKey, APIURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := v2.Verify(context.Background(), tok.JWT); err != nil || c.Subject != user.ID {
		t.Fatalf("through the JWKS: %v", err)
	}

	// A revoked session gets no more tokens.
	if _, err := srv.Client.Sessions.Revoke(context.Background(), sess.ID); err != nil {
		t.Fatal(err)
	}
	status, body = raw(t, srv, "POST", "/v1/sessions/"+sess.ID+"/tokens", v, srv.SecretKey, map[string]any{})
	if status != 400 || !bytes.Contains(body, []byte("session_not_active")) {
		t.Fatalf("token for a revoked session: %d %s", status, body)
	}

	// The SDK's sessions list (paginated=true) carries the total.
	page, err := srv.Client.Sessions.List(context.Background(), &clerk.SessionsListParams{UserID: clerk.Ptr(user.ID)})
	if err != nil || page.TotalCount != 1 || page.Data[0].Status != "revoked" {
		t.Fatalf("sessions list: %+v %v", page, err)
	}
}

func TestSessionTokenHelper(t *testing.T) {
	srv := clerktest.NewServer(t)
	user := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"h@example.com"}})
	tok := srv.SessionToken(t, user.ID, clerktest.WithAuthorizedParty("https://app.example"), clerktest.WithTokenVersion2())
	opts := srv.AuthOptions()
	opts.AuthorizedParties = []string{"https://app.example"}
	c, err := auth.VerifyToken(context.Background(), tok, opts)
	if err != nil || c.Version != 2 || c.AuthorizedParty != "https://app.example" || c.SessionStatus != "active" {
		t.Fatalf("%+v %v", c, err)
	}
}

func TestUserUpdates(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	c := srv.Client
	u := srv.CreateUser(t, &clerk.UsersCreateParams{
		EmailAddress: []string{"m@example.com"}, FirstName: clerk.Ptr("Mary"), LastName: clerk.Ptr("Shelley"),
		PublicMetadata: map[string]any{"a": map[string]any{"b": 1.0, "c": 2.0}, "keep": true},
	})
	other := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"o@example.com"}, Username: clerk.Ptr("taken_name")})

	t.Run("unset fields stay, null clears, values set", func(t *testing.T) {
		got, err := c.Users.Update(ctx, u.ID, &clerk.UsersUpdateParams{FirstName: clerk.NullableOf("Mary W."), LastName: clerk.Null[string]()})
		if err != nil || *got.FirstName != "Mary W." || got.LastName != nil || got.EmailAddresses[0].EmailAddress != "m@example.com" || got.UpdatedAt < u.UpdatedAt {
			t.Fatalf("%+v %v", got, err)
		}
	})
	t.Run("a username of another user is form_identifier_exists", func(t *testing.T) {
		_, err := c.Users.Update(ctx, u.ID, &clerk.UsersUpdateParams{Username: clerk.NullableOf("TAKEN_NAME")})
		if !clerk.HasErrorCode(err, "form_identifier_exists") {
			t.Fatalf("%v", err)
		}
	})
	t.Run("a password set by update verifies", func(t *testing.T) {
		if _, err := c.Users.Update(ctx, u.ID, &clerk.UsersUpdateParams{Password: clerk.NullableOf("a new passphrase")}); err != nil {
			t.Fatal(err)
		}
		v, err := c.Users.VerifyPassword(ctx, u.ID, &clerk.UsersVerifyPasswordParams{Password: "a new passphrase"})
		if err != nil || !v.Verified {
			t.Fatalf("%+v %v", v, err)
		}
	})
	t.Run("metadata merges deeply and null removes at any depth", func(t *testing.T) {
		got, err := c.Users.UpdateMetadata(ctx, u.ID, &clerk.UsersUpdateMetadataParams{
			PublicMetadata:  map[string]any{"a": map[string]any{"b": nil, "d": 4.0}, "new": "x"},
			PrivateMetadata: map[string]any{"secret": "s"},
		})
		if err != nil {
			t.Fatal(err)
		}
		want := `{"a":{"c":2,"d":4},"keep":true,"new":"x"}`
		if data, _ := json.Marshal(got.PublicMetadata); string(data) != want || got.PrivateMetadata["secret"] != "s" {
			t.Fatalf("public %s, private %v", data, got.PrivateMetadata)
		}
	})
	t.Run("ban revokes active sessions, unban lifts it", func(t *testing.T) {
		srv.SessionToken(t, other.ID) // starts an active session
		banned, err := c.Users.Ban(ctx, other.ID)
		if err != nil || !banned.Banned {
			t.Fatalf("%+v %v", banned, err)
		}
		page, err := c.Sessions.List(ctx, &clerk.SessionsListParams{UserID: clerk.Ptr(other.ID)})
		if err != nil || page.TotalCount != 1 || page.Data[0].Status != "revoked" {
			t.Fatalf("sessions after ban: %+v %v", page, err)
		}
		status, body := raw(t, srv, "POST", "/v1/sessions", "2026-05-12", srv.SecretKey, map[string]any{"user_id": other.ID})
		if status != 400 || !bytes.Contains(body, []byte("user_banned")) {
			t.Fatalf("session for a banned user: %d %s", status, body)
		}
		unbanned, err := c.Users.Unban(ctx, other.ID)
		if err != nil || unbanned.Banned {
			t.Fatalf("%+v %v", unbanned, err)
		}
	})
	t.Run("lock and unlock", func(t *testing.T) {
		locked, err := c.Users.Lock(ctx, u.ID)
		if err != nil || !locked.Locked {
			t.Fatalf("%+v %v", locked, err)
		}
		unlocked, err := c.Users.Unlock(ctx, u.ID)
		if err != nil || unlocked.Locked {
			t.Fatalf("%+v %v", unlocked, err)
		}
	})
	t.Run("updates to an unknown user are not found", func(t *testing.T) {
		if _, err := c.Users.Ban(ctx, "user_nope"); !clerk.IsNotFound(err) {
			t.Fatalf("%v", err)
		}
	})
}

// Metadata is the user's own JSON: the reshaping of answers for later API
// versions must leave it alone, even when it looks like a user or holds a
// verification.
func TestMetadataSurvivesEveryAPIVersion(t *testing.T) {
	srv := clerktest.NewServer(t)
	meta := map[string]any{"object": "user", "verification": map[string]any{"strategy": "admin"},
		"nested": []any{map[string]any{"object": "email_address", "verification": map[string]any{}}}}
	want, _ := json.Marshal(meta)
	u := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"meta@example.com"}, PublicMetadata: meta})
	for _, version := range []string{"2021-02-05", "2025-03-12", "2025-11-10", "2026-05-12"} {
		for _, path := range []string{"/v1/users/" + u.ID, "/v1/users?limit=1"} {
			status, body := raw(t, srv, "GET", path, version, srv.SecretKey, nil)
			if status != 200 {
				t.Fatalf("%s %s: %d %s", version, path, status, body)
			}
			var got struct {
				PublicMetadata json.RawMessage `json:"public_metadata"`
			}
			if path != "/v1/users/"+u.ID {
				var list []json.RawMessage
				if err := json.Unmarshal(body, &list); err != nil || len(list) != 1 {
					t.Fatalf("%s %s: %s", version, path, body)
				}
				body = list[0]
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if string(got.PublicMetadata) != string(want) {
				t.Errorf("%s %s: public_metadata %s, want %s", version, path, got.PublicMetadata, want)
			}
		}
	}
}
