package emulator

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// SAML connections. A connection is an object of kindSAMLConnection,
// unique in the instance by its (lower-cased) domain. The IdP's metadata,
// by URL or as XML, is kept as given: the emulator fetches nothing and
// parses no XML, so the individual IdP properties stay what the requests
// set.

const kindSAMLConnection = "saml_connection"

// samlProviders are the IdP providers a connection may have.
var samlProviders = map[string]bool{"saml_custom": true, "saml_okta": true, "saml_google": true, "saml_microsoft": true}

// samlAttributeMapping maps IdP attributes to a user's properties.
type samlAttributeMapping struct {
	UserID       string `json:"user_id"`
	EmailAddress string `json:"email_address"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
}

// samlLoginHint is what a connection sends the IdP as login_hint.
type samlLoginHint struct {
	Mode string `json:"mode"`
}

// samlConnection is what the emulator stores for a connection, and its
// answer in every API version (domains, login_hint, force_authn, ... are
// the later versions').
type samlConnection struct {
	Object                           string               `json:"object"`
	ID                               string               `json:"id"`
	Name                             string               `json:"name"`
	Domain                           string               `json:"domain"`
	Domains                          []string             `json:"domains"`
	IdpEntityID                      *string              `json:"idp_entity_id"`
	IdpSSOURL                        *string              `json:"idp_sso_url"`
	IdpCertificate                   *string              `json:"idp_certificate"`
	IdpCertificateIssuedAt           *int64               `json:"idp_certificate_issued_at"`
	IdpCertificateExpiresAt          *int64               `json:"idp_certificate_expires_at"`
	IdpMetadataURL                   *string              `json:"idp_metadata_url"`
	IdpMetadata                      *string              `json:"idp_metadata"`
	AcsURL                           string               `json:"acs_url"`
	SpEntityID                       string               `json:"sp_entity_id"`
	SpMetadataURL                    string               `json:"sp_metadata_url"`
	OrganizationID                   *string              `json:"organization_id"`
	AttributeMapping                 samlAttributeMapping `json:"attribute_mapping"`
	Active                           bool                 `json:"active"`
	Provider                         string               `json:"provider"`
	UserCount                        int64                `json:"user_count"`
	SyncUserAttributes               bool                 `json:"sync_user_attributes"`
	AllowSubdomains                  bool                 `json:"allow_subdomains"`
	AllowIdpInitiated                bool                 `json:"allow_idp_initiated"`
	DisableAdditionalIdentifications bool                 `json:"disable_additional_identifications"`
	AllowOrganizationAccountLinking  bool                 `json:"allow_organization_account_linking"`
	Authenticatable                  bool                 `json:"authenticatable"`
	ForceAuthn                       bool                 `json:"force_authn"`
	DisableJITProvisioning           bool                 `json:"disable_jit_provisioning"`
	LoginHint                        samlLoginHint        `json:"login_hint"`
	EnterpriseConnectionID           *string              `json:"enterprise_connection_id"`
	CreatedAt                        int64                `json:"created_at"`
	UpdatedAt                        int64                `json:"updated_at"`
}

func samlObject(c *samlConnection) store.Object {
	return store.Object{Kind: kindSAMLConnection, ID: c.ID, Unique: c.Domain, SortKey: strings.ToLower(c.Name),
		Search: c.Name + "\x1f" + c.Domain, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
}

// defaultAttributeMapping is the mapping a provider's connection starts
// with: the attribute names that IdP sends.
func defaultAttributeMapping(provider string) samlAttributeMapping {
	switch provider {
	case "saml_microsoft":
		return samlAttributeMapping{UserID: "http://schemas.microsoft.com/identity/claims/objectidentifier",
			EmailAddress: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
			FirstName:    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
			LastName:     "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"}
	case "saml_custom":
		return samlAttributeMapping{EmailAddress: "mail", FirstName: "firstName", LastName: "lastName"}
	}
	return samlAttributeMapping{EmailAddress: "email", FirstName: "firstName", LastName: "lastName"}
}

// samlDomain checks and lower-cases a connection's domain.
func samlDomain(raw string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(raw))
	if d == "" {
		return "", missing("domain")
	}
	if checkDomainName(d) != nil {
		return "", invalid("domain", "domain must be a domain name, such as example.com.")
	}
	return d, nil
}

// samlDomains checks the domains of a connection (later API versions):
// at least one, each a domain name, lower-cased, without repeats.
func samlDomains(raw []string) ([]string, error) {
	if len(raw) == 0 {
		return nil, missing("domains")
	}
	var out []string
	for _, r := range raw {
		d, err := samlDomain(r)
		if err != nil {
			return nil, invalid("domains", "domains must be domain names, such as example.com.")
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out, nil
}

// samlURL checks an IdP URL: absolute, http or https.
func samlURL(param, raw string) (*string, error) {
	if raw == "" {
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, invalid(param, param+" must be a full URL, such as https://idp.example.com/sso.")
	}
	return &raw, nil
}

// samlMetadata checks IdP metadata XML only for looking like XML; it is
// kept as given.
func samlMetadata(raw string) (*string, error) {
	if raw == "" {
		return nil, nil
	}
	if !strings.HasPrefix(strings.TrimSpace(raw), "<") {
		return nil, &Error{Kind: KindInvalid, Code: "saml_failed_to_parse_idp_metadata", Param: "idp_metadata",
			Message:     "Failed to parse IdP metadata",
			LongMessage: "We failed to parse the IdP metadata. If the error persists, please provide the IdP configuration data explicitly."}
	}
	return &raw, nil
}

// optional is raw, or nil when it is empty.
func optional(raw string) *string {
	if raw == "" {
		return nil
	}
	return &raw
}

// missingForActivation names what a connection lacks to be activated:
// nothing when it has IdP metadata (by URL or XML), else the IdP's entity
// ID, SSO URL and certificate.
func (c *samlConnection) missingForActivation() []string {
	if c.IdpMetadataURL != nil || c.IdpMetadata != nil {
		return nil
	}
	var out []string
	if c.IdpEntityID == nil {
		out = append(out, "IdP Entity ID")
	}
	if c.IdpSSOURL == nil {
		out = append(out, "IdP SSO URL")
	}
	if c.IdpCertificate == nil {
		out = append(out, "IdP certificate")
	}
	return out
}

// Create creates an inactive connection for a domain no other connection
// has: domain (2021-02-05), or domains (later versions), whose first is the
// connection's domain, the one no other connection may have.
func (s *SAMLConnections) Create(ctx context.Context, p *v2021.SAMLConnectionsCreateParams, later *SAMLConnectionsCreateLater) (JSON[v2021.SAMLConnection], error) {
	if p == nil {
		p = &v2021.SAMLConnectionsCreateParams{}
	}
	name := strings.TrimSpace(p.Name)
	if name == "" {
		return nil, missing("name")
	}
	if err := checkLength("name", name, maxNameLength); err != nil {
		return nil, err
	}
	var domains []string
	if later != nil && later.Domains != nil {
		var err error
		if domains, err = samlDomains(*later.Domains); err != nil {
			return nil, err
		}
		if p.Domain == "" {
			p.Domain = domains[0]
		}
	}
	domain, err := samlDomain(p.Domain)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(domains, domain) {
		domains = append([]string{domain}, domains...)
	}
	if p.Provider == "" {
		return nil, missing("provider")
	}
	if !samlProviders[p.Provider] {
		return nil, invalid("provider", "provider must be saml_custom, saml_okta, saml_google or saml_microsoft.")
	}
	now := s.now().UnixMilli()
	id := s.rand.id("samlc")
	c := &samlConnection{Object: "saml_connection", ID: id, Name: name, Domain: domain, Domains: domains,
		Provider: p.Provider, AttributeMapping: defaultAttributeMapping(p.Provider), SyncUserAttributes: true, Authenticatable: true,
		LoginHint: samlLoginHint{Mode: "off"}, AcsURL: s.issuer + "/v1/saml/acs/" + id,
		SpEntityID: s.issuer + "/saml/" + id, SpMetadataURL: s.issuer + "/v1/saml/metadata/" + id,
		CreatedAt: now, UpdatedAt: now}
	c.IdpEntityID = optional(deref(p.IdpEntityID))
	c.IdpCertificate = optional(deref(p.IdpCertificate))
	if c.IdpSSOURL, err = samlURL("idp_sso_url", deref(p.IdpSSOURL)); err != nil {
		return nil, err
	}
	if c.IdpMetadataURL, err = samlURL("idp_metadata_url", deref(p.IdpMetadataURL)); err != nil {
		return nil, err
	}
	if c.IdpMetadata, err = samlMetadata(deref(p.IdpMetadata)); err != nil {
		return nil, err
	}
	if m := p.AttributeMapping; m != nil {
		c.AttributeMapping = samlAttributeMapping{UserID: m.UserID, EmailAddress: m.EmailAddress, FirstName: m.FirstName, LastName: m.LastName}
	}
	err = putObject(ctx, s.store, samlObject(c), c, true)
	if isConflict(err) {
		return nil, identifierExists("domain")
	}
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.SAMLConnection](c)
}

// List lists the connections, newest first unless order_by (created_at
// or name, later API versions) says otherwise; query keeps those whose
// name contains it, case-insensitively.
func (s *SAMLConnections) List(ctx context.Context, p *v2021.SAMLConnectionsListParams, later *SAMLConnectionsListLater) (JSON[v2021.SAMLConnections], error) {
	if p == nil {
		p = &v2021.SAMLConnectionsListParams{}
	}
	if later == nil {
		later = &SAMLConnectionsListLater{}
	}
	limit, offset, err := paging(p.Limit, p.Offset)
	if err != nil {
		return nil, err
	}
	order, asc, err := orderBy(later.OrderBy, "-created_at", appOrders)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.ListObjects(ctx, store.ObjectQuery{Kind: kindSAMLConnection, OrderBy: order, Ascending: asc})
	if err != nil {
		return nil, err
	}
	all, err := decodeObjects[samlConnection](rows)
	if err != nil {
		return nil, err
	}
	q := strings.ToLower(deref(later.Query))
	kept := all[:0]
	for _, c := range all {
		if q == "" || strings.Contains(strings.ToLower(c.Name), q) {
			kept = append(kept, c)
		}
	}
	total := int64(len(kept))
	kept = kept[min(offset, len(kept)):]
	kept = kept[:min(limit, len(kept))]
	return encodeJSON[v2021.SAMLConnections](page(kept, total))
}

// Get returns a connection.
func (s *SAMLConnections) Get(ctx context.Context, id string) (JSON[v2021.SAMLConnection], error) {
	var c samlConnection
	if err := readObject(ctx, s.store, kindSAMLConnection, id, "SAML Connection", &c); err != nil {
		return nil, err
	}
	return encodeJSON[v2021.SAMLConnection](&c)
}

// Update changes a connection. A null or empty IdP property clears it;
// activating a connection needs its IdP's metadata or entity ID, SSO URL
// and certificate.
func (s *SAMLConnections) Update(ctx context.Context, id string, p *v2021.SAMLConnectionsUpdateParams, later *SAMLConnectionsUpdateLater) (JSON[v2021.SAMLConnection], error) {
	if p == nil {
		p = &v2021.SAMLConnectionsUpdateParams{}
	}
	var c samlConnection
	err := s.store.Tx(ctx, func(tx store.Store) (err error) {
		if err := readObject(ctx, tx, kindSAMLConnection, id, "SAML Connection", &c); err != nil {
			return err
		}
		if name, ok := p.Name.Get(); ok {
			name = strings.TrimSpace(name)
			if name == "" {
				return invalid("name", "name must not be empty.")
			}
			if err := checkLength("name", name, maxNameLength); err != nil {
				return err
			}
			c.Name = name
		}
		if d, ok := p.Domain.Get(); ok {
			if c.Domain, err = samlDomain(d); err != nil {
				return err
			}
			c.Domains = []string{c.Domain}
		}
		if later != nil && later.Domains != nil {
			if c.Domains, err = samlDomains(*later.Domains); err != nil {
				return err
			}
			c.Domain = c.Domains[0]
		}
		if p.IdpEntityID.IsSet() {
			v, _ := p.IdpEntityID.Get()
			c.IdpEntityID = optional(v)
		}
		if p.IdpCertificate.IsSet() {
			v, _ := p.IdpCertificate.Get()
			c.IdpCertificate = optional(v)
		}
		if p.IdpSSOURL.IsSet() {
			v, _ := p.IdpSSOURL.Get()
			if c.IdpSSOURL, err = samlURL("idp_sso_url", v); err != nil {
				return err
			}
		}
		if p.IdpMetadataURL.IsSet() {
			v, _ := p.IdpMetadataURL.Get()
			if c.IdpMetadataURL, err = samlURL("idp_metadata_url", v); err != nil {
				return err
			}
		}
		if p.IdpMetadata.IsSet() {
			v, _ := p.IdpMetadata.Get()
			if c.IdpMetadata, err = samlMetadata(v); err != nil {
				return err
			}
		}
		if m, ok := p.AttributeMapping.Get(); ok && m != nil {
			c.AttributeMapping = samlAttributeMapping{UserID: m.UserID, EmailAddress: m.EmailAddress, FirstName: m.FirstName, LastName: m.LastName}
		}
		for _, f := range []struct {
			v   v2021.Nullable[bool]
			dst *bool
		}{{p.SyncUserAttributes, &c.SyncUserAttributes}, {p.AllowSubdomains, &c.AllowSubdomains},
			{p.AllowIdpInitiated, &c.AllowIdpInitiated}, {p.DisableAdditionalIdentifications, &c.DisableAdditionalIdentifications},
			{p.Active, &c.Active}} {
			if v, ok := f.v.Get(); ok {
				*f.dst = v
			}
		}
		if c.Active {
			if lacks := c.missingForActivation(); len(lacks) > 0 {
				return &Error{Kind: KindInvalid, Code: "saml_connection_cant_be_activated", Message: "SAML Connection can't be activated",
					LongMessage: "You have to provide the " + strings.Join(lacks, ", ") + " before you are able to activate this connection."}
			}
		}
		c.UpdatedAt = s.now().UnixMilli()
		err = putObject(ctx, tx, samlObject(&c), &c, false)
		if isConflict(err) {
			return identifierExists("domain")
		}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("SAML Connection")
	}
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.SAMLConnection](&c)
}

// Delete deletes a connection.
func (s *SAMLConnections) Delete(ctx context.Context, id string) (*v2021.DeletedObject, error) {
	if err := deleteObject(ctx, s.store, kindSAMLConnection, id, "SAML Connection"); err != nil {
		return nil, err
	}
	return &v2021.DeletedObject{Object: "saml_connection", ID: id, Deleted: true}, nil
}
