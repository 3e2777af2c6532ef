package clerktest_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/clerktest"
	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/httpapi"
	"github.com/clerkgo/clerk/emulator/store/sqlite"
)

// clientOf starts a session for the user (on a new client) and returns
// the session's client ID and the session ID.
func clientOf(t *testing.T, srv *clerktest.Server, userID string) (clientID, sessionID string) {
	t.Helper()
	srv.SessionToken(t, userID)
	page, err := srv.Client.Sessions.List(context.Background(), &clerk.SessionsListParams{UserID: &userID, Limit: clerk.Ptr[int64](1)})
	if err != nil || len(page.Data) != 1 {
		t.Fatalf("sessions of %s: %+v %v", userID, page, err)
	}
	return page.Data[0].ClientID, page.Data[0].ID
}

func TestClientsThroughTheSDK(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	c := srv.Client
	ada := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"ada@example.com"}})
	bob := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"bob@example.com"}})
	ada1, adaSess1 := clientOf(t, srv, ada.ID)
	ada2, _ := clientOf(t, srv, ada.ID)
	bob1, bobSess := clientOf(t, srv, bob.ID)

	t.Run("get fills the client's sessions", func(t *testing.T) {
		for _, tt := range []struct{ client, session, user string }{{ada1, adaSess1, ada.ID}, {bob1, bobSess, bob.ID}} {
			got, err := c.Clients.Get(ctx, tt.client)
			if err != nil {
				t.Fatal(err)
			}
			if got.Object != "client" || got.ID != tt.client || len(got.SessionIDs) != 1 || got.SessionIDs[0] != tt.session ||
				len(got.Sessions) != 1 || got.Sessions[0].ID != tt.session || got.Sessions[0].UserID != tt.user ||
				got.Sessions[0].Status != "active" || got.Sessions[0].ClientID != tt.client ||
				idnDeref(got.LastActiveSessionID) != tt.session || got.SignInID != nil || got.SignUpID != nil || got.CreatedAt == 0 {
				t.Fatalf("client %+v", got)
			}
		}
	})

	t.Run("a revoked session shows, and is no longer the last active", func(t *testing.T) {
		if _, err := c.Sessions.Revoke(ctx, adaSess1); err != nil {
			t.Fatal(err)
		}
		got, err := c.Clients.Get(ctx, ada1)
		if err != nil || len(got.Sessions) != 1 || got.Sessions[0].Status != "revoked" || got.LastActiveSessionID != nil {
			t.Fatalf("%+v %v", got, err)
		}
	})

	t.Run("list, newest first, paged, with the total", func(t *testing.T) {
		tests := []struct {
			name          string
			limit, offset *int64
			want          []string
		}{
			{"all", nil, nil, []string{bob1, ada2, ada1}},
			{"limit", clerk.Ptr[int64](2), nil, []string{bob1, ada2}},
			{"offset", clerk.Ptr[int64](2), clerk.Ptr[int64](1), []string{ada2, ada1}},
			{"past the end", nil, clerk.Ptr[int64](3), nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				page, err := c.Clients.List(ctx, &clerk.ClientsListParams{Limit: tt.limit, Offset: tt.offset})
				if err != nil || page.TotalCount != 3 || len(page.Data) != len(tt.want) {
					t.Fatalf("%+v %v", page, err)
				}
				for i, cl := range page.Data {
					if cl.ID != tt.want[i] || len(cl.Sessions) != 1 || len(cl.SessionIDs) != 1 {
						t.Fatalf("client %d: %+v, want %s", i, cl, tt.want[i])
					}
				}
			})
		}
		var ids []string
		for cl, err := range c.Clients.ListIter(ctx, &clerk.ClientsListParams{Limit: clerk.Ptr[int64](1)}) {
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, cl.ID)
		}
		if strings.Join(ids, ",") != strings.Join([]string{bob1, ada2, ada1}, ",") {
			t.Fatalf("iterated %v", ids)
		}
	})

	t.Run("without paginated the list is a bare array", func(t *testing.T) {
		status, body := idnRequest(t, srv, "GET", "/v1/clients?limit=2", "", nil)
		var list []clerk.ClientObject
		if status != 200 || json.Unmarshal(body, &list) != nil || len(list) != 2 || list[0].ID != bob1 {
			t.Fatalf("%d %s", status, body)
		}
	})

	t.Run("errors", func(t *testing.T) {
		tests := []struct {
			name, path  string
			status      int
			code, param string
		}{
			{"an unknown client", "/v1/clients/client_nope", 404, "resource_not_found", ""},
			{"a session ID is no client ID", "/v1/clients/" + bobSess, 404, "resource_not_found", ""},
			{"a limit above 500", "/v1/clients?limit=501", 422, "form_param_format_invalid", "limit"},
			{"a negative offset", "/v1/clients?offset=-1", 422, "form_param_format_invalid", "offset"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				status, body := idnRequest(t, srv, "GET", tt.path, "", nil)
				var got struct {
					Errors []struct {
						Code string         `json:"code"`
						Meta map[string]any `json:"meta"`
					} `json:"errors"`
				}
				if json.Unmarshal(body, &got) != nil || status != tt.status || len(got.Errors) != 1 || got.Errors[0].Code != tt.code ||
					(tt.param != "" && got.Errors[0].Meta["param_name"] != tt.param) {
					t.Fatalf("%d %s", status, body)
				}
			})
		}
	})

	t.Run("every API version", func(t *testing.T) {
		for _, v := range []string{"2021-02-05", "2024-10-01", "2025-03-12", "2025-04-10", "2025-11-10", "2026-05-12"} {
			for _, path := range []string{"/v1/clients/" + bob1, "/v1/clients", "/v1/clients?paginated=true"} {
				if status, body := idnRequest(t, srv, "GET", path, v, nil); status != 200 {
					t.Fatalf("%s %s: %d %s", v, path, status, body)
				}
			}
		}
	})

	t.Run("deleting the user deletes its clients", func(t *testing.T) {
		if _, err := c.Users.Delete(ctx, ada.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{ada1, ada2} {
			if _, err := c.Clients.Get(ctx, id); !clerk.IsNotFound(err) {
				t.Fatalf("client %s: %v", id, err)
			}
		}
		page, err := c.Clients.List(ctx, nil)
		if err != nil || page.TotalCount != 1 || page.Data[0].ID != bob1 {
			t.Fatalf("%+v %v", page, err)
		}
	})
}

// A server like clerktest.NewServer that keeps its emulator.Service, to
// mint client tokens (the emulator's stand-in for the Frontend API's
// __client token).
type clientsServer struct {
	url    string
	key    string
	client *clerk.Client
	svc    *emulator.Service
}

var (
	clientsKeyOnce sync.Once
	clientsKey     *rsa.PrivateKey
)

func newClientsServer(t *testing.T) *clientsServer {
	t.Helper()
	clientsKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		clientsKey = k
	})
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := emulator.New(ctx, st, emulator.Options{SigningKey: clientsKey})
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	hs := httptest.NewServer(httpapi.New(svc, nil, httpapi.WithResponseCheck(func(op string, err error) {
		if err != nil {
			t.Errorf("the local Backend API answered %s against the spec: %v", op, err)
		}
	})))
	t.Cleanup(func() {
		hs.Close()
		st.Close()
	})
	c, err := clerk.NewClient(svc.SecretKey(), clerk.WithServerURL(hs.URL+"/v1"), clerk.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	return &clientsServer{url: hs.URL, key: svc.SecretKey(), client: c, svc: svc}
}

// clientOfVersion is a client of srv that sends the API version v.
func (s *clientsServer) clientOfVersion(t *testing.T, v string) *clerk.Client {
	t.Helper()
	c, err := clerk.NewClient(s.key, clerk.WithServerURL(s.url+"/v1"), clerk.WithoutRetries(), clerk.WithAPIVersion(v))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signWith signs claims as an RS256 JWT with key and kid.
func signWith(t *testing.T, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	enc := base64.RawURLEncoding
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": kid, "typ": "JWT"})
	p, _ := json.Marshal(claims)
	input := enc.EncodeToString(h) + "." + enc.EncodeToString(p)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + enc.EncodeToString(sig)
}

func TestVerifyClient(t *testing.T) {
	srv := newClientsServer(t)
	ctx := context.Background()
	user, err := srv.client.Users.Create(ctx, &clerk.UsersCreateParams{EmailAddress: []string{"v@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := srv.svc.CreateSession(ctx, user.ID)
	if err != nil {
		t.Fatal(err)
	}
	token, err := srv.svc.ClientToken(ctx, sess.ClientID)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a client token verifies to its client", func(t *testing.T) {
		got, err := srv.client.Clients.Verify(ctx, &clerk.ClientsVerifyParams{Token: token})
		if err != nil || got.ID != sess.ClientID || len(got.Sessions) != 1 || got.Sessions[0].ID != sess.ID ||
			idnDeref(got.LastActiveSessionID) != sess.ID {
			t.Fatalf("%+v %v", got, err)
		}
	})

	sessionToken, err := srv.svc.CreateSessionToken(ctx, sess.ID, emulator.TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(token, ".")
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"id":"`+sess.ClientID+`x"}`)) + "." + parts[2]
	tests := []struct {
		name   string
		token  *string
		status int
		code   string
	}{
		{"no token", nil, 400, "form_param_missing"},
		{"an empty token", clerk.Ptr(""), 400, "form_param_missing"},
		{"not a JWT", clerk.Ptr("garbage"), 400, "token_invalid"},
		{"a session token", &sessionToken, 400, "token_invalid"},
		{"a tampered payload", &tampered, 400, "token_invalid"},
		{"another key", clerk.Ptr(signWith(t, otherKey, srv.svc.InstanceID(), map[string]any{"id": sess.ClientID})), 400, "token_invalid"},
		{"another kid", clerk.Ptr(signWith(t, clientsKey, "ins_other", map[string]any{"id": sess.ClientID})), 400, "token_invalid"},
		{"expired", clerk.Ptr(signWith(t, clientsKey, srv.svc.InstanceID(), map[string]any{"id": sess.ClientID, "exp": 1})), 400, "token_invalid"},
		{"an unknown client", clerk.Ptr(signWith(t, clientsKey, srv.svc.InstanceID(), map[string]any{"id": "client_nope"})), 404, "resource_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, params := srv.client, &clerk.ClientsVerifyParams{}
			if tt.token != nil {
				params.Token = *tt.token
			} else {
				// No token at all: the SDK's Token is a string (the later
				// specs require it), so this is sent in 2021-02-05, where
				// token is optional and the domain answers.
				c, params = srv.clientOfVersion(t, "2021-02-05"), nil
			}
			_, err := c.Clients.Verify(ctx, params)
			status, code, _ := idnAPIError(t, err)
			if status != tt.status || code != tt.code {
				t.Fatalf("%d %s, want %d %s", status, code, tt.status, tt.code)
			}
		})
	}

	t.Run("every API version", func(t *testing.T) {
		for _, v := range []string{"2021-02-05", "2024-10-01", "2025-03-12", "2025-04-10", "2025-11-10", "2026-05-12"} {
			c := srv.clientOfVersion(t, v)
			if got, err := c.Clients.Verify(ctx, &clerk.ClientsVerifyParams{Token: token}); err != nil || got.ID != sess.ClientID {
				t.Fatalf("%s: %+v %v", v, got, err)
			}
			if _, err := c.Clients.Verify(ctx, &clerk.ClientsVerifyParams{Token: "garbage"}); !clerk.HasErrorCode(err, "token_invalid") {
				t.Fatalf("%s: %v", v, err)
			}
		}
	})

	t.Run("the token of a deleted user's client is not found", func(t *testing.T) {
		if _, err := srv.client.Users.Delete(ctx, user.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.client.Clients.Verify(ctx, &clerk.ClientsVerifyParams{Token: token}); !clerk.IsNotFound(err) {
			t.Fatalf("%v", err)
		}
		if _, err := srv.svc.ClientToken(ctx, sess.ClientID); err == nil {
			t.Fatal("minted a token for a deleted client")
		}
	})
}
