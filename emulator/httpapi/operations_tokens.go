package httpapi

import (
	"context"
	"net/http"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/specs"
)

func init() { operationSets = append(operationSets, (*Handler).tokenOperations) }

// tokenOperations: testing tokens, sign-in tokens and actor tokens.
func (h *Handler) tokenOperations() map[string]operation {
	s := h.svc
	return map[string]operation{
		"CreateTestingToken": func(ctx context.Context, req *specs.Request) (int, any, error) {
			t, err := s.CreateTestingToken(ctx)
			return http.StatusOK, t, err
		},
		"CreateSignInToken": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p struct {
				clerk.SignInTokensCreateParams
				OrgID *string `json:"org_id"` // later API versions
			}
			if err := decode(req, &p); err != nil {
				return 0, nil, err
			}
			if p.OrgID != nil {
				return 0, nil, &emulator.Error{Kind: emulator.KindInvalid, Code: "form_param_value_invalid", Param: "org_id",
					Message:     "is not supported",
					LongMessage: "org_id is not supported by the emulator yet: it has no organizations."}
			}
			t, err := s.CreateSignInToken(ctx, &p.SignInTokensCreateParams)
			return http.StatusOK, t, err
		},
		"RevokeSignInToken": func(ctx context.Context, req *specs.Request) (int, any, error) {
			t, err := s.RevokeSignInToken(ctx, req.Route.PathParams["sign_in_token_id"])
			return http.StatusOK, t, err
		},
		"CreateActorToken": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p clerk.ActorTokensCreateParams
			if err := decode(req, &p); err != nil {
				return 0, nil, err
			}
			t, err := s.CreateActorToken(ctx, &p)
			return http.StatusOK, t, err
		},
		"RevokeActorToken": func(ctx context.Context, req *specs.Request) (int, any, error) {
			t, err := s.RevokeActorToken(ctx, req.Route.PathParams["actor_token_id"])
			return http.StatusOK, t, err
		},
	}
}
