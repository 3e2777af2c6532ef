package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// Organization invitations. An invitation is an object of
// kindOrgInvitation referring to its organization (Ref), with its status
// (pending, accepted, revoked) and, while pending, the unique key
// organization + email address: a second pending invitation of one
// address to one organization is refused. Pending invitations count
// against the organization's max_allowed_memberships.

const kindOrgInvitation = "organization_invitation"

// The statuses of invitations.
const (
	invitationPending  = "pending"
	invitationAccepted = "accepted"
	invitationRevoked  = "revoked"
	invitationExpired  = "expired"
)

// orgInvitationLifetime is how long an organization invitation is valid.
const orgInvitationLifetime = 30 * 24 * time.Hour

// orgInvitationRecord is what the emulator stores for an organization
// invitation, and the fields of its answers of every API version.
type orgInvitationRecord struct {
	Object          string         `json:"object"`
	ID              string         `json:"id"`
	EmailAddress    string         `json:"email_address"`
	Role            string         `json:"role"`
	RoleName        string         `json:"role_name"`
	OrganizationID  string         `json:"organization_id"`
	InviterID       *string        `json:"inviter_id"`
	Status          string         `json:"status"`
	PublicMetadata  map[string]any `json:"public_metadata"`
	PrivateMetadata map[string]any `json:"private_metadata"`
	URL             *string        `json:"url"`
	ExpiresAt       *int64         `json:"expires_at"`
	CreatedAt       int64          `json:"created_at"`
	UpdatedAt       int64          `json:"updated_at"`
}

// orgInvitationAnswer is an invitation as the API answers it: the
// inviter's public data, and (in the lists of a user's or of every
// invitation) the organization's.
type orgInvitationAnswer struct {
	*orgInvitationRecord
	PublicInviterData      *inviterData   `json:"public_inviter_data"`
	PublicOrganizationData *publicOrgData `json:"public_organization_data,omitempty"`
}

// inviterData is what an invitation shows of its inviter.
type inviterData struct {
	UserID     string  `json:"user_id"`
	FirstName  *string `json:"first_name"`
	LastName   *string `json:"last_name"`
	ImageURL   string  `json:"image_url"`
	HasImage   bool    `json:"has_image"`
	Identifier string  `json:"identifier"`
}

// publicOrgData is what an invitation shows of its organization.
type publicOrgData struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Slug     string `json:"slug"`
	ImageURL string `json:"image_url"`
	HasImage bool   `json:"has_image"`
}

func orgInvitationObject(inv *orgInvitationRecord) store.Object {
	o := store.Object{Kind: kindOrgInvitation, ID: inv.ID, Ref: inv.OrganizationID, Status: inv.Status,
		Search: inv.EmailAddress, CreatedAt: inv.CreatedAt, UpdatedAt: inv.UpdatedAt}
	if inv.Status == invitationPending {
		o.Unique = inv.OrganizationID + "/" + inv.EmailAddress
	}
	return o
}

// writeOrgInvitations runs write, which writes invitations in tx, and
// answers them, built in the same transaction: the inviter shows as the
// write saw them (as in the write's events), even if another request
// deletes them right after the commit.
func (s *core) writeOrgInvitations(ctx context.Context, write func(tx store.Store) ([]*orgInvitationRecord, error)) ([]*orgInvitationAnswer, error) {
	var answers []*orgInvitationAnswer
	err := s.store.Tx(ctx, func(tx store.Store) error {
		invs, err := write(tx)
		if err != nil {
			return err
		}
		answers = make([]*orgInvitationAnswer, 0, len(invs))
		for _, inv := range invs {
			// The inviter is read without a lock, as for the events.
			a, err := s.answerOrgInvitation(ctx, peekingStore{tx}, inv, false)
			if err != nil {
				return err
			}
			answers = append(answers, a)
		}
		return nil
	})
	return answers, err
}

// writeOrgInvitation is writeOrgInvitations of one invitation, its answer
// encoded.
func (s *core) writeOrgInvitation(ctx context.Context, write func(tx store.Store) (*orgInvitationRecord, error)) (JSON[v2021.OrganizationInvitation], error) {
	answers, err := s.writeOrgInvitations(ctx, func(tx store.Store) ([]*orgInvitationRecord, error) {
		inv, err := write(tx)
		if err != nil {
			return nil, err
		}
		return []*orgInvitationRecord{inv}, nil
	})
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.OrganizationInvitation](answers[0])
}

// answerOrgInvitation builds an invitation's answer, reading through st
// what it needs; with org, it carries the organization's public data.
func (s *core) answerOrgInvitation(ctx context.Context, st store.Store, inv *orgInvitationRecord, withOrg bool) (*orgInvitationAnswer, error) {
	a := &orgInvitationAnswer{orgInvitationRecord: inv}
	if inv.Status == invitationPending && inv.ExpiresAt != nil && s.now().UnixMilli() >= *inv.ExpiresAt {
		expired := *inv
		expired.Status = invitationExpired
		a.orgInvitationRecord = &expired
	}
	if inv.InviterID != nil {
		u, err := userIfAny(ctx, st, *inv.InviterID)
		if err != nil {
			return nil, err
		}
		if u != nil {
			d := publicDataOf(u)
			a.PublicInviterData = &inviterData{UserID: d.UserID, FirstName: d.FirstName, LastName: d.LastName,
				ImageURL: d.ImageURL, HasImage: d.HasImage, Identifier: d.Identifier}
		}
	}
	if withOrg {
		org, _, err := readOrg(ctx, st, inv.OrganizationID)
		if err != nil {
			return nil, err
		}
		a.PublicOrganizationData = &publicOrgData{ID: org.ID, Name: org.Name, Slug: org.Slug, ImageURL: org.ImageURL, HasImage: org.HasImage}
	}
	return a, nil
}

// inviteToOrg creates a pending invitation in tx, with the organization
// locked and its room checked.
func (s *core) inviteToOrg(ctx context.Context, tx store.Store, orgID string, p *v2021.OrganizationInvitationsCreateParams) (*orgInvitationRecord, error) {
	email, err := normalizeEmail(p.EmailAddress)
	if p.EmailAddress == "" {
		return nil, missing("email_address")
	}
	if err != nil {
		return nil, err
	}
	if err := checkRole(p.Role); err != nil {
		return nil, err
	}
	org, members, err := readOrg(ctx, tx, orgID)
	if err != nil {
		return nil, err
	}
	if p.InviterUserID != nil && *p.InviterUserID != "" {
		if _, err := tx.User(ctx, *p.InviterUserID); errors.Is(err, store.ErrNotFound) {
			return nil, &Error{Kind: KindInvalid, Code: "form_param_value_invalid", Param: "inviter_user_id",
				Message: "is invalid", LongMessage: "inviter_user_id must be the ID of a user."}
		} else if err != nil {
			return nil, err
		}
	}
	if err := checkRoom(ctx, tx, org, members); err != nil {
		return nil, err
	}
	now := s.now()
	expires := now.Add(orgInvitationLifetime).UnixMilli()
	inv := &orgInvitationRecord{Object: "organization_invitation", ID: s.rand.id("orginv"), EmailAddress: email,
		Role: p.Role, RoleName: roleName(p.Role), OrganizationID: orgID, Status: invitationPending,
		PublicMetadata: orEmpty(p.PublicMetadata), PrivateMetadata: orEmpty(p.PrivateMetadata),
		ExpiresAt: &expires, CreatedAt: now.UnixMilli(), UpdatedAt: now.UnixMilli()}
	if p.InviterUserID != nil && *p.InviterUserID != "" {
		inv.InviterID = p.InviterUserID
	}
	inv.URL = v2021.Ptr(ticketLink(p.RedirectURL, s.rand.base62(48), "org_invitation"))
	if err := putObject(ctx, tx, orgInvitationObject(inv), inv, true); isConflict(err) {
		return nil, &Error{Kind: KindBadRequest, Code: "organization_invitation_not_unique", Param: "email_address",
			Message:     "organization invitation not unique",
			LongMessage: "Organizations cannot have duplicate pending invitations for an email address."}
	} else if err != nil {
		return nil, err
	}
	inviter := ""
	if inv.InviterID != nil {
		u, err := userIfAny(ctx, tx, *inv.InviterID)
		if err != nil {
			return nil, err
		}
		inviter = displayName(u)
	}
	err = s.sendEmail(ctx, tx, emailMessage{slug: "organization_invitation", to: inv.EmailAddress, vars: map[string]string{
		"action_url": *inv.URL, "inviter_name": inviter, "org.name": org.Name, "org.logo_image_url": org.ImageURL}})
	return inv, err
}

// displayName is how an email names a user: the first and last names, or
// its identifier.
func displayName(u *v2021.User) string {
	if u == nil {
		return ""
	}
	if name := strings.TrimSpace(deref(u.FirstName) + " " + deref(u.LastName)); name != "" {
		return name
	}
	return totpAccount(u)
}

// ticketLink is the URL of an invitation: redirectURL (or the accounts
// page of the emulated instance) with the invitation's ticket.
func ticketLink(redirectURL *string, ticket, status string) string {
	base := "https://accounts." + DefaultFrontendHost + "/sign-up"
	if redirectURL != nil && *redirectURL != "" {
		base = *redirectURL
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "__clerk_ticket=" + url.QueryEscape(ticket) + "&__clerk_status=" + status
}

// Create invites an email address to an organization.
func (s *OrganizationInvitations) Create(ctx context.Context, orgID string, p *v2021.OrganizationInvitationsCreateParams) (JSON[v2021.OrganizationInvitation], error) {
	if p == nil {
		p = &v2021.OrganizationInvitationsCreateParams{}
	}
	return s.writeOrgInvitation(ctx, func(tx store.Store) (*orgInvitationRecord, error) {
		return s.inviteToOrg(ctx, tx, orgID, p)
	})
}

// BulkCreate invites several addresses to an organization: all, or none
// when one fails.
func (s *OrganizationInvitations) BulkCreate(ctx context.Context, orgID string, ps []v2021.OrganizationInvitationsBulkCreateParams) (JSON[v2021.OrganizationInvitations], error) {
	if len(ps) == 0 {
		return nil, &Error{Kind: KindInvalid, Code: "form_param_missing", Message: "at least one item must be provided",
			LongMessage: "at least one item must be provided for the invitations."}
	}
	data, err := s.writeOrgInvitations(ctx, func(tx store.Store) ([]*orgInvitationRecord, error) {
		invs := make([]*orgInvitationRecord, 0, len(ps))
		for i := range ps {
			p := v2021.OrganizationInvitationsCreateParams(ps[i])
			inv, err := s.inviteToOrg(ctx, tx, orgID, &p)
			if err != nil {
				return nil, err
			}
			invs = append(invs, inv)
		}
		return invs, nil
	})
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.OrganizationInvitations](page(data, int64(len(data))))
}

// orgInvitationStatuses are the statuses a list may filter by.
var orgInvitationStatuses = map[string]bool{invitationPending: true, invitationAccepted: true, invitationRevoked: true, invitationExpired: true}

// listOrgInvitations answers a page of invitations, newest first.
func (s *core) listOrgInvitations(ctx context.Context, q store.ObjectQuery, status *string, limit, offset *int64, withOrg bool) (JSON[v2021.OrganizationInvitations], error) {
	if status != nil && *status != "" {
		if !orgInvitationStatuses[*status] {
			return nil, invalid("status", "status must be one of pending, accepted, revoked or expired.")
		}
		q.Status = *status
	}
	records, total, err := listPage[orgInvitationRecord](ctx, s.store, q, limit, offset)
	if err != nil {
		return nil, err
	}
	data, err := answerAll(records, func(inv *orgInvitationRecord) (*orgInvitationAnswer, error) {
		return s.answerOrgInvitation(ctx, s.store, inv, withOrg)
	})
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.OrganizationInvitations](page(data, total))
}

// List lists an organization's invitations, by status when asked.
func (s *OrganizationInvitations) List(ctx context.Context, orgID string, p *v2021.OrganizationInvitationsListParams) (JSON[v2021.OrganizationInvitations], error) {
	if p == nil {
		p = &v2021.OrganizationInvitationsListParams{}
	}
	if _, _, err := readOrg(ctx, s.store, orgID); err != nil {
		return nil, err
	}
	return s.listOrgInvitations(ctx, store.ObjectQuery{Kind: kindOrgInvitation, Ref: orgID}, p.Status, p.Limit, p.Offset, false)
}

// ListPending lists an organization's pending invitations.
func (s *OrganizationInvitations) ListPending(ctx context.Context, orgID string, p *v2021.OrganizationInvitationsListPendingParams) (JSON[v2021.OrganizationInvitations], error) {
	if p == nil {
		p = &v2021.OrganizationInvitationsListPendingParams{}
	}
	if _, _, err := readOrg(ctx, s.store, orgID); err != nil {
		return nil, err
	}
	return s.listOrgInvitations(ctx, store.ObjectQuery{Kind: kindOrgInvitation, Ref: orgID}, v2021.Ptr(invitationPending), p.Limit, p.Offset, false)
}

// GetAll lists the invitations of every organization, with each one's
// public data; query matches the email address.
func (s *OrganizationInvitations) GetAll(ctx context.Context, p *v2021.OrganizationInvitationsGetAllParams) (JSON[v2021.OrganizationInvitationsWithPublicOrganizationData], error) {
	if p == nil {
		p = &v2021.OrganizationInvitationsGetAllParams{}
	}
	q := store.ObjectQuery{Kind: kindOrgInvitation}
	if p.Query != nil {
		if err := checkLength("query", *p.Query, maxNameLength); err != nil {
			return nil, err
		}
		q.Query = *p.Query
	}
	var err error
	if q.OrderBy, q.Ascending, err = orderBy(p.OrderBy, "-created_at", map[string]store.ObjectOrder{"created_at": store.ObjectOrderCreatedAt}); err != nil {
		return nil, err
	}
	out, err := s.listOrgInvitations(ctx, q, p.Status, p.Limit, p.Offset, true)
	return JSON[v2021.OrganizationInvitationsWithPublicOrganizationData](out), err
}

// Get returns an organization's invitation.
func (s *OrganizationInvitations) Get(ctx context.Context, orgID, id string) (JSON[v2021.OrganizationInvitation], error) {
	inv, err := s.orgInvitation(ctx, s.store, orgID, id)
	if err != nil {
		return nil, err
	}
	a, err := s.answerOrgInvitation(ctx, s.store, inv, false)
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.OrganizationInvitation](a)
}

// orgInvitation reads an invitation of an organization through st.
func (s *core) orgInvitation(ctx context.Context, st store.Store, orgID, id string) (*orgInvitationRecord, error) {
	var inv orgInvitationRecord
	if err := readObject(ctx, st, kindOrgInvitation, id, "Organization invitation", &inv); err != nil {
		return nil, err
	}
	if inv.OrganizationID != orgID {
		return nil, notFound("Organization invitation")
	}
	return &inv, nil
}

// Revoke revokes a pending invitation; one in another status cannot be.
func (s *OrganizationInvitations) Revoke(ctx context.Context, orgID, id string, p *v2021.OrganizationInvitationsRevokeParams) (JSON[v2021.OrganizationInvitation], error) {
	return s.writeOrgInvitation(ctx, func(tx store.Store) (*orgInvitationRecord, error) {
		if _, _, err := readOrg(ctx, tx, orgID); err != nil {
			return nil, err
		}
		inv, err := s.orgInvitation(ctx, tx, orgID, id)
		if err != nil {
			return nil, err
		}
		expired := inv.ExpiresAt != nil && s.now().UnixMilli() >= *inv.ExpiresAt
		if inv.Status != invitationPending || expired {
			return nil, &Error{Kind: KindNotFound, Code: "organization_invitation_not_pending", Message: "not pending",
				LongMessage: "The organization invitation is not in the 'pending' status."}
		}
		inv.Status, inv.UpdatedAt = invitationRevoked, s.now().UnixMilli()
		return inv, putObject(ctx, tx, orgInvitationObject(inv), inv, false)
	})
}

// AcceptOrganizationInvitation accepts a pending invitation for the user
// userID, as Clerk does when the invitee signs in or up with the
// invitation's ticket: the invitation becomes accepted and the user a
// member with its role, in one transaction. The user must have the invited
// email address. It emits organizationMembership.created and
// organizationInvitation.accepted, and answers the membership. (The
// Frontend API's ticket flow: not an operation of the Backend API.)
func (s *core) AcceptOrganizationInvitation(ctx context.Context, invitationID, userID string) (JSON[v2021.OrganizationMembership], error) {
	var found orgInvitationRecord
	if err := readObject(ctx, s.store, kindOrgInvitation, invitationID, "Organization invitation", &found); err != nil {
		return nil, err
	}
	return s.writeMembership(ctx, func(tx store.Store) (*membershipRecord, *orgRecord, *v2021.User, error) {
		// The organization first: the order every transaction locks in.
		if _, _, err := readOrg(ctx, tx, found.OrganizationID); err != nil {
			return nil, nil, nil, err
		}
		inv, err := s.orgInvitation(ctx, tx, found.OrganizationID, invitationID)
		if err != nil {
			return nil, nil, nil, err
		}
		if inv.Status != invitationPending || inv.ExpiresAt != nil && s.now().UnixMilli() >= *inv.ExpiresAt {
			return nil, nil, nil, &Error{Kind: KindNotFound, Code: "organization_invitation_not_pending", Message: "not pending",
				LongMessage: "The organization invitation is not in the 'pending' status."}
		}
		u, err := userIfAny(ctx, tx, userID)
		if err != nil {
			return nil, nil, nil, err
		}
		if u == nil {
			return nil, nil, nil, notFound("User")
		}
		if !slices.ContainsFunc(u.EmailAddresses, func(e *v2021.EmailAddress) bool { return strings.EqualFold(e.EmailAddress, inv.EmailAddress) }) {
			return nil, nil, nil, &Error{Kind: KindInvalid, Code: "form_param_value_invalid", Param: "user_id", Message: "is invalid",
				LongMessage: "The invitation is for " + inv.EmailAddress + ", an email address the user does not have."}
		}
		// Accepted before the member is added: a pending invitation holds
		// a place, which becomes the member's.
		inv.Status, inv.UpdatedAt = invitationAccepted, s.now().UnixMilli()
		if err := putObject(ctx, tx, orgInvitationObject(inv), inv, false); err != nil {
			return nil, nil, nil, err
		}
		m, org, u, err := s.addMember(ctx, tx, inv.OrganizationID, userID, inv.Role)
		if err != nil {
			return nil, nil, nil, err
		}
		return m, org, u, s.emit(ctx, tx, "organizationInvitation.accepted", func(tx store.Store) (json.RawMessage, error) {
			a, err := s.answerOrgInvitation(ctx, peekingStore{tx}, inv, true)
			if err != nil {
				return nil, err
			}
			type data struct {
				PublicOrganizationData *publicOrgData `json:"public_organization_data"`
			}
			d := data{a.PublicOrganizationData}
			a.PublicOrganizationData = nil
			return json.Marshal(struct {
				*orgInvitationAnswer
				UserID string `json:"user_id"`
				Data   data   `json:"data"`
			}{a, userID, d})
		})
	})
}
