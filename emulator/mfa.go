package emulator

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
	"golang.org/x/crypto/bcrypt"
)

// Multi-factor authentication: a user's TOTP (authenticator app) and
// backup codes.
//
// The secrets live in store objects owned by the user (deleted with it),
// never in the user's document and never in an answer, but for the TOTP
// secret and URI that CreateUserTOTP returns once:
//
//   - kindTOTP: at most one per user (Unique is the user ID); its ID is
//     the TOTP's ("totp_..."), its document a totpRecord (the base32
//     secret, which TOTP needs in the clear).
//   - kindBackupCode: one per backup code, its document a
//     backupCodeRecord: an HMAC-SHA-256 of the code under a random salt of
//     its own, or the bcrypt digest given at creation. Using a code
//     deletes its object: DeleteObject succeeds for one caller only, so a
//     code is accepted once even when requests race, on any store.
//
// The user's document keeps the flags the API shows: totp_enabled,
// backup_code_enabled, two_factor_enabled, mfa_enabled_at and
// mfa_disabled_at, written in the same transaction as the objects.

// Object kinds of the store kept by this file.
const (
	kindTOTP       = "totp"
	kindBackupCode = "backup_code"
)

// TOTP as Clerk supports it (RFC 6238): HMAC-SHA-1, 6 digits, 30-second
// steps; a code of the step before or after the current one is accepted.
const (
	totpPeriod      = 30
	totpDigits      = 6
	totpSkew        = 1
	totpSecretBytes = 20 // 160 bits, RFC 4226's recommendation
	totpIssuer      = "Clerk Emulator"
)

// Limits on what POST /v1/users may give.
const (
	minTOTPSecretBytes = 10 // 16 base32 characters, as authenticator apps issue
	maxTOTPSecretBytes = 64
	maxBackupCodes     = 100
	maxBackupCodeBytes = 72 // bcrypt's limit
)

type totpRecord struct {
	ID        string `json:"id"`
	Secret    string `json:"secret"` // base32, upper case, unpadded
	CreatedAt int64  `json:"created_at"`
}

type backupCodeRecord struct {
	// Hasher is "hmac_sha256" (Salt and Hash set) or "bcrypt" (Digest set).
	Hasher string `json:"hasher"`
	Salt   []byte `json:"salt,omitempty"`
	Hash   []byte `json:"hash,omitempty"`
	Digest string `json:"digest,omitempty"`
}

var base32NoPad = base32.StdEncoding.WithPadding(base32.NoPadding)

// hotp is RFC 4226's HOTP with HMAC-SHA-1: the dynamic truncation of the
// HMAC of the counter, as digits decimal digits.
func hotp(key []byte, counter uint64, digits int) string {
	mac := hmac.New(sha1.New, key)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// totpCounter is the number of the 30-second step t falls in.
func totpCounter(t time.Time) uint64 {
	u := t.Unix()
	if u < 0 {
		return 0
	}
	return uint64(u) / totpPeriod
}

// checkTOTP reports whether code is the TOTP of key at now, or of the step
// before or after. Every step is compared, in constant time.
func checkTOTP(key []byte, code string, now time.Time) bool {
	if len(code) != totpDigits || !isDigits(code) {
		return false
	}
	c := totpCounter(now)
	ok := 0
	for d := -totpSkew; d <= totpSkew; d++ {
		if d < 0 && c < uint64(-d) {
			continue
		}
		want := hotp(key, c+uint64(d), totpDigits)
		ok |= subtle.ConstantTimeCompare([]byte(want), []byte(code))
	}
	return ok == 1
}

// normalizeTOTPSecret checks a base32 secret (case, spaces, dashes and
// padding do not matter) and returns it upper case and unpadded.
func normalizeTOTPSecret(s string) (string, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '=':
			return -1
		}
		return r
	}, strings.ToUpper(s))
	key, err := base32NoPad.DecodeString(s)
	if err != nil || len(key) < minTOTPSecretBytes || len(key) > maxTOTPSecretBytes {
		return "", invalid("totp_secret", fmt.Sprintf(
			"totp_secret must be a base32 secret of %d to %d bytes (SHA-1, 6 digits, 30-second period).",
			minTOTPSecretBytes, maxTOTPSecretBytes))
	}
	return s, nil
}

func (s *core) newTOTPSecret() string {
	b := make([]byte, totpSecretBytes)
	s.rand.read(b)
	return base32NoPad.EncodeToString(b)
}

// totpURI is the otpauth:// URI authenticator apps read (from a QR code).
func totpURI(account, secret string) string {
	q := url.Values{}
	q.Set("secret", secret)
	q.Set("issuer", totpIssuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", fmt.Sprint(totpDigits))
	q.Set("period", fmt.Sprint(totpPeriod))
	return "otpauth://totp/" + url.PathEscape(totpIssuer) + ":" + url.PathEscape(account) + "?" + q.Encode()
}

// totpAccount names the user in an authenticator app: the primary email
// address, else phone number, else the username, else the user ID.
func totpAccount(u *v2021.User) string {
	for _, e := range u.EmailAddresses {
		if u.PrimaryEmailAddressID != nil && e.ID == *u.PrimaryEmailAddressID {
			return e.EmailAddress
		}
	}
	for _, p := range u.PhoneNumbers {
		if u.PrimaryPhoneNumberID != nil && p.ID == *u.PrimaryPhoneNumberID {
			return p.PhoneNumber
		}
	}
	if u.Username != nil && *u.Username != "" {
		return *u.Username
	}
	return u.ID
}

// hashBackupCode makes the record of a plain backup code.
func (s *core) hashBackupCode(code string) backupCodeRecord {
	salt := make([]byte, 16)
	s.rand.read(salt)
	return backupCodeRecord{Hasher: "hmac_sha256", Salt: salt, Hash: backupCodeMAC(salt, code)}
}

func backupCodeMAC(salt []byte, code string) []byte {
	mac := hmac.New(sha256.New, salt)
	mac.Write([]byte(code))
	return mac.Sum(nil)
}

// matches reports whether code is this backup code.
func (r *backupCodeRecord) matches(code string) bool {
	switch r.Hasher {
	case "hmac_sha256":
		return hmac.Equal(backupCodeMAC(r.Salt, code), r.Hash)
	case "bcrypt":
		return bcrypt.CompareHashAndPassword([]byte(r.Digest), []byte(code)) == nil
	}
	return false
}

// mfaOnCreate is what POST /v1/users gave for MFA, checked and hashed.
type mfaOnCreate struct {
	totpSecret string // "" when none
	codes      []backupCodeRecord
}

// prepareMFAOnCreate checks totp_secret and backup_codes of POST /v1/users
// and hashes the codes; a code that is a bcrypt digest is kept as the
// digest (Clerk takes codes "in plain format or the corresponding bcrypt
// digest"). It returns nil when neither is given.
func (s *core) prepareMFAOnCreate(totpSecret *string, backupCodes []string) (*mfaOnCreate, error) {
	if (totpSecret == nil || *totpSecret == "") && len(backupCodes) == 0 {
		return nil, nil
	}
	m := &mfaOnCreate{}
	if totpSecret != nil && *totpSecret != "" {
		s, err := normalizeTOTPSecret(*totpSecret)
		if err != nil {
			return nil, err
		}
		m.totpSecret = s
	}
	if len(backupCodes) > maxBackupCodes {
		return nil, invalid("backup_codes", fmt.Sprintf("At most %d backup codes can be given.", maxBackupCodes))
	}
	for _, c := range backupCodes {
		c = strings.TrimSpace(c)
		if c == "" || len(c) > maxBackupCodeBytes {
			return nil, invalid("backup_codes", fmt.Sprintf("Each backup code must have 1 to %d bytes.", maxBackupCodeBytes))
		}
		if strings.HasPrefix(c, "$2") {
			if _, err := parseBcrypt(c, false); err != nil {
				return nil, invalid("backup_codes", "A backup code that starts with \"$2\" must be a valid bcrypt digest.")
			}
			m.codes = append(m.codes, backupCodeRecord{Hasher: "bcrypt", Digest: c})
			continue
		}
		m.codes = append(m.codes, s.hashBackupCode(c))
	}
	return m, nil
}

// apply sets the user's MFA flags for what m enables.
func (m *mfaOnCreate) apply(u *v2021.User, now int64) {
	if m == nil {
		return
	}
	u.TOTPEnabled = m.totpSecret != ""
	u.BackupCodeEnabled = len(m.codes) > 0
	updateTwoFactor(u, now)
}

// save writes m's records for the user, through tx.
func (m *mfaOnCreate) save(ctx context.Context, s *core, tx store.Store, userID string, now int64) error {
	if m == nil {
		return nil
	}
	if m.totpSecret != "" {
		rec := &totpRecord{ID: s.rand.id("totp"), Secret: m.totpSecret, CreatedAt: now}
		if err := insertTOTP(ctx, tx, userID, rec); err != nil {
			return err
		}
	}
	return s.insertBackupCodes(ctx, tx, userID, m.codes, now)
}

func insertTOTP(ctx context.Context, tx store.Store, userID string, rec *totpRecord) error {
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return tx.InsertObject(ctx, &store.Object{Kind: kindTOTP, ID: rec.ID, UserID: userID, Unique: userID,
		Status: "verified", CreatedAt: rec.CreatedAt, UpdatedAt: rec.CreatedAt, Doc: data})
}

func (s *core) insertBackupCodes(ctx context.Context, tx store.Store, userID string, codes []backupCodeRecord, now int64) error {
	for i := range codes {
		data, err := json.Marshal(&codes[i])
		if err != nil {
			return err
		}
		if err := tx.InsertObject(ctx, &store.Object{Kind: kindBackupCode, ID: s.rand.id("bcode"), UserID: userID,
			CreatedAt: now, UpdatedAt: now, Doc: data}); err != nil {
			return err
		}
	}
	return nil
}

// updateTwoFactor sets two_factor_enabled from the user's second factors
// (TOTP, backup codes, phone numbers reserved for second factor) and
// stamps mfa_enabled_at or mfa_disabled_at when it changes.
func updateTwoFactor(u *v2021.User, now int64) {
	on := u.TOTPEnabled || u.BackupCodeEnabled
	for _, p := range u.PhoneNumbers {
		on = on || p.ReservedForSecondFactor
	}
	switch {
	case on && !u.TwoFactorEnabled:
		u.MFAEnabledAt = &now
	case !on && u.TwoFactorEnabled:
		u.MFADisabledAt = &now
	}
	u.TwoFactorEnabled = on
}

// deleteUserObjects deletes every object of a kind the user owns and
// reports how many there were.
func deleteUserObjects(ctx context.Context, tx store.Store, kind, userID string) (int, error) {
	rows, err := tx.ListObjects(ctx, store.ObjectQuery{Kind: kind, UserID: userID})
	if err != nil {
		return 0, err
	}
	for _, r := range rows {
		if err := tx.DeleteObject(ctx, kind, r.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return 0, err
		}
	}
	return len(rows), nil
}

// CreateUserTOTP gives the user a new TOTP, verified at once, as POST
// /v1/users/{id}/totp does; a TOTP the user had is replaced. The answer is
// the only place the secret and URI ever appear.
func (s *Users) CreateTOTP(ctx context.Context, userID string) (*v2021.TOTP, error) {
	var out *v2021.TOTP
	err := retryOnConflict(func() error {
		_, err := s.mutateUser(ctx, userID, func(tx store.Store, doc *userDoc) error {
			if _, err := deleteUserObjects(ctx, tx, kindTOTP, userID); err != nil {
				return err
			}
			now := s.now().UnixMilli()
			rec := &totpRecord{ID: s.rand.id("totp"), Secret: s.newTOTPSecret(), CreatedAt: now}
			if err := insertTOTP(ctx, tx, userID, rec); err != nil {
				return err
			}
			doc.User.TOTPEnabled = true
			updateTwoFactor(doc.User, now)
			uri := totpURI(totpAccount(doc.User), rec.Secret)
			out = &v2021.TOTP{Object: "totp", ID: rec.ID, Secret: &rec.Secret, Uri: &uri, Verified: true}
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// VerifyTOTP checks a TOTP or backup code of the user, as POST
// /v1/users/{id}/verify_totp does: a backup code is consumed. A wrong code
// is 422 form_code_incorrect (the spec's 422, "The provided TOTP or backup
// code was incorrect"); a user with neither TOTP nor backup codes is 400
// totp_not_enabled.
func (s *Users) VerifyTOTP(ctx context.Context, userID string, p *v2021.UsersVerifyTOTPParams) (*v2021.UsersVerifyTOTPResponse, error) {
	code := ""
	if p != nil {
		code = p.Code
	}
	return s.verifyTOTP(ctx, userID, code)
}

// verifyTOTP is VerifyTOTP with the code given.
func (s *core) verifyTOTP(ctx context.Context, userID, code string) (*v2021.UsersVerifyTOTPResponse, error) {
	if _, err := s.userDoc(ctx, userID); err != nil {
		return nil, err
	}
	totps, err := s.store.ListObjects(ctx, store.ObjectQuery{Kind: kindTOTP, UserID: userID})
	if err != nil {
		return nil, err
	}
	codes, err := s.store.ListObjects(ctx, store.ObjectQuery{Kind: kindBackupCode, UserID: userID, Ascending: true})
	if err != nil {
		return nil, err
	}
	if len(totps) == 0 && len(codes) == 0 {
		return nil, &Error{Kind: KindBadRequest, Code: "totp_not_enabled", Message: "TOTP is not enabled",
			LongMessage: "The user does not have TOTP configured for their account."}
	}
	code = strings.TrimSpace(code)
	now := s.now()
	for _, o := range totps {
		var rec totpRecord
		if err := json.Unmarshal(o.Doc, &rec); err != nil {
			return nil, fmt.Errorf("emulator: TOTP %s: %w", o.ID, err)
		}
		key, err := base32NoPad.DecodeString(rec.Secret)
		if err != nil {
			return nil, fmt.Errorf("emulator: TOTP %s: the stored secret is not base32", o.ID)
		}
		if checkTOTP(key, code, now) {
			return &v2021.UsersVerifyTOTPResponse{Verified: true, CodeType: "totp"}, nil
		}
	}
	if code != "" && len(code) <= maxBackupCodeBytes {
		for _, o := range codes {
			var rec backupCodeRecord
			if err := json.Unmarshal(o.Doc, &rec); err != nil {
				return nil, fmt.Errorf("emulator: backup code %s: %w", o.ID, err)
			}
			if !rec.matches(code) {
				continue
			}
			// Consume: whoever deletes the object used the code.
			err := s.store.DeleteObject(ctx, kindBackupCode, o.ID)
			if errors.Is(err, store.ErrNotFound) {
				break // used by a concurrent request
			}
			if err != nil {
				return nil, err
			}
			return &v2021.UsersVerifyTOTPResponse{Verified: true, CodeType: "backup_code"}, nil
		}
	}
	return nil, &Error{Kind: KindInvalid, Code: "form_code_incorrect", Param: "code",
		Message: "is incorrect", LongMessage: "The TOTP or backup code is incorrect."}
}

// DeleteTOTP removes the user's TOTP (backup codes stay), as DELETE
// /v1/users/{id}/totp does. Having none is not an error.
func (s *Users) DeleteTOTP(ctx context.Context, userID string) (*v2021.UsersDeleteTOTPResponse, error) {
	_, err := s.mutateUser(ctx, userID, func(tx store.Store, doc *userDoc) error {
		if _, err := deleteUserObjects(ctx, tx, kindTOTP, userID); err != nil {
			return err
		}
		doc.User.TOTPEnabled = false
		updateTwoFactor(doc.User, s.now().UnixMilli())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &v2021.UsersDeleteTOTPResponse{UserID: userID}, nil
}

// DeleteBackupCodes removes all the user's backup codes, as DELETE
// /v1/users/{id}/backup_code does.
func (s *Users) DeleteBackupCodes(ctx context.Context, userID string) (*v2021.UsersDeleteBackupCodesResponse, error) {
	_, err := s.mutateUser(ctx, userID, func(tx store.Store, doc *userDoc) error {
		if _, err := deleteUserObjects(ctx, tx, kindBackupCode, userID); err != nil {
			return err
		}
		doc.User.BackupCodeEnabled = false
		updateTwoFactor(doc.User, s.now().UnixMilli())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &v2021.UsersDeleteBackupCodesResponse{UserID: userID}, nil
}

// DisableMFA removes every second factor of the user at once, as DELETE
// /v1/users/{id}/mfa does: the TOTP, the backup codes, and the
// second-factor reservation of its phone numbers (the numbers stay).
func (s *Users) DisableMFA(ctx context.Context, userID string) (*v2021.UsersDisableMFAResponse, error) {
	_, err := s.mutateUser(ctx, userID, func(tx store.Store, doc *userDoc) error {
		for _, kind := range []string{kindTOTP, kindBackupCode} {
			if _, err := deleteUserObjects(ctx, tx, kind, userID); err != nil {
				return err
			}
		}
		u := doc.User
		u.TOTPEnabled, u.BackupCodeEnabled = false, false
		now := s.now().UnixMilli()
		for _, p := range u.PhoneNumbers {
			if p.ReservedForSecondFactor || p.DefaultSecondFactor || p.BackupCodes != nil {
				p.ReservedForSecondFactor, p.DefaultSecondFactor, p.BackupCodes = false, false, nil
				p.UpdatedAt = now
			}
		}
		updateTwoFactor(u, now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &v2021.UsersDisableMFAResponse{UserID: userID}, nil
}
