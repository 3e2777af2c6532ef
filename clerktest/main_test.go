package clerktest_test

import (
	"testing"

	"github.com/clerkgo/clerk/emulator/store/postgres/pgtest"
)

// TestMain runs the tests through pgtest: the tests that run on
// PostgreSQL too share one throwaway server, stopped at the end.
func TestMain(m *testing.M) { pgtest.Main(m) }
