package emulator

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/emulator/store/sqlite"
	"github.com/clerkgo/clerk/internal/v2021"
)

// deletingAfterCommit is a store that, once armed, deletes a user right
// after the next transaction commits: another request's deletion, landing
// between a write's commit and its answer.
type deletingAfterCommit struct {
	store.Store
	userID string // the user to delete after the next commit; "" when not armed
}

func (d *deletingAfterCommit) Tx(ctx context.Context, fn func(tx store.Store) error, opts ...store.TxOption) error {
	err := d.Store.Tx(ctx, fn, opts...)
	if id := d.userID; err == nil && id != "" {
		d.userID = ""
		if derr := d.Store.DeleteUser(ctx, id); derr != nil {
			return derr
		}
	}
	return err
}

// newDeletingAfterCommitService is a service on an in-memory SQLite
// store, through deletingAfterCommit.
func newDeletingAfterCommitService(t *testing.T) (*Service, *deletingAfterCommit) {
	t.Helper()
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0)
	newClientsTestService(t, &now) // makes clientsTestKey
	mem, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mem.Close() })
	st := &deletingAfterCommit{Store: mem}
	s, err := New(ctx, st, Options{SigningKey: clientsTestKey, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return s, st
}

// A membership's answer shows its user as the write's transaction left
// it, even when the user is deleted between the commit and the answer:
// built after the commit, it showed public_user_data null, which the spec
// does not allow (TestUserDeletionsAndMembershipCreatesDoNotDeadlockWithWebhooks
// caught it, now and then, on PostgreSQL).
func TestMembershipAnswersShowTheUserTheirWriteSaw(t *testing.T) {
	ctx := context.Background()
	s, st := newDeletingAfterCommitService(t)
	newUser := func(t *testing.T, email string) string {
		t.Helper()
		p := &v2021.UsersCreateParams{}
		if email != "" {
			p.EmailAddress = []string{email}
		}
		out, err := s.Users.Create(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return out.ID
	}
	owner := newUser(t, "owner@example.com")
	org, err := idOf(s.Organizations.Create(ctx, &v2021.OrganizationsCreateParams{Name: "Acme", CreatedBy: owner}))
	if err != nil {
		t.Fatal(err)
	}
	member := func(u string) error {
		_, err := s.OrganizationMemberships.Create(ctx, org, &v2021.OrganizationMembershipsCreateParams{UserID: u, Role: "org:member"})
		return err
	}
	// Each case readies what its write needs, arms the deletion of user u
	// (arm), and writes.
	for _, c := range []struct {
		name  string
		email string
		write func(u string, arm func()) (JSON[v2021.OrganizationMembership], error)
	}{
		{"create", "", func(u string, arm func()) (JSON[v2021.OrganizationMembership], error) {
			arm()
			return s.OrganizationMemberships.Create(ctx, org, &v2021.OrganizationMembershipsCreateParams{UserID: u, Role: "org:member"})
		}},
		{"update", "", func(u string, arm func()) (JSON[v2021.OrganizationMembership], error) {
			if err := member(u); err != nil {
				return nil, err
			}
			arm()
			return s.OrganizationMemberships.Update(ctx, org, u, &v2021.OrganizationMembershipsUpdateParams{Role: "org:admin"})
		}},
		{"update metadata", "", func(u string, arm func()) (JSON[v2021.OrganizationMembership], error) {
			if err := member(u); err != nil {
				return nil, err
			}
			arm()
			return s.OrganizationMemberships.UpdateMetadata(ctx, org, u, &v2021.OrganizationMembershipsUpdateMetadataParams{PublicMetadata: map[string]any{"k": "v"}})
		}},
		{"delete", "", func(u string, arm func()) (JSON[v2021.OrganizationMembership], error) {
			if err := member(u); err != nil {
				return nil, err
			}
			arm()
			return s.OrganizationMemberships.Delete(ctx, org, u)
		}},
		{"accept invitation", "accept@example.com", func(u string, arm func()) (JSON[v2021.OrganizationMembership], error) {
			inv, err := idOf(s.OrganizationInvitations.Create(ctx, org, &v2021.OrganizationInvitationsCreateParams{
				EmailAddress: "accept@example.com", Role: "org:member", InviterUserID: &owner}))
			if err != nil {
				return nil, err
			}
			arm()
			return s.AcceptOrganizationInvitation(ctx, inv, u)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := newUser(t, c.email)
			out, err := c.write(u, func() { st.userID = u })
			if err != nil {
				t.Fatal(err)
			}
			if st.userID != "" {
				t.Fatal("the user was not deleted after the write's commit")
			}
			if _, err := st.Store.User(ctx, u); err == nil {
				t.Fatal("the user is still there")
			}
			var got struct {
				PublicUserData *struct {
					UserID string `json:"user_id"`
				} `json:"public_user_data"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if got.PublicUserData == nil || got.PublicUserData.UserID != u {
				t.Fatalf("answer %s: want public_user_data of %s", out, u)
			}
		})
	}
}

// A user's deletion takes the memberships it finds, whatever other
// requests do to them meanwhile: on PostgreSQL another request could
// delete one of them, or its organization, or add one, between the
// deletion's list of the user's memberships and its end. The deletion
// answered 404 (the membership or organization it no longer found), or
// took the added membership with the user without counting it out of its
// organization. Now it succeeds, and every organization's members count
// is its number of members.
func TestUserDeletionsTakeMembershipsChangedMeanwhile(t *testing.T) {
	forEachBackend(t, func(t *testing.T, s *Service, in *interleave) {
		ctx := context.Background()
		newUser := func() string {
			t.Helper()
			u, err := s.Users.Create(ctx, &v2021.UsersCreateParams{})
			if err != nil {
				t.Fatal(err)
			}
			return u.ID
		}
		owner := newUser()
		newOrg := func() string {
			t.Helper()
			id, err := idOf(s.Organizations.Create(ctx, &v2021.OrganizationsCreateParams{Name: "Acme", CreatedBy: owner}))
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		join := func(orgID, userID string) error {
			_, err := s.OrganizationMemberships.Create(ctx, orgID, &v2021.OrganizationMembershipsCreateParams{UserID: userID, Role: roleMember})
			return err
		}
		for _, c := range []struct {
			name string
			// meanwhile is what another request does, given the user and
			// its two organizations and a third it is not a member of.
			meanwhile func(u, a, b, c string) error
		}{
			{"its membership deleted", func(u, a, b, c string) error {
				_, err := s.OrganizationMemberships.Delete(ctx, a, u)
				return err
			}},
			{"its organization deleted", func(u, a, b, c string) error {
				_, err := s.Organizations.Delete(ctx, a)
				return err
			}},
			{"a membership added", func(u, a, b, c string) error { return join(c, u) }},
		} {
			t.Run(c.name, func(t *testing.T) {
				u := newUser()
				a, b, third := newOrg(), newOrg(), newOrg()
				for _, o := range []string{a, b} {
					if err := join(o, u); err != nil {
						t.Fatal(err)
					}
				}
				in.arm(kindMembership, func() error { return c.meanwhile(u, a, b, third) })
				if _, err := s.Users.Delete(ctx, u); err != nil {
					t.Fatalf("delete: %v", err)
				}
				// The other request ran before the deletion, or after it
				// and found no user or membership.
				if err := in.result(t); err != nil && !isNotFound(err) {
					t.Errorf("the other request: %v", err)
				}
				if _, err := s.Users.Get(ctx, u); !isNotFound(err) {
					t.Errorf("the user after its deletion: %v, want not found", err)
				}
				for _, o := range []string{a, b, third} {
					checkOrgMembers(t, s, o)
				}
			})
		}
	})
}

// checkOrgMembers checks that an organization, when it still exists,
// counts its members right, and that each member's user exists.
func checkOrgMembers(t *testing.T, s *Service, orgID string) {
	t.Helper()
	ctx := context.Background()
	out, err := s.Organizations.Get(ctx, orgID, &v2021.OrganizationsGetParams{IncludeMembersCount: v2021.Ptr(true)})
	if isNotFound(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	var org struct {
		MembersCount int64 `json:"members_count"`
	}
	if err := json.Unmarshal(out, &org); err != nil {
		t.Fatal(err)
	}
	list, err := s.OrganizationMemberships.List(ctx, orgID, &v2021.OrganizationMembershipsListParams{Limit: v2021.Ptr(int64(500))})
	if err != nil {
		t.Fatal(err)
	}
	var members struct {
		Data []struct {
			PublicUserData *struct {
				UserID string `json:"user_id"`
			} `json:"public_user_data"`
		} `json:"data"`
		TotalCount int64 `json:"total_count"`
	}
	if err := json.Unmarshal(list, &members); err != nil {
		t.Fatal(err)
	}
	if org.MembersCount != members.TotalCount || int64(len(members.Data)) != members.TotalCount {
		t.Errorf("organization %s counts %d members, lists %d of %d", orgID, org.MembersCount, len(members.Data), members.TotalCount)
	}
	for _, m := range members.Data {
		if m.PublicUserData == nil {
			t.Errorf("organization %s: a membership without its user", orgID)
			continue
		}
		if _, err := s.Users.Get(ctx, m.PublicUserData.UserID); err != nil {
			t.Errorf("organization %s: member %s: %v", orgID, m.PublicUserData.UserID, err)
		}
	}
}
