package shape

import (
	"encoding/json"
	"testing"
)

func TestShapeForVersion(t *testing.T) {
	in := `{"object":"user","email_addresses":[{"verification":{"attempts":null,"expire_at":null,"status":"verified","strategy":"admin"}}],"web3_wallets":[{"verification":{"status":"verified","strategy":"web3_metamask_signature"}}],"phone_numbers":[{"verification":null}]}`
	tests := []struct{ version, want string }{
		{"2021-02-05", in},
		{"2025-03-12", in},
		{"2026-05-12", `{"object":"user","enterprise_accounts":[],"email_addresses":[{"verification":{"object":"verification_admin","attempts":null,"expire_at":null,"status":"verified","strategy":"admin"}}],"web3_wallets":[{"verification":{"object":"verification_web3","status":"verified","strategy":"web3_metamask_signature"}}],"phone_numbers":[{"verification":null}]}`},
	}
	deleted := `{"deleted":true,"id":"user_1","object":"user","slug":""}`
	if got := string(ForVersion([]byte(deleted), "2026-05-12")); got != deleted {
		t.Errorf("a deleted user changed: %s", got)
	}
	for _, tt := range tests {
		if got := string(ForVersion([]byte(in), tt.version)); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.version, got, tt.want)
		}
	}
}

// Values that hold arbitrary JSON (metadata, template claims) are copied as
// they are, whatever they contain; lists and pages are reshaped element by
// element; identifications answered alone are reshaped too.
func TestShapeForVersionFollowsTheStructure(t *testing.T) {
	const v = "2026-05-12"
	tricky := `{"object":"user","verification":{"strategy":"admin"},"x":["\"object\":\"user\",","\\\"verification\":{"]}`
	user := `{"email_addresses":[{"id":"idn_1","object":"email_address","verification":{"status":"verified","strategy":"admin"}}],` +
		`"object":"user","passkeys":[{"verification":{"strategy":"passkey"}}],"public_metadata":` + tricky +
		`,"unsafe_metadata":{},"web3_wallets":[{"verification":{}}]}`
	shaped := `{"email_addresses":[{"id":"idn_1","object":"email_address","verification":{"object":"verification_admin","status":"verified","strategy":"admin"}}],` +
		`"object":"user","enterprise_accounts":[],"passkeys":[{"verification":{"object":"verification_passkey","strategy":"passkey"}}],"public_metadata":` + tricky +
		`,"unsafe_metadata":{},"web3_wallets":[{"verification":{"object":"verification_otp"}}]}`
	for _, tt := range []struct{ name, in, want string }{
		{"a user", user, shaped},
		{"a list of users", "[" + user + "," + user + "]", "[" + shaped + "," + shaped + "]"},
		{"a page of users", `{"data":[` + user + `],"total_count":1}`, `{"data":[` + shaped + `],"total_count":1}`},
		{"an empty list", `[]`, `[]`},
		{"an email address", `{"object":"email_address","verification":{"strategy":"email_code"}}`,
			`{"object":"email_address","verification":{"object":"verification_otp","strategy":"email_code"}}`},
		{"a JWT template whose claims look like a user", `{"claims":` + tricky + `,"object":"jwt_template"}`,
			`{"claims":` + tricky + `,"object":"jwt_template"}`},
		{"a verification shaped already", `{"object":"phone_number","verification":{"object":"verification_admin","strategy":"admin"}}`,
			`{"object":"phone_number","verification":{"object":"verification_admin","strategy":"admin"}}`},
		{"a user with enterprise accounts already", `{"enterprise_accounts":[],"object":"user"}`, `{"enterprise_accounts":[],"object":"user"}`},
		{"not an object or array", `"object":"user"`, `"object":"user"`},
		{"truncated", `{"object":"user","verification":{`, `{"object":"user","verification":{`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := string(ForVersion([]byte(tt.in), v))
			if got != tt.want {
				t.Errorf("\n got %s\nwant %s", got, tt.want)
			}
			if json.Valid([]byte(tt.in)) && !json.Valid([]byte(got)) {
				t.Errorf("not JSON any more: %s", got)
			}
		})
	}
}

// A revoked actor token has no token or url: null in 2021-02-05, left out
// in the later versions, whose specs have them as strings.
func TestShapeForVersionRevokedActorToken(t *testing.T) {
	revoked := `{"actor":{"sub":"user_1","token":null},"id":"act_1","object":"actor_token","status":"revoked","token":null,"url":null}`
	pending := `{"actor":{"sub":"user_1"},"id":"act_1","object":"actor_token","status":"pending","token":"t","url":"u"}`
	for _, tt := range []struct{ version, in, want string }{
		{"2021-02-05", revoked, revoked},
		{"2025-03-12", revoked, `{"actor":{"sub":"user_1","token":null},"id":"act_1","object":"actor_token","status":"revoked"}`},
		{"2026-05-12", revoked, `{"actor":{"sub":"user_1","token":null},"id":"act_1","object":"actor_token","status":"revoked"}`},
		{"2026-05-12", pending, pending},
	} {
		if got := string(ForVersion([]byte(tt.in), tt.version)); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.version, got, tt.want)
		}
	}
}
