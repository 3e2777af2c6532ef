// Command clerk is a command-line tool for Clerk: it verifies and decodes
// session tokens with package github.com/clerkgo/clerk/auth.
//
//	clerk token verify --jwt-key jwt-key.pem "$TOKEN"
//	clerk token decode < token.txt
//	clerk version
//
// Exit codes: 0 success; 1 the token was rejected (invalid, expired,
// malformed) or could not be checked; 2 the command was used wrongly (bad
// flags or arguments, no key or two keys, an unreadable key file, an empty
// or oversized token input).
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
