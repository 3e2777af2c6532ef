package auth

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaxTokenSize is the largest token accepted, checked before anything is
// decoded. Session tokens travel in a cookie (at most 4 KiB); tokens of JWT
// templates with many custom claims can be larger, so the cap is 16 KiB.
const MaxTokenSize = 16 << 10

// splitToken checks the token's size and shape and returns the positions of
// its two dots. The segments' alphabet is checked by the strict base64url
// decoding that follows (decodeSegment), which rejects padding and the
// standard alphabet; line breaks, which encoding/base64 would skip, are
// refused here too.
func splitToken(token string) (dot1, dot2 int, err *Error) {
	if len(token) > MaxTokenSize {
		return 0, 0, fail(ReasonTokenInvalid, fmt.Sprintf("token is longer than %d bytes", MaxTokenSize))
	}
	dot1 = strings.IndexByte(token, '.')
	if dot1 < 0 {
		return 0, 0, fail(ReasonTokenInvalid, "token has fewer than three segments")
	}
	dot2 = strings.IndexByte(token[dot1+1:], '.')
	if dot2 < 0 {
		return 0, 0, fail(ReasonTokenInvalid, "token has fewer than three segments")
	}
	dot2 += dot1 + 1
	if strings.IndexByte(token[dot2+1:], '.') >= 0 {
		return 0, 0, fail(ReasonTokenInvalid, "token has more than three segments")
	}
	if dot1 == 0 || dot2 == dot1+1 {
		return 0, 0, fail(ReasonTokenInvalid, "token has an empty header or payload")
	}
	if strings.IndexByte(token, '\n') >= 0 || strings.IndexByte(token, '\r') >= 0 {
		return 0, 0, fail(ReasonTokenInvalid, "token has a line break")
	}
	return dot1, dot2, nil
}

// tokenHeader holds what verification reads of the JOSE header.
type tokenHeader struct {
	alg, kid string
}

func parseHeader(seg string) (tokenHeader, *Error) {
	var h tokenHeader
	var buf [512]byte
	if decodedLen(len(seg)) > len(buf) {
		return h, fail(ReasonTokenInvalid, "token header is too large")
	}
	n, ok := decodeSegment(buf[:], seg)
	if !ok {
		return h, fail(ReasonTokenInvalid, "token header is not base64url")
	}
	var typ string
	var hasAlg bool
	perr := eachMember(string(buf[:n]), func(m member) error {
		var err error
		switch m.name {
		case "alg":
			h.alg, err = str(m)
			hasAlg = true
		case "kid":
			h.kid, err = str(m)
		case "typ":
			typ, err = str(m)
		case "crit":
			// No header extension is understood, so none may be critical.
			err = errors.New("critical header parameters are not supported")
		}
		if err != nil {
			return fmt.Errorf("header %s: %w", m.name, err)
		}
		return nil
	})
	if perr != nil {
		return h, failWrap(ReasonTokenInvalid, "token header is invalid", perr)
	}
	if typ != "" && typ != "JWT" {
		return h, fail(ReasonTokenInvalid, fmt.Sprintf("token type %q, want JWT", typ))
	}
	if !hasAlg {
		return h, fail(ReasonTokenInvalidAlgorithm, "token header has no alg")
	}
	switch h.alg {
	case "RS256", "RS384", "RS512":
	default:
		return h, fail(ReasonTokenInvalidAlgorithm, fmt.Sprintf("algorithm %q is not allowed; use RS256", h.alg))
	}
	return h, nil
}

// parsedHeader is a header segment and what it parses to.
type parsedHeader struct {
	seg string
	h   tokenHeader
}

// header parses a header segment. All tokens of an instance carry the same
// header, so the last one parsed successfully is kept: the same bytes give
// the same result, and a segment that differs is parsed in full.
func (v *Verifier) header(seg string) (tokenHeader, *Error) {
	if last := v.lastHeader.Load(); last != nil && last.seg == seg {
		return last.h, nil
	}
	h, e := parseHeader(seg)
	if e == nil && len(seg) <= 512 {
		v.lastHeader.Store(&parsedHeader{seg: strings.Clone(seg), h: h})
	}
	return h, e
}

// keyResolver finds the key for a token's kid.
type keyResolver func(ctx context.Context, kid string) (*verificationKey, *Error)

// verify returns a session token's verified claims and signed-in state:
// from the token cache when it holds the token and the token still passes,
// else by verifyToken, whose success the cache then keeps.
func (v *Verifier) verify(ctx context.Context, token string) (*verified, *Error) {
	if v.cache == nil || len(token) > cacheMaxEntryBytes {
		// (A token that long could not be cached: it is not even hashed.)
		return v.verifyToken(ctx, token)
	}
	hash := v.cache.hash(token)
	if e := v.cache.get(hash, token); e != nil {
		// A hit skips what depends on the token's bytes alone (shape,
		// header, signature, parsing the claims) and redoes the rest as
		// verifyToken would: resolve the kid (a JWKS refresh may have
		// dropped it or changed its key), then check the claims now.
		key, err := v.resolve(ctx, e.v.kid)
		if err == nil && key.equal(e.v.key) {
			if err = v.checkClaims(&e.v.claims); err == nil {
				return e.v, nil
			}
		}
		v.cache.remove(e)
		if err != nil {
			return nil, err
		}
		// The kid names another key now: verify in full, against it.
	}
	t, err := v.verifyToken(ctx, token)
	if err != nil {
		return nil, err // failures are never cached
	}
	// The cache keeps its own copy of the token, not the request's memory
	// around it; the shared signed-in state refers to that copy.
	t.state.Token = strings.Clone(token)
	v.cache.add(&cacheEntry{
		hash: hash, token: t.state.Token, v: t,
		expiry: v.expiry(&t.claims), cost: entryCost(t),
	}, v.now())
	return t, nil
}

// verifyToken runs every check of a session token in order, each failing
// closed: shape and size, header, algorithm, signature, then the claims.
func (v *Verifier) verifyToken(ctx context.Context, token string) (*verified, *Error) {
	dot1, dot2, e := splitToken(token)
	if e != nil {
		return nil, e
	}
	h, e := v.header(token[:dot1])
	if e != nil {
		return nil, e
	}
	key, e := v.resolve(ctx, h.kid)
	if e != nil {
		return nil, e
	}
	if h.alg != key.alg {
		return nil, fail(ReasonTokenInvalidAlgorithm, fmt.Sprintf("token algorithm %s does not match the key's %s", h.alg, key.alg))
	}
	if e := verifySignature(key, h.alg, token[:dot2], token[dot2+1:]); e != nil {
		return nil, e
	}
	// Decode on the stack when the payload fits (session tokens do), so
	// that the claims' one string is the only copy.
	var stack [2048]byte
	payload := stack[:]
	if need := decodedLen(dot2 - dot1 - 1); need > len(stack) {
		payload = make([]byte, need)
	}
	n, ok := decodeSegment(payload, token[dot1+1:dot2])
	if !ok {
		return nil, fail(ReasonTokenInvalid, "token payload is not base64url")
	}
	t := new(verified)
	if err := parseClaims(string(payload[:n]), &t.claims); err != nil {
		if errors.Is(err, errClaim) {
			// Valid JSON, but a registered claim of the wrong type.
			return nil, failWrap(ReasonTokenVerificationFailed, err.Error(), err)
		}
		return nil, failWrap(ReasonTokenInvalid, "token payload is not a JSON object", err)
	}
	if e := v.checkClaims(&t.claims); e != nil {
		return nil, e
	}
	t.state = RequestState{Status: SignedIn, Token: token, Claims: &t.claims}
	t.key, t.kid = key, h.kid
	return t, nil
}

func verifySignature(key *verificationKey, alg, signingInput, sigSeg string) *Error {
	var buf [512]byte // room for a 4096-bit signature
	size := key.pub.Size()
	if decodedLen(len(sigSeg)) != size || size > len(buf) {
		return fail(ReasonTokenInvalidSignature, "signature has the wrong length")
	}
	if _, ok := decodeSegment(buf[:], sigSeg); !ok {
		return fail(ReasonTokenInvalidSignature, "signature is not base64url")
	}
	// The hash functions take a []byte: copy the signing input to the
	// stack rather than to the heap (session tokens are about 1 KiB).
	var stack [2048]byte
	var input []byte
	if len(signingInput) <= len(stack) {
		input = stack[:copy(stack[:], signingInput)]
	} else {
		input = []byte(signingInput)
	}
	var err error
	switch alg {
	case "RS256":
		sum := sha256.Sum256(input)
		err = rsa.VerifyPKCS1v15(key.pub, crypto.SHA256, sum[:], buf[:size])
	case "RS384":
		sum := sha512.Sum384(input)
		err = rsa.VerifyPKCS1v15(key.pub, crypto.SHA384, sum[:], buf[:size])
	case "RS512":
		sum := sha512.Sum512(input)
		err = rsa.VerifyPKCS1v15(key.pub, crypto.SHA512, sum[:], buf[:size])
	}
	if err != nil {
		return fail(ReasonTokenInvalidSignature, "signature does not match")
	}
	return nil
}

// expiry is the instant from which a token with claims c is expired: its
// exp plus the clock skew.
func (v *Verifier) expiry(c *Claims) time.Time { return c.ExpiresAt.Add(v.skew) }

// checkClaims checks the registered claims of a token whose signature is
// valid, at the Verifier's current time. The token cache runs it on every
// hit: all that may change between two verifications of the same token is
// checked here.
func (v *Verifier) checkClaims(c *Claims) *Error {
	if c.Subject == "" {
		return fail(ReasonTokenVerificationFailed, "token has no subject (sub)")
	}
	if c.ExpiresAt.IsZero() {
		return fail(ReasonTokenVerificationFailed, "token has no expiry (exp)")
	}
	now := v.now()
	skew := v.skew
	if !now.Before(v.expiry(c)) {
		return fail(ReasonTokenExpired, fmt.Sprintf("token expired at %s (now %s, clock skew %s)", c.ExpiresAt.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339), skew))
	}
	if !c.NotBefore.IsZero() && c.NotBefore.After(now.Add(skew)) {
		return fail(ReasonTokenNotActiveYet, fmt.Sprintf("token is not valid before %s", c.NotBefore.UTC().Format(time.RFC3339)))
	}
	if !c.IssuedAt.IsZero() && c.IssuedAt.After(now.Add(skew)) {
		return fail(ReasonTokenIatInTheFuture, fmt.Sprintf("token is issued in the future (%s)", c.IssuedAt.UTC().Format(time.RFC3339)))
	}
	if len(v.audiences) > 0 && !slices.ContainsFunc(c.Audience, func(a string) bool { return slices.Contains(v.audiences, a) }) {
		return fail(ReasonTokenVerificationFailed, "token audience (aud) is not one of the expected audiences")
	}
	if len(v.authorizedParties) > 0 && !slices.Contains(v.authorizedParties, c.AuthorizedParty) {
		if c.AuthorizedParty == "" {
			return fail(ReasonTokenInvalidAuthorizedParties, "token has no authorized party (azp)")
		}
		return fail(ReasonTokenInvalidAuthorizedParties, fmt.Sprintf("authorized party %q is not allowed", c.AuthorizedParty))
	}
	return nil
}

// Decoded is a token's header and payload, not verified.
type Decoded struct {
	Header  json.RawMessage `json:"header"`
	Payload json.RawMessage `json:"payload"`
}

// Decode returns a token's header and payload without verifying anything:
// for debugging only, never for a decision about access.
func Decode(token string) (*Decoded, error) {
	dot1, dot2, e := splitToken(token)
	if e != nil {
		return nil, e
	}
	var d Decoded
	for i, seg := range []string{token[:dot1], token[dot1+1 : dot2]} {
		raw := make([]byte, max(decodedLen(len(seg)), 0))
		n, ok := decodeSegment(raw, seg)
		raw = raw[:n]
		if !ok || eachMember(string(raw), func(member) error { return nil }) != nil {
			return nil, fail(ReasonTokenInvalid, []string{"header", "payload"}[i]+" is not a base64url JSON object")
		}
		if i == 0 {
			d.Header = raw
		} else {
			d.Payload = raw
		}
	}
	return &d, nil
}

// trimBearer returns the token of an Authorization header value of the
// Bearer scheme (the scheme is case-insensitive, RFC 9110), and false for
// any other value.
func trimBearer(v string) (string, bool) {
	const scheme = "bearer "
	if len(v) <= len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) {
		return "", false
	}
	return strings.TrimSpace(v[len(scheme):]), true
}
