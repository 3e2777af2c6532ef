package specs

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestValidateResponse(t *testing.T) {
	jsonHeader := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	notFoundBody := notFound().Body("trace_1")
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		ok     bool
	}{
		{"a body matching the declared schema is accepted", 200, jsonHeader, `{"object":"user","id":"user_1","deleted":true}`, true},
		{"a property of the wrong type is rejected", 200, jsonHeader, `{"object":"user","id":"user_1","deleted":"yes"}`, false},
		{"a missing required property is rejected", 200, jsonHeader, `{"object":"user","id":"user_1"}`, false},
		{"a property the schema forbids is rejected", 200, jsonHeader, `{"object":"user","deleted":true,"extra":1}`, false},
		{"a body that is not JSON is rejected", 200, jsonHeader, `{"object":`, false},
		{"an undeclared Content-Type is rejected", 200, http.Header{"Content-Type": {"text/plain"}}, `{"object":"user","deleted":true}`, false},
		{"Clerk's error body is accepted for a declared error status", 404, jsonHeader, string(notFoundBody), true},
		{"an undeclared status is rejected", 418, jsonHeader, string(notFoundBody), false},
	}
	rt, err := reg.Match(v2021, "DELETE", "/users/user_1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := reg.ValidateResponse(rt, tt.status, tt.header, []byte(tt.body))
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateResponse = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// A mismatch is described with where it is and why, never with the value:
// answers hold tokens and keys, and the description goes to logs.
func TestProblemsWithoutValuesKeepValuesOut(t *testing.T) {
	const secret = "sk_test_SECRETsecretSECRET"
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	rt, err := reg.Match(v2021, "DELETE", "/users/user_1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, body string
		want       []string
	}{
		{"two wrong types", `{"object":"user","id":{"key":"` + secret + `"},"deleted":"` + secret + `"}`,
			[]string{"DeleteUser", "/id", "/deleted", "boolean"}},
		{"an unknown property", `{"object":"user","id":"x","deleted":true,"` + secret + `":1}`,
			[]string{"DeleteUser", "status 200"}},
		{"not JSON", `{"object":"` + secret, []string{"DeleteUser", "not JSON"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := reg.ValidateResponse(rt, 200, jsonHeader, []byte(tt.body))
			if err == nil {
				t.Fatal("ValidateResponse accepted the body")
			}
			problems := ProblemsWithoutValues(err)
			all := strings.Join(problems, "\n")
			if len(problems) == 0 || strings.Contains(all, "SECRET") {
				t.Fatalf("problems %q: want some, without the values", problems)
			}
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("problems %q do not mention %q", problems, w)
				}
			}
		})
	}
	t.Run("a format error", func(t *testing.T) {
		// No format of the specs' responses is checked today; a checker's
		// message can quote the value (time.Parse does).
		err := &responseError{where: "GET /x (GetX, version v): status 200", what: "body does not match the spec",
			err: openapi3.MultiError{&openapi3.SchemaError{SchemaField: "format", Schema: &openapi3.Schema{Format: "date-time"},
				Reason: `parsing time "` + secret + `" as "2006-01-02"`}}}
		got := ProblemsWithoutValues(err)
		if len(got) != 1 || strings.Contains(got[0], "SECRET") || !strings.Contains(got[0], `not in the format "date-time"`) {
			t.Fatalf("problems %q", got)
		}
	})
	if got := ProblemsWithoutValues(nil); got != nil {
		t.Errorf("ProblemsWithoutValues(nil) = %q", got)
	}
}

func TestErrorBodyIsClerksFormat(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"a parameter is named in meta", unknownParam("nope"),
			`{"errors":[{"message":"is unknown","long_message":"nope is not a valid parameter for this request.","code":"form_param_unknown","meta":{"param_name":"nope"}}],"clerk_trace_id":"trace_1"}`},
		{"meta is left out when no parameter is at fault", notFound(),
			`{"errors":[{"message":"not found","long_message":"No Backend API endpoint matches this path.","code":"resource_not_found"}],"clerk_trace_id":"trace_1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.err.Body("trace_1")); got != tt.want {
				t.Fatalf("Body =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestRespondWritesStatusHeadersAndBody(t *testing.T) {
	_, err := reg.Match(v2021, "PUT", "/users")
	e := err.(*Error)
	w := httptest.NewRecorder()
	e.Respond(w, "trace_x")
	if w.Code != 405 || w.Header().Get("Allow") != "GET, POST" || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("Respond wrote %d %v", w.Code, w.Header())
	}
	var body struct {
		Errors []struct {
			Code string `json:"code"`
		} `json:"errors"`
		TraceID string `json:"clerk_trace_id"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || len(body.Errors) != 1 ||
		body.Errors[0].Code != "method_not_allowed" || body.TraceID != "trace_x" {
		t.Fatalf("body = %s (%v)", w.Body, err)
	}
	if !strings.Contains(e.Error(), "405 method_not_allowed") {
		t.Fatalf("Error() = %q", e.Error())
	}
}
