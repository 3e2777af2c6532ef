package clerk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

func TestClerkErrorDocumentIsParsedIntoAPIError(t *testing.T) {
	srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Clerk-Trace-Id", "trace_from_header")
		w.WriteHeader(http.StatusUnprocessableEntity)
		io.WriteString(w, `{"errors":[
			{"message":"is taken","long_message":"That email address is taken. Please try another.","code":"form_identifier_exists","meta":{"param_name":"email_address"}},
			{"message":"too short","long_message":"Passwords must be 8 characters or more.","code":"form_password_length_too_short"}
		],"clerk_trace_id":"trace_from_body"}`)
	})
	c, _ := newTestClient(t, srv)
	err := c.core.do(context.Background(), &request{method: http.MethodPost, path: "/users"}, nil)
	var e *APIError
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want an *APIError", err)
	}
	if e.StatusCode != 422 || len(e.Errors) != 2 || e.ClerkTraceID != "trace_from_body" {
		t.Fatalf("got status %d, %d errors, trace %q", e.StatusCode, len(e.Errors), e.ClerkTraceID)
	}
	first := e.Errors[0]
	if first.Code != "form_identifier_exists" || first.Message != "is taken" ||
		first.LongMessage != "That email address is taken. Please try another." ||
		first.Meta["param_name"] != "email_address" {
		t.Errorf("first error = %+v", first)
	}
	if e.Response == nil || e.Response.Header.Get("Content-Type") != "application/json" {
		t.Errorf("Response headers not kept: %+v", e.Response)
	}
	wantMsg := "clerk: 422 Unprocessable Entity: form_identifier_exists: is taken (and 1 more error) [clerk_trace_id trace_from_body]"
	if e.Error() != wantMsg {
		t.Errorf("Error() = %q\nwant      %q", e.Error(), wantMsg)
	}
	if !IsUnprocessable(err) || !HasErrorCode(err, "form_password_length_too_short") || HasErrorCode(err, "nope") {
		t.Error("helpers disagree with the parsed error")
	}
}

func TestUnparseableErrorBodiesStillGiveAUsefulAPIError(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		traceHeader string
		wantTrace   string
		wantInMsg   string
	}{
		{"html from a proxy", 502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>", "", "", "clerk: 502 Bad Gateway (body is not a Clerk error document)"},
		{"empty body", 500, "", "", "trace_h", "trace_h", "clerk: 500 Internal Server Error (empty body) [clerk_trace_id trace_h]"},
		{"garbage", 400, "application/json", "{not json", "", "", "clerk: 400 Bad Request (body is not a Clerk error document)"},
		{"json of another shape", 404, "application/json", `{"error":"nope"}`, "", "", "clerk: 404 Not Found (body is not a Clerk error document)"},
		{"errors of the wrong type", 403, "application/json", `{"errors":"nope","clerk_trace_id":"t1"}`, "", "t1", "clerk: 403 Forbidden (body is not a Clerk error document) [clerk_trace_id t1]"},
		{"unknown status", 599, "", "x", "", "", "clerk: 599 (body is not a Clerk error document)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				if tt.traceHeader != "" {
					w.Header().Set("X-Clerk-Trace-Id", tt.traceHeader)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			c, _ := newTestClient(t, srv, WithoutRetries())
			err := c.core.do(context.Background(), &request{method: http.MethodGet, path: "/users"}, nil)
			var e *APIError
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want an *APIError", err)
			}
			if e.StatusCode != tt.status || len(e.Errors) != 0 || string(e.Body) != tt.body || e.ClerkTraceID != tt.wantTrace {
				t.Errorf("got status %d, errors %v, body %q, trace %q", e.StatusCode, e.Errors, e.Body, e.ClerkTraceID)
			}
			if e.Error() != tt.wantInMsg {
				t.Errorf("Error() = %q, want %q", e.Error(), tt.wantInMsg)
			}
		})
	}
}

func TestErrorBodiesAreCappedAtOneMiB(t *testing.T) {
	srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write(bytes.Repeat([]byte("x"), 3<<20))
	})
	c, _ := newTestClient(t, srv)
	err := c.core.do(context.Background(), &request{method: http.MethodGet, path: "/users"}, nil)
	var e *APIError
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if len(e.Body) != maxErrorBody {
		t.Errorf("len(Body) = %d, want %d", len(e.Body), maxErrorBody)
	}
}

func TestAPIErrorResponseBodyIsSafeToReadAndRequestHasNoKey(t *testing.T) {
	srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"errors":[{"code":"resource_not_found","message":"not found"}]}`)
	})
	c, _ := newTestClient(t, srv)
	err := c.core.do(context.Background(), &request{method: http.MethodGet, path: "/users/user_x"}, nil)
	var e *APIError
	if !errors.As(err, &e) {
		t.Fatalf("err = %v", err)
	}
	if b, rerr := io.ReadAll(e.Response.Body); rerr != nil || len(b) != 0 {
		t.Errorf("Response.Body read gave %q, %v", b, rerr)
	}
	req := e.Response.Request
	if req == nil || req.Header.Get("Authorization") != "" || req.URL.Path != "/v1/users/user_x" || req.Header.Get("Clerk-API-Version") == "" {
		t.Errorf("Response.Request = %+v", req)
	}
}

func TestStatusHelpersSeeThroughWrapping(t *testing.T) {
	helpers := map[string]func(error) bool{
		"IsNotFound":      IsNotFound,
		"IsUnauthorized":  IsUnauthorized,
		"IsForbidden":     IsForbidden,
		"IsRateLimited":   IsRateLimited,
		"IsUnprocessable": IsUnprocessable,
	}
	statusOf := map[string]int{
		"IsNotFound": 404, "IsUnauthorized": 401, "IsForbidden": 403,
		"IsRateLimited": 429, "IsUnprocessable": 422,
	}
	for name, helper := range helpers {
		for _, status := range []int{401, 403, 404, 422, 429, 500} {
			apiErr := &APIError{StatusCode: status}
			wrapped := fmt.Errorf("loading user: %w", fmt.Errorf("service: %w", apiErr))
			want := statusOf[name] == status
			if got := helper(wrapped); got != want {
				t.Errorf("%s(wrapped %d) = %v, want %v", name, status, got, want)
			}
		}
		if helper(nil) || helper(errors.New("404")) {
			t.Errorf("%s is true for a non-API error", name)
		}
	}
}

func TestHasErrorCodeLooksAtEveryErrorThroughWrapping(t *testing.T) {
	apiErr := &APIError{StatusCode: 422, Errors: []ClerkError{{Code: "a"}, {Code: "b"}}}
	err := fmt.Errorf("ctx: %w", apiErr)
	tests := []struct {
		err  error
		code string
		want bool
	}{
		{err, "a", true},
		{err, "b", true},
		{err, "c", false},
		{nil, "a", false},
		{errors.New("a"), "a", false},
	}
	for _, tt := range tests {
		if got := HasErrorCode(tt.err, tt.code); got != tt.want {
			t.Errorf("HasErrorCode(%v, %q) = %v, want %v", tt.err, tt.code, got, tt.want)
		}
	}
}

func TestAPIErrorTakesTraceIDFromTheErrorsWhenTheBodyHasNone(t *testing.T) {
	resp := &http.Response{StatusCode: 400, Header: http.Header{"X-Clerk-Trace-Id": {"from_header"}}}
	e := newAPIError(resp, []byte(`{"errors":[{"code":"x","message":"m","clerk_trace_id":"from_error"}]}`), time.Now())
	if e.ClerkTraceID != "from_error" {
		t.Errorf("ClerkTraceID = %q, want from_error", e.ClerkTraceID)
	}
}

func TestAPIErrorMessageFallsBackToLongMessage(t *testing.T) {
	e := &APIError{StatusCode: 400, Errors: []ClerkError{{Code: "bad", LongMessage: "the long one"}}}
	if got := e.Error(); got != "clerk: 400 Bad Request: bad: the long one" {
		t.Errorf("Error() = %q", got)
	}
}

func TestMissingParamIsIdentifiableWithIsAndAs(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", missingParam("userID"))
	if !errors.Is(err, ErrMissingParameter) {
		t.Error("errors.Is(err, ErrMissingParameter) = false")
	}
	var mp *MissingParameterError
	if !errors.As(err, &mp) || mp.Name != "userID" {
		t.Errorf("errors.As gave %+v", mp)
	}
	if got := missingParam("userID").Error(); got != "clerk: userID must not be empty" {
		t.Errorf("Error() = %q", got)
	}
	if errors.Is(errors.New("clerk: userID must not be empty"), ErrMissingParameter) {
		t.Error("an unrelated error matches ErrMissingParameter")
	}
}
