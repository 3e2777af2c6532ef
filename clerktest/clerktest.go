// Package clerktest runs the local Clerk Backend API in-process for Go
// tests: a real HTTP server on a random loopback port, an in-memory store,
// a *clerk.Client pointed at it, and helpers to create users and mint
// session tokens that verify like Clerk's.
//
//	func TestProfile(t *testing.T) {
//		srv := clerktest.NewServer(t)
//		user := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"ada@example.com"}})
//		token := srv.SessionToken(t, user.ID)
//		// call your handler with "Authorization: Bearer "+token, verifying
//		// with auth.Options{JWTKey: srv.JWTKey} or srv.AuthOptions()
//	}
//
// Everything is cleaned up by t.Cleanup.
package clerktest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/auth"
	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/httpapi"
	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/emulator/store/postgres"
	"github.com/clerkgo/clerk/emulator/store/sqlite"
)

// Server is a running local Backend API.
type Server struct {
	// URL is the server's base URL, e.g. "http://127.0.0.1:43127"; the API
	// is under URL + "/v1".
	URL string
	// Client is an SDK client for the server, with retries off.
	Client *clerk.Client
	// SecretKey and PublishableKey are the instance's keys.
	SecretKey, PublishableKey string
	// JWTKey is the PEM public key session tokens verify with (what
	// Clerk's dashboard calls the JWT public key).
	JWTKey string

	svc   *emulator.Service
	hooks *webhooks // nil without WithWebhooks
}

// One signing key per test binary: RSA key generation costs more than the
// rest of a server's start.
var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
	keyErr  error
)

// Option configures NewServer.
type Option func(*options)

type options struct {
	database                  string
	webhookURL, webhookSecret string
}

// WithDatabase keeps the server's data where `clerk serve --database`
// would: a postgres:// (or postgresql://) URL for PostgreSQL, else a
// SQLite file path. The default is an in-memory SQLite database. The
// database should be the test's own (a fresh one): the server's instance
// and data are kept in it.
func WithDatabase(database string) Option {
	return func(o *options) { o.database = database }
}

// NewServer starts a server for the test and stops it when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	keyOnce.Do(func() { key, keyErr = rsa.GenerateKey(rand.Reader, 2048) })
	if keyErr != nil {
		t.Fatal(keyErr)
	}
	o := options{database: ":memory:"}
	for _, opt := range opts {
		opt(&o)
	}
	ctx := context.Background()
	var st store.Store
	var err error
	if strings.HasPrefix(o.database, "postgres://") || strings.HasPrefix(o.database, "postgresql://") {
		st, err = postgres.Open(ctx, o.database)
	} else {
		st, err = sqlite.Open(ctx, o.database)
	}
	if err != nil {
		t.Fatalf("clerktest: %v", err)
	}
	hooks, err := newWebhooks(st, o)
	if err != nil {
		st.Close()
		t.Fatalf("clerktest: WithWebhooks: %v", err)
	}
	eo := emulator.Options{SigningKey: key}
	hooks.configure(&eo)
	svc, err := emulator.New(ctx, st, eo)
	if err != nil {
		st.Close()
		t.Fatalf("clerktest: %v", err)
	}
	stopHooks := hooks.start()
	hs := httptest.NewServer(httpapi.New(svc, nil, httpapi.WithResponseCheck(func(op string, err error) {
		if err != nil {
			t.Errorf("clerktest: the local Backend API answered %s against the spec: %v", op, err)
		}
	})))
	t.Cleanup(func() {
		hs.Close()
		stopHooks()
		st.Close()
	})
	client, err := clerk.NewClient(svc.SecretKey(), clerk.WithServerURL(hs.URL+"/v1"), clerk.WithoutRetries())
	if err != nil {
		t.Fatalf("clerktest: %v", err)
	}
	return &Server{URL: hs.URL, Client: client, SecretKey: svc.SecretKey(), PublishableKey: svc.PublishableKey(),
		JWTKey: svc.PublicKeyPEM(), svc: svc, hooks: hooks}
}

// CreateUser creates a user through the API, failing the test on error.
func (s *Server) CreateUser(t testing.TB, params *clerk.UsersCreateParams) *clerk.User {
	t.Helper()
	u, err := s.Client.Users.Create(context.Background(), params)
	if err != nil {
		t.Fatalf("clerktest: creating a user: %v", err)
	}
	return u
}

// SessionToken starts a session for the user and returns a session token
// for it (60 seconds, signed with the instance's key), failing the test on
// error.
func (s *Server) SessionToken(t testing.TB, userID string, opts ...TokenOption) string {
	t.Helper()
	ctx := context.Background()
	var o tokenOptions
	for _, opt := range opts {
		opt(&o)
	}
	sess, err := s.svc.CreateSessionInOrganization(ctx, userID, o.organizationID)
	if err != nil {
		t.Fatalf("clerktest: creating a session: %v", err)
	}
	tok, err := s.svc.CreateSessionToken(ctx, sess.ID, o.TokenOptions)
	if err != nil {
		t.Fatalf("clerktest: creating a session token: %v", err)
	}
	return tok
}

// TokenOption tunes SessionToken.
type TokenOption func(*tokenOptions)

type tokenOptions struct {
	emulator.TokenOptions
	organizationID string
}

// WithAuthorizedParty sets the token's azp claim.
func WithAuthorizedParty(origin string) TokenOption {
	return func(o *tokenOptions) { o.AuthorizedParty = origin }
}

// WithTokenVersion2 mints Clerk's session token v2.
func WithTokenVersion2() TokenOption {
	return func(o *tokenOptions) { o.Version = 2 }
}

// WithActiveOrganization makes the session's active organization orgID
// (the user must be a member): the token carries the organization, the
// user's role and permissions (org_id, org_role, org_slug,
// org_permissions; "o" and "fea" in version 2).
func WithActiveOrganization(orgID string) TokenOption {
	return func(o *tokenOptions) { o.organizationID = orgID }
}

// AuthOptions returns auth.Options that verify this server's tokens
// networkless.
func (s *Server) AuthOptions() auth.Options {
	return auth.Options{JWTKey: s.JWTKey}
}

// CreateSignUp starts a sign-up, as a user filling in Clerk's sign-up form
// would (the emulator has no frontend API to do it through), failing the
// test on error: for tests of PATCH /v1/sign_ups/{id}.
func (s *Server) CreateSignUp(t testing.TB, o emulator.SignUpOptions) *clerk.SignUp {
	t.Helper()
	created, err := s.svc.CreateSignUp(context.Background(), o)
	if err != nil {
		t.Fatalf("clerktest: creating a sign-up: %v", err)
	}
	return sdkModel[clerk.SignUp](t, created)
}

// sdkModel is v, one of the server's models, as the SDK's model T: through
// its JSON, which both decode alike.
func sdkModel[T any](t testing.TB, v any) *T {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("clerktest: %v", err)
	}
	return decodeSDKModel[T](t, data)
}

// decodeSDKModel decodes JSON of the server into the SDK's model T.
func decodeSDKModel[T any](t testing.TB, data []byte) *T {
	t.Helper()
	var out T
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("clerktest: decoding a %T: %v", out, err)
	}
	return &out
}

// AcceptOrganizationInvitation accepts an organization invitation for a
// user who has its email address, as the invitee following the
// invitation's link would (the emulator has no Frontend API to do it
// through), failing the test on error. It answers the new membership; with
// webhooks, organizationMembership.created and
// organizationInvitation.accepted follow.
func (s *Server) AcceptOrganizationInvitation(t testing.TB, invitationID, userID string) *clerk.OrganizationMembership {
	t.Helper()
	out, err := s.svc.AcceptOrganizationInvitation(context.Background(), invitationID, userID)
	if err != nil {
		t.Fatalf("clerktest: accepting organization invitation %s: %v", invitationID, err)
	}
	return decodeSDKModel[clerk.OrganizationMembership](t, out)
}
