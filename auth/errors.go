package auth

import "errors"

// Reason says why a token was not accepted or a request is signed out. The
// values are the ones Clerk's JavaScript SDK uses, so logs and dashboards
// read the same across languages.
type Reason string

// Reasons of token verification (Clerk's TokenVerificationErrorReason).
const (
	ReasonTokenExpired                  Reason = "token-expired"
	ReasonTokenNotActiveYet             Reason = "token-not-active-yet"
	ReasonTokenIatInTheFuture           Reason = "token-iat-in-the-future"
	ReasonTokenInvalid                  Reason = "token-invalid"
	ReasonTokenInvalidAlgorithm         Reason = "token-invalid-algorithm"
	ReasonTokenInvalidSignature         Reason = "token-invalid-signature"
	ReasonTokenInvalidAuthorizedParties Reason = "token-invalid-authorized-parties"
	ReasonTokenVerificationFailed       Reason = "token-verification-failed"
	ReasonJWKLocalMissing               Reason = "jwk-local-missing"
	ReasonJWKRemoteFailedToLoad         Reason = "jwk-remote-failed-to-load"
	ReasonJWKRemoteInvalid              Reason = "jwk-remote-invalid"
	ReasonJWKRemoteMissing              Reason = "jwk-remote-missing"
	ReasonJWKFailedToResolve            Reason = "jwk-failed-to-resolve"
	ReasonJWKKidMismatch                Reason = "jwk-kid-mismatch"
	ReasonSecretKeyInvalid              Reason = "secret-key-invalid"
)

// Reasons of request authentication (Clerk's AuthErrorReason) for a request
// that is signed out without a verification error.
const (
	ReasonSessionTokenMissing            Reason = "session-token-missing"
	ReasonSecretKeyMissing               Reason = "secret-key-missing"
	ReasonSessionTokenAndUATMissing      Reason = "session-token-and-uat-missing"
	ReasonSessionTokenIATBeforeClientUAT Reason = "session-token-iat-before-client-uat"
	ReasonClientUATWithoutSessionToken   Reason = "client-uat-but-no-session-token"
	ReasonSessionTokenWithoutClientUAT   Reason = "session-token-but-no-client-uat"
)

// Error is the error of a failed verification: a Reason from the lists
// above and a message for people. It never contains the token or a key.
type Error struct {
	Reason  Reason
	Message string
	err     error
}

// Error returns the reason and the message.
func (e *Error) Error() string {
	if e.Message == "" {
		return "clerk auth: " + string(e.Reason)
	}
	return "clerk auth: " + string(e.Reason) + ": " + e.Message
}

// Unwrap returns the underlying error, if any (a network error of a JWKS
// fetch, a context error).
func (e *Error) Unwrap() error { return e.err }

// ReasonOf returns the Reason of an error from this package, or "" for any
// other error (including nil).
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func fail(r Reason, msg string) *Error { return &Error{Reason: r, Message: msg} }

func failWrap(r Reason, msg string, err error) *Error {
	return &Error{Reason: r, Message: msg, err: err}
}
