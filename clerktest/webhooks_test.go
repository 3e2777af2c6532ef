package clerktest_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/clerktest"
	"github.com/clerkgo/clerk/emulator/store/postgres/pgtest"
	"github.com/clerkgo/clerk/webhook"
)

// An application's user sync, tested with go test: its real webhook
// handler, verifying with its secret, keeps a copy of the users that the
// server's deliveries bring up to date. On both stores.
func TestWebhooksReachTheApplicationsHandler(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testWebhooksReachTheApplicationsHandler(t) })
	t.Run("postgres", func(t *testing.T) {
		testWebhooksReachTheApplicationsHandler(t, clerktest.WithDatabase(pgtest.NewDatabase(t)))
	})
}

func testWebhooksReachTheApplicationsHandler(t *testing.T, opts ...clerktest.Option) {
	secret, v := newVerifier(t)
	var mu sync.Mutex
	names := map[string]string{} // the application's copy: user ID → first name
	app := httptest.NewServer(webhook.Handler(v, func(ctx context.Context, ev *webhook.Event) error {
		mu.Lock()
		defer mu.Unlock()
		switch ev.Type {
		case webhook.EventUserCreated, webhook.EventUserUpdated:
			var u webhook.User // both carry the user
			if err := ev.DecodeData(&u); err != nil {
				return err
			}
			names[u.ID] = *u.FirstName
		case webhook.EventUserDeleted:
			d, err := ev.UserDeleted()
			if err != nil {
				return err
			}
			delete(names, d.ID)
		}
		return nil
	}))
	defer app.Close()

	srv := clerktest.NewServer(t, append(opts, clerktest.WithWebhooks(app.URL, secret))...)
	ctx := context.Background()
	ada := srv.CreateUser(t, &clerk.UsersCreateParams{FirstName: clerk.Ptr("Ada")})
	bob := srv.CreateUser(t, &clerk.UsersCreateParams{FirstName: clerk.Ptr("Bob")})
	if _, err := srv.Client.Users.Update(ctx, ada.ID, &clerk.UsersUpdateParams{FirstName: clerk.NullableOf("Augusta")}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Client.Users.Delete(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	srv.FlushWebhooks(t, 10*time.Second)

	mu.Lock()
	if len(names) != 1 || names[ada.ID] != "Augusta" {
		t.Errorf("the application's copy is %v, want only %s: Augusta", names, ada.ID)
	}
	mu.Unlock()
	var types []string
	for _, ev := range srv.WebhookEvents() {
		types = append(types, ev.Type)
	}
	want := []string{"user.created", "user.created", "user.updated", "user.deleted"}
	if len(types) != len(want) {
		t.Fatalf("delivered %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("delivered %v, want %v", types, want)
		}
	}
}

func TestWithoutWebhooksNothingIsDelivered(t *testing.T) {
	srv := clerktest.NewServer(t)
	srv.CreateUser(t, &clerk.UsersCreateParams{})
	if evs := srv.WebhookEvents(); evs != nil {
		t.Errorf("WebhookEvents = %v", evs)
	}
}

// newVerifier makes up a webhook secret and returns it with its verifier.
func newVerifier(t *testing.T) (string, *webhook.Verifier) {
	t.Helper()
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	v, err := webhook.NewVerifier(webhook.Options{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return secret, v
}
