package emulator

import (
	"context"
	"errors"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// Email addresses and phone numbers ("identifications") live inside their
// user's document: the user's email_addresses and phone_numbers are the
// source of truth, and every change goes through mutateUser, so that the
// user, its primary identifiers and the store's unique identifiers change
// together. They are found by their "idn_..." ID through the store's
// identifier index, then in the owning user.
//
// Verification: an address created or updated with verified true has the
// admin verification ({status: "verified", strategy: "admin"}); one that is
// not verified has none (verification null). The spec's Admin verification
// only knows the status "verified", and an unverified OTP verification
// needs attempts, expire_at and a code strategy the emulator never ran, so
// null is the one unverified shape every API version accepts.

// CreateEmailAddress adds an email address to a user as POST
// /v1/email_addresses does. It becomes the primary address when asked to,
// or when the user has none.
func (s *EmailAddresses) Create(ctx context.Context, p *v2021.EmailAddressesCreateParams) (*v2021.EmailAddress, error) {
	if p == nil {
		p = &v2021.EmailAddressesCreateParams{}
	}
	if p.UserID == nil || *p.UserID == "" {
		return nil, missing("user_id")
	}
	if p.EmailAddress == nil || *p.EmailAddress == "" {
		return nil, missing("email_address")
	}
	addr, err := normalizeEmail(*p.EmailAddress)
	if err != nil {
		return nil, err
	}
	if err := s.checkRestrictions(ctx, []restrictedIdentifier{{store.KindEmailAddress, addr}}); err != nil {
		return nil, err
	}
	now := s.now().UnixMilli()
	e := &v2021.EmailAddress{ID: s.rand.id("idn"), Object: "email_address", EmailAddress: addr,
		CreatedAt: now, UpdatedAt: now, LinkedTo: []*v2021.IdentificationLink{}}
	setEmailVerified(e, p.Verified != nil && *p.Verified)
	_, err = s.mutateUser(ctx, *p.UserID, func(_ store.Store, doc *userDoc) error {
		u := doc.User
		for _, x := range u.EmailAddresses {
			if x.EmailAddress == addr {
				return identifierExists(store.KindEmailAddress)
			}
		}
		u.EmailAddresses = append(u.EmailAddresses, e)
		if (p.Primary != nil && *p.Primary) || u.PrimaryEmailAddressID == nil {
			u.PrimaryEmailAddressID = &e.ID
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// EmailAddress returns an email address by ID.
func (s *EmailAddresses) Get(ctx context.Context, id string) (*v2021.EmailAddress, error) {
	userID, err := s.identificationOwner(ctx, id, store.KindEmailAddress)
	if err != nil {
		return nil, err
	}
	doc, err := s.userDoc(ctx, userID)
	if err != nil {
		return nil, identificationGone(err, store.KindEmailAddress)
	}
	e := emailAddressByID(doc.User, id)
	if e == nil {
		return nil, identificationNotFound(store.KindEmailAddress)
	}
	return e, nil
}

// UpdateEmailAddress applies PATCH /v1/email_addresses/{id}: verified
// true verifies the address (strategy admin), false unverifies it;
// primary true makes it the user's primary address. primary false, and
// null for either, change nothing: a user keeps a primary address while
// it has one.
func (s *EmailAddresses) Update(ctx context.Context, id string, p *v2021.EmailAddressesUpdateParams) (*v2021.EmailAddress, error) {
	if p == nil {
		p = &v2021.EmailAddressesUpdateParams{}
	}
	userID, err := s.identificationOwner(ctx, id, store.KindEmailAddress)
	if err != nil {
		return nil, err
	}
	var out *v2021.EmailAddress
	_, err = s.mutateUser(ctx, userID, func(_ store.Store, doc *userDoc) error {
		u := doc.User
		e := emailAddressByID(u, id)
		if e == nil {
			return identificationNotFound(store.KindEmailAddress)
		}
		if v, ok := p.Verified.Get(); ok {
			setEmailVerified(e, v)
		}
		if v, ok := p.Primary.Get(); ok && v {
			u.PrimaryEmailAddressID = &e.ID
		}
		e.UpdatedAt = s.now().UnixMilli()
		out = e
		return nil
	})
	if err != nil {
		return nil, identificationGone(err, store.KindEmailAddress)
	}
	return out, nil
}

// DeleteEmailAddress removes an email address from its user. When it was
// the primary address, the user's first remaining verified address (else
// its first remaining address) becomes primary; with none left the user
// has no primary address.
func (s *EmailAddresses) Delete(ctx context.Context, id string) (*v2021.DeletedObject, error) {
	userID, err := s.identificationOwner(ctx, id, store.KindEmailAddress)
	if err != nil {
		return nil, err
	}
	_, err = s.mutateUser(ctx, userID, func(_ store.Store, doc *userDoc) error {
		u := doc.User
		kept := make([]*v2021.EmailAddress, 0, len(u.EmailAddresses))
		for _, e := range u.EmailAddresses {
			if e.ID != id {
				kept = append(kept, e)
			}
		}
		if len(kept) == len(u.EmailAddresses) {
			return identificationNotFound(store.KindEmailAddress)
		}
		u.EmailAddresses = kept
		if u.PrimaryEmailAddressID != nil && *u.PrimaryEmailAddressID == id {
			u.PrimaryEmailAddressID = replacementEmailID(kept)
		}
		return nil
	})
	if err != nil {
		return nil, identificationGone(err, store.KindEmailAddress)
	}
	return &v2021.DeletedObject{Object: "email_address", ID: id, Deleted: true}, nil
}

// CreatePhoneNumber adds a phone number (E.164, normalised) to a user as
// POST /v1/phone_numbers does. It becomes the primary number when asked
// to, or when the user has none. reserved_for_second_factor needs the
// number verified; the first number reserved becomes the default second
// factor.
func (s *PhoneNumbers) Create(ctx context.Context, p *v2021.PhoneNumbersCreateParams) (*v2021.PhoneNumber, error) {
	if p == nil {
		p = &v2021.PhoneNumbersCreateParams{}
	}
	if p.UserID == nil || *p.UserID == "" {
		return nil, missing("user_id")
	}
	if p.PhoneNumber == nil || *p.PhoneNumber == "" {
		return nil, missing("phone_number")
	}
	num, err := normalizePhone(*p.PhoneNumber)
	if err != nil {
		return nil, err
	}
	verified := p.Verified != nil && *p.Verified
	reserved := p.ReservedForSecondFactor != nil && *p.ReservedForSecondFactor
	if reserved && !verified {
		return nil, secondFactorNeedsVerified("reserved_for_second_factor")
	}
	if err := s.checkRestrictions(ctx, []restrictedIdentifier{{store.KindPhoneNumber, num}}); err != nil {
		return nil, err
	}
	now := s.now().UnixMilli()
	ph := &v2021.PhoneNumber{ID: s.rand.id("idn"), Object: "phone_number", PhoneNumber: num,
		CreatedAt: now, UpdatedAt: now, LinkedTo: []*v2021.IdentificationLink{}}
	setPhoneVerified(ph, verified)
	_, err = s.mutateUser(ctx, *p.UserID, func(_ store.Store, doc *userDoc) error {
		ph.DefaultSecondFactor = false // as made, should the transaction run again
		u := doc.User
		for _, x := range u.PhoneNumbers {
			if x.PhoneNumber == num {
				return identifierExists(store.KindPhoneNumber)
			}
		}
		u.PhoneNumbers = append(u.PhoneNumbers, ph)
		if (p.Primary != nil && *p.Primary) || u.PrimaryPhoneNumberID == nil {
			u.PrimaryPhoneNumberID = &ph.ID
		}
		ph.ReservedForSecondFactor = reserved
		syncPhoneSecondFactors(u)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ph, nil
}

// PhoneNumber returns a phone number by ID.
func (s *PhoneNumbers) Get(ctx context.Context, id string) (*v2021.PhoneNumber, error) {
	userID, err := s.identificationOwner(ctx, id, store.KindPhoneNumber)
	if err != nil {
		return nil, err
	}
	doc, err := s.userDoc(ctx, userID)
	if err != nil {
		return nil, identificationGone(err, store.KindPhoneNumber)
	}
	ph := phoneNumberByID(doc.User, id)
	if ph == nil {
		return nil, identificationNotFound(store.KindPhoneNumber)
	}
	return ph, nil
}

// UpdatePhoneNumber applies PATCH /v1/phone_numbers/{id}: verified and
// primary as for email addresses; reserved_for_second_factor true
// reserves a verified number for multi-factor authentication (the default
// second factor when no other number is), false releases it (another
// reserved number becomes the default). A reserved number cannot be
// unverified.
func (s *PhoneNumbers) Update(ctx context.Context, id string, p *v2021.PhoneNumbersUpdateParams) (*v2021.PhoneNumber, error) {
	if p == nil {
		p = &v2021.PhoneNumbersUpdateParams{}
	}
	userID, err := s.identificationOwner(ctx, id, store.KindPhoneNumber)
	if err != nil {
		return nil, err
	}
	var out *v2021.PhoneNumber
	_, err = s.mutateUser(ctx, userID, func(_ store.Store, doc *userDoc) error {
		u := doc.User
		ph := phoneNumberByID(u, id)
		if ph == nil {
			return identificationNotFound(store.KindPhoneNumber)
		}
		if v, ok := p.Verified.Get(); ok {
			setPhoneVerified(ph, v)
		}
		reserve, reserveSet := p.ReservedForSecondFactor.Get()
		if reserveSet {
			ph.ReservedForSecondFactor = reserve
		}
		if ph.ReservedForSecondFactor && !phoneVerified(ph) {
			if reserveSet {
				return secondFactorNeedsVerified("reserved_for_second_factor")
			}
			return secondFactorNeedsVerified("verified")
		}
		if v, ok := p.Primary.Get(); ok && v {
			u.PrimaryPhoneNumberID = &ph.ID
		}
		syncPhoneSecondFactors(u)
		ph.UpdatedAt = s.now().UnixMilli()
		out = ph
		return nil
	})
	if err != nil {
		return nil, identificationGone(err, store.KindPhoneNumber)
	}
	return out, nil
}

// DeletePhoneNumber removes a phone number from its user; the primary
// number and the default second factor move on as for email addresses.
func (s *PhoneNumbers) Delete(ctx context.Context, id string) (*v2021.DeletedObject, error) {
	userID, err := s.identificationOwner(ctx, id, store.KindPhoneNumber)
	if err != nil {
		return nil, err
	}
	_, err = s.mutateUser(ctx, userID, func(_ store.Store, doc *userDoc) error {
		u := doc.User
		kept := make([]*v2021.PhoneNumber, 0, len(u.PhoneNumbers))
		for _, ph := range u.PhoneNumbers {
			if ph.ID != id {
				kept = append(kept, ph)
			}
		}
		if len(kept) == len(u.PhoneNumbers) {
			return identificationNotFound(store.KindPhoneNumber)
		}
		u.PhoneNumbers = kept
		if u.PrimaryPhoneNumberID != nil && *u.PrimaryPhoneNumberID == id {
			u.PrimaryPhoneNumberID = replacementPhoneID(kept)
		}
		syncPhoneSecondFactors(u)
		return nil
	})
	if err != nil {
		return nil, identificationGone(err, store.KindPhoneNumber)
	}
	return &v2021.DeletedObject{Object: "phone_number", ID: id, Deleted: true}, nil
}

// identificationOwner finds the user owning the identifier id of kind
// (store.KindEmailAddress or store.KindPhoneNumber).
func (s *core) identificationOwner(ctx context.Context, id, kind string) (string, error) {
	idn, err := s.store.Identifier(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && idn.Kind != kind) {
		return "", identificationNotFound(kind)
	}
	if err != nil {
		return "", err
	}
	return idn.UserID, nil
}

// identificationGone reports the user of an identification deleted since
// it was looked up as the identification not found.
func identificationGone(err error, kind string) error {
	if e, ok := AsError(err); ok && e.Kind == KindNotFound {
		return identificationNotFound(kind)
	}
	return err
}

func identificationNotFound(kind string) *Error {
	if kind == store.KindPhoneNumber {
		return notFound("Phone number")
	}
	return notFound("Email address")
}

func secondFactorNeedsVerified(param string) *Error {
	return &Error{Kind: KindInvalid, Code: "form_param_value_invalid", Param: param, Message: "is invalid",
		LongMessage: "A phone number reserved for second factor must be verified."}
}

func emailAddressByID(u *v2021.User, id string) *v2021.EmailAddress {
	for _, e := range u.EmailAddresses {
		if e.ID == id {
			return e
		}
	}
	return nil
}

func phoneNumberByID(u *v2021.User, id string) *v2021.PhoneNumber {
	for _, ph := range u.PhoneNumbers {
		if ph.ID == id {
			return ph
		}
	}
	return nil
}

// setEmailVerified gives e the admin verification, or none. An address
// verified already (by any strategy) keeps its verification.
func setEmailVerified(e *v2021.EmailAddress, verified bool) {
	switch {
	case !verified:
		e.Verification = nil
	case e.Verification == nil || e.Verification.Status != "verified":
		e.Verification = &v2021.EmailAddressVerification{Status: "verified", Strategy: "admin"}
	}
}

func setPhoneVerified(ph *v2021.PhoneNumber, verified bool) {
	switch {
	case !verified:
		ph.Verification = nil
	case !phoneVerified(ph):
		ph.Verification = &v2021.PhoneNumberVerification{Status: "verified", Strategy: "admin"}
	}
}

func phoneVerified(ph *v2021.PhoneNumber) bool {
	return ph.Verification != nil && ph.Verification.Status == "verified"
}

// replacementEmailID picks the next primary address: the first verified
// one, else the first one; nil when there is none.
func replacementEmailID(list []*v2021.EmailAddress) *string {
	for _, e := range list {
		if e.Verification != nil && e.Verification.Status == "verified" {
			return &e.ID
		}
	}
	if len(list) > 0 {
		return &list[0].ID
	}
	return nil
}

func replacementPhoneID(list []*v2021.PhoneNumber) *string {
	for _, ph := range list {
		if phoneVerified(ph) {
			return &ph.ID
		}
	}
	if len(list) > 0 {
		return &list[0].ID
	}
	return nil
}

// syncPhoneSecondFactors keeps exactly one default second factor among the
// reserved phone numbers (the first one, when the default was released or
// deleted), none among the others, and two_factor_enabled in step.
func syncPhoneSecondFactors(u *v2021.User) {
	var def *v2021.PhoneNumber
	for _, ph := range u.PhoneNumbers {
		if !ph.ReservedForSecondFactor {
			ph.DefaultSecondFactor = false
			continue
		}
		if ph.DefaultSecondFactor && def == nil {
			def = ph
		} else {
			ph.DefaultSecondFactor = false
		}
	}
	reserved := false
	for _, ph := range u.PhoneNumbers {
		if ph.ReservedForSecondFactor {
			reserved = true
			if def == nil {
				def = ph
				ph.DefaultSecondFactor = true
			}
		}
	}
	u.TwoFactorEnabled = u.TOTPEnabled || u.BackupCodeEnabled || reserved
}
