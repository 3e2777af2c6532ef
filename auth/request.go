package auth

import (
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// Status is the outcome of AuthenticateRequest.
type Status string

// The states of a request. Clerk's third state, "handshake" (redirect the
// browser to Clerk to refresh its session cookie), is not implemented: a
// request that would need one is reported signed out, with the reason Clerk
// would give for the handshake (see AuthenticateRequest).
const (
	SignedIn  Status = "signed-in"
	SignedOut Status = "signed-out"
)

// RequestState is what AuthenticateRequest decided about a request. With
// Options.TokenCacheSize set, the signed-in state of a cached token is
// shared by every request that presents the token: treat it as read-only.
type RequestState struct {
	// Status is SignedIn or SignedOut.
	Status Status
	// Reason says why the request is signed out; empty when signed in.
	Reason Reason
	// Message explains Reason for people. It never contains the token.
	Message string
	// Token is the session token that was found, verified or not. Treat
	// it as a secret: do not log it.
	Token string
	// Claims are the verified claims; nil when signed out.
	Claims *Claims
	// Err is the verification error behind Reason, when there was one.
	Err error
}

// IsSignedIn reports whether the request carries a valid session token.
func (s *RequestState) IsSignedIn() bool { return s != nil && s.Status == SignedIn }

// tokenSource says where a request's token came from.
type tokenSource int

const (
	fromNone tokenSource = iota
	fromHeader
	fromCookie
)

// AuthenticateRequest decides whether r comes from a signed-in user.
//
// The token is taken from the Authorization header ("Bearer <token>", the
// scheme in any case) when there is one, else from the __session cookie
// (__session_<suffix> first when Options.PublishableKey is set). A header
// with another scheme (e.g. Basic) is not a session token and is ignored.
//
// For a cookie, Clerk's __client_uat cookie (the time the browser's client
// last changed) is compared with the token as Clerk's SDKs do: no token and
// no client_uat is session-token-and-uat-missing; a client_uat without a
// token is client-uat-but-no-session-token; a token without a client_uat is
// session-token-but-no-client-uat; a token issued before the last client
// change is session-token-iat-before-client-uat (checked after the token is
// verified, so a forged token gets its verification reason instead).
//
// Clerk's SDKs answer those three, and expired cookie tokens, with a
// handshake: a redirect through Clerk's frontend API that refreshes the
// browser's cookies. This package does not implement the handshake (nor
// development-instance browser syncing, satellite domains, or the choice
// between suffixed and plain cookies beyond "suffixed first"): such
// requests are reported signed out with the reason, and a browser app keeps
// its token fresh through Clerk's frontend SDK.
func (v *Verifier) AuthenticateRequest(r *http.Request) *RequestState {
	token, src := v.requestToken(r)
	return v.authenticate(r, token, src)
}

// AuthenticateRequest is Verifier.AuthenticateRequest with a Verifier made
// from opts; keep a Verifier when you authenticate more than one request.
func AuthenticateRequest(r *http.Request, opts Options) (*RequestState, error) {
	v, err := NewVerifier(opts)
	if err != nil {
		return nil, err
	}
	return v.AuthenticateRequest(r), nil
}

func (v *Verifier) authenticate(r *http.Request, token string, src tokenSource) *RequestState {
	if !v.hasKey {
		return signedOut(ReasonSecretKeyMissing, "no JWTKey or SecretKey is configured", token, nil)
	}
	if src == fromCookie || src == fromNone {
		uat := v.clientUAT(r)
		switch {
		case token == "" && uat <= 0:
			return signedOut(ReasonSessionTokenAndUATMissing, "the request has no session token and no client_uat cookie", "", nil)
		case token == "":
			return signedOut(ReasonClientUATWithoutSessionToken, "the browser has a client but sent no session token", "", nil)
		case uat <= 0:
			return signedOut(ReasonSessionTokenWithoutClientUAT, "the session cookie comes without a client_uat cookie", token, nil)
		}
		t, err := v.verify(r.Context(), token)
		if err != nil {
			return signedOut(err.Reason, err.Message, token, err)
		}
		if uat > 0 && t.claims.IssuedAt.Unix() < uat {
			return signedOut(ReasonSessionTokenIATBeforeClientUAT, "the session token is older than the browser's last client change", token, nil)
		}
		return &t.state
	}
	t, err := v.verify(r.Context(), token)
	if err != nil {
		return signedOut(err.Reason, err.Message, token, err)
	}
	return &t.state
}

func signedOut(reason Reason, msg, token string, err error) *RequestState {
	return &RequestState{Status: SignedOut, Reason: reason, Message: msg, Token: token, Err: err}
}

// requestToken finds the session token of a request.
func (v *Verifier) requestToken(r *http.Request) (string, tokenSource) {
	if h := r.Header.Get("Authorization"); h != "" {
		if t, ok := trimBearer(h); ok && t != "" {
			return t, fromHeader
		}
	}
	if v.cookieSuffix != "" {
		if c, err := r.Cookie("__session_" + v.cookieSuffix); err == nil && c.Value != "" {
			return c.Value, fromCookie
		}
	}
	if c, err := r.Cookie("__session"); err == nil && c.Value != "" {
		return c.Value, fromCookie
	}
	return "", fromNone
}

// clientUAT reads the __client_uat cookie (suffixed first): seconds since
// the epoch; 0 when signed out, absent or unreadable.
func (v *Verifier) clientUAT(r *http.Request) int64 {
	names := []string{"__client_uat"}
	if v.cookieSuffix != "" {
		names = []string{"__client_uat_" + v.cookieSuffix, "__client_uat"}
	}
	for _, name := range names {
		if c, err := r.Cookie(name); err == nil {
			n, err := strconv.ParseInt(strings.TrimSpace(c.Value), 10, 64)
			if err != nil || n < 0 {
				return 0
			}
			return n
		}
	}
	return 0
}

// cookieSuffix is the suffix Clerk gives an instance's cookies: the first 8
// characters of the URL-safe base64 of the SHA-1 of the publishable key.
func cookieSuffix(publishableKey string) string {
	sum := sha1.Sum([]byte(publishableKey))
	return base64.URLEncoding.EncodeToString(sum[:])[:8]
}
