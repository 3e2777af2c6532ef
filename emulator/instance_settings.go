package emulator

import (
	"context"
	"slices"
	"strings"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// The instance's settings: its restrictions (PATCH
// /v1/instance/restrictions), its organization settings (PATCH
// /v1/instance/organization_settings), the settings of PATCH /v1/instance
// and of the beta PATCH /v1/beta_features/instance_settings. They are one
// stored object, of kindInstanceSettings with the ID settingsID, written
// in a transaction with it locked (a read-modify-write never loses a
// concurrent one); an instance that never changed its settings has no
// such object and has the defaults (defaultSettings). They are kept apart
// from the instance's own record (store.Instance: its keys, read once at
// start) so that every request reads the current ones.
//
// What takes effect: the allowlist and blocklist (allowlist.go), the
// organization settings that organizations depend on (the default
// max_allowed_memberships, the creator's role, slugs allowed or not,
// organizations enabled or not). The others are kept and returned.

const (
	kindInstanceSettings = "instance_settings"
	settingsID           = "instance_settings"
)

// settingsRecord is the stored document of the instance's settings.
type settingsRecord struct {
	Restrictions  restrictionsAnswer `json:"restrictions"`
	Auth          authSettings       `json:"auth"`
	Instance      instanceSettings   `json:"instance"`
	Organizations orgSettingsAnswer  `json:"organizations"`
}

// restrictionsAnswer is the instance's restrictions, as the API answers
// them: the fields of every API version (block_disposable_email_domains
// and allowlist_blocklist_disabled_on_sign_in of the later ones,
// ignore_dots_for_gmail_addresses of the older).
type restrictionsAnswer struct {
	Object                             string `json:"object"`
	Allowlist                          bool   `json:"allowlist"`
	Blocklist                          bool   `json:"blocklist"`
	AllowlistBlocklistDisabledOnSignIn bool   `json:"allowlist_blocklist_disabled_on_sign_in"`
	BlockEmailSubaddresses             bool   `json:"block_email_subaddresses"`
	BlockDisposableEmailDomains        bool   `json:"block_disposable_email_domains"`
	IgnoreDotsForGmailAddresses        bool   `json:"ignore_dots_for_gmail_addresses"`
}

// authSettings are the settings of PATCH /v1/beta_features/instance_settings
// not kept elsewhere (restricted_to_allowlist is the restrictions'
// allowlist; enhanced_email_deliverability and test_mode are the
// instance's).
type authSettings struct {
	FromEmailAddress     string `json:"from_email_address"`
	ProgressiveSignUp    bool   `json:"progressive_sign_up"`
	SessionTokenTemplate string `json:"session_token_template"`
}

// instanceSettings are the settings of PATCH /v1/instance.
type instanceSettings struct {
	TestMode                                    bool     `json:"test_mode"`
	HIBP                                        bool     `json:"hibp"`
	EnhancedEmailDeliverability                 bool     `json:"enhanced_email_deliverability"`
	SupportEmail                                *string  `json:"support_email"`
	ClerkJSVersion                              *string  `json:"clerk_js_version"`
	DevelopmentOrigin                           *string  `json:"development_origin"`
	AllowedOrigins                              []string `json:"allowed_origins"`
	URLBasedSessionSyncing                      bool     `json:"url_based_session_syncing"`
	PreferredSignInStrategyWhenPasswordRequired string   `json:"preferred_sign_in_strategy_when_password_required"`
}

// orgSettingsAnswer is the instance's organization settings, as the API
// answers them: the fields of every API version (the HTTP layer drops
// those the legacy versions do not allow).
type orgSettingsAnswer struct {
	Object                 string   `json:"object"`
	Enabled                bool     `json:"enabled"`
	MaxAllowedMemberships  int64    `json:"max_allowed_memberships"`
	MaxAllowedRoles        int64    `json:"max_allowed_roles"`
	MaxAllowedPermissions  int64    `json:"max_allowed_permissions"`
	MaxAllowedDomains      int64    `json:"max_allowed_domains"`
	CreatorRole            string   `json:"creator_role"`
	AdminDeleteEnabled     bool     `json:"admin_delete_enabled"`
	DomainsEnabled         bool     `json:"domains_enabled"`
	SlugDisabled           bool     `json:"slug_disabled"`
	DomainsEnrollmentModes []string `json:"domains_enrollment_modes"`
	DomainsDefaultRole     string   `json:"domains_default_role"`
}

// defaultSettings are the settings of a new development instance:
// restrictions off, progressive sign-up, test mode and HIBP on,
// organizations enabled with no membership limit (0), admins as creators,
// slugs allowed.
func defaultSettings() *settingsRecord {
	return &settingsRecord{
		Restrictions: restrictionsAnswer{Object: "instance_restrictions"},
		Auth:         authSettings{ProgressiveSignUp: true},
		Instance:     instanceSettings{TestMode: true, HIBP: true, URLBasedSessionSyncing: true, AllowedOrigins: []string{}},
		Organizations: orgSettingsAnswer{Object: "organization_settings", Enabled: true, MaxAllowedRoles: 10,
			MaxAllowedPermissions: 50, MaxAllowedDomains: 10, CreatorRole: roleAdmin, AdminDeleteEnabled: true,
			DomainsEnabled: true, DomainsEnrollmentModes: []string{}, DomainsDefaultRole: roleMember},
	}
}

// settings reads the instance's settings through st (inside a
// transaction, the object stays locked until it ends).
func (s *core) settings(ctx context.Context, st store.Store) (*settingsRecord, error) {
	rec := defaultSettings()
	err := readObject(ctx, st, kindInstanceSettings, settingsID, "Instance settings", rec)
	if e, ok := AsError(err); ok && e.Kind == KindNotFound {
		return defaultSettings(), nil
	}
	return rec, err
}

// mutateSettings changes the instance's settings in a transaction, with
// them locked, and returns them as saved. The first change inserts the
// object; two first changes racing conflict, and the loser tries again
// (it then finds the object and locks it).
func (s *core) mutateSettings(ctx context.Context, fn func(rec *settingsRecord) error) (*settingsRecord, error) {
	var out *settingsRecord
	err := retryOnConflict(func() error {
		return s.store.Tx(ctx, func(tx store.Store) error {
			rec := defaultSettings()
			insert := false
			err := readObject(ctx, tx, kindInstanceSettings, settingsID, "Instance settings", rec)
			if e, ok := AsError(err); ok && e.Kind == KindNotFound {
				rec, insert = defaultSettings(), true
			} else if err != nil {
				return err
			}
			if err := fn(rec); err != nil {
				return err
			}
			now := s.now().UnixMilli()
			o := store.Object{Kind: kindInstanceSettings, ID: settingsID, Unique: settingsID, CreatedAt: now, UpdatedAt: now}
			if err := putObject(ctx, tx, o, rec, insert); err != nil {
				return err
			}
			out = rec
			return nil
		})
	})
	return out, err
}

// Update changes the settings of PATCH /v1/instance (answered 204): what
// is left out or null is kept.
func (s *InstanceSettings) Update(ctx context.Context, p *v2021.InstanceSettingsUpdateParams, later *InstanceSettingsUpdateLater) error {
	if p == nil {
		p = &v2021.InstanceSettingsUpdateParams{}
	}
	if later == nil {
		later = &InstanceSettingsUpdateLater{}
	}
	for _, f := range []struct {
		name  string
		value *string
	}{{"support_email", nullablePtr(p.SupportEmail)}, {"clerk_js_version", nullablePtr(p.ClerkJsVersion)},
		{"development_origin", nullablePtr(p.DevelopmentOrigin)}} {
		if f.value != nil {
			if err := checkLength(f.name, *f.value, maxNameLength); err != nil {
				return err
			}
		}
	}
	if v, ok := p.SupportEmail.Get(); ok && v != "" {
		if _, err := normalizeEmail(v); err != nil {
			return invalid("support_email", "support_email must be a valid email address.")
		}
	}
	for _, o := range p.AllowedOrigins {
		if err := checkLength("allowed_origins", o, maxNameLength); err != nil {
			return err
		}
	}
	if v := later.PreferredSignInStrategyWhenPasswordRequired; v != nil && *v != "" && *v != "password" && *v != "otp" {
		return invalid("preferred_sign_in_strategy_when_password_required",
			"preferred_sign_in_strategy_when_password_required must be one of password, otp or empty.")
	}
	_, err := s.mutateSettings(ctx, func(rec *settingsRecord) error {
		in := &rec.Instance
		setBool(&in.TestMode, p.TestMode)
		setBool(&in.HIBP, p.HIBP)
		setBool(&in.EnhancedEmailDeliverability, p.EnhancedEmailDeliverability)
		setString(&in.SupportEmail, p.SupportEmail)
		setString(&in.ClerkJSVersion, p.ClerkJsVersion)
		setString(&in.DevelopmentOrigin, p.DevelopmentOrigin)
		if p.AllowedOrigins != nil {
			in.AllowedOrigins = p.AllowedOrigins
		}
		switch {
		case p.URLBasedSessionSyncing != nil:
			in.URLBasedSessionSyncing = *p.URLBasedSessionSyncing
		case p.CookielessDev != nil: // its deprecated name
			in.URLBasedSessionSyncing = *p.CookielessDev
		}
		if v := later.PreferredSignInStrategyWhenPasswordRequired; v != nil {
			in.PreferredSignInStrategyWhenPasswordRequired = *v
		}
		return nil
	})
	return err
}

// setBool sets *dst to v's value when v is set and not null.
func setBool(dst *bool, v v2021.Nullable[bool]) {
	if b, ok := v.Get(); ok {
		*dst = b
	}
}

// setString sets *dst to v's value when v is set; null clears it.
func setString(dst **string, v v2021.Nullable[string]) {
	if !v.IsSet() {
		return
	}
	*dst = nullablePtr(v)
}

// UpdateRestrictions changes the instance's restrictions as PATCH
// /v1/instance/restrictions does; what is left out or null is kept.
func (s *InstanceSettings) UpdateRestrictions(ctx context.Context, p *v2021.InstanceSettingsUpdateRestrictionsParams, later *InstanceSettingsUpdateRestrictionsLater) (JSON[v2021.InstanceRestrictions], error) {
	if p == nil {
		p = &v2021.InstanceSettingsUpdateRestrictionsParams{}
	}
	rec, err := s.mutateSettings(ctx, func(rec *settingsRecord) error {
		r := &rec.Restrictions
		setBool(&r.Allowlist, p.Allowlist)
		setBool(&r.Blocklist, p.Blocklist)
		setBool(&r.BlockEmailSubaddresses, p.BlockEmailSubaddresses)
		setBool(&r.BlockDisposableEmailDomains, p.BlockDisposableEmailDomains)
		setBool(&r.IgnoreDotsForGmailAddresses, p.IgnoreDotsForGmailAddresses)
		if later != nil && later.AllowlistBlocklistDisabledOnSignIn != nil {
			r.AllowlistBlocklistDisabledOnSignIn = *later.AllowlistBlocklistDisabledOnSignIn
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.InstanceRestrictions](&rec.Restrictions)
}

// orgEnrollmentModes are the domains' enrollment modes an instance can
// enable.
var orgEnrollmentModes = []string{"manual_invitation", "automatic_invitation", "automatic_suggestion"}

// UpdateOrganizationSettings changes the instance's organization settings
// as PATCH /v1/instance/organization_settings does; what is left out or
// null is kept. A role is named by its key ("org:admin"): the emulator
// keeps no role objects, so creator_role_id and domains_default_role_id
// are taken as the keys of the roles they name.
func (s *InstanceSettings) UpdateOrganizationSettings(ctx context.Context, p *v2021.InstanceSettingsUpdateOrganizationSettingsParams, later *InstanceSettingsUpdateOrganizationSettingsLater) (JSON[v2021.OrganizationSettings], error) {
	if p == nil {
		p = &v2021.InstanceSettingsUpdateOrganizationSettingsParams{}
	}
	if n, ok := p.MaxAllowedMemberships.Get(); ok && n < 0 {
		return nil, invalid("max_allowed_memberships", "max_allowed_memberships must be 0 (no limit) or more.")
	}
	for _, m := range p.DomainsEnrollmentModes {
		if !slices.Contains(orgEnrollmentModes, m) {
			return nil, invalid("domains_enrollment_modes",
				"domains_enrollment_modes must hold only "+strings.Join(orgEnrollmentModes, ", ")+".")
		}
	}
	for _, r := range []struct {
		name  string
		value *string
	}{{"creator_role_id", p.CreatorRoleID}, {"domains_default_role_id", p.DomainsDefaultRoleID}} {
		if r.value == nil {
			continue
		}
		if checkRole(*r.value) != nil {
			return nil, &Error{Kind: KindInvalid, Code: "form_param_value_invalid", Param: r.name, Message: "is invalid",
				LongMessage: r.name + " must name a role by its key: org:admin, org:member or another key that starts with \"org:\"."}
		}
	}
	rec, err := s.mutateSettings(ctx, func(rec *settingsRecord) error {
		o := &rec.Organizations
		setBool(&o.Enabled, p.Enabled)
		if p.MaxAllowedMemberships.IsSet() {
			o.MaxAllowedMemberships, _ = p.MaxAllowedMemberships.Get() // null: no limit
		}
		setBool(&o.AdminDeleteEnabled, p.AdminDeleteEnabled)
		setBool(&o.DomainsEnabled, p.DomainsEnabled)
		if p.DomainsEnrollmentModes != nil {
			o.DomainsEnrollmentModes = p.DomainsEnrollmentModes
		}
		if p.CreatorRoleID != nil {
			o.CreatorRole = *p.CreatorRoleID
		}
		if p.DomainsDefaultRoleID != nil {
			o.DomainsDefaultRole = *p.DomainsDefaultRoleID
		}
		if later != nil && later.SlugDisabled != nil {
			o.SlugDisabled = *later.SlugDisabled
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return encodeJSON[v2021.OrganizationSettings](&rec.Organizations)
}

// UpdateInstanceSettings changes the settings of PATCH
// /v1/beta_features/instance_settings: restricted_to_allowlist is the
// restrictions' allowlist, enhanced_email_deliverability and test_mode
// those of PATCH /v1/instance; what is left out or null is kept.
func (s *BetaFeatures) UpdateInstanceSettings(ctx context.Context, p *v2021.BetaFeaturesUpdateInstanceSettingsParams) (*v2021.InstanceSettings, error) {
	if p == nil {
		p = &v2021.BetaFeaturesUpdateInstanceSettingsParams{}
	}
	if v, ok := p.FromEmailAddress.Get(); ok {
		if err := checkLength("from_email_address", v, maxNameLength); err != nil {
			return nil, err
		}
		for _, r := range v {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
				return nil, invalid("from_email_address", "from_email_address must hold only letters and digits.")
			}
		}
	}
	if v, ok := p.SessionTokenTemplate.Get(); ok && v != "" {
		if _, err := s.templateByName(ctx, v); err != nil {
			if e, ok := AsError(err); ok && e.Kind == KindNotFound {
				return nil, invalid("session_token_template", "No JWT template named "+v+" exists.")
			}
			return nil, err
		}
	}
	rec, err := s.mutateSettings(ctx, func(rec *settingsRecord) error {
		setBool(&rec.Restrictions.Allowlist, p.RestrictedToAllowlist)
		if v, ok := p.FromEmailAddress.Get(); ok {
			rec.Auth.FromEmailAddress = v
		} else if p.FromEmailAddress.IsSet() {
			rec.Auth.FromEmailAddress = ""
		}
		setBool(&rec.Auth.ProgressiveSignUp, p.ProgressiveSignUp)
		if p.SessionTokenTemplate.IsSet() {
			rec.Auth.SessionTokenTemplate, _ = p.SessionTokenTemplate.Get()
		}
		setBool(&rec.Instance.EnhancedEmailDeliverability, p.EnhancedEmailDeliverability)
		setBool(&rec.Instance.TestMode, p.TestMode)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &v2021.InstanceSettings{Object: "instance_settings", ID: s.inst.ID,
		RestrictedToAllowlist: rec.Restrictions.Allowlist, FromEmailAddress: rec.Auth.FromEmailAddress,
		ProgressiveSignUp: rec.Auth.ProgressiveSignUp, EnhancedEmailDeliverability: rec.Instance.EnhancedEmailDeliverability}, nil
}

// domainUpdateForbidden is Clerk's answer to changing the production
// domain of a development instance, which the emulated instance is.
func domainUpdateForbidden() *Error {
	return &Error{Kind: KindBadRequest, Code: "domain_update_forbidden", Message: "Domain update was forbidden",
		LongMessage: "Domain can be only updated for production instances"}
}

// UpdateDomain answers PUT /v1/beta_features/domain as Clerk does for a
// development instance: 400 domain_update_forbidden.
func (s *BetaFeatures) UpdateDomain(ctx context.Context, p *v2021.BetaFeaturesUpdateDomainParams) error {
	return domainUpdateForbidden()
}

// ChangeProductionInstanceDomain answers POST /v1/instance/change_domain
// as Clerk does for a development instance: 400 domain_update_forbidden.
func (s *BetaFeatures) ChangeProductionInstanceDomain(ctx context.Context, p *v2021.BetaFeaturesChangeProductionInstanceDomainParams) error {
	return domainUpdateForbidden()
}
