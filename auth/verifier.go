package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultClockSkew is how far the clocks of Clerk and this server may
// disagree when "exp", "nbf" and "iat" are checked.
const DefaultClockSkew = 5 * time.Second

// Options configure a Verifier. Give either JWTKey (networkless) or
// SecretKey (the keys are fetched from the instance's JWKS and cached).
type Options struct {
	// JWTKey is the instance's PEM public key, from the API Keys page of
	// the Clerk dashboard (CLERK_JWT_KEY). With it, verification makes no
	// network request.
	JWTKey string
	// SecretKey is the instance's secret key (CLERK_SECRET_KEY), used to
	// fetch the JWKS when JWTKey is empty.
	SecretKey string
	// APIURL is the Backend API (default "https://api.clerk.com"), and
	// APIVersion the version segment of its paths (default "v1"): the
	// JWKS is fetched from APIURL/APIVersion/jwks (APIURL may already end
	// in the version, as CLERK_API_URL sometimes does).
	APIURL, APIVersion string
	// Audiences, when set, requires the token's "aud" to contain one of
	// them.
	Audiences []string
	// AuthorizedParties, when set, requires the token's "azp" to be one of
	// them (e.g. "https://example.com"); a token without "azp" then fails.
	// When empty, "azp" is not checked. Set it in production: it stops a
	// token issued for another origin from being replayed here.
	AuthorizedParties []string
	// ClockSkew is the tolerance for "exp", "nbf" and "iat": 0 means
	// DefaultClockSkew, a negative value none.
	ClockSkew time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HTTPClient fetches the JWKS; nil means a client of the Verifier's
	// own. Each fetch is bounded by JWKSFetchTimeout anyway.
	HTTPClient *http.Client
	// JWKSCacheTTL is how long fetched keys are used before they are
	// fetched again (default 1 hour). Use does not extend it.
	JWKSCacheTTL time.Duration
	// JWKSRefetchInterval is the least time between two fetches caused by
	// tokens with an unknown kid (default 5 minutes), so that a flood of
	// forged kids cannot turn into a flood of requests to Clerk.
	JWKSRefetchInterval time.Duration
	// JWKSMaxStale is how long past JWKSCacheTTL the last good keys keep
	// serving while fetches fail (default 24 hours).
	JWKSMaxStale time.Duration
	// JWKSFetchTimeout bounds one JWKS fetch (default 5 seconds).
	JWKSFetchTimeout time.Duration
	// PublishableKey, when set, names the instance's cookies: Clerk
	// suffixes __session and __client_uat with a hash of it when several
	// instances share a domain. Used by AuthenticateRequest only.
	PublishableKey string
	// TokenCacheSize, when positive, turns on a cache of up to that many
	// verified tokens (rounded down to a multiple of 8 above 8), so that a
	// token verified a moment ago is answered without the RSA math and
	// without parsing its claims again; 0 means no cache. A hit still
	// checks exp, nbf, iat, aud and azp with the Verifier's clock and
	// skew, and the token's kid against the current keys: the cache
	// accepts nothing a full verification would reject at that moment.
	// Only successful verifications are cached. See "Token cache" in the
	// package documentation for the memory bound.
	//
	// With the cache on, every call that presents the same token gets the
	// same *Claims, and AuthenticateRequest the same signed-in
	// *RequestState: treat them as read-only.
	TokenCacheSize int
}

// Verifier verifies session tokens with one configuration. It keeps the
// parsed key or the JWKS cache, so create it once and share it: it is safe
// for concurrent use, and two Verifiers share nothing.
type Verifier struct {
	resolve           keyResolver
	audiences         []string
	authorizedParties []string
	skew              time.Duration
	now               func() time.Time
	cookieSuffix      string
	hasKey            bool
	lastHeader        atomic.Pointer[parsedHeader]
	cache             *tokenCache // nil without Options.TokenCacheSize
}

// NewVerifier checks opts and returns a Verifier. It parses JWTKey at once
// (an invalid key is an error here, not on every request) and makes no
// network request: the JWKS is fetched on first use.
func NewVerifier(opts Options) (*Verifier, error) {
	v := &Verifier{
		audiences:         opts.Audiences,
		authorizedParties: opts.AuthorizedParties,
		skew:              opts.ClockSkew,
		now:               opts.Now,
		cache:             newTokenCache(opts.TokenCacheSize),
	}
	switch {
	case v.skew == 0:
		v.skew = DefaultClockSkew
	case v.skew < 0:
		v.skew = 0
	}
	if v.now == nil {
		v.now = time.Now
	}
	if opts.PublishableKey != "" {
		v.cookieSuffix = cookieSuffix(opts.PublishableKey)
	}
	switch {
	case strings.TrimSpace(opts.JWTKey) != "":
		key, err := parsePEMKey(opts.JWTKey)
		if err != nil {
			return nil, err
		}
		v.resolve = func(context.Context, string) (*verificationKey, *Error) { return key, nil }
		v.hasKey = true
	case opts.SecretKey != "":
		apiURL := opts.APIURL
		if apiURL == "" {
			apiURL = "https://api.clerk.com"
		}
		u, err := url.Parse(apiURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, errors.New("clerk auth: APIURL must be an http(s) URL")
		}
		version := opts.APIVersion
		if version == "" {
			version = "v1"
		}
		base := strings.TrimRight(apiURL, "/")
		if seg := "/" + strings.Trim(version, "/"); !strings.HasSuffix(base, seg) {
			// Accept APIURL with or without the version, as CLERK_API_URL
			// is written both ways.
			base += seg
		}
		v.resolve = newJWKSCache(opts, base+"/jwks", v.now).key
		v.hasKey = true
	default:
		// Without a key every verification fails closed; AuthenticateRequest
		// reports secret-key-missing.
		v.resolve = func(context.Context, string) (*verificationKey, *Error) {
			return nil, fail(ReasonJWKLocalMissing, "no JWTKey or SecretKey is configured")
		}
	}
	return v, nil
}

// Verify verifies a session token and returns its claims. A failure is an
// *Error whose Reason says why (ReasonOf reads it).
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	t, err := v.verify(ctx, token)
	if err != nil {
		return nil, err
	}
	return &t.claims, nil
}

// VerifyToken verifies one token with a Verifier made from opts. It suits a
// networkless check with JWTKey; with SecretKey every call fetches the JWKS
// again, so keep a Verifier (NewVerifier) instead.
func VerifyToken(ctx context.Context, token string, opts Options) (*Claims, error) {
	v, err := NewVerifier(opts)
	if err != nil {
		return nil, err
	}
	return v.Verify(ctx, token)
}
