package httpapi

import "testing"

func TestShapeForVersion(t *testing.T) {
	in := `{"object":"user","email_addresses":[{"verification":{"attempts":null,"expire_at":null,"status":"verified","strategy":"admin"}}],"web3_wallets":[{"verification":{"status":"verified","strategy":"web3_metamask_signature"}}],"phone_numbers":[{"verification":null}]}`
	tests := []struct{ version, want string }{
		{"2021-02-05", in},
		{"2025-03-12", in},
		{"2026-05-12", `{"object":"user","enterprise_accounts":[],"email_addresses":[{"verification":{"object":"verification_admin","attempts":null,"expire_at":null,"status":"verified","strategy":"admin"}}],"web3_wallets":[{"verification":{"object":"verification_web3","status":"verified","strategy":"web3_metamask_signature"}}],"phone_numbers":[{"verification":null}]}`},
	}
	deleted := `{"deleted":true,"id":"user_1","object":"user","slug":""}`
	if got := string(shapeForVersion([]byte(deleted), "2026-05-12")); got != deleted {
		t.Errorf("a deleted user changed: %s", got)
	}
	for _, tt := range tests {
		if got := string(shapeForVersion([]byte(in), tt.version)); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.version, got, tt.want)
		}
	}
}
