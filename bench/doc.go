// Package bench compares the cost of verifying one Clerk session token with
// github.com/clerkgo/clerk/auth against the raw RSA verification floor and
// other Go JWT libraries. Everything lives in the _test.go files; run
//
//	for i in 1 2 3 4 5; do go test -run '^$' -bench . -count 20 -benchtime 2000x; done | go run ./cmd/benchtable
//
// and see BENCHMARKS.md at the repository root for the method and results.
package bench
