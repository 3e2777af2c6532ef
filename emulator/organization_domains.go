package emulator

import (
	"context"
	"errors"
	"strings"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// Organization domains. A domain is an object of kindOrgDomain referring
// to its organization (Ref), unique in the instance by its name, with its
// enrollment mode as status (a list filters by it).

const kindOrgDomain = "organization_domain"

// enrollmentModes are the ways a domain lets users join its organization.
var enrollmentModes = map[string]bool{"manual_invitation": true, "automatic_invitation": true, "automatic_suggestion": true}

// domainRecord is what the emulator stores for a domain, and its answer in
// every API version (affiliation_verification and ownership_verification
// are the later versions' names).
type domainRecord struct {
	Object                  string              `json:"object"`
	ID                      string              `json:"id"`
	OrganizationID          string              `json:"organization_id"`
	Name                    string              `json:"name"`
	EnrollmentMode          string              `json:"enrollment_mode"`
	AffiliationEmailAddress *string             `json:"affiliation_email_address"`
	Verification            *domainVerification `json:"verification"`
	AffiliationVerification *domainVerification `json:"affiliation_verification"`
	OwnershipVerification   *domainVerification `json:"ownership_verification"`
	TotalPendingInvitations int64               `json:"total_pending_invitations"`
	TotalPendingSuggestions int64               `json:"total_pending_suggestions"`
	CreatedAt               int64               `json:"created_at"`
	UpdatedAt               int64               `json:"updated_at"`
}

// domainVerification is the verification of a domain, in the shape of
// every API version (verified_at is a later one's).
type domainVerification struct {
	Status     string `json:"status"`
	Strategy   string `json:"strategy"`
	Attempts   *int64 `json:"attempts"`
	ExpireAt   *int64 `json:"expire_at"`
	VerifiedAt *int64 `json:"verified_at"`
}

func domainObject(d *domainRecord) store.Object {
	return store.Object{Kind: kindOrgDomain, ID: d.ID, Ref: d.OrganizationID, Status: d.EnrollmentMode, Unique: d.Name,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// setVerified sets a domain's verification: by the admin, or none.
func (d *domainRecord) setVerified(verified bool) {
	v := &domainVerification{Status: "unverified", Strategy: "email_code", Attempts: new(int64)}
	if verified {
		v = &domainVerification{Status: "verified", Strategy: "admin", Attempts: new(int64)}
	}
	d.Verification, d.AffiliationVerification = v, v
}

// checkDomainName refuses what is not a domain name: labels of letters,
// digits and "-", at least two.
func checkDomainName(name string) error {
	labels := strings.Split(name, ".")
	ok := len(labels) >= 2 && len(name) <= 253
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			ok = false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				ok = false
			}
		}
	}
	if !ok {
		return invalid("name", "name must be a domain name, such as example.com.")
	}
	return nil
}

// Create adds a domain to an organization.
func (s *OrganizationDomains) Create(ctx context.Context, orgID string, p *v2021.OrganizationDomainsCreateParams) (JSON[v2021.OrganizationDomain], error) {
	if p == nil || p.Name == nil || *p.Name == "" {
		return nil, missing("name")
	}
	name := strings.ToLower(strings.TrimSpace(*p.Name))
	if err := checkDomainName(name); err != nil {
		return nil, err
	}
	mode := "manual_invitation"
	if p.EnrollmentMode != nil && *p.EnrollmentMode != "" {
		mode = *p.EnrollmentMode
	}
	if !enrollmentModes[mode] {
		return nil, invalid("enrollment_mode", "enrollment_mode must be manual_invitation, automatic_invitation or automatic_suggestion.")
	}
	now := s.now().UnixMilli()
	d := &domainRecord{Object: "organization_domain", ID: s.rand.id("orgdmn"), OrganizationID: orgID, Name: name,
		EnrollmentMode: mode, CreatedAt: now, UpdatedAt: now}
	d.setVerified(p.Verified != nil && *p.Verified)
	err := s.store.Tx(ctx, func(tx store.Store) error {
		if _, _, err := readOrg(ctx, tx, orgID); err != nil {
			return err
		}
		err := putObject(ctx, tx, domainObject(d), d, true)
		if !isConflict(err) {
			return err
		}
		other, err := tx.ObjectByUnique(ctx, kindOrgDomain, name)
		if err == nil && other.Ref == orgID {
			return &Error{Kind: KindInvalid, Code: "organization_domain_already_exists_same_organization", Param: "name",
				Message: "organization domain already exists", LongMessage: "This domain is already used by your organization."}
		}
		return &Error{Kind: KindInvalid, Code: "organization_domain_already_exists", Param: "name",
			Message: "organization domain already exists", LongMessage: "This domain is already used by another organization."}
	})
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.OrganizationDomain](d)
}

// List lists an organization's domains, newest first; verified ("true" or
// "false") and enrollment_mode filter them.
func (s *OrganizationDomains) List(ctx context.Context, orgID string, p *v2021.OrganizationDomainsListParams) (JSON[v2021.OrganizationDomains], error) {
	if p == nil {
		p = &v2021.OrganizationDomainsListParams{}
	}
	if _, _, err := readOrg(ctx, s.store, orgID); err != nil {
		return nil, err
	}
	q := store.ObjectQuery{Kind: kindOrgDomain, Ref: orgID}
	if p.EnrollmentMode != nil && *p.EnrollmentMode != "" {
		if !enrollmentModes[*p.EnrollmentMode] {
			return nil, invalid("enrollment_mode", "enrollment_mode must be manual_invitation, automatic_invitation or automatic_suggestion.")
		}
		q.Status = *p.EnrollmentMode
	}
	rows, err := s.store.ListObjects(ctx, q)
	if err != nil {
		return nil, err
	}
	all, err := decodeObjects[domainRecord](rows)
	if err != nil {
		return nil, err
	}
	if p.Verified != nil && *p.Verified != "" {
		want := *p.Verified == "true"
		if *p.Verified != "true" && *p.Verified != "false" {
			return nil, invalid("verified", "verified must be true or false.")
		}
		kept := all[:0]
		for _, d := range all {
			if (d.Verification != nil && d.Verification.Status == "verified") == want {
				kept = append(kept, d)
			}
		}
		all = kept
	}
	limit, offset, err := paging(p.Limit, p.Offset)
	if err != nil {
		return nil, err
	}
	total := int64(len(all))
	all = all[min(offset, len(all)):]
	all = all[:min(limit, len(all))]
	return encodeJSON[v2021.OrganizationDomains](page(all, total))
}

// Delete removes a domain from an organization.
func (s *OrganizationDomains) Delete(ctx context.Context, orgID, id string) (*v2021.DeletedObject, error) {
	err := s.store.Tx(ctx, func(tx store.Store) error {
		if _, err := s.domain(ctx, tx, orgID, id); err != nil {
			return err
		}
		return tx.DeleteObject(ctx, kindOrgDomain, id)
	})
	if err != nil {
		return nil, err
	}
	return &v2021.DeletedObject{Object: "organization_domain", ID: id, Deleted: true}, nil
}

// domain reads a domain of an organization through st.
func (s *core) domain(ctx context.Context, st store.Store, orgID, id string) (*domainRecord, error) {
	if _, _, err := readOrg(ctx, st, orgID); err != nil {
		return nil, err
	}
	var d domainRecord
	if err := readObject(ctx, st, kindOrgDomain, id, "Organization domain", &d); err != nil {
		return nil, err
	}
	if d.OrganizationID != orgID {
		return nil, notFound("Organization domain")
	}
	return &d, nil
}

// Update changes a domain's enrollment mode or verification.
func (s *OrganizationDomain) Update(ctx context.Context, orgID, id string, p *v2021.OrganizationDomainUpdateParams) (JSON[v2021.OrganizationDomain], error) {
	if p == nil {
		p = &v2021.OrganizationDomainUpdateParams{}
	}
	var d *domainRecord
	err := s.store.Tx(ctx, func(tx store.Store) (err error) {
		if d, err = s.domain(ctx, tx, orgID, id); err != nil {
			return err
		}
		if mode, ok := p.EnrollmentMode.Get(); ok {
			if !enrollmentModes[mode] {
				return invalid("enrollment_mode", "enrollment_mode must be manual_invitation, automatic_invitation or automatic_suggestion.")
			}
			d.EnrollmentMode = mode
		}
		if v, ok := p.Verified.Get(); ok {
			d.setVerified(v)
		}
		d.UpdatedAt = s.now().UnixMilli()
		return putObject(ctx, tx, domainObject(d), d, false)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Organization domain")
	}
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.OrganizationDomain](d)
}
