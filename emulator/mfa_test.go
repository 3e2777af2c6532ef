package emulator

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/emulator/store/sqlite"
	"github.com/clerkgo/clerk/internal/v2021"
	"golang.org/x/crypto/bcrypt"
)

// RFC 6238, appendix B: SHA-1 with the 20-byte ASCII key
// "12345678901234567890", 8 digits.
func TestHOTPMatchesRFC6238(t *testing.T) {
	key := []byte("12345678901234567890")
	vectors := []struct {
		unix int64
		code string
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	}
	for _, v := range vectors {
		at := time.Unix(v.unix, 0)
		if got := hotp(key, totpCounter(at), 8); got != v.code {
			t.Errorf("T=%d: 8 digits %s, want %s", v.unix, got, v.code)
		}
		six := v.code[2:]
		if got := hotp(key, totpCounter(at), totpDigits); got != six {
			t.Errorf("T=%d: 6 digits %s, want %s", v.unix, got, six)
		}
		if !checkTOTP(key, six, at) {
			t.Errorf("T=%d: checkTOTP refused %s", v.unix, six)
		}
	}
}

func TestCheckTOTPRefusesMalformedCodes(t *testing.T) {
	key := []byte("12345678901234567890")
	at := time.Unix(59, 0) // code 287082
	for _, code := range []string{"", "28708", "2870820", "94287082", "28708a", " 287082", "２８７０８２", "-28708"} {
		if checkTOTP(key, code, at) {
			t.Errorf("accepted %q", code)
		}
	}
	// Before the epoch, and at step 0 (no step before it), nothing panics.
	if checkTOTP(key, "000000", time.Unix(-100, 0)) && checkTOTP(key, "000000", time.Unix(0, 0)) {
		t.Log("a lucky code")
	}
}

type mfaClock struct{ ms atomic.Int64 }

func newMFAClock(t time.Time) *mfaClock {
	c := &mfaClock{}
	c.set(t)
	return c
}
func (c *mfaClock) set(t time.Time)     { c.ms.Store(t.UnixMilli()) }
func (c *mfaClock) add(d time.Duration) { c.ms.Add(d.Milliseconds()) }
func (c *mfaClock) now() time.Time      { return time.UnixMilli(c.ms.Load()) }

var (
	mfaTestKeyOnce sync.Once
	mfaTestKey     *rsa.PrivateKey
)

// newMFATestService returns a Service over an in-memory SQLite store with
// the given clock.
func newMFATestService(t *testing.T, clock *mfaClock) *Service {
	t.Helper()
	mfaTestKeyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		mfaTestKey = k
	})
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	s, err := New(ctx, st, Options{SigningKey: mfaTestKey, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mfaWantCode(t *testing.T, err error, kind Kind, code string) {
	t.Helper()
	e, ok := AsError(err)
	if !ok || e.Kind != kind || e.Code != code {
		t.Fatalf("got %v, want %s", err, code)
	}
}

func TestTOTPWindowIsOneStepEachWay(t *testing.T) {
	clock := newMFAClock(time.Unix(1_700_000_010, 0)) // 10 s into a step
	s := newMFATestService(t, clock)
	ctx := context.Background()
	u, err := s.Users.Create(ctx, &v2021.UsersCreateParams{EmailAddress: []string{"ada@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	totp, err := s.Users.CreateTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if totp.Object != "totp" || !strings.HasPrefix(totp.ID, "totp_") || !totp.Verified || totp.Secret == nil || totp.Uri == nil {
		t.Fatalf("%+v", totp)
	}
	key, err := base32NoPad.DecodeString(*totp.Secret)
	if err != nil || len(key) != totpSecretBytes {
		t.Fatalf("secret: %d bytes, %v", len(key), err)
	}
	uri, err := url.Parse(*totp.Uri)
	if err != nil || uri.Scheme != "otpauth" || uri.Host != "totp" || uri.Query().Get("secret") != *totp.Secret ||
		uri.Query().Get("digits") != "6" || uri.Query().Get("period") != "30" || uri.Query().Get("algorithm") != "SHA1" ||
		!strings.HasSuffix(uri.Path, ":ada@example.com") {
		t.Fatalf("uri %q: %v", *totp.Uri, err)
	}
	base := clock.now()
	for _, tt := range []struct {
		offset time.Duration
		ok     bool
	}{
		{0, true}, {-30 * time.Second, true}, {30 * time.Second, true},
		{-60 * time.Second, false}, {60 * time.Second, false}, {-90 * time.Second, false}, {10 * time.Minute, false},
	} {
		code := hotp(key, totpCounter(base.Add(tt.offset)), totpDigits)
		v, err := s.verifyTOTP(ctx, u.ID, code)
		if tt.ok {
			if err != nil || !v.Verified || v.CodeType != "totp" {
				t.Errorf("offset %v: %+v %v", tt.offset, v, err)
			}
			continue
		}
		e, isErr := AsError(err)
		if !isErr || e.Kind != KindInvalid || e.Code != "form_code_incorrect" || e.Param != "code" {
			t.Errorf("offset %v: %+v %v", tt.offset, v, err)
		}
	}
	// The same code keeps working while its step is in the window (the
	// emulator does not refuse replays), and stops after.
	code := hotp(key, totpCounter(base), totpDigits)
	clock.add(40 * time.Second) // the next step: code is the step before
	if _, err := s.verifyTOTP(ctx, u.ID, code); err != nil {
		t.Fatalf("one step later: %v", err)
	}
	clock.add(30 * time.Second) // two steps later
	_, err = s.verifyTOTP(ctx, u.ID, code)
	mfaWantCode(t, err, KindInvalid, "form_code_incorrect")
	// Surrounding spaces are ignored.
	if _, err := s.verifyTOTP(ctx, u.ID, " "+hotp(key, totpCounter(clock.now()), totpDigits)+"\n"); err != nil {
		t.Fatalf("with spaces: %v", err)
	}
}

func TestCreateUserTOTPSetsFlagsAndReplaces(t *testing.T) {
	clock := newMFAClock(time.Unix(1_700_000_000, 0))
	s := newMFATestService(t, clock)
	ctx := context.Background()
	u, err := s.Users.Create(ctx, &v2021.UsersCreateParams{Username: v2021.Ptr("grace_h")})
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.Users.CreateTOTP(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.User(ctx, u.ID)
	if !got.TOTPEnabled || !got.TwoFactorEnabled || got.BackupCodeEnabled || got.MFAEnabledAt == nil ||
		*got.MFAEnabledAt != clock.now().UnixMilli() || !strings.Contains(*first.Uri, ":grace_h?") {
		t.Fatalf("after create: %+v %s", got, *first.Uri)
	}
	clock.add(time.Hour)
	second, err := s.Users.CreateTOTP(ctx, u.ID)
	if err != nil || second.ID == first.ID || *second.Secret == *first.Secret {
		t.Fatalf("second: %+v %v", second, err)
	}
	n, err := s.store.CountObjects(ctx, store.ObjectQuery{Kind: kindTOTP, UserID: u.ID})
	if err != nil || n != 1 {
		t.Fatalf("%d TOTPs, %v", n, err)
	}
	oldKey, _ := base32NoPad.DecodeString(*first.Secret)
	newKey, _ := base32NoPad.DecodeString(*second.Secret)
	oldCode := hotp(oldKey, totpCounter(clock.now()), totpDigits)
	if oldCode != hotp(newKey, totpCounter(clock.now()), totpDigits) {
		_, err = s.verifyTOTP(ctx, u.ID, oldCode)
		mfaWantCode(t, err, KindInvalid, "form_code_incorrect")
	}
	again, _ := s.User(ctx, u.ID)
	if *again.MFAEnabledAt != *got.MFAEnabledAt {
		t.Fatal("mfa_enabled_at moved while MFA stayed on")
	}

	// The user's document never holds the secret.
	data, _ := json.Marshal(again)
	if bytes.Contains(data, []byte(*second.Secret)) || bytes.Contains(data, []byte(*first.Secret)) {
		t.Fatal("the user shows a TOTP secret")
	}

	if _, err := s.Users.CreateTOTP(ctx, "user_nope"); err == nil {
		t.Fatal("unknown user")
	} else {
		mfaWantCode(t, err, KindNotFound, "resource_not_found")
	}
}

func TestConcurrentCreateUserTOTPLeavesOne(t *testing.T) {
	s := newMFATestService(t, newMFAClock(time.Unix(1_700_000_000, 0)))
	ctx := context.Background()
	u, err := s.Users.Create(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Users.CreateTOTP(ctx, u.ID); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n, err := s.store.CountObjects(ctx, store.ObjectQuery{Kind: kindTOTP, UserID: u.ID}); err != nil || n != 1 {
		t.Fatalf("%d TOTPs, %v", n, err)
	}
}

// mfaNewUserDoc builds a user document as CreateUser does, for tests of
// what CreateUser delegates (insertUserWithExtras).
func mfaNewUserDoc(now time.Time) *userDoc {
	ms := now.UnixMilli()
	return &userDoc{User: &v2021.User{
		ID: testRand.id("user"), Object: "user", CreatedAt: ms, UpdatedAt: ms,
		PublicMetadata: map[string]any{}, PrivateMetadata: map[string]any{}, UnsafeMetadata: map[string]any{},
		EmailAddresses: []*v2021.EmailAddress{}, PhoneNumbers: []*v2021.PhoneNumber{},
		Web3Wallets: []*v2021.Web3Wallet{}, Passkeys: []*v2021.Passkey{}, SAMLAccounts: []*v2021.SAMLAccount{},
		ExternalAccounts: []map[string]any{}, ImageURL: defaultAvatarURL,
	}}
}

func TestMFAGivenAtCreation(t *testing.T) {
	clock := newMFAClock(time.Unix(1_700_000_000, 0))
	s := newMFATestService(t, clock)
	ctx := context.Background()
	const secret = "jbsw y3dp ehpk 3pxp" // JBSWY3DPEHPK3PXP, as people paste it
	digest, err := bcrypt.GenerateFromPassword([]byte("bcrypted1"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	doc := mfaNewUserDoc(clock.now())
	err = s.insertUserWithExtras(ctx, doc, &v2021.UsersCreateParams{
		TOTPSecret:  v2021.Ptr(secret),
		BackupCodes: []string{"plain0001", "plain0002", string(digest)},
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.User(ctx, doc.User.ID)
	if err != nil || !u.TOTPEnabled || !u.BackupCodeEnabled || !u.TwoFactorEnabled || u.MFAEnabledAt == nil {
		t.Fatalf("%+v %v", u, err)
	}
	key, _ := base32.StdEncoding.DecodeString("JBSWY3DPEHPK3PXP")
	v, err := s.verifyTOTP(ctx, u.ID, hotp(key, totpCounter(clock.now()), 6))
	if err != nil || v.CodeType != "totp" {
		t.Fatalf("totp: %+v %v", v, err)
	}
	for _, code := range []string{"plain0002", "bcrypted1"} {
		v, err := s.verifyTOTP(ctx, u.ID, code)
		if err != nil || !v.Verified || v.CodeType != "backup_code" {
			t.Fatalf("%s: %+v %v", code, v, err)
		}
		_, err = s.verifyTOTP(ctx, u.ID, code)
		mfaWantCode(t, err, KindInvalid, "form_code_incorrect")
	}
	// Stored hashed: no plain code in any record.
	rows, err := s.store.ListObjects(ctx, store.ObjectQuery{Kind: kindBackupCode, UserID: u.ID})
	if err != nil || len(rows) != 1 {
		t.Fatalf("%d codes left, %v", len(rows), err)
	}
	if bytes.Contains(rows[0].Doc, []byte("plain0001")) {
		t.Fatal("a backup code is stored in the clear")
	}
	// Backup codes stay after the TOTP goes, and verify on their own.
	if _, err := s.Users.DeleteTOTP(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	u, _ = s.User(ctx, u.ID)
	if u.TOTPEnabled || !u.BackupCodeEnabled || !u.TwoFactorEnabled {
		t.Fatalf("after DeleteTOTP: %+v", u)
	}
	if v, err := s.verifyTOTP(ctx, u.ID, "plain0001"); err != nil || v.CodeType != "backup_code" {
		t.Fatalf("backup code without TOTP: %+v %v", v, err)
	}
	// Neither TOTP nor codes left.
	_, err = s.verifyTOTP(ctx, u.ID, "plain0001")
	mfaWantCode(t, err, KindBadRequest, "totp_not_enabled")
}

func TestBadMFAAtCreationSavesNothing(t *testing.T) {
	clock := newMFAClock(time.Unix(1_700_000_000, 0))
	s := newMFATestService(t, clock)
	ctx := context.Background()
	long := strings.Repeat("a", 73)
	tests := []struct {
		name  string
		p     v2021.UsersCreateParams
		param string
	}{
		{"a secret that is not base32", v2021.UsersCreateParams{TOTPSecret: v2021.Ptr("not base32 at all!")}, "totp_secret"},
		{"a secret too short", v2021.UsersCreateParams{TOTPSecret: v2021.Ptr("JBSWY3DP")}, "totp_secret"},
		{"an empty backup code", v2021.UsersCreateParams{BackupCodes: []string{"ok123456", " "}}, "backup_codes"},
		{"a backup code too long", v2021.UsersCreateParams{BackupCodes: []string{long}}, "backup_codes"},
		{"a broken bcrypt code", v2021.UsersCreateParams{BackupCodes: []string{"$2a$10$tooshort"}}, "backup_codes"},
		{"too many codes", v2021.UsersCreateParams{BackupCodes: make([]string, maxBackupCodes+1)}, "backup_codes"},
		{"a bad wallet", v2021.UsersCreateParams{Web3Wallet: []string{"0x123"}}, "web3_wallet"},
	}
	for _, tt := range tests {
		err := s.insertUserWithExtras(ctx, mfaNewUserDoc(clock.now()), &tt.p)
		e, ok := AsError(err)
		if !ok || e.Kind != KindInvalid || e.Param != tt.param {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if tt.p.TOTPSecret != nil && strings.Contains(e.Error(), *tt.p.TOTPSecret) {
			t.Errorf("%s: the error shows the secret", tt.name)
		}
	}
	if n, err := s.Users.Count(ctx, nil); err != nil || n.TotalCount != 0 {
		t.Fatalf("%+v users, %v", n, err)
	}
	if n, _ := s.store.CountObjects(ctx, store.ObjectQuery{Kind: kindBackupCode}); n != 0 {
		t.Fatalf("%d backup codes saved", n)
	}
}

func TestABackupCodeIsAcceptedOnceUnderConcurrency(t *testing.T) {
	clock := newMFAClock(time.Unix(1_700_000_000, 0))
	s := newMFATestService(t, clock)
	ctx := context.Background()
	doc := mfaNewUserDoc(clock.now())
	if err := s.insertUserWithExtras(ctx, doc, &v2021.UsersCreateParams{BackupCodes: []string{"race0001", "other001"}}); err != nil {
		t.Fatal(err)
	}
	var ok, refused atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.verifyTOTP(ctx, doc.User.ID, "race0001")
			if e, isErr := AsError(err); err == nil {
				ok.Add(1)
			} else if isErr && e.Code == "form_code_incorrect" {
				refused.Add(1)
			} else {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 || refused.Load() != 15 {
		t.Fatalf("%d accepted, %d refused", ok.Load(), refused.Load())
	}
}

func TestVerifyTOTPWithoutMFA(t *testing.T) {
	s := newMFATestService(t, newMFAClock(time.Unix(1_700_000_000, 0)))
	ctx := context.Background()
	u, err := s.Users.Create(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.verifyTOTP(ctx, u.ID, "123456")
	mfaWantCode(t, err, KindBadRequest, "totp_not_enabled")
	_, err = s.verifyTOTP(ctx, "user_nope", "123456")
	mfaWantCode(t, err, KindNotFound, "resource_not_found")
}

func TestDisableMFA(t *testing.T) {
	clock := newMFAClock(time.Unix(1_700_000_000, 0))
	s := newMFATestService(t, clock)
	ctx := context.Background()
	doc := mfaNewUserDoc(clock.now())
	doc.User.PhoneNumbers = []*v2021.PhoneNumber{{
		ID: testRand.id("idn"), Object: "phone_number", PhoneNumber: "+15555550100", LinkedTo: []*v2021.IdentificationLink{},
		ReservedForSecondFactor: true, DefaultSecondFactor: true, BackupCodes: []string{"x"},
		Verification: &v2021.PhoneNumberVerification{Status: "verified", Strategy: "admin"},
	}}
	doc.User.TwoFactorEnabled = true
	if err := s.insertUserWithExtras(ctx, doc, &v2021.UsersCreateParams{BackupCodes: []string{"code0001"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Users.CreateTOTP(ctx, doc.User.ID); err != nil {
		t.Fatal(err)
	}
	clock.add(time.Minute)
	r, err := s.Users.DisableMFA(ctx, doc.User.ID)
	if err != nil || r.UserID != doc.User.ID {
		t.Fatalf("%+v %v", r, err)
	}
	u, _ := s.User(ctx, doc.User.ID)
	ph := u.PhoneNumbers[0]
	if u.TOTPEnabled || u.BackupCodeEnabled || u.TwoFactorEnabled || ph.ReservedForSecondFactor || ph.DefaultSecondFactor ||
		ph.BackupCodes != nil || u.MFADisabledAt == nil || *u.MFADisabledAt != clock.now().UnixMilli() {
		t.Fatalf("after DisableMFA: %+v %+v", u, ph)
	}
	for _, kind := range []string{kindTOTP, kindBackupCode} {
		if n, _ := s.store.CountObjects(ctx, store.ObjectQuery{Kind: kind, UserID: u.ID}); n != 0 {
			t.Fatalf("%d %s left", n, kind)
		}
	}
	_, err = s.verifyTOTP(ctx, u.ID, "code0001")
	mfaWantCode(t, err, KindBadRequest, "totp_not_enabled")
	// Idempotent, and 404 for nobody.
	if _, err := s.Users.DisableMFA(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	for _, fn := range []func(context.Context, string) error{
		func(ctx context.Context, id string) error { _, err := s.Users.DisableMFA(ctx, id); return err },
		func(ctx context.Context, id string) error { _, err := s.Users.DeleteTOTP(ctx, id); return err },
		func(ctx context.Context, id string) error { _, err := s.Users.DeleteBackupCodes(ctx, id); return err },
	} {
		mfaWantCode(t, fn(ctx, "user_nope"), KindNotFound, "resource_not_found")
	}
}

func TestDeleteUserDeletesItsMFARecords(t *testing.T) {
	clock := newMFAClock(time.Unix(1_700_000_000, 0))
	s := newMFATestService(t, clock)
	ctx := context.Background()
	doc := mfaNewUserDoc(clock.now())
	if err := s.insertUserWithExtras(ctx, doc, &v2021.UsersCreateParams{
		TOTPSecret: v2021.Ptr("JBSWY3DPEHPK3PXP"), BackupCodes: []string{"code0001"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Users.Delete(ctx, doc.User.ID); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{kindTOTP, kindBackupCode} {
		if n, _ := s.store.CountObjects(ctx, store.ObjectQuery{Kind: kind}); n != 0 {
			t.Fatalf("%d %s left", n, kind)
		}
	}
}

func TestWeb3WalletsAtCreationAndDelete(t *testing.T) {
	clock := newMFAClock(time.Unix(1_700_000_000, 0))
	s := newMFATestService(t, clock)
	ctx := context.Background()
	doc := mfaNewUserDoc(clock.now())
	a, b := "0x52908400098527886E0F7030069857D2E4169EE7", "0xde709f2102306220921060314715629080e2fb77"
	if err := s.insertUserWithExtras(ctx, doc, &v2021.UsersCreateParams{Web3Wallet: []string{a, b}}); err != nil {
		t.Fatal(err)
	}
	u, _ := s.User(ctx, doc.User.ID)
	if len(u.Web3Wallets) != 2 || u.PrimaryWeb3WalletID == nil || *u.PrimaryWeb3WalletID != u.Web3Wallets[0].ID ||
		u.Web3Wallets[0].Web3Wallet != a || u.Web3Wallets[0].Verification.Strategy != "admin" {
		t.Fatalf("%+v", u)
	}
	ids, primary := web3Identifiers(u)
	if len(ids) != 2 || primary != a || ids[1].Kind != store.KindWeb3Wallet || ids[1].Value != b || ids[1].ID != u.Web3Wallets[1].ID {
		t.Fatalf("identifiers %+v %q", ids, primary)
	}
	d, err := s.Users.DeleteWeb3Wallet(ctx, u.ID, u.Web3Wallets[0].ID)
	if err != nil || !d.Deleted || d.Object != "web3_wallet" || d.ID != u.Web3Wallets[0].ID {
		t.Fatalf("%+v %v", d, err)
	}
	after, _ := s.User(ctx, u.ID)
	if len(after.Web3Wallets) != 1 || *after.PrimaryWeb3WalletID != after.Web3Wallets[0].ID {
		t.Fatalf("the primary did not move: %+v", after)
	}
	_, err = s.Users.DeleteWeb3Wallet(ctx, u.ID, u.Web3Wallets[0].ID)
	mfaWantCode(t, err, KindNotFound, "resource_not_found")
	if _, err := s.Users.DeleteWeb3Wallet(ctx, u.ID, after.Web3Wallets[0].ID); err != nil {
		t.Fatal(err)
	}
	last, _ := s.User(ctx, u.ID)
	if len(last.Web3Wallets) != 0 || last.PrimaryWeb3WalletID != nil {
		t.Fatalf("%+v", last)
	}
}

func TestReadProfileImage(t *testing.T) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	img, err := readProfileImage(bytes.NewReader(buf.Bytes()))
	if err != nil || img.ContentType != "image/png" || img.Size != int64(buf.Len()) || len(img.SHA256) != 64 {
		t.Fatalf("%+v %v", img, err)
	}
	tests := map[string]io.Reader{
		"empty":     bytes.NewReader(nil),
		"not image": strings.NewReader("just some text, no image at all"),
		"too large": io.MultiReader(bytes.NewReader(buf.Bytes()), io.LimitReader(mfaZeros{}, MaxProfileImageBytes)),
	}
	for name, r := range tests {
		_, err := readProfileImage(r)
		e, ok := AsError(err)
		if !ok || e.Kind != KindBadRequest || e.Param != "file" {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Exactly at the cap is fine.
	atCap := io.MultiReader(bytes.NewReader(buf.Bytes()), io.LimitReader(mfaZeros{}, MaxProfileImageBytes-int64(buf.Len())))
	if img, err := readProfileImage(atCap); err != nil || img.Size != MaxProfileImageBytes {
		t.Fatalf("at the cap: %+v %v", img, err)
	}
	if _, err := readProfileImage(mfaErrReader{}); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("a failing reader: %v", err)
	}
}

type mfaZeros struct{}

func (mfaZeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

type mfaErrReader struct{}

func (mfaErrReader) Read([]byte) (int, error) { return 0, fmt.Errorf("boom") }

// testRand makes IDs for documents that tests build by hand.
var testRand = newRandSource(nil)
