package httpapi

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// implementedGroups are the groups of api/operations.tsv the emulator
// implements in full; the test fails when one of their operations has no
// handler.
var implementedGroups = map[string]bool{
	"users": true, "emailAddresses": true, "phoneNumbers": true, "sessions": true,
	"jwtTemplates": true, "jwks": true, "testingTokens": true, "clients": true,
	"signInTokens": true, "actorTokens": true,
}

func TestEveryOperationOfTheImplementedGroupsHasAHandler(t *testing.T) {
	ops := (&Handler{}).operations()
	f, err := os.Open("../../api/operations.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	n := 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if !implementedGroups[cols[0]] {
			continue
		}
		n++
		if ops[cols[4]] == nil {
			t.Errorf("%s.%s (%s) has no handler", cols[0], cols[1], cols[4])
		}
	}
	// Beyond the 2021-02-05 operations: Clerk's testing recipe.
	for _, id := range []string{"createSession", "CreateSessionToken"} {
		if ops[id] == nil {
			t.Errorf("%s has no handler", id)
		}
	}
	if n != 52 {
		t.Errorf("%d operations in the implemented groups, want 52", n)
	}
	t.Logf("%d operations of the 2021-02-05 spec implemented, of 123", len(ops)-2)
}

func TestHandlersShareTheParsedSpecs(t *testing.T) {
	a, b := New(nil, nil), New(nil, nil)
	if a.specs != b.specs {
		t.Fatal("two handlers parse the specs twice")
	}
}
