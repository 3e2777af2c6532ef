package httpbench

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// The goals compare two benchmarks, but this machine's speed drifts by
// tens of per cent over seconds (it is shared), and separate benchmarks
// run seconds apart. The paired benchmarks alternate the two sides in
// short slices of requests, through the same 16 clients, so that both see
// the same drift, and report the ratio of their total times.

// pairSlice runs n requests of send through the clients and returns how
// long they took.
func pairSlice(b *testing.B, c *http.Client, n int64, send requester) time.Duration {
	var next atomic.Int64
	t0 := time.Now()
	if err := runClients(c, &next, n, send, nil); err != nil {
		b.Fatal(err)
	}
	return time.Since(t0)
}

// paired alternates slices of n requests of a and of z, one of each per
// iteration, and reports each side's requests per second and z's time
// over a's (unit ratioUnit).
func paired(b *testing.B, n int64, aName string, a requester, zName string, z requester, ratioUnit string) {
	c := newClient()
	defer c.CloseIdleConnections()
	pairSlice(b, c, 8*clients, a) // open the connections, warm both sides
	pairSlice(b, c, 8*clients, z)
	var aSum, zSum time.Duration
	for b.Loop() {
		aSum += pairSlice(b, c, n, a)
		zSum += pairSlice(b, c, n, z)
	}
	reqs := float64(n) * float64(b.N)
	b.ReportMetric(reqs/aSum.Seconds(), aName+"-req/s")
	b.ReportMetric(reqs/zSum.Seconds(), zName+"-req/s")
	b.ReportMetric(float64(zSum)/float64(aSum), ratioUnit)
}

// BenchmarkPairedGetUser alternates slices of 512 hello-world requests and
// 512 GET /v1/users/{id}. x-ceiling is GET user's time over the
// ceiling's: its requests per second are 1/x-ceiling of the ceiling's.
func BenchmarkPairedGetUser(b *testing.B) {
	hello := fixture(b, "hello", helloServer)
	s := fixture(b, "users-1k", usersServer(1_000))
	ids := s.UserIDs
	paired(b, 512,
		"ceiling", func(c *http.Client, i int64) error {
			req, err := http.NewRequest(http.MethodGet, hello.URL+"/", nil)
			if err != nil {
				return err
			}
			return do(c, req, http.StatusOK)
		},
		"getuser", func(c *http.Client, i int64) error {
			return do(c, s.newRequest(http.MethodGet, "/v1/users/"+ids[i%int64(len(ids))], ""), http.StatusOK)
		},
		"x-ceiling")
}

// BenchmarkPairedListUsers alternates slices of 64 GET /v1/users?limit=100
// from the databases of 1,000 and of 100,000 users. x-1k is the 100k
// side's time over the 1k side's.
func BenchmarkPairedListUsers(b *testing.B) {
	list := func(s *server) requester {
		return func(c *http.Client, i int64) error {
			return do(c, s.newRequest(http.MethodGet, "/v1/users?limit=100", ""), http.StatusOK)
		}
	}
	s1k := fixture(b, "users-1k", usersServer(1_000))
	s100k := fixture(b, "users-100k", usersServer(100_000))
	paired(b, 64, "1k", list(s1k), "100k", list(s100k), "x-1k")
}
