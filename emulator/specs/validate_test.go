package specs

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// newRequest builds a request to target (a path under /v1, query
// included) with body of content type ct ("" for none).
func newRequest(method, target, ct string, body io.Reader) *http.Request {
	req := httptest.NewRequest(method, "http://localhost/v1"+target, body)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	return req
}

// validate matches req under version and validates it, as the server
// does.
func validate(t testing.TB, version string, req *http.Request) (*Request, error) {
	t.Helper()
	path := strings.TrimPrefix(req.URL.EscapedPath(), "/v1")
	rt, err := reg.Match(version, req.Method, path)
	if err != nil {
		t.Fatalf("Match(%s %s): %v", req.Method, path, err)
	}
	return reg.ValidateRequest(rt, req)
}

// multipartBody returns a multipart body with the given text fields and
// files (name → content), and its Content-Type.
func multipartBody(fields, files map[string]string) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	for k, v := range files {
		fw, _ := w.CreateFormFile(k, "avatar.png")
		fw.Write([]byte(v))
	}
	w.Close()
	return &buf, w.FormDataContentType()
}

const typicalUser = `{"email_address":["ada@example.com"],"first_name":"Ada","last_name":"Lovelace",` +
	`"password":"correct horse battery staple","public_metadata":{"plan":"pro"},"skip_password_checks":false}`

// wantErr describes an expected *Error; status 0 means success.
type wantErr struct {
	status int
	code   string
	param  string
}

func checkErr(t *testing.T, err error, want wantErr) *Error {
	t.Helper()
	if want.status == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return nil
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want *Error %d %s", err, want.status, want.code)
	}
	if e.Status != want.status || e.Code != want.code || e.ParamName != want.param {
		t.Fatalf("error = %d %s param %q (%s), want %d %s param %q", e.Status, e.Code, e.ParamName, e.LongMessage, want.status, want.code, want.param)
	}
	if e.Message == "" || e.LongMessage == "" {
		t.Fatalf("error %+v lacks a message", e)
	}
	return e
}

func TestValidateRequest(t *testing.T) {
	const json = "application/json"
	const form = "application/x-www-form-urlencoded"
	ok := wantErr{}
	tests := []struct {
		name            string
		version, method string
		target, ct      string
		body            string
		want            wantErr
	}{
		// Path and query parameters.
		{"a GET with a path parameter is valid", v2021, "GET", "/users/user_1", "", "", ok},
		{"a GET with every kind of query parameter is valid", v2021, "GET", "/users?limit=10&offset=5&email_address=a@b.c&email_address=d@e.f&order_by=-created_at&last_active_at_since=1700690400000", "", "", ok},
		{"a non-numeric limit is invalid", v2021, "GET", "/users?limit=abc", "", "", wantErr{422, "form_param_format_invalid", "limit"}},
		{"a limit above the maximum of 500 is invalid", v2021, "GET", "/users?limit=1000", "", "", wantErr{422, "form_param_format_invalid", "limit"}},
		{"a limit below the minimum of 1 is invalid", v2021, "GET", "/users?limit=0", "", "", wantErr{422, "form_param_format_invalid", "limit"}},
		{"NaN is not a number", v2021, "GET", "/users?limit=NaN", "", "", wantErr{422, "form_param_format_invalid", "limit"}},
		{"hexadecimal is not a number", v2021, "GET", "/users?offset=0x10", "", "", wantErr{422, "form_param_format_invalid", "offset"}},
		{"an empty number is invalid", v2021, "GET", "/users?limit=", "", "", wantErr{422, "form_param_format_invalid", "limit"}},
		{"a fraction is not an integer", v2021, "GET", "/users?last_active_at_since=1.5", "", "", wantErr{422, "form_param_format_invalid", "last_active_at_since"}},
		{"an undeclared query parameter is unknown", v2021, "GET", "/users?nope=1", "", "", wantErr{422, "form_param_unknown", "nope"}},
		{"the first unknown parameter in alphabetical order is named", v2021, "GET", "/users?zz=1&limit=5&bb=2", "", "", wantErr{422, "form_param_unknown", "bb"}},
		{"an empty name is unknown, whatever the other names (map order must not matter)", v2021, "GET", "/users?zz=1&=2&limit=5", "", "", wantErr{422, "form_param_unknown", ""}},
		{"an empty form name is unknown too", v2021, "POST", "/users", form, "=1&first_name=a&zz=2", wantErr{422, "form_param_unknown", ""}},
		{"NUL in a query value is refused, naming it", v2021, "GET", "/users?limit=5&email_address=a%00b", "", "", wantErr{422, "form_param_value_invalid", "email_address"}},
		{"invalid UTF-8 in a query value is refused", v2021, "GET", "/users?query=%ff", "", "", wantErr{422, "form_param_value_invalid", "query"}},
		{"NUL in a query name is refused before it is unknown", v2021, "GET", "/users?a%00=1", "", "", wantErr{422, "form_param_value_invalid", "a\x00"}},
		{"NUL in a path parameter is refused", v2021, "GET", "/users/a%00b", "", "", wantErr{422, "form_param_value_invalid", "user_id"}},
		{"an overlong UTF-8 NUL in a path parameter is refused", v2021, "GET", "/users/%C0%80", "", "", wantErr{422, "form_param_value_invalid", "user_id"}},
		{"NUL in a JSON string is refused, naming it", v2021, "POST", "/users", json, `{"first_name":"a\u0000"}`, wantErr{422, "form_param_value_invalid", "first_name"}},
		{"NUL deep in metadata is named by its path", v2021, "POST", "/users", json, `{"public_metadata":{"a":{"b":[1,"\u0000"]}}}`, wantErr{422, "form_param_value_invalid", "public_metadata.a.b.1"}},
		{"NUL in a metadata key is refused", v2021, "POST", "/users", json, `{"public_metadata":{"k\u0000":1}}`, wantErr{422, "form_param_value_invalid", "public_metadata.k\x00"}},
		{"a JSON body that is not UTF-8 is invalid", v2021, "POST", "/users", json, "{\"first_name\":\"\xff\"}", wantErr{400, "request_body_invalid", ""}},
		{"invalid UTF-8 in a form value is refused", v2021, "POST", "/users", form, "first_name=%ff", wantErr{422, "form_param_value_invalid", "first_name"}},
		{"a lone surrogate escape in JSON is kept (decoded as U+FFFD)", v2021, "POST", "/users", json, `{"first_name":"\ud800"}`, ok},
		{"paginated is accepted on a GET under 2021-02-05", v2021, "GET", "/sessions?paginated=true&limit=5", "", "", ok},
		{"paginated must be a boolean", v2021, "GET", "/sessions?paginated=maybe", "", "", wantErr{422, "form_param_format_invalid", "paginated"}},
		{"paging sent to users/count by Clerk's Go SDK is ignored", v2021, "GET", "/users/count?limit=10&offset=0&order_by=-created_at&query=a", "", "", ok},
		{"paginated is unknown on a POST", v2021, "POST", "/users?paginated=true", json, "{}", wantErr{422, "form_param_unknown", "paginated"}},
		{"a value of a query enum is valid", v2021, "GET", "/sessions?status=active", "", "", ok},
		{"a value outside a query enum is invalid", v2021, "GET", "/sessions?status=bogus", "", "", wantErr{422, "form_param_format_invalid", "status"}},
		{"a malformed query string is a bad request", v2021, "GET", "/users?limit=%zz", "", "", wantErr{400, "request_query_invalid", ""}},
		{"comma-separated values of an unexploded array are each checked", v2026, "GET", "/organization_domains?enrollment_mode=manual_invitation,-enterprise_sso", "", "", ok},
		{"a bad value in an unexploded array is invalid", v2026, "GET", "/organization_domains?enrollment_mode=manual_invitation,bogus", "", "", wantErr{422, "form_param_format_invalid", "enrollment_mode"}},
		{"a path parameter matching its pattern is valid", v2026, "GET", "/api_keys/ak_0123456789abcdef0123456789abcdef", "", "", ok},
		{"a path parameter not matching its pattern is invalid", v2026, "GET", "/api_keys/nope", "", "", wantErr{422, "form_param_format_invalid", "apiKeyID"}},

		// JSON bodies.
		{"a typical CreateUser body is valid", v2021, "POST", "/users", json, typicalUser, ok},
		{"a body without Content-Type is taken as JSON", v2021, "POST", "/users", "", typicalUser, ok},
		{"JSON with a charset is JSON", v2021, "POST", "/users", "application/json; charset=utf-8", typicalUser, ok},
		{"a number where a string belongs is invalid", v2021, "POST", "/users", json, `{"first_name": 12}`, wantErr{422, "form_param_format_invalid", "first_name"}},
		{"null is valid for a nullable property", v2021, "POST", "/users", json, `{"first_name": null}`, ok},
		{"a string where an array belongs is invalid", v2021, "POST", "/users", json, `{"email_address": "a@b.c"}`, wantErr{422, "form_param_format_invalid", "email_address"}},
		{"a bad array item is named by its index", v2021, "POST", "/users", json, `{"email_address": ["a@b.c", 1]}`, wantErr{422, "form_param_format_invalid", "email_address.1"}},
		{"an undeclared body property is unknown", v2021, "POST", "/users", json, `{"nope": 1}`, wantErr{422, "form_param_unknown", "nope"}},
		{"unknown properties are reported before bad values", v2021, "POST", "/users", json, `{"first_name": 1, "zz": 1, "aa": 2}`, wantErr{422, "form_param_unknown", "aa"}},
		{"a property the schema does not forbid is still unknown", v2021, "POST", "/organizations/org_1/memberships", json, `{"user_id":"u","role":"admin","nope":1}`, wantErr{422, "form_param_unknown", "nope"}},
		{"a missing required property is named", v2021, "POST", "/organizations/org_1/memberships", json, `{"user_id": "user_1"}`, wantErr{422, "form_param_missing", "role"}},
		{"required properties are checked in declared order", v2021, "POST", "/organizations/org_1/memberships", json, `{}`, wantErr{422, "form_param_missing", "user_id"}},
		{"an absent required body names its first required property", v2021, "POST", "/organizations/org_1/memberships", "", "", wantErr{422, "form_param_missing", "user_id"}},
		{"a JSON null body is an absent body", v2021, "POST", "/organizations/org_1/memberships", json, "null", wantErr{422, "form_param_missing", "user_id"}},
		{"a complete membership is valid", v2021, "POST", "/organizations/org_1/memberships", json, `{"user_id":"user_1","role":"org:admin"}`, ok},
		{"an absent required body that requires no property is valid", v2021, "POST", "/users", "", "", ok},
		{"an absent required array body is missing", v2021, "POST", "/organizations/org_1/invitations/bulk", json, "", wantErr{422, "form_param_missing", ""}},
		{"a required property of an array item is named by path", v2021, "POST", "/organizations/org_1/invitations/bulk", json, `[{"email_address":"a@b.c","role":"admin"},{"role":"admin"}]`, wantErr{422, "form_param_missing", "1.email_address"}},
		{"an array body that is an object is invalid", v2021, "POST", "/organizations/org_1/invitations/bulk", json, `{}`, wantErr{422, "form_param_format_invalid", ""}},
		{"trailing garbage is malformed JSON", v2021, "POST", "/users", json, `{"first_name":"a"} x`, wantErr{400, "request_body_invalid", ""}},
		{"truncated JSON is malformed", v2021, "POST", "/users", json, `{"first_name":`, wantErr{400, "request_body_invalid", ""}},
		{"an array is not an object body", v2021, "POST", "/users", json, `[1, 2]`, wantErr{400, "request_body_invalid", ""}},
		{"a text body is an unsupported media type", v2021, "POST", "/users", "text/plain", "first_name", wantErr{415, "unsupported_media_type", ""}},
		{"a garbled Content-Type is an unsupported media type", v2021, "POST", "/users", "application/", "{}", wantErr{415, "unsupported_media_type", ""}},
		{"an empty object to an operation without body is valid", v2021, "DELETE", "/users/user_1", json, "{}", ok},
		{"a property sent to an operation without body is unknown", v2021, "DELETE", "/users/user_1", json, `{"force": true}`, wantErr{422, "form_param_unknown", "force"}},
		{"malformed JSON to an operation without body is malformed", v2021, "DELETE", "/users/user_1", json, `{`, wantErr{400, "request_body_invalid", ""}},
		{"a text body to an operation without body is unsupported", v2021, "DELETE", "/users/user_1", "text/plain", "hi", wantErr{415, "unsupported_media_type", ""}},
		{"a body that is only whitespace is absent", v2021, "DELETE", "/users/user_1", "text/plain", " \n", ok},

		// Form-urlencoded bodies.
		{"a form body is converted by the schema's types", v2021, "POST", "/users", form, "first_name=Ada&email_address=a@b.c&email_address=d@e.f&skip_password_checks=true&create_organizations_limit=3&public_metadata=%7B%22a%22%3A1%7D", ok},
		{"name[] fills an array", v2021, "POST", "/users", form, "email_address[]=a@b.c&email_address[]=d@e.f", ok},
		{"a form value of the wrong type is invalid", v2021, "POST", "/users", form, "create_organizations_limit=abc", wantErr{422, "form_param_format_invalid", "create_organizations_limit"}},
		{"a form boolean must be true or false", v2021, "POST", "/users", form, "skip_password_checks=yes", wantErr{422, "form_param_format_invalid", "skip_password_checks"}},
		{"an unknown form field is unknown", v2021, "POST", "/users", form, "nope=1", wantErr{422, "form_param_unknown", "nope"}},
		{"a form body misses required fields like JSON", v2021, "POST", "/organizations/org_1/memberships", form, "user_id=user_1", wantErr{422, "form_param_missing", "role"}},
		{"a malformed form body is a bad request", v2021, "POST", "/users", form, "first_name=%zz", wantErr{400, "request_body_invalid", ""}},

		// A later version.
		{"createSession with its required user_id is valid under 2026-05-12", v2026, "POST", "/sessions", json, `{"user_id":"user_1"}`, ok},
		{"createSession without user_id is missing it", v2026, "POST", "/sessions", json, `{}`, wantErr{422, "form_param_missing", "user_id"}},
		{"a choice of required properties names the first", v2026, "POST", "/saml_connections", json, `{"name":"n","provider":"saml_custom"}`, wantErr{422, "form_param_missing", "domain"}},
		{"a complete SAML connection is valid", v2026, "POST", "/saml_connections", json, `{"name":"n","provider":"saml_custom","domains":["example.com"]}`, ok},
		{"a bad nested value is named by a dotted path", v2026, "POST", "/saml_connections", json, `{"name":"n","provider":"saml_custom","domain":"x","login_hint":{"mode":"bogus"}}`, wantErr{422, "form_param_format_invalid", "login_hint.mode"}},
		{"a nested required property is named by a dotted path", v2026, "POST", "/saml_connections", json, `{"name":"n","provider":"saml_custom","domain":"x","login_hint":{}}`, wantErr{422, "form_param_missing", "login_hint.mode"}},
		{"an unknown nested property is named by a dotted path", v2026, "POST", "/saml_connections", json, `{"name":"n","provider":"saml_custom","domain":"x","attribute_mapping":{"nope":"x"}}`, wantErr{422, "form_param_unknown", "attribute_mapping.nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest(tt.method, tt.target, tt.ct, strings.NewReader(tt.body))
			got, err := validate(t, tt.version, req)
			checkErr(t, err, tt.want)
			if tt.want.status == 0 && (got == nil || got.Route == nil) {
				t.Fatalf("ValidateRequest = %+v", got)
			}
		})
	}
}

func TestAValidRequestCarriesItsQueryAndBody(t *testing.T) {
	got, err := validate(t, v2021, newRequest("GET", "/users?limit=5&email_address=a&email_address=b", "", nil))
	if err != nil {
		t.Fatal(err)
	}
	if got.Query.Get("limit") != "5" || len(got.Query["email_address"]) != 2 || got.Body != nil || got.Form != nil {
		t.Fatalf("Request = %+v", got)
	}
	got, err = validate(t, v2021, newRequest("GET", "/users/user_1", "", nil))
	if err != nil || got.Query != nil || got.Route.PathParams["user_id"] != "user_1" {
		t.Fatalf("Request = %+v, %v", got, err)
	}
	got, err = validate(t, v2021, newRequest("POST", "/users", "application/json", strings.NewReader(typicalUser)))
	if err != nil || string(got.Body) != typicalUser {
		t.Fatalf("Body = %q, %v", got.Body, err)
	}
}

func TestAFormBodyBecomesTheJSONItStandsFor(t *testing.T) {
	body := "first_name=Ada&email_address[]=a@b.c&email_address[]=d@e.f&skip_password_checks=true&" +
		"create_organizations_limit=3&public_metadata=%7B%22a%22%3A1%7D&last_name="
	got, err := validate(t, v2021, newRequest("POST", "/users", "application/x-www-form-urlencoded", strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(got.Body, &m); err != nil {
		t.Fatal(err)
	}
	want := `{"create_organizations_limit":3,"email_address":["a@b.c","d@e.f"],"first_name":"Ada","last_name":"",` +
		`"public_metadata":{"a":1},"skip_password_checks":true}`
	if b, _ := json.Marshal(m); string(b) != want {
		t.Fatalf("Body = %s\nwant   %s", b, want)
	}
}

func TestOversizedBodies(t *testing.T) {
	big := `{"first_name":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
	tests := []struct {
		name          string
		ct            string
		body          io.Reader
		contentLength int64 // 0: as httptest sets it; -1: unknown
	}{
		{"a JSON body over the cap is too large", "application/json", strings.NewReader(big), 0},
		{"a JSON body over the cap of unknown length is too large", "application/json", strings.NewReader(big), -1},
		{"a Content-Length over the cap is refused before reading", "application/json", strings.NewReader("{}"), MaxBodyBytes + 1},
		{"a form body over the cap is too large", "application/x-www-form-urlencoded", strings.NewReader("first_name=" + strings.Repeat("a", MaxBodyBytes)), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest("POST", "/users", tt.ct, tt.body)
			if tt.contentLength != 0 {
				req.ContentLength = tt.contentLength
			}
			_, err := validate(t, v2021, req)
			checkErr(t, err, wantErr{413, "request_body_too_large", ""})
		})
	}
}

func TestMultipartUploads(t *testing.T) {
	image := "\x89PNG\r\n\x1a\n" + strings.Repeat("x", 100)
	tests := []struct {
		name          string
		method        string
		target        string
		fields, files map[string]string
		want          wantErr
	}{
		{"a profile image with its file is valid", "POST", "/users/user_1/profile_image", nil, map[string]string{"file": image}, wantErr{}},
		{"a profile image without a file is missing it", "POST", "/users/user_1/profile_image", nil, nil, wantErr{422, "form_param_missing", "file"}},
		{"a text field where the file belongs is invalid", "POST", "/users/user_1/profile_image", map[string]string{"file": "not a file"}, nil, wantErr{422, "form_param_format_invalid", "file"}},
		{"an unknown field beside the file is unknown", "POST", "/users/user_1/profile_image", map[string]string{"nope": "1"}, map[string]string{"file": image}, wantErr{422, "form_param_unknown", "nope"}},
		{"an organization logo with its uploader is valid", "PUT", "/organizations/org_1/logo", map[string]string{"uploader_user_id": "user_1"}, map[string]string{"file": image}, wantErr{}},
		{"an organization logo without file is missing it", "PUT", "/organizations/org_1/logo", map[string]string{"uploader_user_id": "user_1"}, nil, wantErr{422, "form_param_missing", "file"}},
		{"a file where a text field belongs is invalid", "PUT", "/organizations/org_1/logo", nil, map[string]string{"file": image, "uploader_user_id": "x"}, wantErr{422, "form_param_format_invalid", "uploader_user_id"}},
		{"an upload above the JSON cap but under the multipart cap is valid", "POST", "/users/user_1/profile_image", nil, map[string]string{"file": strings.Repeat("x", 2*MaxBodyBytes)}, wantErr{}},
		{"an upload over the multipart cap is too large", "POST", "/users/user_1/profile_image", nil, map[string]string{"file": strings.Repeat("x", MaxMultipartBytes)}, wantErr{413, "request_body_too_large", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, ct := multipartBody(tt.fields, tt.files)
			got, err := validate(t, v2021, newRequest(tt.method, tt.target, ct, body))
			checkErr(t, err, tt.want)
			if tt.want.status == 0 {
				if got.Form == nil || len(got.Form.File["file"]) != 1 || got.Body != nil {
					t.Fatalf("Request = %+v", got)
				}
				got.Form.RemoveAll()
			}
		})
	}
}

func TestMalformedMultipartBodies(t *testing.T) {
	tests := []struct {
		name, ct, body string
		want           wantErr
	}{
		{"JSON to an upload is an unsupported media type", "application/json", `{"file":"x"}`, wantErr{415, "unsupported_media_type", ""}},
		{"a multipart body without boundary is malformed", "multipart/form-data", "--x\r\n", wantErr{400, "request_body_invalid", ""}},
		{"a multipart body with another boundary is malformed", "multipart/form-data; boundary=abc", "--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--xyz--\r\n", wantErr{400, "request_body_invalid", ""}},
		{"a truncated multipart body is malformed", "multipart/form-data; boundary=abc", "--abc\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n\r\nxx", wantErr{400, "request_body_invalid", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := validate(t, v2021, newRequest("POST", "/users/user_1/profile_image", tt.ct, strings.NewReader(tt.body)))
			checkErr(t, err, tt.want)
		})
	}
}

func TestMessagesNeverQuoteTheValueSent(t *testing.T) {
	const secret = "hunter2-very-secret"
	bodies := []string{
		`{"password": ["` + secret + `"]}`,
		`{"password": {"x": "` + secret + `"}}`,
		`{"totp_secret": 1, "password": "` + secret + `"}`,
		`{"email_address": ["` + secret + `", 2]}`,
	}
	for _, body := range bodies {
		_, err := validate(t, v2021, newRequest("POST", "/users", "application/json", strings.NewReader(body)))
		e, ok := err.(*Error)
		if !ok {
			t.Fatalf("%s: error = %v", body, err)
		}
		if out := string(e.Body("trace")) + e.Error(); strings.Contains(out, secret) {
			t.Fatalf("the error quotes the secret: %s", out)
		}
	}
}

func TestFormatInvalidSaysWhatIsExpected(t *testing.T) {
	tests := []struct{ target, body, want string }{
		{"/users", `{"first_name": 12}`, "first_name must be a string or null."},
		{"/users", `{"skip_password_checks": "yes"}`, "skip_password_checks must be a boolean."},
		{"/users?limit=1000", "", "limit must be less than or equal to 500."},
	}
	for _, tt := range tests {
		method, ct := "POST", "application/json"
		if tt.body == "" {
			method, ct = "GET", ""
		}
		_, err := validate(t, v2021, newRequest(method, tt.target, ct, strings.NewReader(tt.body)))
		if e, ok := err.(*Error); !ok || e.LongMessage != tt.want || e.Message != "is invalid" {
			t.Fatalf("%s %s: error = %v, want long message %q", tt.target, tt.body, err, tt.want)
		}
	}
}

func TestValidateRequestNeedsARouteFromMatch(t *testing.T) {
	_, err := reg.ValidateRequest(&Route{}, newRequest("GET", "/users", "", nil))
	if e, ok := err.(*Error); !ok || e.Status != 500 {
		t.Fatalf("error = %v", err)
	}
}

func TestQuickChecksAgreeWithTheSchema(t *testing.T) {
	schemas := map[string]string{
		"limit (number, 1..500)":     `{"type":"number","minimum":1,"maximum":500}`,
		"an exclusive integer int32": `{"type":"integer","format":"int32","minimum":0,"exclusiveMinimum":true,"maximum":10,"exclusiveMaximum":true}`,
		"an int64":                   `{"type":"integer","format":"int64"}`,
		"a boolean":                  `{"type":"boolean"}`,
	}
	values := []string{"", "0", "1", "-1", "1.5", "1.0", "10", "9", "500", "500.5", "501", "1e2", "1e400", "-0", "abc",
		"NaN", "Inf", "0x10", "1_000", "9223372036854775808", "99999999999999999999", "true", "false", "True", " 1"}
	for name, js := range schemas {
		var s openapi3.Schema
		if err := json.Unmarshal([]byte(js), &s); err != nil {
			t.Fatal(err)
		}
		quick := quickCheck(&s)
		if quick == nil {
			t.Fatalf("%s: no quick check", name)
		}
		for _, v := range values {
			slow := s.VisitJSON(coerce(v, &s), requestOpts...) == nil
			if quick(v) && !slow {
				t.Errorf("%s: the quick check accepts %q, which the schema rejects", name, v)
			}
		}
	}
}

func TestConcurrentValidationIsRaceFree(t *testing.T) {
	type call struct{ version, method, target, ct, body string }
	calls := []call{
		{v2021, "GET", "/users/user_1", "", ""},
		{v2021, "GET", "/users?limit=1000", "", ""},
		{v2021, "POST", "/users", "application/json", typicalUser},
		{v2021, "POST", "/users", "application/x-www-form-urlencoded", "first_name=a&nope=1"},
		{v2026, "GET", "/api_keys/ak_0123456789abcdef0123456789abcdef", "", ""},
		{v2026, "POST", "/saml_connections", "application/json", `{"name":"n","provider":"saml_custom","domain":"x","login_hint":{"mode":"bogus"}}`},
	}
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 40; i++ {
				c := calls[(g+i)%len(calls)]
				req := newRequest(c.method, c.target, c.ct, strings.NewReader(c.body))
				rt, err := reg.Match(c.version, req.Method, strings.TrimPrefix(req.URL.EscapedPath(), "/v1"))
				if err == nil {
					_, err = reg.ValidateRequest(rt, req)
				}
				if _, ok := err.(*Error); err != nil && !ok {
					t.Errorf("%s %s: %v", c.method, c.target, err)
				}
			}
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
}
