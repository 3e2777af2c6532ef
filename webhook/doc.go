// Package webhook verifies the webhooks Clerk sends through Svix and
// decodes their envelope. It depends on the standard library only.
//
// Verification follows Svix and Standard Webhooks: the headers svix-id,
// svix-timestamp and svix-signature (or webhook-id, webhook-timestamp and
// webhook-signature), a secret "whsec_" + base64 (Clerk's dashboard shows
// it as the endpoint's signing secret; CLERK_WEBHOOK_SIGNING_SECRET is the
// name Clerk's JavaScript SDK reads), HMAC-SHA256 over
// "id.timestamp.body", and a signature header holding one or more
// space-separated "v1,<base64>" signatures of which one must match,
// compared in constant time. The timestamp must be within Options.Tolerance
// (5 minutes) of the clock, both ways, and the body at most
// Options.MaxBodySize (1 MiB).
//
//	v, err := webhook.NewVerifier(webhook.Options{
//		Secret: os.Getenv("CLERK_WEBHOOK_SIGNING_SECRET"),
//	})
//	...
//	http.Handle("/webhooks/clerk", webhook.Handler(v, func(ctx context.Context, ev *webhook.Event) error {
//		switch ev.Type {
//		case webhook.EventUserCreated:
//			u, err := ev.UserCreated() // *webhook.User
//			...
//		case webhook.EventUserDeleted:
//			d, err := ev.UserDeleted() // *webhook.DeletedObject
//			...
//		}
//		return nil
//	}))
//
// A failed verification is an error that errors.Is matches with one of the
// sentinel errors (ErrMissingHeader, ErrInvalidTimestamp,
// ErrTimestampTooOld, ErrTimestampTooNew, ErrNoMatchingSignature,
// ErrBodyTooLarge, ...). No error ever contains a secret or the expected
// signature.
//
// Event is the envelope Clerk sends; its Data is left as raw JSON. For every
// event type of Clerk's webhook spec (api/webhooks-2025-04-15.yml), the
// generated events_gen.go holds a constant (EventUserCreated =
// "user.created"), an accessor that decodes the data into its type
// (Event.UserCreated returns a *User, Event.SessionEnded a
// *SessionEventPayload; the *.deleted events a *DeletedObject) and the
// structs of those types, built from the spec's schemas by internal/gen.
// An accessor called on an event of another type fails with
// ErrWrongEventType, naming both types. Event.DecodeData decodes the data
// into a type of the application's choosing instead.
package webhook
