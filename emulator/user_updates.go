package emulator

import (
	"context"
	"errors"
	"fmt"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
	"golang.org/x/crypto/bcrypt"
)

// mutateUser loads a user, applies fn, and saves it in one transaction,
// turning identifier conflicts into form_identifier_exists. fn may also
// write other records through tx.
func (s *core) mutateUser(ctx context.Context, id string, fn func(tx store.Store, doc *userDoc) error) (*v2021.User, error) {
	var out *userDoc
	err := s.store.Tx(ctx, func(tx store.Store) error {
		r, err := tx.User(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return notFound("User")
		}
		if err != nil {
			return err
		}
		doc, err := decodeUser(r)
		if err != nil {
			return err
		}
		if err := fn(tx, doc); err != nil {
			return err
		}
		doc.User.UpdatedAt = s.now().UnixMilli()
		rec, err := userRecord(doc)
		if err != nil {
			return err
		}
		if err := identifierConflict(tx.UpdateUser(ctx, rec)); err != nil {
			return err
		}
		out = doc
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out.User, nil
}

// UpdateUser applies PATCH /v1/users/{id}: unset fields stay, null clears
// a nullable field.
func (s *Users) Update(ctx context.Context, id string, p *v2021.UsersUpdateParams) (*v2021.User, error) {
	if p == nil {
		p = &v2021.UsersUpdateParams{}
	}
	return s.mutateUser(ctx, id, func(_ store.Store, doc *userDoc) error {
		u := doc.User
		setNullable(&u.FirstName, p.FirstName)
		setNullable(&u.LastName, p.LastName)
		setNullable(&u.ExternalID, p.ExternalID)
		if p.Username.IsSet() {
			if v, ok := p.Username.Get(); ok {
				if err := checkUsername(v); err != nil {
					return err
				}
			}
			setNullable(&u.Username, p.Username)
		}
		if v, ok := p.CreateOrganizationEnabled.Get(); ok {
			u.CreateOrganizationEnabled = v
		}
		if v, ok := p.DeleteSelfEnabled.Get(); ok {
			u.DeleteSelfEnabled = v
		}
		if p.CreateOrganizationsLimit.IsSet() {
			if v, ok := p.CreateOrganizationsLimit.Get(); ok {
				u.CreateOrganizationsLimit = &v
			} else {
				u.CreateOrganizationsLimit = nil
			}
		}
		if p.PublicMetadata != nil {
			u.PublicMetadata = p.PublicMetadata
		}
		if p.PrivateMetadata != nil {
			u.PrivateMetadata = p.PrivateMetadata
		}
		if p.UnsafeMetadata != nil {
			u.UnsafeMetadata = p.UnsafeMetadata
		}
		if p.PrimaryEmailAddressID != nil {
			found := false
			for _, e := range u.EmailAddresses {
				found = found || e.ID == *p.PrimaryEmailAddressID
			}
			if !found {
				return invalid("primary_email_address_id", "primary_email_address_id is not one of the user's email addresses.")
			}
			u.PrimaryEmailAddressID = p.PrimaryEmailAddressID
		}
		if p.PrimaryPhoneNumberID != nil {
			found := false
			for _, ph := range u.PhoneNumbers {
				found = found || ph.ID == *p.PrimaryPhoneNumberID
			}
			if !found {
				return invalid("primary_phone_number_id", "primary_phone_number_id is not one of the user's phone numbers.")
			}
			u.PrimaryPhoneNumberID = p.PrimaryPhoneNumberID
		}
		if p.Password.IsSet() {
			pw, ok := p.Password.Get()
			if !ok {
				doc.Secrets = userSecrets{}
			} else {
				skip, _ := p.SkipPasswordChecks.Get()
				secrets, err := hashPassword(pw, skip)
				if err != nil {
					return err
				}
				doc.Secrets = secrets
			}
		}
		u.PasswordEnabled = doc.Secrets.PasswordDigest != ""
		return nil
	})
}

// UpdateUserMetadata deep-merges metadata as PATCH
// /v1/users/{id}/metadata does: objects merge key by key at any depth, a
// null value removes its key, anything else replaces.
func (s *Users) UpdateMetadata(ctx context.Context, id string, p *v2021.UsersUpdateMetadataParams) (*v2021.User, error) {
	if p == nil {
		p = &v2021.UsersUpdateMetadataParams{}
	}
	return s.mutateUser(ctx, id, func(_ store.Store, doc *userDoc) error {
		u := doc.User
		u.PublicMetadata = mergeMetadata(u.PublicMetadata, p.PublicMetadata)
		u.PrivateMetadata = mergeMetadata(u.PrivateMetadata, p.PrivateMetadata)
		u.UnsafeMetadata = mergeMetadata(u.UnsafeMetadata, p.UnsafeMetadata)
		return nil
	})
}

// mergeMetadata merges patch into base (both may be nil) and returns the
// result; base is not modified.
func mergeMetadata(base, patch map[string]any) map[string]any {
	out := make(map[string]any, len(base))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(out, k)
		case map[string]any:
			bv, _ := out[k].(map[string]any)
			out[k] = mergeMetadata(bv, pv)
		default:
			out[k] = v
		}
	}
	return out
}

// BanUser bans a user and revokes its active sessions, at once.
func (s *Users) Ban(ctx context.Context, id string) (*v2021.User, error) {
	return s.mutateUser(ctx, id, func(tx store.Store, doc *userDoc) error {
		doc.User.Banned = true
		return s.revokeUserSessions(ctx, tx, id)
	})
}

// UnbanUser lifts a ban.
func (s *Users) Unban(ctx context.Context, id string) (*v2021.User, error) {
	return s.mutateUser(ctx, id, func(_ store.Store, doc *userDoc) error {
		doc.User.Banned = false
		return nil
	})
}

// LockUser locks a user out of signing in, with no expiry.
func (s *Users) Lock(ctx context.Context, id string) (*v2021.User, error) {
	return s.mutateUser(ctx, id, func(_ store.Store, doc *userDoc) error {
		doc.User.Locked = true
		doc.User.LockoutExpiresInSeconds = nil
		return nil
	})
}

// UnlockUser lifts a lock.
func (s *Users) Unlock(ctx context.Context, id string) (*v2021.User, error) {
	return s.mutateUser(ctx, id, func(_ store.Store, doc *userDoc) error {
		doc.User.Locked = false
		doc.User.LockoutExpiresInSeconds = nil
		return nil
	})
}

// revokeUserSessions revokes every active session of a user.
func (s *core) revokeUserSessions(ctx context.Context, tx store.Store, userID string) error {
	rows, err := tx.ListObjects(ctx, store.ObjectQuery{Kind: kindSession, UserID: userID, Status: "active"})
	if err != nil {
		return err
	}
	sessions, err := decodeObjects[v2021.Session](rows)
	if err != nil {
		return err
	}
	now := s.now().UnixMilli()
	for _, sess := range sessions {
		sess.Status, sess.UpdatedAt = "revoked", now
		if err := putObject(ctx, tx, sessionObject(sess, ""), sess, false); err != nil {
			return err
		}
	}
	return nil
}

// hashPassword checks a new password and returns its bcrypt digest.
func hashPassword(pw string, skipChecks bool) (userSecrets, error) {
	if !skipChecks && len([]rune(pw)) < minPasswordLength {
		return userSecrets{}, &Error{Kind: KindInvalid, Code: "form_password_length_too_short", Param: "password",
			Message: "Passwords must be 8 characters or more.", LongMessage: "Passwords must be 8 characters or more."}
	}
	if len(pw) > 72 {
		return userSecrets{}, &Error{Kind: KindInvalid, Code: "form_password_length_too_long", Param: "password",
			Message: "Passwords must be 72 bytes or less.", LongMessage: "Passwords must be 72 bytes or less."}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	if err != nil {
		return userSecrets{}, fmt.Errorf("emulator: hashing a password: %w", err)
	}
	return userSecrets{PasswordDigest: string(hash), PasswordHasher: "bcrypt"}, nil
}

// setNullable applies a PATCH field: unset keeps, null clears, a value
// sets.
func setNullable[T any](dst **T, v v2021.Nullable[T]) {
	if !v.IsSet() {
		return
	}
	if x, ok := v.Get(); ok {
		*dst = &x
		return
	}
	*dst = nil
}
