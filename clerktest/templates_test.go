package clerktest_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/auth"
	"github.com/clerkgo/clerk/clerktest"
)

// templateSession starts a session for the user over HTTP (POST
// /v1/sessions exists from API version 2024-10-01) and returns its ID.
func templateSession(t *testing.T, srv *clerktest.Server, userID string) string {
	t.Helper()
	status, body := raw(t, srv, "POST", "/v1/sessions", "2026-05-12", srv.SecretKey, map[string]any{"user_id": userID})
	var sess clerk.Session
	if status != 200 || json.Unmarshal(body, &sess) != nil || sess.Status != "active" {
		t.Fatalf("create session: %d %s", status, body)
	}
	return sess.ID
}

// apiError returns err's status, first code and first param_name.
func apiError(err error) (int, string, any) {
	var e *clerk.APIError
	if !errors.As(err, &e) || len(e.Errors) == 0 {
		return 0, "", nil
	}
	return e.StatusCode, e.Errors[0].Code, e.Errors[0].Meta["param_name"]
}

// jwtPayload decodes a token's payload without verifying it.
func jwtPayload(t *testing.T, token string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", token)
	}
	for i, v := range []*map[string]any{&header, &payload} {
		data, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	return header, payload
}

func TestJWTTemplatesThroughTheSDK(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	c := srv.Client.JWTTemplates

	hasura, err := c.Create(ctx, &clerk.JWTTemplatesCreateParams{
		Name:   "hasura",
		Claims: map[string]any{"https://hasura.io/jwt/claims": map[string]any{"x-hasura-user-id": "{{user.id}}"}, "n": 12345678901234567},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hasura.ID, "jtmp_") || hasura.Object != "jwt_template" || hasura.Name != "hasura" ||
		hasura.Lifetime != 60 || hasura.AllowedClockSkew != 5 || hasura.CustomSigningKey || hasura.SigningAlgorithm != "RS256" ||
		hasura.CreatedAt == 0 || hasura.UpdatedAt != hasura.CreatedAt {
		t.Fatalf("created %+v", hasura)
	}
	got, err := c.Get(ctx, hasura.ID)
	if err != nil || got.Name != "hasura" || got.Claims["https://hasura.io/jwt/claims"].(map[string]any)["x-hasura-user-id"] != "{{user.id}}" {
		t.Fatalf("get: %+v %v", got, err)
	}
	// Numbers of the claims are kept exactly (beyond float64's 2^53).
	if status, body := raw(t, srv, "GET", "/v1/jwt_templates/"+hasura.ID, "", srv.SecretKey, nil); status != 200 || !bytes.Contains(body, []byte(`"n":12345678901234567`)) {
		t.Fatalf("exact numbers: %d %s", status, body)
	}

	supa, err := c.Create(ctx, &clerk.JWTTemplatesCreateParams{Name: "supabase", Claims: map[string]any{"role": "authenticated"},
		Lifetime: clerk.Ptr[int64](3600), AllowedClockSkew: clerk.Ptr[int64](0)})
	if err != nil || supa.Lifetime != 3600 || supa.AllowedClockSkew != 0 {
		t.Fatalf("create with lifetime and skew: %+v %v", supa, err)
	}

	t.Run("a taken name is form_identifier_exists", func(t *testing.T) {
		_, err := c.Create(ctx, &clerk.JWTTemplatesCreateParams{Name: "hasura", Claims: map[string]any{}})
		if status, code, param := apiError(err); status != 422 || code != "form_identifier_exists" || param != "name" {
			t.Fatalf("got %v", err)
		}
	})

	t.Run("list: the SDK's page, the bare array, and paging", func(t *testing.T) {
		page, err := c.List(ctx, nil)
		if err != nil || page.TotalCount != 2 || len(page.Data) != 2 || page.Data[0].ID != hasura.ID || page.Data[1].ID != supa.ID {
			t.Fatalf("list: %+v %v", page, err)
		}
		status, body := raw(t, srv, "GET", "/v1/jwt_templates", "", srv.SecretKey, nil)
		var bare []clerk.JWTTemplate
		if status != 200 || json.Unmarshal(body, &bare) != nil || len(bare) != 2 {
			t.Fatalf("bare array: %d %s", status, body)
		}
		status, body = raw(t, srv, "GET", "/v1/jwt_templates?paginated=true&limit=1&offset=1", "2025-11-10", srv.SecretKey, nil)
		var paged clerk.JWTTemplateList
		if status != 200 || json.Unmarshal(body, &paged) != nil || paged.TotalCount != 2 || len(paged.Data) != 1 || paged.Data[0].ID != supa.ID {
			t.Fatalf("paged: %d %s", status, body)
		}
	})

	t.Run("update keeps what is left out; null is the default again", func(t *testing.T) {
		// Since 2024-10-01 an update requires name and claims: what can be
		// left out is the rest.
		u, err := c.Update(ctx, supa.ID, &clerk.JWTTemplatesUpdateParams{Name: "supabase2", Claims: supa.Claims, Lifetime: clerk.Null[int64]()})
		if err != nil || u.Name != "supabase2" || u.Lifetime != 60 || u.AllowedClockSkew != 0 || u.Claims["role"] != "authenticated" || u.CreatedAt != supa.CreatedAt {
			t.Fatalf("%+v %v", u, err)
		}
		u, err = c.Update(ctx, supa.ID, &clerk.JWTTemplatesUpdateParams{Name: "supabase2", Claims: map[string]any{"role": "anon"}, Lifetime: clerk.NullableOf[int64](120), AllowedClockSkew: clerk.Null[int64]()})
		if err != nil || u.Name != "supabase2" || u.Lifetime != 120 || u.AllowedClockSkew != 5 || u.Claims["role"] != "anon" || len(u.Claims) != 1 {
			t.Fatalf("%+v %v", u, err)
		}
		// 2021-02-05 still takes an update without them, and keeps them.
		var old clerk.JWTTemplate
		err = srv.Client.Do(ctx, &clerk.RawRequest{Method: "PATCH", Path: "/jwt_templates/" + supa.ID, APIVersion: "2021-02-05",
			Body: map[string]any{"lifetime": 120}}, &old)
		if err != nil || old.Name != "supabase2" || old.Claims["role"] != "anon" || old.Lifetime != 120 || old.AllowedClockSkew != 5 {
			t.Fatalf("2021-02-05: %+v %v", old, err)
		}
		err = srv.Client.Do(ctx, &clerk.RawRequest{Method: "PATCH", Path: "/jwt_templates/" + supa.ID,
			Body: map[string]any{"claims": map[string]any{}}}, nil)
		if status, code, param := apiError(err); status != 422 || code != "form_param_missing" || param != "name" {
			t.Fatalf("an update without name: %v", err)
		}
		_, err = c.Update(ctx, supa.ID, &clerk.JWTTemplatesUpdateParams{Name: "hasura", Claims: map[string]any{}})
		if status, code, param := apiError(err); status != 422 || code != "form_identifier_exists" || param != "name" {
			t.Fatalf("renaming to a taken name: %v", err)
		}
		_, err = c.Update(ctx, "jtmp_nope", &clerk.JWTTemplatesUpdateParams{Name: "x", Claims: map[string]any{}})
		if !clerk.IsNotFound(err) {
			t.Fatalf("unknown template: %v", err)
		}
	})

	t.Run("later API versions: integers, required name and claims", func(t *testing.T) {
		const v = "2026-05-12"
		status, body := raw(t, srv, "POST", "/v1/jwt_templates", v, srv.SecretKey, map[string]any{"name": "later", "claims": map[string]any{"a": 1}, "lifetime": 90})
		var tmpl clerk.JWTTemplate
		if status != 200 || json.Unmarshal(body, &tmpl) != nil || tmpl.Lifetime != 90 || tmpl.SigningAlgorithm != "RS256" {
			t.Fatalf("create: %d %s", status, body)
		}
		status, body = raw(t, srv, "PATCH", "/v1/jwt_templates/"+tmpl.ID, v, srv.SecretKey, map[string]any{"name": "later", "claims": map[string]any{"b": "{{user.id}}"}, "allowed_clock_skew": 30})
		if status != 200 || json.Unmarshal(body, &tmpl) != nil || tmpl.AllowedClockSkew != 30 || tmpl.Lifetime != 90 || tmpl.Claims["b"] != "{{user.id}}" {
			t.Fatalf("update: %d %s", status, body)
		}
		if _, err := c.Delete(ctx, tmpl.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("delete, then not found", func(t *testing.T) {
		d, err := c.Delete(ctx, supa.ID)
		if err != nil || !d.Deleted || d.ID != supa.ID || d.Object != "jwt_template" {
			t.Fatalf("delete: %+v %v", d, err)
		}
		if _, err := c.Get(ctx, supa.ID); !clerk.IsNotFound(err) {
			t.Fatalf("get after delete: %v", err)
		}
		if _, err := c.Delete(ctx, supa.ID); !clerk.IsNotFound(err) {
			t.Fatalf("delete twice: %v", err)
		}
		// The name is free again.
		if _, err := c.Create(ctx, &clerk.JWTTemplatesCreateParams{Name: "supabase2", Claims: map[string]any{}}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestJWTTemplateValidation(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	c := srv.Client.JWTTemplates
	tests := []struct {
		name   string
		params *clerk.JWTTemplatesCreateParams
		status int
		code   string
		param  string
	}{
		{"no name", &clerk.JWTTemplatesCreateParams{Claims: map[string]any{}}, 422, "form_param_missing", "name"},
		{"claims null (a nil Claims)", &clerk.JWTTemplatesCreateParams{Name: "a"}, 422, "form_param_format_invalid", "claims"},
		{"a reserved claim, as Clerk: 400", &clerk.JWTTemplatesCreateParams{Name: "a", Claims: map[string]any{"sub": "{{user.id}}"}}, 400, "jwt_template_reserved_claim", "claims"},
		{"a malformed shortcode", &clerk.JWTTemplatesCreateParams{Name: "a", Claims: map[string]any{"x": "{{user.id || }}"}}, 422, "form_param_format_invalid", "claims"},
		{"a lifetime below 30", &clerk.JWTTemplatesCreateParams{Name: "a", Claims: map[string]any{}, Lifetime: clerk.Ptr[int64](10)}, 422, "form_param_format_invalid", "lifetime"},
		{"a clock skew above 300", &clerk.JWTTemplatesCreateParams{Name: "a", Claims: map[string]any{}, AllowedClockSkew: clerk.Ptr[int64](301)}, 422, "form_param_format_invalid", "allowed_clock_skew"},
		{"another algorithm without a custom key", &clerk.JWTTemplatesCreateParams{Name: "a", Claims: map[string]any{}, SigningAlgorithm: clerk.Ptr("HS256")}, 422, "form_param_value_invalid", "signing_algorithm"},
		{"a custom key without its algorithm", &clerk.JWTTemplatesCreateParams{Name: "a", Claims: map[string]any{}, CustomSigningKey: clerk.Ptr(true), SigningKey: clerk.Ptr("s")}, 422, "form_param_missing", "signing_algorithm"},
		{"a custom key left out", &clerk.JWTTemplatesCreateParams{Name: "a", Claims: map[string]any{}, CustomSigningKey: clerk.Ptr(true), SigningAlgorithm: clerk.Ptr("HS256")}, 422, "form_param_missing", "signing_key"},
		{"an algorithm the emulator lacks", &clerk.JWTTemplatesCreateParams{Name: "a", Claims: map[string]any{}, CustomSigningKey: clerk.Ptr(true), SigningAlgorithm: clerk.Ptr("EdDSA"), SigningKey: clerk.Ptr("k")}, 422, "form_param_value_invalid", "signing_algorithm"},
		{"an RS256 key that is no PEM", &clerk.JWTTemplatesCreateParams{Name: "a", Claims: map[string]any{}, CustomSigningKey: clerk.Ptr(true), SigningAlgorithm: clerk.Ptr("RS256"), SigningKey: clerk.Ptr("nope")}, 422, "form_param_format_invalid", "signing_key"},
		{"an RSA key for ES256", &clerk.JWTTemplatesCreateParams{Name: "a", Claims: map[string]any{}, CustomSigningKey: clerk.Ptr(true), SigningAlgorithm: clerk.Ptr("ES256"), SigningKey: clerk.Ptr(rsaPEM(t))}, 422, "form_param_format_invalid", "signing_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Create(ctx, tt.params)
			if status, code, param := apiError(err); status != tt.status || code != tt.code || param != tt.param {
				t.Fatalf("got %d %s %v (%v), want %d %s %s", status, code, param, err, tt.status, tt.code, tt.param)
			}
		})
	}
	t.Run("no claims", func(t *testing.T) {
		// Claims is sent even when nil (null): Client.Do leaves it out.
		err := srv.Client.Do(ctx, &clerk.RawRequest{Method: "POST", Path: "/jwt_templates", Body: map[string]any{"name": "a"}}, nil)
		if status, code, param := apiError(err); status != 422 || code != "form_param_missing" || param != "claims" {
			t.Fatalf("got %d %s %v (%v), want 422 form_param_missing claims", status, code, param, err)
		}
	})
	t.Run("a fractional lifetime", func(t *testing.T) {
		// Lifetime is an *int64: the SDK cannot send 60.5, Client.Do can.
		err := srv.Client.Do(ctx, &clerk.RawRequest{Method: "POST", Path: "/jwt_templates",
			Body: map[string]any{"name": "a", "claims": map[string]any{}, "lifetime": 60.5}}, nil)
		if status, code, param := apiError(err); status != 422 || code != "form_param_format_invalid" || param != "lifetime" {
			t.Fatalf("got %d %s %v (%v), want 422 form_param_format_invalid lifetime", status, code, param, err)
		}
	})
	if page, err := c.List(ctx, nil); err != nil || page.TotalCount != 0 {
		t.Fatalf("a refused template was saved: %+v %v", page, err)
	}
	// The secret of a refused key is never echoed.
	_, err := c.Create(ctx, &clerk.JWTTemplatesCreateParams{Name: "a", Claims: map[string]any{}, CustomSigningKey: clerk.Ptr(true), SigningAlgorithm: clerk.Ptr("RS256"), SigningKey: clerk.Ptr("s3cr3t-value")})
	var e *clerk.APIError
	if !errors.As(err, &e) || bytes.Contains(e.Body, []byte("s3cr3t-value")) {
		t.Fatalf("%v", err)
	}
}

func TestTokensFromTemplates(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	user := srv.CreateUser(t, &clerk.UsersCreateParams{
		EmailAddress: []string{"ada@example.com"}, PhoneNumber: []string{"+15555550100"},
		FirstName: clerk.Ptr("Ada"), LastName: clerk.Ptr("Lovelace"), Username: clerk.Ptr("ada_l"), ExternalID: clerk.Ptr("ext-42"),
		PublicMetadata:  map[string]any{"plan": map[string]any{"tier": "pro", "seats": 5}, "beta": true},
		UnsafeMetadata:  map[string]any{"theme": "dark"},
		PrivateMetadata: map[string]any{"secret": "hidden"},
	})
	sid := templateSession(t, srv, user.ID)
	tmpl, err := srv.Client.JWTTemplates.Create(ctx, &clerk.JWTTemplatesCreateParams{
		Name: "app", Lifetime: clerk.Ptr[int64](120), AllowedClockSkew: clerk.Ptr[int64](10),
		Claims: map[string]any{
			"aud":       "https://api.example.com",
			"version":   1,
			"name":      "{{user.full_name}}",
			"greeting":  "Hello {{user.first_name}}!",
			"email":     "{{user.primary_email_address}}",
			"phone":     "{{user.primary_phone_number}}",
			"username":  "{{user.username}}",
			"ext":       "{{user.external_id}}",
			"plan":      "{{user.public_metadata.plan}}",
			"tier":      "{{user.public_metadata.plan.tier}}",
			"seats":     "{{user.public_metadata.plan.seats}}",
			"beta":      "{{user.public_metadata.beta}}",
			"theme":     "{{user.unsafe_metadata.theme}}",
			"missing":   "{{user.public_metadata.nope}}",
			"unknown":   "{{user.i_dont_exist}}",
			"private":   "{{user.private_metadata}}",
			"fallback":  "{{user.public_metadata.nope || 'free'}}",
			"verified":  "{{user.email_verified}}",
			"created":   "{{user.created_at}}",
			"sid":       "{{session.id}}",
			"nested":    map[string]any{"id": "{{user.id}}", "list": []any{"{{user.first_name}}", 2, "{{user.public_metadata.plan.seats}}"}},
			"interests": []any{"hiking"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}

	resp, err := srv.Client.Sessions.CreateTokenFromTemplate(ctx, sid, "app", nil)
	if err != nil || resp.Object != "token" || resp.JWT == "" {
		t.Fatalf("%+v %v", resp, err)
	}
	claims, err := auth.VerifyToken(ctx, resp.JWT, srv.AuthOptions())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if claims.Subject != user.ID || !strings.HasPrefix(claims.Issuer, "https://clerk.") || claims.ID == "" ||
		len(claims.Audience) != 1 || claims.Audience[0] != "https://api.example.com" || claims.SessionID != sid {
		t.Fatalf("standard claims: %+v", claims)
	}
	if life := claims.ExpiresAt.Sub(claims.IssuedAt); life != 120*time.Second {
		t.Fatalf("exp - iat = %s, want the template's lifetime 120s", life)
	}
	if skew := claims.IssuedAt.Sub(claims.NotBefore); skew != 10*time.Second {
		t.Fatalf("iat - nbf = %s, want the allowed clock skew 10s", skew)
	}
	header, _ := jwtPayload(t, resp.JWT)
	if header["alg"] != "RS256" || header["kid"] == nil {
		t.Fatalf("header %v", header)
	}

	// Each custom claim, as its raw JSON: the types are the shortcodes'.
	want := map[string]string{
		"version":   `1`,
		"name":      `"Ada Lovelace"`,
		"greeting":  `"Hello Ada!"`,
		"email":     `"ada@example.com"`,
		"phone":     `"+15555550100"`,
		"username":  `"ada_l"`,
		"ext":       `"ext-42"`,
		"plan":      `{"seats":5,"tier":"pro"}`,
		"tier":      `"pro"`,
		"seats":     `5`,
		"beta":      `true`,
		"theme":     `"dark"`,
		"missing":   `null`,
		"unknown":   `null`,
		"private":   `null`,
		"fallback":  `"free"`,
		"verified":  `true`,
		"created":   jsonOf(user.CreatedAt / 1000),
		"sid":       jsonOf(sid),
		"nested":    `{"id":` + jsonOf(user.ID) + `,"list":["Ada",2,5]}`,
		"interests": `["hiking"]`,
	}
	for name, w := range want {
		got, ok := claims.Get(name)
		if !ok || compactJSON(t, got) != w {
			t.Errorf("claim %s = %s (present %v), want %s", name, got, ok, w)
		}
	}
	if bytes.Contains(claims.RawJSON(), []byte("hidden")) {
		t.Fatalf("private metadata leaked: %s", claims.RawJSON())
	}
	if _, ok := claims.Get("act"); ok {
		t.Fatal("an act claim in a token of a session without an actor")
	}

	t.Run("expires_in_seconds overrides the lifetime (later API versions)", func(t *testing.T) {
		status, body := raw(t, srv, "POST", "/v1/sessions/"+sid+"/tokens/app", "2025-11-10", srv.SecretKey, map[string]any{"expires_in_seconds": 600})
		var tok clerk.SessionsCreateTokenFromTemplateResponse
		if status != 200 || json.Unmarshal(body, &tok) != nil {
			t.Fatalf("%d %s", status, body)
		}
		c, err := auth.VerifyToken(ctx, tok.JWT, srv.AuthOptions())
		if err != nil || c.ExpiresAt.Sub(c.IssuedAt) != 600*time.Second {
			t.Fatalf("%+v %v", c, err)
		}
	})

	t.Run("a template update shows in the next token", func(t *testing.T) {
		if _, err := srv.Client.JWTTemplates.Update(ctx, tmpl.ID, &clerk.JWTTemplatesUpdateParams{Name: "app", Claims: map[string]any{"only": "{{user.last_name}}"}, Lifetime: clerk.NullableOf[int64](45)}); err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client.Sessions.CreateTokenFromTemplate(ctx, sid, "app", nil)
		if err != nil {
			t.Fatal(err)
		}
		c, err := auth.VerifyToken(ctx, resp.JWT, srv.AuthOptions())
		if err != nil || c.ExpiresAt.Sub(c.IssuedAt) != 45*time.Second || c.SessionID != "" {
			t.Fatalf("%+v %v", c, err)
		}
		if v, _ := c.Get("only"); string(v) != `"Lovelace"` {
			t.Fatalf("only = %s", v)
		}
		if _, ok := c.Get("name"); ok {
			t.Fatal("claims of the old template remain")
		}
	})

	t.Run("not found: session, template", func(t *testing.T) {
		if _, err := srv.Client.Sessions.CreateTokenFromTemplate(ctx, "sess_nope", "app", nil); !clerk.IsNotFound(err) {
			t.Fatalf("unknown session: %v", err)
		}
		_, err := srv.Client.Sessions.CreateTokenFromTemplate(ctx, sid, "nope", nil)
		var e *clerk.APIError
		if !clerk.IsNotFound(err) || !errors.As(err, &e) || !strings.Contains(e.Errors[0].LongMessage, "nope") {
			t.Fatalf("unknown template: %v", err)
		}
	})

	t.Run("a revoked session gets no template token", func(t *testing.T) {
		other := templateSession(t, srv, user.ID)
		if _, err := srv.Client.Sessions.Revoke(ctx, other); err != nil {
			t.Fatal(err)
		}
		_, err := srv.Client.Sessions.CreateTokenFromTemplate(ctx, other, "app", nil)
		if status, code, _ := apiError(err); status != 400 || code != "session_not_active" {
			t.Fatalf("%v", err)
		}
	})
}

func TestTemplatesWithCustomSigningKeys(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	user := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"k@example.com"}, FirstName: clerk.Ptr("Kay")})
	sid := templateSession(t, srv, user.ID)
	c := srv.Client.JWTTemplates

	mint := func(t *testing.T, name string) (string, map[string]any, map[string]any) {
		t.Helper()
		resp, err := srv.Client.Sessions.CreateTokenFromTemplate(ctx, sid, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		h, p := jwtPayload(t, resp.JWT)
		return resp.JWT, h, p
	}

	t.Run("HS256 with a shared secret", func(t *testing.T) {
		secret := "a-shared-secret-of-at-least-32-bytes!"
		tmpl, err := c.Create(ctx, &clerk.JWTTemplatesCreateParams{Name: "hs", Claims: map[string]any{"name": "{{user.first_name}}"},
			CustomSigningKey: clerk.Ptr(true), SigningAlgorithm: clerk.Ptr("HS256"), SigningKey: clerk.Ptr(secret)})
		if err != nil || !tmpl.CustomSigningKey || tmpl.SigningAlgorithm != "HS256" {
			t.Fatalf("%+v %v", tmpl, err)
		}
		status, body := raw(t, srv, "GET", "/v1/jwt_templates/"+tmpl.ID, "", srv.SecretKey, nil)
		if status != 200 || bytes.Contains(body, []byte(secret)) || bytes.Contains(body, []byte(`"signing_key"`)) {
			t.Fatalf("the key is shown: %s", body)
		}
		tok, h, p := mint(t, "hs")
		if h["alg"] != "HS256" || h["kid"] != nil || p["name"] != "Kay" || p["sub"] != user.ID {
			t.Fatalf("%v %v", h, p)
		}
		i := strings.LastIndexByte(tok, '.')
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(tok[:i]))
		if base64.RawURLEncoding.EncodeToString(m.Sum(nil)) != tok[i+1:] {
			t.Fatal("HS256 signature does not verify")
		}
		// Not with the instance's key.
		if _, err := auth.VerifyToken(ctx, tok, srv.AuthOptions()); err == nil {
			t.Fatal("an HS256 token verified with the instance key")
		}

		// Back to the instance key: custom_signing_key false.
		u, err := c.Update(ctx, tmpl.ID, &clerk.JWTTemplatesUpdateParams{Name: tmpl.Name, Claims: tmpl.Claims, CustomSigningKey: clerk.Ptr(false)})
		if err != nil || u.CustomSigningKey || u.SigningAlgorithm != "RS256" {
			t.Fatalf("%+v %v", u, err)
		}
		tok, _, _ = mint(t, "hs")
		if _, err := auth.VerifyToken(ctx, tok, srv.AuthOptions()); err != nil {
			t.Fatalf("after switching back: %v", err)
		}
	})

	t.Run("RS256 with a custom RSA key verifies with its public key", func(t *testing.T) {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKCS8PrivateKey(key)
		// As an environment variable often holds it: "\n" escaped.
		escaped := strings.ReplaceAll(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "\n", `\n`)
		if _, err := c.Create(ctx, &clerk.JWTTemplatesCreateParams{Name: "rs", Claims: map[string]any{"n": "{{user.first_name}}"},
			CustomSigningKey: clerk.Ptr(true), SigningAlgorithm: clerk.Ptr("RS256"), SigningKey: clerk.Ptr(escaped)}); err != nil {
			t.Fatal(err)
		}
		tok, h, _ := mint(t, "rs")
		if h["alg"] != "RS256" || h["kid"] != nil {
			t.Fatalf("header %v", h)
		}
		pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
		claims, err := auth.VerifyToken(ctx, tok, auth.Options{JWTKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))})
		if err != nil || claims.Subject != user.ID {
			t.Fatalf("%+v %v", claims, err)
		}
		if _, err := auth.VerifyToken(ctx, tok, srv.AuthOptions()); err == nil {
			t.Fatal("a custom-key token verified with the instance key")
		}
	})

	t.Run("ES256 with a custom EC key", func(t *testing.T) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalECPrivateKey(key)
		if _, err := c.Create(ctx, &clerk.JWTTemplatesCreateParams{Name: "es", Claims: map[string]any{},
			CustomSigningKey: clerk.Ptr(true), SigningAlgorithm: clerk.Ptr("ES256"),
			SigningKey: clerk.Ptr(string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})))}); err != nil {
			t.Fatal(err)
		}
		tok, h, _ := mint(t, "es")
		i := strings.LastIndexByte(tok, '.')
		sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
		if err != nil || h["alg"] != "ES256" || len(sig) != 64 {
			t.Fatalf("%v %d %v", h, len(sig), err)
		}
		sum := sha256.Sum256([]byte(tok[:i]))
		if !ecdsa.Verify(&key.PublicKey, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			t.Fatal("ES256 signature does not verify")
		}
	})

	t.Run("switching algorithm keeps a key that fits, refuses one that does not", func(t *testing.T) {
		tmpl, err := c.Create(ctx, &clerk.JWTTemplatesCreateParams{Name: "switch", Claims: map[string]any{},
			CustomSigningKey: clerk.Ptr(true), SigningAlgorithm: clerk.Ptr("HS256"), SigningKey: clerk.Ptr("secret")})
		if err != nil {
			t.Fatal(err)
		}
		if u, err := c.Update(ctx, tmpl.ID, &clerk.JWTTemplatesUpdateParams{Name: tmpl.Name, Claims: tmpl.Claims, SigningAlgorithm: clerk.NullableOf("HS512")}); err != nil || u.SigningAlgorithm != "HS512" {
			t.Fatalf("%+v %v", u, err)
		}
		if _, h, _ := mint(t, "switch"); h["alg"] != "HS512" {
			t.Fatalf("header %v", h)
		}
		_, err = c.Update(ctx, tmpl.ID, &clerk.JWTTemplatesUpdateParams{Name: tmpl.Name, Claims: tmpl.Claims, SigningAlgorithm: clerk.NullableOf("RS256")})
		if status, code, param := apiError(err); status != 422 || code != "form_param_format_invalid" || param != "signing_key" {
			t.Fatalf("%v", err)
		}
	})
}

// rsaPEM returns a PKCS #1 PEM of a new 2048-bit RSA key.
func rsaPEM(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
}

func jsonOf(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// compactJSON re-encodes raw JSON with sorted keys and no spaces.
func compactJSON(t *testing.T, raw []byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return jsonOf(v)
}
