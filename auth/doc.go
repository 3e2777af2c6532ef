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
package auth
