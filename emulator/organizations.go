package emulator

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// Organizations. An organization is an object of kindOrganization whose
// unique key is its slug, sort key its lower-cased name (order_by=name),
// sort number its members count (order_by=members_count, kept in step by
// every membership change in the same transaction, with the organization
// locked), and search text its name, slug and ID. Its memberships,
// invitations and domains are objects whose Ref is the organization's ID:
// they go with it (store.DeleteObjectsByRef).

const kindOrganization = "organization"

// orgRecord is what the emulator stores for an organization, and the
// fields of its answers that do not depend on the request. It has the
// fields of the organization of every API version (has_image and
// image_url of the later ones, logo_url of the logo upload's answer).
type orgRecord struct {
	Object                string         `json:"object"`
	ID                    string         `json:"id"`
	Name                  string         `json:"name"`
	Slug                  string         `json:"slug"`
	ImageURL              string         `json:"image_url"`
	HasImage              bool           `json:"has_image"`
	LogoURL               *string        `json:"logo_url,omitempty"`
	MaxAllowedMemberships int64          `json:"max_allowed_memberships"`
	AdminDeleteEnabled    bool           `json:"admin_delete_enabled"`
	PublicMetadata        map[string]any `json:"public_metadata"`
	PrivateMetadata       map[string]any `json:"private_metadata"`
	CreatedBy             string         `json:"created_by,omitempty"`
	CreatedAt             int64          `json:"created_at"`
	UpdatedAt             int64          `json:"updated_at"`
}

// orgAnswer is an organization as the API answers it: the record, with the
// counts when the request asks for them (include_members_count).
type orgAnswer struct {
	*orgRecord
	MembersCount            *int64 `json:"members_count,omitempty"`
	PendingInvitationsCount *int64 `json:"pending_invitations_count,omitempty"`
}

// orgObject is the store's record of an organization.
func orgObject(o *orgRecord, members int64) store.Object {
	return store.Object{Kind: kindOrganization, ID: o.ID, Unique: o.Slug, SortKey: strings.ToLower(o.Name),
		SortNum: members, Search: strings.Join([]string{o.Name, o.Slug, o.ID}, searchSep),
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

// searchSep separates the fields of a search text, so that a query does
// not match across two of them.
const searchSep = "\x1f"

// defaultOrgImageURL is the image of an organization without a logo.
const defaultOrgImageURL = "https://img.clerk.com/default-organization-logo"

// readOrg reads an organization (and its members count) through st; in a
// transaction, it stays locked until the transaction ends.
func readOrg(ctx context.Context, st store.Store, id string) (*orgRecord, int64, error) {
	o, err := st.Object(ctx, kindOrganization, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, 0, orgNotFound()
	}
	if err != nil {
		return nil, 0, err
	}
	rec, err := decodeOrg(o)
	return rec, o.SortNum, err
}

func decodeOrg(o *store.Object) (*orgRecord, error) { return decodeObject[orgRecord](o) }

func orgNotFound() *Error { return notFound("Organization") }

// answerOrg builds the answer of an organization; with counts, the members
// count and the pending invitations count are included.
func (s *core) answerOrg(ctx context.Context, o *orgRecord, members int64, counts bool) (*orgAnswer, error) {
	a := &orgAnswer{orgRecord: o}
	if counts {
		pending, err := s.store.CountObjects(ctx, store.ObjectQuery{Kind: kindOrgInvitation, Ref: o.ID, Status: invitationPending})
		if err != nil {
			return nil, err
		}
		a.MembersCount, a.PendingInvitationsCount = &members, &pending
	}
	return a, nil
}

// Create creates an organization as POST /v1/organizations does: the
// slug is given or made from the name, unique in the instance; created_by,
// when given, must be a user, who becomes its first member, an admin.
func (s *Organizations) Create(ctx context.Context, p *v2021.OrganizationsCreateParams) (JSON[v2021.Organization], error) {
	if p == nil {
		p = &v2021.OrganizationsCreateParams{}
	}
	name := strings.TrimSpace(p.Name)
	if name == "" {
		return nil, missing("name")
	}
	if err := checkLength("name", name, maxNameLength); err != nil {
		return nil, err
	}
	set, err := s.settings(ctx, s.store)
	if err != nil {
		return nil, err
	}
	orgs := set.Organizations
	if !orgs.Enabled {
		return nil, &Error{Kind: KindForbidden, Code: "organization_not_enabled_in_instance", Message: "access denied",
			LongMessage: "The organizations feature is not enabled for this instance. You can enable it at https://dashboard.clerk.com."}
	}
	slug, generated := "", false
	if p.Slug != nil && *p.Slug != "" {
		if orgs.SlugDisabled {
			return nil, slugsDisabled()
		}
		slug = *p.Slug
		if err := checkSlug(slug); err != nil {
			return nil, err
		}
	} else {
		slug, generated = slugFrom(name), true
	}
	maxMembers := orgs.MaxAllowedMemberships // the instance's default
	if p.MaxAllowedMemberships != nil {
		if *p.MaxAllowedMemberships < 0 {
			return nil, invalid("max_allowed_memberships", "max_allowed_memberships must be 0 (no limit) or more.")
		}
		maxMembers = *p.MaxAllowedMemberships
	}
	now := s.now().UnixMilli()
	rec := &orgRecord{Object: "organization", ID: s.rand.id("org"), Name: name, Slug: slug, ImageURL: defaultOrgImageURL,
		MaxAllowedMemberships: maxMembers, AdminDeleteEnabled: orgs.AdminDeleteEnabled,
		PublicMetadata: orEmpty(p.PublicMetadata), PrivateMetadata: orEmpty(p.PrivateMetadata),
		CreatedBy: p.CreatedBy, CreatedAt: now, UpdatedAt: now}
	members := int64(0)
	err = s.store.Tx(ctx, func(tx store.Store) error {
		rec.Slug, members = slug, 0 // as made, should the transaction run again
		if p.CreatedBy != "" {
			if _, err := tx.User(ctx, p.CreatedBy); errors.Is(err, store.ErrNotFound) {
				return &Error{Kind: KindBadRequest, Code: "organization_creator_not_found", Param: "created_by",
					Message: "creator not found", LongMessage: "No users found with id " + p.CreatedBy + "."}
			} else if err != nil {
				return err
			}
			members = 1
		}
		err := putObject(ctx, tx, orgObject(rec, members), rec, true)
		for try := 0; isConflict(err) && generated && try < 3; try++ {
			// A slug made from the name may be another's: suffix it.
			rec.Slug = slug + "-" + strings.ToLower(s.rand.base62(6))
			err = putObject(ctx, tx, orgObject(rec, members), rec, true)
		}
		if isConflict(err) {
			return identifierExists("slug")
		}
		if err != nil || p.CreatedBy == "" {
			return err
		}
		m := &membershipRecord{ID: s.rand.id("orgmem"), OrganizationID: rec.ID, UserID: p.CreatedBy, Role: orgs.CreatorRole,
			PublicMetadata: map[string]any{}, PrivateMetadata: map[string]any{}, CreatedAt: now, UpdatedAt: now}
		return putObject(ctx, tx, membershipObject(m), m, true)
	})
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.Organization](&orgAnswer{orgRecord: rec})
}

// slugsDisabled is Clerk's answer to a slug given while the instance's
// organization settings turn slugs off (slug_disabled).
func slugsDisabled() *Error {
	return &Error{Kind: KindForbidden, Code: "organization_slugs_disabled", Param: "slug",
		Message: "organization slugs not enabled", LongMessage: "This instance does not have slugs enabled for organizations."}
}

// checkSlug refuses a slug that is not lowercase letters, digits, "-" and
// "_".
func checkSlug(slug string) error {
	if err := checkLength("slug", slug, maxNameLength); err != nil {
		return err
	}
	for _, r := range slug {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return &Error{Kind: KindInvalid, Code: "form_param_format_invalid", Param: "slug", Message: "is invalid",
				LongMessage: "slug must contain only lowercase letters, numbers, dashes (-) and underscores (_)."}
		}
	}
	return nil
}

// slugFrom makes a slug of a name: lower-cased, every run of other
// characters than letters and digits one dash.
func slugFrom(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	if b.Len() == 0 {
		return "organization"
	}
	return b.String()
}

// Get returns an organization by ID or slug.
func (s *Organizations) Get(ctx context.Context, idOrSlug string, p *v2021.OrganizationsGetParams) (JSON[v2021.Organization], error) {
	o, err := s.store.Object(ctx, kindOrganization, idOrSlug)
	if errors.Is(err, store.ErrNotFound) {
		o, err = s.store.ObjectByUnique(ctx, kindOrganization, idOrSlug)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, orgNotFound()
	}
	if err != nil {
		return nil, err
	}
	rec, err := decodeOrg(o)
	if err != nil {
		return nil, err
	}
	a, err := s.answerOrg(ctx, rec, o.SortNum, p != nil && p.IncludeMembersCount != nil && *p.IncludeMembersCount)
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.Organization](a)
}

// orgOrders maps order_by of GET /v1/organizations to the store's orders.
var orgOrders = map[string]store.ObjectOrder{
	"created_at": store.ObjectOrderCreatedAt, "name": store.ObjectOrderSortKey, "members_count": store.ObjectOrderSortNum,
}

// List lists organizations as GET /v1/organizations does: query matches
// the name, slug or ID (a substring of any); order_by is name, created_at
// or members_count, with "+" or "-" (descending by default).
func (s *Organizations) List(ctx context.Context, p *v2021.OrganizationsListParams) (JSON[v2021.Organizations], error) {
	if p == nil {
		p = &v2021.OrganizationsListParams{}
	}
	q := store.ObjectQuery{Kind: kindOrganization}
	if p.Query != nil {
		if err := checkLength("query", *p.Query, maxNameLength); err != nil {
			return nil, err
		}
		q.Query = *p.Query
	}
	var err error
	if q.OrderBy, q.Ascending, err = orderBy(p.OrderBy, "-created_at", orgOrders); err != nil {
		return nil, err
	}
	total, err := s.store.CountObjects(ctx, q)
	if err != nil {
		return nil, err
	}
	if q.Limit, q.Offset, err = paging(p.Limit, p.Offset); err != nil {
		return nil, err
	}
	rows, err := s.store.ListObjects(ctx, q)
	if err != nil {
		return nil, err
	}
	counts := p.IncludeMembersCount != nil && *p.IncludeMembersCount
	data := make([]*orgAnswer, 0, len(rows))
	for _, o := range rows {
		rec, err := decodeOrg(o)
		if err != nil {
			return nil, err
		}
		a, err := s.answerOrg(ctx, rec, o.SortNum, counts)
		if err != nil {
			return nil, err
		}
		data = append(data, a)
	}
	return encodeJSON[v2021.Organizations](page(data, total))
}

// page is a list answer with its total count.
func page[T any](data []T, total int64) any {
	return struct {
		Data       []T   `json:"data"`
		TotalCount int64 `json:"total_count"`
	}{data, total}
}

// orderBy reads an order_by parameter: a field of orders, with "+" for
// ascending or "-" (the default) for descending.
func orderBy(p *string, def string, orders map[string]store.ObjectOrder) (store.ObjectOrder, bool, error) {
	v := def
	if p != nil && *p != "" {
		v = *p
	}
	field := strings.TrimLeft(v, "+-")
	order, ok := orders[field]
	if !ok || len(v)-len(field) > 1 {
		return "", false, invalid("order_by", fmt.Sprintf("order_by must be one of %s, with an optional + or - before it.", orderNames(orders)))
	}
	return order, strings.HasPrefix(v, "+"), nil
}

func orderNames(orders map[string]store.ObjectOrder) string {
	return strings.Join(slices.Sorted(maps.Keys(orders)), ", ")
}

// Update updates an organization as PATCH /v1/organizations/{id} does.
func (s *Organizations) Update(ctx context.Context, id string, p *v2021.OrganizationsUpdateParams) (JSON[v2021.Organization], error) {
	if p == nil {
		p = &v2021.OrganizationsUpdateParams{}
	}
	if slug, ok := p.Slug.Get(); ok && slug != "" {
		set, err := s.settings(ctx, s.store)
		if err != nil {
			return nil, err
		}
		if set.Organizations.SlugDisabled {
			return nil, slugsDisabled()
		}
	}
	return s.mutateOrg(ctx, id, func(rec *orgRecord, members int64) error {
		if name, ok := p.Name.Get(); ok {
			name = strings.TrimSpace(name)
			if name == "" {
				return invalid("name", "name cannot be empty.")
			}
			if err := checkLength("name", name, maxNameLength); err != nil {
				return err
			}
			rec.Name = name
		}
		if slug, ok := p.Slug.Get(); ok && slug != "" {
			if err := checkSlug(slug); err != nil {
				return err
			}
			rec.Slug = slug
		}
		if p.MaxAllowedMemberships.IsSet() {
			n, _ := p.MaxAllowedMemberships.Get() // null: no limit
			if n < 0 {
				return invalid("max_allowed_memberships", "max_allowed_memberships must be 0 (no limit) or more.")
			}
			rec.MaxAllowedMemberships = n
		}
		if v, ok := p.AdminDeleteEnabled.Get(); ok {
			rec.AdminDeleteEnabled = v
		}
		if p.PublicMetadata != nil {
			rec.PublicMetadata = p.PublicMetadata
		}
		if p.PrivateMetadata != nil {
			rec.PrivateMetadata = p.PrivateMetadata
		}
		return nil
	})
}

// MergeMetadata merges metadata into an organization's, deeply; a null
// value removes its key.
func (s *Organizations) MergeMetadata(ctx context.Context, id string, p *v2021.OrganizationsMergeMetadataParams) (JSON[v2021.Organization], error) {
	if p == nil {
		p = &v2021.OrganizationsMergeMetadataParams{}
	}
	return s.mutateOrg(ctx, id, func(rec *orgRecord, members int64) error {
		rec.PublicMetadata = mergeMetadata(rec.PublicMetadata, p.PublicMetadata)
		rec.PrivateMetadata = mergeMetadata(rec.PrivateMetadata, p.PrivateMetadata)
		return nil
	})
}

// mutateOrg changes an organization in a transaction, with it locked.
func (s *core) mutateOrg(ctx context.Context, id string, fn func(rec *orgRecord, members int64) error) (JSON[v2021.Organization], error) {
	var out *orgRecord
	err := s.store.Tx(ctx, func(tx store.Store) error {
		rec, members, err := readOrg(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := fn(rec, members); err != nil {
			return err
		}
		rec.UpdatedAt = s.now().UnixMilli()
		if err := putObject(ctx, tx, orgObject(rec, members), rec, false); isConflict(err) {
			return identifierExists("slug")
		} else if err != nil {
			return err
		}
		out = rec
		return nil
	})
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.Organization](&orgAnswer{orgRecord: out})
}

// Delete deletes an organization with its memberships, invitations and
// domains.
func (s *Organizations) Delete(ctx context.Context, id string) (*v2021.DeletedObject, error) {
	err := s.store.Tx(ctx, func(tx store.Store) error {
		if _, _, err := readOrg(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.DeleteObjectsByRef(ctx, id); err != nil {
			return err
		}
		return tx.DeleteObject(ctx, kindOrganization, id)
	})
	if err != nil {
		return nil, err
	}
	return &v2021.DeletedObject{Object: "organization", ID: id, Deleted: true}, nil
}

// UploadLogo sets an organization's logo (a PNG, JPEG, GIF or WebP of at
// most MaxProfileImageBytes; only its type, size and digest are kept).
func (s *Organizations) UploadLogo(ctx context.Context, id string, p *v2021.OrganizationsUploadLogoParams) (JSON[v2021.OrganizationWithLogo], error) {
	if p == nil || p.File.Body == nil {
		return nil, missing("file")
	}
	img, err := readProfileImage(p.File.Body)
	if err != nil {
		return nil, err
	}
	if p.UploaderUserID != nil && *p.UploaderUserID != "" {
		if _, err := s.readUser(ctx, *p.UploaderUserID); err != nil {
			return nil, err
		}
	}
	logoID := s.rand.id("img")
	out, err := s.mutateOrg(ctx, id, func(rec *orgRecord, _ int64) error {
		url := "https://img.clerk.emulator.localhost/uploaded/" + logoID + "?sha256=" + img.SHA256[:16]
		rec.ImageURL, rec.HasImage, rec.LogoURL = url, true, &url
		return nil
	})
	return JSON[v2021.OrganizationWithLogo](out), err
}

// DeleteLogo removes an organization's logo.
func (s *Organizations) DeleteLogo(ctx context.Context, id string) (JSON[v2021.Organization], error) {
	return s.mutateOrg(ctx, id, func(rec *orgRecord, _ int64) error {
		if !rec.HasImage {
			return notFound("Logo")
		}
		rec.ImageURL, rec.HasImage, rec.LogoURL = defaultOrgImageURL, false, nil
		return nil
	})
}
