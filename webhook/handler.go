package webhook

import (
	"context"
	"errors"
	"net/http"
)

// HandlerFunc handles one verified event. Returning an error makes
// Handler answer 500, so that the sender retries the message later.
type HandlerFunc func(ctx context.Context, ev *Event) error

// Handler returns an http.Handler that verifies each request with v,
// decodes its event and calls fn with the request's context. It answers:
//
//   - 204 No Content when fn returns nil;
//   - 405 Method Not Allowed for a method other than POST;
//   - 413 Request Entity Too Large for a body over Options.MaxBodySize;
//   - 400 Bad Request for any other failed check (missing headers, bad or
//     out-of-tolerance timestamp, no matching signature, unreadable body,
//     a body that is not an event), with the check in a plain-text body;
//   - 500 Internal Server Error when fn returns an error, whose text is
//     not sent (it may hold application details): log it in fn.
//
// Svix, and so Clerk, treats any 2xx as delivered and retries on anything
// else; a message is delivered at least once, so fn may see the same
// event twice (the svix-id header, the same on every attempt, identifies
// it).
func Handler(v *Verifier, fn HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "webhook: method not allowed", http.StatusMethodNotAllowed)
			return
		}
		body, err := v.VerifyRequest(r)
		if err != nil {
			status := http.StatusBadRequest
			if errors.Is(err, ErrBodyTooLarge) {
				status = http.StatusRequestEntityTooLarge
			}
			// The messages of this package never hold a secret or a
			// signature.
			http.Error(w, err.Error(), status)
			return
		}
		ev, err := DecodeEvent(body)
		if err != nil {
			http.Error(w, ErrMalformedEvent.Error(), http.StatusBadRequest)
			return
		}
		if err := fn(r.Context(), ev); err != nil {
			http.Error(w, "webhook: handler failed", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
