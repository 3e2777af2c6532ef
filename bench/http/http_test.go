package httpbench

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clients is the number of concurrent clients of every benchmark.
const clients = 16

// newClient returns an HTTP/1.1 client that keeps a connection per client
// goroutine alive.
func newClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        4 * clients,
			MaxIdleConnsPerHost: 4 * clients,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
		Timeout: 30 * time.Second,
	}
}

// requester sends request number i and returns an error unless the server
// answered as expected. It must read and close the body.
type requester func(c *http.Client, i int64) error

// newRequest builds a Backend API request with the server's secret key.
func (s *server) newRequest(method, path string, body string) *http.Request {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		panic(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.SecretKey)
	req.Header.Set("Clerk-API-Version", apiVersion)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// do sends req and drains the answer, which must have status want.
func do(c *http.Client, req *http.Request, want int) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return fmt.Errorf("%s %s: HTTP %d: %s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// load runs b.N requests through clients goroutines sharing one
// keep-alive client, and reports requests per second and the p50 and p99
// of the requests' durations. The connections are opened and the server
// warmed by 8 requests per client before the timer starts.
func load(b *testing.B, send requester) {
	c := newClient()
	defer c.CloseIdleConnections()
	var warm atomic.Int64
	if err := runClients(c, &warm, 8*clients, send, nil); err != nil {
		b.Fatalf("warming up: %v", err)
	}

	durs := make([][]time.Duration, clients)
	for g := range durs {
		durs[g] = make([]time.Duration, 0, b.N/clients+1)
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	err := runClients(c, &next, int64(b.N), send, durs)
	elapsed := time.Since(start)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}

	all := slices.Concat(durs...)
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(percentile(all, 50))/1e3, "p50-us")
	b.ReportMetric(float64(percentile(all, 99))/1e3, "p99-us")
}

// runClients sends requests numbered next.Add(1)-1 until that reaches n,
// from clients goroutines, recording each request's duration in durs[g]
// when durs is not nil. It returns the first error; the goroutine that
// met it stops, the others go on.
func runClients(c *http.Client, next *atomic.Int64, n int64, send requester, durs [][]time.Duration) error {
	var (
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	for g := range clients {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				err := send(c, i)
				if durs != nil {
					durs[g] = append(durs[g], time.Since(t0))
				}
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

// percentile returns the p-th percentile of sorted durations (nearest
// rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100 // ceil(len * p / 100)
	return sorted[max(i-1, 0)]
}

// BenchmarkHelloWorld is the ceiling: a net/http handler that writes 14
// bytes, served and requested exactly like the emulator's benchmarks.
func BenchmarkHelloWorld(b *testing.B) {
	s := fixture(b, "hello", helloServer)
	load(b, func(c *http.Client, i int64) error {
		req, err := http.NewRequest(http.MethodGet, s.URL+"/", nil)
		if err != nil {
			return err
		}
		return do(c, req, http.StatusOK)
	})
}

// BenchmarkGetUser is GET /v1/users/{id}, cycling through 500 users of a
// database of 1,000.
func BenchmarkGetUser(b *testing.B) {
	s := fixture(b, "users-1k", usersServer(1_000))
	ids := s.UserIDs
	load(b, func(c *http.Client, i int64) error {
		return do(c, s.newRequest(http.MethodGet, "/v1/users/"+ids[i%int64(len(ids))], ""), http.StatusOK)
	})
}

// createSeq keeps the email addresses of BenchmarkCreateUser unique
// across its calls.
var createSeq atomic.Int64

// BenchmarkCreateUser is POST /v1/users with an email address and a first
// name, no password, into a database that starts empty. Each request is a
// durable SQLite write (WAL, synchronous=FULL).
func BenchmarkCreateUser(b *testing.B) {
	s := fixture(b, "empty", emptyServer)
	load(b, func(c *http.Client, i int64) error {
		body := fmt.Sprintf(`{"email_address":["bench%d@example.com"],"first_name":"Bench"}`, createSeq.Add(1))
		return do(c, s.newRequest(http.MethodPost, "/v1/users", body), http.StatusOK)
	})
}

// BenchmarkListUsers is GET /v1/users?limit=100 (the 100 newest users)
// from databases of 1,000 and 100,000 users.
func BenchmarkListUsers(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		b.Run(fmt.Sprintf("users=%dk", n/1000), func(b *testing.B) {
			s := fixture(b, fmt.Sprintf("users-%dk", n/1000), usersServer(n))
			load(b, func(c *http.Client, i int64) error {
				return do(c, s.newRequest(http.MethodGet, "/v1/users?limit=100", ""), http.StatusOK)
			})
		})
	}
}

// TestEndpointsAnswer checks, on small databases, that every request the
// benchmarks send gets the answer they expect, so that a benchmark never
// measures an error path.
func TestEndpointsAnswer(t *testing.T) {
	c := newClient()
	defer c.CloseIdleConnections()
	get := func(req *http.Request, v any) {
		t.Helper()
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: HTTP %d: %s", req.Method, req.URL, resp.StatusCode, body)
		}
		if v != nil {
			if err := json.Unmarshal(body, v); err != nil {
				t.Fatalf("%s %s: %v", req.Method, req.URL, err)
			}
		}
	}

	hello := fixture(t, "hello", helloServer)
	req, _ := http.NewRequest(http.MethodGet, hello.URL+"/", nil)
	get(req, nil)

	s := fixture(t, "test-users-150", func(tb testing.TB) *server {
		path := processTempDir(tb) + "/test-users-150.db"
		if err := buildUsersDB(path, 150); err != nil {
			tb.Fatal(err)
		}
		return serve(tb, path)
	})
	if len(s.UserIDs) != 150 {
		t.Fatalf("%d user IDs; want 150", len(s.UserIDs))
	}
	var user struct{ ID string }
	get(s.newRequest(http.MethodGet, "/v1/users/"+s.UserIDs[7], ""), &user)
	if user.ID != s.UserIDs[7] {
		t.Fatalf("GET /v1/users/%s answered user %q", s.UserIDs[7], user.ID)
	}
	var list []struct{ ID string }
	get(s.newRequest(http.MethodGet, "/v1/users?limit=100", ""), &list)
	if len(list) != 100 || list[0].ID != s.UserIDs[0] {
		t.Fatalf("GET /v1/users?limit=100: %d users", len(list))
	}
	var created struct{ ID string }
	get(s.newRequest(http.MethodPost, "/v1/users", `{"email_address":["new@example.com"],"first_name":"Bench"}`), &created)
	if !strings.HasPrefix(created.ID, "user_") {
		t.Fatalf("POST /v1/users answered id %q", created.ID)
	}
}
