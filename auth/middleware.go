package auth

import (
	"context"
	"encoding/json"
	"net/http"
)

type contextKey struct{}

// MiddlewareOption configures WithRequestState and RequireSession.
type MiddlewareOption func(*middleware)

type middleware struct {
	extract func(*http.Request) string
	onFail  func(http.ResponseWriter, *http.Request, *RequestState)
}

// WithTokenExtractor takes the session token from somewhere else than the
// Authorization header and the __session cookie, e.g. a query parameter of
// a WebSocket upgrade. An empty result means no token; the __client_uat
// rules of cookies do not apply to extracted tokens.
func WithTokenExtractor(extract func(r *http.Request) string) MiddlewareOption {
	return func(m *middleware) { m.extract = extract }
}

// WithFailureHandler replaces RequireSession's answer to a signed-out
// request (by default 401 with a JSON body naming the reason). The handler
// must write the response; the next handler is not called.
func WithFailureHandler(h func(w http.ResponseWriter, r *http.Request, state *RequestState)) MiddlewareOption {
	return func(m *middleware) { m.onFail = h }
}

func (v *Verifier) state(r *http.Request, m *middleware) *RequestState {
	if m.extract != nil {
		t := m.extract(r)
		if t == "" {
			return signedOut(ReasonSessionTokenMissing, "the request has no session token", "", nil)
		}
		return v.authenticate(r, t, fromHeader)
	}
	return v.AuthenticateRequest(r)
}

// WithRequestState authenticates every request, puts the RequestState on
// its context (read it with RequestStateFromContext or ClaimsFromContext)
// and always calls next, signed in or not.
func (v *Verifier) WithRequestState(next http.Handler, opts ...MiddlewareOption) http.Handler {
	m := newMiddleware(opts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := v.state(r, m)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), contextKey{}, st)))
	})
}

// RequireSession lets only signed-in requests reach next. Any other
// request, including one without a token and any failure to verify, is
// answered 401 with {"error":"unauthenticated","reason":...} (or by the
// failure handler): it fails closed.
func (v *Verifier) RequireSession(next http.Handler, opts ...MiddlewareOption) http.Handler {
	m := newMiddleware(opts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := v.state(r, m)
		if !st.IsSignedIn() {
			m.onFail(w, r, st)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), contextKey{}, st)))
	})
}

func newMiddleware(opts []MiddlewareOption) *middleware {
	m := &middleware{onFail: unauthorized}
	for _, o := range opts {
		o(m)
	}
	return m
}

// unauthorized is the default failure answer. It names the reason but never
// echoes the token.
func unauthorized(w http.ResponseWriter, _ *http.Request, st *RequestState) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
	json.NewEncoder(w).Encode(map[string]string{"error": "unauthenticated", "reason": string(st.Reason)})
}

// RequestStateFromContext returns the RequestState the middleware stored.
func RequestStateFromContext(ctx context.Context) (*RequestState, bool) {
	st, ok := ctx.Value(contextKey{}).(*RequestState)
	return st, ok
}

// ClaimsFromContext returns the verified claims of a signed-in request, and
// false when the request is signed out or passed no middleware.
func ClaimsFromContext(ctx context.Context) (*Claims, bool) {
	st, ok := RequestStateFromContext(ctx)
	if !ok || !st.IsSignedIn() {
		return nil, false
	}
	return st.Claims, true
}
