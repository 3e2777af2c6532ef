package webhook

import (
	"go/build"
	"strings"
	"testing"
)

// TestPackageDependsOnTheStandardLibraryOnly: an application that imports
// webhook pulls in nothing else.
func TestPackageDependsOnTheStandardLibraryOnly(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkg.Imports) < 5 {
		t.Fatalf("found only %d imports", len(pkg.Imports))
	}
	for _, imp := range pkg.Imports {
		if first, _, _ := strings.Cut(imp, "/"); strings.Contains(first, ".") {
			t.Errorf("package webhook imports %s", imp)
		}
	}
}
