package clerk_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/clerkgo/clerk"
	"github.com/getkin/kin-openapi/openapi3"
)

// opRow is one row of api/operations.tsv.
type opRow struct {
	Group, Method, HTTP, Path, OperationID, Deprecated, Summary string
}

func readOps(t testing.TB) []opRow {
	t.Helper()
	f, err := os.Open("api/operations.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []opRow
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		if first {
			continue
		}
		c := strings.Split(sc.Text(), "\t")
		if len(c) != 7 {
			t.Fatalf("operations.tsv: bad row %q", sc.Text())
		}
		rows = append(rows, opRow{c[0], c[1], c[2], c[3], c[4], c[5], c[6]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

var (
	specOnce sync.Once
	specDoc  *openapi3.T
	specErr  error
)

// loadSpec parses the 2021-02-05 spec once per test binary.
func loadSpec(t testing.TB) *openapi3.T {
	t.Helper()
	specOnce.Do(func() {
		specDoc, specErr = openapi3.NewLoader().LoadFromFile("api/bapi-2021-02-05.yml")
		if specErr == nil {
			specErr = specDoc.Validate(context.Background())
		}
	})
	if specErr != nil {
		t.Fatal(specErr)
	}
	return specDoc
}

// specOperation finds a row's operation in the spec.
func specOperation(t testing.TB, doc *openapi3.T, row opRow) (*openapi3.PathItem, *openapi3.Operation) {
	t.Helper()
	item := doc.Paths.Find(row.Path)
	if item == nil {
		t.Fatalf("%s: path %s not in the spec", row.OperationID, row.Path)
	}
	op := item.GetOperation(row.HTTP)
	if op == nil || op.OperationID != row.OperationID {
		t.Fatalf("%s: %s %s not in the spec", row.OperationID, row.HTTP, row.Path)
	}
	return item, op
}

// fold normalises a name for the case-insensitive match between
// operations.tsv and Go names: "deleteTotp" and "DeleteTOTP" are one name.
func fold(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "_", ""))
}

// serviceMethods lists, for every service field of Client, the methods that
// call the API (iterators excluded), keyed by folded "service.method".
func serviceMethods(c *clerk.Client) map[string]reflect.Value {
	out := map[string]reflect.Value{}
	v := reflect.ValueOf(c).Elem()
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		svc := v.Field(i)
		for j := 0; j < svc.NumMethod(); j++ {
			m := svc.Type().Method(j)
			if strings.HasSuffix(m.Name, "Iter") {
				continue
			}
			out[fold(f.Name)+"."+fold(m.Name)] = svc.Method(j)
		}
	}
	return out
}

// sampler makes a JSON value that conforms to a schema: the property's own
// example when it is valid, else the first enum value, else a value of the
// type. Every property of an object is filled in, so that the value
// exercises every field of the Go type it is decoded into. With nulls set,
// every nullable value is null instead.
type sampler struct {
	nulls bool
}

func (s sampler) value(ref *openapi3.SchemaRef, depth int) any {
	if ref == nil || ref.Value == nil || depth > 12 {
		return nil
	}
	v := ref.Value
	if s.nulls && v.Nullable {
		return nil
	}
	switch {
	case len(v.OneOf) > 0:
		return s.value(v.OneOf[0], depth+1)
	case len(v.AllOf) > 0:
		obj := map[string]any{}
		for _, part := range v.AllOf {
			if m, ok := s.value(part, depth+1).(map[string]any); ok {
				for k, x := range m {
					obj[k] = x
				}
			}
		}
		for k, p := range v.Properties {
			obj[k] = s.value(p, depth+1)
		}
		return obj
	}
	if v.Example != nil && v.VisitJSON(v.Example) == nil {
		return v.Example
	}
	if len(v.Enum) > 0 {
		return v.Enum[0]
	}
	t := v.Type
	switch {
	case t.Is("string"):
		switch v.Format {
		case "email":
			return "someone@example.com"
		case "binary":
			return "binary"
		}
		return "sample_value"
	case t.Is("integer"), t.Is("number"):
		n := 1.0
		if v.Min != nil && *v.Min > n {
			n = *v.Min
		}
		return n
	case t.Is("boolean"):
		return true
	case t.Is("array"):
		return []any{s.value(v.Items, depth+1)}
	default:
		if len(v.Properties) == 0 {
			return map[string]any{"key": "value", "nested": map[string]any{"n": 1.0}}
		}
		obj := map[string]any{}
		for k, p := range v.Properties {
			obj[k] = s.value(p, depth+1)
		}
		return obj
	}
}

// keysOf lists the keys of a JSON object, sorted.
func keysOf(v any) []string {
	m, _ := v.(map[string]any)
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func successCode(op *openapi3.Operation) (int, *openapi3.ResponseRef) {
	for code, r := range op.Responses.Map() {
		if strings.HasPrefix(code, "2") {
			var n int
			fmt.Sscan(code, &n)
			return n, r
		}
	}
	return 0, nil
}
