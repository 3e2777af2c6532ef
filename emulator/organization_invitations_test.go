package emulator

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/clerkgo/clerk/internal/v2021"
)

// An invitation's answer shows its inviter as the write's transaction saw
// them, as its webhook event does, even when the inviter is deleted between
// the commit and the answer: built after the commit, it showed
// public_inviter_data null, unlike the event.
func TestOrgInvitationAnswersShowTheInviterTheirWriteSaw(t *testing.T) {
	ctx := context.Background()
	s, st := newDeletingAfterCommitService(t)
	owner, err := s.Users.Create(ctx, &v2021.UsersCreateParams{FirstName: v2021.Ptr("Olive")})
	if err != nil {
		t.Fatal(err)
	}
	org, err := idOf(s.Organizations.Create(ctx, &v2021.OrganizationsCreateParams{Name: "Acme", CreatedBy: owner.ID}))
	if err != nil {
		t.Fatal(err)
	}
	// Each case invites with inviter u, arming its deletion (arm) before
	// the write whose answer it returns: one invitation, or a list of them.
	for _, c := range []struct {
		name  string
		write func(u string, arm func()) (json.RawMessage, error)
	}{
		{"create", func(u string, arm func()) (json.RawMessage, error) {
			arm()
			out, err := s.OrganizationInvitations.Create(ctx, org, &v2021.OrganizationInvitationsCreateParams{
				EmailAddress: "create@example.com", Role: roleMember, InviterUserID: &u})
			return json.RawMessage(out), err
		}},
		{"bulk create", func(u string, arm func()) (json.RawMessage, error) {
			arm()
			out, err := s.OrganizationInvitations.BulkCreate(ctx, org, []v2021.OrganizationInvitationsBulkCreateParams{
				{EmailAddress: "bulk1@example.com", Role: roleMember, InviterUserID: &u},
				{EmailAddress: "bulk2@example.com", Role: roleMember, InviterUserID: &u}})
			return json.RawMessage(out), err
		}},
		{"revoke", func(u string, arm func()) (json.RawMessage, error) {
			inv, err := idOf(s.OrganizationInvitations.Create(ctx, org, &v2021.OrganizationInvitationsCreateParams{
				EmailAddress: "revoke@example.com", Role: roleMember, InviterUserID: &u}))
			if err != nil {
				return nil, err
			}
			arm()
			out, err := s.OrganizationInvitations.Revoke(ctx, org, inv, &v2021.OrganizationInvitationsRevokeParams{})
			return json.RawMessage(out), err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			inviter, err := s.Users.Create(ctx, &v2021.UsersCreateParams{FirstName: v2021.Ptr("Ivy")})
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.write(inviter.ID, func() { st.userID = inviter.ID })
			if err != nil {
				t.Fatal(err)
			}
			if st.userID != "" {
				t.Fatal("the inviter was not deleted after the write's commit")
			}
			type answer struct {
				PublicInviterData *struct {
					UserID    string  `json:"user_id"`
					FirstName *string `json:"first_name"`
				} `json:"public_inviter_data"`
			}
			var invs []answer
			var list struct{ Data []answer }
			if err := json.Unmarshal(out, &list); err == nil && list.Data != nil {
				invs = list.Data
			} else {
				var one answer
				if err := json.Unmarshal(out, &one); err != nil {
					t.Fatal(err)
				}
				invs = []answer{one}
			}
			for i, inv := range invs {
				if d := inv.PublicInviterData; d == nil || d.UserID != inviter.ID || d.FirstName == nil || *d.FirstName != "Ivy" {
					t.Errorf("invitation %d of %d: public_inviter_data %+v, want Ivy's", i+1, len(invs), d)
				}
			}
		})
	}
}
