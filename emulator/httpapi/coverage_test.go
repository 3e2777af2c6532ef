package httpapi

import (
	"bufio"
	"context"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/clerkgo/clerk/api"
	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/store/sqlite"
)

// TestEveryOperationIsServedOrNamedMissing derives the operations of
// 2021-02-05 from api/operations.tsv (its rows of that spec's operations):
// each is served exactly when the domain serves its group
// (emulator.Service.Backend), and every one is: an operation not served
// fails the test by name, without a count for anyone to keep.
func TestEveryOperationIsServedOrNamedMissing(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc, err := emulator.New(ctx, st, emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := New(svc, nil)
	backend := reflect.ValueOf(svc.Backend()).Elem()
	f, err := os.Open("../../api/operations.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	of2021 := operationIDs(t, "bapi-2021-02-05.yml")
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	served, groups := 0, map[string]bool{}
	var missing []string
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		group, method, id := cols[0], cols[1], cols[4]
		if !of2021[id] {
			continue // an operation of a later version only
		}
		field := backend.FieldByNameFunc(func(name string) bool { return strings.EqualFold(name, group) })
		if !field.IsValid() {
			t.Errorf("group %s has no field in emulator.Backend", group)
			continue
		}
		implemented := !field.IsNil()
		if h.Implements(id) != implemented {
			t.Errorf("%s.%s (%s): served %v, but its group is implemented: %v", group, method, id, h.Implements(id), implemented)
		}
		if implemented {
			served++
			groups[group] = true
		} else {
			missing = append(missing, group+"."+method+" ("+id+")")
		}
	}
	// Beyond the 2021-02-05 operations: Clerk's testing recipe.
	for _, id := range []string{"createSession", "CreateSessionToken"} {
		if !h.Implements(id) {
			t.Errorf("%s is not served", id)
		}
	}
	if served == 0 {
		t.Fatal("no operation is served")
	}
	if len(missing) > 0 {
		t.Errorf("%d operations of the 2021-02-05 spec are not served (501):\n  %s", len(missing), strings.Join(missing, "\n  "))
	}
	t.Logf("served: %d operations of the 2021-02-05 spec, in %d groups", served, len(groups))
}

func TestHandlersShareTheParsedSpecs(t *testing.T) {
	a, b := New(nil, nil), New(nil, nil)
	if a.specs != b.specs {
		t.Fatal("two handlers parse the specs twice")
	}
}

// operationIDs are the operation IDs of one of api's specs.
func operationIDs(t *testing.T, file string) map[string]bool {
	t.Helper()
	data, err := api.Specs.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ids[op.OperationID] = true
		}
	}
	if len(ids) == 0 {
		t.Fatalf("%s has no operations", file)
	}
	return ids
}
