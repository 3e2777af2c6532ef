package compat

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/clerkgo/clerk/clerktest"
)

// TestJSSDKAgainstCheckedServer runs the @clerk/backend tests of ../js
// against clerktest's server, which validates every answer against the
// spec of the request's API version (2026-05-12, the version the JS SDK
// sends) and fails this test on any mismatch: `clerk serve`, which run.sh
// starts for those tests, does not check its answers.
func TestJSSDKAgainstCheckedServer(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	dir, err := filepath.Abs(filepath.Join("..", "js"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@clerk", "backend")); err != nil {
		t.Skip("@clerk/backend is not installed: run npm ci in compat/js (compat/run.sh does)")
	}
	srv := clerktest.NewServer(t)
	cmd := exec.Command(node, "--test")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"CLERK_API_URL="+srv.URL, "CLERK_SECRET_KEY="+srv.SecretKey, "CLERK_PUBLISHABLE_KEY="+srv.PublishableKey)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("node --test against clerktest's server: %v\n%s", err, out)
	}
}
