package webhook

import "errors"

// Sentinel errors, one per check. A failure returned by this package
// matches exactly one of them with errors.Is; its message may add which
// header or which option, never a secret or a signature.
var (
	// ErrInvalidSecret: a secret given to NewVerifier is empty or not
	// "whsec_" followed by standard base64.
	ErrInvalidSecret = errors.New("webhook: invalid signing secret")
	// ErrInvalidOptions: another option given to NewVerifier is out of
	// range (a negative Tolerance or MaxBodySize).
	ErrInvalidOptions = errors.New("webhook: invalid options")
	// ErrMissingHeader: the request lacks svix-id, svix-timestamp or
	// svix-signature (and the webhook-* names are not all present either).
	ErrMissingHeader = errors.New("webhook: missing signature header")
	// ErrInvalidHeader: the id or signature header is longer than this
	// package accepts (MaxIDLength, MaxSignatureHeaderLength).
	ErrInvalidHeader = errors.New("webhook: invalid signature header")
	// ErrInvalidTimestamp: the timestamp header is not an integer number
	// of seconds.
	ErrInvalidTimestamp = errors.New("webhook: invalid timestamp")
	// ErrTimestampTooOld: the timestamp is further in the past than the
	// tolerance (a replayed or long-delayed message).
	ErrTimestampTooOld = errors.New("webhook: timestamp too old")
	// ErrTimestampTooNew: the timestamp is further in the future than the
	// tolerance.
	ErrTimestampTooNew = errors.New("webhook: timestamp too new")
	// ErrNoMatchingSignature: no "v1," signature of the header matches the
	// message under any of the secrets.
	ErrNoMatchingSignature = errors.New("webhook: no matching signature")
	// ErrBodyTooLarge: the body is longer than Options.MaxBodySize.
	ErrBodyTooLarge = errors.New("webhook: body too large")
	// ErrReadBody: reading the request body failed (e.g. the client went
	// away).
	ErrReadBody = errors.New("webhook: reading the body failed")
	// ErrMalformedEvent: a verified body is not a Clerk event envelope, or
	// its data is not what the decoding asked for.
	ErrMalformedEvent = errors.New("webhook: malformed event")
	// ErrWrongEventType: a typed accessor (Event.UserCreated, ...) was
	// called on an event of another type.
	ErrWrongEventType = errors.New("webhook: wrong event type")
)
