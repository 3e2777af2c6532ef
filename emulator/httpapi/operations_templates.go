package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/specs"
)

func init() { operationSets = append(operationSets, (*Handler).templateOperations) }

// templateOperations: JWT templates, and session tokens minted from them.
func (h *Handler) templateOperations() map[string]operation {
	s := h.svc
	return map[string]operation{
		"ListJWTTemplates": func(ctx context.Context, req *specs.Request) (int, any, error) {
			q := req.Query
			list, total, err := s.ListJWTTemplates(ctx, num(q, "limit"), num(q, "offset"))
			if err != nil {
				return 0, nil, err
			}
			if q.Get("paginated") == "true" {
				return http.StatusOK, clerk.JWTTemplateList{Data: list, TotalCount: total}, nil
			}
			return http.StatusOK, list, nil
		},
		"CreateJWTTemplate": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p clerk.JWTTemplatesCreateParams
			if err := decodeNumbers(req, &p); err != nil {
				return 0, nil, err
			}
			t, err := s.CreateJWTTemplate(ctx, &p)
			return http.StatusOK, t, err
		},
		"GetJWTTemplate": func(ctx context.Context, req *specs.Request) (int, any, error) {
			t, err := s.JWTTemplate(ctx, req.Route.PathParams["template_id"])
			return http.StatusOK, t, err
		},
		"UpdateJWTTemplate": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p clerk.JWTTemplatesUpdateParams
			if err := decodeNumbers(req, &p); err != nil {
				return 0, nil, err
			}
			t, err := s.UpdateJWTTemplate(ctx, req.Route.PathParams["template_id"], &p)
			return http.StatusOK, t, err
		},
		"DeleteJWTTemplate": func(ctx context.Context, req *specs.Request) (int, any, error) {
			d, err := s.DeleteJWTTemplate(ctx, req.Route.PathParams["template_id"])
			return http.StatusOK, d, err
		},
		"CreateSessionTokenFromTemplate": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p struct {
				ExpiresInSeconds *int64 `json:"expires_in_seconds"`
			}
			if err := decode(req, &p); err != nil {
				return 0, nil, err
			}
			var opts emulator.TemplateTokenOptions
			if p.ExpiresInSeconds != nil {
				opts.ExpiresInSeconds = *p.ExpiresInSeconds
			}
			jwt, err := s.CreateSessionTokenFromTemplate(ctx, req.Route.PathParams["session_id"], req.Route.PathParams["template_name"], opts)
			return http.StatusOK, clerk.SessionsCreateTokenFromTemplateResponse{Object: "token", JWT: jwt}, err
		},
	}
}

// decodeNumbers is decode keeping the numbers of free-form objects (a
// template's claims) as json.Number, so that they are stored exactly.
func decodeNumbers(req *specs.Request, v any) error {
	if len(req.Body) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(req.Body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return &specs.Error{Status: http.StatusBadRequest, Code: "request_body_invalid",
			Message: "invalid request body", LongMessage: "The request body is not valid JSON for this operation."}
	}
	return nil
}
