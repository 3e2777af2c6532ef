// Package httpbench measures the local Backend API (the emulator) over HTTP
// on loopback: requests per second and p50/p99 latency with 16 concurrent
// clients, next to a hello-world net/http handler as the ceiling. The
// server runs in-process as clerktest builds it, but on an SQLite file
// (WAL, synchronous=FULL), not in memory. Everything lives in the _test.go
// files; run
//
//	cd bench && go test -run '^$' -bench . -benchtime 3s ./http | go run ./http/cmd/httptable
//
// The database of 100,000 users takes a while to build the first time; it
// is kept in os.TempDir()/clerkgo-bench-http and reused by later runs.
package httpbench
