package clerk

import (
	"context"
	"net/http"
	"net/url"
)

// The two operations of API version 2021-02-05 that the current version no
// longer has, kept for the users of the seed's SDK: written by hand, since
// the generator reads the current spec, and sent with the version in which
// they exist. api/operations.tsv lists them with the rest.

// legacyAPIVersion is the API version the legacy operations are sent with.
const legacyAPIVersion = "2021-02-05"

// SessionsVerifyParams holds the parameters of Sessions.Verify.
type SessionsVerifyParams struct {
	// The JWT that is sent via the `__session` cookie from your frontend.
	// Note: this JWT must be associated with the supplied session ID.
	Token *string `json:"token,omitempty"`
}

// Verify calls VerifySession (POST /sessions/{session_id}/verify) of API
// version 2021-02-05: Verify a session.
//
// Returns the session if it is authenticated, otherwise returns an error.
//
// Deprecated: verify the short-lived session token networkless instead
// (see the README, Request authentication); Clerk is removing this
// endpoint, which API version 2026-05-12 no longer has.
func (s *SessionsService) Verify(ctx context.Context, sessionID string, params *SessionsVerifyParams) (*Session, error) {
	if sessionID == "" {
		return nil, missingParam("sessionID")
	}
	req := &request{method: http.MethodPost, path: "/sessions/" + url.PathEscape(sessionID) + "/verify",
		wantBody: true, apiVersion: legacyAPIVersion}
	if params != nil {
		req.body = params
	} else {
		req.body = struct{}{}
	}
	out := new(Session)
	if err := s.core.do(ctx, req, out); err != nil {
		return nil, err
	}
	return out, nil
}

// TOTP is a user's TOTP authenticator as Users.CreateTOTP answers it (API
// version 2021-02-05).
type TOTP struct {
	BackupCodes []string `json:"backup_codes"`
	ID          string   `json:"id"`
	Object      string   `json:"object"`
	Secret      *string  `json:"secret"`
	Uri         *string  `json:"uri"`
	Verified    bool     `json:"verified"`
}

// CreateTOTP calls CreateUserTOTP (POST /users/{user_id}/totp) of API
// version 2021-02-05: Create a TOTP for a user.
//
// Deprecated: API version 2026-05-12 no longer has it (it sends
// 2021-02-05); users set up TOTP themselves through the Frontend API.
func (s *UsersService) CreateTOTP(ctx context.Context, userID string) (*TOTP, error) {
	if userID == "" {
		return nil, missingParam("userID")
	}
	req := &request{method: http.MethodPost, path: "/users/" + url.PathEscape(userID) + "/totp",
		wantBody: true, apiVersion: legacyAPIVersion}
	out := new(TOTP)
	if err := s.core.do(ctx, req, out); err != nil {
		return nil, err
	}
	return out, nil
}
