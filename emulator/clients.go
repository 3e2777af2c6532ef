package emulator

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// Clients are the store's objects of kind "client", created with the
// first session of a sign-in (CreateSession). A client's sessions are
// the session objects whose Ref is the client's ID: they are read from
// there whenever a client is answered, so that session_ids, sessions and
// last_active_session_id are never stale.

// Get returns a client by ID with its sessions.
func (s *Clients) Get(ctx context.Context, id string) (*v2021.ClientObject, error) {
	return s.client(ctx, id)
}

// client returns a client by ID with its sessions.
func (s *core) client(ctx context.Context, id string) (*v2021.ClientObject, error) {
	var c v2021.ClientObject
	if err := readObject(ctx, s.store, kindClient, id, "Client", &c); err != nil {
		return nil, err
	}
	if err := s.fillClient(ctx, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// List lists clients newest first, as the deprecated GET
// /v1/clients does, with the total count of all clients.
func (s *Clients) List(ctx context.Context, p *v2021.ClientsListParams) (*v2021.ClientObjectList, error) {
	if p == nil {
		p = &v2021.ClientsListParams{}
	}
	out, total, err := listPage[v2021.ClientObject](ctx, s.store, store.ObjectQuery{Kind: kindClient}, p.Limit, p.Offset)
	if err != nil {
		return nil, err
	}
	for _, c := range out {
		if err := s.fillClient(ctx, c); err != nil {
			return nil, err
		}
	}
	return &v2021.ClientObjectList{Data: out, TotalCount: total}, nil
}

// fillClient sets a client's sessions (oldest first, each with its status
// as of now) and session_ids from the session objects, and its
// last_active_session_id: the saved one while that session is active,
// else the most recently active of its active sessions, else null.
func (s *core) fillClient(ctx context.Context, c *v2021.ClientObject) error {
	rows, err := s.store.ListObjects(ctx, store.ObjectQuery{Kind: kindSession, Ref: c.ID, Ascending: true})
	if err != nil {
		return err
	}
	c.Sessions = make([]*v2021.Session, 0, len(rows))
	c.SessionIDs = make([]string, 0, len(rows))
	sessions, err := decodeObjects[v2021.Session](rows)
	if err != nil {
		return err
	}
	var saved, latest *v2021.Session
	for _, sess := range sessions {
		s.expire(sess)
		c.Sessions = append(c.Sessions, sess)
		c.SessionIDs = append(c.SessionIDs, sess.ID)
		if sess.Status != "active" {
			continue
		}
		if c.LastActiveSessionID != nil && *c.LastActiveSessionID == sess.ID {
			saved = sess
		}
		if latest == nil || sess.LastActiveAt >= latest.LastActiveAt {
			latest = sess
		}
	}
	switch {
	case saved != nil:
	case latest != nil:
		c.LastActiveSessionID = &latest.ID
	default:
		c.LastActiveSessionID = nil
	}
	return nil
}

// Client tokens. Clerk's POST /v1/clients/verify takes the JWT that
// represents a browser's client (the __client token the Frontend API
// keeps). The emulator has no Frontend API, so it defines that token as an
// RS256 JWT signed with the instance's key (kid: the instance ID) whose
// "id" claim is the client's ID, the shape of Clerk's, and mints it with
// ClientToken. VerifyClient answers 400 token_invalid for anything that is
// not such a token (malformed, signed by another key, a session token,
// expired when it has an exp claim) and 404 for a valid token whose client
// does not exist (any more).

// ClientToken mints the client token of an existing client.
func (s *core) ClientToken(ctx context.Context, clientID string) (string, error) {
	_, err := s.store.Object(ctx, kindClient, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return "", notFound("Client")
	}
	if err != nil {
		return "", err
	}
	return s.signJWT(map[string]any{
		"id": clientID, "rotating_token": s.rand.base62(40), "iat": s.now().Unix(),
	})
}

// Verify returns the client a client token represents.
func (s *Clients) Verify(ctx context.Context, p *v2021.ClientsVerifyParams) (*v2021.ClientObject, error) {
	token := ""
	if p != nil && p.Token != nil {
		token = *p.Token
	}
	if token == "" {
		// The 2021-02-05 spec declares no 422 for this operation: 400.
		return nil, &Error{Kind: KindBadRequest, Code: "form_param_missing", Param: "token",
			Message: "missing required parameter", LongMessage: "token must be included."}
	}
	claims, err := s.verifyInstanceJWT(token)
	if err != nil {
		return nil, err
	}
	id, _ := claims["id"].(string)
	if !strings.HasPrefix(id, "client_") {
		if _, ok := claims["sid"]; ok {
			return nil, clientTokenInvalid("The token is a session token; /clients/verify takes the token of a client.")
		}
		return nil, clientTokenInvalid("The token names no client.")
	}
	if exp, ok := claims["exp"].(json.Number); ok {
		if n, err := exp.Int64(); err != nil || s.now().Unix() >= n {
			return nil, clientTokenInvalid("The token has expired.")
		}
	}
	return s.client(ctx, id)
}

// verifyInstanceJWT checks that token is an RS256 JWT signed with the
// instance's key and returns its claims (numbers as json.Number).
func (s *core) verifyInstanceJWT(token string) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, clientTokenInvalid("The token is not a JWT.")
	}
	enc := base64.RawURLEncoding
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	hdr, err := enc.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hdr, &header) != nil {
		return nil, clientTokenInvalid("The token's header is malformed.")
	}
	if header.Alg != "RS256" || header.Kid != s.inst.ID {
		return nil, clientTokenInvalid("The token is not signed with this instance's key.")
	}
	sig, err := enc.DecodeString(parts[2])
	if err != nil {
		return nil, clientTokenInvalid("The token's signature is malformed.")
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&s.key.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		return nil, clientTokenInvalid("The token's signature does not verify with this instance's key.")
	}
	payload, err := enc.DecodeString(parts[1])
	if err != nil {
		return nil, clientTokenInvalid("The token's payload is malformed.")
	}
	var claims map[string]any
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return nil, clientTokenInvalid("The token's payload is malformed.")
	}
	return claims, nil
}

func clientTokenInvalid(long string) *Error {
	return &Error{Kind: KindBadRequest, Code: "token_invalid", Param: "token", Message: "is invalid", LongMessage: long}
}
