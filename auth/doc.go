// Package auth verifies Clerk session tokens and authenticates HTTP
// requests with them. It depends on the standard library only.
//
// A Verifier holds one configuration: networkless with the instance's PEM
// public key (Options.JWTKey), or with the instance's JWKS fetched with the
// secret key (Options.SecretKey) and cached. Create one at start-up and
// share it:
//
//	v, err := auth.NewVerifier(auth.Options{
//		JWTKey:            os.Getenv("CLERK_JWT_KEY"),
//		AuthorizedParties: []string{"https://example.com"},
//	})
//	...
//	http.Handle("/api/", v.RequireSession(apiHandler))
//
// Verification fails closed: every check (size, shape, header, algorithm,
// signature, sub, exp, nbf, iat, aud, azp) must pass, and a failure is an
// *Error with the Reason Clerk's own SDKs give (token-expired,
// token-invalid-signature, ...).
//
// AuthenticateRequest reads the token from the Authorization header or the
// __session cookie and applies Clerk's __client_uat rules to cookies. Clerk's
// "handshake" (a redirect to refresh the browser's cookie) is not
// implemented: such requests are reported signed out with the reason.
//
// # Token cache
//
// A session token lives 60 seconds and a browser sends the same one with
// every request of a page, so most verifications in a busy server are of
// a token the process verified a moment ago. With Options.TokenCacheSize
// set, a Verifier keeps the tokens it verified successfully and answers a
// repeated one in a fraction of a microsecond, without the RSA math and
// without parsing its claims again (BENCHMARKS.md); Verify,
// AuthenticateRequest and the middleware all use it.
//
// What is cached: the outcome of a successful verification (claims, the
// key that verified the signature and the header's kid), keyed by the
// exact bytes of the token, so a token that differs in any byte is
// verified in full. Failures are never cached: a failed token is verified
// in full every time, and no attacker can fill the cache with tokens that
// do not verify.
//
// What a hit checks again: everything that may change between two
// verifications of the same bytes. The kid is resolved against the current
// keys, and the entry is used only if it names the same key (a JWKS
// refresh that drops the kid or gives it another key ends the entry, and
// the token gets the answer of a full verification); then sub, exp, nbf,
// iat, aud and azp are checked by the same code, with the same clock and
// skew, as in a full verification, so an expired token fails with
// token-expired and the same message. A hit accepts nothing that a full
// verification would reject at that moment. An entry that fails a check
// is dropped.
//
// For how long: never past the token's exp (plus the clock skew), and less
// when the cache is full. The table has TokenCacheSize entries in buckets
// of 8 (a token's hash, with a seed random to each Verifier, picks its
// bucket); a full bucket drops its expired entries first, then one that
// was not hit since the CLOCK hand last passed it (an approximation of the
// least recently used).
//
// Memory: each entry counts its token's length plus the size of its claims
// and a fixed 720 bytes on 64-bit platforms (about 2.6 KiB for a 1 KiB
// session token; the count errs high), and the cache holds at most
// TokenCacheSize entries counting at most TokenCacheSize × 4 KiB in all.
// A token whose entry would count over 16 KiB is not cached. The table
// itself takes 21 bytes per entry from the start. TokenCacheSize 10,000
// thus holds at most 41 MB.
//
// Revocation: verification without a network request does not see a
// session revoked at Clerk, cache or not: its token stays valid until its
// exp, at most 60 seconds. A cached token is accepted exactly as long as a
// full verification would accept it, never longer, so the cache widens
// that window by nothing.
//
// Sharing: a hit returns the same *Claims to every caller of the token,
// and AuthenticateRequest the same signed-in *RequestState, so a hit makes
// no allocation. Treat them as read-only: a change would be seen by every
// request with that token.
package auth
