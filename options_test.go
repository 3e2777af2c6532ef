package clerk

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNewClientRejectsInvalidConfiguration(t *testing.T) {
	tests := []struct {
		name    string
		key     string
		opts    []Option
		wantErr string
	}{
		{"empty key", "", nil, "no secret key"},
		{"key with whitespace", "sk_test_x y", nil, "whitespace"},
		{"negative server index", testKey, []Option{WithServerIndex(-1)}, "server index -1 out of range"},
		{"server index past the list", testKey, []Option{WithServerIndex(len(ServerList))}, "out of range"},
		{"unparseable URL", testKey, []Option{WithServerURL("http://[::1")}, "invalid server URL"},
		{"relative URL", testKey, []Option{WithServerURL("api.clerk.com/v1")}, "scheme must be http or https"},
		{"ftp URL", testKey, []Option{WithServerURL("ftp://api.clerk.com/v1")}, "scheme must be http or https"},
		{"URL without host", testKey, []Option{WithServerURL("https:///v1")}, "no host"},
		{"URL with query", testKey, []Option{WithServerURL("https://api.clerk.com/v1?x=1")}, "query or fragment"},
		{"URL with user info", testKey, []Option{WithServerURL("https://u:p@api.clerk.com/v1")}, "user information"},
		{"nil HTTP client", testKey, []Option{WithHTTPClient(nil)}, "nil *http.Client"},
		{"negative timeout", testKey, []Option{WithTimeout(-time.Second)}, "negative timeout"},
		{"empty API version", testKey, []Option{WithAPIVersion("")}, "invalid API version"},
		{"user agent suffix with CRLF", testKey, []Option{WithUserAgentSuffix("app\r\nX: y")}, "control characters"},
		{"negative retry field", testKey, []Option{WithRetryPolicy(RetryPolicy{MaxRetries: -1})}, "negative field"},
		{"nil token source", "", []Option{WithTokenSource(nil)}, "nil token source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient(tt.key, tt.opts...)
			if err == nil || c != nil {
				t.Fatalf("NewClient = %v, %v; want an error", c, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %q, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestNewClientAcceptsATokenSourceInsteadOfAKey(t *testing.T) {
	c, err := NewClient("", WithTokenSource(func(context.Context) (string, error) { return "sk_test_x", nil }))
	if err != nil || c == nil || c.core.tokenSource == nil {
		t.Fatalf("NewClient = %v, %v", c, err)
	}
}

func TestNewClientDefaults(t *testing.T) {
	c, err := NewClient(testKey)
	if err != nil {
		t.Fatal(err)
	}
	co := c.core
	if co.baseURL != "https://api.clerk.com/v1" || co.apiVersion != DefaultAPIVersion ||
		co.timeout != DefaultTimeout || co.retry != DefaultRetryPolicy() {
		t.Errorf("core = %+v", co)
	}
	if co.httpClient == http.DefaultClient || co.httpClient == nil {
		t.Error("client uses http.DefaultClient")
	}
	d, err := NewClient(testKey)
	if err != nil {
		t.Fatal(err)
	}
	if d.core == co || d.core.httpClient == co.httpClient {
		t.Error("two clients share their core or http.Client")
	}
}

func TestOptionsAreAppliedInOrderAndTheLastWins(t *testing.T) {
	hc := &http.Client{}
	c, err := NewClient(testKey,
		WithServerURL("http://127.0.0.1:1/a/v1"),
		WithServerIndex(0),
		WithRetryPolicy(RetryPolicy{MaxRetries: 7}),
		WithoutRetries(),
		WithTimeout(0),
		WithHTTPClient(hc),
	)
	if err != nil {
		t.Fatal(err)
	}
	if c.core.baseURL != ServerList[0] || c.core.retry.MaxRetries != 0 || c.core.timeout != 0 || c.core.httpClient != hc {
		t.Errorf("core = %+v", c.core)
	}
	if hc.Timeout != 0 || hc.Transport != nil {
		t.Error("the caller's http.Client was modified")
	}
}

func TestWithHTTPClientIsUsedForRequests(t *testing.T) {
	srv, cnt := newServer(t, func(int64, http.ResponseWriter, *http.Request) {})
	var used bool
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used = true
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, err := NewClient(testKey, WithServerURL(srv.URL+"/v1"), WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.core.do(context.Background(), &request{method: http.MethodGet, path: "/x"}, nil); err != nil {
		t.Fatal(err)
	}
	if !used || cnt.hits.Load() != 1 {
		t.Errorf("custom client used = %v, hits = %d", used, cnt.hits.Load())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestNewClientFromEnvReadsKeyAndAPIURL(t *testing.T) {
	tests := []struct {
		name    string
		apiURL  string
		opts    []Option
		wantURL string
	}{
		{"no CLERK_API_URL uses the first server", "", nil, "https://api.clerk.com/v1"},
		{"host only gets /v1", "https://api.example.com", nil, "https://api.example.com/v1"},
		{"trailing slash gets /v1", "https://api.example.com/", nil, "https://api.example.com/v1"},
		{"already /v1 is kept", "https://api.example.com/v1", nil, "https://api.example.com/v1"},
		{"already /v1/ is trimmed", "https://api.example.com/v1/", nil, "https://api.example.com/v1"},
		{"base path gets /v1", "http://127.0.0.1:9999/proxy/clerk", nil, "http://127.0.0.1:9999/proxy/clerk/v1"},
		{"option overrides env", "https://api.example.com", []Option{WithServerURL("https://other.example.com/v1")}, "https://other.example.com/v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CLERK_SECRET_KEY", "sk_test_env\n")
			t.Setenv("CLERK_API_URL", tt.apiURL)
			c, err := NewClientFromEnv(tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if c.core.baseURL != tt.wantURL || c.core.secretKey != "sk_test_env" {
				t.Errorf("baseURL = %q, key = %q; want %q, sk_test_env", c.core.baseURL, c.core.secretKey, tt.wantURL)
			}
		})
	}
}

func TestNewClientFromEnvSendsRequestsToCLERK_API_URL(t *testing.T) {
	var path, auth string
	srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		path, auth = r.URL.Path, r.Header.Get("Authorization")
	})
	t.Setenv("CLERK_SECRET_KEY", "sk_test_env")
	t.Setenv("CLERK_API_URL", srv.URL)
	c, err := NewClientFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.core.do(context.Background(), &request{method: http.MethodGet, path: "/users"}, nil); err != nil {
		t.Fatal(err)
	}
	if path != "/v1/users" || auth != "Bearer sk_test_env" {
		t.Errorf("path = %q, auth = %q", path, auth)
	}
}

func TestNewClientFromEnvFailsWithoutAKeyOrWithABadURL(t *testing.T) {
	tests := []struct {
		name, key, apiURL, wantErr string
	}{
		{"no key", "", "", "no secret key"},
		{"bad URL", "sk_test_x", "ftp://x", "CLERK_API_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CLERK_SECRET_KEY", tt.key)
			t.Setenv("CLERK_API_URL", tt.apiURL)
			_, err := NewClientFromEnv()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}
