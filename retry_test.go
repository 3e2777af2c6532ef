package clerk

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func TestRateLimitedRequestIsRetriedThenSucceedsForEveryMethod(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		t.Run(method, func(t *testing.T) {
			srv, cnt := newServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
				if n <= 2 {
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				w.Write([]byte(`{"id":"user_1"}`))
			})
			c, log := newTestClient(t, srv)
			var out struct{ ID string }
			if err := c.core.do(context.Background(), &request{method: method, path: "/users", body: map[string]int{"a": 1}}, &out); err != nil {
				t.Fatal(err)
			}
			if out.ID != "user_1" || cnt.hits.Load() != 3 || len(log.get()) != 2 {
				t.Errorf("ID = %q, hits = %d, waits = %v; want user_1, 3 hits, 2 waits", out.ID, cnt.hits.Load(), log.get())
			}
		})
	}
}

func TestServerErrorsAreRetriedOnlyForIdempotentMethods(t *testing.T) {
	tests := []struct {
		method   string
		wantHits int64
	}{
		{http.MethodGet, 4},
		{http.MethodHead, 4},
		{http.MethodPut, 4},
		{http.MethodDelete, 4},
		{http.MethodPost, 1},
		{http.MethodPatch, 1},
	}
	for _, status := range []int{500, 502, 503, 504} {
		for _, tt := range tests {
			t.Run(strconv.Itoa(status)+" "+tt.method, func(t *testing.T) {
				srv, cnt := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(status)
				})
				c, _ := newTestClient(t, srv)
				err := c.core.do(context.Background(), &request{method: tt.method, path: "/users/user_1"}, nil)
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != status {
					t.Errorf("err = %v, want an APIError %d", err, status)
				}
				if cnt.hits.Load() != tt.wantHits {
					t.Errorf("hits = %d, want %d", cnt.hits.Load(), tt.wantHits)
				}
			})
		}
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 422, 501} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			srv, cnt := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(status)
			})
			c, _ := newTestClient(t, srv)
			err := c.core.do(context.Background(), &request{method: http.MethodGet, path: "/users"}, nil)
			if err == nil || cnt.hits.Load() != 1 {
				t.Errorf("err = %v, hits = %d; want an error after 1 hit", err, cnt.hits.Load())
			}
		})
	}
}

// hangUp closes the connection without answering.
func hangUp(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestConnectionDroppedAfterSendingIsRetriedForGETButNotPOST(t *testing.T) {
	tests := []struct {
		method   string
		wantHits int64
	}{
		{http.MethodGet, 4},
		{http.MethodPut, 4},
		{http.MethodPost, 1},
		{http.MethodPatch, 1},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			srv, cnt := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				hangUp(w)
			})
			c, _ := newTestClient(t, srv)
			err := c.core.do(context.Background(), &request{method: tt.method, path: "/users", body: map[string]string{"x": "y"}}, nil)
			var apiErr *APIError
			if err == nil || errors.As(err, &apiErr) {
				t.Errorf("err = %v, want a connection error", err)
			}
			if cnt.hits.Load() != tt.wantHits {
				t.Errorf("hits = %d, want %d", cnt.hits.Load(), tt.wantHits)
			}
		})
	}
}

func TestConnectionRefusedIsRetriedEvenForPOST(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	var attempts atomic.Int64
	source := func(context.Context) (string, error) { attempts.Add(1); return testKey, nil }
	c, err := NewClient("", WithServerURL("http://"+addr+"/v1"), WithRetryPolicy(fastRetries), WithTokenSource(source))
	if err != nil {
		t.Fatal(err)
	}
	c.core.sleep = (&sleepLog{}).sleep
	err = c.core.do(context.Background(), &request{method: http.MethodPost, path: "/users"}, nil)
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "dial" {
		t.Errorf("err = %v, want a dial error", err)
	}
	if attempts.Load() != 4 {
		t.Errorf("attempts = %d, want 4", attempts.Load())
	}
}

func TestRetryAfterSecondsAndHTTPDateAreHonoured(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		retryAfter string
		wantWait   time.Duration
	}{
		{"seconds", "1", time.Second},
		{"http date", now.Add(2 * time.Second).Format(http.TimeFormat), 2 * time.Second},
		{"date in the past falls back to backoff", now.Add(-time.Hour).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, cnt := newServer(t, func(n int64, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					w.Header().Set("Retry-After", tt.retryAfter)
					w.WriteHeader(http.StatusTooManyRequests)
				}
			})
			c, log := newTestClient(t, srv)
			c.core.now = func() time.Time { return now }
			if err := c.core.do(context.Background(), &request{method: http.MethodPost, path: "/users"}, nil); err != nil {
				t.Fatal(err)
			}
			waits := log.get()
			if cnt.hits.Load() != 2 || len(waits) != 1 {
				t.Fatalf("hits = %d, waits = %v", cnt.hits.Load(), waits)
			}
			if tt.wantWait > 0 && waits[0] != tt.wantWait {
				t.Errorf("waited %v, want %v", waits[0], tt.wantWait)
			}
			if tt.wantWait == 0 && waits[0] > fastRetries.MinBackoff {
				t.Errorf("waited %v, want a backoff of at most %v", waits[0], fastRetries.MinBackoff)
			}
		})
	}
}

func TestRetryAfterAboveTheCapIsReturnedNotRetried(t *testing.T) {
	srv, cnt := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c, log := newTestClient(t, srv) // fastRetries: MaxRetryAfter defaults to 30s
	err := c.core.do(context.Background(), &request{method: http.MethodGet, path: "/users"}, nil)
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.RetryAfter != time.Minute {
		t.Fatalf("err = %v, want a 429 APIError with RetryAfter 1m", err)
	}
	if cnt.hits.Load() != 1 || len(log.get()) != 0 {
		t.Errorf("hits = %d, waits = %v; want 1 hit and no wait", cnt.hits.Load(), log.get())
	}
}

func TestWithoutRetriesSendsEveryRequestOnce(t *testing.T) {
	srv, cnt := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c, _ := newTestClient(t, srv, WithoutRetries())
	err := c.core.do(context.Background(), &request{method: http.MethodGet, path: "/users"}, nil)
	if !IsRateLimited(err) || cnt.hits.Load() != 1 {
		t.Errorf("err = %v, hits = %d; want a 429 after 1 hit", err, cnt.hits.Load())
	}
}

func TestCanceledContextDuringBackoffReturnsPromptly(t *testing.T) {
	srv, cnt := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "20")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	c, _ := newTestClient(t, srv)
	c.core.sleep = sleepContext // really wait, for ctx to interrupt
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err := c.core.do(ctx, &request{method: http.MethodGet, path: "/users"}, nil)
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("returned after %v", elapsed)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled reachable", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 {
		t.Errorf("err = %v, want the last 503 reachable", err)
	}
	if cnt.hits.Load() != 1 {
		t.Errorf("hits = %d, want 1", cnt.hits.Load())
	}
}

func TestCanceledContextDuringRequestIsNotRetried(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv, cnt := newServer(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		cancel()
		<-r.Context().Done()
	})
	c, _ := newTestClient(t, srv)
	err := c.core.do(ctx, &request{method: http.MethodGet, path: "/users"}, nil)
	if !errors.Is(err, context.Canceled) || cnt.hits.Load() != 1 {
		t.Errorf("err = %v, hits = %d; want context.Canceled after 1 hit", err, cnt.hits.Load())
	}
}

func TestBackoffIsJitteredAndGrowsUpToTheMaximum(t *testing.T) {
	p := RetryPolicy{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}.withDefaults()
	bases := []time.Duration{100, 200, 400, 800, 1000, 1000, 1000}
	for n, base := range bases {
		base *= time.Millisecond
		seen := map[time.Duration]bool{}
		for range 200 {
			d := p.backoff(n)
			if d < base/2 || d > base {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, base/2, base)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Errorf("backoff(%d) took only %d distinct values in 200 draws", n, len(seen))
		}
	}
	if d := p.backoff(1000); d > time.Second {
		t.Errorf("backoff(1000) = %v overflowed the maximum", d)
	}
}

func TestDefaultRetryPolicyAndZeroFieldsTakeTheDocumentedDefaults(t *testing.T) {
	want := RetryPolicy{MaxRetries: 3, MinBackoff: 500 * time.Millisecond, MaxBackoff: 8 * time.Second, MaxRetryAfter: 30 * time.Second}
	if got := DefaultRetryPolicy(); got != want {
		t.Errorf("DefaultRetryPolicy() = %+v, want %+v", got, want)
	}
	c, err := NewClient(testKey, WithRetryPolicy(RetryPolicy{MaxRetries: 5}))
	if err != nil {
		t.Fatal(err)
	}
	want.MaxRetries = 5
	if c.core.retry != want {
		t.Errorf("policy = %+v, want %+v", c.core.retry, want)
	}
	c, _ = NewClient(testKey, WithRetryPolicy(RetryPolicy{MaxRetries: 1, MinBackoff: 10 * time.Second}))
	if c.core.retry.MaxBackoff != 10*time.Second {
		t.Errorf("MaxBackoff = %v, want it raised to MinBackoff", c.core.retry.MaxBackoff)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{" 7 ", 7 * time.Second, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"99999999999999999999", 0, false},
		{"9999999999999", time.Duration(1<<63-1) / time.Second * time.Second, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestRetriedResponseBodiesAreDrainedSoConnectionsAreReused(t *testing.T) {
	var conns atomic.Int64
	h := &counter{h: func(n int64, w http.ResponseWriter, r *http.Request) {
		if n <= 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `{"errors":[{"code":"unavailable","message":"try later"}]}`)
			return
		}
		w.Write([]byte(`{}`))
	}}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c, _ := newTestClient(t, srv)
	if err := c.core.do(context.Background(), &request{method: http.MethodGet, path: "/users"}, nil); err != nil {
		t.Fatal(err)
	}
	if h.hits.Load() != 4 || conns.Load() != 1 {
		t.Errorf("hits = %d over %d connections; want 4 over 1", h.hits.Load(), conns.Load())
	}
}
