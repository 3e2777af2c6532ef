package clerk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/clerkgo/clerk"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// specCall is one representative call of an operation: path values and a
// params value with every query and body parameter of the spec set.
type specCall struct {
	row        opRow
	item       *openapi3.PathItem
	op         *openapi3.Operation
	pathValues map[string]string
	args       []reflect.Value
}

// buildSpecCall fills every parameter the spec declares for the operation,
// and fails when the params type has no field for one of them, or a field
// for something the spec does not declare.
func buildSpecCall(t *testing.T, m reflect.Value, row opRow) *specCall {
	item, op := specOperation(t, rowSpec(t, row), row)
	c := &specCall{row: row, item: item, op: op, pathValues: map[string]string{}}
	c.args = []reflect.Value{reflect.ValueOf(context.Background())}
	var query []*openapi3.Parameter
	for _, p := range op.Parameters {
		switch p.Value.In {
		case "path":
			v := fmt.Sprint(sampler{}.value(p.Value.Schema, 0))
			if v == "sample_value" {
				v = "id_" + p.Value.Name
			}
			c.pathValues[p.Value.Name] = v
		case "query":
			query = append(query, p.Value)
		}
	}
	// Path values in path order.
	for _, seg := range strings.Split(row.Path, "/") {
		if strings.HasPrefix(seg, "{") {
			c.args = append(c.args, reflect.ValueOf(c.pathValues[strings.Trim(seg, "{}")]))
		}
	}
	mt := m.Type()
	if mt.NumIn() == len(c.args) {
		if len(query) > 0 || op.RequestBody != nil {
			t.Errorf("%s: the spec has parameters but the method takes none", row.OperationID)
		}
		return c
	}
	pt := mt.In(mt.NumIn() - 1)
	var params reflect.Value // the struct to fill
	var body []byte
	var bodyKeys []string
	if rb := op.RequestBody; rb != nil {
		for ct, media := range rb.Value.Content {
			sample := sampler{}.value(media.Schema, 0)
			if ct == "multipart/form-data" {
				continue
			}
			body, _ = json.Marshal(sample)
			if arr, ok := sample.([]any); ok {
				bodyKeys = keysOf(arr[0])
			} else {
				bodyKeys = keysOf(sample)
			}
		}
	}
	switch pt.Kind() {
	case reflect.Slice:
		ptr := reflect.New(pt)
		if err := json.Unmarshal(body, ptr.Interface()); err != nil {
			t.Fatalf("%s: sample body does not decode into %s: %v", row.OperationID, pt, err)
		}
		c.args = append(c.args, ptr.Elem())
		params = ptr.Elem().Index(0)
	case reflect.Pointer:
		ptr := reflect.New(pt.Elem())
		if body != nil {
			if err := json.Unmarshal(body, ptr.Interface()); err != nil {
				t.Fatalf("%s: sample body does not decode into %s: %v", row.OperationID, pt, err)
			}
		}
		c.args = append(c.args, ptr)
		params = ptr.Elem()
	default:
		t.Fatalf("%s: unexpected params type %s", row.OperationID, pt)
	}
	// Every body property must survive the round trip through the Go type.
	if body != nil {
		again, err := json.Marshal(params.Addr().Interface())
		if err != nil {
			t.Fatal(err)
		}
		var back any
		json.Unmarshal(again, &back)
		if got := keysOf(back); !slices.Equal(got, bodyKeys) {
			t.Errorf("%s: body properties %v, the params type sends %v", row.OperationID, bodyKeys, got)
		}
	}
	// Query parameters and multipart fields are set field by field.
	known := map[string]bool{}
	for _, k := range bodyKeys {
		known[fold(k)] = true
	}
	for _, q := range query {
		if sdkSetsItself(op, q) {
			continue
		}
		f := fieldFolded(params, q.Name)
		if !f.IsValid() {
			t.Errorf("%s: no field for query parameter %s", row.OperationID, q.Name)
			continue
		}
		known[fold(q.Name)] = true
		setSample(t, f, sampler{}.value(q.Schema, 0))
	}
	if rb := op.RequestBody; rb != nil {
		if media := rb.Value.Content.Get("multipart/form-data"); media != nil {
			for name, s := range media.Schema.Value.Properties {
				f := fieldFolded(params, name)
				known[fold(name)] = true
				if !f.IsValid() {
					t.Errorf("%s: no field for multipart field %s", row.OperationID, name)
					continue
				}
				if s.Value.Format == "binary" {
					f.Set(reflect.ValueOf(clerk.File{Name: "logo.png", ContentType: "image/png", Body: strings.NewReader("\x89PNG")}))
				} else {
					setSample(t, f, sampler{}.value(s, 0))
				}
			}
		}
	}
	for i := 0; i < params.NumField(); i++ {
		if name := params.Type().Field(i).Name; !known[fold(name)] {
			t.Errorf("%s: field %s is no parameter of the spec", row.OperationID, name)
		}
	}
	return c
}

func fieldFolded(v reflect.Value, name string) reflect.Value {
	for i := 0; i < v.NumField(); i++ {
		if fold(v.Type().Field(i).Name) == fold(name) {
			return v.Field(i)
		}
	}
	return reflect.Value{}
}

// setSample stores a sampled JSON value into a query or form field.
func setSample(t *testing.T, f reflect.Value, v any) {
	t.Helper()
	ptr := reflect.New(f.Type())
	if b, ok := v.(string); ok && f.Type().Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.Bool {
		v = b != "false" // a boolean spelled out in the spec, a *bool in the SDK
	}
	data, _ := json.Marshal(v)
	if f.Kind() == reflect.Slice {
		if _, isArr := v.([]any); !isArr {
			data, _ = json.Marshal([]any{v})
		}
	}
	if err := json.Unmarshal(data, ptr.Interface()); err != nil {
		t.Fatalf("cannot set %s from %s: %v", f.Type(), data, err)
	}
	f.Set(ptr.Elem())
}

// TestRequestsValidateAgainstTheSpec makes a representative call of every
// operation, with every parameter the spec declares set, and validates the
// request the SDK sends with kin-openapi's openapi3filter.
func TestRequestsValidateAgainstTheSpec(t *testing.T) {
	rows := readOps(t)
	var current *specCall
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := current
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/v1")
		r.URL.RawPath = ""
		input := &openapi3filter.RequestValidationInput{
			Request:    r,
			PathParams: c.pathValues,
			Route:      &routers.Route{Spec: rowSpec(t, c.row), Path: c.row.Path, PathItem: c.item, Method: c.row.HTTP, Operation: c.op},
			Options: &openapi3filter.Options{
				AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
					if in.RequestValidationInput.Request.Header.Get("Authorization") != "Bearer sk_test_spec" {
						return fmt.Errorf("no bearer token")
					}
					return nil
				},
			},
		}
		err := openapi3filter.ValidateRequest(r.Context(), input)
		if err == nil {
			err = checkQueryNames(c.op, r)
		}
		if err != nil {
			w.WriteHeader(http.StatusUnprocessableEntity)
			json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]string{{"code": "invalid", "message": "invalid", "long_message": err.Error()}}})
			return
		}
		writeSampleResponse(t, w, r, c.op, sampler{})
	}))
	defer srv.Close()
	client, err := clerk.NewClient("sk_test_spec", clerk.WithServerURL(srv.URL+"/v1"), clerk.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	methods := serviceMethods(client)
	for _, row := range rows {
		t.Run(row.Group+"."+row.Method, func(t *testing.T) {
			m := methods[fold(row.Group)+"."+fold(row.Method)]
			current = buildSpecCall(t, m, row)
			out := m.Call(current.args)
			if err, _ := out[len(out)-1].Interface().(error); err != nil {
				var apiErr *clerk.APIError
				if errors.As(err, &apiErr) && len(apiErr.Errors) > 0 {
					t.Fatalf("request rejected: %s", apiErr.Errors[0].LongMessage)
				}
				t.Fatalf("request rejected: %v", err)
			}
		})
	}
}

// sdkSetsItself reports whether the SDK's params have no field for the
// query parameter q, by design: paginated, which the SDK always sends as
// true, and a deprecated old spelling of another parameter (frontendApi
// of frontend_api), which it never sends.
func sdkSetsItself(op *openapi3.Operation, q *openapi3.Parameter) bool {
	if q.Name == "paginated" {
		return true
	}
	if !q.Deprecated {
		return false
	}
	for _, p := range op.Parameters {
		if p.Value != q && p.Value.In == "query" && fold(p.Value.Name) == fold(q.Name) {
			return true
		}
	}
	return false
}

// checkQueryNames is stricter than openapi3filter, which ignores unknown
// query parameters: every parameter sent must be declared (or be the
// paginated=true the SDK adds), and every declared one must arrive, since
// buildSpecCall sets them all.
func checkQueryNames(op *openapi3.Operation, r *http.Request) error {
	declared := map[string]bool{}
	for _, p := range op.Parameters {
		if p.Value.In == "query" {
			declared[p.Value.Name] = true
		}
	}
	got := r.URL.Query()
	for name := range got {
		if !declared[name] && name != "paginated" {
			return fmt.Errorf("query parameter %q is not in the spec", name)
		}
	}
	for name := range declared {
		if _, ok := got[name]; !ok && !sdkSetsItself(op, op.Parameters.GetByInAndName("query", name)) {
			return fmt.Errorf("query parameter %q was set but not sent", name)
		}
	}
	return nil
}

// writeSampleResponse answers with a sample of the operation's success
// response; a list the API wraps when asked for paginated=true is wrapped.
func writeSampleResponse(t *testing.T, w http.ResponseWriter, r *http.Request, op *openapi3.Operation, s sampler) {
	code, resp := successCode(op)
	media := resp.Value.Content.Get("application/json")
	if media == nil {
		if op.OperationID == "GetPublicInterstitial" {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>interstitial</html>"))
			return
		}
		w.WriteHeader(code)
		return
	}
	v := s.value(media.Schema, 0)
	if _, list := v.([]any); list && r.URL.Query().Get("paginated") == "true" {
		v = map[string]any{"data": v, "total_count": 1}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// TestResponseSamplesDecodeIntoTheirModels decodes a sample of every
// operation's success response, built from the spec's schemas and property
// examples, into the method's result type. Unknown fields are errors, so
// every property of the spec must have a field. The decoded value is
// encoded again and must still validate against the schema. A second pass
// sets every nullable property to null.
func TestResponseSamplesDecodeIntoTheirModels(t *testing.T) {
	client, _ := clerk.NewClient("sk_test_models")
	methods := serviceMethods(client)
	checked := 0
	for _, row := range readOps(t) {
		_, op := specOperation(t, rowSpec(t, row), row)
		m := methods[fold(row.Group)+"."+fold(row.Method)]
		if m.Type().NumOut() != 2 {
			continue // no response body
		}
		_, resp := successCode(op)
		media := resp.Value.Content.Get("application/json")
		if media == nil {
			continue // the HTML interstitial
		}
		result := m.Type().Out(0)
		for _, s := range []sampler{{}, {nulls: true}} {
			name := fmt.Sprintf("%s.%s nulls=%v", row.Group, row.Method, s.nulls)
			v := s.value(media.Schema, 0)
			if err := media.Schema.Value.VisitJSON(v); err != nil {
				t.Fatalf("%s: the sample itself is invalid: %v", name, err)
			}
			isWrapped := result.Kind() == reflect.Pointer && result.Elem().Kind() == reflect.Struct && media.Schema.Value.Type.Is("array")
			if isWrapped {
				v = map[string]any{"data": v, "total_count": 1}
			}
			data, _ := json.Marshal(v)
			dst := reflect.New(result)
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(dst.Interface()); err != nil {
				t.Errorf("%s: does not decode into %s: %v\n%s", name, result, err, data)
				continue
			}
			again, _ := json.Marshal(dst.Elem().Interface())
			var back any
			json.Unmarshal(again, &back)
			if isWrapped {
				back = back.(map[string]any)["data"]
			}
			// Not checked: a legacy operation, answered in 2021-02-05's
			// shape but decoded into the current model; and an answer of
			// several shapes (anyOf), merged into one struct that cannot
			// tell null from absent.
			reencodes := !legacyOps[row.OperationID] && len(media.Schema.Value.AnyOf) == 0
			if err := media.Schema.Value.VisitJSON(back); reencodes && err != nil {
				t.Errorf("%s: %s encodes into JSON the schema rejects: %v", name, result, err)
			}
			checked++
		}
	}
	if checked < 200 {
		t.Errorf("only %d samples checked", checked)
	}
}

// TestInterstitialReturnsTheHTMLPage checks the one operation whose answer
// is not JSON.
func TestInterstitialReturnsTheHTMLPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/public/interstitial" || r.URL.Query().Get("publishable_key") != "pk_test_x" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<html>wait</html>")
	}))
	defer srv.Close()
	client, _ := clerk.NewClient("sk_test_x", clerk.WithServerURL(srv.URL+"/v1"))
	page, err := client.Miscellaneous.GetInterstitial(context.Background(), &clerk.MiscellaneousGetInterstitialParams{PublishableKey: clerk.Ptr("pk_test_x")})
	if err != nil || string(page) != "<html>wait</html>" {
		t.Fatalf("got %q, %v", page, err)
	}
}
