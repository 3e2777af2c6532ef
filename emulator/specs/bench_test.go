package specs

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func benchRoute(b *testing.B, method, path string) *Route {
	rt, err := reg.Match(v2021, method, path)
	if err != nil {
		b.Fatal(err)
	}
	return rt
}

func BenchmarkMatchGetUser(b *testing.B) {
	benchRoute(b, "GET", "/users/user_1")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Match(v2021, "GET", "/users/user_2abc"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatchPostUsers(b *testing.B) {
	benchRoute(b, "POST", "/users")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Match(v2021, "POST", "/users"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMatchDeepPath(b *testing.B) {
	benchRoute(b, "GET", "/users/u/oauth_access_tokens/oauth_google")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Match(v2021, "GET", "/users/user_2abc/oauth_access_tokens/oauth_google"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateRequestGetUser(b *testing.B) {
	rt := benchRoute(b, "GET", "/users/user_1")
	req := httptest.NewRequest("GET", "http://localhost/v1/users/user_1", nil)
	req.Body = http.NoBody
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.ValidateRequest(rt, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateRequestGetUserListWithQuery(b *testing.B) {
	rt := benchRoute(b, "GET", "/users")
	req := httptest.NewRequest("GET", "http://localhost/v1/users?limit=10&offset=20&email_address=a@b.c&order_by=-created_at", nil)
	req.Body = http.NoBody
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.ValidateRequest(rt, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateRequestPostUsers(b *testing.B) {
	rt := benchRoute(b, "POST", "/users")
	body := strings.NewReader(typicalUser)
	req := httptest.NewRequest("POST", "http://localhost/v1/users", body)
	req.Header.Set("Content-Type", "application/json")
	b.ReportAllocs()
	for b.Loop() {
		body.Reset(typicalUser)
		if _, err := reg.ValidateRequest(rt, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatchAndValidateGetUser is the validation cost of a simple GET
// as the server pays it.
func BenchmarkMatchAndValidateGetUser(b *testing.B) {
	benchRoute(b, "GET", "/users/user_1")
	req := httptest.NewRequest("GET", "http://localhost/v1/users/user_1", nil)
	req.Body = http.NoBody
	b.ReportAllocs()
	for b.Loop() {
		rt, err := reg.Match(v2021, req.Method, strings.TrimPrefix(req.URL.EscapedPath(), "/v1"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := reg.ValidateRequest(rt, req); err != nil {
			b.Fatal(err)
		}
	}
}
