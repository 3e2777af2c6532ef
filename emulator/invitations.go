package emulator

import (
	"context"
	"strconv"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// Invitations to the instance. An invitation is an object of
// kindInvitation whose Ref is its (lower-cased) email address, with its
// status; a pending one created without ignore_existing also holds its
// address as unique key, so that two such cannot race past the check for
// a pending one.

const kindInvitation = "invitation"

// invitationLifetimeDays is how long an invitation is valid by default.
const invitationLifetimeDays = 30

func invitationObject(inv *v2021.Invitation, unique bool) store.Object {
	o := store.Object{Kind: kindInvitation, ID: inv.ID, Ref: inv.EmailAddress, Status: inv.Status,
		Search: inv.EmailAddress, CreatedAt: inv.CreatedAt, UpdatedAt: inv.UpdatedAt}
	if unique && inv.Status == invitationPending {
		o.Unique = inv.EmailAddress
	}
	return o
}

// Create invites an email address to sign up, as POST /v1/invitations
// does: a second pending invitation of one address is refused unless
// ignore_existing, and so is an address a user has. The invitation's url
// carries its ticket. Unless notify is false, the invitation email is
// announced with email.created (the emulator sends no email).
func (s *Invitations) Create(ctx context.Context, p *v2021.InvitationsCreateParams) (*v2021.Invitation, error) {
	if p == nil || p.EmailAddress == "" {
		return nil, missing("email_address")
	}
	email, err := normalizeEmail(p.EmailAddress)
	if err != nil {
		return nil, err
	}
	days := int64(invitationLifetimeDays)
	if p.ExpiresInDays != nil {
		if *p.ExpiresInDays < 1 || *p.ExpiresInDays > 365 {
			return nil, invalid("expires_in_days", "expires_in_days must be between 1 and 365.")
		}
		days = *p.ExpiresInDays
	}
	ignore := p.IgnoreExisting != nil && *p.IgnoreExisting
	now := s.now()
	expires := now.Add(time.Duration(days) * 24 * time.Hour).UnixMilli()
	inv := &v2021.Invitation{Object: "invitation", ID: s.rand.id("inv"), EmailAddress: email,
		PublicMetadata: orEmpty(p.PublicMetadata), Status: invitationPending, ExpiresAt: &expires,
		URL:       v2021.Ptr(ticketLink(p.RedirectURL, s.rand.base62(48), "sign_up")),
		CreatedAt: now.UnixMilli(), UpdatedAt: now.UnixMilli()}
	err = s.store.Tx(ctx, func(tx store.Store) error {
		if !ignore {
			n, err := tx.CountUsers(ctx, store.UserQuery{EmailAddresses: []string{email}})
			if err != nil {
				return err
			}
			if n > 0 {
				return identifierExists("email_address")
			}
			pending, err := tx.CountObjects(ctx, store.ObjectQuery{Kind: kindInvitation, Ref: email, Status: invitationPending})
			if err != nil {
				return err
			}
			if pending > 0 {
				return duplicateInvitation(email)
			}
		}
		err := putObject(ctx, tx, invitationObject(inv, !ignore), inv, true)
		if isConflict(err) {
			return duplicateInvitation(email)
		}
		if err != nil || p.Notify != nil && !*p.Notify {
			return err
		}
		return s.sendEmail(ctx, tx, emailMessage{slug: "invitation", to: inv.EmailAddress, vars: map[string]string{
			"action_url": *inv.URL, "invitation.expires_in_days": strconv.FormatInt(days, 10)}})
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

func duplicateInvitation(email string) *Error {
	return &Error{Kind: KindBadRequest, Code: "duplicate_record", Param: "email_address", Message: "duplicate invitation",
		LongMessage: "There are already pending invitations for the following email addresses: " + email}
}

// invitationStatuses are the statuses a list may filter by.
var invitationStatuses = map[string]bool{invitationPending: true, invitationAccepted: true, invitationRevoked: true, invitationExpired: true}

// List lists invitations, newest first, by status when asked.
func (s *Invitations) List(ctx context.Context, p *v2021.InvitationsListParams) (*v2021.InvitationList, error) {
	if p == nil {
		p = &v2021.InvitationsListParams{}
	}
	q := store.ObjectQuery{Kind: kindInvitation}
	if p.Status != nil && *p.Status != "" {
		if !invitationStatuses[*p.Status] {
			return nil, invalid("status", "status must be one of pending, accepted, revoked or expired.")
		}
		q.Status = *p.Status
	}
	data, total, err := listPage[v2021.Invitation](ctx, s.store, q, p.Limit, p.Offset)
	if err != nil {
		return nil, err
	}
	for _, inv := range data {
		s.expireInvitation(inv)
	}
	return &v2021.InvitationList{Data: data, TotalCount: total}, nil
}

// expireInvitation shows a pending invitation past its expiry as expired.
func (s *core) expireInvitation(inv *v2021.Invitation) {
	if inv.Status == invitationPending && inv.ExpiresAt != nil && s.now().UnixMilli() >= *inv.ExpiresAt {
		inv.Status = invitationExpired
	}
}

// Revoke revokes a pending invitation; a revoked or accepted one cannot be.
func (s *Invitations) Revoke(ctx context.Context, id string) (*v2021.InvitationRevoked, error) {
	var inv v2021.Invitation
	err := s.store.Tx(ctx, func(tx store.Store) error {
		inv = v2021.Invitation{} // read afresh, should the transaction run again
		if err := readObject(ctx, tx, kindInvitation, id, "Invitation", &inv); err != nil {
			return err
		}
		switch inv.Status {
		case invitationRevoked:
			return &Error{Kind: KindBadRequest, Code: "invitation_already_revoked", Message: "Invitation is already revoked.",
				LongMessage: "Invitation is already revoked."}
		case invitationAccepted:
			return &Error{Kind: KindBadRequest, Code: "invitation_already_accepted",
				Message:     "Invitation is already accepted, try signing in instead.",
				LongMessage: "Invitation is already accepted, try signing in instead."}
		}
		inv.Status, inv.Revoked, inv.UpdatedAt = invitationRevoked, true, s.now().UnixMilli()
		return putObject(ctx, tx, invitationObject(&inv, false), &inv, false)
	})
	if err != nil {
		return nil, err
	}
	return &v2021.InvitationRevoked{Invitation: inv, Revoked: true, Status: invitationRevoked}, nil
}
