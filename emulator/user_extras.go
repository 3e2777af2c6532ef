package emulator

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// The rest of a user's resources: profile image, Web3 wallets, passkeys,
// external accounts, and the lists that are empty until their features
// arrive (organization memberships and invitations, OAuth access tokens).

// kindProfileImage is the store kind of a user's profile image: at most
// one per user (Unique is the user ID), its document a profileImage. The
// image's bytes are never kept: only what describes them.
const kindProfileImage = "profile_image"

// MaxProfileImageBytes caps an uploaded profile image.
const MaxProfileImageBytes = 10 << 20

// defaultAvatarURL is the image_url of a user without an image.
const defaultAvatarURL = "https://img.clerk.com/default-avatar"

// profileImageBaseURL is where the emulator says uploaded images are. It
// serves nothing: the bytes are not kept.
const profileImageBaseURL = "https://img." + DefaultFrontendHost + "/uploaded/"

// profileImageTypes are the image types accepted, by sniffed content type.
var profileImageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

type profileImage struct {
	ID          string `json:"id"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	CreatedAt   int64  `json:"created_at"`
}

// SetProfileImage sets the user's profile image from r, as POST
// /v1/users/{id}/profile_image does. The image must be a PNG, JPEG, GIF or
// WebP (by its content, not its name) of at most MaxProfileImageBytes.
func (s *Users) SetProfileImage(ctx context.Context, userID string, p *v2021.UsersSetProfileImageParams) (*v2021.User, error) {
	var r io.Reader = strings.NewReader("")
	if p != nil && p.File.Body != nil {
		r = p.File.Body
	}
	img, err := readProfileImage(r)
	if err != nil {
		return nil, err
	}
	var u *v2021.User
	err = retryOnConflict(func() (err error) {
		u, err = s.mutateUser(ctx, userID, func(tx store.Store, doc *userDoc) error {
			return s.replaceProfileImage(ctx, tx, doc, *img)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

func (s *core) replaceProfileImage(ctx context.Context, tx store.Store, doc *userDoc, img profileImage) error {
	userID := doc.User.ID
	if _, err := deleteUserObjects(ctx, tx, kindProfileImage, userID); err != nil {
		return err
	}
	now := s.now().UnixMilli()
	img.ID, img.CreatedAt = s.rand.id("img"), now
	data, err := json.Marshal(&img)
	if err != nil {
		return err
	}
	if err := tx.InsertObject(ctx, &store.Object{Kind: kindProfileImage, ID: img.ID, UserID: userID, Unique: userID,
		CreatedAt: now, UpdatedAt: now, Doc: data}); err != nil {
		return err
	}
	u := doc.User
	u.ImageURL = profileImageBaseURL + img.ID
	u.ProfileImageURL = u.ImageURL
	u.HasImage = true
	return nil
}

// readProfileImage reads an upload and describes it.
func readProfileImage(r io.Reader) (*profileImage, error) {
	if r == nil {
		return nil, missing("file")
	}
	h := sha256.New()
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, fmt.Errorf("emulator: reading a profile image: %w", err)
	}
	head = head[:n]
	h.Write(head)
	rest, err := io.Copy(h, io.LimitReader(r, MaxProfileImageBytes-int64(n)+1))
	if err != nil {
		return nil, fmt.Errorf("emulator: reading a profile image: %w", err)
	}
	size := int64(n) + rest
	if size == 0 {
		return nil, &Error{Kind: KindBadRequest, Code: "form_param_format_invalid", Param: "file",
			Message: "is invalid", LongMessage: "The profile image is empty."}
	}
	if size > MaxProfileImageBytes {
		return nil, &Error{Kind: KindBadRequest, Code: "form_param_format_invalid", Param: "file",
			Message:     "is too large",
			LongMessage: fmt.Sprintf("The profile image must be at most %d bytes.", MaxProfileImageBytes)}
	}
	ct := http.DetectContentType(head)
	if !profileImageTypes[ct] {
		return nil, &Error{Kind: KindBadRequest, Code: "form_param_format_invalid", Param: "file",
			Message: "is invalid", LongMessage: "The profile image must be a PNG, JPEG, GIF or WebP image."}
	}
	return &profileImage{ContentType: ct, Size: size, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// DeleteProfileImage removes the user's profile image, as DELETE
// /v1/users/{id}/profile_image does; having none is not an error.
func (s *Users) DeleteProfileImage(ctx context.Context, userID string) (*v2021.User, error) {
	return s.mutateUser(ctx, userID, func(tx store.Store, doc *userDoc) error {
		if _, err := deleteUserObjects(ctx, tx, kindProfileImage, userID); err != nil {
			return err
		}
		u := doc.User
		u.ImageURL, u.ProfileImageURL, u.HasImage = defaultAvatarURL, "", false
		return nil
	})
}

// DeletePasskey deletes a passkey of the user, as DELETE
// /v1/users/{id}/passkeys/{passkey_id} does (404 when the user has no
// such passkey; the emulator creates none yet).
func (s *Users) DeletePasskey(ctx context.Context, userID, passkeyID string) (*v2021.DeletedObject, error) {
	_, err := s.mutateUser(ctx, userID, func(_ store.Store, doc *userDoc) error {
		u := doc.User
		for i, p := range u.Passkeys {
			if p.ID == passkeyID {
				u.Passkeys = append(u.Passkeys[:i:i], u.Passkeys[i+1:]...)
				return nil
			}
		}
		return notFound("Passkey")
	})
	if err != nil {
		return nil, err
	}
	return &v2021.DeletedObject{Object: "passkey", ID: passkeyID, Deleted: true}, nil
}

// DeleteWeb3Wallet deletes a Web3 wallet of the user, as DELETE
// /v1/users/{id}/web3_wallets/{wallet_id} does. When it was the primary
// wallet, the next remaining one becomes primary.
func (s *Users) DeleteWeb3Wallet(ctx context.Context, userID, walletID string) (*v2021.DeletedObject, error) {
	_, err := s.mutateUser(ctx, userID, func(_ store.Store, doc *userDoc) error {
		u := doc.User
		for i, w := range u.Web3Wallets {
			if w.ID != walletID {
				continue
			}
			u.Web3Wallets = append(u.Web3Wallets[:i:i], u.Web3Wallets[i+1:]...)
			if u.PrimaryWeb3WalletID != nil && *u.PrimaryWeb3WalletID == walletID {
				u.PrimaryWeb3WalletID = nil
				if len(u.Web3Wallets) > 0 {
					u.PrimaryWeb3WalletID = &u.Web3Wallets[0].ID
				}
			}
			return nil
		}
		return notFound("Web3 wallet")
	})
	if err != nil {
		return nil, err
	}
	return &v2021.DeletedObject{Object: "web3_wallet", ID: walletID, Deleted: true}, nil
}

// DeleteExternalAccount deletes an external (OAuth) account of the user,
// as DELETE /v1/users/{id}/external_accounts/{account_id} does (404 when
// the user has no such account; the emulator creates none yet).
func (s *Users) DeleteExternalAccount(ctx context.Context, userID, accountID string) (*v2021.DeletedObject, error) {
	_, err := s.mutateUser(ctx, userID, func(_ store.Store, doc *userDoc) error {
		u := doc.User
		for i, a := range u.ExternalAccounts {
			if id, _ := a["id"].(string); id == accountID {
				u.ExternalAccounts = append(u.ExternalAccounts[:i:i], u.ExternalAccounts[i+1:]...)
				return nil
			}
		}
		return notFound("External account")
	})
	if err != nil {
		return nil, err
	}
	return &v2021.DeletedObject{Object: "external_account", ID: accountID, Deleted: true}, nil
}

// UserOrganizationMemberships lists the user's organization memberships,
// as GET /v1/users/{id}/organization_memberships does. Organizations do
// not exist yet in the emulator: the list is empty once the user and the
// paging are checked.
func (s *Users) GetOrganizationMemberships(ctx context.Context, userID string, p *v2021.UsersGetOrganizationMembershipsParams) (JSON[v2021.OrganizationMemberships], error) {
	if p == nil {
		p = &v2021.UsersGetOrganizationMembershipsParams{}
	}
	if err := s.checkUserList(ctx, userID, p.Limit, p.Offset); err != nil {
		return nil, err
	}
	return s.listMemberships(ctx, store.ObjectQuery{Kind: kindMembership, UserID: userID}, nil, p.Limit, p.Offset, nil)
}

// UserOrganizationInvitations lists the organization invitations of the
// user's email addresses, as GET /v1/users/{id}/organization_invitations
// does: empty until organizations arrive.
func (s *Users) GetOrganizationInvitations(ctx context.Context, userID string, p *v2021.UsersGetOrganizationInvitationsParams) (JSON[v2021.OrganizationInvitationsWithPublicOrganizationData], error) {
	if p == nil {
		p = &v2021.UsersGetOrganizationInvitationsParams{}
	}
	if err := s.checkUserList(ctx, userID, p.Limit, p.Offset); err != nil {
		return nil, err
	}
	u, err := s.User(ctx, userID)
	if err != nil {
		return nil, err
	}
	// The invitations to any of the user's email addresses, newest first.
	var all []*orgInvitationRecord
	for _, e := range u.EmailAddresses {
		q := store.ObjectQuery{Kind: kindOrgInvitation, Query: e.EmailAddress}
		if p.Status != nil && *p.Status != "" {
			if !orgInvitationStatuses[*p.Status] {
				return nil, invalid("status", "status must be one of pending, accepted, revoked or expired.")
			}
			q.Status = *p.Status
		}
		rows, err := s.store.ListObjects(ctx, q)
		if err != nil {
			return nil, err
		}
		records, err := decodeObjects[orgInvitationRecord](rows)
		if err != nil {
			return nil, err
		}
		for _, inv := range records {
			if inv.EmailAddress == e.EmailAddress {
				all = append(all, inv)
			}
		}
	}
	slices.SortFunc(all, func(a, b *orgInvitationRecord) int {
		return cmp.Or(cmp.Compare(b.CreatedAt, a.CreatedAt), strings.Compare(b.ID, a.ID))
	})
	limit, offset, _ := paging(p.Limit, p.Offset) // checked above
	total := int64(len(all))
	all = all[min(offset, len(all)):]
	all = all[:min(limit, len(all))]
	data := make([]*orgInvitationAnswer, 0, len(all))
	for _, inv := range all {
		a, err := s.answerOrgInvitation(ctx, s.store, inv, true)
		if err != nil {
			return nil, err
		}
		data = append(data, a)
	}
	return encodeJSON[v2021.OrganizationInvitationsWithPublicOrganizationData](page(data, total))
}

// OAuthAccessTokens lists the user's OAuth access tokens for a provider,
// as GET /v1/users/{id}/oauth_access_tokens/{provider} does. Users have no
// external accounts in the emulator yet: the list is empty.
func (s *Users) GetOAuthAccessToken(ctx context.Context, userID, provider string) (*v2021.OAuthAccessTokenList, error) {
	if _, err := s.userDoc(ctx, userID); err != nil {
		return nil, err
	}
	return &v2021.OAuthAccessTokenList{Data: []*v2021.OAuthAccessToken{}}, nil
}

func (s *core) checkUserList(ctx context.Context, userID string, limit, offset *int64) error {
	if _, err := s.userDoc(ctx, userID); err != nil {
		return err
	}
	_, _, err := paging(limit, offset)
	return err
}

// insertUserWithExtras saves a new user as insertUser does, with what
// CreateUser's parameters add beyond the user document: web3_wallet
// (wallets in the document), totp_secret and backup_codes (MFA records
// written in the same transaction as the user).
func (s *core) insertUserWithExtras(ctx context.Context, doc *userDoc, p *v2021.UsersCreateParams) error {
	if p == nil {
		return s.insertUser(ctx, doc)
	}
	now := doc.User.CreatedAt
	if err := s.addWeb3Wallets(doc.User, p.Web3Wallet, now); err != nil {
		return err
	}
	mfa, err := s.prepareMFAOnCreate(p.TOTPSecret, p.BackupCodes)
	if err != nil {
		return err
	}
	if mfa == nil {
		return s.insertUser(ctx, doc)
	}
	mfa.apply(doc.User, now)
	rec, err := userRecord(doc)
	if err != nil {
		return err
	}
	return s.store.Tx(ctx, func(tx store.Store) error {
		// As insertUser, through the transaction.
		if err := identifierConflict(tx.InsertUser(ctx, rec)); err != nil {
			return err
		}
		return mfa.save(ctx, s, tx, doc.User.ID, now)
	})
}

// addWeb3Wallets adds the wallets of POST /v1/users (web3_wallet) to a
// new user, the first as primary, verified by the admin. A wallet is an
// Ethereum address: "0x" and 40 hexadecimal digits.
func (s *core) addWeb3Wallets(u *v2021.User, wallets []string, now int64) error {
	for _, w := range wallets {
		w = strings.TrimSpace(w)
		if !validWeb3Wallet(w) {
			return invalid("web3_wallet", "web3_wallet must be a valid Ethereum address (0x and 40 hexadecimal digits).")
		}
		u.Web3Wallets = append(u.Web3Wallets, &v2021.Web3Wallet{
			ID: s.rand.id("idn"), Object: "web3_wallet", Web3Wallet: w, CreatedAt: now, UpdatedAt: now,
			Verification: &v2021.Web3WalletVerification{Status: "verified", Strategy: "admin"},
		})
	}
	if u.PrimaryWeb3WalletID == nil && len(u.Web3Wallets) > 0 {
		u.PrimaryWeb3WalletID = &u.Web3Wallets[0].ID
	}
	return nil
}

func validWeb3Wallet(w string) bool {
	hexPart, ok := strings.CutPrefix(w, "0x")
	if !ok || len(hexPart) != 40 {
		return false
	}
	_, err := hex.DecodeString(hexPart)
	return err == nil
}

// web3Identifiers are the store identifiers of the user's wallets (unique
// across users), and the primary wallet's value, for userRecord.
func web3Identifiers(u *v2021.User) (ids []store.Identifier, primary string) {
	for _, w := range u.Web3Wallets {
		ids = append(ids, store.Identifier{ID: w.ID, UserID: u.ID, Kind: store.KindWeb3Wallet, Value: w.Web3Wallet})
		if u.PrimaryWeb3WalletID != nil && *u.PrimaryWeb3WalletID == w.ID {
			primary = w.Web3Wallet
		}
	}
	return ids, primary
}
