package clerktest_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/clerktest"
	"golang.org/x/crypto/bcrypt"
)

// mfaTOTPCode computes the 6-digit RFC 6238 code (HMAC-SHA-1, 30-second
// steps) of a base32 secret at t, as an authenticator app would.
func mfaTOTPCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	if err != nil {
		t.Fatalf("the TOTP secret is not base32: %v", err)
	}
	var counter [8]byte
	binary.BigEndian.PutUint64(counter[:], uint64(at.Unix()/30))
	mac := hmac.New(sha1.New, key)
	mac.Write(counter[:])
	sum := mac.Sum(nil)
	off := sum[19] & 0x0f
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[off:])&0x7fffffff)%1_000_000)
}

func mfaWantError(t *testing.T, err error, status int, code string) *clerk.APIError {
	t.Helper()
	var apiErr *clerk.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != status || len(apiErr.Errors) == 0 || apiErr.Errors[0].Code != code {
		t.Fatalf("got %v, want %d %s", err, status, code)
	}
	return apiErr
}

func TestTOTPThroughTheSDK(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	c := srv.Client
	user := srv.CreateUser(t, &clerk.UsersCreateParams{EmailAddress: []string{"ada@example.com"}})
	if user.TOTPEnabled || user.TwoFactorEnabled {
		t.Fatalf("a new user has MFA: %+v", user)
	}

	totp, err := c.Users.CreateTOTP(ctx, user.ID)
	if err != nil {
		t.Fatal(err)
	}
	if totp.Object != "totp" || !strings.HasPrefix(totp.ID, "totp_") || !totp.Verified || totp.Secret == nil || totp.Uri == nil {
		t.Fatalf("%+v", totp)
	}
	secret := *totp.Secret
	uri, err := url.Parse(*totp.Uri)
	if err != nil || uri.Scheme != "otpauth" || uri.Query().Get("secret") != secret || !strings.HasSuffix(uri.Path, ":ada@example.com") {
		t.Fatalf("uri %q", *totp.Uri)
	}

	got, err := c.Users.Get(ctx, user.ID)
	if err != nil || !got.TOTPEnabled || !got.TwoFactorEnabled || got.MFAEnabledAt == nil {
		t.Fatalf("after CreateTOTP: %+v %v", got, err)
	}
	// The secret is never shown again.
	_, body := raw(t, srv, "GET", "/v1/users/"+user.ID, "", srv.SecretKey, nil)
	if bytes.Contains(body, []byte(secret)) {
		t.Fatal("GET /users/{id} shows the TOTP secret")
	}

	t.Run("the current code verifies", func(t *testing.T) {
		v, err := c.Users.VerifyTOTP(ctx, user.ID, &clerk.UsersVerifyTOTPParams{Code: mfaTOTPCode(t, secret, time.Now())})
		if err != nil || !v.Verified || v.CodeType != "totp" {
			t.Fatalf("%+v %v", v, err)
		}
	})
	t.Run("a code of the step before or after verifies", func(t *testing.T) {
		for _, d := range []time.Duration{-30 * time.Second, 30 * time.Second} {
			if _, err := c.Users.VerifyTOTP(ctx, user.ID, &clerk.UsersVerifyTOTPParams{Code: mfaTOTPCode(t, secret, time.Now().Add(d))}); err != nil {
				t.Fatalf("%v: %v", d, err)
			}
		}
	})
	t.Run("a wrong code is 422 form_code_incorrect", func(t *testing.T) {
		now := time.Now()
		valid := map[string]bool{}
		for _, d := range []time.Duration{-30 * time.Second, 0, 30 * time.Second, 60 * time.Second} {
			valid[mfaTOTPCode(t, secret, now.Add(d))] = true
		}
		for _, code := range []string{"000000", "123456", "999999", "abcdef", "12345", "1234567"} {
			if valid[code] {
				continue
			}
			_, err := c.Users.VerifyTOTP(ctx, user.ID, &clerk.UsersVerifyTOTPParams{Code: code})
			apiErr := mfaWantError(t, err, 422, "form_code_incorrect")
			if bytes.Contains(apiErr.Body, []byte(secret)) {
				t.Fatal("the error shows the secret")
			}
		}
		// Two minutes away is outside the window.
		far := mfaTOTPCode(t, secret, now.Add(-2*time.Minute))
		if !valid[far] {
			_, err := c.Users.VerifyTOTP(ctx, user.ID, &clerk.UsersVerifyTOTPParams{Code: far})
			mfaWantError(t, err, 422, "form_code_incorrect")
		}
	})
	t.Run("a new TOTP replaces the old one", func(t *testing.T) {
		second, err := c.Users.CreateTOTP(ctx, user.ID)
		if err != nil || *second.Secret == secret || second.ID == totp.ID {
			t.Fatalf("%+v %v", second, err)
		}
		if _, err := c.Users.VerifyTOTP(ctx, user.ID, &clerk.UsersVerifyTOTPParams{Code: mfaTOTPCode(t, *second.Secret, time.Now())}); err != nil {
			t.Fatal(err)
		}
		old := mfaTOTPCode(t, secret, time.Now())
		if old != mfaTOTPCode(t, *second.Secret, time.Now()) {
			_, err := c.Users.VerifyTOTP(ctx, user.ID, &clerk.UsersVerifyTOTPParams{Code: old})
			mfaWantError(t, err, 422, "form_code_incorrect")
		}
	})
	t.Run("DeleteTOTP", func(t *testing.T) {
		r, err := c.Users.DeleteTOTP(ctx, user.ID)
		if err != nil || r.UserID != user.ID {
			t.Fatalf("%+v %v", r, err)
		}
		u, _ := c.Users.Get(ctx, user.ID)
		if u.TOTPEnabled || u.TwoFactorEnabled || u.MFADisabledAt == nil {
			t.Fatalf("%+v", u)
		}
		_, err = c.Users.VerifyTOTP(ctx, user.ID, &clerk.UsersVerifyTOTPParams{Code: "123456"})
		mfaWantError(t, err, 400, "totp_not_enabled")
	})
	t.Run("unknown users are 404", func(t *testing.T) {
		calls := map[string]func() error{
			"CreateTOTP": func() error { _, err := c.Users.CreateTOTP(ctx, "user_nope"); return err },
			"VerifyTOTP": func() error {
				_, err := c.Users.VerifyTOTP(ctx, "user_nope", &clerk.UsersVerifyTOTPParams{Code: "123456"})
				return err
			},
			"DeleteTOTP":        func() error { _, err := c.Users.DeleteTOTP(ctx, "user_nope"); return err },
			"DeleteBackupCodes": func() error { _, err := c.Users.DeleteBackupCodes(ctx, "user_nope"); return err },
			"DisableMFA":        func() error { _, err := c.Users.DisableMFA(ctx, "user_nope"); return err },
		}
		for name, call := range calls {
			if err := call(); !clerk.IsNotFound(err) || !clerk.HasErrorCode(err, "resource_not_found") {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
	t.Run("verify_totp requires code", func(t *testing.T) {
		status, body := raw(t, srv, "POST", "/v1/users/"+user.ID+"/verify_totp", "", srv.SecretKey, map[string]any{})
		if status != 422 || !bytes.Contains(body, []byte("form_param_missing")) {
			t.Fatalf("%d %s", status, body)
		}
	})
}

// mfaCreateUser creates a user with totp_secret and backup_codes.
func mfaCreateUser(t *testing.T, srv *clerktest.Server, secret string, codes []string) *clerk.User {
	t.Helper()
	u := srv.CreateUser(t, &clerk.UsersCreateParams{TOTPSecret: &secret, BackupCodes: codes})
	if !u.TOTPEnabled || !u.BackupCodeEnabled {
		t.Fatalf("totp_secret and backup_codes given at creation were not applied: %+v", u)
	}
	return u
}

func TestMFAGivenAtCreationThroughTheSDK(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	c := srv.Client
	const secret = "JBSWY3DPEHPK3PXPJBSWY3DP"
	digest, err := bcrypt.GenerateFromPassword([]byte("hashed-code"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	u := mfaCreateUser(t, srv, secret, []string{"aaaa1111", "bbbb2222", string(digest)})
	if !u.TOTPEnabled || !u.BackupCodeEnabled || !u.TwoFactorEnabled {
		t.Fatalf("%+v", u)
	}
	_, body := raw(t, srv, "GET", "/v1/users/"+u.ID, "", srv.SecretKey, nil)
	for _, s := range []string{secret, "aaaa1111", string(digest)} {
		if bytes.Contains(body, []byte(s)) {
			t.Fatalf("the user shows a secret: %s", body)
		}
	}

	v, err := c.Users.VerifyTOTP(ctx, u.ID, &clerk.UsersVerifyTOTPParams{Code: mfaTOTPCode(t, secret, time.Now())})
	if err != nil || v.CodeType != "totp" {
		t.Fatalf("totp: %+v %v", v, err)
	}
	for _, code := range []string{"aaaa1111", "hashed-code"} {
		v, err := c.Users.VerifyTOTP(ctx, u.ID, &clerk.UsersVerifyTOTPParams{Code: code})
		if err != nil || !v.Verified || v.CodeType != "backup_code" {
			t.Fatalf("%s: %+v %v", code, v, err)
		}
		_, err = c.Users.VerifyTOTP(ctx, u.ID, &clerk.UsersVerifyTOTPParams{Code: code})
		mfaWantError(t, err, 422, "form_code_incorrect") // consumed
	}

	r, err := c.Users.DeleteBackupCodes(ctx, u.ID)
	if err != nil || r.UserID != u.ID {
		t.Fatalf("%+v %v", r, err)
	}
	_, err = c.Users.VerifyTOTP(ctx, u.ID, &clerk.UsersVerifyTOTPParams{Code: "bbbb2222"})
	mfaWantError(t, err, 422, "form_code_incorrect")
	got, _ := c.Users.Get(ctx, u.ID)
	if got.BackupCodeEnabled || !got.TOTPEnabled || !got.TwoFactorEnabled {
		t.Fatalf("after DeleteBackupCodes: %+v", got)
	}

	d, err := c.Users.DisableMFA(ctx, u.ID)
	if err != nil || d.UserID != u.ID {
		t.Fatalf("%+v %v", d, err)
	}
	got, _ = c.Users.Get(ctx, u.ID)
	if got.TOTPEnabled || got.BackupCodeEnabled || got.TwoFactorEnabled || got.MFADisabledAt == nil {
		t.Fatalf("after DisableMFA: %+v", got)
	}
	_, err = c.Users.VerifyTOTP(ctx, u.ID, &clerk.UsersVerifyTOTPParams{Code: mfaTOTPCode(t, secret, time.Now())})
	mfaWantError(t, err, 400, "totp_not_enabled")
}

func TestBadMFAAtCreationThroughTheSDK(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	probe := srv.CreateUser(t, &clerk.UsersCreateParams{TOTPSecret: clerk.Ptr("JBSWY3DPEHPK3PXP")})
	if !probe.TOTPEnabled {
		t.Fatal("totp_secret given at creation was not applied")
	}
	_, err := srv.Client.Users.Create(ctx, &clerk.UsersCreateParams{TOTPSecret: clerk.Ptr("not*base32*secret")})
	apiErr := mfaWantError(t, err, 422, "form_param_format_invalid")
	if apiErr.Errors[0].Meta["param_name"] != "totp_secret" || bytes.Contains(apiErr.Body, []byte("not*base32*secret")) {
		t.Fatalf("%s", apiErr.Body)
	}
	_, err = srv.Client.Users.Create(ctx, &clerk.UsersCreateParams{BackupCodes: []string{"$2a$10$broken"}})
	apiErr = mfaWantError(t, err, 422, "form_param_format_invalid")
	if apiErr.Errors[0].Meta["param_name"] != "backup_codes" {
		t.Fatalf("%s", apiErr.Body)
	}
}

func TestImportedPasswordDigestsThroughTheSDK(t *testing.T) {
	srv := clerktest.NewServer(t)
	ctx := context.Background()
	argon := clerk.PasswordHasher("argon2id")
	probe, err := srv.Client.Users.Create(ctx, &clerk.UsersCreateParams{
		PasswordHasher: &argon,
		// "correct horse", argon2id m=64,t=1,p=1, 16-byte salt.
		PasswordDigest: clerk.Ptr("$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$" + mfaArgon2Hash),
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err := srv.Client.Users.VerifyPassword(ctx, probe.ID, &clerk.UsersVerifyPasswordParams{Password: "correct horse"})
	if err != nil || !v.Verified {
		t.Fatalf("argon2id: %+v %v", v, err)
	}
	_, err = srv.Client.Users.VerifyPassword(ctx, probe.ID, &clerk.UsersVerifyPasswordParams{Password: "wrong horse"})
	mfaWantError(t, err, 422, "incorrect_password")

	pbkdf2 := clerk.PasswordHasher("pbkdf2_sha256")
	u, err := srv.Client.Users.Create(ctx, &clerk.UsersCreateParams{
		PasswordHasher: &pbkdf2,
		PasswordDigest: clerk.Ptr("pbkdf2_sha256$1000$AQIDBAUGBwgJCgsM$FV2W4cODWyMvFW+NA7zlS3I59izOaQwTsu6MOESxI7g="),
	})
	if err != nil || !u.PasswordEnabled {
		t.Fatalf("pbkdf2_sha256: %+v %v", u, err)
	}
	if v, err := srv.Client.Users.VerifyPassword(ctx, u.ID, &clerk.UsersVerifyPasswordParams{Password: "correct horse"}); err != nil || !v.Verified {
		t.Fatalf("pbkdf2_sha256: %+v %v", v, err)
	}

	const bad = "pbkdf2_sha256$1000$c2FsdA==$tooshort"
	_, err = srv.Client.Users.Create(ctx, &clerk.UsersCreateParams{PasswordHasher: &pbkdf2, PasswordDigest: clerk.Ptr(bad)})
	apiErr := mfaWantError(t, err, 422, "form_param_format_invalid")
	if apiErr.Errors[0].Meta["param_name"] != "password_digest" || bytes.Contains(apiErr.Body, []byte(bad)) {
		t.Fatalf("%s", apiErr.Body)
	}
}

// mfaArgon2Hash is argon2id("correct horse", "somesaltsomesalt", t=1, m=64,
// p=1, 32 bytes), unpadded base64, as golang.org/x/crypto/argon2 computes
// it.
const mfaArgon2Hash = "bIKRw3Ua1pluirFy81fnppmR01EnUxY3hLEBwbWxBG8"
