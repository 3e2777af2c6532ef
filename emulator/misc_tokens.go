package emulator

// Testing tokens, sign-in tokens and actor tokens (impersonation).
//
// Sign-in and actor tokens are tickets: opaque random strings, kept in the
// store (their unique key), that the Frontend API's ticket strategy turns
// into a session once. AcceptSignInToken and AcceptActorToken are that
// step; the session of an actor token carries the actor, which becomes the
// act claim of its session tokens.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// Store kinds of this file. A token's unique key is its value; a session
// started from a ticket has "ticket:" + the ticket's ID as its unique key,
// so that no ticket starts two sessions, however many requests race.
const (
	kindSignInToken = "sign_in_token"
	kindActorToken  = "actor_token"
)

// Clerk's defaults.
const (
	signInTokenLifetime     = 30 * 24 * time.Hour
	actorTokenLifetime      = time.Hour
	actorSessionMaxDuration = 30 * time.Minute
	testingTokenLifetime    = time.Hour
)

// Statuses of sign-in and actor tokens.
const (
	ticketPending  = "pending"
	ticketAccepted = "accepted"
	ticketRevoked  = "revoked"
)

type signInTokenDoc struct {
	Token    *v2021.SignInToken `json:"token"`
	ExpireAt int64              `json:"expire_at"` // Unix milliseconds
}

type actorTokenDoc struct {
	Token              *v2021.ActorToken `json:"token"`
	Secret             string            `json:"secret"`               // the token's value, shown once
	ExpireAt           int64             `json:"expire_at"`            // Unix milliseconds
	SessionMaxDuration int64             `json:"session_max_duration"` // seconds
}

// CreateTestingToken returns a token for the __clerk_testing_token query
// parameter of Frontend API requests, valid for an hour, as POST
// /v1/testing_tokens does. It is "<issued at>-<nonce><MAC>": stateless,
// checked by VerifyTestingToken with a key derived from the instance's
// signing key.
func (s *TestingTokens) Create(ctx context.Context) (*v2021.TestingToken, error) {
	iat := s.now().Unix()
	nonce := s.rand.base62(12)
	return &v2021.TestingToken{Object: "testing_token",
		Token:     fmt.Sprintf("%d-%s%s", iat, nonce, s.testingTokenMAC(iat, nonce)),
		ExpiresAt: iat + int64(testingTokenLifetime/time.Second)}, nil
}

// VerifyTestingToken checks a token of CreateTestingToken: made by this
// instance, and not expired.
func (s *core) VerifyTestingToken(token string) error {
	bad := &Error{Kind: KindUnauthorized, Code: "testing_token_invalid", Message: "invalid testing token",
		LongMessage: "The testing token is not one of this instance's, or has expired."}
	ts, rest, ok := strings.Cut(token, "-")
	iat, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || len(rest) != 12+32 {
		return bad
	}
	if !hmac.Equal([]byte(rest[12:]), []byte(s.testingTokenMAC(iat, rest[:12]))) {
		return bad
	}
	if s.now().Unix() >= iat+int64(testingTokenLifetime/time.Second) {
		return bad
	}
	return nil
}

func (s *core) testingTokenMAC(iat int64, nonce string) string {
	key := sha256.Sum256([]byte("clerk emulator testing tokens\x00" + s.inst.SigningKeyPEM))
	m := hmac.New(sha256.New, key[:])
	fmt.Fprintf(m, "%d.%s", iat, nonce)
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// Create creates a sign-in token for a user as POST
// /v1/sign_in_tokens does: pending, valid for expires_in_seconds (30 days
// by default), with the token and the URL that signs the user in.
func (s *SignInTokens) Create(ctx context.Context, p *v2021.SignInTokensCreateParams, later *SignInTokensCreateLater) (*v2021.SignInToken, error) {
	if later != nil && later.OrgID != nil {
		return nil, &Error{Kind: KindInvalid, Code: "form_param_value_invalid", Param: "org_id",
			Message:     "is not supported",
			LongMessage: "org_id is not supported by the emulator yet: it has no organizations."}
	}
	return s.CreateSignInToken(ctx, p)
}

// CreateSignInToken creates a sign-in token (SignInTokens.Create without
// the parameters of later API versions).
func (s *core) CreateSignInToken(ctx context.Context, p *v2021.SignInTokensCreateParams) (*v2021.SignInToken, error) {
	if p == nil || p.UserID == nil || *p.UserID == "" {
		return nil, missing("user_id")
	}
	life := signInTokenLifetime
	if p.ExpiresInSeconds != nil {
		if *p.ExpiresInSeconds < 1 {
			return nil, invalid("expires_in_seconds", "expires_in_seconds must be at least 1.")
		}
		life = time.Duration(*p.ExpiresInSeconds) * time.Second
	}
	if _, err := s.userDoc(ctx, *p.UserID); err != nil {
		return nil, err
	}
	now := s.now()
	ms := now.UnixMilli()
	value := s.rand.base62(48)
	link := s.ticketURL(value)
	doc := &signInTokenDoc{
		Token: &v2021.SignInToken{Object: "sign_in_token", ID: s.rand.id("sit"), Status: ticketPending, UserID: *p.UserID,
			Token: value, URL: &link, CreatedAt: ms, UpdatedAt: ms},
		ExpireAt: now.Add(life).UnixMilli(),
	}
	if err := putTicket(ctx, s.store, kindSignInToken, doc.Token.ID, doc.Token.UserID, doc.Token.Status, value, ms, ms, doc, true); err != nil {
		return nil, err
	}
	return doc.Token, nil
}

// RevokeSignInToken revokes a pending sign-in token.
// The token is read and written in one transaction, so that an
// acceptance cannot land in between.
func (s *SignInTokens) Revoke(ctx context.Context, id string) (*v2021.SignInToken, error) {
	var t *v2021.SignInToken
	err := s.store.Tx(ctx, func(tx store.Store) error {
		var doc signInTokenDoc
		if err := readObject(ctx, tx, kindSignInToken, id, "Sign-in token", &doc); err != nil {
			return err
		}
		t = doc.Token
		if t.Status != ticketPending {
			return &Error{Kind: KindBadRequest, Code: "sign_in_token_cannot_be_revoked_code", Message: "cannot revoke",
				LongMessage: fmt.Sprintf("Sign in token cannot be revoked because its status is %s. Only pending tokens can be revoked.", t.Status)}
		}
		t.Status, t.UpdatedAt = ticketRevoked, s.now().UnixMilli()
		return putTicket(ctx, tx, kindSignInToken, t.ID, t.UserID, t.Status, t.Token, t.CreatedAt, t.UpdatedAt, &doc, false)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// AcceptSignInToken signs in with a sign-in token (its value, as the
// Frontend API's ticket strategy receives it): it starts an active
// session for the token's user and marks the token accepted. A token
// works once, while pending and not expired.
func (s *core) AcceptSignInToken(ctx context.Context, token string) (*v2021.Session, error) {
	o, err := s.store.ObjectByUnique(ctx, kindSignInToken, token)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ticketInvalid("The sign-in token is not one of this instance's.")
	}
	if err != nil {
		return nil, err
	}
	var sess *v2021.Session
	err = s.store.Tx(ctx, func(tx store.Store) error {
		if err := lockUserFirst(ctx, tx, o.UserID); err != nil {
			return err
		}
		var doc signInTokenDoc
		if err := readObject(ctx, tx, kindSignInToken, o.ID, "Sign-in token", &doc); err != nil {
			return err
		}
		t := doc.Token
		if err := s.checkTicket("sign-in token", t.Status, doc.ExpireAt); err != nil {
			return err
		}
		if sess, err = s.startTicketSession(ctx, tx, t.UserID, t.ID, nil, sessionLifetime); err != nil {
			return err
		}
		t.Status, t.UpdatedAt = ticketAccepted, s.now().UnixMilli()
		return putTicket(ctx, tx, kindSignInToken, t.ID, t.UserID, t.Status, token, t.CreatedAt, t.UpdatedAt, &doc, false)
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// CreateActorToken creates an actor token as POST /v1/actor_tokens does:
// a ticket that signs its holder in as user_id, on behalf of the actor
// (whose sub is required). The token and its URL are shown only here.
func (s *ActorTokens) Create(ctx context.Context, p *v2021.ActorTokensCreateParams) (*v2021.ActorToken, error) {
	if p == nil || p.UserID == "" {
		return nil, missing("user_id")
	}
	if p.Actor == nil {
		return nil, missing("actor")
	}
	if sub, _ := p.Actor["sub"].(string); sub == "" {
		return nil, &Error{Kind: KindInvalid, Code: "form_param_missing", Param: "actor",
			Message: "missing required parameter", LongMessage: "actor must include sub, the ID of the actor."}
	}
	life, maxSession := actorTokenLifetime, actorSessionMaxDuration
	if p.ExpiresInSeconds != nil {
		if *p.ExpiresInSeconds < 1 {
			return nil, invalid("expires_in_seconds", "expires_in_seconds must be at least 1.")
		}
		life = time.Duration(*p.ExpiresInSeconds) * time.Second
	}
	if p.SessionMaxDurationInSeconds != nil {
		if *p.SessionMaxDurationInSeconds < 1 {
			return nil, invalid("session_max_duration_in_seconds", "session_max_duration_in_seconds must be at least 1.")
		}
		maxSession = time.Duration(*p.SessionMaxDurationInSeconds) * time.Second
	}
	if _, err := s.userDoc(ctx, p.UserID); err != nil {
		return nil, err
	}
	now := s.now()
	ms := now.UnixMilli()
	value := s.rand.base62(48)
	doc := &actorTokenDoc{
		Token: &v2021.ActorToken{Object: "actor_token", ID: s.rand.id("act"), Status: ticketPending, UserID: p.UserID,
			Actor: p.Actor, CreatedAt: ms, UpdatedAt: ms},
		Secret: value, ExpireAt: now.Add(life).UnixMilli(), SessionMaxDuration: int64(maxSession / time.Second),
	}
	if err := putTicket(ctx, s.store, kindActorToken, doc.Token.ID, p.UserID, ticketPending, value, ms, ms, doc, true); err != nil {
		return nil, err
	}
	out := *doc.Token
	link := s.ticketURL(value)
	out.Token, out.URL = &value, &link
	return &out, nil
}

// RevokeActorToken revokes a pending actor token.
// The token is read and written in one transaction, so that an
// acceptance cannot land in between.
func (s *ActorTokens) Revoke(ctx context.Context, id string) (*v2021.ActorToken, error) {
	var t *v2021.ActorToken
	err := s.store.Tx(ctx, func(tx store.Store) error {
		var doc actorTokenDoc
		if err := readObject(ctx, tx, kindActorToken, id, "Actor token", &doc); err != nil {
			return err
		}
		t = doc.Token
		if t.Status != ticketPending {
			return &Error{Kind: KindBadRequest, Code: "actor_token_cannot_be_revoked_code", Message: "cannot revoke",
				LongMessage: fmt.Sprintf("Actor token cannot be revoked because its status is %s. Only pending tokens can be revoked.", t.Status)}
		}
		t.Status, t.UpdatedAt = ticketRevoked, s.now().UnixMilli()
		return putTicket(ctx, tx, kindActorToken, t.ID, t.UserID, t.Status, doc.Secret, t.CreatedAt, t.UpdatedAt, &doc, false)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// AcceptActorToken signs in with an actor token (its value, as the
// Frontend API's ticket strategy receives it): it starts an impersonation
// session for the token's user, carrying the actor and lasting at most
// the token's session_max_duration_in_seconds, and marks the token
// accepted. A token works once, while pending and not expired.
func (s *core) AcceptActorToken(ctx context.Context, token string) (*v2021.Session, error) {
	o, err := s.store.ObjectByUnique(ctx, kindActorToken, token)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ticketInvalid("The actor token is not one of this instance's.")
	}
	if err != nil {
		return nil, err
	}
	return s.CreateActorSession(ctx, o.ID)
}

// CreateActorSession is AcceptActorToken for the actor token with ID
// actorTokenID.
func (s *core) CreateActorSession(ctx context.Context, actorTokenID string) (*v2021.Session, error) {
	// The token's user, to lock first: read before the transaction (on an
	// in-memory SQLite store, its only connection is the transaction's).
	o, err := s.store.Object(ctx, kindActorToken, actorTokenID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("Actor token")
	}
	if err != nil {
		return nil, err
	}
	var sess *v2021.Session
	err = s.store.Tx(ctx, func(tx store.Store) error {
		if err := lockUserFirst(ctx, tx, o.UserID); err != nil {
			return err
		}
		var doc actorTokenDoc
		if err := readObject(ctx, tx, kindActorToken, actorTokenID, "Actor token", &doc); err != nil {
			return err
		}
		t := doc.Token
		if err := s.checkTicket("actor token", t.Status, doc.ExpireAt); err != nil {
			return err
		}
		var err error
		if sess, err = s.startTicketSession(ctx, tx, t.UserID, t.ID, t.Actor, time.Duration(doc.SessionMaxDuration)*time.Second); err != nil {
			return err
		}
		t.Status, t.UpdatedAt = ticketAccepted, s.now().UnixMilli()
		return putTicket(ctx, tx, kindActorToken, t.ID, t.UserID, t.Status, doc.Secret, t.CreatedAt, t.UpdatedAt, &doc, false)
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// startTicketSession starts an active session (on a new client) for a
// ticket; the session's unique key makes a second one for the same ticket
// fail.
func (s *core) startTicketSession(ctx context.Context, tx store.Store, userID, ticketID string, actor map[string]any, life time.Duration) (*v2021.Session, error) {
	sess, err := s.startSession(ctx, tx, userID, actor, life, "ticket:"+ticketID)
	if isConflict(err) {
		return nil, ticketInvalid("The token has already been used.")
	}
	return sess, err
}

// checkTicket refuses a token that is not pending, or has expired.
func (s *core) checkTicket(what, status string, expireAt int64) error {
	if status != ticketPending {
		return ticketInvalid(fmt.Sprintf("The %s is %s; only pending tokens can be used.", what, status))
	}
	if s.now().UnixMilli() >= expireAt {
		return &Error{Kind: KindBadRequest, Code: "ticket_expired", Message: "expired",
			LongMessage: fmt.Sprintf("The %s has expired.", what)}
	}
	return nil
}

func ticketInvalid(long string) *Error {
	return &Error{Kind: KindBadRequest, Code: "ticket_invalid", Message: "invalid ticket", LongMessage: long}
}

// ticketURL is the Frontend API URL that accepts a ticket.
func (s *core) ticketURL(token string) string {
	return strings.TrimRight(s.issuer, "/") + "/v1/tickets/accept?ticket=" + url.QueryEscape(token)
}

// putTicket inserts or replaces a sign-in or actor token, whose value is
// its unique key.
func putTicket(ctx context.Context, st store.Store, kind, id, userID, status, value string, createdAt, updatedAt int64, v any, insert bool) error {
	o := store.Object{Kind: kind, ID: id, UserID: userID, Status: status, Unique: value, CreatedAt: createdAt, UpdatedAt: updatedAt}
	return putObject(ctx, st, o, v, insert)
}
