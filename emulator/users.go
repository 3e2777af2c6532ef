package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// userDoc is what the store keeps of a user: the API's view, and the
// secrets the API never shows.
type userDoc struct {
	User    *v2021.User `json:"user"`
	Secrets userSecrets `json:"secrets"`
}

type userSecrets struct {
	PasswordDigest string `json:"password_digest,omitempty"`
	PasswordHasher string `json:"password_hasher,omitempty"`
}

// minPasswordLength is Clerk's default minimum.
const minPasswordLength = 8

// CreateUser creates a user as POST /v1/users does.
func (s *Users) Create(ctx context.Context, p *v2021.UsersCreateParams) (*v2021.User, error) {
	if p == nil {
		p = &v2021.UsersCreateParams{}
	}
	now := s.now().UnixMilli()
	u := &v2021.User{
		ID: s.rand.id("user"), Object: "user", CreatedAt: now, UpdatedAt: now,
		FirstName: p.FirstName, LastName: p.LastName, Username: p.Username, ExternalID: p.ExternalID,
		PublicMetadata: orEmpty(p.PublicMetadata), PrivateMetadata: orEmpty(p.PrivateMetadata),
		UnsafeMetadata: orEmpty(p.UnsafeMetadata),
		EmailAddresses: []*v2021.EmailAddress{}, PhoneNumbers: []*v2021.PhoneNumber{},
		Web3Wallets: []*v2021.Web3Wallet{}, Passkeys: []*v2021.Passkey{}, SAMLAccounts: []*v2021.SAMLAccount{},
		ExternalAccounts: []map[string]any{}, ImageURL: "https://img.clerk.com/default-avatar",
		CreateOrganizationEnabled: true, DeleteSelfEnabled: true,
	}
	if p.Username != nil {
		if err := checkUsername(*p.Username); err != nil {
			return nil, err
		}
	}
	for _, e := range p.EmailAddress {
		addr, err := normalizeEmail(e)
		if err != nil {
			return nil, err
		}
		u.EmailAddresses = append(u.EmailAddresses, &v2021.EmailAddress{
			ID: s.rand.id("idn"), Object: "email_address", EmailAddress: addr, CreatedAt: now, UpdatedAt: now,
			LinkedTo:     []*v2021.IdentificationLink{},
			Verification: &v2021.EmailAddressVerification{Status: "verified", Strategy: "admin"},
		})
	}
	for _, ph := range p.PhoneNumber {
		num, err := normalizePhone(ph)
		if err != nil {
			return nil, err
		}
		u.PhoneNumbers = append(u.PhoneNumbers, &v2021.PhoneNumber{
			ID: s.rand.id("idn"), Object: "phone_number", PhoneNumber: num, CreatedAt: now, UpdatedAt: now,
			LinkedTo:     []*v2021.IdentificationLink{},
			Verification: &v2021.PhoneNumberVerification{Status: "verified", Strategy: "admin"},
		})
	}
	if len(u.EmailAddresses) > 0 {
		u.PrimaryEmailAddressID = &u.EmailAddresses[0].ID
	}
	if len(u.PhoneNumbers) > 0 {
		u.PrimaryPhoneNumberID = &u.PhoneNumbers[0].ID
	}
	doc := &userDoc{User: u}
	switch {
	case p.Password != nil && p.PasswordDigest != nil:
		return nil, &Error{Kind: KindInvalid, Code: "form_param_value_invalid", Param: "password_digest",
			Message: "is invalid", LongMessage: "password and password_digest cannot be given together."}
	case p.Password != nil:
		secrets, err := hashPassword(*p.Password, p.SkipPasswordChecks != nil && *p.SkipPasswordChecks)
		if err != nil {
			return nil, err
		}
		doc.Secrets = secrets
	case p.PasswordDigest != nil:
		hasher := "bcrypt"
		if p.PasswordHasher != nil {
			hasher = string(*p.PasswordHasher)
		}
		if err := checkDigest(hasher, *p.PasswordDigest); err != nil {
			return nil, err
		}
		doc.Secrets = userSecrets{PasswordDigest: *p.PasswordDigest, PasswordHasher: hasher}
	}
	u.PasswordEnabled = doc.Secrets.PasswordDigest != ""
	if err := s.checkRestrictions(ctx, userIdentifiers(u, p.Web3Wallet)); err != nil {
		return nil, err
	}
	if err := s.insertUserWithExtras(ctx, doc, p); err != nil {
		return nil, err
	}
	return u, nil
}

// userIdentifiers are the email addresses, phone numbers and web3 wallets
// of a new user, for the instance's restrictions.
func userIdentifiers(u *v2021.User, wallets []string) []restrictedIdentifier {
	var ids []restrictedIdentifier
	for _, e := range u.EmailAddresses {
		ids = append(ids, restrictedIdentifier{store.KindEmailAddress, e.EmailAddress})
	}
	for _, ph := range u.PhoneNumbers {
		ids = append(ids, restrictedIdentifier{store.KindPhoneNumber, ph.PhoneNumber})
	}
	for _, w := range wallets {
		ids = append(ids, restrictedIdentifier{store.KindWeb3Wallet, w})
	}
	return ids
}

// User returns a user by ID.
func (s *core) User(ctx context.Context, id string) (*v2021.User, error) {
	doc, err := s.userDoc(ctx, id)
	if err != nil {
		return nil, err
	}
	return doc.User, nil
}

// UserJSON returns a user as GET /v1/users/{id} answers it in the
// 2021-02-05 shape: the JSON User stored, taken as it is, without the
// decoding and encoding that User costs.
func (s *Users) Get(ctx context.Context, id string) (JSON[v2021.User], error) {
	r, err := s.readUser(ctx, id)
	if err != nil {
		return nil, err
	}
	u, err := userJSON(r)
	return JSON[v2021.User](u), err
}

// userJSON returns the user object of a stored user, as it is.
func userJSON(r *store.User) (json.RawMessage, error) {
	if u, ok := storedUser(r.Doc); ok {
		return u, nil
	}
	// Not the layout userRecord writes: let encoding/json find the user.
	var doc struct {
		User json.RawMessage `json:"user"`
	}
	if err := json.Unmarshal(r.Doc, &doc); err != nil {
		return nil, fmt.Errorf("emulator: user %s: %w", r.ID, err)
	}
	if len(doc.User) == 0 || doc.User[0] != '{' {
		return nil, fmt.Errorf("emulator: user %s: the stored document has no user", r.ID)
	}
	return doc.User, nil
}

// storedUser returns the user object of a stored user document in the
// layout userRecord writes, {"user":{...},"secrets":{...}} (encoding/json
// writes the fields of userDoc in order, compactly), by finding the end of
// the object: a quarter of the time json.Unmarshal takes to do the same.
// It reports false for any other layout.
func storedUser(doc []byte) ([]byte, bool) {
	const prefix = `{"user":{`
	if !bytes.HasPrefix(doc, []byte(prefix)) {
		return nil, false
	}
	v := doc[len(prefix)-1:]
	depth, inString := 0, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped byte, whatever it is
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				rest := v[i+1:]
				if !bytes.HasPrefix(rest, []byte(`,"secrets":`)) && !bytes.Equal(rest, []byte("}")) {
					return nil, false
				}
				return v[:i+1], true
			}
		}
	}
	return nil, false
}

// maxUserDeletionRounds bounds how many times a user's deletion starts
// over because memberships were added while it ran (errMembershipsAdded).
const maxUserDeletionRounds = 5

// DeleteUser deletes a user and everything it owns.
func (s *Users) Delete(ctx context.Context, id string) (*v2021.DeletedObject, error) {
	var err error
	for round := 1; round <= maxUserDeletionRounds; round++ {
		err = s.store.Tx(ctx, func(tx store.Store) error {
			// Its memberships go with the user: their organizations
			// count one member fewer.
			if err := s.removeUserMemberships(ctx, tx, id); err != nil {
				return err
			}
			// With the user locked, no membership can be added (a
			// membership create locks the organization, then the user):
			// one added since the list above means starting over, since
			// locking its organization now, after the user, could
			// deadlock with such a create.
			if _, err := tx.User(ctx, id); err != nil {
				return err
			}
			left, err := tx.CountObjects(ctx, store.ObjectQuery{Kind: kindMembership, UserID: id})
			if err != nil {
				return err
			}
			if left > 0 {
				return errMembershipsAdded
			}
			return tx.DeleteUser(ctx, id)
		})
		if !errors.Is(err, errMembershipsAdded) {
			break
		}
	}
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFound("User")
		}
		return nil, err
	}
	return &v2021.DeletedObject{Object: "user", ID: id, Deleted: true}, nil
}

// ListUsers lists users as GET /v1/users does.
func (s *core) ListUsers(ctx context.Context, p *v2021.UsersListParams) ([]*v2021.User, error) {
	rows, err := s.listUserRecords(ctx, p)
	if err != nil {
		return nil, err
	}
	out := make([]*v2021.User, 0, len(rows))
	for _, r := range rows {
		doc, err := decodeUser(r)
		if err != nil {
			return nil, err
		}
		out = append(out, doc.User)
	}
	return out, nil
}

// ListUsersJSON is ListUsers encoded as GET /v1/users answers it in the
// 2021-02-05 shape (a JSON array), from the stored users as UserJSON
// serves one.
func (s *Users) List(ctx context.Context, p *v2021.UsersListParams) (JSON[[]*v2021.User], error) {
	rows, err := s.listUserRecords(ctx, p)
	if err != nil {
		return nil, err
	}
	size := 2
	for _, r := range rows {
		size += len(r.Doc) + 1
	}
	out := make([]byte, 0, size)
	out = append(out, '[')
	for i, r := range rows {
		u, err := userJSON(r)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, u...)
	}
	return append(out, ']'), nil
}

// listUserRecords reads the users of a GET /v1/users query.
func (s *core) listUserRecords(ctx context.Context, p *v2021.UsersListParams) ([]*store.User, error) {
	if p == nil {
		p = &v2021.UsersListParams{}
	}
	q, err := userQuery(p.UserID, p.EmailAddress, p.PhoneNumber, p.Web3Wallet, p.Username, p.ExternalID, p.Query)
	if err != nil {
		return nil, err
	}
	if len(p.OrganizationID) > maxListFilter {
		return nil, &Error{Kind: KindInvalid, Code: "form_param_array_size_exceeded", Param: "organization_id",
			Message: "exceeds maximum size", LongMessage: fmt.Sprintf("organization_id should not exceed %d items.", maxListFilter)}
	}
	if p.LastActiveAtSince != nil {
		q.LastActiveAtSince = *p.LastActiveAtSince
	}
	q.OrderBy, q.Descending = "created_at", true
	if p.OrderBy != nil && *p.OrderBy != "" {
		ob := *p.OrderBy
		q.Descending = !strings.HasPrefix(ob, "+")
		q.OrderBy = strings.TrimLeft(ob, "+-")
		if !validUserOrder[q.OrderBy] {
			return nil, invalid("order_by", fmt.Sprintf("order_by cannot be %q.", ob))
		}
	}
	q.Limit, q.Offset, err = paging(p.Limit, p.Offset)
	if err != nil {
		return nil, err
	}
	if len(p.OrganizationID) > 0 {
		ids, err := s.memberIDs(ctx, p.OrganizationID)
		if err != nil {
			return nil, err
		}
		if q.UserIDs = intersect(q.UserIDs, ids); len(q.UserIDs) == 0 {
			return nil, nil // members of none of the organizations
		}
	}
	return s.store.ListUsers(ctx, q)
}

// memberIDs returns the IDs of the members of any of the organizations.
func (s *core) memberIDs(ctx context.Context, orgIDs []string) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, org := range orgIDs {
		rows, err := s.store.ListObjects(ctx, store.ObjectQuery{Kind: kindMembership, Ref: org})
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			if !seen[r.UserID] {
				seen[r.UserID] = true
				ids = append(ids, r.UserID)
			}
		}
	}
	return ids, nil
}

// intersect returns the values of b that are in a, or b when a is empty
// (no filter yet).
func intersect(a, b []string) []string {
	if len(a) == 0 {
		return b
	}
	out := []string{}
	for _, v := range b {
		if slices.Contains(a, v) {
			out = append(out, v)
		}
	}
	return out
}

// CountUsers counts users as GET /v1/users/count does.
func (s *Users) Count(ctx context.Context, p *v2021.UsersCountParams) (*v2021.TotalCount, error) {
	if p == nil {
		p = &v2021.UsersCountParams{}
	}
	q, err := userQuery(p.UserID, p.EmailAddress, p.PhoneNumber, p.Web3Wallet, p.Username, p.ExternalID, p.Query)
	if err != nil {
		return nil, err
	}
	n, err := s.store.CountUsers(ctx, q)
	if err != nil {
		return nil, err
	}
	return &v2021.TotalCount{Object: "total_count", TotalCount: n}, nil
}

// VerifyPassword checks a user's password as POST
// /v1/users/{id}/verify_password does.
func (s *Users) VerifyPassword(ctx context.Context, id string, p *v2021.UsersVerifyPasswordParams) (*v2021.UsersVerifyPasswordResponse, error) {
	password := ""
	if p != nil {
		password = p.Password
	}
	doc, err := s.userDoc(ctx, id)
	if err != nil {
		return nil, err
	}
	if doc.Secrets.PasswordDigest == "" {
		return nil, &Error{Kind: KindBadRequest, Code: "password_not_set", Message: "no password set",
			LongMessage: "The user has no password."}
	}
	if !checkPassword(doc.Secrets.PasswordHasher, doc.Secrets.PasswordDigest, password) {
		return nil, &Error{Kind: KindInvalid, Code: "incorrect_password", Param: "password",
			Message:     "Password is incorrect. Try again, or use another method.",
			LongMessage: "Password is incorrect. Try again, or use another method."}
	}
	return &v2021.UsersVerifyPasswordResponse{Verified: true}, nil
}

var validUserOrder = map[string]bool{
	"created_at": true, "updated_at": true, "email_address": true, "web3wallet": true,
	"first_name": true, "last_name": true, "phone_number": true, "username": true,
	"last_active_at": true, "last_sign_in_at": true,
}

// maxListFilter is how many values a list filter of GET /v1/users takes
// ("Accepts up to 100 email addresses.").
const maxListFilter = 100

func userQuery(ids, emails, phones, wallets, usernames, externalIDs []string, query *string) (store.UserQuery, error) {
	for _, f := range []struct {
		param  string
		values []string
	}{{"user_id", ids}, {"email_address", emails}, {"phone_number", phones}, {"web3_wallet", wallets},
		{"username", usernames}, {"external_id", externalIDs}} {
		if len(f.values) > maxListFilter {
			return store.UserQuery{}, &Error{Kind: KindInvalid, Code: "form_param_array_size_exceeded", Param: f.param,
				Message: "exceeds maximum size", LongMessage: fmt.Sprintf("%s should not exceed %d items.", f.param, maxListFilter)}
		}
	}
	if query != nil {
		if err := checkLength("query", *query, maxNameLength); err != nil {
			return store.UserQuery{}, err
		}
	}
	q := store.UserQuery{UserIDs: ids, PhoneNumbers: phones, Web3Wallets: wallets, Usernames: usernames}
	for _, e := range emails {
		q.EmailAddresses = append(q.EmailAddresses, strings.ToLower(strings.TrimSpace(e)))
	}
	// External IDs may be prefixed: "+id" includes, "-id" excludes.
	for _, x := range externalIDs {
		switch {
		case strings.HasPrefix(x, "-"):
			q.ExcludeExternalIDs = append(q.ExcludeExternalIDs, x[1:])
		case strings.HasPrefix(x, "+"):
			q.ExternalIDs = append(q.ExternalIDs, x[1:])
		default:
			q.ExternalIDs = append(q.ExternalIDs, x)
		}
	}
	if query != nil {
		q.Query = *query
	}
	return q, nil
}

func (s *core) userDoc(ctx context.Context, id string) (*userDoc, error) {
	r, err := s.readUser(ctx, id)
	if err != nil {
		return nil, err
	}
	return decodeUser(r)
}

// readUser reads a stored user; an unknown one is Clerk's not-found error.
func (s *core) readUser(ctx context.Context, id string) (*store.User, error) {
	r, err := s.store.User(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("User")
	}
	return r, err
}

// lockUserFirst locks a user in tx before the objects that go with it (its
// tokens, sessions, clients), in the order a user's deletion locks them,
// the user and then what goes with it: taken the other way round, the two
// could wait for each other (on PostgreSQL: a deadlock, a 500). A user
// gone already is no error: its objects went with it, and reading them
// says so.
func lockUserFirst(ctx context.Context, tx store.Store, userID string) error {
	if _, err := tx.User(ctx, userID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// userIfAny reads a user through st; nil when there is none.
func userIfAny(ctx context.Context, st store.Store, id string) (*v2021.User, error) {
	r, err := st.User(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	doc, err := decodeUser(r)
	if err != nil {
		return nil, err
	}
	return doc.User, nil
}

func decodeUser(r *store.User) (*userDoc, error) {
	var doc userDoc
	if err := json.Unmarshal(r.Doc, &doc); err != nil {
		return nil, fmt.Errorf("emulator: user %s: %w", r.ID, err)
	}
	return &doc, nil
}

// insertUser saves a new user, turning identifier conflicts into Clerk's
// form_identifier_exists.
func (s *core) insertUser(ctx context.Context, doc *userDoc) error {
	rec, err := userRecord(doc)
	if err != nil {
		return err
	}
	return identifierConflict(s.store.InsertUser(ctx, rec))
}

// userRecord derives the store's columns and identifiers from a user.
func userRecord(doc *userDoc) (*store.User, error) {
	u := doc.User
	for _, f := range []struct {
		param string
		value *string
	}{{"first_name", u.FirstName}, {"last_name", u.LastName}, {"external_id", u.ExternalID}} {
		if err := checkLength(f.param, deref(f.value), maxNameLength); err != nil {
			return nil, err
		}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	r := &store.User{
		ID: u.ID, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
		FirstName: deref(u.FirstName), LastName: deref(u.LastName), Username: deref(u.Username),
		ExternalID: deref(u.ExternalID), Doc: data,
	}
	if u.LastActiveAt != nil {
		r.LastActiveAt = *u.LastActiveAt
	}
	if u.LastSignInAt != nil {
		r.LastSignInAt = *u.LastSignInAt
	}
	for _, e := range u.EmailAddresses {
		r.Identifiers = append(r.Identifiers, store.Identifier{ID: e.ID, UserID: u.ID, Kind: store.KindEmailAddress, Value: e.EmailAddress})
		if u.PrimaryEmailAddressID != nil && *u.PrimaryEmailAddressID == e.ID {
			r.PrimaryEmail = e.EmailAddress
		}
	}
	for _, p := range u.PhoneNumbers {
		r.Identifiers = append(r.Identifiers, store.Identifier{ID: p.ID, UserID: u.ID, Kind: store.KindPhoneNumber, Value: p.PhoneNumber})
		if u.PrimaryPhoneNumberID != nil && *u.PrimaryPhoneNumberID == p.ID {
			r.PrimaryPhone = p.PhoneNumber
		}
	}
	wallets, primaryWallet := web3Identifiers(u)
	r.Identifiers = append(r.Identifiers, wallets...)
	r.PrimaryWeb3Wallet = primaryWallet
	if u.Username != nil {
		r.Identifiers = append(r.Identifiers, store.Identifier{UserID: u.ID, Kind: store.KindUsername, Value: strings.ToLower(*u.Username)})
	}
	if u.ExternalID != nil {
		r.Identifiers = append(r.Identifiers, store.Identifier{UserID: u.ID, Kind: store.KindExternalID, Value: *u.ExternalID})
	}
	return r, nil
}

// maxEmailBytes is the longest email address there is (RFC 5321's 256-byte
// path, less its angle brackets).
const maxEmailBytes = 254

func normalizeEmail(e string) (string, error) {
	e = strings.TrimSpace(e)
	a, err := mail.ParseAddress(e)
	if err != nil || len(e) > maxEmailBytes || a.Address != e || !strings.Contains(e[strings.LastIndexByte(e, '@'):], ".") {
		return "", invalid("email_address", "email_address must be a valid email address.")
	}
	return strings.ToLower(e), nil
}

// normalizePhone accepts E.164 numbers ("+" and 8 to 15 digits), with
// spaces, dashes and parentheses removed.
func normalizePhone(p string) (string, error) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(p) {
		switch {
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')':
		default:
			return "", invalid("phone_number", "phone_number must be a valid phone number in E.164 format.")
		}
	}
	n := b.String()
	if !strings.HasPrefix(n, "+") || len(n) < 9 || len(n) > 16 {
		return "", invalid("phone_number", "phone_number must be a valid phone number in E.164 format.")
	}
	return n, nil
}

func checkUsername(u string) error {
	if n := utf8.RuneCountInString(u); n < 4 || n > 64 {
		return &Error{Kind: KindInvalid, Code: "form_username_invalid_length", Param: "username",
			Message:     "Usernames must be between 4 and 64 characters long.",
			LongMessage: "Usernames must be between 4 and 64 characters long."}
	}
	for _, r := range u {
		if !(r == '_' || r == '-' || r == '.' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')) {
			return &Error{Kind: KindInvalid, Code: "form_username_invalid_character", Param: "username",
				Message:     "Usernames can only contain letters, numbers, and '_', '-' or '.'.",
				LongMessage: "Usernames can only contain letters, numbers, and '_', '-' or '.'."}
		}
	}
	return nil
}

// checkDigest accepts the digests the emulator can verify (hashers.go).
func checkDigest(hasher, digest string) error { return validDigest(hasher, digest) }

// checkPassword verifies a password against a stored digest.
func checkPassword(hasher, digest, password string) bool {
	ok, err := verifyDigest(hasher, digest, password)
	return err == nil && ok
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
