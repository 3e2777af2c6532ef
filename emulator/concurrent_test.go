package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/clerkgo/clerk/internal/v2021"
)

// Requests of many kinds on a few users and organizations at once, as
// several apps' test suites sharing one server send them: every request
// answers or fails with an API error (never the store's own error, a 500),
// and afterwards every organization counts its members right and every
// membership's user exists. With a webhook endpoint, so that every change
// also saves its events (whose data reads other records in the change's
// transaction); none is sent. Bounded: 4 workers of 150 requests each.
func TestConcurrentRequestsKeepTheRecordsConsistent(t *testing.T) {
	opts := Options{Webhooks: []WebhookEndpoint{{URL: "http://127.0.0.1:9/never-sent"}}}
	forEachBackendWith(t, opts, func(t *testing.T, s *Service, _ *interleave) {
		ctx := context.Background()
		const workers, requests = 4, 150
		var mu sync.Mutex
		users := map[int]string{} // slot -> user ID
		var orgs []string
		newUser := func() (string, error) {
			u, err := s.Users.Create(ctx, &v2021.UsersCreateParams{FirstName: v2021.Ptr("Racer")})
			if err != nil {
				return "", err
			}
			return u.ID, nil
		}
		var owner string
		newOrg := func() (string, error) {
			out, err := s.Organizations.Create(ctx, &v2021.OrganizationsCreateParams{Name: "Acme", CreatedBy: owner})
			if err != nil {
				return "", err
			}
			var org struct{ ID string }
			return org.ID, json.Unmarshal(out, &org)
		}
		owner, err := newUser()
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			id, err := newOrg()
			if err != nil {
				t.Fatal(err)
			}
			orgs = append(orgs, id)
		}
		for slot := range 5 {
			id, err := newUser()
			if err != nil {
				t.Fatal(err)
			}
			users[slot] = id
		}
		user := func(r *rand.Rand) (int, string) {
			mu.Lock()
			defer mu.Unlock()
			slot := r.IntN(len(users))
			return slot, users[slot]
		}
		org := func(r *rand.Rand) (int, string) {
			mu.Lock()
			defer mu.Unlock()
			slot := r.IntN(len(orgs))
			return slot, orgs[slot]
		}
		orgID := func(r *rand.Rand) string { _, o := org(r); return o }
		// member picks a user and an organization and makes the user a
		// member, unless it is one already.
		member := func(r *rand.Rand) (u, o string, err error) {
			_, u = user(r)
			o = orgID(r)
			_, err = s.OrganizationMemberships.Create(ctx, o, &v2021.OrganizationMembershipsCreateParams{UserID: u, Role: roleMember})
			if e, ok := AsError(err); ok && e.Code == "already_a_member_in_organization" {
				err = nil
			}
			return u, o, err
		}
		ops := []struct {
			name string
			do   func(r *rand.Rand) error
		}{
			{"delete a user, create another", func(r *rand.Rand) error {
				slot, u := user(r)
				if _, err := s.Users.Delete(ctx, u); err != nil {
					return err
				}
				id, err := newUser()
				if err != nil {
					return err
				}
				mu.Lock()
				users[slot] = id
				mu.Unlock()
				return nil
			}},
			{"add a member", func(r *rand.Rand) error {
				_, u := user(r)
				_, err := s.OrganizationMemberships.Create(ctx, orgID(r), &v2021.OrganizationMembershipsCreateParams{UserID: u, Role: roleMember})
				return err
			}},
			{"remove a member", func(r *rand.Rand) error {
				u, o, err := member(r)
				if err != nil {
					return err
				}
				_, err = s.OrganizationMemberships.Delete(ctx, o, u)
				return err
			}},
			{"change a member's role", func(r *rand.Rand) error {
				u, o, err := member(r)
				if err != nil {
					return err
				}
				_, err = s.OrganizationMemberships.Update(ctx, o, u, &v2021.OrganizationMembershipsUpdateParams{Role: roleAdmin})
				return err
			}},
			{"invite, revoke", func(r *rand.Rand) error {
				_, u := user(r)
				o := orgID(r)
				out, err := s.OrganizationInvitations.Create(ctx, o, &v2021.OrganizationInvitationsCreateParams{
					EmailAddress: fmt.Sprintf("guest%d@example.com", r.IntN(1000)), Role: roleMember, InviterUserID: &u})
				if err != nil {
					return err
				}
				var inv struct{ ID string }
				if err := json.Unmarshal(out, &inv); err != nil {
					return err
				}
				_, err = s.OrganizationInvitations.Revoke(ctx, o, inv.ID, &v2021.OrganizationInvitationsRevokeParams{})
				return err
			}},
			{"sign in, revoke the session", func(r *rand.Rand) error {
				u, o, err := member(r)
				if err != nil {
					return err
				}
				sess, err := s.CreateSessionInOrganization(ctx, u, o)
				if err != nil {
					return err
				}
				_, err = s.Sessions.Revoke(ctx, sess.ID)
				return err
			}},
			{"sign-in token, accepted or revoked", func(r *rand.Rand) error {
				_, u := user(r)
				tok, err := s.SignInTokens.Create(ctx, &v2021.SignInTokensCreateParams{UserID: &u}, nil)
				if err != nil {
					return err
				}
				if r.IntN(2) == 0 {
					_, err = s.AcceptSignInToken(ctx, tok.Token)
				} else {
					_, err = s.SignInTokens.Revoke(ctx, tok.ID)
				}
				return err
			}},
			{"delete an organization, create another", func(r *rand.Rand) error {
				slot, o := org(r)
				if _, err := s.Organizations.Delete(ctx, o); err != nil {
					return err
				}
				id, err := newOrg()
				if err != nil {
					return err
				}
				mu.Lock()
				orgs[slot] = id
				mu.Unlock()
				return nil
			}},
			{"actor token, accepted or revoked", func(r *rand.Rand) error {
				_, u := user(r)
				tok, err := s.ActorTokens.Create(ctx, &v2021.ActorTokensCreateParams{UserID: u, Actor: map[string]any{"sub": owner}})
				if err != nil {
					return err
				}
				if r.IntN(2) == 0 {
					_, err = s.AcceptActorToken(ctx, *tok.Token)
				} else {
					_, err = s.ActorTokens.Revoke(ctx, tok.ID)
				}
				return err
			}},
			{"invite a user, who accepts", func(r *rand.Rand) error {
				_, u := user(r)
				email := fmt.Sprintf("member%d@example.com", r.IntN(1_000_000))
				if _, err := s.EmailAddresses.Create(ctx, &v2021.EmailAddressesCreateParams{UserID: &u, EmailAddress: &email, Verified: v2021.Ptr(true)}); err != nil {
					return err
				}
				o := orgID(r)
				out, err := s.OrganizationInvitations.Create(ctx, o, &v2021.OrganizationInvitationsCreateParams{EmailAddress: email, Role: roleMember})
				if err != nil {
					return err
				}
				var inv struct{ ID string }
				if err := json.Unmarshal(out, &inv); err != nil {
					return err
				}
				_, err = s.AcceptOrganizationInvitation(ctx, inv.ID, u)
				return err
			}},
			{"ban or unban the user", func(r *rand.Rand) error {
				_, u := user(r)
				var err error
				if r.IntN(2) == 0 {
					_, err = s.Users.Ban(ctx, u)
				} else {
					_, err = s.Users.Unban(ctx, u)
				}
				return err
			}},
			{"claim a shared address, then give it up", func(r *rand.Rand) error {
				// Four addresses for all the users: they collide.
				_, u := user(r)
				email := fmt.Sprintf("shared%d@example.com", r.IntN(4))
				e, err := s.EmailAddresses.Create(ctx, &v2021.EmailAddressesCreateParams{UserID: &u, EmailAddress: &email, Verified: v2021.Ptr(true)})
				if err != nil {
					return err
				}
				if r.IntN(2) == 0 {
					_, err = s.EmailAddresses.Delete(ctx, e.ID)
				}
				return err
			}},
			{"invite to the instance, revoke", func(r *rand.Rand) error {
				email := fmt.Sprintf("shared%d@example.com", r.IntN(4))
				inv, err := s.Invitations.Create(ctx, &v2021.InvitationsCreateParams{EmailAddress: email})
				if err != nil {
					return err
				}
				_, err = s.Invitations.Revoke(ctx, inv.ID)
				return err
			}},
			{"take a shared slug, or cap the members", func(r *rand.Rand) error {
				p := &v2021.OrganizationsUpdateParams{Slug: v2021.NullableOf(fmt.Sprintf("shared-%d", r.IntN(3)))}
				if r.IntN(2) == 0 {
					p = &v2021.OrganizationsUpdateParams{MaxAllowedMemberships: v2021.NullableOf(int64(r.IntN(2) * 50))}
				}
				_, err := s.Organizations.Update(ctx, orgID(r), p)
				return err
			}},
			{"claim a shared domain, then give it up", func(r *rand.Rand) error {
				o := orgID(r)
				out, err := s.OrganizationDomains.Create(ctx, o, &v2021.OrganizationDomainsCreateParams{
					Name: v2021.Ptr(fmt.Sprintf("shared%d.example.com", r.IntN(3))), EnrollmentMode: v2021.Ptr("manual_invitation")})
				if err != nil || r.IntN(2) == 0 {
					return err
				}
				var d struct{ ID string }
				if err := json.Unmarshal(out, &d); err != nil {
					return err
				}
				_, err = s.OrganizationDomains.Delete(ctx, o, d.ID)
				return err
			}},
			{"claim a shared phone number", func(r *rand.Rand) error {
				_, u := user(r)
				phone := fmt.Sprintf("+1555000000%d", r.IntN(4))
				_, err := s.PhoneNumbers.Create(ctx, &v2021.PhoneNumbersCreateParams{UserID: &u, PhoneNumber: &phone, Verified: v2021.Ptr(true)})
				return err
			}},
			{"take a shared external ID", func(r *rand.Rand) error {
				_, u := user(r)
				_, err := s.Users.Update(ctx, u, &v2021.UsersUpdateParams{ExternalID: v2021.NullableOf(fmt.Sprintf("ext-%d", r.IntN(3)))})
				return err
			}},
			{"set up TOTP, or take it down", func(r *rand.Rand) error {
				_, u := user(r)
				var err error
				if r.IntN(2) == 0 {
					_, err = s.Users.CreateTOTP(ctx, u)
				} else {
					_, err = s.Users.DeleteTOTP(ctx, u)
				}
				return err
			}},
			{"update a member's metadata", func(r *rand.Rand) error {
				u, o, err := member(r)
				if err != nil {
					return err
				}
				_, err = s.OrganizationMemberships.UpdateMetadata(ctx, o, u, &v2021.OrganizationMembershipsUpdateMetadataParams{
					PublicMetadata: map[string]any{"n": r.IntN(100)}})
				return err
			}},
			{"update the user", func(r *rand.Rand) error {
				_, u := user(r)
				_, err := s.Users.UpdateMetadata(ctx, u, &v2021.UsersUpdateMetadataParams{PublicMetadata: map[string]any{"n": r.IntN(100)}})
				return err
			}},
		}
		succeeded := make([]int, len(ops)) // per op, under mu
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(w), 7))
				for range requests {
					i := r.IntN(len(ops))
					err := ops[i].do(r)
					if err == nil {
						mu.Lock()
						succeeded[i]++
						mu.Unlock()
					} else if _, ok := AsError(err); !ok {
						t.Errorf("%s: %v (not an API error: a 500)", ops[i].name, err)
					}
				}
			}()
		}
		wg.Wait()
		// Each kind of request must have gone through at least once, or
		// the test tests less than it says.
		for i, op := range ops {
			if succeeded[i] == 0 {
				t.Errorf("%q never succeeded", op.name)
			}
		}
		t.Logf("succeeded, per kind of request: %v", succeeded)
		for _, o := range orgs {
			checkOrgMembers(t, s, o)
		}
	})
}
