package requestfuzz

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkgo/clerk/api"
	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/httpapi"
	"github.com/clerkgo/clerk/emulator/specs"
	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/emulator/store/postgres"
	"github.com/clerkgo/clerk/emulator/store/postgres/pgtest"
	"github.com/clerkgo/clerk/emulator/store/sqlite"
)

// The budget of a run: CI runs the defaults; a longer run is
//
//	go test ./emulator/internal/requestfuzz -run . -requestfuzz.n 50000 -requestfuzz.seed 7 -timeout 2h
var (
	seedFlag  = flag.Uint64("requestfuzz.seed", 1, "seed of the request sequence")
	countFlag = flag.Int("requestfuzz.n", 2000, "requests per run")
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const secretKey = "sk_test_requestfuzz0000000000000000000000000"

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
)

func signingKey(t *testing.T) *rsa.PrivateKey {
	keyOnce.Do(func() {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return key
}

// tickingClock returns start, start+1ms, start+2ms, ...: two servers given
// the same calls read the same times, and no two events share a moment.
func tickingClock(start time.Time) func() time.Time {
	var mu sync.Mutex
	n := 0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		n++
		return start.Add(time.Duration(n) * time.Millisecond)
	}
}

// server is a local Backend API under test, with its log kept.
type server struct {
	name    string
	url     string
	handler *httpapi.Handler
	mu      sync.Mutex
	log     bytes.Buffer
}

func (s *server) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.Write(p)
}

// logFor returns the lines of the server's log about a trace ID.
func (s *server) logFor(a *Answer) string {
	trace := a.Header.Get("X-Clerk-Trace-Id")
	s.mu.Lock()
	defer s.mu.Unlock()
	var lines []string
	for line := range strings.SplitSeq(s.log.String(), "\n") {
		if trace != "" && strings.Contains(line, trace) {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "\n")
}

// start runs a server on st whose randomness comes from seed and whose
// clock starts at start.
func start(t *testing.T, name string, st store.Store, seed uint64, startAt time.Time) *server {
	t.Helper()
	var chachaSeed [32]byte
	binary.LittleEndian.PutUint64(chachaSeed[:], seed)
	svc, err := emulator.New(t.Context(), st, emulator.Options{SecretKey: secretKey, SigningKey: signingKey(t),
		Rand: mrand.NewChaCha8(chachaSeed), Now: tickingClock(startAt)})
	if err != nil {
		t.Fatal(err)
	}
	s := &server{name: name}
	s.handler = httpapi.New(svc, slog.New(slog.NewTextHandler(s, nil)))
	hs := httptest.NewServer(s.handler)
	t.Cleanup(hs.Close)
	s.url = hs.URL
	return s
}

func openSQLite(t *testing.T) store.Store {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "clerk.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func openPostgres(t *testing.T) store.Store {
	st, err := postgres.Open(t.Context(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// generator returns the generator of the run over what srv implements.
func generator(t *testing.T, srv *server, seed uint64) *Generator {
	t.Helper()
	ops, err := LoadOps(api.Specs, []string{"2021-02-05", "2026-05-12"}, srv.handler.Implements)
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) < 50 {
		t.Fatalf("only %d implemented operations found", len(ops))
	}
	return NewGenerator(seed, ops, secretKey, specs.NewRegistry(api.Specs).Versions())
}

const requestTimeout = 30 * time.Second

// maxReported bounds the failures a run reports one by one.
const maxReported = 15

// TestProperties sends the run's requests to a server on each store: no
// answer may be a 5xx (but 501 operation_not_supported), every error must
// be in Clerk's format, no request may hang, and the server must be
// serving at the end.
func TestProperties(t *testing.T) {
	for _, backend := range []struct {
		name string
		open func(*testing.T) store.Store
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			srv := start(t, backend.name, backend.open(t), *seedFlag, time.Now().Truncate(time.Second))
			g := generator(t, srv, *seedFlag)
			client := &http.Client{}
			failures, statuses := 0, map[int]int{}
			began := time.Now()
			for i := range *countFlag {
				r := g.Next()
				a, err := Send(t.Context(), client, srv.url, r, requestTimeout)
				if err != nil {
					t.Fatalf("request %d: %s: %v", i, r, err)
				}
				statuses[a.Status]++
				if err := Check(r, a); err != nil {
					failures++
					if failures <= maxReported {
						t.Errorf("request %d: %s\n  → %v\n  log: %s", i, r, err, srv.logFor(a))
					}
					continue
				}
				g.Learn(r, a.Status, a.Body)
			}
			if failures > 0 {
				t.Errorf("%d of %d answers broke a property (seed %d)", failures, *countFlag, *seedFlag)
			}
			wantAlive(t, client, srv)
			t.Logf("%d requests in %v; answers by status: %v", *countFlag, time.Since(began).Round(time.Millisecond), statuses)
		})
	}
}

// wantAlive fails t unless srv still reads and writes. The run may have
// turned the instance's restrictions on (the allowlist would refuse the
// new user's address): they are turned off first.
func wantAlive(t *testing.T, client *http.Client, srv *server) {
	t.Helper()
	h := http.Header{"Authorization": {"Bearer " + secretKey}, "Content-Type": {"application/json"}}
	email := fmt.Sprintf("alive%d@example.com", time.Now().UnixNano())
	for _, r := range []*Request{
		{Op: &Op{ID: "GetJWKS"}, Method: "GET", Path: "/jwks", Header: h},
		{Op: &Op{ID: "UpdateInstanceRestrictions"}, Method: "PATCH", Path: "/instance/restrictions", Header: h,
			Body: []byte(`{"allowlist":false,"blocklist":false}`)},
		{Op: &Op{ID: "CreateUser"}, Method: "POST", Path: "/users", Header: h, Body: []byte(`{"email_address":["` + email + `"]}`)},
	} {
		a, err := Send(t.Context(), client, srv.url, r, requestTimeout)
		if err != nil || a.Status != http.StatusOK {
			t.Fatalf("%s: the server is not serving after the run: %v %v", r, err, a)
		}
	}
}

// TestDifferential sends the run's requests to a SQLite and a PostgreSQL
// server side by side, both with the same randomness and clock: every
// answer must be the same, trace IDs aside.
func TestDifferential(t *testing.T) {
	startAt := time.Now().Truncate(time.Second)
	lite := start(t, "sqlite", openSQLite(t), *seedFlag, startAt)
	pg := start(t, "postgres", openPostgres(t), *seedFlag, startAt)
	g := generator(t, lite, *seedFlag)
	client := &http.Client{}
	diffs := 0
	began := time.Now()
	for i := range *countFlag {
		r := g.Next()
		a, err := Send(t.Context(), client, lite.url, r, requestTimeout)
		if err != nil {
			t.Fatalf("request %d to sqlite: %s: %v", i, r, err)
		}
		b, err := Send(t.Context(), client, pg.url, r, requestTimeout)
		if err != nil {
			t.Fatalf("request %d to postgres: %s: %v", i, r, err)
		}
		if na, nb := Normalize(a), Normalize(b); na != nb {
			diffs++
			if diffs <= maxReported {
				t.Errorf("request %d: %s\n  sqlite:   %.500s\n  postgres: %.500s\n  log: %s%s", i, r, na, nb,
					lite.logFor(a), pg.logFor(b))
			}
		}
		g.Learn(r, a.Status, a.Body)
	}
	if diffs > 0 {
		t.Errorf("%d of %d answers differ between SQLite and PostgreSQL (seed %d)", diffs, *countFlag, *seedFlag)
	}
	t.Logf("%d requests to each store in %v", *countFlag, time.Since(began).Round(time.Millisecond))
}

// TestGeneratorIsReproducible: one seed, one sequence of requests.
func TestGeneratorIsReproducible(t *testing.T) {
	ops, err := LoadOps(api.Specs, []string{"2021-02-05", "2026-05-12"}, func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	a := NewGenerator(3, ops, secretKey, []string{"2021-02-05"})
	b := NewGenerator(3, ops, secretKey, []string{"2021-02-05"})
	c := NewGenerator(4, ops, secretKey, []string{"2021-02-05"})
	same := 0
	for i := range 500 {
		ra, rb, rc := a.Next(), b.Next(), c.Next()
		if ra.String() != rb.String() || !bytes.Equal(ra.Body, rb.Body) {
			t.Fatalf("request %d differs for one seed:\n%s\n%s", i, ra, rb)
		}
		if ra.String() == rc.String() {
			same++
		}
		body := []byte(`{"id":"user_` + strings.Repeat("a", 26) + fmt.Sprint(i%10) + `"}`)
		a.Learn(ra, 200, body)
		b.Learn(rb, 200, body)
	}
	if same > 50 {
		t.Fatalf("seeds 3 and 4 gave %d equal requests of 500", same)
	}
}

// TestCheckRefusesWhatItMust: the properties are not vacuous.
func TestCheckRefusesWhatItMust(t *testing.T) {
	r := &Request{Op: &Op{ID: "GetUser"}, Method: "GET", Path: "/users/x"}
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	good := `{"errors":[{"message":"m","long_message":"l","code":"resource_not_found"}],"clerk_trace_id":"t"}`
	for _, c := range []struct {
		name   string
		a      Answer
		wantOK bool
	}{
		{"404 in Clerk's format", Answer{404, jsonCT, []byte(good)}, true},
		{"500", Answer{500, jsonCT, []byte(strings.Replace(good, "resource_not_found", "internal_clerk_error", 1))}, false},
		{"501 operation_not_supported", Answer{501, jsonCT, []byte(strings.Replace(good, "resource_not_found", "operation_not_supported", 1))}, true},
		{"501 other", Answer{501, jsonCT, []byte(good)}, false},
		{"400 plain text", Answer{400, http.Header{"Content-Type": {"text/plain"}}, []byte("Bad Request")}, false},
		{"422 without code", Answer{422, jsonCT, []byte(`{"errors":[{"message":"m","long_message":"l"}],"clerk_trace_id":"t"}`)}, false},
		{"422 without errors", Answer{422, jsonCT, []byte(`{"errors":[],"clerk_trace_id":"t"}`)}, false},
		{"422 without trace", Answer{422, jsonCT, []byte(`{"errors":[{"message":"m","long_message":"l","code":"c"}]}`)}, false},
		{"200 not JSON", Answer{200, jsonCT, []byte(`{`)}, false},
		{"200 JSON", Answer{200, jsonCT, []byte(`{"id":"x"}`)}, true},
	} {
		if err := Check(r, &c.a); (err == nil) != c.wantOK {
			t.Errorf("%s: Check = %v, want ok %v", c.name, err, c.wantOK)
		}
	}
	a := Answer{404, jsonCT, []byte(strings.Replace(good, `"t"`, `"abc"`, 1))}
	b := Answer{404, jsonCT, []byte(strings.Replace(good, `"t"`, `"xyz"`, 1))}
	if Normalize(&a) != Normalize(&b) {
		t.Error("Normalize keeps the trace ID")
	}
	b.Status = 422
	if Normalize(&a) == Normalize(&b) {
		t.Error("Normalize drops the status")
	}
}

// TestReportedRequestsAnswerAlike sends the requests of the bug report
// (NUL in a body, a query and a path answered 500 on PostgreSQL) and more
// of their kind to both stores: each answer is the one documented in
// package specs (text.go), the same on both.
func TestReportedRequestsAnswerAlike(t *testing.T) {
	startAt := time.Now().Truncate(time.Second)
	lite := start(t, "sqlite", openSQLite(t), 1, startAt)
	pg := start(t, "postgres", openPostgres(t), 1, startAt)
	h := http.Header{"Authorization": {"Bearer " + secretKey}, "Content-Type": {"application/json"}}
	long := strings.Repeat("x", 3000)
	for _, c := range []struct {
		method, path, query, body string
		status                    int
		code, param               string
	}{
		{"POST", "/users", "", `{"email_address":["a@example.com"],"first_name":"a\u0000b"}`, 422, "form_param_value_invalid", "first_name"},
		{"POST", "/users", "", `{"email_address":["b@example.com"],"external_id":"x\u0000"}`, 422, "form_param_value_invalid", "external_id"},
		{"POST", "/users", "", `{"email_address":["c@example.com"],"public_metadata":{"k":["ok","a\u0000"]}}`, 422, "form_param_value_invalid", "public_metadata.k.1"},
		{"POST", "/users", "", `{"email_address":["c@example.com"],"unsafe_metadata":{"k\u0000":1}}`, 422, "form_param_value_invalid", "unsafe_metadata.k\x00"},
		{"POST", "/users", "", "{\"email_address\":[\"c@example.com\"],\"first_name\":\"\xff\"}", 400, "request_body_invalid", ""},
		{"POST", "/users", "", `{"email_address":["d@example.com"],"first_name":"` + long + `"}`, 422, "form_param_max_length_exceeded", "first_name"},
		{"POST", "/users", "", `{"email_address":["e@example.com"],"external_id":"` + long + `"}`, 422, "form_param_max_length_exceeded", "external_id"},
		{"POST", "/users", "", `{"email_address":["` + long + `@example.com"]}`, 422, "form_param_format_invalid", "email_address"},
		{"POST", "/jwt_templates", "", `{"name":"` + long + `","claims":{}}`, 422, "form_param_max_length_exceeded", "name"},
		{"GET", "/users", "email_address=a%00b", "", 422, "form_param_value_invalid", "email_address"},
		{"GET", "/users", "query=%ff", "", 422, "form_param_value_invalid", "query"},
		{"GET", "/users/count", "external_id=%C0%80", "", 422, "form_param_value_invalid", "external_id"},
		{"GET", "/phone_numbers/%00", "", "", 422, "form_param_value_invalid", "phone_number_id"},
		{"DELETE", "/users/%00/mfa", "", "", 422, "form_param_value_invalid", "user_id"},
		{"GET", "/users/ok%C3", "", "", 422, "form_param_value_invalid", "user_id"},
		{"GET", "/clients/" + long, "", "", 404, "resource_not_found", ""},
		{"GET", "/users", "query=" + strings.Repeat("q", 60000), "", 422, "form_param_max_length_exceeded", "query"},
		{"GET", "/users/count", "query=" + strings.Repeat("q", 257), "", 422, "form_param_max_length_exceeded", "query"},
		{"GET", "/users", "email_address=" + strings.Repeat("a@example.com&email_address=", 100) + "b@example.com", "", 422, "form_param_array_size_exceeded", "email_address"},
		{"POST", "/users", "", `{"email_address":["f@example.com"],"first_name":"Zoë 🙂","public_metadata":{"k":"\u2028"}}`, 200, "", ""},
	} {
		r := &Request{Op: &Op{ID: c.method + " " + c.path}, Method: c.method, Path: c.path, Query: c.query, Header: h, Body: []byte(c.body)}
		a, err := Send(t.Context(), &http.Client{}, lite.url, r, requestTimeout)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Send(t.Context(), &http.Client{}, pg.url, r, requestTimeout)
		if err != nil {
			t.Fatal(err)
		}
		if na, nb := Normalize(a), Normalize(b); na != nb {
			t.Errorf("%s: the stores answer differently:\n  sqlite:   %.400s\n  postgres: %.400s", r, na, nb)
		}
		if a.Status != c.status {
			t.Errorf("%s: status %d, want %d: %.300s", r, a.Status, c.status, a.Body)
			continue
		}
		if c.code == "" {
			continue
		}
		var body struct {
			Errors []struct {
				Code string            `json:"code"`
				Meta map[string]string `json:"meta"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(a.Body, &body); err != nil || len(body.Errors) != 1 {
			t.Errorf("%s: error body %.300s", r, a.Body)
			continue
		}
		if e := body.Errors[0]; e.Code != c.code || e.Meta["param_name"] != c.param {
			t.Errorf("%s: code %q param %q, want %q %q", r, e.Code, e.Meta["param_name"], c.code, c.param)
		}
	}
}
