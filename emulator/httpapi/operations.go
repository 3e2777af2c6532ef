package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/specs"
)

// operations maps the operationIds the server implements to handlers:
// the generated routes of every group the domain serves (routes_gen.go),
// and the operations of later API versions that the generator does not
// know yet (laterOperations).
func (h *Handler) operations() map[string]operation {
	var b *emulator.Backend
	if h.svc != nil {
		b = h.svc.Backend()
	} else {
		b = &emulator.Backend{}
	}
	ops := routes(b)
	for id, op := range h.laterOperations() {
		if _, dup := ops[id]; dup {
			panic("httpapi: operation " + id + " is implemented twice")
		}
		ops[id] = op
	}
	return ops
}

// laterOperations are the operations of later API versions that the
// server serves and that are not among the 2021-02-05 operations the
// generator reads (api/operations.tsv): Clerk's testing recipe (create a
// session, mint its token). They are the only routes written by hand; they
// go to the generator with the SDK's move to the current API version.
func (h *Handler) laterOperations() map[string]operation {
	if h.svc == nil {
		return nil
	}
	s := h.svc
	return map[string]operation{
		"createSession": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p struct {
				UserID               string `json:"user_id"`
				ActiveOrganizationID string `json:"active_organization_id"`
			}
			if err := decodeJSON(req, &p, false); err != nil {
				return 0, nil, err
			}
			sess, err := s.CreateSessionInOrganization(ctx, p.UserID, p.ActiveOrganizationID)
			return http.StatusOK, sess, err
		},
		"CreateSessionToken": func(ctx context.Context, req *specs.Request) (int, any, error) {
			var p struct {
				ExpiresInSeconds *int64 `json:"expires_in_seconds"`
			}
			if err := decodeJSON(req, &p, false); err != nil {
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

// newTraceID returns a new clerk_trace_id, made only for error answers
// (the only ones that carry it).
func newTraceID() string {
	var b [12]byte
	rand.Read(b[:])
	return "trace_" + hex.EncodeToString(b[:])
}
