package compat

import (
	"context"
	"slices"
	"testing"

	clerksdk "github.com/clerk/clerk-sdk-go/v2"
	"github.com/clerk/clerk-sdk-go/v2/jwks"
	"github.com/clerk/clerk-sdk-go/v2/jwt"
	"github.com/clerk/clerk-sdk-go/v2/organization"
	"github.com/clerk/clerk-sdk-go/v2/organizationinvitation"
	"github.com/clerk/clerk-sdk-go/v2/organizationmembership"

	clerkgo "github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/clerktest"
)

// TestOrganizations drives the organization operations with clerk-sdk-go,
// unmodified, then reads a session token with the active organization
// back with its jwt.Verify.
func TestOrganizations(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	cfg := sdkConfig(srv)
	orgs := organization.NewClient(cfg)
	members := organizationmembership.NewClient(cfg)
	invitations := organizationinvitation.NewClient(cfg)
	ada := srv.CreateUser(t, &clerkgo.UsersCreateParams{EmailAddress: []string{"ada@example.com"}, FirstName: clerkgo.Ptr("Ada")})
	bob := srv.CreateUser(t, &clerkgo.UsersCreateParams{EmailAddress: []string{"bob@example.com"}, FirstName: clerkgo.Ptr("Bob")})

	org, err := orgs.Create(ctx, &organization.CreateParams{Name: clerksdk.String("Acme"), CreatedBy: clerksdk.String(ada.ID),
		MaxAllowedMemberships: clerksdk.Int64(5)})
	if err != nil {
		t.Fatalf("organization.Create: %s", describe(err))
	}
	if org.Slug != "acme" || org.MaxAllowedMemberships != 5 {
		t.Errorf("organization.Create returned %+v", org)
	}
	got, err := orgs.GetWithParams(ctx, "acme", &organization.GetParams{IncludeMembersCount: clerksdk.Bool(true)})
	if err != nil || got.ID != org.ID || got.MembersCount == nil || *got.MembersCount != 1 {
		t.Fatalf("organization.Get by slug: %+v %s", got, describeOrNil(err))
	}

	m, err := members.Create(ctx, &organizationmembership.CreateParams{OrganizationID: org.ID, UserID: clerksdk.String(bob.ID),
		Role: clerksdk.String("org:member")})
	if err != nil {
		t.Fatalf("organizationmembership.Create: %s", describe(err))
	}
	if m.Role != "org:member" || m.PublicUserData == nil || m.PublicUserData.UserID != bob.ID {
		t.Errorf("organizationmembership.Create returned %+v", m)
	}
	if _, err := members.Update(ctx, &organizationmembership.UpdateParams{OrganizationID: org.ID, UserID: bob.ID,
		Role: clerksdk.String("org:admin")}); err != nil {
		t.Fatalf("organizationmembership.Update: %s", describe(err))
	}
	list, err := members.List(ctx, &organizationmembership.ListParams{OrganizationID: org.ID})
	if err != nil || list.TotalCount != 2 || len(list.OrganizationMemberships) != 2 {
		t.Fatalf("organizationmembership.List: %+v %s", list, describeOrNil(err))
	}

	inv, err := invitations.Create(ctx, &organizationinvitation.CreateParams{OrganizationID: org.ID,
		EmailAddress: clerksdk.String("cy@example.com"), Role: clerksdk.String("org:member"), InviterUserID: clerksdk.String(ada.ID)})
	if err != nil {
		t.Fatalf("organizationinvitation.Create: %s", describe(err))
	}
	if inv.Status != "pending" {
		t.Errorf("organizationinvitation.Create returned %+v", inv)
	}
	rev, err := invitations.Revoke(ctx, &organizationinvitation.RevokeParams{OrganizationID: org.ID, ID: inv.ID,
		RequestingUserID: clerksdk.String(ada.ID)})
	if err != nil || rev.Status != "revoked" {
		t.Fatalf("organizationinvitation.Revoke: %+v %s", rev, describeOrNil(err))
	}

	// A token with the active organization (clerk-sdk-go's session.Create
	// has no active_organization_id: clerktest makes the session).
	token := srv.SessionToken(t, bob.ID, clerktest.WithActiveOrganization(org.ID))
	claims, err := jwt.Verify(ctx, &jwt.VerifyParams{Token: token, JWKSClient: jwks.NewClient(cfg)})
	if err != nil {
		t.Fatalf("jwt.Verify: %s", describe(err))
	}
	if claims.ActiveOrganizationID != org.ID || claims.ActiveOrganizationSlug != "acme" || claims.ActiveOrganizationRole != "org:admin" ||
		!slices.Contains(claims.ActiveOrganizationPermissions, "org:sys_memberships:manage") ||
		!claims.HasPermission("org:sys_profile:delete") {
		t.Errorf("claims %+v", claims.Claims)
	}

	if _, err := orgs.Delete(ctx, org.ID); err != nil {
		t.Fatalf("organization.Delete: %s", describe(err))
	}
	if _, err := orgs.Get(ctx, org.ID); err == nil {
		t.Error("organization.Get found a deleted organization")
	}
}
