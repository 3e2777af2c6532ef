package httpapi

import (
	"context"
	"net/http"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/emulator/specs"
)

func init() { operationSets = append(operationSets, (*Handler).userExtraOperations) }

// userExtraOperations: a user's MFA (TOTP, backup codes), profile image,
// Web3 wallets, passkeys, external accounts, and the user-scoped lists of
// features still to come (organization memberships and invitations, OAuth
// access tokens).
func (h *Handler) userExtraOperations() map[string]operation {
	s := h.svc
	userID := func(req *specs.Request) string { return req.Route.PathParams["user_id"] }
	return map[string]operation{
		"CreateUserTOTP": func(ctx context.Context, req *specs.Request) (int, any, error) {
			t, err := s.CreateUserTOTP(ctx, userID(req))
			return http.StatusOK, t, err
		},
		"VerifyTOTP": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p clerk.UsersVerifyTOTPParams
			if err := decode(req, &p); err != nil {
				return 0, nil, err
			}
			v, err := s.VerifyTOTP(ctx, userID(req), p.Code)
			return http.StatusOK, v, err
		},
		"DeleteTOTP": func(ctx context.Context, req *specs.Request) (int, any, error) {
			v, err := s.DeleteTOTP(ctx, userID(req))
			return http.StatusOK, v, err
		},
		"DeleteBackupCode": func(ctx context.Context, req *specs.Request) (int, any, error) {
			v, err := s.DeleteBackupCodes(ctx, userID(req))
			return http.StatusOK, v, err
		},
		"DisableMFA": func(ctx context.Context, req *specs.Request) (int, any, error) {
			v, err := s.DisableMFA(ctx, userID(req))
			return http.StatusOK, v, err
		},
		"SetUserProfileImage": func(ctx context.Context, req *specs.Request) (int, any, error) {
			if req.Form == nil || len(req.Form.File["file"]) == 0 {
				return 0, nil, &specs.Error{Status: http.StatusUnprocessableEntity, Code: "form_param_missing",
					Message: "missing required parameter", LongMessage: "file must be included.", ParamName: "file"}
			}
			f, err := req.Form.File["file"][0].Open()
			if err != nil {
				return 0, nil, err
			}
			defer f.Close()
			u, err := s.SetProfileImage(ctx, userID(req), f)
			return http.StatusOK, u, err
		},
		"DeleteUserProfileImage": userAction(s.DeleteProfileImage),
		"UserPasskeyDelete": func(ctx context.Context, req *specs.Request) (int, any, error) {
			d, err := s.DeletePasskey(ctx, userID(req), req.Route.PathParams["passkey_identification_id"])
			return http.StatusOK, d, err
		},
		"UserWeb3WalletDelete": func(ctx context.Context, req *specs.Request) (int, any, error) {
			d, err := s.DeleteWeb3Wallet(ctx, userID(req), req.Route.PathParams["web3_wallet_identification_id"])
			return http.StatusOK, d, err
		},
		"DeleteExternalAccount": func(ctx context.Context, req *specs.Request) (int, any, error) {
			d, err := s.DeleteExternalAccount(ctx, userID(req), req.Route.PathParams["external_account_id"])
			return http.StatusOK, d, err
		},
		"UsersGetOrganizationMemberships": func(ctx context.Context, req *specs.Request) (int, any, error) {
			l, err := s.UserOrganizationMemberships(ctx, userID(req), num(req.Query, "limit"), num(req.Query, "offset"))
			return http.StatusOK, l, err
		},
		"UsersGetOrganizationInvitations": func(ctx context.Context, req *specs.Request) (int, any, error) {
			l, err := s.UserOrganizationInvitations(ctx, userID(req), num(req.Query, "limit"), num(req.Query, "offset"))
			return http.StatusOK, l, err
		},
		"GetOAuthAccessToken": func(ctx context.Context, req *specs.Request) (int, any, error) {
			list, err := s.OAuthAccessTokens(ctx, userID(req), req.Route.PathParams["provider"])
			if err != nil {
				return 0, nil, err
			}
			if req.Query.Get("paginated") == "true" {
				return http.StatusOK, clerk.OAuthAccessTokenList{Data: list, TotalCount: int64(len(list))}, nil
			}
			return http.StatusOK, list, nil
		},
	}
}
