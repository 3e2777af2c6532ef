package clerk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testKey is the secret key of the test clients.
const testKey = "sk_test_c0ffee_SECRET"

// fastRetries retries like the default policy, with tiny backoffs.
var fastRetries = RetryPolicy{MaxRetries: 3, MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond}

// sleepLog replaces core.sleep: it records the waits instead of waiting.
type sleepLog struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleepLog) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepLog) get() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// newTestClient returns a client of srv (under /v1) with fast retries and
// no real sleeping, and the log of the waits it would have slept.
func newTestClient(t *testing.T, srv *httptest.Server, opts ...Option) (*Client, *sleepLog) {
	t.Helper()
	all := append([]Option{WithServerURL(srv.URL + "/v1"), WithRetryPolicy(fastRetries)}, opts...)
	c, err := NewClient(testKey, all...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	log := &sleepLog{}
	c.core.sleep = log.sleep
	return c, log
}

// counter is an http.Handler that counts its hits and answers with h.
type counter struct {
	hits atomic.Int64
	h    func(n int64, w http.ResponseWriter, r *http.Request)
}

func (c *counter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.h(c.hits.Add(1), w, r)
}

func newServer(t *testing.T, h func(n int64, w http.ResponseWriter, r *http.Request)) (*httptest.Server, *counter) {
	t.Helper()
	c := &counter{h: h}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return srv, c
}

func TestEveryRequestCarriesTheBearerKeyAPIVersionAndUserAgent(t *testing.T) {
	tests := []struct {
		name        string
		opts        []Option
		wantVersion string
		wantUA      string
	}{
		{"defaults", nil, DefaultAPIVersion, "clerk-go/" + Version},
		{"custom version and suffix", []Option{WithAPIVersion("2025-11-10"), WithUserAgentSuffix("myapp/1.2")}, "2025-11-10", "clerk-go/" + Version + " myapp/1.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got http.Header
			srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
				got = r.Header.Clone()
				w.Write([]byte(`{}`))
			})
			c, _ := newTestClient(t, srv, tt.opts...)
			if err := c.core.do(context.Background(), &request{method: http.MethodGet, path: "/users"}, nil); err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"Authorization":     "Bearer " + testKey,
				"Clerk-Api-Version": tt.wantVersion,
				"User-Agent":        tt.wantUA,
				"Accept":            "application/json",
				"Content-Type":      "",
			}
			for k, v := range want {
				if got.Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, got.Get(k), v)
				}
			}
		})
	}
}

func TestVersionIsASemverConstantUsedInTheUserAgent(t *testing.T) {
	const want = "0.1.0"
	if Version != want {
		t.Errorf("Version = %q, want %q", Version, want)
	}
	if !regexp.MustCompile(`^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`).MatchString(Version) {
		t.Errorf("Version %q is not semver", Version)
	}
	c, err := NewClient(testKey)
	if err != nil {
		t.Fatal(err)
	}
	if c.core.userAgent != "clerk-go/"+Version {
		t.Errorf("User-Agent = %q", c.core.userAgent)
	}
}

func TestJSONBodyIsSentWithContentTypeAndEncodedOnceAcrossRetries(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv, cnt := newServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"id":"user_1"}`))
	})
	c, _ := newTestClient(t, srv)
	body := &countingMarshaler{v: map[string]string{"first_name": "Ada"}}
	var out struct{ ID string }
	if err := c.core.do(context.Background(), &request{method: http.MethodPut, path: "/users/user_1", body: body}, &out); err != nil {
		t.Fatal(err)
	}
	if out.ID != "user_1" {
		t.Errorf("decoded ID = %q", out.ID)
	}
	if cnt.hits.Load() != 2 || body.calls.Load() != 1 {
		t.Errorf("hits = %d, MarshalJSON calls = %d; want 2 and 1", cnt.hits.Load(), body.calls.Load())
	}
	for _, b := range bodies {
		if b != `{"first_name":"Ada"}` {
			t.Errorf("body = %q", b)
		}
	}
}

type countingMarshaler struct {
	calls atomic.Int64
	v     any
}

func (m *countingMarshaler) MarshalJSON() ([]byte, error) {
	m.calls.Add(1)
	return json.Marshal(m.v)
}

func TestServerURLBasePathAndQueryArePreserved(t *testing.T) {
	var path, rawQuery string
	srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		path, rawQuery = r.URL.EscapedPath(), r.URL.RawQuery
	})
	c, err := NewClient(testKey, WithServerURL(srv.URL+"/base/v1/"))
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"limit": {"10"}, "order_by": {"-created_at"}}
	r := &request{method: http.MethodGet, path: "/users/" + url.PathEscape("a/b"), query: q}
	if err := c.core.do(context.Background(), r, nil); err != nil {
		t.Fatal(err)
	}
	if path != "/base/v1/users/a%2Fb" {
		t.Errorf("path = %q, want /base/v1/users/a%%2Fb", path)
	}
	if rawQuery != "limit=10&order_by=-created_at" {
		t.Errorf("query = %q", rawQuery)
	}
}

func TestTwoClientsUsedConcurrentlyEachSendTheirOwnKey(t *testing.T) {
	srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]string{"auth": r.Header.Get("Authorization")})
	})
	keys := []string{"sk_test_one", "sk_test_two"}
	var clients []*Client
	for _, k := range keys {
		c, err := NewClient(k, WithServerURL(srv.URL+"/v1"))
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			k := i % 2
			var out struct{ Auth string }
			if err := clients[k].core.do(context.Background(), &request{method: http.MethodGet, path: "/me"}, &out); err != nil {
				t.Error(err)
				return
			}
			if out.Auth != "Bearer "+keys[k] {
				t.Errorf("client %d sent %q", k, out.Auth)
			}
		})
	}
	wg.Wait()
}

func TestTokenSourceIsCalledForEveryAttemptSoKeysCanRotate(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv, _ := newServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Get("Authorization"))
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	var calls atomic.Int64
	source := func(context.Context) (string, error) {
		return fmt.Sprintf("sk_test_rotated_%d", calls.Add(1)), nil
	}
	c, err := NewClient("", WithServerURL(srv.URL+"/v1"), WithRetryPolicy(fastRetries), WithTokenSource(source))
	if err != nil {
		t.Fatal(err)
	}
	c.core.sleep = (&sleepLog{}).sleep
	for range 2 {
		if err := c.core.do(context.Background(), &request{method: http.MethodPost, path: "/users"}, nil); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"Bearer sk_test_rotated_1", "Bearer sk_test_rotated_2", "Bearer sk_test_rotated_3"}
	if strings.Join(seen, ",") != strings.Join(want, ",") {
		t.Errorf("keys sent = %q, want %q", seen, want)
	}
}

func TestTokenSourceErrorIsReturnedWrappedWithoutSendingARequest(t *testing.T) {
	srv, cnt := newServer(t, func(int64, http.ResponseWriter, *http.Request) {})
	errVault := errors.New("vault unreachable")
	tests := []struct {
		name   string
		source func(context.Context) (string, error)
		wantIs error
	}{
		{"source error", func(context.Context) (string, error) { return "", errVault }, errVault},
		{"empty key", func(context.Context) (string, error) { return "", nil }, nil},
		{"key with newline", func(context.Context) (string, error) { return "sk_test\nX: y", nil }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewClient("", WithServerURL(srv.URL+"/v1"), WithTokenSource(tt.source))
			if err != nil {
				t.Fatal(err)
			}
			err = c.core.do(context.Background(), &request{method: http.MethodGet, path: "/users"}, nil)
			if err == nil || !strings.Contains(err.Error(), "token source") {
				t.Fatalf("err = %v, want a token source error", err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.wantIs)
			}
		})
	}
	if cnt.hits.Load() != 0 {
		t.Errorf("server was hit %d times", cnt.hits.Load())
	}
}

func TestSuccessfulAnswersDecodeIntoOut(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		out    func() any
		check  func(t *testing.T, out any)
	}{
		{"json into a struct", 200, `{"id":"user_1","n":2}`, func() any {
			return &struct {
				ID string
				N  int
			}{}
		}, func(t *testing.T, out any) {
			if got := fmt.Sprint(out); got != "&{user_1 2}" {
				t.Errorf("out = %s", got)
			}
		}},
		{"json array into a slice", 200, `[{"id":"a"},{"id":"b"}]`, func() any { return &[]struct{ ID string }{} }, func(t *testing.T, out any) {
			if got := fmt.Sprint(out); got != "&[{a} {b}]" {
				t.Errorf("out = %s", got)
			}
		}},
		{"raw bytes", 200, `<html>interstitial</html>`, func() any { return new([]byte) }, func(t *testing.T, out any) {
			if got := string(*out.(*[]byte)); got != "<html>interstitial</html>" {
				t.Errorf("out = %q", got)
			}
		}},
		{"empty 204 leaves out untouched", 204, ``, func() any { return &struct{ ID string }{ID: "kept"} }, func(t *testing.T, out any) {
			if got := out.(*struct{ ID string }).ID; got != "kept" {
				t.Errorf("ID = %q", got)
			}
		}},
		{"nil out discards the body", 200, `{"id":"x"}`, func() any { return nil }, func(t *testing.T, out any) {
			if out != nil {
				t.Errorf("out = %v", out)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			c, _ := newTestClient(t, srv)
			out := tt.out()
			if err := c.core.do(context.Background(), &request{method: http.MethodGet, path: "/x"}, out); err != nil {
				t.Fatal(err)
			}
			tt.check(t, out)
		})
	}
}

func TestUndecodableSuccessBodyGivesAnErrorNamingStatusAndPath(t *testing.T) {
	srv, cnt := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id": oops`)
	})
	c, _ := newTestClient(t, srv)
	var out struct{ ID string }
	err := c.core.do(context.Background(), &request{method: http.MethodGet, path: "/users/user_1"}, &out)
	var syntaxErr *json.SyntaxError
	if !errors.As(err, &syntaxErr) {
		t.Fatalf("err = %v, want one wrapping *json.SyntaxError", err)
	}
	for _, s := range []string{"200", "GET /users/user_1"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("err %q does not mention %q", err, s)
		}
	}
	if cnt.hits.Load() != 1 {
		t.Errorf("a decode error was retried: %d hits", cnt.hits.Load())
	}
}

func TestOversizedSuccessBodyIsAnErrorNotATruncation(t *testing.T) {
	srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("a"), maxSuccessBody+10))
	})
	c, _ := newTestClient(t, srv)
	var raw []byte
	err := c.core.do(context.Background(), &request{method: http.MethodGet, path: "/big"}, &raw)
	if err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("err = %v, want a size error", err)
	}
	if raw != nil {
		t.Errorf("out was set to %d bytes", len(raw))
	}
}

func TestMultipartFormIsStreamedWithFieldsAndFiles(t *testing.T) {
	type part struct{ name, filename, contentType, content string }
	var parts []part
	srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/form-data" {
			t.Errorf("Content-Type = %q", r.Header.Get("Content-Type"))
			return
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(p)
			parts = append(parts, part{p.FormName(), p.FileName(), p.Header.Get("Content-Type"), string(b)})
		}
		w.Write([]byte(`{}`))
	})
	c, _ := newTestClient(t, srv)
	form := []formField{
		{name: "uploader_user_id", value: "user_1"},
		{name: "file", file: &File{Name: `a "quoted".png`, ContentType: "image/png", Body: strings.NewReader("PNGDATA")}},
		{name: "other", file: &File{Name: "blob.bin", Body: strings.NewReader("\x00\x01")}},
	}
	if err := c.core.do(context.Background(), &request{method: http.MethodPost, path: "/users/user_1/profile_image", form: form}, nil); err != nil {
		t.Fatal(err)
	}
	want := []part{
		{"uploader_user_id", "", "", "user_1"},
		{"file", `a "quoted".png`, "image/png", "PNGDATA"},
		{"other", "blob.bin", "application/octet-stream", "\x00\x01"},
	}
	if fmt.Sprintf("%q", parts) != fmt.Sprintf("%q", want) {
		t.Errorf("parts = %q\nwant    %q", parts, want)
	}
}

func TestMultipartRequestsAreNeverRetried(t *testing.T) {
	srv, cnt := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c, _ := newTestClient(t, srv)
	form := []formField{{name: "file", file: &File{Name: "a.png", Body: strings.NewReader("x")}}}
	err := c.core.do(context.Background(), &request{method: http.MethodPut, path: "/logo", form: form}, nil)
	if !IsRateLimited(err) {
		t.Errorf("err = %v, want a 429", err)
	}
	if cnt.hits.Load() != 1 {
		t.Errorf("hits = %d, want 1", cnt.hits.Load())
	}
}

func TestMultipartFileReadErrorIsReturned(t *testing.T) {
	srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
	})
	c, _ := newTestClient(t, srv)
	errDisk := errors.New("disk on fire")
	form := []formField{{name: "file", file: &File{Name: "a.png", Body: io.MultiReader(strings.NewReader("abc"), errReader{errDisk})}}}
	err := c.core.do(context.Background(), &request{method: http.MethodPost, path: "/logo", form: form}, nil)
	if !errors.Is(err, errDisk) {
		t.Errorf("err = %v, want one wrapping %v", err, errDisk)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestMultipartFieldsThatWouldInjectHeadersAreRejected(t *testing.T) {
	srv, cnt := newServer(t, func(int64, http.ResponseWriter, *http.Request) {})
	c, _ := newTestClient(t, srv)
	form := []formField{{name: "file", file: &File{Name: "a.png\r\nX-Evil: 1", Body: strings.NewReader("x")}}}
	if err := c.core.do(context.Background(), &request{method: http.MethodPost, path: "/logo", form: form}, nil); err == nil {
		t.Error("no error for a file name with CRLF")
	}
	if cnt.hits.Load() != 0 {
		t.Errorf("hits = %d, want 0", cnt.hits.Load())
	}
}

func TestPerAttemptTimeoutIsRetriedForGET(t *testing.T) {
	srv, cnt := newServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		if n == 1 {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		w.Write([]byte(`{"ok":true}`))
	})
	c, _ := newTestClient(t, srv, WithTimeout(50*time.Millisecond))
	var out struct{ OK bool }
	if err := c.core.do(context.Background(), &request{method: http.MethodGet, path: "/slow"}, &out); err != nil {
		t.Fatal(err)
	}
	if !out.OK || cnt.hits.Load() != 2 {
		t.Errorf("ok = %v, hits = %d; want true and 2", out.OK, cnt.hits.Load())
	}
}

func TestAlreadyCanceledContextSendsNothing(t *testing.T) {
	srv, cnt := newServer(t, func(int64, http.ResponseWriter, *http.Request) {})
	c, _ := newTestClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := c.core.do(ctx, &request{method: http.MethodGet, path: "/users"}, nil)
	if !errors.Is(err, context.Canceled) || cnt.hits.Load() != 0 {
		t.Errorf("err = %v, hits = %d; want context.Canceled and 0", err, cnt.hits.Load())
	}
}

func TestSecretKeyNeverAppearsInErrors(t *testing.T) {
	const secret = "sk_live_TOPSECRET_never_print_me"
	srv, _ := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/unauthorized":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"errors":[{"code":"authentication_invalid","message":"bad key","long_message":"The secret key is invalid"}]}`)
		case "/v1/garbage":
			io.WriteString(w, "not json")
		case "/v1/hangup":
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
		}
	})
	c, err := NewClient(secret, WithServerURL(srv.URL+"/v1"), WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	for _, p := range []string{"/unauthorized", "/garbage", "/hangup"} {
		var out map[string]any
		errs = append(errs, c.core.do(context.Background(), &request{method: http.MethodGet, path: p}, &out))
	}
	for _, opts := range [][]Option{{WithServerURL("ftp://x")}, {WithServerIndex(9)}, {WithTimeout(-1)}} {
		_, err := NewClient(secret+" ", opts...)
		errs = append(errs, err)
	}
	for i, err := range errs {
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(s, "TOPSECRET") {
				t.Errorf("case %d: error text contains the key: %s", i, s)
			}
		}
	}
	var apiErr *APIError
	if !errors.As(errs[0], &apiErr) {
		t.Fatalf("first error %v is not an APIError", errs[0])
	}
	if h := apiErr.Response.Request.Header.Get("Authorization"); h != "" {
		t.Errorf("APIError.Response.Request keeps Authorization %q", h)
	}
}
