package emulator

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// Organization memberships. A membership is an object of kindMembership
// owned by its member (UserID: it goes with the user), referring to its
// organization (Ref: it goes with the organization), unique per
// organization and user, with its role as sort key. Creating or deleting
// one locks the organization and changes its members count in the same
// transaction, so that the count and the limit hold under concurrency.

const kindMembership = "organization_membership"

// The roles every instance has.
const (
	roleAdmin  = "org:admin"
	roleMember = "org:member"
)

// systemPermissions are the permissions of the default roles, as Clerk
// grants them; a custom role has none until roles are configurable.
var systemPermissions = map[string][]string{
	roleAdmin: {"org:sys_profile:manage", "org:sys_profile:delete", "org:sys_memberships:read",
		"org:sys_memberships:manage", "org:sys_domains:read", "org:sys_domains:manage"},
	roleMember: {"org:sys_memberships:read"},
}

// membershipRecord is what the emulator stores for a membership.
type membershipRecord struct {
	ID              string         `json:"id"`
	OrganizationID  string         `json:"organization_id"`
	UserID          string         `json:"user_id"`
	Role            string         `json:"role"`
	PublicMetadata  map[string]any `json:"public_metadata"`
	PrivateMetadata map[string]any `json:"private_metadata"`
	CreatedAt       int64          `json:"created_at"`
	UpdatedAt       int64          `json:"updated_at"`
}

// membershipAnswer is a membership as the API answers it, with its
// organization and its member's public data read at answer time.
type membershipAnswer struct {
	Object          string          `json:"object"`
	ID              string          `json:"id"`
	Role            string          `json:"role"`
	RoleName        string          `json:"role_name"`
	Permissions     []string        `json:"permissions"`
	PublicMetadata  map[string]any  `json:"public_metadata"`
	PrivateMetadata map[string]any  `json:"private_metadata"`
	Organization    *orgAnswer      `json:"organization"`
	PublicUserData  *publicUserData `json:"public_user_data"`
	CreatedAt       int64           `json:"created_at"`
	UpdatedAt       int64           `json:"updated_at"`
}

// publicUserData is what a membership or invitation shows of a user.
type publicUserData struct {
	UserID          string  `json:"user_id"`
	FirstName       *string `json:"first_name"`
	LastName        *string `json:"last_name"`
	ProfileImageURL *string `json:"profile_image_url,omitempty"`
	ImageURL        string  `json:"image_url"`
	HasImage        bool    `json:"has_image"`
	Identifier      string  `json:"identifier"`
}

func membershipObject(m *membershipRecord) store.Object {
	return store.Object{Kind: kindMembership, ID: m.ID, UserID: m.UserID, Ref: m.OrganizationID,
		Unique: m.OrganizationID + "/" + m.UserID, SortKey: m.Role, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
}

// checkRole refuses a role that is not "org:" and a name.
func checkRole(role string) error {
	name, ok := strings.CutPrefix(role, "org:")
	if role == "" {
		return missing("role")
	}
	if !ok || name == "" || len(role) > maxNameLength {
		return &Error{Kind: KindInvalid, Code: "form_param_value_invalid", Param: "role", Message: "is invalid",
			LongMessage: "role must be org:admin, org:member or another role key that starts with \"org:\"."}
	}
	return nil
}

// roleName is the display name of a role: "Admin", "Member", or the key's
// name with its first letter upper-cased.
func roleName(role string) string {
	name := strings.TrimPrefix(role, "org:")
	if name == "" {
		return role
	}
	return strings.ToUpper(name[:1]) + strings.ReplaceAll(name[1:], "_", " ")
}

func permissionsOf(role string) []string {
	if p, ok := systemPermissions[role]; ok {
		return append([]string{}, p...)
	}
	return []string{}
}

// publicDataOf is the public data of a user; nil when the user is gone.
func publicDataOf(u *v2021.User) *publicUserData {
	if u == nil {
		return nil
	}
	d := &publicUserData{UserID: u.ID, FirstName: u.FirstName, LastName: u.LastName, ImageURL: u.ImageURL,
		HasImage: u.HasImage, ProfileImageURL: v2021.Ptr(u.ImageURL), Identifier: totpAccount(u)}
	return d
}

// writeMembership runs write, a change of one membership, in a
// transaction, and answers the membership write returns as the
// transaction left it: its answer is built there, since a user deleted by
// another request just after the commit would otherwise show as none
// (public_user_data null). write returns the membership, its organization
// and, when it read it, its user; the user is otherwise read without a
// lock (peekingStore).
func (s *core) writeMembership(ctx context.Context, write func(tx store.Store) (*membershipRecord, *orgRecord, *v2021.User, error)) (JSON[v2021.OrganizationMembership], error) {
	var a *membershipAnswer
	err := s.store.Tx(ctx, func(tx store.Store) error {
		m, org, user, err := write(tx)
		if err != nil {
			return err
		}
		a, err = s.answerMembership(ctx, peekingStore{tx}, m, &orgAnswer{orgRecord: org}, user)
		return err
	})
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.OrganizationMembership](a)
}

// answerMembership builds the answer of a membership, reading through st
// what it needs; org and user may be given when the caller has them.
func (s *core) answerMembership(ctx context.Context, st store.Store, m *membershipRecord, org *orgAnswer, user *v2021.User) (*membershipAnswer, error) {
	if org == nil {
		rec, _, err := readOrg(ctx, st, m.OrganizationID)
		if err != nil {
			return nil, err
		}
		org = &orgAnswer{orgRecord: rec}
	}
	if user == nil {
		u, err := userIfAny(ctx, st, m.UserID)
		if err != nil {
			return nil, err
		}
		user = u
	}
	return &membershipAnswer{Object: "organization_membership", ID: m.ID, Role: m.Role, RoleName: roleName(m.Role),
		Permissions: permissionsOf(m.Role), PublicMetadata: orEmpty(m.PublicMetadata), PrivateMetadata: orEmpty(m.PrivateMetadata),
		Organization: org, PublicUserData: publicDataOf(user), CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}, nil
}

// isNotFound reports whether err is Clerk's not-found error or the store's.
func isNotFound(err error) bool {
	if errors.Is(err, store.ErrNotFound) {
		return true
	}
	e, ok := AsError(err)
	return ok && e.Kind == KindNotFound
}

// quotaExceeded is the error for an organization that has no room left.
func quotaExceeded(max int64) *Error {
	return &Error{Kind: KindForbidden, Code: "organization_membership_quota_exceeded", Message: "organization membership quota exceeded",
		LongMessage: fmt.Sprintf("You have reached your limit of %d organization memberships, including outstanding invitations.", max)}
}

// checkRoom refuses a new member or invitation when the organization's
// members and pending invitations fill its max_allowed_memberships (0:
// no limit). The organization must be locked by tx.
func checkRoom(ctx context.Context, tx store.Store, org *orgRecord, members int64) error {
	if org.MaxAllowedMemberships <= 0 {
		return nil
	}
	pending, err := tx.CountObjects(ctx, store.ObjectQuery{Kind: kindOrgInvitation, Ref: org.ID, Status: invitationPending})
	if err != nil {
		return err
	}
	if members+pending >= org.MaxAllowedMemberships {
		return quotaExceeded(org.MaxAllowedMemberships)
	}
	return nil
}

// addMember makes a user a member of an organization in tx: the
// organization locked, its room checked, its members count raised.
func (s *core) addMember(ctx context.Context, tx store.Store, orgID, userID, role string) (*membershipRecord, *orgRecord, *v2021.User, error) {
	org, members, err := readOrg(ctx, tx, orgID)
	if err != nil {
		return nil, nil, nil, err
	}
	user, err := userIfAny(ctx, tx, userID)
	if err != nil {
		return nil, nil, nil, err
	}
	if user == nil {
		return nil, nil, nil, notFound("User")
	}
	if _, err := tx.ObjectByUnique(ctx, kindMembership, orgID+"/"+userID); err == nil {
		return nil, nil, nil, alreadyMember(userID)
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil, err
	}
	if err := checkRoom(ctx, tx, org, members); err != nil {
		return nil, nil, nil, err
	}
	now := s.now().UnixMilli()
	m := &membershipRecord{ID: s.rand.id("orgmem"), OrganizationID: orgID, UserID: userID, Role: role,
		PublicMetadata: map[string]any{}, PrivateMetadata: map[string]any{}, CreatedAt: now, UpdatedAt: now}
	if err := putObject(ctx, tx, membershipObject(m), m, true); isConflict(err) {
		return nil, nil, nil, alreadyMember(userID)
	} else if err != nil {
		return nil, nil, nil, err
	}
	return m, org, user, putObject(ctx, tx, orgObject(org, members+1), org, false)
}

func alreadyMember(userID string) *Error {
	return &Error{Kind: KindBadRequest, Code: "already_a_member_in_organization", Param: "user_id", Message: "already a member",
		LongMessage: userID + " is already a member of the organization."}
}

// Create adds a member to an organization as POST
// /v1/organizations/{id}/memberships does.
func (s *OrganizationMemberships) Create(ctx context.Context, orgID string, p *v2021.OrganizationMembershipsCreateParams) (JSON[v2021.OrganizationMembership], error) {
	if p == nil {
		p = &v2021.OrganizationMembershipsCreateParams{}
	}
	if p.UserID == "" {
		return nil, missing("user_id")
	}
	if err := checkRole(p.Role); err != nil {
		return nil, err
	}
	return s.writeMembership(ctx, func(tx store.Store) (*membershipRecord, *orgRecord, *v2021.User, error) {
		return s.addMember(ctx, tx, orgID, p.UserID, p.Role)
	})
}

// membershipOrders maps order_by of the membership lists to the store's
// orders.
var membershipOrders = map[string]store.ObjectOrder{
	"created_at": store.ObjectOrderCreatedAt, "role": store.ObjectOrderSortKey,
	"first_name": store.ObjectOrderUserFirstName, "last_name": store.ObjectOrderUserLastName,
	"username": store.ObjectOrderUserUsername, "email_address": store.ObjectOrderUserEmailAddress,
	"phone_number": store.ObjectOrderUserPhoneNumber,
}

// List lists an organization's memberships.
func (s *OrganizationMemberships) List(ctx context.Context, orgID string, p *v2021.OrganizationMembershipsListParams) (JSON[v2021.OrganizationMemberships], error) {
	if p == nil {
		p = &v2021.OrganizationMembershipsListParams{}
	}
	rec, _, err := readOrg(ctx, s.store, orgID)
	if err != nil {
		return nil, err
	}
	return s.listMemberships(ctx, store.ObjectQuery{Kind: kindMembership, Ref: orgID}, p.OrderBy, p.Limit, p.Offset, &orgAnswer{orgRecord: rec})
}

// GetAll lists the memberships of every organization.
func (s *OrganizationMemberships) GetAll(ctx context.Context, p *v2021.OrganizationMembershipsGetAllParams) (JSON[v2021.OrganizationMemberships], error) {
	if p == nil {
		p = &v2021.OrganizationMembershipsGetAllParams{}
	}
	return s.listMemberships(ctx, store.ObjectQuery{Kind: kindMembership}, p.OrderBy, p.Limit, p.Offset, nil)
}

// listMemberships answers a page of memberships, newest first unless
// orderBy says otherwise.
func (s *core) listMemberships(ctx context.Context, q store.ObjectQuery, order *string, limit, offset *int64, org *orgAnswer) (JSON[v2021.OrganizationMemberships], error) {
	var err error
	if q.OrderBy, q.Ascending, err = orderBy(order, "-created_at", membershipOrders); err != nil {
		return nil, err
	}
	records, total, err := listPage[membershipRecord](ctx, s.store, q, limit, offset)
	if err != nil {
		return nil, err
	}
	data, err := answerAll(records, func(m *membershipRecord) (*membershipAnswer, error) {
		return s.answerMembership(ctx, s.store, m, org, nil)
	})
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.OrganizationMemberships](page(data, total))
}

// mutateMembership changes a membership in a transaction.
func (s *core) mutateMembership(ctx context.Context, orgID, userID string, fn func(m *membershipRecord) error) (JSON[v2021.OrganizationMembership], error) {
	return s.writeMembership(ctx, func(tx store.Store) (*membershipRecord, *orgRecord, *v2021.User, error) {
		org, m, err := readMembership(ctx, tx, orgID, userID)
		if err != nil {
			return nil, nil, nil, err
		}
		if err := fn(m); err != nil {
			return nil, nil, nil, err
		}
		m.UpdatedAt = s.now().UnixMilli()
		return m, org, nil, putObject(ctx, tx, membershipObject(m), m, false)
	})
}

// Update changes a member's role.
func (s *OrganizationMemberships) Update(ctx context.Context, orgID, userID string, p *v2021.OrganizationMembershipsUpdateParams) (JSON[v2021.OrganizationMembership], error) {
	if p == nil {
		p = &v2021.OrganizationMembershipsUpdateParams{}
	}
	if err := checkRole(p.Role); err != nil {
		return nil, err
	}
	return s.mutateMembership(ctx, orgID, userID, func(m *membershipRecord) error {
		m.Role = p.Role
		return nil
	})
}

// UpdateMetadata merges metadata into a membership's, deeply; a null
// value removes its key.
func (s *OrganizationMemberships) UpdateMetadata(ctx context.Context, orgID, userID string, p *v2021.OrganizationMembershipsUpdateMetadataParams) (JSON[v2021.OrganizationMembership], error) {
	if p == nil {
		p = &v2021.OrganizationMembershipsUpdateMetadataParams{}
	}
	return s.mutateMembership(ctx, orgID, userID, func(m *membershipRecord) error {
		m.PublicMetadata = mergeMetadata(m.PublicMetadata, p.PublicMetadata)
		m.PrivateMetadata = mergeMetadata(m.PrivateMetadata, p.PrivateMetadata)
		return nil
	})
}

// Delete removes a member from an organization and answers the removed
// membership.
func (s *OrganizationMemberships) Delete(ctx context.Context, orgID, userID string) (JSON[v2021.OrganizationMembership], error) {
	return s.writeMembership(ctx, func(tx store.Store) (*membershipRecord, *orgRecord, *v2021.User, error) {
		_, m, err := readMembership(ctx, tx, orgID, userID)
		if err != nil {
			return nil, nil, nil, err
		}
		org, err := s.removeMembership(ctx, tx, m)
		return m, org, nil, err
	})
}

// readMembership reads a user's membership of an organization through st,
// the organization first: the order every transaction locks them in, so
// that two never wait for each other in turn.
func readMembership(ctx context.Context, st store.Store, orgID, userID string) (*orgRecord, *membershipRecord, error) {
	org, _, err := readOrg(ctx, st, orgID)
	if err != nil {
		return nil, nil, err
	}
	o, err := st.ObjectByUnique(ctx, kindMembership, orgID+"/"+userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, notFound("Organization membership")
	}
	if err != nil {
		return nil, nil, err
	}
	m, err := decodeObject[membershipRecord](o)
	return org, m, err
}

// removeMembership deletes a membership in tx and lowers its
// organization's members count, with the organization locked.
func (s *core) removeMembership(ctx context.Context, tx store.Store, m *membershipRecord) (*orgRecord, error) {
	org, members, err := readOrg(ctx, tx, m.OrganizationID)
	if err != nil {
		return nil, err
	}
	if err := tx.DeleteObject(ctx, kindMembership, m.ID); err != nil {
		return nil, err
	}
	return org, putObject(ctx, tx, orgObject(org, max(0, members-1)), org, false)
}

// removeUserMemberships deletes every membership of a user in tx, lowering
// the members counts: a user's deletion takes its memberships.
func (s *core) removeUserMemberships(ctx context.Context, tx store.Store, userID string) error {
	rows, err := tx.ListObjects(ctx, store.ObjectQuery{Kind: kindMembership, UserID: userID, Ascending: true})
	if err != nil {
		return err
	}
	records, err := decodeObjects[membershipRecord](rows)
	if err != nil {
		return err
	}
	// Organizations are locked in ID order, so that two such deletions
	// never wait for each other in turn.
	slices.SortFunc(records, func(a, b *membershipRecord) int { return strings.Compare(a.OrganizationID, b.OrganizationID) })
	for _, m := range records {
		// Another request may have deleted the membership, or its
		// organization with it, since the list: it is gone already, and
		// counted out by that request.
		if _, err := s.removeMembership(ctx, tx, m); err != nil && !isNotFound(err) {
			return err
		}
	}
	return nil
}

// errMembershipsAdded is why a user's deletion starts over: memberships
// of the user were added while it removed those it had listed.
var errMembershipsAdded = errors.New("emulator: memberships were added to the user being deleted")

// activeOrganization returns a session's active organization and the
// user's membership in it, read now (so that a changed role shows in the
// next token); nil when the session has none or the user is no longer a
// member.
func (s *core) activeOrganization(ctx context.Context, sess *v2021.Session) (*orgRecord, *membershipRecord, error) {
	if sess.LastActiveOrganizationID == nil || *sess.LastActiveOrganizationID == "" {
		return nil, nil, nil
	}
	orgID := *sess.LastActiveOrganizationID
	org, _, err := readOrg(ctx, s.store, orgID)
	if isNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	o, err := s.store.ObjectByUnique(ctx, kindMembership, orgID+"/"+sess.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	rec, err := decodeObject[membershipRecord](o)
	if err != nil {
		return nil, nil, err
	}
	return org, rec, nil
}

// orgClaimsV2 packs the active organization as Clerk's session token v2
// does: "o" with the ID, slug, role (without "org:"), the permission
// names ("per") and, for each organization feature of "fea" in order, a
// bit mask over those names ("fpm", least significant bit first), so
// that "org:<feature>:<permission>" unpacks to the member's permissions.
func orgClaimsV2(org *orgRecord, m *membershipRecord) (map[string]any, string) {
	var features, perms []string
	masks := map[string]int{}
	for _, p := range permissionsOf(m.Role) {
		rest, ok := strings.CutPrefix(p, "org:")
		feature, perm, ok2 := strings.Cut(rest, ":")
		if !ok || !ok2 {
			continue
		}
		if _, seen := masks[feature]; !seen {
			features = append(features, feature)
			masks[feature] = 0
		}
		i := slices.Index(perms, perm)
		if i < 0 {
			perms = append(perms, perm)
			i = len(perms) - 1
		}
		masks[feature] |= 1 << i
	}
	fea := make([]string, len(features))
	fpm := make([]string, len(features))
	for i, f := range features {
		fea[i] = "o:" + f
		fpm[i] = strconv.Itoa(masks[f])
	}
	o := map[string]any{"id": org.ID, "slg": org.Slug, "rol": strings.TrimPrefix(m.Role, "org:"),
		"per": strings.Join(perms, ","), "fpm": strings.Join(fpm, ",")}
	return o, strings.Join(fea, ",")
}

// organizationRoles maps the ID of every organization the user is a
// member of to the user's role there.
func (s *core) organizationRoles(ctx context.Context, userID string) (map[string]any, error) {
	rows, err := s.store.ListObjects(ctx, store.ObjectQuery{Kind: kindMembership, UserID: userID})
	if err != nil {
		return nil, err
	}
	records, err := decodeObjects[membershipRecord](rows)
	if err != nil {
		return nil, err
	}
	roles := make(map[string]any, len(records))
	for _, m := range records {
		roles[m.OrganizationID] = m.Role
	}
	return roles, nil
}
