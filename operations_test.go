package clerk_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/clerkgo/clerk"
)

// recorder is a server that remembers the requests it got and answers each
// with a Clerk error, so the test sees what the SDK sent.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	Method, EscapedPath, Path string
	Query                     url.Values
	APIVersion                string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, recorded{r.Method, r.URL.EscapedPath(), r.URL.Path, r.URL.Query(), r.Header.Get("Clerk-API-Version")})
	rec.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTeapot)
	w.Write([]byte(`{"errors":[{"code":"recorded","message":"recorded","long_message":"recorded"}]}`))
}

func (rec *recorder) take() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := rec.reqs
	rec.reqs = nil
	return out
}

// argsFor builds the arguments of a generated method: ctx, the path
// parameters given, and zero-valued params (a multipart file and the
// required query parameters set).
func argsFor(ctx context.Context, m reflect.Value, pathValues []string) []reflect.Value {
	mt := m.Type()
	args := []reflect.Value{reflect.ValueOf(ctx)}
	for i := 1; i < mt.NumIn(); i++ {
		in := mt.In(i)
		switch {
		case in.Kind() == reflect.String:
			args = append(args, reflect.ValueOf(pathValues[i-1]))
		case in.Kind() == reflect.Pointer:
			p := reflect.New(in.Elem())
			if f := p.Elem().FieldByName("File"); f.IsValid() && f.Type() == reflect.TypeOf(clerk.File{}) {
				f.Set(reflect.ValueOf(clerk.File{Name: "a.png", ContentType: "image/png", Body: strings.NewReader("png")}))
			}
			// A required query parameter is a plain string field, which
			// must not be empty.
			for j := 0; j < p.Elem().NumField(); j++ {
				f, sf := p.Elem().Field(j), p.Elem().Type().Field(j)
				if f.Kind() == reflect.String && sf.Tag.Get("json") == "-" {
					f.SetString("value")
				}
			}
			args = append(args, p)
		default: // a slice body
			args = append(args, reflect.MakeSlice(in, 1, 1))
		}
	}
	return args
}

// TestEveryOperationHasOneMethodSendingItsMethodAndPath maps every row of
// operations.tsv to exactly one method, calls it against a server mounted
// under a base path, and checks the HTTP method and the escaped path.
func TestEveryOperationHasOneMethodSendingItsMethodAndPath(t *testing.T) {
	rows := readOps(t)
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	client, err := clerk.NewClient("sk_test_coverage", clerk.WithServerURL(srv.URL+"/base/v1"), clerk.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	methods := serviceMethods(client)
	used := map[string]string{}
	// IDs that only survive correct escaping.
	tricky := []string{"../x", "a/b", "ünï cödé?#%"}
	covered := 0
	for _, row := range rows {
		key := fold(row.Group) + "." + fold(row.Method)
		m, ok := methods[key]
		if !ok {
			t.Errorf("%s (%s.%s): no method", row.OperationID, row.Group, row.Method)
			continue
		}
		if prev, dup := used[key]; dup {
			t.Errorf("%s and %s map to the same method", prev, row.OperationID)
			continue
		}
		used[key] = row.OperationID
		var values []string
		wantPath, wantEscaped := "/base/v1", "/base/v1"
		for _, seg := range strings.Split(strings.TrimPrefix(row.Path, "/"), "/") {
			if strings.HasPrefix(seg, "{") {
				v := tricky[len(values)%len(tricky)]
				values = append(values, v)
				wantPath += "/" + v
				wantEscaped += "/" + url.PathEscape(v)
				continue
			}
			wantPath += "/" + seg
			wantEscaped += "/" + seg
		}
		out := m.Call(argsFor(context.Background(), m, values))
		err, _ := out[len(out)-1].Interface().(error)
		var apiErr *clerk.APIError
		if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTeapot {
			t.Errorf("%s: want the recorder's 418 as *clerk.APIError, got %v", row.OperationID, err)
			continue
		}
		if len(out) == 2 && !out[0].IsNil() {
			t.Errorf("%s: a failed call returned a non-nil result", row.OperationID)
		}
		got := rec.take()
		if len(got) != 1 {
			t.Errorf("%s: %d requests sent, want 1", row.OperationID, len(got))
			continue
		}
		if got[0].Method != row.HTTP || got[0].EscapedPath != wantEscaped || got[0].Path != wantPath {
			t.Errorf("%s: sent %s %s (%s), want %s %s (%s)", row.OperationID,
				got[0].Method, got[0].EscapedPath, got[0].Path, row.HTTP, wantEscaped, wantPath)
			continue
		}
		if got[0].APIVersion != rowVersion(row) {
			t.Errorf("%s: sent Clerk-API-Version %q, want %q", row.OperationID, got[0].APIVersion, rowVersion(row))
			continue
		}
		covered++
	}
	if covered != len(rows) || len(rows) != 251 {
		t.Errorf("coverage: %d of %d operations (want 251 of 251: 249 of 2026-05-12 and 2 kept of 2021-02-05)", covered, len(rows))
	}
	if len(methods) != len(rows) {
		for k := range methods {
			if _, ok := used[k]; !ok {
				t.Errorf("method %s matches no row of operations.tsv", k)
			}
		}
	}
	t.Logf("coverage: %d of %d operations", covered, len(rows))
}

// TestEmptyPathParameterFailsBeforeAnyRequest checks every method with path
// parameters: an empty ID is an error and nothing is sent.
func TestEmptyPathParameterFailsBeforeAnyRequest(t *testing.T) {
	rows := readOps(t)
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	client, err := clerk.NewClient("sk_test_empty", clerk.WithServerURL(srv.URL+"/v1"))
	if err != nil {
		t.Fatal(err)
	}
	methods := serviceMethods(client)
	checked := 0
	for _, row := range rows {
		n := strings.Count(row.Path, "{")
		if n == 0 {
			continue
		}
		m := methods[fold(row.Group)+"."+fold(row.Method)]
		for i := 0; i < n; i++ {
			values := make([]string, n)
			for j := range values {
				values[j] = "id_ok"
			}
			values[i] = ""
			out := m.Call(argsFor(context.Background(), m, values))
			err, _ := out[len(out)-1].Interface().(error)
			if err == nil || !strings.Contains(err.Error(), "must not be empty") {
				t.Errorf("%s with path parameter %d empty: got %v", row.OperationID, i, err)
			}
			checked++
		}
	}
	if got := rec.take(); len(got) != 0 {
		t.Errorf("%d requests were sent with an empty ID", len(got))
	}
	if checked < 80 {
		t.Errorf("only %d empty-parameter cases checked", checked)
	}
}
