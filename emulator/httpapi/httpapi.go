// Package httpapi is the HTTP layer of the local Backend API: it matches a
// request to an operation of the spec of the API version it names,
// authenticates it, validates it against that spec, calls the domain
// (package emulator), and encodes the answer. Domain errors become Clerk's
// wire errors here, in one place.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/clerkgo/clerk/api"
	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/internal/shape"
	"github.com/clerkgo/clerk/emulator/specs"
)

// Handler serves the Backend API under /v1.
type Handler struct {
	svc   *emulator.Service
	specs *specs.Registry
	log   *slog.Logger
	ops   map[string]operation
	check func(operationID string, err error)
}

// Option configures a Handler.
type Option func(*Handler)

// WithResponseCheck validates every JSON answer of an implemented
// operation against the spec of the request's API version and calls
// report with the result: err is nil when the answer matches, and
// describes every mismatch otherwise (values included: see
// specs.ProblemsWithoutValues before logging it). clerktest fails the test
// on a mismatch, so every test run through clerktest checks the emulator
// too; `clerk serve --check-responses` logs them.
func WithResponseCheck(report func(operationID string, err error)) Option {
	return func(h *Handler) { h.check = report }
}

// operation handles one operation of the spec, by operationId. It returns
// the status and the value to encode as JSON (nil for no body; a
// json.RawMessage is written as it is).
type operation func(ctx context.Context, req *specs.Request) (int, any, error)

// apiSpecs are the specs of every API version, parsed once per process on
// first use and shared by every Handler: they never change, and parsing
// one costs tens of milliseconds, which a test binary starting a server
// per test would otherwise pay for each.
var apiSpecs = sync.OnceValue(func() *specs.Registry { return specs.NewRegistry(api.Specs) })

// New returns the handler of svc's Backend API. log may be nil.
func New(svc *emulator.Service, log *slog.Logger, opts ...Option) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &Handler{svc: svc, specs: apiSpecs(), log: log}
	for _, o := range opts {
		o(h)
	}
	h.ops = h.operations()
	return h
}

// Implements reports whether h serves the operation with this operationId
// (from any API version's spec); the others answer 501
// operation_not_supported.
func (h *Handler) Implements(operationID string) bool {
	return h.ops[operationID] != nil
}

// publicOperations need no secret key.
var publicOperations = map[string]bool{"GetPublicInterstitial": true}

// ServeHTTP answers one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.EscapedPath(), "/v1")
	if !ok || (path != "" && path[0] != '/') {
		h.writeError(w, newTraceID(), &specs.Error{Status: http.StatusNotFound, Code: "resource_not_found",
			Message: "not found", LongMessage: "The Backend API is served under /v1."})
		return
	}
	version := r.Header.Get("Clerk-API-Version")
	if version == "" {
		version = specs.DefaultVersion
	}
	route, err := h.specs.Match(version, r.Method, path)
	if err != nil {
		h.fail(w, err)
		return
	}
	if !publicOperations[route.OperationID] {
		if err := h.svc.Authenticate(r.Header.Get("Authorization")); err != nil {
			h.fail(w, err)
			return
		}
	}
	op := h.ops[route.OperationID]
	if op == nil {
		h.writeError(w, newTraceID(), &specs.Error{Status: http.StatusNotImplemented, Code: "operation_not_supported",
			Message:     "not supported by the emulator",
			LongMessage: "The local Backend API does not implement " + route.OperationID + " yet."})
		return
	}
	req, err := h.specs.ValidateRequest(route, r)
	if err != nil {
		h.fail(w, err)
		return
	}
	status, body, err := op(r.Context(), req)
	if err != nil {
		h.fail(w, err)
		return
	}
	if body == nil {
		w.WriteHeader(status)
		return
	}
	if page, ok := body.(htmlPage); ok {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		w.Write(page)
		return
	}
	data, ok := body.(json.RawMessage) // the domain's JSON, encoded by it already
	if !ok {
		if data, err = json.Marshal(body); err != nil {
			h.fail(w, err)
			return
		}
	}
	data = shape.ForVersion(data, route.Version)
	if h.check != nil {
		h.checkResponse(route, req, status, data)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(data)
}

// fail maps an error to Clerk's wire format: the only place that does.
func (h *Handler) fail(w http.ResponseWriter, err error) {
	trace := newTraceID()
	var se *specs.Error
	if errors.As(err, &se) {
		h.writeError(w, trace, se)
		return
	}
	if de, ok := emulator.AsError(err); ok {
		h.writeError(w, trace, &specs.Error{Status: statusOf(de.Kind), Code: de.Code, Message: de.Message,
			LongMessage: de.LongMessage, ParamName: de.Param})
		return
	}
	// Anything else is the emulator's fault; the details go to the log,
	// never to the client.
	h.log.Error("internal error", "trace", trace, "err", err)
	h.writeError(w, trace, &specs.Error{Status: http.StatusInternalServerError, Code: "internal_clerk_error",
		Message: "Oops, an unexpected error occurred", LongMessage: "There was an internal error in the local Backend API; see its log."})
}

func statusOf(k emulator.Kind) int {
	switch k {
	case emulator.KindNotFound:
		return http.StatusNotFound
	case emulator.KindInvalid, emulator.KindConflict:
		return http.StatusUnprocessableEntity
	case emulator.KindBadRequest:
		return http.StatusBadRequest
	case emulator.KindUnauthorized:
		return http.StatusUnauthorized
	case emulator.KindForbidden:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

func (h *Handler) writeError(w http.ResponseWriter, trace string, e *specs.Error) {
	w.Header().Set("X-Clerk-Trace-Id", trace)
	e.Respond(w, trace)
}

// checkResponse validates an answer against the spec. A list answered
// with paginated=true is {data, total_count} where the spec of older
// versions shows the bare array: when the answer does not match as it is,
// its data is what is validated then.
func (h *Handler) checkResponse(route *specs.Route, req *specs.Request, status int, data []byte) {
	hdr := http.Header{"Content-Type": {"application/json"}}
	err := h.specs.ValidateResponse(route, status, hdr, data)
	if err != nil && req.Query.Get("paginated") == "true" {
		var page struct {
			Data       json.RawMessage `json:"data"`
			TotalCount *int64          `json:"total_count"`
		}
		if json.Unmarshal(data, &page) == nil && page.Data != nil && page.TotalCount != nil {
			err = h.specs.ValidateResponse(route, status, hdr, page.Data)
		}
	}
	h.check(route.OperationID, err)
}
