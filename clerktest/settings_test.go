package clerktest_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/clerktest"
	"github.com/clerkgo/clerk/emulator/store/postgres/pgtest"
)

// The allowlist and blocklist, the instance's settings and restrictions,
// its organization settings and the beta features, through the SDK (and
// raw requests for what later API versions add), on both stores.

const latestVersion = "2026-05-12"

// rawJSON sends a request of an API version and decodes its JSON answer
// into a map (nil for an empty answer).
func rawJSON(t *testing.T, srv *clerktest.Server, method, path, version string, body any) (int, map[string]any) {
	t.Helper()
	status, data := idnRequest(t, srv, method, path, version, body)
	if len(data) == 0 {
		return status, nil
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s %s: %d %s: %v", method, path, status, data, err)
	}
	return status, m
}

func TestAllowlistAndBlocklist(t *testing.T) { eachStore(t, testAllowlistAndBlocklist) }

func testAllowlistAndBlocklist(t *testing.T, srv *clerktest.Server) {
	ctx := context.Background()
	c := srv.Client
	allow := func(id string) *clerk.AllowlistIdentifier {
		t.Helper()
		a, err := c.AllowlistBlocklist.CreateAllowlistIdentifier(ctx, &clerk.AllowlistBlocklistCreateAllowlistIdentifierParams{Identifier: id})
		if err != nil {
			t.Fatalf("allow %s: %v", id, err)
		}
		return a
	}
	block := func(id string) *clerk.BlocklistIdentifier {
		t.Helper()
		b, err := c.AllowlistBlocklist.CreateBlocklistIdentifier(ctx, &clerk.AllowlistBlocklistCreateBlocklistIdentifierParams{Identifier: id})
		if err != nil {
			t.Fatalf("block %s: %v", id, err)
		}
		return b
	}
	createUser := func(params *clerk.UsersCreateParams) error {
		_, err := c.Users.Create(ctx, params)
		return err
	}
	emails := func(e ...string) *clerk.UsersCreateParams { return &clerk.UsersCreateParams{EmailAddress: e} }

	// The lists: identifiers normalised and typed, duplicates refused
	// whatever their case.
	domain := allow("*@Example.com")
	if domain.Identifier != "*@example.com" || domain.IdentifierType != "email_address" || domain.Object != "allowlist_identifier" ||
		domain.ID == "" || domain.InstanceID == "" || domain.CreatedAt == 0 {
		t.Fatalf("allowlisted domain: %+v", domain)
	}
	_, err := c.AllowlistBlocklist.CreateAllowlistIdentifier(ctx, &clerk.AllowlistBlocklistCreateAllowlistIdentifierParams{Identifier: "*@EXAMPLE.com"})
	wantErr(t, "duplicate allowlist identifier", err, 400, "duplicate_record", "")
	if ph := allow("+1 (555) 555-0100"); ph.Identifier != "+15555550100" || ph.IdentifierType != "phone_number" {
		t.Fatalf("allowlisted phone: %+v", ph)
	}
	if w := allow("0xABCDEF0123456789abcdef0123456789ABCDEF01"); w.Identifier != "0xabcdef0123456789abcdef0123456789abcdef01" ||
		w.IdentifierType != "web3_wallet" {
		t.Fatalf("allowlisted wallet: %+v", w)
	}
	ada := allow("Ada@Corp.test")
	if ada.Identifier != "ada@corp.test" {
		t.Fatalf("allowlisted email: %+v", ada)
	}
	for _, bad := range []string{"nope", "*@", "0x12", "+12"} {
		_, err := c.AllowlistBlocklist.CreateAllowlistIdentifier(ctx, &clerk.AllowlistBlocklistCreateAllowlistIdentifierParams{Identifier: bad})
		wantErr(t, "allowlist "+bad, err, 422, "form_param_format_invalid", "identifier")
	}
	list, err := c.AllowlistBlocklist.ListAllowlistIdentifiers(ctx, nil)
	if err != nil || list.TotalCount != 4 || len(list.Data) != 4 ||
		!slices.ContainsFunc(list.Data, func(a *clerk.AllowlistIdentifier) bool { return a.ID == ada.ID && a.Identifier == "ada@corp.test" }) {
		t.Fatalf("allowlist: %+v %v", list, err)
	}
	status, page := rawJSON(t, srv, "GET", "/v1/allowlist_identifiers?paginated=true&limit=3&offset=2", latestVersion, nil)
	if status != 200 || page["total_count"] != 4.0 || len(page["data"].([]any)) != 2 {
		t.Fatalf("allowlist page: %d %v", status, page)
	}
	status, _ = rawJSON(t, srv, "GET", "/v1/allowlist_identifiers?paginated=true&limit=0", latestVersion, nil)
	if status != 422 && status != 400 {
		t.Fatalf("allowlist limit=0: %d", status)
	}

	mallory := block("Mallory@Example.com")
	if mallory.Identifier != "mallory@example.com" || mallory.Object != "blocklist_identifier" {
		t.Fatalf("blocklisted: %+v", mallory)
	}
	_, err = c.AllowlistBlocklist.CreateBlocklistIdentifier(ctx, &clerk.AllowlistBlocklistCreateBlocklistIdentifierParams{Identifier: "MALLORY@example.COM"})
	wantErr(t, "duplicate blocklist identifier", err, 400, "duplicate_record", "")
	spam := block("*@spam.test")
	block("+15555550199")
	blocked, err := c.BlocklistIdentifiers.List(ctx)
	if err != nil || blocked.TotalCount != 3 || len(blocked.Data) != 3 {
		t.Fatalf("blocklist: %+v %v", blocked, err)
	}

	// Restrictions off: the lists have no effect.
	if err := createUser(emails("someone@spam.test")); err != nil {
		t.Fatalf("restrictions off: %v", err)
	}
	// The blocklist on: blocked addresses (any case), domains and numbers
	// are refused, on creation and when added to a user.
	r, err := c.InstanceSettings.UpdateRestrictions(ctx, &clerk.InstanceSettingsUpdateRestrictionsParams{Blocklist: clerk.NullableOf(true)})
	if err != nil || !r.Blocklist || r.Allowlist || r.Object != "instance_restrictions" {
		t.Fatalf("blocklist on: %+v %v", r, err)
	}
	wantErr(t, "blocked address", createUser(emails("MALLORY@example.com")), 403, "not_allowed_access", "")
	wantErr(t, "blocked domain", createUser(emails("Other@SPAM.test")), 403, "not_allowed_access", "")
	wantErr(t, "blocked phone", createUser(&clerk.UsersCreateParams{PhoneNumber: []string{"+1 555 555 0199"}}), 403, "not_allowed_access", "")
	eve := srv.CreateUser(t, emails("eve@example.com"))
	_, err = c.EmailAddresses.Create(ctx, &clerk.EmailAddressesCreateParams{UserID: eve.ID, EmailAddress: "x@spam.test"})
	wantErr(t, "blocked address added", err, 403, "not_allowed_access", "")
	_, err = c.PhoneNumbers.Create(ctx, &clerk.PhoneNumbersCreateParams{UserID: eve.ID, PhoneNumber: "+15555550199"})
	wantErr(t, "blocked number added", err, 403, "not_allowed_access", "")
	if _, err := c.EmailAddresses.Create(ctx, &clerk.EmailAddressesCreateParams{UserID: eve.ID, EmailAddress: "eve@elsewhere.test"}); err != nil {
		t.Fatalf("address not blocked: %v", err)
	}

	// The allowlist on (through the beta setting): only allowlisted
	// identifiers, and the allowlist wins over the blocklist.
	if s, err := c.BetaFeatures.UpdateInstanceSettings(ctx, &clerk.BetaFeaturesUpdateInstanceSettingsParams{
		RestrictedToAllowlist: clerk.NullableOf(true)}); err != nil || !s.RestrictedToAllowlist {
		t.Fatalf("restricted to allowlist: %+v %v", s, err)
	}
	wantErr(t, "not allowlisted", createUser(emails("zed@other.test")), 403, "not_allowed_access", "")
	if err := createUser(emails("Zed@EXAMPLE.com")); err != nil {
		t.Fatalf("allowlisted domain: %v", err)
	}
	if err := createUser(emails("mallory@example.com")); err != nil {
		t.Fatalf("allowlisted and blocklisted: the allowlist wins: %v", err)
	}
	wantErr(t, "phone not allowlisted", createUser(&clerk.UsersCreateParams{EmailAddress: []string{"ann@example.com"},
		PhoneNumber: []string{"+15555550111"}}), 403, "not_allowed_access", "")
	if err := createUser(&clerk.UsersCreateParams{EmailAddress: []string{"ada@corp.test"}, PhoneNumber: []string{"+15555550100"},
		Web3Wallet: []string{"0xabcdef0123456789ABCDEF0123456789abcdef01"}}); err != nil {
		t.Fatalf("all allowlisted: %v", err)
	}
	wantErr(t, "wallet not allowlisted", createUser(&clerk.UsersCreateParams{EmailAddress: []string{"bo@example.com"},
		Web3Wallet: []string{"0x0000000000000000000000000000000000000001"}}), 403, "not_allowed_access", "")
	r, err = c.InstanceSettings.UpdateRestrictions(ctx, nil)
	if err != nil || !r.Allowlist || !r.Blocklist {
		t.Fatalf("restrictions kept: %+v %v", r, err)
	}

	// Deleting: the identifier stops counting; a second delete is 404.
	del, err := c.AllowlistIdentifiers.Delete(ctx, domain.ID)
	if err != nil || !del.Deleted || del.ID != domain.ID || del.Object != "allowlist_identifier" {
		t.Fatalf("delete allowlisted: %+v %v", del, err)
	}
	wantErr(t, "no longer allowlisted", createUser(emails("kim@example.com")), 403, "not_allowed_access", "")
	_, err = c.AllowlistIdentifiers.Delete(ctx, domain.ID)
	wantErr(t, "allowlisted deleted twice", err, 404, "resource_not_found", "")
	if _, err := c.InstanceSettings.UpdateRestrictions(ctx, &clerk.InstanceSettingsUpdateRestrictionsParams{Allowlist: clerk.NullableOf(false)}); err != nil {
		t.Fatal(err)
	}
	if err := createUser(emails("kim@example.com")); err != nil {
		t.Fatalf("allowlist off again: %v", err)
	}
	del, err = c.AllowlistBlocklist.DeleteBlocklistIdentifier(ctx, spam.ID)
	if err != nil || !del.Deleted || del.Object != "blocklist_identifier" {
		t.Fatalf("delete blocklisted: %+v %v", del, err)
	}
	if err := createUser(emails("other@spam.test")); err != nil {
		t.Fatalf("no longer blocklisted: %v", err)
	}
	_, err = c.AllowlistBlocklist.DeleteBlocklistIdentifier(ctx, spam.ID)
	wantErr(t, "blocklisted deleted twice", err, 404, "resource_not_found", "")
	if blocked, err = c.BlocklistIdentifiers.List(ctx); err != nil || blocked.TotalCount != 2 {
		t.Fatalf("blocklist after delete: %+v %v", blocked, err)
	}
}

func TestInstanceSettings(t *testing.T) { eachStore(t, testInstanceSettings) }

func testInstanceSettings(t *testing.T, srv *clerktest.Server) {
	ctx := context.Background()
	c := srv.Client

	// Restrictions: the defaults, then changes kept field by field.
	r, err := c.InstanceSettings.UpdateRestrictions(ctx, nil)
	if err != nil || r.Allowlist || r.Blocklist || r.BlockEmailSubaddresses {
		t.Fatalf("default restrictions: %+v %v", r, err)
	}
	// ignore_dots_for_gmail_addresses is not in 2026-05-12 (nor in the
	// SDK): 2025-03-12 still has it.
	older := func(method, path string, body map[string]any) (map[string]any, error) {
		var m map[string]any
		err := c.Do(ctx, &clerk.RawRequest{Method: method, Path: path, Body: body, APIVersion: "2025-03-12"}, &m)
		return m, err
	}
	if m, err := older("PATCH", "/instance/restrictions", map[string]any{}); err != nil || m["ignore_dots_for_gmail_addresses"] != false {
		t.Fatalf("default restrictions of 2025-03-12: %v %v", m, err)
	}
	if r, err = c.InstanceSettings.UpdateRestrictions(ctx, &clerk.InstanceSettingsUpdateRestrictionsParams{
		BlockEmailSubaddresses: clerk.NullableOf(true)}); err != nil || !r.BlockEmailSubaddresses || r.Blocklist {
		t.Fatalf("restrictions: %+v %v", r, err)
	}
	if m, err := older("PATCH", "/instance/restrictions", map[string]any{"ignore_dots_for_gmail_addresses": true}); err != nil ||
		m["ignore_dots_for_gmail_addresses"] != true || m["block_email_subaddresses"] != true || m["blocklist"] != false {
		t.Fatalf("restrictions of 2025-03-12: %v %v", m, err)
	}
	status, m := rawJSON(t, srv, "PATCH", "/v1/instance/restrictions", latestVersion,
		map[string]any{"allowlist_blocklist_disabled_on_sign_in": true, "block_disposable_email_domains": true, "blocklist": nil})
	if status != 200 || m["allowlist_blocklist_disabled_on_sign_in"] != true || m["block_disposable_email_domains"] != true ||
		m["block_email_subaddresses"] != true || m["blocklist"] != false {
		t.Fatalf("restrictions of %s: %d %v", latestVersion, status, m)
	}

	// The beta instance settings: kept, and restricted_to_allowlist is
	// the restrictions' allowlist.
	s, err := c.BetaFeatures.UpdateInstanceSettings(ctx, nil)
	if err != nil || !s.ProgressiveSignUp || s.RestrictedToAllowlist || s.FromEmailAddress != "" || s.Object != "instance_settings" || s.ID == "" {
		t.Fatalf("default instance settings: %+v %v", s, err)
	}
	if _, err = c.BetaFeatures.UpdateInstanceSettings(ctx, &clerk.BetaFeaturesUpdateInstanceSettingsParams{
		ProgressiveSignUp: clerk.NullableOf(false), FromEmailAddress: clerk.NullableOf("hello"),
		RestrictedToAllowlist: clerk.NullableOf(true)}); err != nil {
		t.Fatal(err)
	}
	// 2026-05-12 shows enhanced_email_deliverability but takes it no
	// more (deprecated): 2025-03-12 sets it.
	if m, err := older("PATCH", "/beta_features/instance_settings", map[string]any{"enhanced_email_deliverability": true}); err != nil ||
		m["enhanced_email_deliverability"] != true {
		t.Fatalf("enhanced_email_deliverability of 2025-03-12: %v %v", m, err)
	}
	s, err = c.BetaFeatures.UpdateInstanceSettings(ctx, &clerk.BetaFeaturesUpdateInstanceSettingsParams{TestMode: clerk.NullableOf(false)})
	if err != nil || s.ProgressiveSignUp || s.FromEmailAddress != "hello" || !s.EnhancedEmailDeliverability || !s.RestrictedToAllowlist {
		t.Fatalf("instance settings kept: %+v %v", s, err)
	}
	if r, err = c.InstanceSettings.UpdateRestrictions(ctx, nil); err != nil || !r.Allowlist {
		t.Fatalf("restricted_to_allowlist is the allowlist: %+v %v", r, err)
	}
	_, err = c.BetaFeatures.UpdateInstanceSettings(ctx, &clerk.BetaFeaturesUpdateInstanceSettingsParams{FromEmailAddress: clerk.NullableOf("a@b.test")})
	wantErr(t, "from_email_address not a local part", err, 422, "form_param_format_invalid", "from_email_address")
	// session_token_template is of 2021-02-05 only.
	err = c.Do(ctx, &clerk.RawRequest{Method: "PATCH", Path: "/beta_features/instance_settings", APIVersion: "2021-02-05",
		Body: map[string]any{"session_token_template": "nope"}}, nil)
	wantErr(t, "unknown session token template", err, 422, "form_param_format_invalid", "session_token_template")

	// PATCH /v1/instance: 204, what it sets is kept (enhanced email
	// deliverability, which 2025-03-12 still sets, is shared with the
	// beta settings).
	if err := c.InstanceSettings.Update(ctx, &clerk.InstanceSettingsUpdateParams{
		SupportEmail: clerk.NullableOf("help@example.com"), AllowedOrigins: []string{"chrome-extension://abc"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, &clerk.RawRequest{Method: "PATCH", Path: "/instance", APIVersion: "2025-03-12",
		Body: map[string]any{"enhanced_email_deliverability": false}}, nil); err != nil {
		t.Fatal(err)
	}
	if s, err = c.BetaFeatures.UpdateInstanceSettings(ctx, nil); err != nil || s.EnhancedEmailDeliverability {
		t.Fatalf("enhanced_email_deliverability of PATCH /v1/instance: %+v %v", s, err)
	}
	err = c.InstanceSettings.Update(ctx, &clerk.InstanceSettingsUpdateParams{SupportEmail: clerk.NullableOf("not an address")})
	wantErr(t, "support_email", err, 422, "form_param_format_invalid", "support_email")
	if status, _ := rawJSON(t, srv, "PATCH", "/v1/instance", latestVersion,
		map[string]any{"preferred_sign_in_strategy_when_password_required": "otp"}); status != 204 {
		t.Fatalf("PATCH /v1/instance of %s: %d", latestVersion, status)
	}

	// The production domain: a development instance cannot change it.
	err = c.BetaFeatures.UpdateDomain(ctx, &clerk.BetaFeaturesUpdateDomainParams{HomeURL: clerk.Ptr("https://www.example.com")})
	wantErr(t, "update domain", err, 400, "domain_update_forbidden", "")
	err = c.BetaFeatures.ChangeProductionInstanceDomain(ctx, &clerk.BetaFeaturesChangeProductionInstanceDomainParams{
		HomeURL: clerk.Ptr("https://www.example.com")})
	wantErr(t, "change domain", err, 400, "domain_update_forbidden", "")
}

func TestOrganizationSettings(t *testing.T) { eachStore(t, testOrganizationSettings) }

func testOrganizationSettings(t *testing.T, srv *clerktest.Server) {
	ctx := context.Background()
	c := srv.Client
	o, err := c.InstanceSettings.UpdateOrganizationSettings(ctx, nil)
	if err != nil || !o.Enabled || o.MaxAllowedMemberships != 0 || o.CreatorRole != "org:admin" || !o.AdminDeleteEnabled ||
		o.DomainsDefaultRole != "org:member" || o.Object != "organization_settings" {
		t.Fatalf("default organization settings: %+v %v", o, err)
	}

	// The default limit of memberships applies to new organizations that
	// name none.
	if o, err = c.InstanceSettings.UpdateOrganizationSettings(ctx, &clerk.InstanceSettingsUpdateOrganizationSettingsParams{
		MaxAllowedMemberships: clerk.NullableOf[int64](2), DomainsEnrollmentModes: []string{"automatic_invitation"},
		AdminDeleteEnabled: clerk.NullableOf(false)}); err != nil ||
		o.MaxAllowedMemberships != 2 || !slices.Equal(o.DomainsEnrollmentModes, []string{"automatic_invitation"}) || o.AdminDeleteEnabled {
		t.Fatalf("organization settings: %+v %v", o, err)
	}
	ada := newUser(t, srv, "ada@example.com", "Ada")
	bob := newUser(t, srv, "bob@example.com", "Bob")
	cy := newUser(t, srv, "cy@example.com", "Cy")
	acme, err := c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Acme", CreatedBy: clerk.Ptr(ada.ID)})
	if err != nil || acme.MaxAllowedMemberships != 2 || acme.AdminDeleteEnabled {
		t.Fatalf("organization with the defaults: %+v %v", acme, err)
	}
	if _, err := c.OrganizationMemberships.Create(ctx, acme.ID, &clerk.OrganizationMembershipsCreateParams{UserID: bob.ID, Role: "org:member"}); err != nil {
		t.Fatal(err)
	}
	_, err = c.OrganizationMemberships.Create(ctx, acme.ID, &clerk.OrganizationMembershipsCreateParams{UserID: cy.ID, Role: "org:member"})
	wantErr(t, "third member of two", err, 403, "organization_membership_quota_exceeded", "")
	big, err := c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Big", MaxAllowedMemberships: clerk.Ptr[int64](0)})
	if err != nil || big.MaxAllowedMemberships != 0 {
		t.Fatalf("organization naming its limit: %+v %v", big, err)
	}
	_, err = c.InstanceSettings.UpdateOrganizationSettings(ctx, &clerk.InstanceSettingsUpdateOrganizationSettingsParams{
		DomainsEnrollmentModes: []string{"by_magic"}})
	wantErr(t, "unknown enrollment mode", err, 422, "form_param_format_invalid", "domains_enrollment_modes")

	// The creator's role.
	if o, err = c.InstanceSettings.UpdateOrganizationSettings(ctx, &clerk.InstanceSettingsUpdateOrganizationSettingsParams{
		CreatorRoleID: clerk.NullableOf("org:owner")}); err != nil || o.CreatorRole != "org:owner" {
		t.Fatalf("creator role: %+v %v", o, err)
	}
	owned, err := c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Owned", CreatedBy: clerk.Ptr(bob.ID)})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := c.OrganizationMemberships.List(ctx, owned.ID, nil)
	if err != nil || len(ms.Data) != 1 || ms.Data[0].Role != "org:owner" {
		t.Fatalf("creator's membership: %+v %v", ms, err)
	}
	_, err = c.InstanceSettings.UpdateOrganizationSettings(ctx, &clerk.InstanceSettingsUpdateOrganizationSettingsParams{CreatorRoleID: clerk.NullableOf("owner")})
	wantErr(t, "role not a key", err, 422, "form_param_value_invalid", "creator_role_id")

	// Slugs off (a later API version's setting): a slug given is refused;
	// the legacy versions' answers leave the later fields out.
	status, m := rawJSON(t, srv, "PATCH", "/v1/instance/organization_settings", latestVersion, map[string]any{"slug_disabled": true})
	if status != 200 || m["slug_disabled"] != true || m["max_allowed_domains"] == nil || m["max_allowed_memberships"] != 2.0 {
		t.Fatalf("slugs off: %d %v", status, m)
	}
	status, m = rawJSON(t, srv, "PATCH", "/v1/instance/organization_settings", "2021-02-05", map[string]any{})
	if _, ok := m["slug_disabled"]; status != 200 || ok || m["max_allowed_domains"] != nil || m["max_allowed_permissions"] == nil {
		t.Fatalf("organization settings of 2021-02-05: %d %v", status, m)
	}
	_, err = c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Slugged", Slug: clerk.Ptr("slugged")})
	wantErr(t, "slug while slugs are off", err, 403, "organization_slugs_disabled", "")
	plain, err := c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Plain"})
	if err != nil {
		t.Fatalf("no slug while slugs are off: %v", err)
	}
	_, err = c.Organizations.Update(ctx, plain.ID, &clerk.OrganizationsUpdateParams{Slug: clerk.NullableOf("new-slug")})
	wantErr(t, "slug update while slugs are off", err, 403, "organization_slugs_disabled", "")
	if _, err := c.Organizations.Update(ctx, plain.ID, &clerk.OrganizationsUpdateParams{Name: clerk.NullableOf("Plainer")}); err != nil {
		t.Fatalf("update without slug while slugs are off: %v", err)
	}

	// Organizations off.
	if o, err = c.InstanceSettings.UpdateOrganizationSettings(ctx, &clerk.InstanceSettingsUpdateOrganizationSettingsParams{
		Enabled: clerk.NullableOf(false)}); err != nil || o.Enabled || o.MaxAllowedMemberships != 2 || o.CreatorRole != "org:owner" {
		t.Fatalf("organizations off: %+v %v", o, err)
	}
	_, err = c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Off"})
	wantErr(t, "organizations off", err, 403, "organization_not_enabled_in_instance", "")
}

// TestSettingsPersist checks that the settings survive a restart of the
// server on the same database, on both stores.
func TestSettingsPersist(t *testing.T) {
	for name, db := range map[string]func() string{
		"sqlite":   func() string { return filepath.Join(t.TempDir(), "clerk.db") },
		"postgres": func() string { return pgtest.NewDatabase(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			database := db()
			first := clerktest.NewServer(t, clerktest.WithDatabase(database))
			if _, err := first.Client.InstanceSettings.UpdateRestrictions(ctx, &clerk.InstanceSettingsUpdateRestrictionsParams{
				Blocklist: clerk.NullableOf(true)}); err != nil {
				t.Fatal(err)
			}
			if _, err := first.Client.InstanceSettings.UpdateOrganizationSettings(ctx, &clerk.InstanceSettingsUpdateOrganizationSettingsParams{
				MaxAllowedMemberships: clerk.NullableOf[int64](9)}); err != nil {
				t.Fatal(err)
			}
			if _, err := first.Client.BetaFeatures.UpdateInstanceSettings(ctx, &clerk.BetaFeaturesUpdateInstanceSettingsParams{
				FromEmailAddress: clerk.NullableOf("kept")}); err != nil {
				t.Fatal(err)
			}
			if _, err := first.Client.AllowlistBlocklist.CreateBlocklistIdentifier(ctx, &clerk.AllowlistBlocklistCreateBlocklistIdentifierParams{
				Identifier: "gone@example.com"}); err != nil {
				t.Fatal(err)
			}
			second := clerktest.NewServer(t, clerktest.WithDatabase(database))
			c := second.Client
			if r, err := c.InstanceSettings.UpdateRestrictions(ctx, nil); err != nil || !r.Blocklist {
				t.Fatalf("restrictions after restart: %+v %v", r, err)
			}
			if o, err := c.InstanceSettings.UpdateOrganizationSettings(ctx, nil); err != nil || o.MaxAllowedMemberships != 9 {
				t.Fatalf("organization settings after restart: %+v %v", o, err)
			}
			if s, err := c.BetaFeatures.UpdateInstanceSettings(ctx, nil); err != nil || s.FromEmailAddress != "kept" {
				t.Fatalf("instance settings after restart: %+v %v", s, err)
			}
			_, err := c.Users.Create(ctx, &clerk.UsersCreateParams{EmailAddress: []string{"Gone@Example.com"}})
			wantErr(t, "blocklisted after restart", err, 403, "not_allowed_access", "")
		})
	}
}

// TestSettingsAnswersMatchEveryAPIVersion runs every operation of these
// groups under each API version; the server checks each answer against
// that version's spec (clerktest fails the test otherwise).
func TestSettingsAnswersMatchEveryAPIVersion(t *testing.T) {
	for _, version := range []string{"2021-02-05", "2024-10-01", "2025-03-12", "2025-04-10", "2025-11-10", latestVersion} {
		t.Run(version, func(t *testing.T) {
			srv := clerktest.NewServer(t)
			ctx := context.Background()
			c, err := clerk.NewClient(srv.SecretKey, clerk.WithServerURL(srv.URL+"/v1"), clerk.WithAPIVersion(version), clerk.WithoutRetries())
			if err != nil {
				t.Fatal(err)
			}
			a, err := c.AllowlistBlocklist.CreateAllowlistIdentifier(ctx, &clerk.AllowlistBlocklistCreateAllowlistIdentifierParams{Identifier: "*@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			b, err := c.AllowlistBlocklist.CreateBlocklistIdentifier(ctx, &clerk.AllowlistBlocklistCreateBlocklistIdentifierParams{Identifier: "x@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			steps := []func() error{
				func() error { _, err := c.AllowlistBlocklist.ListAllowlistIdentifiers(ctx, nil); return err },
				func() error {
					if status, _ := idnRequest(t, srv, "GET", "/v1/allowlist_identifiers", version, nil); status != 200 {
						t.Errorf("bare allowlist: %d", status)
					}
					return nil
				},
				func() error { _, err := c.BlocklistIdentifiers.List(ctx); return err },
				func() error {
					_, err := c.InstanceSettings.UpdateRestrictions(ctx, &clerk.InstanceSettingsUpdateRestrictionsParams{Allowlist: clerk.NullableOf(true)})
					return err
				},
				func() error {
					_, err := c.InstanceSettings.UpdateOrganizationSettings(ctx, &clerk.InstanceSettingsUpdateOrganizationSettingsParams{
						MaxAllowedMemberships: clerk.NullableOf[int64](3)})
					return err
				},
				func() error {
					_, err := c.BetaFeatures.UpdateInstanceSettings(ctx, &clerk.BetaFeaturesUpdateInstanceSettingsParams{ProgressiveSignUp: clerk.NullableOf(true)})
					return err
				},
				func() error {
					return c.InstanceSettings.Update(ctx, &clerk.InstanceSettingsUpdateParams{HIBP: clerk.NullableOf(false)})
				},
				func() error { _, err := c.AllowlistIdentifiers.Delete(ctx, a.ID); return err },
				func() error { _, err := c.AllowlistBlocklist.DeleteBlocklistIdentifier(ctx, b.ID); return err },
			}
			for i, step := range steps {
				if err := step(); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
		})
	}
}

// TestSettingsConcurrentFirstChanges: the first changes of a new
// instance's settings, concurrent, all succeed and none is lost.
func TestSettingsConcurrentFirstChanges(t *testing.T) {
	eachStore(t, func(t *testing.T, srv *clerktest.Server) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := srv.Client.InstanceSettings.UpdateRestrictions(ctx, &clerk.InstanceSettingsUpdateRestrictionsParams{Blocklist: clerk.NullableOf(true)})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := srv.Client.InstanceSettings.UpdateOrganizationSettings(ctx, &clerk.InstanceSettingsUpdateOrganizationSettingsParams{
				MaxAllowedMemberships: clerk.NullableOf[int64](4)})
			errs <- err
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		r, err := srv.Client.InstanceSettings.UpdateRestrictions(ctx, nil)
		if err != nil || !r.Blocklist {
			t.Fatalf("restrictions: %+v %v", r, err)
		}
		o, err := srv.Client.InstanceSettings.UpdateOrganizationSettings(ctx, nil)
		if err != nil || o.MaxAllowedMemberships != 4 {
			t.Fatalf("organization settings: %+v %v", o, err)
		}
	})
}
