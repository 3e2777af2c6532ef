package emulator

import (
	"context"
	"errors"
	"strings"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// The allowlist and the blocklist. An identifier on either is an object of
// kindAllowlistIdentifier or kindBlocklistIdentifier whose unique key is
// the identifier, normalised: an email address lower-cased, a whole email
// domain as "*@example.com" (lower-cased), a phone number in E.164, a
// web3 wallet lower-cased. Its document is the API's answer.
//
// They take effect when the instance's restrictions turn them on
// (instance_settings.go): a user created (POST /v1/users) or given an email
// address or phone number (POST /v1/email_addresses, /v1/phone_numbers)
// with an identifier the restrictions keep out is refused, 403
// not_allowed_access. With the allowlist on, every identifier must be on
// it (itself, or an email's domain); with the blocklist on, none may be on
// it, unless the allowlist is on too and has it: the allowlist wins.

const (
	kindAllowlistIdentifier = "allowlist_identifier"
	kindBlocklistIdentifier = "blocklist_identifier"
)

// listIdentifier normalises an identifier of the allowlist or blocklist
// and names its type (email_address, phone_number or web3_wallet).
func listIdentifier(v string) (string, string, error) {
	v = strings.TrimSpace(v)
	bad := invalid("identifier", "identifier must be an email address, an email domain (*@example.com), "+
		"a phone number in E.164 format or a web3 wallet.")
	switch {
	case v == "":
		return "", "", missing("identifier")
	case strings.HasPrefix(v, "0x"):
		if !validWeb3Wallet(v) {
			return "", "", bad
		}
		return strings.ToLower(v), store.KindWeb3Wallet, nil
	case strings.HasPrefix(v, "+"):
		n, err := normalizePhone(v)
		if err != nil {
			return "", "", bad
		}
		return n, store.KindPhoneNumber, nil
	case strings.HasPrefix(v, "*@"):
		addr, err := normalizeEmail("x" + v[1:])
		if err != nil {
			return "", "", bad
		}
		return "*" + addr[1:], store.KindEmailAddress, nil
	case strings.Contains(v, "@"):
		addr, err := normalizeEmail(v)
		if err != nil {
			return "", "", bad
		}
		return addr, store.KindEmailAddress, nil
	}
	return "", "", bad
}

// duplicateListIdentifier is Clerk's answer to an identifier listed twice.
func duplicateListIdentifier(list, identifier string) *Error {
	return &Error{Kind: KindBadRequest, Code: "duplicate_record", Message: "duplicate " + list + " identifier",
		LongMessage: "the identifier " + identifier + " already exists"}
}

// addListIdentifier stores a new identifier of kind (the allowlist's or
// the blocklist's), its document made by doc from its ID, value, type and
// time.
func (s *core) addListIdentifier(ctx context.Context, kind, list, identifier string, doc func(id, value, typ string, now int64) any) (any, error) {
	value, typ, err := listIdentifier(identifier)
	if err != nil {
		return nil, err
	}
	now := s.now().UnixMilli()
	id := s.rand.id(map[string]string{kindAllowlistIdentifier: "alid", kindBlocklistIdentifier: "blid"}[kind])
	v := doc(id, value, typ, now)
	err = putObject(ctx, s.store, store.Object{Kind: kind, ID: id, Unique: value, Search: value,
		CreatedAt: now, UpdatedAt: now}, v, true)
	if isConflict(err) {
		return nil, duplicateListIdentifier(list, value)
	}
	return v, err
}

// CreateAllowlistIdentifier adds an identifier to the allowlist, as POST
// /v1/allowlist_identifiers does. notify is accepted; the emulator sends
// no invitation (invitation_id is "").
func (s *AllowlistBlocklist) CreateAllowlistIdentifier(ctx context.Context, p *v2021.AllowlistBlocklistCreateAllowlistIdentifierParams) (*v2021.AllowlistIdentifier, error) {
	if p == nil {
		p = &v2021.AllowlistBlocklistCreateAllowlistIdentifierParams{}
	}
	v, err := s.addListIdentifier(ctx, kindAllowlistIdentifier, "allowlist", p.Identifier, func(id, value, typ string, now int64) any {
		return &v2021.AllowlistIdentifier{Object: "allowlist_identifier", ID: id, Identifier: value, IdentifierType: typ,
			InstanceID: s.inst.ID, CreatedAt: now, UpdatedAt: now}
	})
	if err != nil {
		return nil, err
	}
	return v.(*v2021.AllowlistIdentifier), nil
}

// CreateBlocklistIdentifier adds an identifier to the blocklist, as POST
// /v1/blocklist_identifiers does.
func (s *AllowlistBlocklist) CreateBlocklistIdentifier(ctx context.Context, p *v2021.AllowlistBlocklistCreateBlocklistIdentifierParams) (*v2021.BlocklistIdentifier, error) {
	if p == nil {
		p = &v2021.AllowlistBlocklistCreateBlocklistIdentifierParams{}
	}
	v, err := s.addListIdentifier(ctx, kindBlocklistIdentifier, "blocklist", p.Identifier, func(id, value, typ string, now int64) any {
		return &v2021.BlocklistIdentifier{Object: "blocklist_identifier", ID: id, Identifier: value, IdentifierType: typ,
			InstanceID: s.inst.ID, CreatedAt: now, UpdatedAt: now}
	})
	if err != nil {
		return nil, err
	}
	return v.(*v2021.BlocklistIdentifier), nil
}

// ListAllowlistIdentifiers lists the allowlist, newest first: all of it,
// or a page when limit or offset is given (later API versions).
func (s *AllowlistBlocklist) ListAllowlistIdentifiers(ctx context.Context, later *AllowlistBlocklistListAllowlistIdentifiersLater) (*v2021.AllowlistIdentifierList, error) {
	q := store.ObjectQuery{Kind: kindAllowlistIdentifier}
	if later != nil && (later.Limit != nil || later.Offset != nil) {
		var err error
		if q.Limit, q.Offset, err = paging(later.Limit, later.Offset); err != nil {
			return nil, err
		}
	}
	data, total, err := listIdentifiers[v2021.AllowlistIdentifier](ctx, s.store, q)
	if err != nil {
		return nil, err
	}
	return &v2021.AllowlistIdentifierList{Data: data, TotalCount: total}, nil
}

// List lists the blocklist, newest first, as GET /v1/blocklist_identifiers
// does.
func (s *BlocklistIdentifiers) List(ctx context.Context) (*v2021.BlocklistIdentifiers, error) {
	data, total, err := listIdentifiers[v2021.BlocklistIdentifier](ctx, s.store, store.ObjectQuery{Kind: kindBlocklistIdentifier})
	if err != nil {
		return nil, err
	}
	return &v2021.BlocklistIdentifiers{Data: data, TotalCount: total}, nil
}

func listIdentifiers[T any](ctx context.Context, st store.Store, q store.ObjectQuery) ([]*T, int64, error) {
	total, err := st.CountObjects(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	rows, err := st.ListObjects(ctx, q)
	if err != nil {
		return nil, 0, err
	}
	data, err := decodeObjects[T](rows)
	return data, total, err
}

// Delete removes an identifier from the allowlist.
func (s *AllowlistIdentifiers) Delete(ctx context.Context, id string) (*v2021.DeletedObject, error) {
	return s.deleteListIdentifier(ctx, kindAllowlistIdentifier, id)
}

// DeleteBlocklistIdentifier removes an identifier from the blocklist.
func (s *AllowlistBlocklist) DeleteBlocklistIdentifier(ctx context.Context, id string) (*v2021.DeletedObject, error) {
	return s.deleteListIdentifier(ctx, kindBlocklistIdentifier, id)
}

func (s *core) deleteListIdentifier(ctx context.Context, kind, id string) (*v2021.DeletedObject, error) {
	err := s.store.DeleteObject(ctx, kind, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, &Error{Kind: KindNotFound, Code: "resource_not_found", Message: "Identifier not found",
			LongMessage: "No identifier was found with id " + id}
	}
	if err != nil {
		return nil, err
	}
	return &v2021.DeletedObject{Object: kind, ID: id, Deleted: true}, nil
}

// restrictedIdentifier is an identifier a user is to have, for
// checkRestrictions: its kind and its normalised value.
type restrictedIdentifier struct{ kind, value string }

// checkRestrictions refuses identifiers the instance's restrictions keep
// out (403 not_allowed_access, naming them). Email addresses and phone
// numbers are given normalised; wallets are compared lower-cased.
func (s *core) checkRestrictions(ctx context.Context, ids []restrictedIdentifier) error {
	if len(ids) == 0 {
		return nil
	}
	set, err := s.settings(ctx, s.store)
	if err != nil {
		return err
	}
	r := set.Restrictions
	if !r.Allowlist && !r.Blocklist {
		return nil
	}
	var refused []string
	for _, id := range ids {
		v := id.value
		if id.kind == store.KindWeb3Wallet {
			v = strings.ToLower(strings.TrimSpace(v))
		}
		allowed := false
		if r.Allowlist {
			if allowed, err = s.listed(ctx, kindAllowlistIdentifier, id.kind, v); err != nil {
				return err
			}
			if !allowed {
				refused = append(refused, v)
				continue
			}
		}
		if r.Blocklist && !allowed {
			blocked, err := s.listed(ctx, kindBlocklistIdentifier, id.kind, v)
			if err != nil {
				return err
			}
			if blocked {
				refused = append(refused, v)
			}
		}
	}
	if len(refused) == 0 {
		return nil
	}
	verb := " is"
	if len(refused) > 1 {
		verb = " are"
	}
	return &Error{Kind: KindForbidden, Code: "not_allowed_access", Message: "Access not allowed.",
		LongMessage: strings.Join(refused, ", ") + verb + " not allowed to access this application."}
}

// listed reports whether the list of kind has the identifier v, or, for
// an email address, its domain ("*@example.com").
func (s *core) listed(ctx context.Context, kind, idKind, v string) (bool, error) {
	keys := []string{v}
	if at := strings.LastIndexByte(v, '@'); idKind == store.KindEmailAddress && at >= 0 {
		keys = append(keys, "*"+v[at:])
	}
	for _, k := range keys {
		_, err := s.store.ObjectByUnique(ctx, kind, k)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return false, err
		}
	}
	return false, nil
}
