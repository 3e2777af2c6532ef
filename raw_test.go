package clerk

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestDoRejectsPathsThatCouldLeaveTheServerBeforeSending(t *testing.T) {
	tests := []struct {
		name, path, want string
	}{
		{"an absolute URL", "http://EVIL/steal", `must start with "/"`},
		{"a path without a leading slash", "users/user_1", `must start with "/"`},
		{"an empty path", "", `must start with "/"`},
		{"a protocol-relative URL", "//EVIL/steal", `must not start with "//"`},
		{"a dot-dot segment", "/users/../../admin", `".." segments`},
		{"a trailing dot-dot", "/users/..", `".." segments`},
		{"a dot segment", "/users/./user_1", `".." segments`},
		{"an escaped dot-dot", "/users/%2e%2E/admin", `".." segments`},
		{"an escaped dot-dot with an escaped slash", "/users/%2e%2e%2fadmin", `".." segments`},
		{"an escaped dot-dot with an escaped backslash", "/users/%2e%2e%5cadmin", `".." segments`},
		{"a backslash", `/users\..\admin`, "escape path parameters"},
		{"an at sign after a backslash", `/\@EVIL`, "escape path parameters"},
		{"a query", "/users?limit=1", "use RawRequest.Query"},
		{"a fragment", "/users#x", "use RawRequest.Query"},
		{"a space", "/users/ada lovelace", "escape path parameters"},
		{"a newline", "/users\r\nHost: evil.example", "escape path parameters"},
		{"a non-ASCII character", "/users/é", "escape path parameters"},
		{"a malformed escape", "/users/%zz", "malformed %-escape"},
		{"a truncated escape", "/users/%2", "malformed %-escape"},
		{"the version prefix", "/v1/users", `leave "/v1" out`},
	}
	// evil is another host: it must never see a request, let alone the key.
	evil, evilHits := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		t.Errorf("the other host got %s %s with Authorization %q", r.Method, r.URL, r.Header.Get("Authorization"))
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, cnt := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{}`))
			})
			c, _ := newTestClient(t, srv)
			path := strings.ReplaceAll(tt.path, "EVIL", strings.TrimPrefix(evil.URL, "http://"))
			err := c.Do(context.Background(), &RawRequest{Method: http.MethodGet, Path: path}, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
			if n := cnt.hits.Load() + evilHits.hits.Load(); n != 0 {
				t.Errorf("%d requests were sent, want 0", n)
			}
		})
	}
}

func TestDoRejectsInvalidMethodsVersionsAndOutsBeforeSending(t *testing.T) {
	var notPointer struct{ ID string }
	tests := []struct {
		name string
		req  *RawRequest
		out  any
		want string
	}{
		{"a nil request", nil, nil, "nil *RawRequest"},
		{"an empty method", &RawRequest{Path: "/users"}, nil, "empty method"},
		{"a lower-case method", &RawRequest{Method: "get", Path: "/users"}, nil, "upper-case"},
		{"a method with a space", &RawRequest{Method: "GET /", Path: "/users"}, nil, "upper-case"},
		{"an API version with a newline", &RawRequest{Method: "GET", Path: "/users", APIVersion: "2025\nX: y"}, nil, "invalid API version"},
		{"an out that is not a pointer", &RawRequest{Method: "GET", Path: "/users"}, notPointer, "non-nil pointer"},
		{"a nil pointer out", &RawRequest{Method: "GET", Path: "/users"}, (*struct{})(nil), "non-nil pointer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, cnt := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
				w.Write([]byte(`{}`))
			})
			c, _ := newTestClient(t, srv)
			err := c.Do(context.Background(), tt.req, tt.out)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
			if n := cnt.hits.Load(); n != 0 {
				t.Errorf("the server got %d requests, want 0", n)
			}
		})
	}
}

func TestDoSendsTheKeyVersionUserAgentQueryAndPathUnderTheServerURL(t *testing.T) {
	tests := []struct {
		name        string
		apiVersion  string
		wantVersion string
	}{
		{"the client's API version", "", "2025-11-10"},
		{"a per-request API version", "2026-05-12", "2026-05-12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *http.Request
			srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
				got = r.Clone(context.Background())
				w.Write([]byte(`{}`))
			})
			c, err := NewClient(testKey, WithServerURL(srv.URL+"/base/v1"), WithAPIVersion("2025-11-10"), WithUserAgentSuffix("myapp/1.2"))
			if err != nil {
				t.Fatal(err)
			}
			req := &RawRequest{
				Method:     http.MethodGet,
				Path:       "/users/" + url.PathEscape("user/1") + "/billing_subscription",
				Query:      url.Values{"expand": {"items", "plan"}, "limit": {"5"}},
				APIVersion: tt.apiVersion,
			}
			if err := c.Do(context.Background(), req, nil); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"Authorization":     "Bearer " + testKey,
				"Clerk-Api-Version": tt.wantVersion,
				"User-Agent":        "clerk-go/" + Version + " myapp/1.2",
				"Accept":            "application/json",
				"Content-Type":      "",
			}
			for k, v := range want {
				if got.Header.Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, got.Header.Get(k), v)
				}
			}
			if p := got.URL.EscapedPath(); p != "/base/v1/users/user%2F1/billing_subscription" {
				t.Errorf("path = %q", p)
			}
			if q := got.URL.RawQuery; q != "expand=items&expand=plan&limit=5" {
				t.Errorf("query = %q", q)
			}
			if got.Host != strings.TrimPrefix(srv.URL, "http://") {
				t.Errorf("host = %q, want the server's", got.Host)
			}
		})
	}
}

func TestDoEncodesTheBodyAsJSON(t *testing.T) {
	tests := []struct {
		name     string
		body     any
		wantBody string
		wantCT   string
	}{
		{"a struct", struct {
			Name  string `json:"name"`
			Count int    `json:"count,omitempty"`
		}{Name: "Ada"}, `{"name":"Ada"}`, "application/json"},
		{"a map", map[string]any{"public_metadata": map[string]any{"plan": "pro"}}, `{"public_metadata":{"plan":"pro"}}`, "application/json"},
		{"a json.RawMessage, sent as it is", json.RawMessage(`{"a":[1,2]}`), `{"a":[1,2]}`, "application/json"},
		{"raw bytes, sent as JSON and not base64", []byte(`["x"]`), `["x"]`, "application/json"},
		{"no body", nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotBody, gotCT string
			srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				gotBody, gotCT = string(b), r.Header.Get("Content-Type")
				w.Write([]byte(`{}`))
			})
			c, _ := newTestClient(t, srv)
			if err := c.Do(context.Background(), &RawRequest{Method: http.MethodPost, Path: "/things", Body: tt.body}, nil); err != nil {
				t.Fatal(err)
			}
			if gotBody != tt.wantBody || gotCT != tt.wantCT {
				t.Errorf("body %q with Content-Type %q, want %q with %q", gotBody, gotCT, tt.wantBody, tt.wantCT)
			}
		})
	}
}

func TestDoRejectsABodyThatIsNotJSONBeforeSending(t *testing.T) {
	srv, cnt := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {})
	c, _ := newTestClient(t, srv)
	err := c.Do(context.Background(), &RawRequest{Method: http.MethodPost, Path: "/things", Body: []byte("not json")}, nil)
	if err == nil || !strings.Contains(err.Error(), "encoding request body") {
		t.Errorf("err = %v, want an encoding error", err)
	}
	if cnt.hits.Load() != 0 {
		t.Errorf("the server got %d requests, want 0", cnt.hits.Load())
	}
}

func TestDoRetriesLikeTheGeneratedMethods(t *testing.T) {
	tests := []struct {
		method   string
		wantHits int64
		wantErr  bool
	}{
		{http.MethodGet, 2, false},
		{http.MethodDelete, 2, false},
		{http.MethodPost, 1, true},
		{http.MethodPatch, 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.method+" after a 503", func(t *testing.T) {
			srv, cnt := newServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				w.Write([]byte(`{"id":"thing_1"}`))
			})
			c, sleeps := newTestClient(t, srv)
			var out struct{ ID string }
			err := c.Do(context.Background(), &RawRequest{Method: tt.method, Path: "/things/thing_1", Body: map[string]int{"n": 1}}, &out)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if got := cnt.hits.Load(); got != tt.wantHits {
				t.Errorf("hits = %d, want %d", got, tt.wantHits)
			}
			if !tt.wantErr && (out.ID != "thing_1" || len(sleeps.get()) != 1) {
				t.Errorf("out.ID = %q after %d waits, want thing_1 after 1", out.ID, len(sleeps.get()))
			}
		})
	}
	t.Run("POST after a 429", func(t *testing.T) {
		srv, cnt := newServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.Write([]byte(`{}`))
		})
		c, _ := newTestClient(t, srv)
		if err := c.Do(context.Background(), &RawRequest{Method: http.MethodPost, Path: "/things"}, nil); err != nil {
			t.Fatal(err)
		}
		if cnt.hits.Load() != 2 {
			t.Errorf("hits = %d, want 2", cnt.hits.Load())
		}
	})
}

func TestDoReturnsAnAPIErrorOnA422(t *testing.T) {
	srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		w.Write([]byte(`{"errors":[{"code":"form_param_missing","message":"is missing","long_message":"name is missing","meta":{"param_name":"name"}}],"clerk_trace_id":"trace_1"}`))
	})
	c, _ := newTestClient(t, srv)
	var out struct{ ID string }
	err := c.Do(context.Background(), &RawRequest{Method: http.MethodPost, Path: "/things"}, &out)
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v (%T), want an *APIError", err, err)
	}
	if apiErr.StatusCode != 422 || apiErr.ClerkTraceID != "trace_1" || len(apiErr.Errors) != 1 || apiErr.Errors[0].Code != "form_param_missing" {
		t.Errorf("APIError = %+v", apiErr)
	}
	if !IsUnprocessable(err) || !HasErrorCode(err, "form_param_missing") {
		t.Errorf("IsUnprocessable = %v, HasErrorCode = %v, want both true", IsUnprocessable(err), HasErrorCode(err, "form_param_missing"))
	}
	if out.ID != "" {
		t.Errorf("out was written on an error: %+v", out)
	}
}

func TestDoDecodesTheAnswerIntoOut(t *testing.T) {
	const body = `{"id":"sub_1","items":[{"plan":"pro"}]}`
	type subscription struct {
		ID    string `json:"id"`
		Items []struct {
			Plan string `json:"plan"`
		} `json:"items"`
	}
	srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(body))
	})
	c, _ := newTestClient(t, srv)
	get := &RawRequest{Method: http.MethodGet, Path: "/users/user_1/billing_subscription"}

	t.Run("into a struct", func(t *testing.T) {
		var sub subscription
		if err := c.Do(context.Background(), get, &sub); err != nil {
			t.Fatal(err)
		}
		if sub.ID != "sub_1" || len(sub.Items) != 1 || sub.Items[0].Plan != "pro" {
			t.Errorf("decoded %+v", sub)
		}
	})
	t.Run("into a map", func(t *testing.T) {
		var m map[string]any
		if err := c.Do(context.Background(), get, &m); err != nil {
			t.Fatal(err)
		}
		if m["id"] != "sub_1" {
			t.Errorf("decoded %v", m)
		}
	})
	t.Run("as raw bytes", func(t *testing.T) {
		var b []byte
		if err := c.Do(context.Background(), get, &b); err != nil {
			t.Fatal(err)
		}
		if string(b) != body {
			t.Errorf("bytes = %q", b)
		}
	})
	t.Run("as a json.RawMessage", func(t *testing.T) {
		var m json.RawMessage
		if err := c.Do(context.Background(), get, &m); err != nil {
			t.Fatal(err)
		}
		if string(m) != body {
			t.Errorf("raw = %q", m)
		}
	})
	t.Run("discarded with a nil out", func(t *testing.T) {
		if err := c.Do(context.Background(), get, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a body that does not fit out is an error", func(t *testing.T) {
		var wrong []string
		err := c.Do(context.Background(), get, &wrong)
		if err == nil || !strings.Contains(err.Error(), "decoding 200 response") {
			t.Errorf("err = %v, want a decoding error", err)
		}
	})
}

func TestDoWithAnEmptyOrNullAnswer(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		out     func() any
		wantErr string // "" for none
	}{
		{"an empty body into a struct", 200, "", func() any { return new(struct{ ID string }) }, "GET /things/thing_1: 200 response has no body (the operation answers an object)"},
		{"a blank body into a struct", 200, " \n", func() any { return new(struct{ ID string }) }, "200 response has no body"},
		{"a null body into a struct", 200, "null", func() any { return new(struct{ ID string }) }, "GET /things/thing_1: 200 response body is null (the operation answers an object)"},
		{"a null body into a slice", 200, "null\n", func() any { return new([]string) }, "200 response body is null (the operation answers an array)"},
		{"an empty 202 into a map", 202, "", func() any { return new(map[string]any) }, "202 response has no body (the operation answers an object)"},
		{"an empty body as raw bytes", 200, "", func() any { return new([]byte) }, ""},
		{"a null body as raw bytes", 200, "null", func() any { return new([]byte) }, ""},
		{"an empty 204 with a nil out", 204, "", func() any { return nil }, ""},
		{"an empty 200 with a nil out", 200, "", func() any { return nil }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, cnt := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			})
			c, _ := newTestClient(t, srv)
			err := c.Do(context.Background(), &RawRequest{Method: http.MethodGet, Path: "/things/thing_1"}, tt.out())
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if cnt.hits.Load() != 1 {
				t.Errorf("hits = %d, want 1 (an empty 2xx is not retried)", cnt.hits.Load())
			}
		})
	}
}

func TestGeneratedMethodsRefuseAnEmptyOrNullAnswerWhereTheSpecPromisesOne(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		call    func(c *Client) error
		wantErr string // "" for none
	}{
		{"Users.Get with an empty body", 200, "", func(c *Client) error {
			u, err := c.Users.Get(context.Background(), "user_1")
			if u != nil {
				t.Errorf("Users.Get returned %+v with its error", u)
			}
			return err
		}, "clerk: GET /users/user_1: 200 response has no body (the operation answers an object)"},
		{"Users.Get with a null body", 200, "null", func(c *Client) error {
			_, err := c.Users.Get(context.Background(), "user_1")
			return err
		}, "clerk: GET /users/user_1: 200 response body is null (the operation answers an object)"},
		{"Users.Get with an object", 200, `{"id":"user_1"}`, func(c *Client) error {
			u, err := c.Users.Get(context.Background(), "user_1")
			if err == nil && u.ID != "user_1" {
				t.Errorf("ID = %q", u.ID)
			}
			return err
		}, ""},
		{"Users.List (a bare array) with an empty body", 200, "", func(c *Client) error {
			_, err := c.Users.List(context.Background(), nil)
			return err
		}, "clerk: GET /users: 200 response has no body (the operation answers an array)"},
		{"Users.Delete with a null body", 200, "null", func(c *Client) error {
			_, err := c.Users.Delete(context.Background(), "user_1")
			return err
		}, "clerk: DELETE /users/user_1: 200 response body is null"},
		{"Webhooks.DeleteSvixApp (204, no schema) with an empty body", 204, "", func(c *Client) error {
			return c.Webhooks.DeleteSvixApp(context.Background())
		}, ""},
		{"InstanceSettings.Update (204, no schema) with an empty body", 204, "", func(c *Client) error {
			return c.InstanceSettings.Update(context.Background(), nil)
		}, ""},
		{"BetaFeatures.UpdateDomain (202, no schema) with an empty body", 202, "", func(c *Client) error {
			return c.BetaFeatures.UpdateDomain(context.Background(), nil)
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			})
			c, _ := newTestClient(t, srv)
			err := tt.call(c)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
			var apiErr *APIError
			if errors.As(err, &apiErr) {
				t.Errorf("a 2xx answer gave an *APIError: %v", apiErr)
			}
		})
	}
}
