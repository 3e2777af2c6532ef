package emulator

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// Instance domains. The primary domain is the emulator's own, named after
// DefaultFrontendHost: it is not stored, always listed first, and can be
// neither updated (the emulator is a development instance) nor deleted.
// Satellite domains are objects of kindDomain, unique by name.

const kindDomain = "domain"

// primaryDomainName is the name of the instance's primary domain:
// DefaultFrontendHost without its "clerk." label.
var primaryDomainName = strings.TrimPrefix(DefaultFrontendHost, "clerk.")

// satelliteRecord is what the emulator stores for a satellite domain: its
// answer (the SDK's model, the same in every API version) and what the
// answer does not show.
type satelliteRecord struct {
	v2021.Domain
	IsSecondary bool  `json:"is_secondary"`
	CreatedAt   int64 `json:"created_at"`
	UpdatedAt   int64 `json:"updated_at"`
}

func satelliteObject(d *satelliteRecord) store.Object {
	return store.Object{Kind: kindDomain, ID: d.ID, Unique: d.Name, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
}

// primaryDomainID is the ID of the primary domain, derived from the
// instance's, so that it stays the same across restarts.
func (s *core) primaryDomainID() string {
	return "dmn_" + strings.TrimPrefix(s.inst.ID, "ins_")
}

// primaryDomain is the answer for the instance's primary domain.
func (s *core) primaryDomain() *v2021.Domain {
	portal := "https://accounts." + primaryDomainName
	return &v2021.Domain{Object: "domain", ID: s.primaryDomainID(), Name: primaryDomainName, IsSatellite: false,
		FrontendAPIURL: "https://" + DefaultFrontendHost, AccountsPortalURL: &portal, DevelopmentOrigin: ""}
}

// setSatelliteURLs derives a satellite's Frontend API URL and CNAME
// targets from its name and proxy URL.
func (d *satelliteRecord) setURLs() {
	host := d.Name
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	if d.ProxyURL != nil {
		d.FrontendAPIURL = *d.ProxyURL
		d.CnameTargets = nil
		return
	}
	d.FrontendAPIURL = "https://clerk." + host
	d.CnameTargets = []*v2021.CNameTarget{{Host: "clerk." + host, Value: "frontend-api.clerk.services", Required: true}}
}

// checkInstanceDomainName refuses what is not a domain name, optionally
// with a port (development instances).
func checkInstanceDomainName(name string) error {
	host, port, hasPort := strings.Cut(name, ":")
	if hasPort {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return invalid("name", "name must be a domain name, such as example.com, optionally with a port.")
		}
	}
	if host == "localhost" {
		return nil
	}
	if err := checkDomainName(host); err != nil {
		return invalid("name", "name must be a domain name, such as example.com, optionally with a port.")
	}
	return nil
}

// checkProxyURL refuses a proxy URL that is not an absolute https URL.
func checkProxyURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
		return invalid("proxy_url", "proxy_url must be a full URL, such as https://example.com/__clerk.")
	}
	if u.Scheme != "https" {
		return &Error{Kind: KindInvalid, Code: "insecure_url", Param: "proxy_url", Message: "Insecure URL",
			LongMessage: "Please provide a secure URL (https)"}
	}
	return nil
}

// List lists the instance's domains: the primary one, then the
// satellites, oldest first.
func (s *Domains) List(ctx context.Context) (*v2021.Domains, error) {
	rows, err := s.store.ListObjects(ctx, store.ObjectQuery{Kind: kindDomain, Ascending: true})
	if err != nil {
		return nil, err
	}
	sats, err := decodeObjects[satelliteRecord](rows)
	if err != nil {
		return nil, err
	}
	out := []*v2021.Domain{s.primaryDomain()}
	for _, d := range sats {
		out = append(out, &d.Domain)
	}
	return &v2021.Domains{Data: out, TotalCount: int64(len(out))}, nil
}

// Add adds a satellite domain; a second primary one is refused.
func (s *Domains) Add(ctx context.Context, p *v2021.DomainsAddParams) (*v2021.Domain, error) {
	if p == nil || p.Name == "" {
		return nil, missing("name")
	}
	if !p.IsSatellite {
		return nil, &Error{Kind: KindInvalid, Code: "primary_domain_already_exists", Param: "is_satellite",
			Message:     "primary domain already exists",
			LongMessage: "Currently, only a single primary domain is supported and the current instance already has one. All new domains need to be set a satellites."}
	}
	name := strings.ToLower(strings.TrimSpace(p.Name))
	if err := checkInstanceDomainName(name); err != nil {
		return nil, err
	}
	if name == primaryDomainName {
		return nil, identifierExists("name")
	}
	now := s.now().UnixMilli()
	d := &satelliteRecord{Domain: v2021.Domain{Object: "domain", ID: s.rand.id("dmn"), Name: name, IsSatellite: true},
		CreatedAt: now, UpdatedAt: now}
	if p.ProxyURL != nil && *p.ProxyURL != "" {
		if err := checkProxyURL(*p.ProxyURL); err != nil {
			return nil, err
		}
		d.ProxyURL = p.ProxyURL
	}
	d.setURLs()
	err := putObject(ctx, s.store, satelliteObject(d), d, true)
	if isConflict(err) {
		return nil, identifierExists("name")
	}
	if err != nil {
		return nil, err
	}
	return &d.Domain, nil
}

// forbiddenOnPrimary is Clerk's answer to deleting the primary domain.
func forbiddenOnPrimary() *Error {
	return &Error{Kind: KindForbidden, Code: "operation_not_allowed_on_primary_domain", Message: "operation not allowed",
		LongMessage: "This operation is not allowed on a primary domain. Try again with a satellite domain of the instance."}
}

// Delete deletes a satellite domain; the primary one cannot be.
func (s *Domains) Delete(ctx context.Context, id string) (*v2021.DeletedObject, error) {
	if id == s.primaryDomainID() {
		return nil, forbiddenOnPrimary()
	}
	if err := deleteObject(ctx, s.store, kindDomain, id, "Domain"); err != nil {
		return nil, err
	}
	return &v2021.DeletedObject{Object: "domain", ID: id, Deleted: true}, nil
}

// Update changes a satellite's name, proxy URL or is_secondary. The
// primary domain of a development instance cannot be updated.
func (s *Domains) Update(ctx context.Context, id string, p *v2021.DomainsUpdateParams) (*v2021.Domain, error) {
	if id == s.primaryDomainID() {
		return nil, &Error{Kind: KindBadRequest, Code: "domain_update_forbidden", Message: "Domain update was forbidden",
			LongMessage: "Domain can be only updated for production instances"}
	}
	if p == nil {
		p = &v2021.DomainsUpdateParams{}
	}
	var d satelliteRecord
	err := s.store.Tx(ctx, func(tx store.Store) error {
		if err := readObject(ctx, tx, kindDomain, id, "Domain", &d); err != nil {
			return err
		}
		if name, ok := p.Name.Get(); ok {
			name = strings.ToLower(strings.TrimSpace(name))
			if err := checkInstanceDomainName(name); err != nil {
				return err
			}
			if name == primaryDomainName {
				return identifierExists("name")
			}
			d.Name = name
		}
		if p.ProxyURL.IsNull() {
			d.ProxyURL = nil
		} else if proxy, ok := p.ProxyURL.Get(); ok {
			if proxy == "" {
				d.ProxyURL = nil
			} else {
				if err := checkProxyURL(proxy); err != nil {
					return err
				}
				d.ProxyURL = &proxy
			}
		}
		if v, ok := p.IsSecondary.Get(); ok {
			d.IsSecondary = v
		}
		d.setURLs()
		d.UpdatedAt = s.now().UnixMilli()
		err := putObject(ctx, tx, satelliteObject(&d), &d, false)
		if isConflict(err) {
			return identifierExists("name")
		}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Domain")
	}
	if err != nil {
		return nil, err
	}
	return &d.Domain, nil
}

// Verify checks a domain's proxy. The emulator makes no outbound call, so
// a proxy is never reachable from it: once the input is valid, the answer
// is Clerk's for a proxy that cannot be reached.
func (s *ProxyChecks) Verify(ctx context.Context, p *v2021.ProxyChecksVerifyParams) (*v2021.ProxyCheck, error) {
	if p == nil || p.DomainID == nil || *p.DomainID == "" {
		return nil, missing("domain_id")
	}
	if p.ProxyURL == nil || *p.ProxyURL == "" {
		return nil, missing("proxy_url")
	}
	if *p.DomainID != s.primaryDomainID() {
		var d satelliteRecord
		if err := readObject(ctx, s.store, kindDomain, *p.DomainID, "Domain", &d); err != nil {
			if e, ok := AsError(err); ok && e.Kind == KindNotFound {
				return nil, invalid("domain_id", "No domain was found with that domain_id.")
			}
			return nil, err
		}
	}
	if err := checkProxyURL(*p.ProxyURL); err != nil {
		return nil, err
	}
	return nil, &Error{Kind: KindInvalid, Code: "invalid_proxy_configuration", Param: "proxy_url", Message: "invalid proxy configuration",
		LongMessage: "Clerk Frontend API cannot be accessed through the proxy URL. Make sure your proxy is configured correctly."}
}
