package clerk_test

import (
	"go/build"
	"strings"
	"testing"
)

// TestPackageDependsOnTheStandardLibraryOnly keeps the promise that adding
// the SDK to an application pulls in nothing else: the non-test files of
// package clerk import only standard-library packages.
func TestPackageDependsOnTheStandardLibraryOnly(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkg.Imports) < 5 {
		t.Fatalf("found only %d imports: is this the package directory?", len(pkg.Imports))
	}
	for _, imp := range pkg.Imports {
		first, _, _ := strings.Cut(imp, "/")
		if strings.Contains(first, ".") {
			t.Errorf("package clerk imports %s, which is not in the standard library", imp)
		}
	}
}
