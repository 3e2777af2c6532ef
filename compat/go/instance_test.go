package compat

import (
	"context"
	"slices"
	"testing"

	clerksdk "github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/allowlistidentifier"
	"github.com/clerk/clerk-sdk-go/v2/blocklistidentifier"
	"github.com/clerk/clerk-sdk-go/v2/domain"
	"github.com/clerk/clerk-sdk-go/v2/instancesettings"
	"github.com/clerk/clerk-sdk-go/v2/oauthapplication"
	"github.com/clerk/clerk-sdk-go/v2/redirecturl"
	"github.com/clerk/clerk-sdk-go/v2/samlconnection"
	"github.com/clerk/clerk-sdk-go/v2/user"

	"github.com/clerkgo/clerk/clerktest"
)

// TestInstanceResources drives allowlist and blocklist identifiers,
// instance restrictions, redirect URLs, domains, OAuth applications and
// SAML connections with clerk-sdk-go, unmodified.
func TestInstanceResources(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	cfg := sdkConfig(srv)

	allow := allowlistidentifier.NewClient(cfg)
	al, err := allow.Create(ctx, &allowlistidentifier.CreateParams{Identifier: clerksdk.String("*@allowed.example")})
	if err != nil {
		t.Fatalf("allowlistidentifier.Create: %s", describe(err))
	}
	if list, err := allow.List(ctx, &allowlistidentifier.ListParams{}); err != nil || !slices.ContainsFunc(list.AllowlistIdentifiers, func(x *clerksdk.AllowlistIdentifier) bool { return x.ID == al.ID }) {
		t.Fatalf("allowlistidentifier.List: %+v %s", list, describeOrNil(err))
	}
	block := blocklistidentifier.NewClient(cfg)
	bl, err := block.Create(ctx, &blocklistidentifier.CreateParams{Identifier: clerksdk.String("blocked@example.com")})
	if err != nil {
		t.Fatalf("blocklistidentifier.Create: %s", describe(err))
	}
	if list, err := block.List(ctx, &blocklistidentifier.ListParams{}); err != nil || len(list.BlocklistIdentifiers) != 1 {
		t.Fatalf("blocklistidentifier.List: %+v %s", list, describeOrNil(err))
	}
	settings := instancesettings.NewClient(cfg)
	if r, err := settings.UpdateRestrictions(ctx, &instancesettings.UpdateRestrictionsParams{Blocklist: clerksdk.Bool(true)}); err != nil || !r.Blocklist {
		t.Fatalf("instancesettings.UpdateRestrictions: %+v %s", r, describeOrNil(err))
	}
	if _, err := user.NewClient(cfg).Create(ctx, &user.CreateParams{EmailAddresses: &[]string{"Blocked@Example.com"}}); err == nil {
		t.Fatal("a blocklisted address made a user")
	}
	if _, err := block.Delete(ctx, bl.ID); err != nil {
		t.Fatalf("blocklistidentifier.Delete: %s", describe(err))
	}
	if _, err := allow.Delete(ctx, al.ID); err != nil {
		t.Fatalf("allowlistidentifier.Delete: %s", describe(err))
	}

	redirects := redirecturl.NewClient(cfg)
	ru, err := redirects.Create(ctx, &redirecturl.CreateParams{URL: clerksdk.String("https://app.example.com/cb")})
	if err != nil {
		t.Fatalf("redirecturl.Create: %s", describe(err))
	}
	if got, err := redirects.Get(ctx, ru.ID); err != nil || got.URL != "https://app.example.com/cb" {
		t.Fatalf("redirecturl.Get: %+v %s", got, describeOrNil(err))
	}
	if list, err := redirects.List(ctx, &redirecturl.ListParams{}); err != nil || len(list.RedirectURLs) != 1 {
		t.Fatalf("redirecturl.List: %+v %s", list, describeOrNil(err))
	}
	if _, err := redirects.Delete(ctx, ru.ID); err != nil {
		t.Fatalf("redirecturl.Delete: %s", describe(err))
	}

	domains := domain.NewClient(cfg)
	d, err := domains.Create(ctx, &domain.CreateParams{Name: clerksdk.String("sat.example.com"), IsSatellite: clerksdk.Bool(true)})
	if err != nil {
		t.Fatalf("domain.Create: %s", describe(err))
	}
	if list, err := domains.List(ctx, &domain.ListParams{}); err != nil || len(list.Domains) != 2 {
		t.Fatalf("domain.List (primary and satellite): %+v %s", list, describeOrNil(err))
	}
	if _, err := domains.Delete(ctx, d.ID); err != nil {
		t.Fatalf("domain.Delete: %s", describe(err))
	}

	apps := oauthapplication.NewClient(cfg)
	app, err := apps.Create(ctx, &oauthapplication.CreateParams{Name: "Partner", CallbackURL: "https://partner.example.com/cb", Scopes: "profile email"})
	if err != nil {
		t.Fatalf("oauthapplication.Create: %s", describe(err))
	}
	if app.ClientSecret == nil || *app.ClientSecret == "" {
		t.Errorf("no client secret on create: %+v", app)
	}
	if got, err := apps.Get(ctx, app.ID); err != nil || got.Name != "Partner" || got.ClientSecret != nil {
		t.Fatalf("oauthapplication.Get (no secret): %+v %s", got, describeOrNil(err))
	}
	if rotated, err := apps.RotateClientSecret(ctx, app.ID); err != nil || rotated.ClientSecret == nil || *rotated.ClientSecret == *app.ClientSecret {
		t.Fatalf("oauthapplication.RotateClientSecret: %+v %s", rotated, describeOrNil(err))
	}
	if list, err := apps.List(ctx, &oauthapplication.ListParams{}); err != nil || len(list.OAuthApplications) != 1 {
		t.Fatalf("oauthapplication.List: %+v %s", list, describeOrNil(err))
	}
	if _, err := apps.DeleteOAuthApplication(ctx, app.ID); err != nil {
		t.Fatalf("oauthapplication.Delete: %s", describe(err))
	}

	saml := samlconnection.NewClient(cfg)
	sc, err := saml.Create(ctx, &samlconnection.CreateParams{Name: clerksdk.String("Okta"), Domain: clerksdk.String("corp.example.com"),
		Provider: clerksdk.String("saml_okta")})
	if err != nil {
		t.Fatalf("samlconnection.Create: %s", describe(err))
	}
	if got, err := saml.Get(ctx, sc.ID); err != nil || got.Domain != "corp.example.com" {
		t.Fatalf("samlconnection.Get: %+v %s", got, describeOrNil(err))
	}
	if list, err := saml.List(ctx, &samlconnection.ListParams{}); err != nil || len(list.SAMLConnections) != 1 {
		t.Fatalf("samlconnection.List: %+v %s", list, describeOrNil(err))
	}
	if _, err := saml.Delete(ctx, sc.ID); err != nil {
		t.Fatalf("samlconnection.Delete: %s", describe(err))
	}
}
