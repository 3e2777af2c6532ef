package compat

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	clerksdk "github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/jwks"
	"github.com/clerk/clerk-sdk-go/v2/jwt"
	"github.com/clerk/clerk-sdk-go/v2/session"
	"github.com/clerk/clerk-sdk-go/v2/user"

	clerkgo "github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/clerktest"
)

// The emulator's default issuer. clerk-sdk-go accepts only issuers that
// start with "https://clerk." (or a proxy URL), which this one does.
const wantIssuer = "https://clerk.emulator.localhost"

const testAZP = "https://app.example.com"

// sdkConfig is the per-client configuration of clerk-sdk-go pointed at the
// emulator: the base URL includes /v1, as the SDK's default
// (https://api.clerk.com/v1) does.
func sdkConfig(srv *clerktest.Server) *clerksdk.ClientConfig {
	return &clerksdk.ClientConfig{BackendConfig: clerksdk.BackendConfig{
		URL: clerksdk.String(srv.URL + "/v1"),
		Key: clerksdk.String(srv.SecretKey),
	}}
}

// useEmulatorGlobally points clerk-sdk-go's package-level backend (used by
// user.Get, session.Create, jwt.Verify without a JWKSClient, ...) at the
// emulator for the rest of the test. Tests that call it must not run in
// parallel.
func useEmulatorGlobally(t *testing.T, srv *clerktest.Server) {
	t.Helper()
	clerksdk.SetKey(srv.SecretKey)
	clerksdk.SetBackend(clerksdk.NewBackend(&clerksdk.BackendConfig{URL: clerksdk.String(srv.URL + "/v1")}))
	t.Cleanup(func() {
		clerksdk.SetKey("")
		clerksdk.SetBackend(nil) // the next GetBackend builds the default again
	})
}

// describe renders an SDK error with the HTTP status and body the
// emulator answered, so that a failure names the gap.
func describe(err error) string {
	var apiErr *clerksdk.APIErrorResponse
	if errors.As(err, &apiErr) {
		body := ""
		if apiErr.Response != nil {
			body = string(apiErr.Response.RawJSON)
		}
		return fmt.Sprintf("HTTP %d: %s", apiErr.HTTPStatusCode, body)
	}
	return err.Error()
}

// kidOf returns the kid of a token's header.
func kidOf(t *testing.T, token string) string {
	t.Helper()
	head, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		t.Fatal(err)
	}
	var h struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h.Kid
}

// fetchJWK reads the emulator's /v1/jwks over plain HTTP, parses it with
// the SDK's own JWKS type and returns the key with the kid.
func fetchJWK(t *testing.T, srv *clerktest.Server, kid string) *clerksdk.JSONWebKey {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/v1/jwks", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.SecretKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /v1/jwks: HTTP %d: %s", resp.StatusCode, body)
	}
	var set clerksdk.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("GET /v1/jwks: the SDK cannot parse %s: %v", body, err)
	}
	for _, k := range set.Keys {
		if k != nil && k.KeyID == kid {
			return k
		}
	}
	t.Fatalf("GET /v1/jwks has no key %q: %s", kid, body)
	return nil
}

// checkClaims asserts what clerk-sdk-go read from a verified token.
func checkClaims(t *testing.T, claims *clerksdk.SessionClaims, userID string, version int) {
	t.Helper()
	if claims.Subject != userID || !strings.HasPrefix(claims.SessionID, "sess_") || claims.Issuer != wantIssuer ||
		claims.Version != version || claims.Expiry == nil || claims.IssuedAt == nil {
		t.Errorf("claims: sub %q sid %q iss %q v %d exp %v iat %v; want sub %q, a sess_ sid, iss %q, v %d",
			claims.Subject, claims.SessionID, claims.Issuer, claims.Version, claims.Expiry, claims.IssuedAt,
			userID, wantIssuer, version)
	}
}

// tamper changes one byte of the payload and keeps the signature.
func tamper(token string) string {
	parts := strings.Split(token, ".")
	p := []byte(parts[1])
	if p[10] == 'A' {
		p[10] = 'B'
	} else {
		p[10] = 'A'
	}
	parts[1] = string(p)
	return strings.Join(parts, ".")
}

func TestVerifyWithGivenJWK(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	u := srv.CreateUser(t, &clerkgo.UsersCreateParams{EmailAddress: []string{"jwk@example.com"}})
	token := srv.SessionToken(t, u.ID, clerktest.WithAuthorizedParty(testAZP))
	jwk := fetchJWK(t, srv, kidOf(t, token))
	if jwk.Algorithm != "RS256" || jwk.Use != "sig" {
		t.Errorf("JWK alg %q use %q; want RS256, sig", jwk.Algorithm, jwk.Use)
	}
	azp := func(azp string) bool { return azp == testAZP }

	claims, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: token, JWK: jwk, AuthorizedPartyHandler: azp})
	if err != nil {
		t.Fatalf("jwt.Verify with the JWK of /v1/jwks: %v", err)
	}
	checkClaims(t, claims, u.ID, 1)
	if claims.AuthorizedParty != testAZP {
		t.Errorf("azp %q; want %q", claims.AuthorizedParty, testAZP)
	}

	t.Run("with the PEM public key", func(t *testing.T) {
		key, err := clerksdk.JSONWebKeyFromPEM(srv.JWTKey)
		if err != nil {
			t.Fatalf("JSONWebKeyFromPEM(srv.JWTKey): %v", err)
		}
		claims, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: token, JWK: key})
		if err != nil {
			t.Fatalf("jwt.Verify with the PEM key: %v", err)
		}
		checkClaims(t, claims, u.ID, 1)
	})
	t.Run("session token v2", func(t *testing.T) {
		v2 := srv.SessionToken(t, u.ID, clerktest.WithTokenVersion2(), clerktest.WithAuthorizedParty(testAZP))
		claims, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: v2, JWK: jwk, AuthorizedPartyHandler: azp})
		if err != nil {
			t.Fatalf("jwt.Verify of a v2 token: %v", err)
		}
		checkClaims(t, claims, u.ID, 1) // no active organization: the SDK reports version 1
	})
	t.Run("a tampered token is rejected", func(t *testing.T) {
		if _, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: tamper(token), JWK: jwk}); err == nil {
			t.Fatal("jwt.Verify accepted a token whose payload was changed")
		}
	})
	t.Run("another azp is rejected", func(t *testing.T) {
		other := func(azp string) bool { return azp == "https://evil.example.com" }
		if _, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: token, JWK: jwk, AuthorizedPartyHandler: other}); err == nil {
			t.Fatal("jwt.Verify accepted a token for another authorized party")
		}
	})
	t.Run("jwt.Decode", func(t *testing.T) {
		d, err := jwt.Decode(ctx, &jwt.DecodeParams{Token: token})
		if err != nil || d.KeyID != jwk.KeyID || d.Subject != u.ID || d.Issuer != wantIssuer {
			t.Fatalf("jwt.Decode: %+v %v", d, err)
		}
	})
}

func TestVerifyFetchingJWKS(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	u := srv.CreateUser(t, &clerkgo.UsersCreateParams{EmailAddress: []string{"jwks@example.com"}})
	token := srv.SessionToken(t, u.ID)

	t.Run("jwks.Client configured with the emulator's URL", func(t *testing.T) {
		client := jwks.NewClient(sdkConfig(srv))
		set, err := client.Get(ctx, &jwks.GetParams{})
		if err != nil {
			t.Fatalf("jwks.Client.Get: %s", describe(err))
		}
		if len(set.Keys) != 1 || set.Keys[0].KeyID != kidOf(t, token) || set.Keys[0].Algorithm != "RS256" {
			t.Errorf("jwks.Client.Get: %d keys, %+v", len(set.Keys), set.Keys)
		}
		claims, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: token, JWKSClient: client})
		if err != nil {
			t.Fatalf("jwt.Verify with JWKSClient: %s", describe(err))
		}
		checkClaims(t, claims, u.ID, 1)

		key, err := jwt.GetJSONWebKey(ctx, &jwt.GetJSONWebKeyParams{KeyID: kidOf(t, token), JWKSClient: client})
		if err != nil || key.Algorithm != "RS256" {
			t.Fatalf("jwt.GetJSONWebKey: %+v %v", key, err)
		}
	})
	t.Run("package-level backend (clerk.SetKey + clerk.SetBackend)", func(t *testing.T) {
		useEmulatorGlobally(t, srv)
		claims, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: token})
		if err != nil {
			t.Fatalf("jwt.Verify with the default JWKS client: %s", describe(err))
		}
		checkClaims(t, claims, u.ID, 1)
	})
	t.Run("a wrong secret key cannot fetch the JWKS", func(t *testing.T) {
		cfg := sdkConfig(srv)
		cfg.Key = clerksdk.String("sk_test_wrong")
		_, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: token, JWKSClient: jwks.NewClient(cfg)})
		var apiErr *clerksdk.APIErrorResponse
		if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusUnauthorized {
			t.Fatalf("jwt.Verify with a wrong secret key: %v; want a 401 APIErrorResponse", err)
		}
	})
}

// TestUsers calls clerk-sdk-go's package-level user functions, configured
// with clerk.SetKey and clerk.SetBackend.
func TestUsers(t *testing.T) {
	srv := clerktest.NewServer(t)
	useEmulatorGlobally(t, srv)
	ctx := context.Background()

	meta := json.RawMessage(`{"plan":"pro"}`)
	ada, err := user.Create(ctx, &user.CreateParams{
		EmailAddresses: &[]string{"Ada@Example.com"},
		FirstName:      clerksdk.String("Ada"),
		LastName:       clerksdk.String("Lovelace"),
		Username:       clerksdk.String("ada_l"),
		ExternalID:     clerksdk.String("ext-ada"),
		PublicMetadata: &meta,
	})
	if err != nil {
		t.Fatalf("user.Create: %s", describe(err))
	}
	if !strings.HasPrefix(ada.ID, "user_") || ada.Object != "user" || ada.FirstName == nil || *ada.FirstName != "Ada" ||
		ada.Username == nil || *ada.Username != "ada_l" || ada.ExternalID == nil || *ada.ExternalID != "ext-ada" ||
		len(ada.EmailAddresses) != 1 || ada.EmailAddresses[0].EmailAddress != "ada@example.com" ||
		ada.PrimaryEmailAddressID == nil || *ada.PrimaryEmailAddressID != ada.EmailAddresses[0].ID ||
		ada.PasswordEnabled || ada.CreatedAt == 0 {
		t.Errorf("user.Create returned %+v", ada)
	}
	var pm map[string]any
	if err := json.Unmarshal(ada.PublicMetadata, &pm); err != nil || pm["plan"] != "pro" {
		t.Errorf("public_metadata %s", ada.PublicMetadata)
	}
	// Newest first is by created_at, in milliseconds: two creates within
	// one millisecond tie, so grace comes a little later.
	time.Sleep(3 * time.Millisecond)
	grace, err := user.Create(ctx, &user.CreateParams{EmailAddresses: &[]string{"grace@example.com"}})
	if err != nil {
		t.Fatalf("user.Create: %s", describe(err))
	}

	t.Run("user.Get", func(t *testing.T) {
		got, err := user.Get(ctx, ada.ID)
		if err != nil {
			t.Fatalf("user.Get: %s", describe(err))
		}
		if got.ID != ada.ID || got.Username == nil || *got.Username != "ada_l" || got.Response == nil ||
			got.Response.StatusCode != http.StatusOK {
			t.Errorf("user.Get returned %+v", got)
		}
	})
	t.Run("user.Get of an unknown user is a 404", func(t *testing.T) {
		_, err := user.Get(ctx, "user_doesnotexist")
		var apiErr *clerksdk.APIErrorResponse
		if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != http.StatusNotFound || len(apiErr.Errors) == 0 ||
			apiErr.Errors[0].Code != "resource_not_found" {
			t.Fatalf("user.Get(unknown) = %v; want HTTP 404 resource_not_found", err)
		}
	})
	t.Run("user.List (GET /v1/users and /v1/users/count)", func(t *testing.T) {
		list, err := user.List(ctx, &user.ListParams{})
		if err != nil {
			t.Fatalf("user.List: %s", describe(err))
		}
		if list.TotalCount != 2 || len(list.Users) != 2 || list.Users[0].ID != grace.ID || list.Users[1].ID != ada.ID {
			t.Errorf("user.List: total %d, %d users; want 2, newest (grace) first", list.TotalCount, len(list.Users))
		}
		byEmail, err := user.List(ctx, &user.ListParams{EmailAddresses: []string{"ada@example.com"}})
		if err != nil {
			t.Fatalf("user.List by email: %s", describe(err))
		}
		if byEmail.TotalCount != 1 || len(byEmail.Users) != 1 || byEmail.Users[0].ID != ada.ID {
			t.Errorf("user.List by email: total %d, %d users", byEmail.TotalCount, len(byEmail.Users))
		}
		page, err := user.List(ctx, &user.ListParams{ListParams: clerksdk.ListParams{Limit: clerksdk.Int64(1)}})
		if err != nil {
			t.Fatalf("user.List limit 1: %s", describe(err))
		}
		if page.TotalCount != 2 || len(page.Users) != 1 {
			t.Errorf("user.List limit 1: total %d, %d users; want 2, 1", page.TotalCount, len(page.Users))
		}
	})
	t.Run("user.Count", func(t *testing.T) {
		n, err := user.Count(ctx, &user.ListParams{Query: clerksdk.String("grace")})
		if err != nil {
			t.Fatalf("user.Count: %s", describe(err))
		}
		if n.TotalCount != 1 || n.Object != "total_count" {
			t.Errorf("user.Count: %+v", n)
		}
	})
	t.Run("user.Update", func(t *testing.T) {
		got, err := user.Update(ctx, ada.ID, &user.UpdateParams{FirstName: clerksdk.String("Augusta")})
		if err != nil {
			t.Fatalf("user.Update: %s", describe(err))
		}
		if got.FirstName == nil || *got.FirstName != "Augusta" || got.LastName == nil || *got.LastName != "Lovelace" {
			t.Errorf("user.Update returned first %v last %v", got.FirstName, got.LastName)
		}
	})
	t.Run("user.UpdateMetadata", func(t *testing.T) {
		priv := json.RawMessage(`{"stripe":"cus_1"}`)
		got, err := user.UpdateMetadata(ctx, ada.ID, &user.UpdateMetadataParams{PrivateMetadata: &priv})
		if err != nil {
			t.Fatalf("user.UpdateMetadata: %s", describe(err))
		}
		var m map[string]any
		if err := json.Unmarshal(got.PrivateMetadata, &m); err != nil || m["stripe"] != "cus_1" {
			t.Errorf("private_metadata %s", got.PrivateMetadata)
		}
	})
	t.Run("user.Ban and user.Unban", func(t *testing.T) {
		got, err := user.Ban(ctx, grace.ID)
		if err != nil || !got.Banned {
			t.Fatalf("user.Ban: %+v %s", got, describeOrNil(err))
		}
		got, err = user.Unban(ctx, grace.ID)
		if err != nil || got.Banned {
			t.Fatalf("user.Unban: %+v %s", got, describeOrNil(err))
		}
	})
	t.Run("user.Delete", func(t *testing.T) {
		d, err := user.Delete(ctx, grace.ID)
		if err != nil {
			t.Fatalf("user.Delete: %s", describe(err))
		}
		if d.ID != grace.ID || !d.Deleted || d.Object != "user" {
			t.Errorf("user.Delete returned %+v", d)
		}
		if _, err := user.Get(ctx, grace.ID); err == nil {
			t.Error("user.Get found the deleted user")
		}
	})
}

// TestSessions creates a session and a session token through
// clerk-sdk-go's session client (the Backend API's testing recipe), and
// verifies the token with the JWKS the SDK fetches from the emulator.
func TestSessions(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	cfg := sdkConfig(srv)
	sessions := session.NewClient(cfg)
	u := srv.CreateUser(t, &clerkgo.UsersCreateParams{EmailAddress: []string{"sess@example.com"}})

	sess, err := sessions.Create(ctx, &session.CreateParams{UserID: u.ID})
	if err != nil {
		t.Fatalf("session.Create: %s", describe(err))
	}
	if !strings.HasPrefix(sess.ID, "sess_") || sess.UserID != u.ID || sess.Status != "active" {
		t.Errorf("session.Create returned %+v", sess)
	}
	tok, err := sessions.CreateToken(ctx, &session.CreateTokenParams{ID: sess.ID})
	if err != nil {
		t.Fatalf("session.CreateToken: %s", describe(err))
	}
	if tok.Object != "token" || tok.JWT == "" {
		t.Errorf("session.CreateToken returned %+v", tok)
	}
	claims, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: tok.JWT, JWKSClient: jwks.NewClient(cfg)})
	if err != nil {
		t.Fatalf("jwt.Verify of the token from session.CreateToken: %s", describe(err))
	}
	checkClaims(t, claims, u.ID, 1)
	if claims.SessionID != sess.ID {
		t.Errorf("sid %q; want %q", claims.SessionID, sess.ID)
	}

	t.Run("session.CreateToken with expires_in_seconds", func(t *testing.T) {
		tok, err := sessions.CreateToken(ctx, &session.CreateTokenParams{ID: sess.ID, ExpiresInSeconds: clerksdk.Int64(600)})
		if err != nil {
			t.Fatalf("session.CreateToken: %s", describe(err))
		}
		d, err := jwt.Decode(ctx, &jwt.DecodeParams{Token: tok.JWT})
		if err != nil || d.Expiry == nil || d.IssuedAt == nil || *d.Expiry-*d.IssuedAt != 600 {
			t.Fatalf("token lifetime: %+v %v; want exp - iat = 600", d, err)
		}
	})
	t.Run("session.Get", func(t *testing.T) {
		got, err := sessions.Get(ctx, sess.ID)
		if err != nil {
			t.Fatalf("session.Get: %s", describe(err))
		}
		if got.ID != sess.ID || got.UserID != u.ID || got.Status != "active" {
			t.Errorf("session.Get returned %+v", got)
		}
	})
	t.Run("session.List", func(t *testing.T) {
		list, err := sessions.List(ctx, &session.ListParams{UserID: clerksdk.String(u.ID)})
		if err != nil {
			t.Fatalf("session.List: %s", describe(err))
		}
		if list.TotalCount != 1 || len(list.Sessions) != 1 || list.Sessions[0].ID != sess.ID {
			t.Errorf("session.List: total %d, %d sessions", list.TotalCount, len(list.Sessions))
		}
	})
	t.Run("session.Revoke", func(t *testing.T) {
		got, err := sessions.Revoke(ctx, &session.RevokeParams{ID: sess.ID})
		if err != nil {
			t.Fatalf("session.Revoke: %s", describe(err))
		}
		if got.Status != "revoked" {
			t.Errorf("session.Revoke: status %q", got.Status)
		}
		if _, err := sessions.CreateToken(ctx, &session.CreateTokenParams{ID: sess.ID}); err == nil {
			t.Error("session.CreateToken minted a token for a revoked session")
		}
	})
}

func describeOrNil(err error) string {
	if err == nil {
		return "<nil>"
	}
	return describe(err)
}
