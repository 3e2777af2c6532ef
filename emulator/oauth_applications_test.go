package emulator

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/clerkgo/clerk/internal/v2021"
)

// TestOAuthClientSecretsAreStoredAsDigests checks that an application's
// client secret is stored only as its digest, and that rotating it
// replaces the secret the digest matches.
func TestOAuthClientSecretsAreStoredAsDigests(t *testing.T) {
	ctx := context.Background()
	s := newMFATestService(t, newMFAClock(time.Now()))
	created, err := s.OAuthApplications.Create(ctx, &v2021.OAuthApplicationsCreateParams{Name: "P", CallbackURL: "https://p.example.com/cb"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var app v2021.OAuthApplicationWithSecret
	if err := json.Unmarshal(created, &app); err != nil || app.ClientSecret == "" {
		t.Fatalf("created %s: %v", created, err)
	}
	stored := func() *oauthAppRecord {
		o, err := s.store.Object(ctx, kindOAuthApp, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(o.Doc), app.ClientSecret) {
			t.Fatalf("the stored document holds the secret: %s", o.Doc)
		}
		var r oauthAppRecord
		if err := json.Unmarshal(o.Doc, &r); err != nil {
			t.Fatal(err)
		}
		return &r
	}
	if r := stored(); !r.checkSecret(app.ClientSecret) || r.checkSecret(app.ClientSecret+"x") || r.checkSecret("") {
		t.Fatal("the stored digest does not match the secret alone")
	}
	rotated, err := s.OAuthApplications.RotateSecret(ctx, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	var again v2021.OAuthApplicationWithSecret
	if err := json.Unmarshal(rotated, &again); err != nil || again.ClientSecret == "" || again.ClientSecret == app.ClientSecret {
		t.Fatalf("rotated %s: %v", rotated, err)
	}
	if r := stored(); !r.checkSecret(again.ClientSecret) || r.checkSecret(app.ClientSecret) {
		t.Fatal("after rotation the digest still matches the old secret, or not the new one")
	}
}
