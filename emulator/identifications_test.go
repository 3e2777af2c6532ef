package emulator

import (
	"testing"

	"github.com/clerkgo/clerk/internal/v2021"
)

func TestSyncPhoneSecondFactors(t *testing.T) {
	type phone struct{ reserved, def bool }
	tests := []struct {
		name    string
		in      []phone
		totp    bool
		want    []bool // DefaultSecondFactor of each, after
		want2FA bool
	}{
		{"none reserved", []phone{{false, false}, {false, false}}, false, []bool{false, false}, false},
		{"TOTP alone enables 2FA", []phone{{false, false}}, true, []bool{false}, true},
		{"the first reserved becomes the default", []phone{{false, false}, {true, false}, {true, false}}, false, []bool{false, true, false}, true},
		{"an existing default stays", []phone{{true, false}, {true, true}}, false, []bool{false, true}, true},
		{"a released default is no default", []phone{{false, true}, {true, false}}, false, []bool{false, true}, true},
		{"two defaults become one", []phone{{true, true}, {true, true}}, false, []bool{true, false}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := &v2021.User{TOTPEnabled: tt.totp}
			for _, p := range tt.in {
				u.PhoneNumbers = append(u.PhoneNumbers, &v2021.PhoneNumber{ReservedForSecondFactor: p.reserved, DefaultSecondFactor: p.def})
			}
			syncPhoneSecondFactors(u)
			for i, ph := range u.PhoneNumbers {
				if ph.DefaultSecondFactor != tt.want[i] {
					t.Fatalf("phone %d: default %v, want %v", i, ph.DefaultSecondFactor, tt.want[i])
				}
			}
			if u.TwoFactorEnabled != tt.want2FA {
				t.Fatalf("two_factor_enabled %v, want %v", u.TwoFactorEnabled, tt.want2FA)
			}
		})
	}
}

func TestReplacementPrimary(t *testing.T) {
	verified := &v2021.EmailAddressVerification{Status: "verified", Strategy: "admin"}
	tests := []struct {
		name string
		list []*v2021.EmailAddress
		want string
	}{
		{"none left", nil, ""},
		{"the first verified", []*v2021.EmailAddress{{ID: "a"}, {ID: "b", Verification: verified}, {ID: "c", Verification: verified}}, "b"},
		{"else the first", []*v2021.EmailAddress{{ID: "a"}, {ID: "b"}}, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := replacementEmailID(tt.list)
			if (got == nil) != (tt.want == "") || (got != nil && *got != tt.want) {
				t.Fatalf("got %v, want %q", got, tt.want)
			}
			var phones []*v2021.PhoneNumber
			for _, e := range tt.list {
				ph := &v2021.PhoneNumber{ID: e.ID}
				if e.Verification != nil {
					ph.Verification = &v2021.PhoneNumberVerification{Status: "verified", Strategy: "admin"}
				}
				phones = append(phones, ph)
			}
			gotPhone := replacementPhoneID(phones)
			if (gotPhone == nil) != (tt.want == "") || (gotPhone != nil && *gotPhone != tt.want) {
				t.Fatalf("phones: got %v, want %q", gotPhone, tt.want)
			}
		})
	}
}

func TestSetEmailVerifiedKeepsAnEarlierVerification(t *testing.T) {
	e := &v2021.EmailAddress{Verification: &v2021.EmailAddressVerification{Status: "verified", Strategy: "oauth_google"}}
	setEmailVerified(e, true)
	if e.Verification.Strategy != "oauth_google" {
		t.Fatalf("verification %+v", e.Verification)
	}
	setEmailVerified(e, false)
	if e.Verification != nil {
		t.Fatalf("verification %+v, want none", e.Verification)
	}
	setEmailVerified(e, true)
	if e.Verification == nil || e.Verification.Status != "verified" || e.Verification.Strategy != "admin" {
		t.Fatalf("verification %+v", e.Verification)
	}
}
