package clerk_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"

	"github.com/clerkgo/clerk"
)

// TestMain starts the fake Backend API the examples call, and points the
// environment that clerk.NewClientFromEnv reads at it.
func TestMain(m *testing.M) {
	srv := httptest.NewServer(fakeAPI())
	os.Setenv("CLERK_SECRET_KEY", "sk_test_examples")
	os.Setenv("CLERK_API_URL", srv.URL) // "/v1" is appended, as for https://api.clerk.com
	code := m.Run()
	srv.Close()
	os.Exit(code)
}

// fakeAPI answers the few requests the examples make, with the shapes of
// the real API. It checks the key, so a broken Authorization header shows.
func fakeAPI() http.Handler {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(v)
	}
	user := func(id, first string) clerk.User {
		return clerk.User{ID: id, Object: "user", FirstName: clerk.Ptr(first), PublicMetadata: map[string]any{}}
	}
	org := clerk.Organization{ID: "org_engines", Object: "organization", Name: "Analytical Engines", Slug: "analytical-engines"}
	mux.HandleFunc("GET /v1/email_addresses/idn_123", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, clerk.EmailAddress{ID: "idn_123", Object: "email_address", EmailAddress: "ada@example.com",
			Verification: &clerk.EmailAddressVerification{Status: "verified", Strategy: "email_code"}})
	})
	mux.HandleFunc("POST /v1/sessions", func(w http.ResponseWriter, r *http.Request) {
		var p clerk.SessionsCreateSessionParams
		json.NewDecoder(r.Body).Decode(&p)
		reply(w, 200, clerk.Session{ID: "sess_1", Object: "session", UserID: p.UserID, ClientID: "client_1", Status: "active"})
	})
	mux.HandleFunc("POST /v1/sessions/sess_1/tokens", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, clerk.SessionsGetTokenResponse{Object: "token", JWT: "eyJhbGciOiJSUzI1NiJ9.e30.sig"})
	})
	mux.HandleFunc("POST /v1/m2m_tokens", func(w http.ResponseWriter, r *http.Request) {
		var p clerk.M2MCreateTokenParams
		json.NewDecoder(r.Body).Decode(&p)
		exp := int64(1798761600000)
		if p.SecondsUntilExpiration == nil {
			exp = 0
		}
		reply(w, 200, clerk.M2MCreateTokenResponse{Object: "machine_to_machine_token", ID: "mt_1", Subject: "mch_billing",
			Token: "mt_secret", Scopes: []string{"mch_ledger"}, Expiration: &exp})
	})
	mux.HandleFunc("GET /v1/users/user_ada", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, user("user_ada", "Ada"))
	})
	mux.HandleFunc("GET /v1/users/user_missing", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 404, map[string]any{
			"errors":         []map[string]any{{"code": "resource_not_found", "message": "not found", "long_message": "Resource not found"}},
			"clerk_trace_id": "trace_abc",
		})
	})
	mux.HandleFunc("POST /v1/users", func(w http.ResponseWriter, r *http.Request) {
		var p clerk.UsersCreateParams
		json.NewDecoder(r.Body).Decode(&p)
		u := user("user_grace", *p.FirstName)
		u.PublicMetadata = p.PublicMetadata
		reply(w, 200, u)
	})
	mux.HandleFunc("PATCH /v1/users/user_ada", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		u := user("user_ada", "Ada")
		u.LastName = clerk.Ptr("Lovelace")
		if v, ok := body["first_name"].(string); ok {
			u.FirstName = &v
		}
		if v, ok := body["last_name"]; ok && v == nil {
			u.LastName = nil
		}
		reply(w, 200, u)
	})
	mux.HandleFunc("GET /v1/users", func(w http.ResponseWriter, r *http.Request) {
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		all := []clerk.User{user("user_1", "One"), user("user_2", "Two"), user("user_3", "Three")}
		end := min(offset+limit, len(all))
		reply(w, 200, all[min(offset, len(all)):end])
	})
	mux.HandleFunc("POST /v1/users/user_ada/profile_image", func(w http.ResponseWriter, r *http.Request) {
		_, hdr, err := r.FormFile("file")
		if err != nil {
			reply(w, 400, map[string]any{"errors": []map[string]any{{"code": "bad_request", "message": err.Error()}}})
			return
		}
		u := user("user_ada", "Ada")
		u.ImageURL = "https://img.example.com/" + hdr.Filename
		reply(w, 200, u)
	})
	mux.HandleFunc("POST /v1/organizations", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, org)
	})
	mux.HandleFunc("GET /v1/users/user_ada/organization_memberships", func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, clerk.OrganizationMemberships{TotalCount: 1, Data: []*clerk.OrganizationMembership{
			{ID: "orgmem_1", Object: "organization_membership", Role: "org:admin", Organization: &org},
		}})
	})
	mux.HandleFunc("GET /v1/sessions", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("paginated") != "true" {
			reply(w, 400, map[string]any{"errors": []map[string]any{{"code": "want_paginated", "message": "send paginated=true"}}})
			return
		}
		reply(w, 200, clerk.SessionList{TotalCount: 1, Data: []*clerk.Session{
			{ID: "sess_1", Object: "session", Status: "active", UserID: r.URL.Query().Get("user_id")},
		}})
	})
	mux.HandleFunc("POST /v1/invitations", func(w http.ResponseWriter, r *http.Request) {
		var p clerk.InvitationsCreateParams
		json.NewDecoder(r.Body).Decode(&p)
		reply(w, 200, clerk.Invitation{ID: "inv_1", Object: "invitation", EmailAddress: p.EmailAddress, Status: "pending"})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer sk_test_examples" {
			reply(w, 401, map[string]any{"errors": []map[string]any{{"code": "authentication_invalid", "message": "bad key"}}})
			return
		}
		mux.ServeHTTP(w, r)
	})
}
