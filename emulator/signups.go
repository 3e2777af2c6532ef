package emulator

import (
	"context"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// Sign-ups. Clerk creates them in its frontend API, which the emulator
// does not have: a Go test creates one with Service.CreateSignUp (or
// clerktest's Server.CreateSignUp), in the state a sign-up waiting for
// its last requirements would be in, and the Backend API updates it.

const kindSignUp = "sign_up"

// signUpAbandonLifetime is how long an unfinished sign-up lives.
const signUpAbandonLifetime = 24 * time.Hour

// Statuses of a sign-up.
const (
	signUpMissingRequirements = "missing_requirements"
	signUpComplete            = "complete"
	signUpAbandoned           = "abandoned"
)

func signUpObject(su *v2021.SignUp) store.Object {
	return store.Object{Kind: kindSignUp, ID: su.ID, Status: su.Status, CreatedAt: su.AbandonAt - signUpAbandonLifetime.Milliseconds(),
		UpdatedAt: su.AbandonAt - signUpAbandonLifetime.Milliseconds()}
}

// SignUpOptions describe a sign-up for CreateSignUp.
type SignUpOptions struct {
	EmailAddress, PhoneNumber, Username, FirstName, LastName, ExternalID string
	UnsafeMetadata                                                       map[string]any
}

// CreateSignUp starts a sign-up, as a user filling in Clerk's sign-up form
// would, missing only its verification: for tests of what the Backend API
// does with sign-ups (PATCH /v1/sign_ups/{id}).
func (s *core) CreateSignUp(ctx context.Context, o SignUpOptions) (*v2021.SignUp, error) {
	now := s.now()
	su := &v2021.SignUp{Object: "sign_up_attempt", ID: s.rand.id("sua"), Status: signUpMissingRequirements,
		AbandonAt: now.Add(signUpAbandonLifetime).UnixMilli(), RequiredFields: []string{}, OptionalFields: []string{},
		MissingFields: []string{}, UnverifiedFields: []string{},
		Verifications:  map[string]any{"email_address": nil, "phone_number": nil, "web3_wallet": nil, "external_account": nil},
		PublicMetadata: map[string]any{}, UnsafeMetadata: orEmpty(o.UnsafeMetadata)}
	set := func(dst **string, v string) {
		if v != "" {
			*dst = &v
		}
	}
	if o.EmailAddress != "" {
		email, err := normalizeEmail(o.EmailAddress)
		if err != nil {
			return nil, err
		}
		su.EmailAddress = &email
		su.UnverifiedFields = append(su.UnverifiedFields, "email_address")
		su.Verifications["email_address"] = map[string]any{"next_action": "needs_prepare", "supported_strategies": []any{"email_code"}}
	}
	set(&su.PhoneNumber, o.PhoneNumber)
	set(&su.Username, o.Username)
	set(&su.FirstName, o.FirstName)
	set(&su.LastName, o.LastName)
	set(&su.ExternalID, o.ExternalID)
	if err := putObject(ctx, s.store, signUpObject(su), su, true); err != nil {
		return nil, err
	}
	return su, nil
}

// Update changes a sign-up's external_id (null clears it) and, in later
// API versions, custom_action; a complete or abandoned sign-up cannot be
// changed.
func (s *SignUps) Update(ctx context.Context, id string, p *v2021.SignUpsUpdateParams, later *SignUpsUpdateLater) (*v2021.SignUp, error) {
	var su v2021.SignUp
	err := s.store.Tx(ctx, func(tx store.Store) error {
		su = v2021.SignUp{} // read afresh, should the transaction run again
		if err := readObject(ctx, tx, kindSignUp, id, "Sign up", &su); err != nil {
			return err
		}
		if su.Status == signUpMissingRequirements && s.now().UnixMilli() >= su.AbandonAt {
			su.Status = signUpAbandoned
		}
		if su.Status != signUpMissingRequirements {
			return &Error{Kind: KindForbidden, Code: "sign_up_cannot_be_updated", Message: "Sign up cannot be updated",
				LongMessage: "This sign up has reached a terminal state and cannot be updated."}
		}
		if p != nil && p.ExternalID.IsSet() {
			if v, ok := p.ExternalID.Get(); ok && v != "" {
				if err := checkLength("external_id", v, maxNameLength); err != nil {
					return err
				}
				su.ExternalID = &v
			} else {
				su.ExternalID = nil
			}
		}
		if later != nil && later.CustomAction != nil {
			su.CustomAction = *later.CustomAction
		}
		return putObject(ctx, tx, signUpObject(&su), &su, false)
	})
	if err != nil {
		return nil, err
	}
	return &su, nil
}
