package clerktest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/clerktest"
)

// idnAPIError returns the status, code and param_name of a Clerk error.
func idnAPIError(t *testing.T, err error) (int, string, any) {
	t.Helper()
	var apiErr *clerk.APIError
	if !errors.As(err, &apiErr) || len(apiErr.Errors) != 1 {
		t.Fatalf("want one Clerk error, got %v", err)
	}
	return apiErr.StatusCode, apiErr.Errors[0].Code, apiErr.Errors[0].Meta["param_name"]
}

// idnRequest sends a request with the instance's key (and an API version
// when not empty) and returns the status and body.
func idnRequest(t *testing.T, srv *clerktest.Server, method, path, version string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.SecretKey)
	if version != "" {
		req.Header.Set("Clerk-API-Version", version)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

func idnEmailIDs(u *clerk.User) []string {
	var ids []string
	for _, e := range u.EmailAddresses {
		ids = append(ids, e.ID)
	}
	return ids
}

func idnPhoneIDs(u *clerk.User) []string {
	var ids []string
	for _, ph := range u.PhoneNumbers {
		ids = append(ids, ph.ID)
	}
	return ids
}

func idnDeref(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func TestEmailAddressesThroughTheSDK(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	c := srv.Client
	user := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"first@example.com"}})
	firstID := *user.PrimaryEmailAddressID

	t.Run("create", func(t *testing.T) {
		tests := []struct {
			name         string
			params       clerk.EmailAddressesCreateParams
			wantAddress  string
			wantVerified bool
			wantPrimary  bool
		}{
			{"unverified by default", clerk.EmailAddressesCreateParams{EmailAddress: "plain@example.com"},
				"plain@example.com", false, false},
			{"verified", clerk.EmailAddressesCreateParams{EmailAddress: "verified@example.com", Verified: clerk.Ptr(true)},
				"verified@example.com", true, false},
			{"normalised to lower case", clerk.EmailAddressesCreateParams{EmailAddress: "  Mixed.Case@Example.COM "},
				"mixed.case@example.com", false, false},
			{"primary", clerk.EmailAddressesCreateParams{EmailAddress: "primary@example.com", Verified: clerk.Ptr(true), Primary: clerk.Ptr(true)},
				"primary@example.com", true, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before, err := c.Users.Get(ctx, user.ID)
				if err != nil {
					t.Fatal(err)
				}
				p := tt.params
				p.UserID = user.ID
				e, err := c.EmailAddresses.Create(ctx, &p)
				if err != nil {
					t.Fatal(err)
				}
				if e.Object != "email_address" || e.EmailAddress != tt.wantAddress || len(e.ID) != len("idn_")+27 ||
					e.CreatedAt == 0 || e.LinkedTo == nil || e.Reserved {
					t.Fatalf("created %+v", e)
				}
				if tt.wantVerified {
					if e.Verification == nil || e.Verification.Status != "verified" || e.Verification.Strategy != "admin" {
						t.Fatalf("verification %+v, want verified by admin", e.Verification)
					}
				} else if e.Verification != nil {
					t.Fatalf("verification %+v, want none", e.Verification)
				}
				got, err := c.EmailAddresses.Get(ctx, e.ID)
				if err != nil || got.ID != e.ID || got.EmailAddress != e.EmailAddress || (got.Verification == nil) != (e.Verification == nil) {
					t.Fatalf("get: %+v %v", got, err)
				}
				after, err := c.Users.Get(ctx, user.ID)
				if err != nil {
					t.Fatal(err)
				}
				ids := idnEmailIDs(after)
				if len(ids) != len(before.EmailAddresses)+1 || ids[len(ids)-1] != e.ID {
					t.Fatalf("user's addresses %v, want the new one appended", ids)
				}
				wantPrimary := *before.PrimaryEmailAddressID
				if tt.wantPrimary {
					wantPrimary = e.ID
				}
				if idnDeref(after.PrimaryEmailAddressID) != wantPrimary {
					t.Fatalf("primary %s, want %s", idnDeref(after.PrimaryEmailAddressID), wantPrimary)
				}
			})
		}
	})

	t.Run("update", func(t *testing.T) {
		e, err := c.EmailAddresses.Create(ctx, &clerk.EmailAddressesCreateParams{UserID: user.ID, EmailAddress: "update@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name         string
			params       clerk.EmailAddressesUpdateParams
			wantVerified bool
			wantPrimary  bool
		}{
			{"verified true", clerk.EmailAddressesUpdateParams{Verified: clerk.NullableOf(true)}, true, false},
			{"nothing changes", clerk.EmailAddressesUpdateParams{}, true, false},
			{"null changes nothing", clerk.EmailAddressesUpdateParams{Verified: clerk.Null[bool](), Primary: clerk.Null[bool]()}, true, false},
			{"primary true", clerk.EmailAddressesUpdateParams{Primary: clerk.NullableOf(true)}, true, true},
			{"primary false keeps the primary", clerk.EmailAddressesUpdateParams{Primary: clerk.NullableOf(false)}, true, true},
			{"verified false", clerk.EmailAddressesUpdateParams{Verified: clerk.NullableOf(false)}, false, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := c.EmailAddresses.Update(ctx, e.ID, &tt.params)
				if err != nil {
					t.Fatal(err)
				}
				if got.ID != e.ID || got.EmailAddress != "update@example.com" || got.UpdatedAt < e.UpdatedAt {
					t.Fatalf("updated %+v", got)
				}
				if verified := got.Verification != nil && got.Verification.Status == "verified" && got.Verification.Strategy == "admin"; verified != tt.wantVerified ||
					(!tt.wantVerified && got.Verification != nil) {
					t.Fatalf("verification %+v, want verified %v", got.Verification, tt.wantVerified)
				}
				u, err := c.Users.Get(ctx, user.ID)
				if err != nil {
					t.Fatal(err)
				}
				if isPrimary := idnDeref(u.PrimaryEmailAddressID) == e.ID; isPrimary != tt.wantPrimary {
					t.Fatalf("primary %s; want it to be %s: %v", idnDeref(u.PrimaryEmailAddressID), e.ID, tt.wantPrimary)
				}
				// The user's copy is the address answered.
				for _, ue := range u.EmailAddresses {
					if ue.ID == e.ID && (ue.Verification == nil) != (got.Verification == nil) {
						t.Fatalf("user's copy %+v, answered %+v", ue, got)
					}
				}
			})
		}
	})

	t.Run("delete", func(t *testing.T) {
		u, err := c.Users.Get(ctx, user.ID)
		if err != nil {
			t.Fatal(err)
		}
		// The primary (update@example.com, unverified now) goes first: the
		// first remaining verified address takes over.
		for len(u.EmailAddresses) > 0 {
			primary := *u.PrimaryEmailAddressID
			d, err := c.EmailAddresses.Delete(ctx, primary)
			if err != nil || d.Object != "email_address" || d.ID != primary || !d.Deleted {
				t.Fatalf("delete: %+v %v", d, err)
			}
			if _, err := c.EmailAddresses.Get(ctx, primary); !clerk.IsNotFound(err) {
				t.Fatalf("get after delete: %v", err)
			}
			var wantNext *string
			for _, e := range u.EmailAddresses {
				if e.ID != primary && e.Verification != nil && wantNext == nil {
					wantNext = &e.ID
				}
			}
			if wantNext == nil {
				for _, e := range u.EmailAddresses {
					if e.ID != primary && wantNext == nil {
						wantNext = &e.ID
					}
				}
			}
			if u, err = c.Users.Get(ctx, user.ID); err != nil {
				t.Fatal(err)
			}
			for _, e := range u.EmailAddresses {
				if e.ID == primary {
					t.Fatalf("deleted %s still in the user's addresses", primary)
				}
			}
			if idnDeref(u.PrimaryEmailAddressID) != idnDeref(wantNext) {
				t.Fatalf("primary after deleting %s: %s, want %s", primary, idnDeref(u.PrimaryEmailAddressID), idnDeref(wantNext))
			}
		}
		if u.PrimaryEmailAddressID != nil {
			t.Fatalf("no address left, primary %s", *u.PrimaryEmailAddressID)
		}
		if _, err := c.EmailAddresses.Get(ctx, firstID); !clerk.IsNotFound(err) {
			t.Fatalf("the first address: %v", err)
		}
		// A deleted address is free again, and the first address created
		// for a user without one becomes primary.
		e, err := c.EmailAddresses.Create(ctx, &clerk.EmailAddressesCreateParams{UserID: user.ID, EmailAddress: "first@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		if u, err = c.Users.Get(ctx, user.ID); err != nil || idnDeref(u.PrimaryEmailAddressID) != e.ID {
			t.Fatalf("recreated: %v, primary %s", err, idnDeref(u.PrimaryEmailAddressID))
		}
	})
}

func TestPhoneNumbersThroughTheSDK(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	c := srv.Client
	user := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"phone@example.com"}})

	create := func(t *testing.T, p clerk.PhoneNumbersCreateParams) *clerk.PhoneNumber {
		t.Helper()
		p.UserID = user.ID
		ph, err := c.PhoneNumbers.Create(ctx, &p)
		if err != nil {
			t.Fatal(err)
		}
		return ph
	}
	getUser := func(t *testing.T) *clerk.User {
		t.Helper()
		u, err := c.Users.Get(ctx, user.ID)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	secondFactors := func(u *clerk.User) (reserved []string, def string) {
		for _, ph := range u.PhoneNumbers {
			if ph.ReservedForSecondFactor {
				reserved = append(reserved, ph.ID)
			}
			if ph.DefaultSecondFactor {
				if def != "" {
					def = "more than one"
				} else {
					def = ph.ID
				}
			}
		}
		return reserved, def
	}

	first := create(t, clerk.PhoneNumbersCreateParams{PhoneNumber: "+1 (415) 555-0100"})
	t.Run("create normalises and the first number is primary", func(t *testing.T) {
		if first.Object != "phone_number" || first.PhoneNumber != "+14155550100" || first.Verification != nil ||
			first.ReservedForSecondFactor || first.DefaultSecondFactor || first.LinkedTo == nil {
			t.Fatalf("created %+v", first)
		}
		u := getUser(t)
		if idnDeref(u.PrimaryPhoneNumberID) != first.ID || len(u.PhoneNumbers) != 1 || u.TwoFactorEnabled {
			t.Fatalf("user %+v", u)
		}
		got, err := c.PhoneNumbers.Get(ctx, first.ID)
		if err != nil || got.PhoneNumber != "+14155550100" || got.ID != first.ID {
			t.Fatalf("get: %+v %v", got, err)
		}
	})

	var mfa1, mfa2 *clerk.PhoneNumber
	t.Run("the first number reserved for second factor is the default", func(t *testing.T) {
		mfa1 = create(t, clerk.PhoneNumbersCreateParams{PhoneNumber: "+14155550101", Verified: clerk.Ptr(true), ReservedForSecondFactor: clerk.Ptr(true)})
		mfa2 = create(t, clerk.PhoneNumbersCreateParams{PhoneNumber: "+14155550102", Verified: clerk.Ptr(true), ReservedForSecondFactor: clerk.Ptr(true), Primary: clerk.Ptr(true)})
		if !mfa1.ReservedForSecondFactor || !mfa1.DefaultSecondFactor || !mfa2.ReservedForSecondFactor || mfa2.DefaultSecondFactor ||
			mfa1.Verification == nil || mfa1.Verification.Status != "verified" || mfa1.Verification.Strategy != "admin" {
			t.Fatalf("created %+v and %+v", mfa1, mfa2)
		}
		u := getUser(t)
		reserved, def := secondFactors(u)
		if !u.TwoFactorEnabled || len(reserved) != 2 || def != mfa1.ID || idnDeref(u.PrimaryPhoneNumberID) != mfa2.ID {
			t.Fatalf("user: 2FA %v, reserved %v, default %s, primary %s", u.TwoFactorEnabled, reserved, def, idnDeref(u.PrimaryPhoneNumberID))
		}
	})

	t.Run("update", func(t *testing.T) {
		tests := []struct {
			name        string
			id          func() string
			params      clerk.PhoneNumbersUpdateParams
			wantDefault func() string
			wantPrimary func() string
			wantReserve int
		}{
			{"verify", func() string { return first.ID }, clerk.PhoneNumbersUpdateParams{Verified: clerk.NullableOf(true)},
				func() string { return mfa1.ID }, func() string { return mfa2.ID }, 2},
			{"primary", func() string { return first.ID }, clerk.PhoneNumbersUpdateParams{Primary: clerk.NullableOf(true)},
				func() string { return mfa1.ID }, func() string { return first.ID }, 2},
			{"releasing the default moves it", func() string { return mfa1.ID }, clerk.PhoneNumbersUpdateParams{ReservedForSecondFactor: clerk.NullableOf(false)},
				func() string { return mfa2.ID }, func() string { return first.ID }, 1},
			{"reserving a verified number", func() string { return first.ID }, clerk.PhoneNumbersUpdateParams{ReservedForSecondFactor: clerk.NullableOf(true)},
				func() string { return mfa2.ID }, func() string { return first.ID }, 2},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := c.PhoneNumbers.Update(ctx, tt.id(), &tt.params)
				if err != nil || got.ID != tt.id() {
					t.Fatalf("%+v %v", got, err)
				}
				u := getUser(t)
				reserved, def := secondFactors(u)
				if len(reserved) != tt.wantReserve || def != tt.wantDefault() || idnDeref(u.PrimaryPhoneNumberID) != tt.wantPrimary() || !u.TwoFactorEnabled {
					t.Fatalf("reserved %v, default %s, primary %s", reserved, def, idnDeref(u.PrimaryPhoneNumberID))
				}
			})
		}
	})

	t.Run("a reserved number cannot be unverified, nor an unverified one reserved", func(t *testing.T) {
		_, err := c.PhoneNumbers.Update(ctx, mfa2.ID, &clerk.PhoneNumbersUpdateParams{Verified: clerk.NullableOf(false)})
		if status, code, param := idnAPIError(t, err); status != 422 || code != "form_param_value_invalid" || param != "verified" {
			t.Fatalf("%d %s %v", status, code, param)
		}
		_, err = c.PhoneNumbers.Create(ctx, &clerk.PhoneNumbersCreateParams{UserID: user.ID, PhoneNumber: "+14155550109", ReservedForSecondFactor: clerk.Ptr(true)})
		if status, code, param := idnAPIError(t, err); status != 422 || code != "form_param_value_invalid" || param != "reserved_for_second_factor" {
			t.Fatalf("%d %s %v", status, code, param)
		}
		// Releasing and unverifying at once is fine.
		got, err := c.PhoneNumbers.Update(ctx, mfa1.ID, &clerk.PhoneNumbersUpdateParams{Verified: clerk.NullableOf(false), ReservedForSecondFactor: clerk.NullableOf(false)})
		if err != nil || got.Verification != nil || got.ReservedForSecondFactor || got.DefaultSecondFactor {
			t.Fatalf("%+v %v", got, err)
		}
	})

	t.Run("delete moves the primary and the default second factor", func(t *testing.T) {
		// Now: first (primary, verified, reserved), mfa1 (unverified),
		// mfa2 (verified, reserved, default).
		for _, id := range []string{mfa2.ID, first.ID} {
			d, err := c.PhoneNumbers.Delete(ctx, id)
			if err != nil || d.Object != "phone_number" || d.ID != id || !d.Deleted {
				t.Fatalf("delete: %+v %v", d, err)
			}
			if _, err := c.PhoneNumbers.Get(ctx, id); !clerk.IsNotFound(err) {
				t.Fatalf("get after delete: %v", err)
			}
		}
		u := getUser(t)
		reserved, def := secondFactors(u)
		if ids := idnPhoneIDs(u); len(ids) != 1 || ids[0] != mfa1.ID || idnDeref(u.PrimaryPhoneNumberID) != mfa1.ID ||
			len(reserved) != 0 || def != "" || u.TwoFactorEnabled {
			t.Fatalf("phones %v, primary %s, reserved %v, default %s, 2FA %v", ids, idnDeref(u.PrimaryPhoneNumberID), reserved, def, u.TwoFactorEnabled)
		}
		if _, err := c.PhoneNumbers.Delete(ctx, mfa1.ID); err != nil {
			t.Fatal(err)
		}
		if u := getUser(t); u.PrimaryPhoneNumberID != nil || len(u.PhoneNumbers) != 0 {
			t.Fatalf("primary %s, phones %v", idnDeref(u.PrimaryPhoneNumberID), idnPhoneIDs(u))
		}
	})
}

func TestIdentificationErrors(t *testing.T) {
	srv := clerktest.NewServer(t)
	ada := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"ada@example.com"}, PhoneNumber: []string{"+447700900001"}})
	bob := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"bob@example.com"}})
	adaEmail, adaPhone := ada.EmailAddresses[0].ID, ada.PhoneNumbers[0].ID

	tests := []struct {
		name, method, path string
		body               any
		status             int
		code, param        string
	}{
		{"email: no user_id", "POST", "/v1/email_addresses", map[string]any{"email_address": "x@example.com"}, 422, "form_param_missing", "user_id"},
		{"email: no email_address", "POST", "/v1/email_addresses", map[string]any{"user_id": ada.ID}, 422, "form_param_missing", "email_address"},
		{"email: malformed", "POST", "/v1/email_addresses", map[string]any{"user_id": ada.ID, "email_address": "not-an-email"}, 422, "form_param_format_invalid", "email_address"},
		{"email: mistyped verified", "POST", "/v1/email_addresses", map[string]any{"user_id": ada.ID, "email_address": "x@example.com", "verified": "yes"}, 422, "form_param_format_invalid", "verified"},
		{"email: unknown field", "POST", "/v1/email_addresses", map[string]any{"user_id": ada.ID, "email_address": "x@example.com", "nope": 1}, 422, "form_param_unknown", "nope"},
		{"email: unknown user", "POST", "/v1/email_addresses", map[string]any{"user_id": "user_nope", "email_address": "x@example.com"}, 404, "resource_not_found", ""},
		{"email: another user's", "POST", "/v1/email_addresses", map[string]any{"user_id": bob.ID, "email_address": "ADA@example.com"}, 422, "form_identifier_exists", "email_address"},
		{"email: the user's own", "POST", "/v1/email_addresses", map[string]any{"user_id": ada.ID, "email_address": "ada@example.com"}, 422, "form_identifier_exists", "email_address"},
		{"email: get unknown", "GET", "/v1/email_addresses/idn_nope", nil, 404, "resource_not_found", ""},
		{"email: get a phone number's ID", "GET", "/v1/email_addresses/" + adaPhone, nil, 404, "resource_not_found", ""},
		{"email: update unknown", "PATCH", "/v1/email_addresses/idn_nope", map[string]any{"verified": true}, 404, "resource_not_found", ""},
		{"email: delete unknown", "DELETE", "/v1/email_addresses/idn_nope", nil, 404, "resource_not_found", ""},
		{"phone: no user_id", "POST", "/v1/phone_numbers", map[string]any{"phone_number": "+447700900002"}, 422, "form_param_missing", "user_id"},
		{"phone: no phone_number", "POST", "/v1/phone_numbers", map[string]any{"user_id": ada.ID}, 422, "form_param_missing", "phone_number"},
		{"phone: not E.164", "POST", "/v1/phone_numbers", map[string]any{"user_id": ada.ID, "phone_number": "07700 900002"}, 422, "form_param_format_invalid", "phone_number"},
		{"phone: letters", "POST", "/v1/phone_numbers", map[string]any{"user_id": ada.ID, "phone_number": "+44 CALL ME"}, 422, "form_param_format_invalid", "phone_number"},
		{"phone: another user's", "POST", "/v1/phone_numbers", map[string]any{"user_id": bob.ID, "phone_number": "+44 7700 900001"}, 422, "form_identifier_exists", "phone_number"},
		{"phone: unknown user", "POST", "/v1/phone_numbers", map[string]any{"user_id": "user_nope", "phone_number": "+447700900002"}, 404, "resource_not_found", ""},
		{"phone: get an email address's ID", "GET", "/v1/phone_numbers/" + adaEmail, nil, 404, "resource_not_found", ""},
		{"phone: update unknown", "PATCH", "/v1/phone_numbers/idn_nope", map[string]any{"primary": true}, 404, "resource_not_found", ""},
		{"phone: delete unknown", "DELETE", "/v1/phone_numbers/idn_nope", nil, 404, "resource_not_found", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := idnRequest(t, srv, tt.method, tt.path, "", tt.body)
			var got struct {
				Errors []struct {
					Code string         `json:"code"`
					Meta map[string]any `json:"meta"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(body, &got); err != nil || status != tt.status || len(got.Errors) != 1 || got.Errors[0].Code != tt.code {
				t.Fatalf("%d %s", status, body)
			}
			if tt.param != "" && got.Errors[0].Meta["param_name"] != tt.param {
				t.Fatalf("param %v, want %s", got.Errors[0].Meta, tt.param)
			}
		})
	}
	// None of the failed requests changed anyone.
	for _, u := range []*clerk.User{ada, bob} {
		got, err := srv.Client.Users.Get(context.Background(), u.ID)
		if err != nil || len(got.EmailAddresses) != 1 || len(got.PhoneNumbers) != len(u.PhoneNumbers) {
			t.Fatalf("%s after the failures: %+v %v", u.ID, got, err)
		}
	}
}

func TestConcurrentEmailCreatesForTwoUsersGiveExactlyOne(t *testing.T) {
	srv := clerktest.NewServer(t)
	users := []*clerk.User{
		srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"one@example.com"}}),
		srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"two@example.com"}}),
	}
	const n = 20
	var wg sync.WaitGroup
	var mu sync.Mutex
	var created []*clerk.EmailAddress
	taken := 0
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(u *clerk.User) {
			defer wg.Done()
			e, err := srv.Client.EmailAddresses.Create(context.Background(), &clerk.EmailAddressesCreateParams{
				UserID: u.ID, EmailAddress: "race@example.com", Verified: clerk.Ptr(true)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created = append(created, e)
			case clerk.HasErrorCode(err, "form_identifier_exists"):
				taken++
			default:
				t.Errorf("unexpected: %v", err)
			}
		}(users[i%2])
	}
	wg.Wait()
	if len(created) != 1 || taken != n-1 {
		t.Fatalf("%d created, %d taken; want 1 and %d", len(created), taken, n-1)
	}
	owners := 0
	for _, u := range users {
		got, err := srv.Client.Users.Get(context.Background(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range got.EmailAddresses {
			if e.EmailAddress == "race@example.com" {
				owners++
				if e.ID != created[0].ID {
					t.Fatalf("the user has %s, the winner was %s", e.ID, created[0].ID)
				}
			}
		}
	}
	if owners != 1 {
		t.Fatalf("%d users have the address", owners)
	}
	list, err := srv.Client.Users.List(context.Background(), &clerk.UsersListParams{EmailAddress: []string{"race@example.com"}})
	if err != nil || len(list) != 1 {
		t.Fatalf("users with the address: %d %v", len(list), err)
	}
}

// Concurrent creates of different addresses for one user lose none.
func TestConcurrentEmailCreatesForOneUserLoseNone(t *testing.T) {
	srv := clerktest.NewServer(t)
	u := srv.CreateUser(t, nil)
	const n = 10
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := srv.Client.EmailAddresses.Create(context.Background(), &clerk.EmailAddressesCreateParams{
				UserID: u.ID, EmailAddress: fmt.Sprintf("n%d@example.com", i)})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := srv.Client.Users.Get(context.Background(), u.ID)
	if err != nil || len(got.EmailAddresses) != n || got.PrimaryEmailAddressID == nil {
		t.Fatalf("%d addresses, primary %v: %v", len(got.EmailAddresses), got.PrimaryEmailAddressID, err)
	}
}

func TestDeletingAUserDeletesItsIdentifications(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	c := srv.Client
	u := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"gone@example.com"}, PhoneNumber: []string{"+15005550006"}})
	extra, err := c.EmailAddresses.Create(ctx, &clerk.EmailAddressesCreateParams{UserID: u.ID, EmailAddress: "gone2@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.Delete(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{u.EmailAddresses[0].ID, extra.ID} {
		if _, err := c.EmailAddresses.Get(ctx, id); !clerk.IsNotFound(err) {
			t.Fatalf("email address %s: %v", id, err)
		}
		if _, err := c.EmailAddresses.Update(ctx, id, &clerk.EmailAddressesUpdateParams{Verified: clerk.NullableOf(true)}); !clerk.IsNotFound(err) {
			t.Fatalf("update %s: %v", id, err)
		}
	}
	if _, err := c.PhoneNumbers.Get(ctx, u.PhoneNumbers[0].ID); !clerk.IsNotFound(err) {
		t.Fatalf("phone number: %v", err)
	}
	if _, err := c.PhoneNumbers.Delete(ctx, u.PhoneNumbers[0].ID); !clerk.IsNotFound(err) {
		t.Fatalf("delete phone number: %v", err)
	}
	// The identifiers are free for another user.
	other := srv.CreateUser(t, nil)
	if _, err := c.EmailAddresses.Create(ctx, &clerk.EmailAddressesCreateParams{UserID: other.ID, EmailAddress: "gone2@example.com"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PhoneNumbers.Create(ctx, &clerk.PhoneNumbersCreateParams{UserID: other.ID, PhoneNumber: "+15005550006"}); err != nil {
		t.Fatal(err)
	}
}

// The answers of every API version the emulator serves are checked against
// that version's spec by clerktest.
func TestIdentificationsInEveryAPIVersion(t *testing.T) {
	srv := clerktest.NewServer(t)
	for i, v := range []string{"2021-02-05", "2024-10-01", "2025-03-12", "2025-04-10", "2025-11-10", "2026-05-12"} {
		t.Run(v, func(t *testing.T) {
			u := srv.CreateUser(t, nil)
			for _, verified := range []bool{true, false} {
				status, body := idnRequest(t, srv, "POST", "/v1/email_addresses", v,
					map[string]any{"user_id": u.ID, "email_address": fmt.Sprintf("%s-%v@example.com", v, verified), "verified": verified})
				var e clerk.EmailAddress
				if status != 200 || json.Unmarshal(body, &e) != nil {
					t.Fatalf("create email: %d %s", status, body)
				}
				if status, body := idnRequest(t, srv, "GET", "/v1/email_addresses/"+e.ID, v, nil); status != 200 {
					t.Fatalf("get email: %d %s", status, body)
				}
				if status, body := idnRequest(t, srv, "PATCH", "/v1/email_addresses/"+e.ID, v, map[string]any{"verified": !verified, "primary": true}); status != 200 {
					t.Fatalf("update email: %d %s", status, body)
				}
				if !verified {
					if status, body := idnRequest(t, srv, "DELETE", "/v1/email_addresses/"+e.ID, v, nil); status != 200 {
						t.Fatalf("delete email: %d %s", status, body)
					}
				}
				status, body = idnRequest(t, srv, "POST", "/v1/phone_numbers", v,
					map[string]any{"user_id": u.ID, "phone_number": fmt.Sprintf("+1415555%02d%v", i, map[bool]int{true: 1}[verified]), "verified": verified})
				var ph clerk.PhoneNumber
				if status != 200 || json.Unmarshal(body, &ph) != nil {
					t.Fatalf("create phone: %d %s", status, body)
				}
				if status, body := idnRequest(t, srv, "PATCH", "/v1/phone_numbers/"+ph.ID, v, map[string]any{"verified": !verified}); status != 200 {
					t.Fatalf("update phone: %d %s", status, body)
				}
				if status, body := idnRequest(t, srv, "DELETE", "/v1/phone_numbers/"+ph.ID, v, nil); status != 200 {
					t.Fatalf("delete phone: %d %s", status, body)
				}
			}
		})
	}
}
