package clerktest_test

import (
	"testing"

	"github.com/clerkgo/clerk"
	"github.com/clerkgo/clerk/clerktest"
)

// BenchmarkNewServerAndFirstCreateUser measures what a test pays for a
// server of its own: NewServer and its first request, once the test
// binary has started one server (which parsed the specs and made the
// signing key). Run it as BENCHMARKS.md says.
func BenchmarkNewServerAndFirstCreateUser(b *testing.B) {
	clerktest.NewServer(b) // the first server of the binary pays the one-time costs
	params := &clerk.UsersCreateParams{EmailAddress: []string{"ada@example.com"}}
	for b.Loop() {
		srv := clerktest.NewServer(b)
		if u := srv.CreateUser(b, params); u.ID == "" {
			b.Fatal("no user ID")
		}
	}
}
