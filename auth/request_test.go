package auth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestCookieSuffixMatchesClerk(t *testing.T) {
	// The test vector of Clerk's shared keys helpers.
	if got := cookieSuffix("pk_live_Y2xlcmsuY2xlcmsuZGV2JA"); got != "1Z8AzTQD" {
		t.Fatalf("got %q", got)
	}
}

func TestAuthenticateRequest(t *testing.T) {
	key, otherKey := keys(t)
	good := sign(t, key, hdr(""), claimsAt(epoch)) // iat = epoch-10s
	forged := sign(t, otherKey, hdr(""), claimsAt(epoch))
	iat := epoch.Unix() - 10
	uat := func(n int64) *http.Cookie { return &http.Cookie{Name: "__client_uat", Value: strconv.FormatInt(n, 10)} }
	session := func(tok string) *http.Cookie { return &http.Cookie{Name: "__session", Value: tok} }

	tests := []struct {
		name    string
		header  string
		cookies []*http.Cookie
		opts    Options
		want    Reason // "" means signed in
	}{
		{"a bearer header signs in", "Bearer " + good, nil, Options{}, ""},
		{"the scheme is case-insensitive", "bearer " + good, nil, Options{}, ""},
		{"a forged header token signs out with its reason", "Bearer " + forged, nil, Options{}, ReasonTokenInvalidSignature},
		{"Basic is not a session token", "Basic dXNlcjpwYXNz", nil, Options{}, ReasonSessionTokenAndUATMissing},
		{"the header wins over a cookie", "Bearer " + good, []*http.Cookie{session(forged), uat(1)}, Options{}, ""},
		{"the header wins even when it is the bad one", "Bearer " + forged, []*http.Cookie{session(good), uat(1)}, Options{}, ReasonTokenInvalidSignature},
		{"no token and no client_uat", "", nil, Options{}, ReasonSessionTokenAndUATMissing},
		{"client_uat 0 and no token", "", []*http.Cookie{uat(0)}, Options{}, ReasonSessionTokenAndUATMissing},
		{"a cookie token with an older client_uat signs in", "", []*http.Cookie{session(good), uat(iat - 100)}, Options{}, ""},
		{"a cookie token with an equal client_uat signs in", "", []*http.Cookie{session(good), uat(iat)}, Options{}, ""},
		{"a cookie token older than client_uat signs out", "", []*http.Cookie{session(good), uat(iat + 1)}, Options{}, ReasonSessionTokenIATBeforeClientUAT},
		{"a cookie token without client_uat signs out", "", []*http.Cookie{session(good)}, Options{}, ReasonSessionTokenWithoutClientUAT},
		{"a cookie token with client_uat 0 signs out", "", []*http.Cookie{session(good), uat(0)}, Options{}, ReasonSessionTokenWithoutClientUAT},
		{"client_uat without a token signs out", "", []*http.Cookie{uat(iat)}, Options{}, ReasonClientUATWithoutSessionToken},
		{"a forged cookie token signs out with its reason", "", []*http.Cookie{session(forged), uat(1)}, Options{}, ReasonTokenInvalidSignature},
		{"suffixed cookies are read first", "", []*http.Cookie{
			{Name: "__session_1Z8AzTQD", Value: good}, {Name: "__client_uat_1Z8AzTQD", Value: "1"},
			session(forged), uat(1),
		}, Options{PublishableKey: "pk_live_Y2xlcmsuY2xlcmsuZGV2JA"}, ""},
		{"plain cookies serve when no suffixed ones exist", "", []*http.Cookie{session(good), uat(1)}, Options{PublishableKey: "pk_live_Y2xlcmsuY2xlcmsuZGV2JA"}, ""},
		{"an authorized-party mismatch signs out", "Bearer " + good, nil, Options{AuthorizedParties: []string{"https://evil.example"}}, ReasonTokenInvalidAuthorizedParties},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := networkless(t, tt.opts)
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			for _, c := range tt.cookies {
				r.AddCookie(c)
			}
			st := v.AuthenticateRequest(r)
			if st.Reason != tt.want {
				t.Fatalf("reason %q, want %q (%s)", st.Reason, tt.want, st.Message)
			}
			if (tt.want == "") != st.IsSignedIn() || (st.IsSignedIn() && st.Claims.Subject != "user_123") {
				t.Fatalf("state %+v", st)
			}
			if !st.IsSignedIn() && st.Claims != nil {
				t.Fatal("a signed-out state carries claims")
			}
		})
	}

	t.Run("no key configured is secret-key-missing", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+good)
		st, err := AuthenticateRequest(r, Options{})
		if err != nil || st.Reason != ReasonSecretKeyMissing || st.IsSignedIn() {
			t.Fatalf("%+v %v", st, err)
		}
	})
}

func TestMiddleware(t *testing.T) {
	key, otherKey := keys(t)
	good := sign(t, key, hdr(""), claimsAt(epoch))
	expired := sign(t, key, hdr(""), with(claimsAt(epoch), "exp", epoch.Add(-time.Hour).Unix()))
	forged := sign(t, otherKey, hdr(""), claimsAt(epoch))
	v := networkless(t, Options{})
	var reached bool
	var seen *Claims
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached = true
		seen, _ = ClaimsFromContext(r.Context())
		w.WriteHeader(http.StatusNoContent)
	})
	do := func(h http.Handler, header string) *httptest.ResponseRecorder {
		reached, seen = false, nil
		r := httptest.NewRequest(http.MethodGet, "/api", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	t.Run("RequireSession passes a signed-in request with its claims", func(t *testing.T) {
		w := do(v.RequireSession(next), "Bearer "+good)
		if w.Code != http.StatusNoContent || !reached || seen == nil || seen.Subject != "user_123" {
			t.Fatalf("code %d reached %v claims %v", w.Code, reached, seen)
		}
	})
	for _, tc := range []struct{ name, header, reason string }{
		{"no token", "", "session-token-and-uat-missing"},
		{"an expired token", "Bearer " + expired, "token-expired"},
		{"a forged token", "Bearer " + forged, "token-invalid-signature"},
		{"garbage", "Bearer not.a.jwt", "token-invalid"},
	} {
		t.Run("RequireSession answers 401 to "+tc.name, func(t *testing.T) {
			w := do(v.RequireSession(next), tc.header)
			if w.Code != http.StatusUnauthorized || reached {
				t.Fatalf("code %d, next reached %v", w.Code, reached)
			}
			var body map[string]string
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body["reason"] != tc.reason || body["error"] != "unauthenticated" {
				t.Fatalf("body %s", w.Body)
			}
			if tc.header != "" && strings.Contains(w.Body.String(), strings.TrimPrefix(tc.header, "Bearer ")) {
				t.Fatal("the body echoes the token")
			}
			if w.Header().Get("WWW-Authenticate") == "" {
				t.Fatal("no WWW-Authenticate header")
			}
		})
	}
	t.Run("WithRequestState always calls next and stores the state", func(t *testing.T) {
		var st *RequestState
		h := v.WithRequestState(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st, _ = RequestStateFromContext(r.Context())
			_, ok := ClaimsFromContext(r.Context())
			reached = !ok
		}))
		do(h, "Bearer "+forged)
		if st == nil || st.Reason != ReasonTokenInvalidSignature {
			t.Fatalf("state %+v", st)
		}
		do(h, "Bearer "+good)
		if st == nil || !st.IsSignedIn() {
			t.Fatalf("state %+v", st)
		}
	})
	t.Run("a token extractor replaces the header and cookie", func(t *testing.T) {
		h := v.RequireSession(next, WithTokenExtractor(func(r *http.Request) string { return r.URL.Query().Get("token") }))
		r := httptest.NewRequest(http.MethodGet, "/ws?token="+good, nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusNoContent {
			t.Fatalf("code %d", w.Code)
		}
		if w := do(h, "Bearer "+good); w.Code != http.StatusUnauthorized {
			t.Fatalf("the header was used despite the extractor: %d", w.Code)
		}
	})
	t.Run("a failure handler answers instead", func(t *testing.T) {
		h := v.RequireSession(next, WithFailureHandler(func(w http.ResponseWriter, r *http.Request, st *RequestState) {
			http.Redirect(w, r, "/sign-in?reason="+string(st.Reason), http.StatusFound)
		}))
		w := do(h, "")
		if w.Code != http.StatusFound || w.Header().Get("Location") != "/sign-in?reason=session-token-and-uat-missing" || reached {
			t.Fatalf("code %d location %q", w.Code, w.Header().Get("Location"))
		}
	})
	t.Run("ClaimsFromContext without the middleware is empty", func(t *testing.T) {
		if _, ok := ClaimsFromContext(httptest.NewRequest(http.MethodGet, "/", nil).Context()); ok {
			t.Fatal("claims from nowhere")
		}
	})
}
