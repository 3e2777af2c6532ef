package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// The tests of the generated events_gen.go read the webhook spec itself
// (with kin-openapi, a test-only dependency): every event of the spec is
// checked, not a list kept by hand.

const webhookSpec = "../api/webhooks-2025-04-15.yml"

// specEvent is one event of the spec: its example body and its data's
// schema reference.
type specEvent struct {
	Type    string
	Example any
	DataRef string
}

func specEvents(t *testing.T) []specEvent {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile(webhookSpec)
	if err != nil {
		t.Fatal(err)
	}
	hooks, _ := doc.Extensions["x-webhooks"].(map[string]any)
	if len(hooks) == 0 {
		t.Fatal("no x-webhooks in the spec")
	}
	get := func(v any, path ...string) any {
		for _, p := range path {
			m, _ := v.(map[string]any)
			v = m[p]
		}
		return v
	}
	var out []specEvent
	for typ, h := range hooks {
		content := get(h, "post", "requestBody", "content", "application/json")
		ev := specEvent{Type: typ, Example: get(content, "example")}
		if ev.Example == nil {
			ref, _ := get(content, "examples", "default", "$ref").(string)
			name, ok := strings.CutPrefix(ref, "#/components/examples/")
			ex := doc.Components.Examples[name]
			if !ok || ex == nil || ex.Value == nil {
				t.Fatalf("%s: no example (%q)", typ, ref)
			}
			ev.Example = ex.Value.Value
		}
		parts, _ := get(content, "schema", "allOf").([]any)
		for _, p := range parts {
			if d := get(p, "properties", "data"); d != nil {
				ev.DataRef, _ = get(d, "$ref").(string)
			}
		}
		out = append(out, ev)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Type < out[j].Type })
	if len(out) != 45 {
		t.Errorf("the spec has %d events, want 45", len(out))
	}
	return out
}

// accessor finds the method of *Event for an event type: its name is the
// type without the dot, capitalised ("user.created" → UserCreated,
// "sms.created" → SMSCreated).
func accessor(typ string) (reflect.Method, bool) {
	want := strings.ToLower(strings.ReplaceAll(typ, ".", ""))
	et := reflect.TypeFor[*Event]()
	for i := range et.NumMethod() {
		if m := et.Method(i); strings.ToLower(m.Name) == want {
			return m, true
		}
	}
	return reflect.Method{}, false
}

// call calls the accessor m on ev.
func call(m reflect.Method, ev *Event) (any, error) {
	out := m.Func.Call([]reflect.Value{reflect.ValueOf(ev)})
	err, _ := out[1].Interface().(error)
	return out[0].Interface(), err
}

// eventConstants returns the package's string constants named Event*,
// value → name, read from its source.
func eventConstants(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING || !strings.HasPrefix(n.Name, "Event") {
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					if err != nil {
						t.Fatal(err)
					}
					if prev, dup := consts[v]; dup {
						t.Errorf("%s and %s are both %q", prev, n.Name, v)
					}
					consts[v] = n.Name
				}
			}
		}
	}
	return consts
}

func TestEveryEventHasAConstantAndAnAccessor(t *testing.T) {
	events := specEvents(t)
	consts := eventConstants(t)
	inSpec := map[string]bool{}
	errType := reflect.TypeFor[error]()
	for _, ev := range events {
		inSpec[ev.Type] = true
		m, ok := accessor(ev.Type)
		if !ok {
			t.Errorf("%s: no accessor on *Event", ev.Type)
			continue
		}
		if c := consts[ev.Type]; c != "Event"+m.Name {
			t.Errorf("%s: constant %q, want Event%s", ev.Type, c, m.Name)
		}
		mt := m.Type
		if mt.NumIn() != 1 || mt.NumOut() != 2 || mt.Out(0).Kind() != reflect.Pointer || mt.Out(1) != errType {
			t.Errorf("%s: %s has signature %v, want func() (*T, error)", ev.Type, m.Name, mt)
		}
	}
	for v, name := range consts {
		if !inSpec[v] {
			t.Errorf("constant %s = %q is not an event of the spec", name, v)
		}
	}
}

func TestEveryExampleDecodesWithItsAccessor(t *testing.T) {
	for _, sev := range specEvents(t) {
		t.Run(sev.Type, func(t *testing.T) {
			body, err := json.Marshal(sev.Example)
			if err != nil {
				t.Fatal(err)
			}
			ev, err := DecodeEvent(body)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Type != sev.Type {
				t.Fatalf("the example is a %q event", ev.Type)
			}
			m, ok := accessor(sev.Type)
			if !ok {
				t.Fatal("no accessor")
			}
			got, err := call(m, ev)
			if err != nil {
				t.Fatalf("%s: %v", m.Name, err)
			}
			// Strictly: every field of the example is a field of the type.
			dec := json.NewDecoder(bytes.NewReader(ev.Data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(reflect.New(m.Type.Out(0).Elem()).Interface()); err != nil {
				t.Errorf("strict decoding into %v: %v", m.Type.Out(0), err)
			}
			// Every field of the example survives re-encoding.
			again, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			var want, have any
			if err := json.Unmarshal(ev.Data, &want); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(again, &have); err != nil {
				t.Fatal(err)
			}
			for _, diff := range lost("data", want, have) {
				t.Error(diff)
			}
		})
	}
}

// lost lists what of want is not in have: every key of an object (a null
// may be absent), every element of an array, every scalar equal.
func lost(path string, want, have any) []string {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %v became %v", path, want, have)}
		}
		var out []string
		for k, v := range w {
			hv, present := h[k]
			if !present && v == nil {
				continue
			}
			if !present {
				out = append(out, fmt.Sprintf("%s.%s: lost", path, k))
				continue
			}
			out = append(out, lost(path+"."+k, v, hv)...)
		}
		return out
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return []string{fmt.Sprintf("%s: %v became %v", path, want, have)}
		}
		var out []string
		for i := range w {
			out = append(out, lost(fmt.Sprintf("%s[%d]", path, i), w[i], h[i])...)
		}
		return out
	default:
		if !reflect.DeepEqual(want, have) {
			return []string{fmt.Sprintf("%s: %v became %v", path, want, have)}
		}
		return nil
	}
}

func TestTheWrongAccessorFails(t *testing.T) {
	events := specEvents(t)
	for i, sev := range events {
		other := events[(i+1)%len(events)]
		m, ok := accessor(other.Type)
		if !ok {
			t.Fatalf("%s: no accessor", other.Type)
		}
		body, _ := json.Marshal(sev.Example)
		ev, err := DecodeEvent(body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := call(m, ev)
		if !errors.Is(err, ErrWrongEventType) || errors.Is(err, ErrMalformedEvent) {
			t.Errorf("%s on a %s event: %v", m.Name, sev.Type, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, `"`+sev.Type+`"`) || !strings.Contains(msg, `"`+other.Type+`"`) {
			t.Errorf("%s on a %s event: %q names not both types", m.Name, sev.Type, msg)
		}
		if !reflect.ValueOf(got).IsNil() {
			t.Errorf("%s on a %s event returned %v", m.Name, sev.Type, got)
		}
	}
}

func TestDeletedEventsDecodeAsDeletedObject(t *testing.T) {
	n := 0
	for _, sev := range specEvents(t) {
		if sev.DataRef != "#/components/schemas/DeletedObject" {
			continue
		}
		n++
		m, _ := accessor(sev.Type)
		if m.Type == nil || m.Type.Out(0) != reflect.TypeFor[*DeletedObject]() {
			t.Errorf("%s: accessor %v does not return *DeletedObject", sev.Type, m.Type)
			continue
		}
		body, _ := json.Marshal(sev.Example)
		ev, err := DecodeEvent(body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := call(m, ev)
		d, _ := got.(*DeletedObject)
		if err != nil || d == nil || !d.Deleted || d.ID == "" || d.Object == "" {
			t.Errorf("%s: %+v, %v", sev.Type, d, err)
		}
		// deleted false is not a deleted object.
		ev.Data = []byte(`{"object":"x","id":"x_1","deleted":false}`)
		if _, err := call(m, ev); !errors.Is(err, ErrMalformedEvent) {
			t.Errorf("%s with deleted false: %v", sev.Type, err)
		}
	}
	if n < 5 {
		t.Errorf("only %d deleted events in the spec", n)
	}
}

func TestAccessorRejectsMalformedData(t *testing.T) {
	ev := &Event{Type: EventUserCreated, Data: []byte(`{"id": 7}`)}
	if u, err := ev.UserCreated(); !errors.Is(err, ErrMalformedEvent) || u != nil {
		t.Errorf("UserCreated of bad data: %v, %v", u, err)
	}
	ev.Data = []byte(`{"id":"user_1","first_name":"Ada"}`)
	if u, err := ev.UserCreated(); err != nil || u.ID != "user_1" || u.FirstName == nil || *u.FirstName != "Ada" {
		t.Errorf("UserCreated: %+v, %v", u, err)
	}
}
