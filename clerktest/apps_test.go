package clerktest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

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
		a, err := c.RedirectURLs.Create(ctx, &clerk.RedirectURLsCreateParams{URL: "https://my-app.com/oauth-callback"})
		if err != nil {
			t.Fatal(err)
		}
		if a.Object != "redirect_url" || a.URL != "https://my-app.com/oauth-callback" || a.ID == "" || a.CreatedAt == 0 {
			t.Fatalf("created %+v", a)
		}
		nextMillisecond() // the lists order by created_at: keep the order of creation
		b, err := c.RedirectURLs.Create(ctx, &clerk.RedirectURLsCreateParams{URL: "my-app://oauth-callback"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.RedirectURLs.Create(ctx, &clerk.RedirectURLsCreateParams{URL: "https://my-app.com/oauth-callback"})
		wantErr(t, "duplicate", err, 422, "form_identifier_exists", "url")
		for _, bad := range []string{"not a url", "javascript:alert(1)", "https://", "/relative/path", "example.com"} {
			_, err = c.RedirectURLs.Create(ctx, &clerk.RedirectURLsCreateParams{URL: bad})
			wantErr(t, bad, err, 422, "form_param_format_invalid", "url")
		}
		_, err = c.RedirectURLs.Create(ctx, &clerk.RedirectURLsCreateParams{})
		wantErr(t, "no url", err, 422, "form_param_missing", "url")
		_, err = c.RedirectURLs.Create(ctx, &clerk.RedirectURLsCreateParams{URL: "https://my-app.com/" + strings.Repeat("a", 1024)})
		wantErr(t, "too long", err, 422, "form_param_max_length_exceeded", "url")

		got, err := c.RedirectURLs.Get(ctx, b.ID)
		if err != nil || got.URL != "my-app://oauth-callback" {
			t.Fatalf("get: %+v %v", got, err)
		}
		list, err := c.RedirectURLs.List(ctx, nil)
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
		list, err = c.RedirectURLs.List(ctx, nil)
		if err != nil || list.TotalCount != 1 {
			t.Fatalf("list after delete: %+v %v", list, err)
		}
		// The URL is free again once deleted.
		if _, err := c.RedirectURLs.Create(ctx, &clerk.RedirectURLsCreateParams{URL: "https://my-app.com/oauth-callback"}); err != nil {
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
		nextMillisecond() // the lists order by created_at: keep the order of creation
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

func TestOAuthApplications(t *testing.T) {
	eachStore(t, func(t *testing.T, srv *clerktest.Server) {
		ctx := context.Background()
		c := srv.Client
		a, err := c.OAuthApplications.Create(ctx, &clerk.OAuthApplicationsCreateParams{Name: "Partner", CallbackURL: clerk.Ptr("https://partner.example.com/callback"),
			Scopes: clerk.Ptr("profile email profile")})
		if err != nil {
			t.Fatal(err)
		}
		if a.Object != "oauth_application" || a.Name != "Partner" || a.ClientID == "" || len(a.ClientSecret) < 32 || a.Public ||
			a.Scopes != "profile email" || a.CallbackURL != "https://partner.example.com/callback" || a.InstanceID == "" ||
			a.AuthorizeURL != "https://clerk.emulator.localhost/oauth/authorize" {
			t.Fatalf("created %+v", a)
		}
		nextMillisecond() // the lists order by created_at: keep the order of creation
		pub, err := c.OAuthApplications.Create(ctx, &clerk.OAuthApplicationsCreateParams{Name: "SPA", CallbackURL: clerk.Ptr("my-app://callback"), Public: clerk.Ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		if !pub.Public || pub.ClientSecret != "" || pub.Scopes != "profile email" {
			t.Fatalf("public %+v", pub)
		}
		_, err = c.OAuthApplications.Create(ctx, &clerk.OAuthApplicationsCreateParams{Name: "X", CallbackURL: clerk.Ptr("https://x.example.com/cb"), Scopes: clerk.Ptr("profile admin")})
		wantErr(t, "bad scope", err, 422, "form_param_format_invalid", "scopes")
		_, err = c.OAuthApplications.Create(ctx, &clerk.OAuthApplicationsCreateParams{Name: "X", CallbackURL: clerk.Ptr("not a url")})
		wantErr(t, "bad callback", err, 422, "form_param_format_invalid", "callback_url")
		_, err = c.OAuthApplications.Create(ctx, &clerk.OAuthApplicationsCreateParams{Name: "  ", CallbackURL: clerk.Ptr("https://x.example.com/cb")})
		wantErr(t, "no name", err, 422, "form_param_missing", "name")

		// The secret is in the create and rotate answers only: never in
		// get or list, whose bodies are checked as sent.
		for _, path := range []string{"/v1/oauth_applications/" + a.ID, "/v1/oauth_applications"} {
			for _, version := range []string{"2021-02-05", "2026-05-12"} {
				status, body := raw(t, srv, "GET", path, version, srv.SecretKey, nil)
				if status != 200 || bytes.Contains(body, []byte("client_secret")) || bytes.Contains(body, []byte(a.ClientSecret)) {
					t.Fatalf("%s %s: %d %s", path, version, status, body)
				}
			}
		}
		got, err := c.OAuthApplications.Get(ctx, a.ID)
		if err != nil || got.ClientID != a.ClientID || got.Name != "Partner" {
			t.Fatalf("get: %+v %v", got, err)
		}
		list, err := c.OAuthApplications.List(ctx, &clerk.OAuthApplicationsListParams{Limit: clerk.Ptr[int64](1)})
		if err != nil || list.TotalCount != 2 || len(list.Data) != 1 || list.Data[0].ID != a.ID {
			t.Fatalf("list: %+v %v", list, err)
		}
		// Later versions order and search the list.
		for query, want := range map[string][]string{
			"order_by=-created_at":              {pub.ID, a.ID},
			"order_by=%2Bname":                  {a.ID, pub.ID},
			"order_by=-name":                    {pub.ID, a.ID},
			"name_query=PART":                   {a.ID},
			"name_query=" + pub.ClientID:        {pub.ID},
			"name_query=nothing&order_by=-name": {},
		} {
			status, body := raw(t, srv, "GET", "/v1/oauth_applications?"+query, "2026-05-12", srv.SecretKey, nil)
			var got clerk.OAuthApplications
			if err := json.Unmarshal(body, &got); status != 200 || err != nil || int(got.TotalCount) != len(want) || len(got.Data) != len(want) {
				t.Fatalf("%s: %d %s", query, status, body)
			}
			for i, id := range want {
				if got.Data[i].ID != id {
					t.Fatalf("%s: %d %s, want %v", query, status, body, want)
				}
			}
		}
		status, body := raw(t, srv, "GET", "/v1/oauth_applications?order_by=secret", "2026-05-12", srv.SecretKey, nil)
		if status != 422 || !bytes.Contains(body, []byte(`"form_param_format_invalid"`)) {
			t.Fatalf("bad order_by: %d %s", status, body)
		}
		_, err = c.OAuthApplications.List(ctx, &clerk.OAuthApplicationsListParams{Limit: clerk.Ptr[int64](501)})
		wantErr(t, "limit", err, 422, "form_param_format_invalid", "limit")

		up, err := c.OAuthApplications.Update(ctx, a.ID, &clerk.OAuthApplicationsUpdateParams{Name: clerk.NullableOf("Partner 2"),
			Scopes: clerk.NullableOf("openid profile"), CallbackURL: clerk.NullableOf("https://partner.example.com/cb2")})
		if err != nil || up.Name != "Partner 2" || up.Scopes != "openid profile" || up.CallbackURL != "https://partner.example.com/cb2" || up.ClientID != a.ClientID {
			t.Fatalf("update: %+v %v", up, err)
		}
		_, err = c.OAuthApplications.Update(ctx, a.ID, &clerk.OAuthApplicationsUpdateParams{Scopes: clerk.NullableOf("")})
		wantErr(t, "no scopes", err, 422, "form_param_format_invalid", "scopes")

		rot, err := c.OAuthApplications.RotateSecret(ctx, a.ID)
		if err != nil || len(rot.ClientSecret) < 32 || rot.ClientSecret == a.ClientSecret || rot.ClientID != a.ClientID {
			t.Fatalf("rotate: %+v %v", rot, err)
		}
		rotPub, err := c.OAuthApplications.RotateSecret(ctx, pub.ID)
		if err != nil || rotPub.ClientSecret != "" {
			t.Fatalf("rotate public: %+v %v", rotPub, err)
		}

		// Later versions: redirect_uris, consent screen and PKCE.
		status, body = raw(t, srv, "POST", "/v1/oauth_applications", "2026-05-12", srv.SecretKey, map[string]any{
			"name": "Later", "redirect_uris": []string{"https://l.example.com/a", "https://l.example.com/b"}, "pkce_required": true,
			"consent_screen_enabled": false})
		var later struct {
			ID                   string   `json:"id"`
			RedirectURIs         []string `json:"redirect_uris"`
			CallbackURL          string   `json:"callback_url"`
			PKCERequired         bool     `json:"pkce_required"`
			ConsentScreenEnabled bool     `json:"consent_screen_enabled"`
			ClientSecret         string   `json:"client_secret"`
		}
		if err := json.Unmarshal(body, &later); status != 200 || err != nil || len(later.RedirectURIs) != 2 || later.CallbackURL != "https://l.example.com/a" ||
			!later.PKCERequired || later.ConsentScreenEnabled || later.ClientSecret == "" {
			t.Fatalf("later create: %d %s", status, body)
		}
		status, body = raw(t, srv, "POST", "/v1/oauth_applications", "2026-05-12", srv.SecretKey, map[string]any{
			"name": "Dup", "redirect_uris": []string{"https://l.example.com/a", "https://l.example.com/a"}})
		if status != 400 || !bytes.Contains(body, []byte(`"code":"duplicate_record"`)) {
			t.Fatalf("duplicate redirect URI: %d %s", status, body)
		}

		del, err := c.OAuthApplications.Delete(ctx, a.ID)
		if err != nil || !del.Deleted || del.Object != "oauth_application" {
			t.Fatalf("delete: %+v %v", del, err)
		}
		_, err = c.OAuthApplications.Get(ctx, a.ID)
		wantErr(t, "get deleted", err, 404, "resource_not_found", "")
		_, err = c.OAuthApplications.RotateSecret(ctx, a.ID)
		wantErr(t, "rotate deleted", err, 404, "resource_not_found", "")
		_, err = c.OAuthApplications.Update(ctx, a.ID, &clerk.OAuthApplicationsUpdateParams{Name: clerk.NullableOf("x")})
		wantErr(t, "update deleted", err, 404, "resource_not_found", "")
		_, err = c.OAuthApplications.Delete(ctx, a.ID)
		wantErr(t, "delete again", err, 404, "resource_not_found", "")
		list, err = c.OAuthApplications.List(ctx, nil)
		if err != nil || list.TotalCount != 2 || len(list.Data) != 2 {
			t.Fatalf("list after delete: %+v %v", list, err)
		}
	})
}

const idpMetadataXML = `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com"/>`

func TestSAMLConnections(t *testing.T) {
	eachStore(t, func(t *testing.T, srv *clerktest.Server) {
		ctx := context.Background()
		c := srv.Client
		a, err := c.SAMLConnections.Create(ctx, &clerk.SAMLConnectionsCreateParams{Name: "Okta", Domain: clerk.Ptr("Acme.com"), Provider: "saml_okta"})
		if err != nil {
			t.Fatal(err)
		}
		if a.Object != "saml_connection" || a.Domain != "acme.com" || a.Active || a.Provider != "saml_okta" || a.IdpEntityID != nil ||
			a.AcsURL != "https://clerk.emulator.localhost/v1/saml/acs/"+a.ID || a.AttributeMapping == nil || a.AttributeMapping.EmailAddress == "" {
			t.Fatalf("created %+v", a)
		}
		_, err = c.SAMLConnections.Create(ctx, &clerk.SAMLConnectionsCreateParams{Name: "Again", Domain: clerk.Ptr("acme.com"), Provider: "saml_custom"})
		wantErr(t, "same domain", err, 422, "form_identifier_exists", "domain")
		_, err = c.SAMLConnections.Create(ctx, &clerk.SAMLConnectionsCreateParams{Name: "X", Domain: clerk.Ptr("not a domain"), Provider: "saml_custom"})
		wantErr(t, "bad domain", err, 422, "form_param_format_invalid", "domain")
		_, err = c.SAMLConnections.Create(ctx, &clerk.SAMLConnectionsCreateParams{Name: "X", Domain: clerk.Ptr("x.com"), Provider: "saml_other"})
		wantErr(t, "bad provider", err, 422, "form_param_format_invalid", "provider")
		// domains (2026-05-12): the first is the connection's domain, unique
		// in the instance.
		_, err = c.SAMLConnections.Create(ctx, &clerk.SAMLConnectionsCreateParams{Name: "X", Domains: []string{"ok.com", "not a domain"}, Provider: "saml_custom"})
		wantErr(t, "bad domains", err, 422, "form_param_format_invalid", "domains")
		_, err = c.SAMLConnections.Create(ctx, &clerk.SAMLConnectionsCreateParams{Name: "X", Domains: []string{"ACME.com", "b.com"}, Provider: "saml_custom"})
		wantErr(t, "a taken first domain", err, 422, "form_identifier_exists", "domain")
		multi, err := c.SAMLConnections.Create(ctx, &clerk.SAMLConnectionsCreateParams{Name: "Multi", Domains: []string{"M.example", "n.example", "m.example"}, Provider: "saml_custom"})
		if err != nil || multi.Domain != "m.example" || !slices.Equal(multi.Domains, []string{"m.example", "n.example"}) {
			t.Fatalf("domains: %+v %v", multi, err)
		}
		if _, err := c.SAMLConnections.Delete(ctx, multi.ID); err != nil {
			t.Fatal(err)
		}
		_, err = c.SAMLConnections.Create(ctx, &clerk.SAMLConnectionsCreateParams{Name: "X", Domain: clerk.Ptr("x.com"), Provider: "saml_custom",
			IdpMetadataURL: clerk.Ptr("ftp://idp.example.com/metadata")})
		wantErr(t, "bad metadata URL", err, 422, "form_param_format_invalid", "idp_metadata_url")
		_, err = c.SAMLConnections.Create(ctx, &clerk.SAMLConnectionsCreateParams{Name: "X", Domain: clerk.Ptr("x.com"), Provider: "saml_custom",
			IdpMetadata: clerk.Ptr("not xml")})
		wantErr(t, "bad metadata", err, 422, "saml_failed_to_parse_idp_metadata", "")

		// Metadata by URL or as XML is kept as given; nothing is fetched.
		nextMillisecond() // the lists order by created_at: keep the order of creation
		b, err := c.SAMLConnections.Create(ctx, &clerk.SAMLConnectionsCreateParams{Name: "Google", Domain: clerk.Ptr("beta.com"), Provider: "saml_google",
			IdpMetadataURL: clerk.Ptr("http://127.0.0.1:1/metadata"), IdpMetadata: clerk.Ptr(idpMetadataXML)})
		if err != nil || b.IdpMetadataURL == nil || *b.IdpMetadataURL != "http://127.0.0.1:1/metadata" || b.IdpMetadata == nil || *b.IdpMetadata != idpMetadataXML {
			t.Fatalf("with metadata: %+v %v", b, err)
		}

		_, err = c.SAMLConnections.Update(ctx, a.ID, &clerk.SAMLConnectionsUpdateParams{Active: clerk.NullableOf(true)})
		wantErr(t, "activate unconfigured", err, 422, "saml_connection_cant_be_activated", "")
		up, err := c.SAMLConnections.Update(ctx, a.ID, &clerk.SAMLConnectionsUpdateParams{Active: clerk.NullableOf(true),
			IdpEntityID: clerk.NullableOf("https://okta.example.com"), IdpSSOURL: clerk.NullableOf("https://okta.example.com/sso"),
			IdpCertificate: clerk.NullableOf("MIIC..."), Name: clerk.NullableOf("Okta SSO"), AllowSubdomains: clerk.NullableOf(true),
			AttributeMapping: clerk.NullableOf(&clerk.SAMLConnectionsUpdateParamsAttributeMapping{EmailAddress: "mail", UserID: "uid"})})
		if err != nil || !up.Active || up.Name != "Okta SSO" || !up.AllowSubdomains || up.IdpSSOURL == nil ||
			up.AttributeMapping == nil || up.AttributeMapping.UserID != "uid" {
			t.Fatalf("update: %+v %v", up, err)
		}
		_, err = c.SAMLConnections.Update(ctx, b.ID, &clerk.SAMLConnectionsUpdateParams{Domain: clerk.NullableOf("acme.com")})
		wantErr(t, "domain taken", err, 422, "form_identifier_exists", "domain")
		up, err = c.SAMLConnections.Update(ctx, b.ID, &clerk.SAMLConnectionsUpdateParams{IdpMetadata: clerk.Null[string](), Active: clerk.NullableOf(true)})
		if err != nil || up.IdpMetadata != nil || !up.Active {
			t.Fatalf("clear metadata: %+v %v", up, err)
		}

		got, err := c.SAMLConnections.Get(ctx, a.ID)
		if err != nil || got.Name != "Okta SSO" || !got.Active {
			t.Fatalf("get: %+v %v", got, err)
		}
		list, err := c.SAMLConnections.List(ctx, &clerk.SAMLConnectionsListParams{Offset: clerk.Ptr[int64](1)})
		if err != nil || list.TotalCount != 2 || len(list.Data) != 1 || list.Data[0].ID != a.ID {
			t.Fatalf("list: %+v %v", list, err)
		}
		for query, want := range map[string][]string{
			"order_by=%2Bcreated_at": {a.ID, b.ID},
			"order_by=name":          {a.ID, b.ID}, // no sign: descending, as for other lists
			"order_by=%2Bname":       {b.ID, a.ID},
			"query=okta":             {a.ID},
			"query=zzz":              {},
		} {
			status, body := raw(t, srv, "GET", "/v1/saml_connections?"+query, "2026-05-12", srv.SecretKey, nil)
			var got clerk.SAMLConnections
			if err := json.Unmarshal(body, &got); status != 200 || err != nil || int(got.TotalCount) != len(want) || len(got.Data) != len(want) {
				t.Fatalf("%s: %d %s", query, status, body)
			}
			for i, id := range want {
				if got.Data[i].ID != id {
					t.Fatalf("%s: %d %s, want %v", query, status, body, want)
				}
			}
		}
		del, err := c.SAMLConnections.Delete(ctx, a.ID)
		if err != nil || !del.Deleted || del.Object != "saml_connection" {
			t.Fatalf("delete: %+v %v", del, err)
		}
		_, err = c.SAMLConnections.Get(ctx, a.ID)
		wantErr(t, "get deleted", err, 404, "resource_not_found", "")
		_, err = c.SAMLConnections.Delete(ctx, a.ID)
		wantErr(t, "delete again", err, 404, "resource_not_found", "")
		// The domain is free again.
		if _, err := c.SAMLConnections.Create(ctx, &clerk.SAMLConnectionsCreateParams{Name: "Okta", Domain: clerk.Ptr("acme.com"), Provider: "saml_okta"}); err != nil {
			t.Fatal(err)
		}
		list, err = c.SAMLConnections.List(ctx, nil)
		if err != nil || list.TotalCount != 2 {
			t.Fatalf("list after delete: %+v %v", list, err)
		}
	})
}

// TestAppAnswersMatchEveryAPIVersion runs each operation of these groups
// under every API version: clerktest checks each answer against that
// version's spec.
func TestAppAnswersMatchEveryAPIVersion(t *testing.T) {
	for _, version := range allAPIVersions {
		t.Run(version, func(t *testing.T) {
			srv := clerktest.NewServer(t)
			ctx := context.Background()
			c, err := clerk.NewClient(srv.SecretKey, clerk.WithServerURL(srv.URL+"/v1"), clerk.WithAPIVersion(version), clerk.WithoutRetries())
			if err != nil {
				t.Fatal(err)
			}
			ru, err := c.RedirectURLs.Create(ctx, &clerk.RedirectURLsCreateParams{URL: "https://a.example.com/cb"})
			if err != nil {
				t.Fatal(err)
			}
			dm, err := c.Domains.Add(ctx, &clerk.DomainsAddParams{Name: "sat.example.com", IsSatellite: true})
			if err != nil {
				t.Fatal(err)
			}
			oa, err := c.OAuthApplications.Create(ctx, &clerk.OAuthApplicationsCreateParams{Name: "P", CallbackURL: clerk.Ptr("https://p.example.com/cb")})
			if err != nil {
				t.Fatal(err)
			}
			sc, err := c.SAMLConnections.Create(ctx, &clerk.SAMLConnectionsCreateParams{Name: "S", Domain: clerk.Ptr("s.example.com"), Provider: "saml_custom",
				IdpMetadata: clerk.Ptr(idpMetadataXML)})
			if err != nil {
				t.Fatal(err)
			}
			steps := []func() error{
				func() error { _, err := c.RedirectURLs.Get(ctx, ru.ID); return err },
				func() error { _, err := c.RedirectURLs.List(ctx, nil); return err },
				func() error { _, err := c.Domains.List(ctx); return err },
				func() error {
					_, err := c.Domains.Update(ctx, dm.ID, &clerk.DomainsUpdateParams{ProxyURL: clerk.NullableOf("https://sat.example.com/__clerk")})
					return err
				},
				func() error { _, err := c.OAuthApplications.Get(ctx, oa.ID); return err },
				func() error { _, err := c.OAuthApplications.List(ctx, nil); return err },
				func() error {
					_, err := c.OAuthApplications.Update(ctx, oa.ID, &clerk.OAuthApplicationsUpdateParams{Name: clerk.NullableOf("Q")})
					return err
				},
				func() error { _, err := c.OAuthApplications.RotateSecret(ctx, oa.ID); return err },
				func() error { _, err := c.SAMLConnections.Get(ctx, sc.ID); return err },
				func() error { _, err := c.SAMLConnections.List(ctx, nil); return err },
				func() error {
					_, err := c.SAMLConnections.Update(ctx, sc.ID, &clerk.SAMLConnectionsUpdateParams{Active: clerk.NullableOf(true)})
					return err
				},
				func() error { _, err := c.RedirectURLs.Delete(ctx, ru.ID); return err },
				func() error { _, err := c.Domains.Delete(ctx, dm.ID); return err },
				func() error { _, err := c.OAuthApplications.Delete(ctx, oa.ID); return err },
				func() error { _, err := c.SAMLConnections.Delete(ctx, sc.ID); return err },
			}
			for i, step := range steps {
				if err := step(); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			// Errors too are answers of the spec.
			_, err = c.RedirectURLs.Get(ctx, ru.ID)
			wantErr(t, "gone", err, 404, "resource_not_found", "")
			_, err = c.ProxyChecks.Verify(ctx, &clerk.ProxyChecksVerifyParams{DomainID: clerk.Ptr("dmn_x"), ProxyURL: clerk.Ptr("https://x.example.com/__clerk")})
			wantErr(t, "proxy check", err, 422, "form_param_format_invalid", "domain_id")
		})
	}
}

// nextMillisecond waits until the clock has moved on by a millisecond, so
// that two resources created one after the other have distinct
// created_at (resources created in one millisecond list in ID order).
func nextMillisecond() { time.Sleep(2 * time.Millisecond) }
