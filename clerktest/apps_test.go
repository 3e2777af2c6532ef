package clerktest_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/clerktest"
)

// The instance-level groups of issue 9: redirect URLs, domains and proxy
// checks, OAuth applications and SAML connections.

var allAPIVersions = []string{"2021-02-05", "2024-10-01", "2025-03-12", "2025-04-10", "2025-11-10", "2026-05-12"}

func TestRedirectURLs(t *testing.T) {
	eachStore(t, func(t *testing.T, srv *clerktest.Server) {
		ctx := context.Background()
		c := srv.Client
		a, err := c.RedirectURLs.Create(ctx, &clerk.RedirectURLsCreateParams{URL: clerk.Ptr("https://my-app.com/oauth-callback")})
		if err != nil {
			t.Fatal(err)
		}
		if a.Object != "redirect_url" || a.URL != "https://my-app.com/oauth-callback" || a.ID == "" || a.CreatedAt == 0 {
			t.Fatalf("created %+v", a)
		}
		b, err := c.RedirectURLs.Create(ctx, &clerk.RedirectURLsCreateParams{URL: clerk.Ptr("my-app://oauth-callback")})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.RedirectURLs.Create(ctx, &clerk.RedirectURLsCreateParams{URL: clerk.Ptr("https://my-app.com/oauth-callback")})
		wantErr(t, "duplicate", err, 422, "form_identifier_exists", "url")
		for _, bad := range []string{"not a url", "javascript:alert(1)", "https://", "/relative/path", "example.com"} {
			_, err = c.RedirectURLs.Create(ctx, &clerk.RedirectURLsCreateParams{URL: clerk.Ptr(bad)})
			wantErr(t, bad, err, 422, "form_param_format_invalid", "url")
		}
		_, err = c.RedirectURLs.Create(ctx, &clerk.RedirectURLsCreateParams{})
		wantErr(t, "no url", err, 422, "form_param_missing", "url")

		got, err := c.RedirectURLs.Get(ctx, b.ID)
		if err != nil || got.URL != "my-app://oauth-callback" {
			t.Fatalf("get: %+v %v", got, err)
		}
		list, err := c.RedirectURLs.List(ctx)
		if err != nil || list.TotalCount != 2 || len(list.Data) != 2 || list.Data[0].ID != a.ID || list.Data[1].ID != b.ID {
			t.Fatalf("list: %+v %v", list, err)
		}
		// Later versions page the list when asked.
		status, body := raw(t, srv, "GET", "/v1/redirect_urls?paginated=true&limit=1&offset=1", "2026-05-12", srv.SecretKey, nil)
		var page struct {
			Data       []clerk.RedirectURL `json:"data"`
			TotalCount int64               `json:"total_count"`
		}
		if err := json.Unmarshal(body, &page); status != 200 || err != nil || page.TotalCount != 2 || len(page.Data) != 1 || page.Data[0].ID != b.ID {
			t.Fatalf("paged list: %d %s", status, body)
		}
		status, body = raw(t, srv, "GET", "/v1/redirect_urls?limit=1", "2026-05-12", srv.SecretKey, nil)
		var bare []clerk.RedirectURL
		if err := json.Unmarshal(body, &bare); status != 200 || err != nil || len(bare) != 1 || bare[0].ID != a.ID {
			t.Fatalf("limited list: %d %s", status, body)
		}

		del, err := c.RedirectURLs.Delete(ctx, a.ID)
		if err != nil || !del.Deleted || del.ID != a.ID || del.Object != "redirect_url" {
			t.Fatalf("delete: %+v %v", del, err)
		}
		_, err = c.RedirectURLs.Get(ctx, a.ID)
		wantErr(t, "get deleted", err, 404, "resource_not_found", "")
		_, err = c.RedirectURLs.Delete(ctx, a.ID)
		wantErr(t, "delete again", err, 404, "resource_not_found", "")
		list, err = c.RedirectURLs.List(ctx)
		if err != nil || list.TotalCount != 1 {
			t.Fatalf("list after delete: %+v %v", list, err)
		}
		// The URL is free again once deleted.
		if _, err := c.RedirectURLs.Create(ctx, &clerk.RedirectURLsCreateParams{URL: clerk.Ptr("https://my-app.com/oauth-callback")}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestDomains(t *testing.T) {
	eachStore(t, func(t *testing.T, srv *clerktest.Server) {
		ctx := context.Background()
		c := srv.Client
		list, err := c.Domains.List(ctx)
		if err != nil || list.TotalCount != 1 || len(list.Data) != 1 {
			t.Fatalf("list: %+v %v", list, err)
		}
		primary := list.Data[0]
		if primary.IsSatellite || primary.Name != "emulator.localhost" || primary.FrontendAPIURL != "https://clerk.emulator.localhost" || primary.Object != "domain" {
			t.Fatalf("primary %+v", primary)
		}
		_, err = c.Domains.Delete(ctx, primary.ID)
		wantErr(t, "delete primary", err, 403, "operation_not_allowed_on_primary_domain", "")
		_, err = c.Domains.Update(ctx, primary.ID, &clerk.DomainsUpdateParams{Name: clerk.NullableOf("other.com")})
		wantErr(t, "update primary", err, 400, "domain_update_forbidden", "")

		sat, err := c.Domains.Add(ctx, &clerk.DomainsAddParams{Name: "Satellite.example.com", IsSatellite: true})
		if err != nil {
			t.Fatal(err)
		}
		if !sat.IsSatellite || sat.Name != "satellite.example.com" || sat.FrontendAPIURL != "https://clerk.satellite.example.com" ||
			sat.AccountsPortalURL != nil || len(sat.CnameTargets) != 1 || sat.CnameTargets[0].Host != "clerk.satellite.example.com" {
			t.Fatalf("satellite %+v", sat)
		}
		_, err = c.Domains.Add(ctx, &clerk.DomainsAddParams{Name: "satellite.example.com", IsSatellite: true})
		wantErr(t, "duplicate", err, 422, "form_identifier_exists", "name")
		_, err = c.Domains.Add(ctx, &clerk.DomainsAddParams{Name: "emulator.localhost", IsSatellite: true})
		wantErr(t, "the primary's name", err, 422, "form_identifier_exists", "name")
		_, err = c.Domains.Add(ctx, &clerk.DomainsAddParams{Name: "not a domain", IsSatellite: true})
		wantErr(t, "bad name", err, 422, "form_param_format_invalid", "name")
		_, err = c.Domains.Add(ctx, &clerk.DomainsAddParams{Name: "b.example.com", IsSatellite: true, ProxyURL: clerk.Ptr("http://b.example.com/__clerk")})
		wantErr(t, "insecure proxy", err, 422, "insecure_url", "proxy_url")
		dev, err := c.Domains.Add(ctx, &clerk.DomainsAddParams{Name: "localhost:3001", IsSatellite: true})
		if err != nil || dev.Name != "localhost:3001" {
			t.Fatalf("with a port: %+v %v", dev, err)
		}
		_, err = c.Domains.Add(ctx, &clerk.DomainsAddParams{Name: "localhost:99999", IsSatellite: true})
		wantErr(t, "bad port", err, 422, "form_param_format_invalid", "name")

		up, err := c.Domains.Update(ctx, sat.ID, &clerk.DomainsUpdateParams{Name: clerk.NullableOf("sat.example.com"),
			ProxyURL: clerk.NullableOf("https://sat.example.com/__clerk")})
		if err != nil || up.Name != "sat.example.com" || up.ProxyURL == nil || *up.ProxyURL != "https://sat.example.com/__clerk" ||
			up.FrontendAPIURL != "https://sat.example.com/__clerk" {
			t.Fatalf("update: %+v %v", up, err)
		}
		_, err = c.Domains.Update(ctx, dev.ID, &clerk.DomainsUpdateParams{Name: clerk.NullableOf("sat.example.com")})
		wantErr(t, "rename onto another", err, 422, "form_identifier_exists", "name")
		up, err = c.Domains.Update(ctx, sat.ID, &clerk.DomainsUpdateParams{ProxyURL: clerk.Null[string]()})
		if err != nil || up.ProxyURL != nil || up.FrontendAPIURL != "https://clerk.sat.example.com" {
			t.Fatalf("clear proxy: %+v %v", up, err)
		}
		list, err = c.Domains.List(ctx)
		if err != nil || list.TotalCount != 3 || list.Data[0].ID != primary.ID || list.Data[1].ID != sat.ID || list.Data[2].ID != dev.ID {
			t.Fatalf("list: %+v %v", list, err)
		}

		// A proxy check validates its input, then fails as a proxy the
		// server cannot reach does.
		_, err = c.ProxyChecks.Verify(ctx, &clerk.ProxyChecksVerifyParams{ProxyURL: clerk.Ptr("https://sat.example.com/__clerk")})
		wantErr(t, "no domain_id", err, 422, "form_param_missing", "domain_id")
		_, err = c.ProxyChecks.Verify(ctx, &clerk.ProxyChecksVerifyParams{DomainID: &sat.ID})
		wantErr(t, "no proxy_url", err, 422, "form_param_missing", "proxy_url")
		_, err = c.ProxyChecks.Verify(ctx, &clerk.ProxyChecksVerifyParams{DomainID: clerk.Ptr("dmn_nope"), ProxyURL: clerk.Ptr("https://sat.example.com/__clerk")})
		wantErr(t, "unknown domain", err, 422, "form_param_format_invalid", "domain_id")
		_, err = c.ProxyChecks.Verify(ctx, &clerk.ProxyChecksVerifyParams{DomainID: &sat.ID, ProxyURL: clerk.Ptr("http://sat.example.com/__clerk")})
		wantErr(t, "insecure", err, 422, "insecure_url", "proxy_url")
		_, err = c.ProxyChecks.Verify(ctx, &clerk.ProxyChecksVerifyParams{DomainID: &sat.ID, ProxyURL: clerk.Ptr("https://sat.example.com/__clerk")})
		wantErr(t, "unreachable", err, 422, "invalid_proxy_configuration", "proxy_url")

		del, err := c.Domains.Delete(ctx, sat.ID)
		if err != nil || !del.Deleted || del.Object != "domain" {
			t.Fatalf("delete: %+v %v", del, err)
		}
		_, err = c.Domains.Delete(ctx, sat.ID)
		wantErr(t, "delete again", err, 404, "resource_not_found", "")
		_, err = c.Domains.Update(ctx, sat.ID, &clerk.DomainsUpdateParams{Name: clerk.NullableOf("x.example.com")})
		wantErr(t, "update deleted", err, 404, "resource_not_found", "")
		list, err = c.Domains.List(ctx)
		if err != nil || list.TotalCount != 2 {
			t.Fatalf("list after delete: %+v %v", list, err)
		}
	})
}
