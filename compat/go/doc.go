// Package compat checks that Clerk's official Go SDK,
// github.com/clerk/clerk-sdk-go/v2, works against the local Backend API
// (package github.com/clerkgo/clerk/clerktest): its Backend API calls, and
// its session-token verification both with a given JWK and with the JWKS
// it fetches from the emulator.
//
// It is a module of its own, so the library never depends on the SDK it is
// checked against. Run it with compat/run.sh, or alone:
//
//	cd compat/go && go test ./...
package compat
