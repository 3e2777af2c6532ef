package clerktest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/auth"
	"github.com/clerkgo/clerk/clerktest"
	"github.com/clerkgo/clerk/emulator/store/postgres/pgtest"
)

// wantErr fails t unless err is an API error with this status and code
// (and param_name, when param is not "").
func wantErr(t *testing.T, what string, err error, status int, code, param string) {
	t.Helper()
	gotStatus, gotCode, gotParam := apiError(err)
	if gotStatus != status || gotCode != code || (param != "" && gotParam != param) {
		t.Fatalf("%s: got %d %s %v (%v), want %d %s %s", what, gotStatus, gotCode, gotParam, err, status, code, param)
	}
}

func newUser(t *testing.T, srv *clerktest.Server, email, first string) *clerk.User {
	t.Helper()
	return srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{email}, FirstName: clerk.Ptr(first)})
}

func membersCount(t *testing.T, c *clerk.Client, orgID string) int64 {
	t.Helper()
	// clerk.Organization.MembersCount is no pointer: this reads the answer
	// as it is, to see that members_count is there.
	var org struct {
		ID           string `json:"id"`
		MembersCount *int64 `json:"members_count"`
	}
	err := c.Do(context.Background(), &clerk.RawRequest{Method: "GET", Path: "/organizations/" + url.PathEscape(orgID),
		Query: url.Values{"include_members_count": {"true"}}}, &org)
	if err != nil || org.ID != orgID || org.MembersCount == nil {
		t.Fatalf("get with members count: %+v %v", org, err)
	}
	return *org.MembersCount
}

func TestOrganizationsThroughTheSDK(t *testing.T) { eachStore(t, testOrganizationsThroughTheSDK) }

func testOrganizationsThroughTheSDK(t *testing.T, srv *clerktest.Server) {
	ctx := context.Background()
	c := srv.Client
	ada := newUser(t, srv, "ada@example.com", "Ada")

	org, err := c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Acme Rockets, Inc.", CreatedBy: clerk.Ptr(ada.ID),
		PublicMetadata: map[string]any{"plan": "pro", "nested": map[string]any{"a": 1.0, "b": 2.0}}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(org.ID, "org_") || org.Slug != "acme-rockets-inc" || org.Name != "Acme Rockets, Inc." ||
		org.CreatedBy != ada.ID || org.MaxAllowedMemberships != 0 || org.PublicMetadata["plan"] != "pro" {
		t.Fatalf("created %+v", org)
	}
	if n := membersCount(t, c, org.ID); n != 1 {
		t.Fatalf("members count %d, want 1 (the creator)", n)
	}
	ms, err := c.Users.GetOrganizationMemberships(ctx, ada.ID, nil)
	if err != nil || ms.TotalCount != 1 || ms.Data[0].Role != "org:admin" || ms.Data[0].Organization.ID != org.ID ||
		!slices.Contains(ms.Data[0].Permissions, "org:sys_memberships:manage") || ms.Data[0].PublicUserData.UserID != ada.ID {
		t.Fatalf("creator's memberships: %+v %v", ms, err)
	}

	// Get by ID and by slug.
	for _, key := range []string{org.ID, org.Slug} {
		if got, err := c.Organizations.Get(ctx, key, nil); err != nil || got.ID != org.ID {
			t.Fatalf("get %s: %+v %v", key, got, err)
		}
	}
	_, err = c.Organizations.Get(ctx, "org_nope", nil)
	wantErr(t, "get unknown", err, 404, "resource_not_found", "")

	// Slugs: unique, validated; a generated one is suffixed when taken.
	_, err = c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Other", Slug: clerk.Ptr("acme-rockets-inc")})
	wantErr(t, "duplicate slug", err, 422, "form_identifier_exists", "slug")
	_, err = c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Other", Slug: clerk.Ptr("Not A Slug")})
	wantErr(t, "bad slug", err, 422, "form_param_format_invalid", "slug")
	twin, err := c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "ACME rockets inc"})
	if err != nil || !strings.HasPrefix(twin.Slug, "acme-rockets-inc-") || twin.CreatedBy != "" {
		t.Fatalf("twin: %+v %v", twin, err)
	}
	_, err = c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "X", CreatedBy: clerk.Ptr("user_nope")})
	wantErr(t, "unknown creator", err, 400, "organization_creator_not_found", "created_by")
	_, err = c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "  "})
	wantErr(t, "no name", err, 422, "form_param_missing", "name")

	// Update, metadata merge (deep; null removes).
	up, err := c.Organizations.Update(ctx, org.ID, &clerk.OrganizationsUpdateParams{Name: clerk.NullableOf("Acme"),
		Slug: clerk.NullableOf("acme"), MaxAllowedMemberships: clerk.NullableOf[int64](3)})
	if err != nil || up.Name != "Acme" || up.Slug != "acme" || up.MaxAllowedMemberships != 3 || up.PublicMetadata["plan"] != "pro" {
		t.Fatalf("update: %+v %v", up, err)
	}
	_, err = c.Organizations.Update(ctx, twin.ID, &clerk.OrganizationsUpdateParams{Slug: clerk.NullableOf("acme")})
	wantErr(t, "update to a taken slug", err, 422, "form_identifier_exists", "slug")
	merged, err := c.Organizations.MergeMetadata(ctx, org.ID, &clerk.OrganizationsMergeMetadataParams{
		PublicMetadata: map[string]any{"plan": nil, "nested": map[string]any{"b": nil, "c": 3.0}}})
	if err != nil || merged.PublicMetadata["plan"] != nil || fmt.Sprint(merged.PublicMetadata["nested"]) != "map[a:1 c:3]" {
		t.Fatalf("merge: %+v %v", merged, err)
	}

	// Lists: query on name/slug/ID, order_by name and members_count.
	list, err := c.Organizations.List(ctx, &clerk.OrganizationsListParams{Query: clerk.Ptr("ROCKETS")})
	if err != nil || list.TotalCount != 1 || list.Data[0].ID != twin.ID {
		t.Fatalf("query: %+v %v", list, err)
	}
	list, err = c.Organizations.List(ctx, &clerk.OrganizationsListParams{OrderBy: clerk.Ptr("+name"), IncludeMembersCount: clerk.Ptr(true)})
	if err != nil || list.TotalCount != 2 || list.Data[0].ID != org.ID || list.Data[0].MembersCount != 1 || list.Data[1].MembersCount != 0 {
		t.Fatalf("by name: %+v %v", list, err)
	}
	list, err = c.Organizations.List(ctx, &clerk.OrganizationsListParams{OrderBy: clerk.Ptr("members_count")})
	if err != nil || list.Data[0].ID != org.ID {
		t.Fatalf("by members count, most first: %+v %v", list, err)
	}
	_, err = c.Organizations.List(ctx, &clerk.OrganizationsListParams{OrderBy: clerk.Ptr("slug")})
	wantErr(t, "bad order", err, 422, "form_param_format_invalid", "order_by")

	// Logo.
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 32)...)
	logo, err := c.Organizations.UploadLogo(ctx, org.ID, &clerk.OrganizationsUploadLogoParams{
		File: clerk.File{Name: "logo.png", ContentType: "image/png", Body: bytes.NewReader(png)}})
	if err != nil || !logo.HasImage || logo.LogoURL == "" || logo.ImageURL != logo.LogoURL {
		t.Fatalf("logo: %+v %v", logo, err)
	}
	if _, err := c.Organizations.DeleteLogo(ctx, org.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Organizations.DeleteLogo(ctx, org.ID)
	wantErr(t, "delete a missing logo", err, 404, "resource_not_found", "")

	// Delete: memberships go with it.
	del, err := c.Organizations.Delete(ctx, org.ID)
	if err != nil || !del.Deleted || del.ID != org.ID {
		t.Fatalf("delete: %+v %v", del, err)
	}
	ms, err = c.Users.GetOrganizationMemberships(ctx, ada.ID, nil)
	if err != nil || ms.TotalCount != 0 || len(ms.Data) != 0 {
		t.Fatalf("memberships after delete: %+v %v", ms, err)
	}
	_, err = c.Organizations.Delete(ctx, org.ID)
	wantErr(t, "delete twice", err, 404, "resource_not_found", "")
}

func TestOrganizationMembershipsThroughTheSDK(t *testing.T) {
	eachStore(t, testOrganizationMembershipsThroughTheSDK)
}

func testOrganizationMembershipsThroughTheSDK(t *testing.T, srv *clerktest.Server) {
	ctx := context.Background()
	c := srv.Client
	ada := newUser(t, srv, "ada@example.com", "Ada")
	bob := newUser(t, srv, "bob@example.com", "Bob")
	cy := newUser(t, srv, "cy@example.com", "Cy")
	org, err := c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Acme", CreatedBy: clerk.Ptr(ada.ID),
		MaxAllowedMemberships: clerk.Ptr[int64](3)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.OrganizationMemberships.Create(ctx, org.ID, &clerk.OrganizationMembershipsCreateParams{UserID: bob.ID, Role: "org:member"})
	if err != nil || m.Role != "org:member" || m.RoleName != "Member" || m.PublicUserData.UserID != bob.ID ||
		*m.PublicUserData.FirstName != "Bob" || *m.PublicUserData.Identifier != "bob@example.com" || m.Organization.ID != org.ID {
		t.Fatalf("create: %+v %v", m, err)
	}
	_, err = c.OrganizationMemberships.Create(ctx, org.ID, &clerk.OrganizationMembershipsCreateParams{UserID: bob.ID, Role: "org:member"})
	wantErr(t, "twice", err, 400, "already_a_member_in_organization", "")
	_, err = c.OrganizationMemberships.Create(ctx, org.ID, &clerk.OrganizationMembershipsCreateParams{UserID: cy.ID, Role: "admin"})
	wantErr(t, "role without org:", err, 422, "form_param_value_invalid", "role")
	_, err = c.OrganizationMemberships.Create(ctx, org.ID, &clerk.OrganizationMembershipsCreateParams{UserID: "user_nope", Role: "org:member"})
	wantErr(t, "unknown user", err, 404, "resource_not_found", "")

	// The limit counts pending invitations: 2 members + 1 invitation = 3.
	if _, err := c.OrganizationInvitations.Create(ctx, org.ID, &clerk.OrganizationInvitationsCreateParams{
		EmailAddress: "dee@example.com", Role: "org:member"}); err != nil {
		t.Fatal(err)
	}
	_, err = c.OrganizationMemberships.Create(ctx, org.ID, &clerk.OrganizationMembershipsCreateParams{UserID: cy.ID, Role: "org:viewer"})
	wantErr(t, "over the limit", err, 403, "organization_membership_quota_exceeded", "")
	if _, err := c.Organizations.Update(ctx, org.ID, &clerk.OrganizationsUpdateParams{MaxAllowedMemberships: clerk.Null[int64]()}); err != nil {
		t.Fatal(err)
	}
	custom, err := c.OrganizationMemberships.Create(ctx, org.ID, &clerk.OrganizationMembershipsCreateParams{UserID: cy.ID, Role: "org:billing_viewer"})
	if err != nil || custom.RoleName != "Billing viewer" || len(custom.Permissions) != 0 {
		t.Fatalf("custom role: %+v %v", custom, err)
	}

	// List, ordered by the members' names.
	list, err := c.OrganizationMemberships.List(ctx, org.ID, &clerk.OrganizationMembershipsListParams{OrderBy: clerk.Ptr("+first_name")})
	if err != nil || list.TotalCount != 3 || *list.Data[0].PublicUserData.FirstName != "Ada" || *list.Data[2].PublicUserData.FirstName != "Cy" {
		t.Fatalf("list: %+v %v", list, err)
	}
	list, err = c.OrganizationMemberships.List(ctx, org.ID, &clerk.OrganizationMembershipsListParams{OrderBy: clerk.Ptr("-first_name"), Limit: clerk.Ptr[int64](1), Offset: clerk.Ptr[int64](1)})
	if err != nil || list.TotalCount != 3 || len(list.Data) != 1 || *list.Data[0].PublicUserData.FirstName != "Bob" {
		t.Fatalf("page: %+v %v", list, err)
	}

	// Update role and metadata; a renamed user shows renamed.
	up, err := c.OrganizationMemberships.Update(ctx, org.ID, bob.ID, &clerk.OrganizationMembershipsUpdateParams{Role: "org:admin"})
	if err != nil || up.Role != "org:admin" || up.RoleName != "Admin" {
		t.Fatalf("update: %+v %v", up, err)
	}
	md, err := c.OrganizationMemberships.UpdateMetadata(ctx, org.ID, bob.ID, &clerk.OrganizationMembershipsUpdateMetadataParams{
		PublicMetadata: map[string]any{"team": "rockets"}})
	if err != nil || md.PublicMetadata["team"] != "rockets" {
		t.Fatalf("metadata: %+v %v", md, err)
	}
	if _, err := c.Users.Update(ctx, bob.ID, &clerk.UsersUpdateParams{FirstName: clerk.NullableOf("Robert")}); err != nil {
		t.Fatal(err)
	}
	all, err := c.OrganizationMemberships.GetAll(ctx, &clerk.OrganizationMembershipsGetAllParams{OrderBy: clerk.Ptr("+first_name")})
	if err != nil || all.TotalCount != 3 || *all.Data[2].PublicUserData.FirstName != "Robert" {
		t.Fatalf("all: %+v %v", all, err)
	}

	// The user list's organization_id filter.
	users, err := c.Users.List(ctx, &clerk.UsersListParams{OrganizationID: []string{org.ID}, OrderBy: clerk.Ptr("+first_name")})
	if err != nil || len(users) != 3 || users[0].ID != ada.ID {
		t.Fatalf("users of the organization: %+v %v", users, err)
	}

	// Delete a membership; deleting a user takes theirs; the count follows.
	del, err := c.OrganizationMemberships.Delete(ctx, org.ID, cy.ID)
	if err != nil || del.ID != custom.ID {
		t.Fatalf("delete: %+v %v", del, err)
	}
	_, err = c.OrganizationMemberships.Delete(ctx, org.ID, cy.ID)
	wantErr(t, "delete twice", err, 404, "resource_not_found", "")
	if _, err := c.Users.Delete(ctx, bob.ID); err != nil {
		t.Fatal(err)
	}
	if n := membersCount(t, c, org.ID); n != 1 {
		t.Fatalf("members count %d after a membership and a user were deleted, want 1", n)
	}
}

func TestOrganizationInvitationsThroughTheSDK(t *testing.T) {
	eachStore(t, testOrganizationInvitationsThroughTheSDK)
}

func testOrganizationInvitationsThroughTheSDK(t *testing.T, srv *clerktest.Server) {
	ctx := context.Background()
	c := srv.Client
	ada := newUser(t, srv, "ada@example.com", "Ada")
	org, err := c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Acme", CreatedBy: clerk.Ptr(ada.ID)})
	if err != nil {
		t.Fatal(err)
	}
	inv, err := c.OrganizationInvitations.Create(ctx, org.ID, &clerk.OrganizationInvitationsCreateParams{
		EmailAddress: "Bob@Example.com", Role: "org:member", InviterUserID: &ada.ID, PublicMetadata: map[string]any{"k": "v"}})
	if err != nil || inv.Status != "pending" || inv.EmailAddress != "bob@example.com" || inv.OrganizationID != org.ID || inv.RoleName != "Member" {
		t.Fatalf("create: %+v %v", inv, err)
	}
	_, err = c.OrganizationInvitations.Create(ctx, org.ID, &clerk.OrganizationInvitationsCreateParams{EmailAddress: "bob@example.com", Role: "org:admin"})
	wantErr(t, "second pending", err, 400, "organization_invitation_not_unique", "")

	// Bulk: all or nothing.
	_, err = c.OrganizationInvitations.BulkCreate(ctx, org.ID, []clerk.OrganizationInvitationsBulkCreateParams{
		{EmailAddress: "cy@example.com", Role: "org:member"}, {EmailAddress: "bob@example.com", Role: "org:member"}})
	wantErr(t, "bulk with a duplicate", err, 400, "organization_invitation_not_unique", "")
	bulk, err := c.OrganizationInvitations.BulkCreate(ctx, org.ID, []clerk.OrganizationInvitationsBulkCreateParams{
		{EmailAddress: "cy@example.com", Role: "org:member"}, {EmailAddress: "dee@example.com", Role: "org:member"}})
	if err != nil || bulk.TotalCount != 2 {
		t.Fatalf("bulk: %+v %v", bulk, err)
	}

	got, err := c.OrganizationInvitations.Get(ctx, org.ID, inv.ID)
	if err != nil || got.ID != inv.ID || got.PublicMetadata["k"] != "v" {
		t.Fatalf("get: %+v %v", got, err)
	}
	rev, err := c.OrganizationInvitations.Revoke(ctx, org.ID, inv.ID, nil)
	if err != nil || rev.Status != "revoked" {
		t.Fatalf("revoke: %+v %v", rev, err)
	}
	_, err = c.OrganizationInvitations.Revoke(ctx, org.ID, inv.ID, nil)
	wantErr(t, "revoke twice", err, 404, "organization_invitation_not_pending", "")

	pending, err := c.OrganizationInvitations.ListPending(ctx, org.ID, nil)
	if err != nil || pending.TotalCount != 2 {
		t.Fatalf("pending: %+v %v", pending, err)
	}
	revoked, err := c.OrganizationInvitations.List(ctx, org.ID, &clerk.OrganizationInvitationsListParams{Status: clerk.Ptr("revoked")})
	if err != nil || revoked.TotalCount != 1 || revoked.Data[0].ID != inv.ID {
		t.Fatalf("revoked: %+v %v", revoked, err)
	}
	// A revoked invitation frees its address.
	if _, err := c.OrganizationInvitations.Create(ctx, org.ID, &clerk.OrganizationInvitationsCreateParams{EmailAddress: "bob@example.com", Role: "org:member"}); err != nil {
		t.Fatal(err)
	}
	all, err := c.OrganizationInvitations.GetAll(ctx, &clerk.OrganizationInvitationsGetAllParams{Status: clerk.Ptr("pending")})
	if err != nil || all.TotalCount != 3 || all.Data[0].PublicOrganizationData == nil || all.Data[0].PublicOrganizationData.Name != "Acme" {
		t.Fatalf("all: %+v %v", all, err)
	}
	org2, err := c.Organizations.Get(ctx, org.ID, &clerk.OrganizationsGetParams{IncludeMembersCount: clerk.Ptr(true)})
	if err != nil || org2.MembersCount != 1 {
		t.Fatalf("org: %+v %v", org2, err)
	}

	// A user's invitations are those of its email addresses.
	bob := newUser(t, srv, "bob@example.com", "Bob")
	mine, err := c.Users.GetOrganizationInvitations(ctx, bob.ID, nil)
	if err != nil || mine.TotalCount != 2 || mine.Data[0].Status != "pending" || mine.Data[1].Status != "revoked" {
		t.Fatalf("bob's invitations: %+v %v", mine, err)
	}
}

func TestInvitationsThroughTheSDK(t *testing.T) { eachStore(t, testInvitationsThroughTheSDK) }

func testInvitationsThroughTheSDK(t *testing.T, srv *clerktest.Server) {
	ctx := context.Background()
	c := srv.Client
	newUser(t, srv, "ada@example.com", "Ada")
	inv, err := c.Invitations.Create(ctx, &clerk.InvitationsCreateParams{EmailAddress: "Bob@Example.com",
		RedirectURL: clerk.Ptr("https://app.example.com/accept"), PublicMetadata: map[string]any{"plan": "pro"}})
	if err != nil || inv.Status != "pending" || inv.EmailAddress != "bob@example.com" ||
		!strings.HasPrefix(inv.URL, "https://app.example.com/accept?__clerk_ticket=") || inv.ExpiresAt == nil ||
		*inv.ExpiresAt-inv.CreatedAt != 30*24*3600*1000 {
		t.Fatalf("create: %+v %v", inv, err)
	}
	_, err = c.Invitations.Create(ctx, &clerk.InvitationsCreateParams{EmailAddress: "bob@example.com"})
	wantErr(t, "duplicate pending", err, 400, "duplicate_record", "")
	_, err = c.Invitations.Create(ctx, &clerk.InvitationsCreateParams{EmailAddress: "ada@example.com"})
	wantErr(t, "a user's address", err, 422, "form_identifier_exists", "email_address")
	again, err := c.Invitations.Create(ctx, &clerk.InvitationsCreateParams{EmailAddress: "bob@example.com", IgnoreExisting: clerk.Ptr(true),
		ExpiresInDays: clerk.Ptr[int64](2)})
	if err != nil || again.ID == inv.ID || *again.ExpiresAt-again.CreatedAt != 2*24*3600*1000 {
		t.Fatalf("ignore_existing: %+v %v", again, err)
	}
	rev, err := c.Invitations.Revoke(ctx, inv.ID)
	if err != nil || !rev.Revoked || rev.Status != "revoked" {
		t.Fatalf("revoke: %+v %v", rev, err)
	}
	_, err = c.Invitations.Revoke(ctx, inv.ID)
	wantErr(t, "revoke twice", err, 400, "invitation_already_revoked", "")
	list, err := c.Invitations.List(ctx, &clerk.InvitationsListParams{Status: clerk.Ptr("pending")})
	if err != nil || list.TotalCount != 1 || list.Data[0].ID != again.ID {
		t.Fatalf("pending: %+v %v", list, err)
	}
}

func TestOrganizationDomainsThroughTheSDK(t *testing.T) {
	eachStore(t, testOrganizationDomainsThroughTheSDK)
}

func testOrganizationDomainsThroughTheSDK(t *testing.T, srv *clerktest.Server) {
	ctx := context.Background()
	c := srv.Client
	org, err := c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.OrganizationDomains.Create(ctx, org.ID, &clerk.OrganizationDomainsCreateParams{Name: clerk.Ptr("Acme.com"),
		EnrollmentMode: clerk.Ptr("automatic_invitation"), Verified: clerk.Ptr(true)})
	if err != nil || d.Name != "acme.com" || d.EnrollmentMode != "automatic_invitation" || d.Verification.Status != "verified" {
		t.Fatalf("create: %+v %v", d, err)
	}
	_, err = c.OrganizationDomains.Create(ctx, org.ID, &clerk.OrganizationDomainsCreateParams{Name: clerk.Ptr("acme.com")})
	wantErr(t, "same organization", err, 422, "organization_domain_already_exists_same_organization", "")
	_, err = c.OrganizationDomains.Create(ctx, other.ID, &clerk.OrganizationDomainsCreateParams{Name: clerk.Ptr("acme.com")})
	wantErr(t, "other organization", err, 422, "organization_domain_already_exists", "")
	_, err = c.OrganizationDomains.Create(ctx, org.ID, &clerk.OrganizationDomainsCreateParams{Name: clerk.Ptr("not a domain")})
	wantErr(t, "bad name", err, 422, "form_param_format_invalid", "name")
	if _, err := c.OrganizationDomains.Create(ctx, org.ID, &clerk.OrganizationDomainsCreateParams{Name: clerk.Ptr("acme.dev")}); err != nil {
		t.Fatal(err)
	}
	up, err := c.OrganizationDomain.Update(ctx, org.ID, d.ID, &clerk.OrganizationDomainUpdateParams{
		EnrollmentMode: clerk.NullableOf("manual_invitation"), Verified: clerk.NullableOf(false)})
	if err != nil || up.EnrollmentMode != "manual_invitation" || up.Verification.Status != "unverified" {
		t.Fatalf("update: %+v %v", up, err)
	}
	list, err := c.OrganizationDomains.List(ctx, org.ID, &clerk.OrganizationDomainsListParams{Verified: clerk.Ptr(false)})
	if err != nil || list.TotalCount != 2 {
		t.Fatalf("list: %+v %v", list, err)
	}
	if _, err := c.OrganizationDomains.Delete(ctx, org.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.OrganizationDomains.Delete(ctx, other.ID, d.ID)
	wantErr(t, "delete from another organization", err, 404, "resource_not_found", "")
}

// TestOrganizationLimitsHoldUnderConcurrency: 50 concurrent membership
// creates into an organization of at most 10 members give exactly 10
// members (the creator counts), and 20 concurrent creates with one slug
// give one organization.
func TestOrganizationLimitsHoldUnderConcurrency(t *testing.T) {
	eachStore(t, testOrganizationLimitsHoldUnderConcurrency)
}

func testOrganizationLimitsHoldUnderConcurrency(t *testing.T, srv *clerktest.Server) {
	ctx := context.Background()
	c := srv.Client
	creator := newUser(t, srv, "creator@example.com", "Creator")
	org, err := c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Small", CreatedBy: clerk.Ptr(creator.ID),
		MaxAllowedMemberships: clerk.Ptr[int64](10)})
	if err != nil {
		t.Fatal(err)
	}
	users := make([]*clerk.User, 50)
	for i := range users {
		users[i] = newUser(t, srv, fmt.Sprintf("u%d@example.com", i), "U")
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, full := 0, 0
	for _, u := range users {
		wg.Go(func() {
			_, err := c.OrganizationMemberships.Create(ctx, org.ID, &clerk.OrganizationMembershipsCreateParams{UserID: u.ID, Role: "org:member"})
			status, code, _ := apiError(err)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case status == 403 && code == "organization_membership_quota_exceeded":
				full++
			default:
				t.Errorf("unexpected: %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 9 || full != 41 || membersCount(t, c, org.ID) != 10 {
		t.Fatalf("%d added, %d refused, members count %d; want 9, 41, 10", ok, full, membersCount(t, c, org.ID))
	}
	list, err := c.OrganizationMemberships.List(ctx, org.ID, &clerk.OrganizationMembershipsListParams{Limit: clerk.Ptr[int64](100)})
	if err != nil || list.TotalCount != 10 {
		t.Fatalf("listed %+v %v", list, err)
	}

	created := 0
	for range 20 {
		wg.Go(func() {
			_, err := c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Race", Slug: clerk.Ptr("race")})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				created++
			} else if _, code, _ := apiError(err); code != "form_identifier_exists" {
				t.Errorf("unexpected: %v", err)
			}
		})
	}
	wg.Wait()
	if created != 1 {
		t.Fatalf("%d organizations created with one slug, want 1", created)
	}
}

// TestOrganizationAnswersMatchEveryAPIVersion runs the organization
// operations with each API version: clerktest checks every answer against
// the spec of the version the request names (the later ones require, say,
// an invitation's url and expires_at, an organization's has_image).
func TestOrganizationAnswersMatchEveryAPIVersion(t *testing.T) {
	for _, version := range []string{"2021-02-05", "2024-10-01", "2025-03-12", "2025-04-10", "2025-11-10", "2026-05-12"} {
		t.Run(version, func(t *testing.T) {
			srv := clerktest.NewServer(t)
			ctx := context.Background()
			c, err := clerk.NewClient(srv.SecretKey, clerk.WithServerURL(srv.URL+"/v1"), clerk.WithAPIVersion(version), clerk.WithoutRetries())
			if err != nil {
				t.Fatal(err)
			}
			ada := newUser(t, srv, "ada@example.com", "Ada")
			bob := newUser(t, srv, "bob@example.com", "Bob")
			org, err := c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Acme", CreatedBy: clerk.Ptr(ada.ID)})
			if err != nil {
				t.Fatal(err)
			}
			steps := []func() error{
				func() error {
					_, err := c.Organizations.Get(ctx, org.ID, &clerk.OrganizationsGetParams{IncludeMembersCount: clerk.Ptr(true)})
					return err
				},
				func() error {
					_, err := c.Organizations.List(ctx, &clerk.OrganizationsListParams{IncludeMembersCount: clerk.Ptr(true)})
					return err
				},
				func() error {
					_, err := c.OrganizationMemberships.Create(ctx, org.ID, &clerk.OrganizationMembershipsCreateParams{UserID: bob.ID, Role: "org:member"})
					return err
				},
				func() error { _, err := c.OrganizationMemberships.List(ctx, org.ID, nil); return err },
				func() error { _, err := c.OrganizationMemberships.GetAll(ctx, nil); return err },
				func() error { _, err := c.Users.GetOrganizationMemberships(ctx, bob.ID, nil); return err },
				func() error {
					_, err := c.OrganizationInvitations.Create(ctx, org.ID, &clerk.OrganizationInvitationsCreateParams{
						EmailAddress: "bob@example.com", Role: "org:member", InviterUserID: &ada.ID})
					return err
				},
				func() error { _, err := c.OrganizationInvitations.List(ctx, org.ID, nil); return err },
				func() error { _, err := c.OrganizationInvitations.GetAll(ctx, nil); return err },
				func() error { _, err := c.Users.GetOrganizationInvitations(ctx, bob.ID, nil); return err },
				func() error {
					_, err := c.OrganizationDomains.Create(ctx, org.ID, &clerk.OrganizationDomainsCreateParams{Name: clerk.Ptr("acme.com")})
					return err
				},
				func() error { _, err := c.OrganizationDomains.List(ctx, org.ID, nil); return err },
				func() error {
					_, err := c.Invitations.Create(ctx, &clerk.InvitationsCreateParams{EmailAddress: "cy@example.com"})
					return err
				},
				func() error { _, err := c.Invitations.List(ctx, nil); return err },
				func() error { _, err := c.OrganizationMemberships.Delete(ctx, org.ID, bob.ID); return err },
				func() error { _, err := c.Organizations.Delete(ctx, org.ID); return err },
			}
			for i, step := range steps {
				if err := step(); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
		})
	}
}

// TestSessionTokensCarryTheActiveOrganization: a session with an active
// organization mints tokens whose claims (v1 and v2) the auth package
// reads back as the member's organization, role and permissions; a role
// change shows in the next token; templates render org shortcodes.
func TestSessionTokensCarryTheActiveOrganization(t *testing.T) {
	eachStore(t, testSessionTokensCarryTheActiveOrganization)
}

func testSessionTokensCarryTheActiveOrganization(t *testing.T, srv *clerktest.Server) {
	ctx := context.Background()
	c := srv.Client
	ada := newUser(t, srv, "ada@example.com", "Ada")
	bob := newUser(t, srv, "bob@example.com", "Bob")
	org, err := c.Organizations.Create(ctx, &clerk.OrganizationsCreateParams{Name: "Acme", Slug: clerk.Ptr("acme"), CreatedBy: clerk.Ptr(ada.ID),
		PublicMetadata: map[string]any{"tier": "gold"}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(srv.AuthOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, version := range []string{"v1", "v2"} {
		opts := []clerktest.TokenOption{clerktest.WithActiveOrganization(org.ID)}
		if version == "v2" {
			opts = append(opts, clerktest.WithTokenVersion2())
		}
		claims, err := v.Verify(ctx, srv.SessionToken(t, ada.ID, opts...))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"org:sys_profile:manage", "org:sys_profile:delete", "org:sys_memberships:read",
			"org:sys_memberships:manage", "org:sys_domains:read", "org:sys_domains:manage"}
		got := slices.Clone(claims.OrgPermissions)
		slices.Sort(got)
		slices.Sort(want)
		if claims.OrgID != org.ID || claims.OrgSlug != "acme" || claims.OrgRole != "org:admin" || !slices.Equal(got, want) ||
			!claims.HasPermission("org:sys_memberships:manage") {
			t.Fatalf("%s claims: %+v", version, claims)
		}
	}
	// Not a member: refused.
	_, err = srv.Client.Organizations.Get(ctx, org.ID, nil) // (the server is up)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := v.Verify(ctx, srv.SessionToken(t, bob.ID))
	if err != nil || plain.OrgID != "" {
		t.Fatalf("no organization: %+v %v", plain, err)
	}

	// Through the API (POST /v1/sessions with active_organization_id), a
	// role change shows in the next token.
	if _, err := c.OrganizationMemberships.Create(ctx, org.ID, &clerk.OrganizationMembershipsCreateParams{UserID: bob.ID, Role: "org:member"}); err != nil {
		t.Fatal(err)
	}
	sessID := postJSON(t, srv, "/v1/sessions", `{"user_id":"`+bob.ID+`","active_organization_id":"`+org.ID+`"}`)["id"].(string)
	token := func() *auth.Claims {
		jwt := postJSON(t, srv, "/v1/sessions/"+sessID+"/tokens", `{}`)["jwt"].(string)
		claims, err := v.Verify(ctx, jwt)
		if err != nil {
			t.Fatal(err)
		}
		return claims
	}
	if got := token(); got.OrgRole != "org:member" || !slices.Equal(got.OrgPermissions, []string{"org:sys_memberships:read"}) {
		t.Fatalf("member's token: %+v", got)
	}
	if _, err := c.OrganizationMemberships.Update(ctx, org.ID, bob.ID, &clerk.OrganizationMembershipsUpdateParams{Role: "org:admin"}); err != nil {
		t.Fatal(err)
	}
	if got := token(); got.OrgRole != "org:admin" || len(got.OrgPermissions) != 6 {
		t.Fatalf("after the role change: %+v", got)
	}
	status, body := post(t, srv, "/v1/sessions", `{"user_id":"`+newUser(t, srv, "cy@example.com", "Cy").ID+`","active_organization_id":"`+org.ID+`"}`)
	if status != 403 || !strings.Contains(body, "not_a_member_in_organization") {
		t.Fatalf("a non-member's session: %d %s", status, body)
	}

	// Template shortcodes.
	if _, err := c.JWTTemplates.Create(ctx, &clerk.JWTTemplatesCreateParams{Name: "org", Claims: map[string]any{
		"oid": "{{org.id}}", "slug": "{{org.slug}}", "role": "{{org.role}}", "name": "{{org.name}}",
		"tier": "{{org.public_metadata.tier}}", "orgs": "{{user.organizations}}"}}); err != nil {
		t.Fatal(err)
	}
	tok, err := c.Sessions.CreateTokenFromTemplate(ctx, sessID, "org", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, payload := jwtPayload(t, tok.JWT)
	if payload["oid"] != org.ID || payload["slug"] != "acme" || payload["role"] != "org:admin" || payload["name"] != "Acme" ||
		payload["tier"] != "gold" || fmt.Sprint(payload["orgs"]) != "map["+org.ID+":org:admin]" {
		t.Fatalf("template claims: %v", payload)
	}
}

// post sends a JSON body to the server with API version 2026-05-12 (for
// the operations of later versions the SDK does not have yet) and returns
// the status and body.
func post(t *testing.T, srv *clerktest.Server, path, body string) (int, string) {
	t.Helper()
	return send(t, srv, "POST", path, body)
}

// send is post and patch: a JSON body by method, with API version
// 2026-05-12.
func send(t *testing.T, srv *clerktest.Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.SecretKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Clerk-API-Version", "2026-05-12")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(data)
}

// postJSON is post, failing t unless the answer is 200, decoded.
func postJSON(t *testing.T, srv *clerktest.Server, path, body string) map[string]any {
	t.Helper()
	status, data := post(t, srv, path, body)
	var out map[string]any
	if status != 200 || json.Unmarshal([]byte(data), &out) != nil {
		t.Fatalf("POST %s: %d %s", path, status, data)
	}
	return out
}

// eachStore runs a test against a server on each store: in-memory SQLite
// (clerktest's default) and a PostgreSQL database of its own.
func eachStore(t *testing.T, test func(t *testing.T, srv *clerktest.Server)) {
	t.Run("sqlite", func(t *testing.T) { test(t, clerktest.NewServer(t)) })
	t.Run("postgres", func(t *testing.T) {
		test(t, clerktest.NewServer(t, clerktest.WithDatabase(pgtest.NewDatabase(t))))
	})
}
