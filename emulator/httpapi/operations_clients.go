package httpapi

import (
	"context"
	"net/http"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/emulator/specs"
)

func init() { operationSets = append(operationSets, (*Handler).clientOperations) }

// clientOperations: clients (created with sessions) and client tokens.
func (h *Handler) clientOperations() map[string]operation {
	s := h.svc
	return map[string]operation{
		"GetClient": func(ctx context.Context, req *specs.Request) (int, any, error) {
			c, err := s.Client(ctx, req.Route.PathParams["client_id"])
			return http.StatusOK, clientAnswer(req, c), err
		},
		"GetClientList": func(ctx context.Context, req *specs.Request) (int, any, error) {
			q := req.Query
			list, total, err := s.ListClients(ctx, &clerk.ClientsListParams{Limit: num(q, "limit"), Offset: num(q, "offset")})
			if err != nil {
				return 0, nil, err
			}
			answers := make([]any, len(list))
			for i, c := range list {
				answers[i] = clientAnswer(req, c)
			}
			if q.Get("paginated") == "true" {
				return http.StatusOK, map[string]any{"data": answers, "total_count": total}, nil
			}
			return http.StatusOK, answers, nil
		},
		"VerifyClient": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p clerk.ClientsVerifyParams
			if err := decode(req, &p); err != nil {
				return 0, nil, err
			}
			token := ""
			if p.Token != nil {
				token = *p.Token
			}
			c, err := s.VerifyClient(ctx, token)
			return http.StatusOK, clientAnswer(req, c), err
		},
	}
}

// newerClient is a client in the newer shape (see legacyShapes).
type newerClient struct {
	*clerk.ClientObject
	// LastAuthenticationStrategy is always null: the emulator's sessions
	// are created by the Backend API, not by a sign-in strategy.
	LastAuthenticationStrategy *string `json:"last_authentication_strategy"`
}

// clientAnswer answers a client (nil on error) in the shape of the
// request's API version.
func clientAnswer(req *specs.Request, c *clerk.ClientObject) any {
	if c == nil || legacyShapes[req.Route.Version] {
		return c
	}
	return newerClient{ClientObject: c}
}
