package emulator

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
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
		newUser := func() (string, error) {
			u, err := s.Users.Create(ctx, &v2021.UsersCreateParams{FirstName: v2021.Ptr("Racer")})
			if err != nil {
				return "", err
			}
			return u.ID, nil
		}
		var owner string
		newOrg := func() (string, error) {
			return idOf(s.Organizations.Create(ctx, &v2021.OrganizationsCreateParams{Name: "Acme", CreatedBy: owner}))
		}
		owner, err := newUser()
		if err != nil {
			t.Fatal(err)
		}
		users, orgs := newPool(t, 5, newUser), newPool(t, 3, newOrg)
		// member picks a user and an organization and makes the user a
		// member, unless it is one already.
		member := func(r *rand.Rand) (u, o string, err error) {
			u, o = users.pick(r), orgs.pick(r)
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
				return users.replace(r, func(id string) error { _, err := s.Users.Delete(ctx, id); return err }, newUser)
			}},
			{"add a member", func(r *rand.Rand) error {
				u := users.pick(r)
				_, err := s.OrganizationMemberships.Create(ctx, orgs.pick(r), &v2021.OrganizationMembershipsCreateParams{UserID: u, Role: roleMember})
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
				u := users.pick(r)
				o := orgs.pick(r)
				inv, err := idOf(s.OrganizationInvitations.Create(ctx, o, &v2021.OrganizationInvitationsCreateParams{
					EmailAddress: fmt.Sprintf("guest%d@example.com", r.IntN(1000)), Role: roleMember, InviterUserID: &u}))
				if err != nil {
					return err
				}
				_, err = s.OrganizationInvitations.Revoke(ctx, o, inv, &v2021.OrganizationInvitationsRevokeParams{})
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
				u := users.pick(r)
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
				return orgs.replace(r, func(id string) error { _, err := s.Organizations.Delete(ctx, id); return err }, newOrg)
			}},
			{"actor token, accepted or revoked", func(r *rand.Rand) error {
				u := users.pick(r)
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
				u := users.pick(r)
				email := fmt.Sprintf("member%d@example.com", r.IntN(1_000_000))
				if _, err := s.EmailAddresses.Create(ctx, &v2021.EmailAddressesCreateParams{UserID: &u, EmailAddress: &email, Verified: v2021.Ptr(true)}); err != nil {
					return err
				}
				o := orgs.pick(r)
				inv, err := idOf(s.OrganizationInvitations.Create(ctx, o, &v2021.OrganizationInvitationsCreateParams{EmailAddress: email, Role: roleMember}))
				if err != nil {
					return err
				}
				_, err = s.AcceptOrganizationInvitation(ctx, inv, u)
				return err
			}},
			{"ban or unban the user", func(r *rand.Rand) error {
				u := users.pick(r)
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
				u := users.pick(r)
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
				_, err := s.Organizations.Update(ctx, orgs.pick(r), p)
				return err
			}},
			{"claim a shared domain, then give it up", func(r *rand.Rand) error {
				o := orgs.pick(r)
				d, err := idOf(s.OrganizationDomains.Create(ctx, o, &v2021.OrganizationDomainsCreateParams{
					Name: v2021.Ptr(fmt.Sprintf("shared%d.example.com", r.IntN(3))), EnrollmentMode: v2021.Ptr("manual_invitation")}))
				if err != nil || r.IntN(2) == 0 {
					return err
				}
				_, err = s.OrganizationDomains.Delete(ctx, o, d)
				return err
			}},
			{"claim a shared phone number", func(r *rand.Rand) error {
				u := users.pick(r)
				phone := fmt.Sprintf("+1555000000%d", r.IntN(4))
				_, err := s.PhoneNumbers.Create(ctx, &v2021.PhoneNumbersCreateParams{UserID: &u, PhoneNumber: &phone, Verified: v2021.Ptr(true)})
				return err
			}},
			{"take a shared external ID", func(r *rand.Rand) error {
				u := users.pick(r)
				_, err := s.Users.Update(ctx, u, &v2021.UsersUpdateParams{ExternalID: v2021.NullableOf(fmt.Sprintf("ext-%d", r.IntN(3)))})
				return err
			}},
			{"set up TOTP, or take it down", func(r *rand.Rand) error {
				u := users.pick(r)
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
				u := users.pick(r)
				_, err := s.Users.UpdateMetadata(ctx, u, &v2021.UsersUpdateMetadataParams{PublicMetadata: map[string]any{"n": r.IntN(100)}})
				return err
			}},
		}
		succeeded := make([]atomic.Int64, len(ops)) // per op
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
						succeeded[i].Add(1)
					} else if _, ok := AsError(err); !ok {
						t.Errorf("%s: %v (not an API error: a 500)", ops[i].name, err)
					}
				}
			}()
		}
		wg.Wait()
		// Each kind of request must have gone through at least once, or
		// the test tests less than it says.
		counts := make([]int64, len(ops))
		for i, op := range ops {
			if counts[i] = succeeded[i].Load(); counts[i] == 0 {
				t.Errorf("%q never succeeded", op.name)
			}
		}
		t.Logf("succeeded, per kind of request: %v", counts)
		for _, o := range orgs.ids {
			checkOrgMembers(t, s, o)
		}
	})
}

// pool is a few records of one kind that concurrent requests share, by
// ID: a request that deletes one puts a new one in its place.
type pool struct {
	mu  sync.Mutex
	ids []string
}

// newPool makes a pool of n records, made by create.
func newPool(t *testing.T, n int, create func() (string, error)) *pool {
	t.Helper()
	p := &pool{}
	for range n {
		id, err := create()
		if err != nil {
			t.Fatal(err)
		}
		p.ids = append(p.ids, id)
	}
	return p
}

// pick returns the ID of a record of the pool, at random.
func (p *pool) pick(r *rand.Rand) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.ids[r.IntN(len(p.ids))]
}

// replace deletes a record of the pool, at random, and puts one made by
// create in its place.
func (p *pool) replace(r *rand.Rand, del func(id string) error, create func() (string, error)) error {
	p.mu.Lock()
	slot := r.IntN(len(p.ids))
	id := p.ids[slot]
	p.mu.Unlock()
	if err := del(id); err != nil {
		return err
	}
	id, err := create()
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.ids[slot] = id
	p.mu.Unlock()
	return nil
}
