package emulator

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/clerkgo/clerk/internal/v2021"
)

// renderUser is the user of the renderer's tests.
func renderUser() *v2021.User {
	email, phone := "idn_email", "idn_phone"
	return &v2021.User{
		ID: "user_123", FirstName: v2021.Ptr("Ada"), LastName: v2021.Ptr("Lovelace"), Username: v2021.Ptr("ada"),
		ExternalID: v2021.Ptr("ext-1"), ImageURL: "https://img.example/ada.png", HasImage: true,
		CreatedAt: 1700000000123, UpdatedAt: 1700000100999,
		PrimaryEmailAddressID: &email, PrimaryPhoneNumberID: &phone,
		EmailAddresses: []*v2021.EmailAddress{
			{ID: "idn_other", EmailAddress: "other@example.com", Verification: &v2021.EmailAddressVerification{Status: "verified"}},
			{ID: email, EmailAddress: "ada@example.com", Verification: &v2021.EmailAddressVerification{Status: "unverified"}},
		},
		PhoneNumbers: []*v2021.PhoneNumber{
			{ID: phone, PhoneNumber: "+15555550100", Verification: &v2021.PhoneNumberVerification{Status: "verified"}},
		},
		PublicMetadata: map[string]any{
			"plan":      map[string]any{"tier": "pro", "seats": float64(5), "active": true, "trial": false, "none": nil},
			"interests": []any{"hiking", "knitting"},
			"role":      "admin",
		},
		UnsafeMetadata:  map[string]any{"theme": "dark"},
		PrivateMetadata: map[string]any{"secret": "never in a token"},
	}
}

func renderData() map[string]any {
	return shortcodeData(renderUser(), &v2021.Session{ID: "sess_1", Status: "active"})
}

func TestRenderString(t *testing.T) {
	bare := &v2021.User{ID: "user_bare", ImageURL: "https://img.example/default.png", CreatedAt: 5000}
	bareData := shortcodeData(bare, nil)
	tests := []struct {
		name string
		in   string
		data map[string]any
		want any
	}{
		// One shortcode: the JSON type of its value.
		{"id", "{{user.id}}", nil, "user_123"},
		{"first name", "{{user.first_name}}", nil, "Ada"},
		{"last name", "{{user.last_name}}", nil, "Lovelace"},
		{"full name", "{{user.full_name}}", nil, "Ada Lovelace"},
		{"username", "{{user.username}}", nil, "ada"},
		{"external id", "{{user.external_id}}", nil, "ext-1"},
		{"the primary email, not the first", "{{user.primary_email_address}}", nil, "ada@example.com"},
		{"email_verified is the primary email's", "{{user.email_verified}}", nil, false},
		{"primary phone", "{{user.primary_phone_number}}", nil, "+15555550100"},
		{"phone verified", "{{user.phone_number_verified}}", nil, true},
		{"image url", "{{user.image_url}}", nil, "https://img.example/ada.png"},
		{"has image", "{{user.has_image}}", nil, true},
		{"created_at in seconds", "{{user.created_at}}", nil, int64(1700000000)},
		{"updated_at in seconds", "{{user.updated_at}}", nil, int64(1700000100)},
		{"metadata object", "{{user.unsafe_metadata}}", nil, map[string]any{"theme": "dark"}},
		{"nested metadata string", "{{user.public_metadata.plan.tier}}", nil, "pro"},
		{"nested metadata number", "{{user.public_metadata.plan.seats}}", nil, float64(5)},
		{"nested metadata bool", "{{user.public_metadata.plan.active}}", nil, true},
		{"nested metadata array", "{{user.public_metadata.interests}}", nil, []any{"hiking", "knitting"}},
		{"array index", "{{user.public_metadata.interests.1}}", nil, "knitting"},
		{"array index out of range", "{{user.public_metadata.interests.7}}", nil, nil},
		{"path through a string", "{{user.public_metadata.role.x}}", nil, nil},
		{"missing metadata key", "{{user.public_metadata.plan.nope}}", nil, nil},
		{"unknown user field", "{{user.i_dont_exist}}", nil, nil},
		{"unknown root", "{{org.id}}", nil, nil},
		{"private metadata is unreachable", "{{user.private_metadata.secret}}", nil, nil},
		{"session id", "{{session.id}}", nil, "sess_1"},
		{"no actor", "{{session.actor}}", nil, nil},
		{"spaces inside braces", "{{  user.id  }}", nil, "user_123"},

		// A user with little: nulls.
		{"no last name is null", "{{user.last_name}}", bareData, nil},
		{"no name: full name null", "{{user.full_name}}", bareData, nil},
		{"no email is null", "{{user.primary_email_address}}", bareData, nil},
		{"no metadata is an empty object", "{{user.public_metadata}}", bareData, map[string]any{}},
		{"profile image falls back to image url", "{{user.profile_image_url}}", bareData, "https://img.example/default.png"},
		{"no session data", "{{session.id}}", bareData, nil},

		// Interpolation: text.
		{"greeting", "Hello {{user.first_name}}!", nil, "Hello Ada!"},
		{"two shortcodes", "{{user.last_name}} {{user.first_name}}", nil, "Lovelace Ada"},
		{"null interpolates as null, as Clerk documents", "{{user.last_name}} {{user.first_name}}", bareData, "null null"},
		{"numbers as text", "seats: {{user.public_metadata.plan.seats}}", nil, "seats: 5"},
		{"bool as text", "verified={{user.phone_number_verified}}", nil, "verified=true"},
		{"object as JSON text", "meta {{user.unsafe_metadata}}", nil, `meta {"theme":"dark"}`},
		{"no HTML escaping in JSON text", "x {{user.public_metadata.interests}}", shortcodeData(&v2021.User{PublicMetadata: map[string]any{"interests": []any{"<a&b>"}}}, nil), `x ["<a&b>"]`},
		{"adjacent shortcodes", "{{user.first_name}}{{user.last_name}}", nil, "AdaLovelace"},
		{"plain string untouched", "https://example.com", nil, "https://example.com"},
		{"unclosed braces are text", "a {{user.id", nil, "a {{user.id"},
		{"a lone closing is text", "a }} b", nil, "a }} b"},
		{"empty string", "", nil, ""},

		// Conditional expressions.
		{"first truthy", "{{user.public_metadata.nope || user.first_name}}", nil, "Ada"},
		{"string fallback", "{{user.full_name || 'Awesome User'}}", bareData, "Awesome User"},
		{"double-quoted fallback", `{{user.full_name || "Anon"}}`, bareData, "Anon"},
		{"number fallback", "{{user.public_metadata.age || user.unsafe_metadata.age || 30}}", nil, json.Number("30")},
		{"negative number fallback", "{{user.public_metadata.age || -1.5}}", nil, json.Number("-1.5")},
		{"false is falsy", "{{user.email_verified || user.phone_number_verified}}", nil, true},
		{"false is falsy, to a literal", "{{user.public_metadata.plan.trial || 'no'}}", nil, "no"},
		{"null is falsy", "{{user.public_metadata.plan.none || true}}", nil, true},
		{"all falsy: the last", "{{user.public_metadata.nope || user.email_verified}}", nil, false},
		{"all falsy: the last even if null", "{{user.email_verified || user.nope}}", nil, nil},
		{"empty string is not falsy", "{{user.public_metadata.empty || 'x'}}", shortcodeData(&v2021.User{PublicMetadata: map[string]any{"empty": ""}}, nil), ""},
		{"zero is not falsy", "{{user.public_metadata.n || 7}}", shortcodeData(&v2021.User{PublicMetadata: map[string]any{"n": float64(0)}}, nil), float64(0)},
		{"a literal with || inside quotes", "{{user.nope || 'a || b'}}", nil, "a || b"},
		{"a conditional inside text", "Hi {{user.nope || 'there'}}!", nil, "Hi there!"},
		{"a number literal inside text", "n={{user.nope || 42}}", nil, "n=42"},
		{"an object from a conditional", "{{user.nope || user.unsafe_metadata}}", nil, map[string]any{"theme": "dark"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data
			if data == nil {
				data = renderData()
			}
			got := renderString(tt.in, data)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("renderString(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestRenderClaimsRecursesAndKeepsTheTemplate(t *testing.T) {
	claims := map[string]any{
		"aud":       "https://example.com",
		"version":   json.Number("1"),
		"flag":      true,
		"nothing":   nil,
		"interests": []any{"{{user.first_name}}", json.Number("2"), []any{"{{user.public_metadata.plan.seats}}"}},
		"profile": map[string]any{
			"{{user.id}}": "keys are not rendered",
			"name":        "{{user.full_name}}",
			"plan":        map[string]any{"tier": "{{user.public_metadata.plan.tier}}"},
		},
	}
	before, _ := json.Marshal(claims)
	got := renderClaims(claims, renderData())
	want := map[string]any{
		"aud":       "https://example.com",
		"version":   json.Number("1"),
		"flag":      true,
		"nothing":   nil,
		"interests": []any{"Ada", json.Number("2"), []any{float64(5)}},
		"profile": map[string]any{
			"{{user.id}}": "keys are not rendered",
			"name":        "Ada Lovelace",
			"plan":        map[string]any{"tier": "pro"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v\nwant %#v", got, want)
	}
	if after, _ := json.Marshal(claims); string(after) != string(before) {
		t.Fatalf("the template changed: %s", after)
	}
}

func TestCheckTemplateClaims(t *testing.T) {
	tests := []struct {
		name   string
		claims map[string]any
		code   string // "" when valid
		inMsg  string
	}{
		{"static and shortcodes", map[string]any{"aud": "x", "n": json.Number("1"), "name": "{{user.first_name}}", "o": map[string]any{"a": []any{"{{user.id || 'x'}}"}}}, "", ""},
		{"sid, act and aud are allowed", map[string]any{"sid": "{{session.id}}", "act": "{{session.actor}}", "aud": []any{"a"}}, "", ""},
		{"unclosed braces are text", map[string]any{"a": "{{user.id"}, "", ""},
		{"sub is reserved", map[string]any{"sub": "{{user.id}}"}, "jwt_template_reserved_claim", "'sub'"},
		{"exp is reserved", map[string]any{"exp": json.Number("1")}, "jwt_template_reserved_claim", "'exp'"},
		{"iss is reserved", map[string]any{"iss": "me"}, "jwt_template_reserved_claim", "'iss'"},
		{"azp, iat, jti, nbf are reserved", map[string]any{"jti": "x"}, "jwt_template_reserved_claim", "'jti'"},
		{"reserved only at the top", map[string]any{"nested": map[string]any{"sub": "ok"}}, "", ""},
		{"an empty operand", map[string]any{"a": "{{ }}"}, "form_param_format_invalid", "claims.a"},
		{"a dangling ||", map[string]any{"a": "{{user.id || }}"}, "form_param_format_invalid", "empty operand"},
		{"an unclosed literal", map[string]any{"a": "{{user.id || 'x}}"}, "form_param_format_invalid", "not closed"},
		{"a space inside a path", map[string]any{"a": "{{user.first_name user.last_name}}"}, "form_param_format_invalid", "not a shortcode"},
		{"a bad number", map[string]any{"a": "{{1.2.3}}"}, "form_param_format_invalid", "not a number"},
		{"an empty path segment", map[string]any{"a": "{{user..id}}"}, "form_param_format_invalid", "not a shortcode"},
		{"deep errors name their place", map[string]any{"o": map[string]any{"l": []any{"ok", "{{'x}}"}}}, "form_param_format_invalid", "claims.o.l[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkTemplateClaims(tt.claims)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			e, ok := AsError(err)
			if !ok || e.Code != tt.code || e.Param != "claims" || !strings.Contains(e.LongMessage, tt.inMsg) {
				t.Fatalf("got %v, want %s mentioning %q", err, tt.code, tt.inMsg)
			}
			if tt.code == "jwt_template_reserved_claim" && e.Kind != KindBadRequest {
				t.Fatalf("kind %v, want 400 as Clerk", e.Kind)
			}
		})
	}
}

func TestSessionShortcodesCarryTheActor(t *testing.T) {
	data := shortcodeData(renderUser(), &v2021.Session{ID: "sess_2", Status: "active", Actor: map[string]any{"sub": "user_admin"}})
	if got := renderString("{{session.actor}}", data); !reflect.DeepEqual(got, map[string]any{"sub": "user_admin"}) {
		t.Fatalf("actor = %#v", got)
	}
	if got := renderString("{{session.actor.sub}}", data); got != "user_admin" {
		t.Fatalf("actor.sub = %#v", got)
	}
}

func TestSigningConfig(t *testing.T) {
	tests := []struct {
		name     string
		custom   bool
		alg, key *string
		wantAlg  string
		param    string // of the error, "" when none
	}{
		{"the instance key", false, nil, nil, "RS256", ""},
		{"RS256 named without a custom key", false, v2021.Ptr("RS256"), nil, "RS256", ""},
		{"another algorithm needs a custom key", false, v2021.Ptr("HS256"), nil, "", "signing_algorithm"},
		{"a key needs custom_signing_key", false, nil, v2021.Ptr("secret"), "", "signing_key"},
		{"custom without algorithm", true, nil, v2021.Ptr("secret"), "", "signing_algorithm"},
		{"custom without key", true, v2021.Ptr("HS256"), nil, "", "signing_key"},
		{"HS256", true, v2021.Ptr("HS256"), v2021.Ptr("secret"), "HS256", ""},
		{"HS512", true, v2021.Ptr("HS512"), v2021.Ptr("secret"), "HS512", ""},
		{"an unsupported algorithm", true, v2021.Ptr("EdDSA"), v2021.Ptr("k"), "", "signing_algorithm"},
		{"lower case is not an algorithm", true, v2021.Ptr("hs256"), v2021.Ptr("k"), "", "signing_algorithm"},
		{"RS256 with a non-PEM key", true, v2021.Ptr("RS256"), v2021.Ptr("not a pem"), "", "signing_key"},
		{"ES256 with a non-PEM key", true, v2021.Ptr("ES256"), v2021.Ptr("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"), "", "signing_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alg, _, err := signingConfig(tt.custom, tt.alg, tt.key)
			if tt.param == "" {
				if err != nil || alg != tt.wantAlg {
					t.Fatalf("got %q, %v; want %q", alg, err, tt.wantAlg)
				}
				return
			}
			if e, ok := AsError(err); !ok || e.Param != tt.param || e.Kind != KindInvalid {
				t.Fatalf("got %v, want a 422 about %s", err, tt.param)
			}
		})
	}
}
