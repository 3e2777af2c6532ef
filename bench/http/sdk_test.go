package httpbench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	clerksdk "github.com/clerk/clerk-sdk-go/v2"
	clerksdkuser "github.com/clerk/clerk-sdk-go/v2/user"

	"github.com/clerkgo/clerk"
)

// BenchmarkSDKUsersGet is the SDK's overhead per call, beside Clerk's own
// Go SDK in one run: Users.Get of one user, one call at a time, each SDK
// with an HTTP client of its own on loopback (keep-alive), each sending the
// API version it sends by default (ours 2026-05-12, clerk-sdk-go its own).
// The server answers each version with the bytes the local Backend API
// answered it once (cannedUsersGet), so that its own work is small and
// alike for both: the time and allocations are the SDKs' (with net/http's
// server side, the same for both).
func BenchmarkSDKUsersGet(b *testing.B) {
	s := cannedUsersGet(b, fixture(b, "users-1k", usersServer(1_000)))
	id := s.UserIDs[0]
	ctx := context.Background()
	b.Run("ClerkGo", func(b *testing.B) {
		c, err := clerk.NewClient(s.SecretKey, clerk.WithServerURL(s.URL+"/v1"), clerk.WithHTTPClient(&http.Client{}))
		if err != nil {
			b.Fatal(err)
		}
		if u, err := c.Users.Get(ctx, id); err != nil || u.ID != id {
			b.Fatalf("Users.Get: %v", err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := c.Users.Get(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ClerkSDKGo", func(b *testing.B) {
		url, key := s.URL+"/v1", s.SecretKey
		c := clerksdkuser.NewClient(&clerksdk.ClientConfig{BackendConfig: clerksdk.BackendConfig{
			HTTPClient: &http.Client{}, URL: &url, Key: &key}})
		if u, err := c.Get(ctx, id); err != nil || u.ID != id {
			b.Fatalf("user.Get: %v", err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := c.Get(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// cannedUsersGet serves GET /v1/users/{id} of s's first user with the
// answer s gave it for the Clerk-API-Version of the request, fetched once
// per version.
func cannedUsersGet(b *testing.B, s *server) *server {
	id := s.UserIDs[0]
	var mu sync.Mutex
	answers := map[string][]byte{}
	canned := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		version := r.Header.Get("Clerk-API-Version")
		mu.Lock()
		body, ok := answers[version]
		mu.Unlock()
		if !ok {
			req, _ := http.NewRequest(http.MethodGet, s.URL+"/v1/users/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+s.SecretKey)
			req.Header.Set("Clerk-API-Version", version)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			mu.Lock()
			answers[version] = body
			mu.Unlock()
		}
		if r.URL.Path != "/v1/users/"+id {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	b.Cleanup(canned.Close)
	return &server{URL: canned.URL, SecretKey: s.SecretKey, UserIDs: []string{id}}
}
