package emulator

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator/store/sqlite"
	"github.com/clerkgo/clerk/internal/v2021"
)

var (
	clientsTestKeyOnce sync.Once
	clientsTestKey     *rsa.PrivateKey
)

// newClientsTestService returns a Service on an in-memory store whose
// clock is *now.
func newClientsTestService(t *testing.T, now *time.Time) *Service {
	t.Helper()
	clientsTestKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		clientsTestKey = k
	})
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(ctx, st, Options{SigningKey: clientsTestKey, Now: func() time.Time { return *now }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyClientTokens(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := newClientsTestService(t, &now)
	ctx := context.Background()
	u, err := s.Users.Create(ctx, &v2021.UsersCreateParams{EmailAddress: []string{"c@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.CreateSession(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	good, err := s.ClientToken(ctx, sess.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(claims map[string]any) string {
		tok, err := s.signJWT(claims)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	enc := base64.RawURLEncoding
	parts := strings.Split(good, ".")
	unsigned := enc.EncodeToString([]byte(`{"alg":"none","kid":"`+s.InstanceID()+`"}`)) + "." + parts[1] + "."
	tests := []struct {
		name  string
		token string
		kind  Kind
		code  string
	}{
		{"a client token", good, 0, ""},
		{"empty", "", KindBadRequest, "form_param_missing"},
		{"two parts", parts[0] + "." + parts[1], KindBadRequest, "token_invalid"},
		{"alg none", unsigned, KindBadRequest, "token_invalid"},
		{"a bad header", "!!." + parts[1] + "." + parts[2], KindBadRequest, "token_invalid"},
		{"a bad signature encoding", parts[0] + "." + parts[1] + ".!!", KindBadRequest, "token_invalid"},
		{"no id", sign(map[string]any{"sub": u.ID}), KindBadRequest, "token_invalid"},
		{"an id that is no client's", sign(map[string]any{"id": u.ID}), KindBadRequest, "token_invalid"},
		{"a session token", sign(map[string]any{"sid": sess.ID, "sub": u.ID}), KindBadRequest, "token_invalid"},
		{"a payload that is no object", sign(nil), KindBadRequest, "token_invalid"},
		{"not expired yet", sign(map[string]any{"id": sess.ClientID, "exp": now.Unix() + 1}), 0, ""},
		{"expired", sign(map[string]any{"id": sess.ClientID, "exp": now.Unix()}), KindBadRequest, "token_invalid"},
		{"a non-integer exp", sign(map[string]any{"id": sess.ClientID, "exp": 1.5}), KindBadRequest, "token_invalid"},
		{"an unknown client", sign(map[string]any{"id": "client_nope"}), KindNotFound, "resource_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := s.Clients.Verify(ctx, &v2021.ClientsVerifyParams{Token: &tt.token})
			if tt.code == "" {
				if err != nil || c.ID != sess.ClientID || len(c.Sessions) != 1 || c.SessionIDs[0] != sess.ID {
					t.Fatalf("%+v %v", c, err)
				}
				return
			}
			e, ok := AsError(err)
			if !ok || e.Kind != tt.kind || e.Code != tt.code {
				t.Fatalf("got %v, want %s", err, tt.code)
			}
			if strings.Contains(e.LongMessage, tt.token) && tt.token != "" {
				t.Fatalf("the message echoes the token: %s", e.LongMessage)
			}
		})
	}
}

func TestClientSessionsExpire(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := newClientsTestService(t, &now)
	ctx := context.Background()
	u, err := s.Users.Create(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.CreateSession(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.client(ctx, sess.ClientID)
	if err != nil || c.Sessions[0].Status != "active" || c.LastActiveSessionID == nil {
		t.Fatalf("%+v %v", c, err)
	}
	now = now.Add(sessionLifetime)
	c, err = s.client(ctx, sess.ClientID)
	if err != nil || c.Sessions[0].Status != "expired" || c.LastActiveSessionID != nil {
		t.Fatalf("after the session's lifetime: %+v %v", c, err)
	}
}
