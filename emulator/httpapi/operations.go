package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/specs"
)

// operationSets are the groups of implemented operations, one function
// per file (each file registers its own in init), merged by operations.
var operationSets []func(h *Handler) map[string]operation

func init() { operationSets = append(operationSets, (*Handler).coreOperations) }

// operations maps the operationIds the emulator implements to handlers.
// Validation against the spec has already happened: handlers decode
// without re-checking types. Two sets implementing one operationId is a
// programming error.
func (h *Handler) operations() map[string]operation {
	all := map[string]operation{}
	for _, set := range operationSets {
		for id, op := range set(h) {
			if _, dup := all[id]; dup {
				panic("httpapi: operation " + id + " is implemented twice")
			}
			all[id] = op
		}
	}
	return all
}

// coreOperations: users, sessions and session tokens, JWKS.
func (h *Handler) coreOperations() map[string]operation {
	s := h.svc
	return map[string]operation{
		"GetJWKS": func(ctx context.Context, req *specs.Request) (int, any, error) {
			return http.StatusOK, map[string]any{"keys": s.JWKS()}, nil
		},
		"CreateUser": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p clerk.UsersCreateParams
			if err := decode(req, &p); err != nil {
				return 0, nil, err
			}
			u, err := s.CreateUser(ctx, &p)
			return http.StatusOK, u, err
		},
		"GetUser": func(ctx context.Context, req *specs.Request) (int, any, error) {
			u, err := s.UserJSON(ctx, req.Route.PathParams["user_id"])
			return http.StatusOK, u, err
		},
		"DeleteUser": func(ctx context.Context, req *specs.Request) (int, any, error) {
			d, err := s.DeleteUser(ctx, req.Route.PathParams["user_id"])
			return http.StatusOK, d, err
		},
		"GetUserList": func(ctx context.Context, req *specs.Request) (int, any, error) {
			q := req.Query
			users, err := s.ListUsersJSON(ctx, &clerk.UsersListParams{
				EmailAddress: q["email_address"], PhoneNumber: q["phone_number"], ExternalID: q["external_id"],
				Username: q["username"], Web3Wallet: q["web3_wallet"], UserID: q["user_id"],
				OrganizationID: q["organization_id"], Query: str(q, "query"),
				LastActiveAtSince: num(q, "last_active_at_since"), Limit: num(q, "limit"), Offset: num(q, "offset"),
				OrderBy: str(q, "order_by"),
			})
			return http.StatusOK, users, err
		},
		"GetUsersCount": func(ctx context.Context, req *specs.Request) (int, any, error) {
			q := req.Query
			n, err := s.CountUsers(ctx, &clerk.UsersCountParams{
				EmailAddress: q["email_address"], PhoneNumber: q["phone_number"], ExternalID: q["external_id"],
				Username: q["username"], Web3Wallet: q["web3_wallet"], UserID: q["user_id"], Query: str(q, "query"),
			})
			return http.StatusOK, n, err
		},
		"UpdateUser": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p clerk.UsersUpdateParams
			if err := decode(req, &p); err != nil {
				return 0, nil, err
			}
			u, err := s.UpdateUser(ctx, req.Route.PathParams["user_id"], &p)
			return http.StatusOK, u, err
		},
		"UpdateUserMetadata": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p clerk.UsersUpdateMetadataParams
			if err := decode(req, &p); err != nil {
				return 0, nil, err
			}
			u, err := s.UpdateUserMetadata(ctx, req.Route.PathParams["user_id"], &p)
			return http.StatusOK, u, err
		},
		"BanUser":    userAction(s.BanUser),
		"UnbanUser":  userAction(s.UnbanUser),
		"LockUser":   userAction(s.LockUser),
		"UnlockUser": userAction(s.UnlockUser),
		"VerifyPassword": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p clerk.UsersVerifyPasswordParams
			if err := decode(req, &p); err != nil {
				return 0, nil, err
			}
			v, err := s.VerifyPassword(ctx, req.Route.PathParams["user_id"], p.Password)
			return http.StatusOK, v, err
		},
		"createSession": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p struct {
				UserID string `json:"user_id"`
			}
			if err := decode(req, &p); err != nil {
				return 0, nil, err
			}
			sess, err := s.CreateSession(ctx, p.UserID)
			return http.StatusOK, sess, err
		},
		"GetSession": func(ctx context.Context, req *specs.Request) (int, any, error) {
			sess, err := s.Session(ctx, req.Route.PathParams["session_id"])
			return http.StatusOK, sess, err
		},
		"VerifySession": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p clerk.SessionsVerifyParams
			if err := decode(req, &p); err != nil {
				return 0, nil, err
			}
			sess, err := s.VerifySession(ctx, req.Route.PathParams["session_id"], deref(p.Token))
			return http.StatusOK, sess, err
		},
		"RevokeSession": func(ctx context.Context, req *specs.Request) (int, any, error) {
			sess, err := s.RevokeSession(ctx, req.Route.PathParams["session_id"])
			return http.StatusOK, sess, err
		},
		"GetSessionList": func(ctx context.Context, req *specs.Request) (int, any, error) {
			q := req.Query
			list, total, err := s.ListSessions(ctx, &clerk.SessionsListParams{
				UserID: str(q, "user_id"), ClientID: str(q, "client_id"), Status: str(q, "status"),
				Limit: num(q, "limit"), Offset: num(q, "offset"),
			})
			if err != nil {
				return 0, nil, err
			}
			if q.Get("paginated") == "true" {
				return http.StatusOK, clerk.SessionList{Data: list, TotalCount: total}, nil
			}
			return http.StatusOK, list, nil
		},
		"CreateSessionToken": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p struct {
				ExpiresInSeconds *int64 `json:"expires_in_seconds"`
			}
			if err := decode(req, &p); err != nil {
				return 0, nil, err
			}
			opts := emulator.TokenOptions{}
			if p.ExpiresInSeconds != nil {
				opts.ExpiresInSeconds = *p.ExpiresInSeconds
			}
			jwt, err := s.CreateSessionToken(ctx, req.Route.PathParams["session_id"], opts)
			return http.StatusOK, map[string]string{"object": "token", "jwt": jwt}, err
		},
	}
}

// userAction adapts a domain call on one user to an operation.
func userAction(fn func(ctx context.Context, id string) (*clerk.User, error)) operation {
	return func(ctx context.Context, req *specs.Request) (int, any, error) {
		u, err := fn(ctx, req.Route.PathParams["user_id"])
		return http.StatusOK, u, err
	}
}

// decode reads a validated JSON body into v; an absent body leaves v as
// it is.
func decode(req *specs.Request, v any) error {
	if len(req.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(req.Body, v); err != nil {
		return &specs.Error{Status: http.StatusBadRequest, Code: "request_body_invalid",
			Message: "invalid request body", LongMessage: "The request body is not valid JSON for this operation."}
	}
	return nil
}

func str(q url.Values, name string) *string {
	if _, ok := q[name]; !ok {
		return nil
	}
	v := q.Get(name)
	return &v
}

func num(q url.Values, name string) *int64 {
	v := q.Get(name)
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil // the spec validation rejected non-integers already
	}
	return &n
}

// newTraceID returns a new clerk_trace_id, made only for error answers
// (the only ones that carry it).
func newTraceID() string {
	var b [12]byte
	rand.Read(b[:])
	return "trace_" + hex.EncodeToString(b[:])
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
