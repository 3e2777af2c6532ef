package emulator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// OAuth applications: the instance as an OAuth provider to other apps. An
// application is an object of kindOAuthApp; its client secret is shown
// once, in the answer of create and of rotate, and stored only as its
// SHA-256 digest. Nothing else reads the secret: the emulator has no OAuth
// token endpoint.

const kindOAuthApp = "oauth_application"

// oauthScopes are the scopes an application may ask for.
var oauthScopes = map[string]bool{"profile": true, "email": true, "public_metadata": true, "private_metadata": true,
	"openid": true, "offline_access": true}

// oauthApp is an application's answer in every API version (client_uri,
// redirect_uris, discovery_url, ... are the later versions').
type oauthApp struct {
	Object                string   `json:"object"`
	ID                    string   `json:"id"`
	InstanceID            string   `json:"instance_id"`
	Name                  string   `json:"name"`
	ClientID              string   `json:"client_id"`
	ClientURI             *string  `json:"client_uri"`
	ClientImageURL        *string  `json:"client_image_url"`
	DynamicallyRegistered bool     `json:"dynamically_registered"`
	ConsentScreenEnabled  bool     `json:"consent_screen_enabled"`
	PKCERequired          bool     `json:"pkce_required"`
	Public                bool     `json:"public"`
	Scopes                string   `json:"scopes"`
	RedirectURIs          []string `json:"redirect_uris"`
	CallbackURL           string   `json:"callback_url"`
	AuthorizeURL          string   `json:"authorize_url"`
	TokenFetchURL         string   `json:"token_fetch_url"`
	UserInfoURL           string   `json:"user_info_url"`
	DiscoveryURL          string   `json:"discovery_url"`
	TokenIntrospectionURL string   `json:"token_introspection_url"`
	CreatedAt             int64    `json:"created_at"`
	UpdatedAt             int64    `json:"updated_at"`
}

// oauthAppRecord is what the emulator stores for an application: its
// answer and the digest of its client secret ("" for a public client).
type oauthAppRecord struct {
	oauthApp
	SecretSHA256 string `json:"client_secret_sha256"`
}

// oauthAppWithSecret is the answer of create and rotate.
type oauthAppWithSecret struct {
	*oauthApp
	ClientSecret string `json:"client_secret,omitempty"`
}

func oauthAppObject(a *oauthAppRecord) store.Object {
	return store.Object{Kind: kindOAuthApp, ID: a.ID, SortKey: strings.ToLower(a.Name), Search: a.Name,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// secretDigest is the hex SHA-256 digest of a client secret.
func secretDigest(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// normalizeScopes checks space-separated scopes and returns them joined
// by single spaces, each once.
func normalizeScopes(raw string) (string, error) {
	var out []string
	for _, s := range strings.Fields(raw) {
		if !oauthScopes[s] {
			return "", invalid("scopes", "scopes must be space-separated scopes among profile, email, public_metadata, private_metadata, openid and offline_access.")
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return "", invalid("scopes", "scopes must name at least one scope.")
	}
	return strings.Join(out, " "), nil
}

// redirectURIs checks an application's redirect URIs: each a URL, none
// twice.
func redirectURIs(uris []string) ([]string, error) {
	out := make([]string, 0, len(uris))
	for _, u := range uris {
		if err := checkRedirectURL("redirect_uris", u); err != nil {
			return nil, err
		}
		if slices.Contains(out, u) {
			return nil, &Error{Kind: KindBadRequest, Code: "duplicate_record", Message: "duplicate redirect URI",
				LongMessage: "the redirect URI already exists"}
		}
		out = append(out, u)
	}
	return out, nil
}

// setRedirects sets an application's redirect URIs and, from the first,
// its callback URL.
func (a *oauthApp) setRedirects(uris []string) {
	a.RedirectURIs, a.CallbackURL = uris, ""
	if len(uris) > 0 {
		a.CallbackURL = uris[0]
	}
}

// Create registers an application. A confidential one gets a client
// secret, shown in this answer only.
func (s *OAuthApplications) Create(ctx context.Context, p *v2021.OAuthApplicationsCreateParams, later *OAuthApplicationsCreateLater) (JSON[v2021.OAuthApplicationWithSecret], error) {
	if p == nil {
		p = &v2021.OAuthApplicationsCreateParams{}
	}
	if later == nil {
		later = &OAuthApplicationsCreateLater{}
	}
	name := strings.TrimSpace(p.Name)
	if name == "" {
		return nil, missing("name")
	}
	if err := checkLength("name", name, maxNameLength); err != nil {
		return nil, err
	}
	scopes := "profile email"
	if p.Scopes != nil {
		var err error
		if scopes, err = normalizeScopes(*p.Scopes); err != nil {
			return nil, err
		}
	}
	var uris []string
	switch {
	case later.RedirectUris != nil:
		var err error
		if uris, err = redirectURIs(*later.RedirectUris); err != nil {
			return nil, err
		}
	case p.CallbackURL != "":
		if err := checkRedirectURL("callback_url", p.CallbackURL); err != nil {
			return nil, err
		}
		uris = []string{p.CallbackURL}
	default:
		uris = []string{}
	}
	public := p.Public != nil && *p.Public
	now := s.now().UnixMilli()
	base := s.issuer
	a := &oauthAppRecord{oauthApp: oauthApp{Object: "oauth_application", ID: s.rand.id("oa"), InstanceID: s.InstanceID(),
		Name: name, ClientID: s.rand.base62(16), ConsentScreenEnabled: true, Public: public, PKCERequired: public,
		Scopes: scopes, AuthorizeURL: base + "/oauth/authorize", TokenFetchURL: base + "/oauth/token",
		UserInfoURL: base + "/oauth/userinfo", DiscoveryURL: base + "/.well-known/openid-configuration",
		TokenIntrospectionURL: base + "/oauth/token_info", CreatedAt: now, UpdatedAt: now}}
	a.setRedirects(uris)
	if later.ConsentScreenEnabled != nil {
		a.ConsentScreenEnabled = *later.ConsentScreenEnabled
	}
	if later.PkceRequired != nil && !public {
		a.PKCERequired = *later.PkceRequired
	}
	var secret string
	if !public {
		secret = s.rand.base62(32)
		a.SecretSHA256 = secretDigest(secret)
	}
	if err := putObject(ctx, s.store, oauthAppObject(a), a, true); err != nil {
		return nil, err
	}
	return encodeJSON[v2021.OAuthApplicationWithSecret](oauthAppWithSecret{&a.oauthApp, secret})
}

// appOrders are the orders of a list of applications or connections.
var appOrders = map[string]store.ObjectOrder{"created_at": store.ObjectOrderCreatedAt, "name": store.ObjectOrderSortKey}

// List lists the applications, oldest first unless order_by (created_at
// or name, later API versions) says otherwise; name_query keeps those
// whose name contains it, case-insensitively, or whose client ID it is.
func (s *OAuthApplications) List(ctx context.Context, p *v2021.OAuthApplicationsListParams, later *OAuthApplicationsListLater) (JSON[v2021.OAuthApplications], error) {
	if p == nil {
		p = &v2021.OAuthApplicationsListParams{}
	}
	if later == nil {
		later = &OAuthApplicationsListLater{}
	}
	limit, offset, err := paging(p.Limit, p.Offset)
	if err != nil {
		return nil, err
	}
	order, asc, err := orderBy(later.OrderBy, "+created_at", appOrders)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.ListObjects(ctx, store.ObjectQuery{Kind: kindOAuthApp, OrderBy: order, Ascending: asc})
	if err != nil {
		return nil, err
	}
	all, err := decodeObjects[oauthAppRecord](rows)
	if err != nil {
		return nil, err
	}
	out := make([]*oauthApp, 0, len(all))
	q := strings.ToLower(deref(later.NameQuery))
	for _, a := range all {
		if q == "" || strings.Contains(strings.ToLower(a.Name), q) || a.ClientID == deref(later.NameQuery) {
			out = append(out, &a.oauthApp)
		}
	}
	total := int64(len(out))
	out = out[min(offset, len(out)):]
	out = out[:min(limit, len(out))]
	return encodeJSON[v2021.OAuthApplications](page(out, total))
}

// Get returns an application, without its secret.
func (s *OAuthApplications) Get(ctx context.Context, id string) (JSON[v2021.OAuthApplication], error) {
	var a oauthAppRecord
	if err := readObject(ctx, s.store, kindOAuthApp, id, "OAuth application", &a); err != nil {
		return nil, err
	}
	return encodeJSON[v2021.OAuthApplication](&a.oauthApp)
}

// Update changes an application's name, redirect URIs (or callback URL),
// scopes, consent screen or PKCE requirement.
func (s *OAuthApplications) Update(ctx context.Context, id string, p *v2021.OAuthApplicationsUpdateParams, later *OAuthApplicationsUpdateLater) (JSON[v2021.OAuthApplication], error) {
	if p == nil {
		p = &v2021.OAuthApplicationsUpdateParams{}
	}
	if later == nil {
		later = &OAuthApplicationsUpdateLater{}
	}
	var a oauthAppRecord
	err := s.store.Tx(ctx, func(tx store.Store) error {
		if err := readObject(ctx, tx, kindOAuthApp, id, "OAuth application", &a); err != nil {
			return err
		}
		if p.Name != nil {
			name := strings.TrimSpace(*p.Name)
			if name == "" {
				return invalid("name", "name must not be empty.")
			}
			if err := checkLength("name", name, maxNameLength); err != nil {
				return err
			}
			a.Name = name
		}
		if p.Scopes != nil {
			scopes, err := normalizeScopes(*p.Scopes)
			if err != nil {
				return err
			}
			a.Scopes = scopes
		}
		switch {
		case later.RedirectUris != nil:
			uris, err := redirectURIs(*later.RedirectUris)
			if err != nil {
				return err
			}
			a.setRedirects(uris)
		case p.CallbackURL != nil && *p.CallbackURL == "":
			a.setRedirects([]string{})
		case p.CallbackURL != nil:
			if err := checkRedirectURL("callback_url", *p.CallbackURL); err != nil {
				return err
			}
			uris := []string{*p.CallbackURL}
			for _, u := range a.RedirectURIs[min(1, len(a.RedirectURIs)):] {
				if u != *p.CallbackURL {
					uris = append(uris, u)
				}
			}
			a.setRedirects(uris)
		}
		if later.ConsentScreenEnabled != nil {
			a.ConsentScreenEnabled = *later.ConsentScreenEnabled
		}
		if later.PkceRequired != nil && !a.Public {
			a.PKCERequired = *later.PkceRequired
		}
		a.UpdatedAt = s.now().UnixMilli()
		return putObject(ctx, tx, oauthAppObject(&a), &a, false)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("OAuth application")
	}
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.OAuthApplication](&a.oauthApp)
}

// Delete deletes an application.
func (s *OAuthApplications) Delete(ctx context.Context, id string) (*v2021.DeletedObject, error) {
	if err := deleteObject(ctx, s.store, kindOAuthApp, id, "OAuth application"); err != nil {
		return nil, err
	}
	return &v2021.DeletedObject{Object: "oauth_application", ID: id, Deleted: true}, nil
}

// RotateSecret gives a confidential application a new client secret,
// shown in this answer only; the old one stops being its secret. A public
// application has none: its answer carries no secret.
func (s *OAuthApplications) RotateSecret(ctx context.Context, id string) (JSON[v2021.OAuthApplicationWithSecret], error) {
	var a oauthAppRecord
	var secret string
	err := s.store.Tx(ctx, func(tx store.Store) error {
		if err := readObject(ctx, tx, kindOAuthApp, id, "OAuth application", &a); err != nil {
			return err
		}
		if a.Public {
			return nil
		}
		secret = s.rand.base62(32)
		a.SecretSHA256 = secretDigest(secret)
		a.UpdatedAt = s.now().UnixMilli()
		return putObject(ctx, tx, oauthAppObject(&a), &a, false)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("OAuth application")
	}
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.OAuthApplicationWithSecret](oauthAppWithSecret{&a.oauthApp, secret})
}

// checkSecret reports whether secret is the client secret of the
// application, comparing digests in constant time.
func (a *oauthAppRecord) checkSecret(secret string) bool {
	return a.SecretSHA256 != "" && constantTimeEqual(a.SecretSHA256, secretDigest(secret))
}
