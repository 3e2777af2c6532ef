package emulator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/clerkgo/clerk/auth"
	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// Object kinds of the store kept by this file.
const (
	kindSession = "session"
	kindClient  = "client"
)

// sessionLifetime is how long a session lives before it expires, and
// abandonLifetime when it is abandoned, Clerk's defaults.
const (
	sessionLifetime = 7 * 24 * time.Hour
	abandonLifetime = 30 * 24 * time.Hour
)

// CreateSession starts an active session for a user, on a new client, as
// POST /v1/sessions of the later API versions does (Clerk's recipe for
// testing without a browser: create user, create session, create token).
func (s *core) CreateSession(ctx context.Context, userID string) (*v2021.Session, error) {
	return s.CreateSessionInOrganization(ctx, userID, "")
}

// CreateSessionInOrganization starts a session as CreateSession does,
// with an active organization (active_organization_id) when orgID is not
// "": the user must be a member. The session's tokens then carry the
// organization, and the member's role and permissions as they are when
// each token is minted.
func (s *core) CreateSessionInOrganization(ctx context.Context, userID, orgID string) (*v2021.Session, error) {
	if userID == "" {
		return nil, missing("user_id")
	}
	var sess *v2021.Session
	err := s.store.Tx(ctx, func(tx store.Store) error {
		if orgID != "" {
			if _, _, err := readOrg(ctx, tx, orgID); err != nil {
				return err
			}
			if _, err := tx.ObjectByUnique(ctx, kindMembership, orgID+"/"+userID); errors.Is(err, store.ErrNotFound) {
				return &Error{Kind: KindForbidden, Code: "not_a_member_in_organization", Param: "active_organization_id",
					Message:     "not a member",
					LongMessage: "The user is not a member of the organization, so it cannot be the session's active organization."}
			} else if err != nil {
				return err
			}
		}
		var err error
		sess, err = s.startSession(ctx, tx, userID, nil, sessionLifetime, "")
		if err != nil || orgID == "" {
			return err
		}
		sess.LastActiveOrganizationID = &orgID
		return putObject(ctx, tx, sessionObject(sess, ""), sess, false)
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// startSession starts an active session for a user on a new client,
// writing through tx (read through it too: it may be the store's only
// connection, as SQLite in memory). An actor makes it an impersonation,
// which ends with its lifetime. unique, when set, makes a second session
// with the same key fail with *store.ConflictError.
func (s *core) startSession(ctx context.Context, tx store.Store, userID string, actor map[string]any, life time.Duration, unique string) (*v2021.Session, error) {
	rec, err := tx.User(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound("User")
	}
	if err != nil {
		return nil, err
	}
	user, err := decodeUser(rec)
	if err != nil {
		return nil, err
	}
	if user.User.Banned {
		return nil, &Error{Kind: KindBadRequest, Code: "user_banned", Message: "user is banned",
			LongMessage: "The user is banned and cannot start a session."}
	}
	now := s.now()
	ms := now.UnixMilli()
	client := &v2021.ClientObject{ID: s.rand.id("client"), Object: "client", CreatedAt: ms, UpdatedAt: ms,
		SessionIDs: []string{}, Sessions: []*v2021.Session{}}
	sess := &v2021.Session{
		ID: s.rand.id("sess"), Object: "session", UserID: userID, ClientID: client.ID, Status: "active", Actor: actor,
		CreatedAt: ms, UpdatedAt: ms, LastActiveAt: ms,
		ExpireAt: now.Add(life).UnixMilli(), AbandonAt: now.Add(max(life, abandonLifetime)).UnixMilli(),
	}
	if actor != nil {
		sess.AbandonAt = sess.ExpireAt
	}
	client.SessionIDs = []string{sess.ID}
	client.LastActiveSessionID = &sess.ID
	clientObj := store.Object{Kind: kindClient, ID: client.ID, UserID: userID, CreatedAt: ms, UpdatedAt: ms}
	if err := putObject(ctx, tx, clientObj, client, true); err != nil {
		return nil, err
	}
	if err := putObject(ctx, tx, sessionObject(sess, unique), sess, true); err != nil {
		return nil, err
	}
	return sess, nil
}

// Get returns a session by ID, with its status as of now.
func (s *Sessions) Get(ctx context.Context, id string) (*v2021.Session, error) {
	return s.session(ctx, id)
}

// session returns a session by ID, with its status as of now.
func (s *core) session(ctx context.Context, id string) (*v2021.Session, error) {
	return s.sessionIn(ctx, s.store, id)
}

// sessionIn is session, read through st (a transaction, say).
func (s *core) sessionIn(ctx context.Context, st store.Store, id string) (*v2021.Session, error) {
	var sess v2021.Session
	if err := readObject(ctx, st, kindSession, id, "Session", &sess); err != nil {
		return nil, err
	}
	s.expire(&sess)
	return &sess, nil
}

// List lists sessions as GET /v1/sessions does, with the total count.
func (s *Sessions) List(ctx context.Context, p *v2021.SessionsListParams) (*v2021.SessionList, error) {
	if p == nil {
		p = &v2021.SessionsListParams{}
	}
	if p.UserID == nil && p.ClientID == nil {
		return nil, &Error{Kind: KindInvalid, Code: "form_param_missing", Param: "user_id",
			Message: "missing", LongMessage: "Either user_id or client_id must be given."}
	}
	q := store.ObjectQuery{Kind: kindSession, UserID: deref(p.UserID), Ref: deref(p.ClientID), Status: deref(p.Status)}
	out, total, err := listPage[v2021.Session](ctx, s.store, q, p.Limit, p.Offset)
	if err != nil {
		return nil, err
	}
	for _, sess := range out {
		s.expire(sess)
	}
	return &v2021.SessionList{Data: out, TotalCount: total}, nil
}

// RevokeSession revokes a session. It reads and writes the session in one
// transaction, so that another request's change (its user's deletion,
// say) lands before or after, not in between.
func (s *Sessions) Revoke(ctx context.Context, id string) (*v2021.Session, error) {
	var sess *v2021.Session
	err := s.store.Tx(ctx, func(tx store.Store) error {
		var err error
		if sess, err = s.sessionIn(ctx, tx, id); err != nil || sess.Status != "active" {
			return err
		}
		sess.Status = "revoked"
		sess.UpdatedAt = s.now().UnixMilli()
		return putObject(ctx, tx, sessionObject(sess, ""), sess, false)
	})
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// TokenOptions tune a session token.
type TokenOptions struct {
	// ExpiresInSeconds overrides the 60-second lifetime.
	ExpiresInSeconds int64
	// AuthorizedParty is the azp claim, when not empty.
	AuthorizedParty string
	// Version 2 produces Clerk's session token v2 ("v": 2 and the
	// organization in "o"); 0 means the instance's default (version 1
	// unless Options.SessionTokenVersion says 2).
	Version int
}

// CreateSessionToken mints a session token for an active session, signed
// with the instance's key, as POST /v1/sessions/{id}/tokens does.
func (s *core) CreateSessionToken(ctx context.Context, sessionID string, opts TokenOptions) (string, error) {
	sess, err := s.session(ctx, sessionID)
	if err != nil {
		return "", err
	}
	if sess.Status != "active" {
		return "", &Error{Kind: KindBadRequest, Code: "session_not_active", Message: "session is not active",
			LongMessage: fmt.Sprintf("The session is %s; only active sessions get tokens.", sess.Status)}
	}
	now := s.now()
	life := DefaultTokenLifetime
	if opts.ExpiresInSeconds > 0 {
		life = time.Duration(opts.ExpiresInSeconds) * time.Second
	}
	claims := map[string]any{
		"iss": s.issuer, "sub": sess.UserID, "sid": sess.ID,
		"iat": now.Unix(), "nbf": now.Unix() - 10, "exp": now.Add(life).Unix(),
		"fva": []int{0, -1},
	}
	if opts.AuthorizedParty != "" {
		claims["azp"] = opts.AuthorizedParty
	}
	if sess.Actor != nil {
		claims["act"] = sess.Actor // an impersonation session
	}
	if opts.Version == 0 {
		opts.Version = s.tokenVersion
	}
	org, m, err := s.activeOrganization(ctx, sess)
	if err != nil {
		return "", err
	}
	if opts.Version == 2 {
		claims["v"] = 2
		claims["sts"] = sess.Status
		claims["jti"] = s.rand.base62(20)
		if org != nil {
			o, fea := orgClaimsV2(org, m)
			claims["o"], claims["fea"] = o, fea
		}
	} else if org != nil {
		claims["org_id"], claims["org_slug"], claims["org_role"] = org.ID, org.Slug, m.Role
		claims["org_permissions"] = permissionsOf(m.Role)
	}
	return s.signJWT(claims)
}

// expire marks a session expired once its expiry has passed.
func (s *core) expire(sess *v2021.Session) {
	if sess.Status == "active" && s.now().UnixMilli() >= sess.ExpireAt {
		sess.Status = "expired"
	}
}

// sessionObject is the store's record of a session; unique, when set,
// is a key no other session may have.
func sessionObject(sess *v2021.Session, unique string) store.Object {
	return store.Object{Kind: kindSession, ID: sess.ID, UserID: sess.UserID, Ref: sess.ClientID, Status: sess.Status,
		Unique: unique, CreatedAt: sess.CreatedAt, UpdatedAt: sess.UpdatedAt}
}

// Verify checks a session token against a session, as the
// deprecated POST /v1/sessions/{id}/verify does: the token must be signed
// by the instance, valid now, and name this session, which must be active.
func (s *Sessions) Verify(ctx context.Context, sessionID string, p *v2021.SessionsVerifyParams) (*v2021.Session, error) {
	token := ""
	if p != nil && p.Token != nil {
		token = *p.Token
	}
	if token == "" {
		return nil, missing("token")
	}
	sess, err := s.session(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	claims, err := auth.VerifyToken(ctx, token, auth.Options{JWTKey: s.PublicKeyPEM(), Now: s.now})
	if err != nil {
		return nil, &Error{Kind: KindBadRequest, Code: "token_invalid", Message: "invalid token",
			LongMessage: "The session token is not valid: " + string(auth.ReasonOf(err)) + "."}
	}
	if claims.SessionID != sess.ID {
		return nil, &Error{Kind: KindBadRequest, Code: "token_invalid", Message: "invalid token",
			LongMessage: "The session token belongs to another session."}
	}
	if sess.Status != "active" {
		return nil, &Error{Kind: KindBadRequest, Code: "session_not_active", Message: "session is not active",
			LongMessage: fmt.Sprintf("The session is %s.", sess.Status)}
	}
	return sess, nil
}
