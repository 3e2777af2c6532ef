package specs

import (
	"bytes"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
)

// fuzzTargets are operations whose bodies the fuzz tests throw bytes at.
var fuzzTargets = []struct {
	version, method, target, ct string
	seed                        string
}{
	{v2021, "POST", "/users", "application/json", typicalUser},
	{v2021, "PATCH", "/users/user_1", "application/json", `{"first_name":"a","public_metadata":{"a":[1,2]},"create_organizations_limit":2}`},
	{v2021, "POST", "/organizations/org_1/memberships", "application/json", `{"user_id":"u","role":"admin"}`},
	{v2021, "POST", "/organizations/org_1/invitations/bulk", "application/json", `[{"email_address":"a@b.c","role":"admin","public_metadata":{}}]`},
	{v2021, "POST", "/users", "application/x-www-form-urlencoded", "first_name=a&email_address[]=b&create_organizations_limit=2&public_metadata=%7B%7D"},
	{v2021, "POST", "/users/user_1/profile_image", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nxx\r\n--b--\r\n"},
	{v2021, "GET", "/users?limit=5", "application/json", `{}`},
	{v2026, "POST", "/saml_connections", "application/json", `{"name":"n","provider":"saml_custom","domain":"x","login_hint":{"mode":"email_address"},"attribute_mapping":{"user_id":"a"}}`},
}

// checkOutcome fails t unless err is nil or an *Error a client caused.
func checkOutcome(t testing.TB, err error, body []byte) {
	t.Helper()
	if err == nil {
		return
	}
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("body %q: error %T %v is not an *Error", body, err, err)
	}
	switch e.Status {
	case 400, 413, 415, 422:
	default:
		t.Fatalf("body %q: status %d (%v)", body, e.Status, e)
	}
	if e.Code == "" || e.Message == "" || e.LongMessage == "" {
		t.Fatalf("body %q: incomplete error %+v", body, e)
	}
}

func TestRandomBodiesNeverPanicAndAlwaysGiveAnError(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte(`{}[]":,0123456789.-eE+ \ntruefalsenull"abc\u00e9` + "\x00\xff")
	for _, ft := range fuzzTargets {
		for i := 0; i < 400; i++ {
			var body []byte
			switch i % 3 {
			case 0: // random bytes
				body = make([]byte, rng.IntN(64))
				for j := range body {
					body[j] = byte(rng.UintN(256))
				}
			case 1: // JSON-ish noise
				body = make([]byte, rng.IntN(64))
				for j := range body {
					body[j] = alphabet[rng.IntN(len(alphabet))]
				}
			default: // the seed with a few bytes changed, cut or repeated
				body = []byte(ft.seed)
				for k := rng.IntN(4); k >= 0; k-- {
					body[rng.IntN(len(body))] = alphabet[rng.IntN(len(alphabet))]
				}
				if rng.IntN(4) == 0 {
					body = body[:rng.IntN(len(body))]
				}
			}
			req := newRequest(ft.method, ft.target, ft.ct, bytes.NewReader(body))
			_, err := validate(t, ft.version, req)
			checkOutcome(t, err, body)
		}
	}
}

func TestRandomQueriesNeverPanic(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pieces := []string{"limit", "offset", "=", "&", "%", "%2", "%zz", ";", "1", "-1", "1e3", "abc", "paginated", "true", "email_address", "status", "active", "[]", "+"}
	for i := 0; i < 1000; i++ {
		var b strings.Builder
		for k := rng.IntN(8); k >= 0; k-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		req, err := http.NewRequest("GET", "http://localhost/v1/sessions", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.RawQuery = b.String()
		_, err = validate(t, v2021, req)
		checkOutcome(t, err, []byte(b.String()))
	}
}

func FuzzValidateRequestBody(f *testing.F) {
	for i, ft := range fuzzTargets {
		f.Add(i, []byte(ft.seed))
	}
	f.Fuzz(func(t *testing.T, i int, body []byte) {
		ft := fuzzTargets[uint(i)%uint(len(fuzzTargets))]
		_, err := validate(t, ft.version, newRequest(ft.method, ft.target, ft.ct, bytes.NewReader(body)))
		checkOutcome(t, err, body)
	})
}
