package clerk_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
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

// specs parses the specs once per test binary, by file.
var specs sync.Map // path → func() (*openapi3.T, error)

// loadSpecFile parses and validates a spec of api/ once.
func loadSpecFile(t testing.TB, path string) *openapi3.T {
	t.Helper()
	f, _ := specs.LoadOrStore(path, sync.OnceValues(func() (*openapi3.T, error) {
		doc, err := openapi3.NewLoader().LoadFromFile(path)
		if err == nil {
			err = doc.Validate(context.Background())
		}
		return doc, err
	}))
	doc, err := f.(func() (*openapi3.T, error))()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// loadSpec is the spec of the SDK's API version, 2026-05-12.
func loadSpec(t testing.TB) *openapi3.T { return loadSpecFile(t, "api/bapi-2026-05-12.yml") }

// legacyOps are the operations of 2021-02-05 the current version no
// longer has, which the SDK keeps (legacy.go), sending that version.
var legacyOps = map[string]bool{"VerifySession": true, "CreateUserTOTP": true}

// rowSpec is the spec of a row's operation: the current one, or
// 2021-02-05's for a legacy operation.
func rowSpec(t testing.TB, row opRow) *openapi3.T {
	if legacyOps[row.OperationID] {
		return loadSpecFile(t, "api/bapi-2021-02-05.yml")
	}
	return loadSpec(t)
}

// rowVersion is the API version the SDK sends a row's operation with.
func rowVersion(row opRow) string {
	if legacyOps[row.OperationID] {
		return "2021-02-05"
	}
	return clerk.DefaultAPIVersion
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
	if ref == nil || ref.Value == nil || depth > 24 {
		return nil
	}
	v := ref.Value
	if s.nulls && v.Nullable {
		return nil
	}
	switch {
	case len(v.OneOf) > 0:
		return s.value(v.OneOf[0], depth+1)
	case len(v.AnyOf) > 0 && len(v.Properties) == 0:
		return s.value(v.AnyOf[0], depth+1)
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
		case "date":
			return "2026-05-12"
		case "date-time":
			return "2026-05-12T10:00:00Z"
		}
		if v.Pattern != "" {
			if p, ok := patternSample(v.Pattern); ok && v.VisitJSON(p) == nil {
				return p
			}
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
			if ap := v.AdditionalProperties.Schema; ap != nil {
				return map[string]any{"key": s.value(ap, depth+1)}
			}
			return map[string]any{"key": "value", "nested": map[string]any{"n": 1.0}}
		}
		obj := map[string]any{}
		for k, p := range v.Properties {
			obj[k] = s.value(p, depth+1)
		}
		for _, k := range v.Required {
			if _, ok := obj[k]; !ok {
				// Required but not described (the spec's SAMLConnection's
				// authenticatable): any value will do.
				obj[k] = true
			}
		}
		return obj
	}
}

// patternSample makes a string matching the simple patterns of the spec's
// IDs and codes: anchors, literals, a group of alternatives (the first is
// taken), and \w, \d or a bracket class repeated {n} times, e.g.
// ^(user|org)_\w{27}$ or ^[A-Z]{2}$. It reports false for anything else.
func patternSample(pattern string) (string, bool) {
	var b strings.Builder
	p := strings.TrimSuffix(strings.TrimPrefix(pattern, "^"), "$")
	for len(p) > 0 {
		var unit string // one character of the class or literal just read
		switch {
		case p[0] == '(':
			end, depth := -1, 0
			for i := 0; i < len(p) && end < 0; i++ {
				switch p[i] {
				case '(':
					depth++
				case ')':
					if depth--; depth == 0 {
						end = i
					}
				}
			}
			if end < 0 {
				return "", false
			}
			group := strings.TrimPrefix(p[1:end], "?:")
			p = p[end+1:]
			if strings.HasPrefix(p, "?") || strings.HasPrefix(p, "*") {
				p = p[1:] // an optional group: left out
				continue
			}
			if strings.ContainsAny(group, "()") {
				return "", false
			}
			alt, _, _ := strings.Cut(group, "|")
			b.WriteString(alt)
			continue
		case strings.HasPrefix(p, `\w`), strings.HasPrefix(p, `\d`):
			unit, p = "1", p[2:]
		case p[0] == '[':
			end := strings.IndexByte(p, ']')
			if end < 2 {
				return "", false
			}
			unit, p = p[1:2], p[end+1:]
		case strings.ContainsRune(`\.*+?{}|`, rune(p[0])):
			return "", false
		default:
			unit, p = p[:1], p[1:]
		}
		n := 1
		switch {
		case strings.HasPrefix(p, "+"):
			p = p[1:]
		case strings.HasPrefix(p, "*"), strings.HasPrefix(p, "?"):
			n, p = 0, p[1:]
		case strings.HasPrefix(p, "{"):
			end := strings.IndexByte(p, '}')
			if end < 0 {
				return "", false
			}
			k, err := strconv.Atoi(p[1:end])
			if err != nil {
				return "", false
			}
			n, p = k, p[end+1:]
		}
		b.WriteString(strings.Repeat(unit, n))
	}
	return b.String(), true
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
