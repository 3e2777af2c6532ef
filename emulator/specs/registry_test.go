package specs

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/clerkgo/clerk/api"
)

// reg is shared by the tests that use the real specs, so that each spec
// is parsed once per test binary.
var reg = NewRegistry(api.Specs)

const (
	v2021 = "2021-02-05"
	v2026 = "2026-05-12"
)

// tinySpec is a minimal spec, for tests of the registry itself.
const tinySpec = `openapi: 3.0.3
info: {title: tiny, version: v1}
paths:
  /things/{id}:
    get:
      operationId: GetThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: ok}
`

func tinyFS() fstest.MapFS {
	return fstest.MapFS{
		"bapi-2021-02-05.yml": {Data: []byte(tinySpec)},
		"bapi-2030-01-01.yml": {Data: []byte(tinySpec)},
		"README.md":           {Data: []byte("not a spec")},
	}
}

func TestNewRegistryListsVersionsAndParsesNothing(t *testing.T) {
	r := NewRegistry(api.Specs)
	want := []string{"2021-02-05", "2024-10-01", "2025-03-12", "2025-04-10", "2025-11-10", "2026-05-12"}
	if got := r.Versions(); !slices.Equal(got, want) {
		t.Fatalf("Versions() = %v, want %v", got, want)
	}
	if n := r.parses.Load(); n != 0 {
		t.Fatalf("a new Registry parsed %d specs, want 0", n)
	}
}

func TestASpecIsParsedWhenARequestFirstNamesItsVersion(t *testing.T) {
	r := NewRegistry(tinyFS())
	if n := r.parses.Load(); n != 0 {
		t.Fatalf("parses after NewRegistry = %d, want 0", n)
	}
	for i := 0; i < 3; i++ {
		if _, err := r.Match("2030-01-01", "GET", "/things/a"); err != nil {
			t.Fatal(err)
		}
	}
	if n := r.parses.Load(); n != 1 {
		t.Fatalf("parses after three requests of one version = %d, want 1", n)
	}
	if _, err := r.Match("", "GET", "/things/a"); err != nil {
		t.Fatal(err)
	}
	if n := r.parses.Load(); n != 2 {
		t.Fatalf("parses after a request of a second version = %d, want 2", n)
	}
	if _, err := r.Match("1999-01-01", "GET", "/things/a"); err == nil {
		t.Fatal("unknown version matched")
	}
	if n := r.parses.Load(); n != 2 {
		t.Fatalf("an unknown version parsed something: parses = %d", n)
	}
}

func TestConcurrentFirstRequestsParseTheSpecOnce(t *testing.T) {
	r := NewRegistry(tinyFS())
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rt, err := r.Match("2030-01-01", "GET", "/things/x")
			if err == nil && rt.PathParams["id"] != "x" {
				err = errors.New("wrong path params")
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := r.parses.Load(); n != 1 {
		t.Fatalf("32 concurrent first requests parsed %d times, want 1", n)
	}
}

func TestLoadOfABrokenSpecIsAnError(t *testing.T) {
	r := NewRegistry(fstest.MapFS{"bapi-2021-02-05.yml": {Data: []byte("openapi: [")}})
	_, err := r.Match("", "GET", "/x")
	var e *Error
	if !errors.As(err, &e) || e.Status != 500 {
		t.Fatalf("Match on a broken spec = %v, want a 500 *Error", err)
	}
}

func TestEveryVersionCompiles(t *testing.T) {
	for _, v := range reg.Versions() {
		t.Run(v, func(t *testing.T) {
			// The other tests parse these two; parsing the others takes
			// seconds under the race detector, for nothing that the race
			// detector could find.
			if (testing.Short() || raceEnabled) && v != v2021 && v != v2026 {
				t.Skip("parsing this spec is slow under -race and -short")
			}
			t.Parallel()
			if err := reg.Load(v); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	type want struct {
		op     string
		params map[string]string
		status int
		code   string
		allow  []string
	}
	tests := []struct {
		name                  string
		version, method, path string
		want                  want
	}{
		{"no version means 2021-02-05", "", "GET", "/users", want{op: "GetUserList"}},
		{"a param route matches with its value", v2021, "GET", "/users/user_123", want{op: "GetUser", params: map[string]string{"user_id": "user_123"}}},
		{"a literal segment wins over a parameter", v2021, "GET", "/users/count", want{op: "GetUsersCount"}},
		{"the parameter branch serves a method the literal lacks", v2021, "DELETE", "/users/count", want{op: "DeleteUser", params: map[string]string{"user_id": "count"}}},
		{"path parameters are unescaped after splitting", v2021, "GET", "/users/user_%2Fx", want{op: "GetUser", params: map[string]string{"user_id": "user_/x"}}},
		{"two path parameters", v2021, "GET", "/users/u1/oauth_access_tokens/oauth_google", want{op: "GetOAuthAccessToken", params: map[string]string{"user_id": "u1", "provider": "oauth_google"}}},
		{"an escaped literal still matches", v2021, "GET", "/users/%63ount", want{op: "GetUsersCount"}},
		{"an unknown path is 404", v2021, "GET", "/nope", want{status: 404, code: "resource_not_found"}},
		{"a trailing slash is 404", v2021, "GET", "/users/", want{status: 404, code: "resource_not_found"}},
		{"an empty segment is 404", v2021, "GET", "/users//ban", want{status: 404, code: "resource_not_found"}},
		{"the root is 404", v2021, "GET", "/", want{status: 404, code: "resource_not_found"}},
		{"an empty path is 404", v2021, "GET", "", want{status: 404, code: "resource_not_found"}},
		{"a bad escape in a parameter is 404", v2021, "GET", "/users/%zz", want{status: 404, code: "resource_not_found"}},
		{"a known path with another method is 405", v2021, "PUT", "/users", want{status: 405, code: "method_not_allowed", allow: []string{"GET", "POST"}}},
		{"a lowercase method is 405", v2021, "get", "/users", want{status: 405, code: "method_not_allowed", allow: []string{"GET", "POST"}}},
		{"an unknown version is 400", "2020-01-01", "GET", "/users", want{status: 400, code: "api_version_invalid"}},
		{"POST /sessions is 405 under 2021-02-05, which only lists sessions", v2021, "POST", "/sessions", want{status: 405, code: "method_not_allowed", allow: []string{"GET"}}},
		{"POST /sessions exists under 2026-05-12", v2026, "POST", "/sessions", want{op: "createSession"}},
		{"a path only 2026-05-12 has is 404 under 2021-02-05", v2021, "POST", "/sessions/sess_1/refresh", want{status: 404, code: "resource_not_found"}},
		{"a path only 2026-05-12 has matches under it", v2026, "POST", "/sessions/sess_1/refresh", want{op: "RefreshSession", params: map[string]string{"session_id": "sess_1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt, err := reg.Match(tt.version, tt.method, tt.path)
			if tt.want.status != 0 {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("Match = %v, %v; want *Error %d", rt, err, tt.want.status)
				}
				if e.Status != tt.want.status || e.Code != tt.want.code || !slices.Equal(e.Allow, tt.want.allow) {
					t.Fatalf("error = %d %s allow %v, want %d %s allow %v", e.Status, e.Code, e.Allow, tt.want.status, tt.want.code, tt.want.allow)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rt.OperationID != tt.want.op {
				t.Fatalf("OperationID = %q, want %q", rt.OperationID, tt.want.op)
			}
			wantVersion := tt.version
			if wantVersion == "" {
				wantVersion = DefaultVersion
			}
			if rt.Version != wantVersion || rt.Method != tt.method {
				t.Fatalf("Version, Method = %q, %q", rt.Version, rt.Method)
			}
			if len(rt.PathParams) != len(tt.want.params) {
				t.Fatalf("PathParams = %v, want %v", rt.PathParams, tt.want.params)
			}
			for k, v := range tt.want.params {
				if rt.PathParams[k] != v {
					t.Fatalf("PathParams = %v, want %v", rt.PathParams, tt.want.params)
				}
			}
		})
	}
}

func TestTheVersionErrorNamesTheSupportedVersions(t *testing.T) {
	_, err := reg.Match("nope", "GET", "/users")
	e := err.(*Error)
	for _, v := range reg.Versions() {
		if !contains(e.LongMessage, v) {
			t.Fatalf("message %q does not name %s", e.LongMessage, v)
		}
	}
}
