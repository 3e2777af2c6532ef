package specs

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// Request is a request that passed validation.
type Request struct {
	// Route is the operation the request matched.
	Route *Route
	// Query is the parsed query string; nil when the request has none.
	Query url.Values
	// Body is the JSON body; nil when there is none, for multipart
	// bodies, and for operations that take no body. An
	// application/x-www-form-urlencoded body is converted to the JSON
	// object it stands for (see ValidateRequest), so handlers decode JSON
	// whatever the client sent.
	Body []byte
	// Form is the parsed multipart/form-data body, files included (held
	// in memory: they are capped by MaxMultipartBytes); nil for other
	// bodies.
	Form *multipart.Form
}

// requestOpts are the options of every VisitJSON of a request value.
var requestOpts = []openapi3.SchemaValidationOption{openapi3.VisitAsRequest(), openapi3.DisableSchemaErrorDetails()}

// ValidateRequest reads req's body and validates the request against the
// operation of route (from Match with the same Registry). Every way a
// request can be wrong is reported as an *Error, never a panic. The body
// is read and decoded first, then the path, the query and the decoded
// body are checked, the first failure winning:
//
//   - 413 request_body_too_large: Content-Length or the body read exceeds
//     MaxBodyBytes (MaxMultipartBytes for multipart/form-data);
//   - 415 unsupported_media_type: a non-empty body of a media type the
//     operation does not take. Operations with a JSON body also take
//     application/x-www-form-urlencoded, converted to the JSON object the
//     schema describes: each value is coerced to its property's type
//     ("12" to 12 for integers, "true" to true, JSON text for objects),
//     repeated keys and "key[]" fill arrays (a repeated scalar keeps its
//     first value), an empty value of a nullable non-string property is
//     null. A body without Content-Type is taken as JSON. Operations that
//     declare no body take JSON and form bodies but reject any property in
//     them;
//   - 400 request_body_invalid: malformed JSON (trailing data included),
//     a malformed form or multipart body, a JSON value that is not an
//     object where the schema wants one;
//   - 422 form_param_value_invalid for a path parameter, query name or
//     value, form field or string of a JSON body that holds NUL or is not
//     UTF-8 (text.go says why), checked first in each part;
//   - 422 form_param_format_invalid (path parameters against their
//     schemas);
//   - 400 request_query_invalid for a query string that does not parse,
//     then 422 form_param_unknown for an undeclared query parameter ("paginated",
//     a boolean, is accepted on every GET), form_param_missing and
//     form_param_format_invalid for declared ones, in declared order;
//   - 422 for the body: form_param_unknown for a top-level property the
//     schema does not declare (even where it does not say
//     additionalProperties: false), form_param_missing for a required one,
//     then what VisitJSON finds, nested properties named by dotted paths
//     ("login_hint.mode", "email_address.1").
//
// An absent (or empty, or JSON null) body is fine unless the spec requires
// one: a required object body is then validated as {}, so what is missing
// is named; a required multipart upload whose schema lists no required
// property requires its file properties.
func (r *Registry) ValidateRequest(route *Route, req *http.Request) (*Request, error) {
	if route == nil || route.op == nil {
		return nil, &Error{Status: 500, Code: "internal_clerk_error", Message: "Oops, an unexpected error occurred",
			LongMessage: "ValidateRequest was given a route that Match did not return."}
	}
	op := route.op
	out := &Request{Route: route}
	sh, value, present, e := op.decodeBody(req, out)
	if e != nil {
		return nil, e
	}
	if e := op.checkPath(route.PathParams); e != nil {
		return nil, e
	}
	if e := op.checkQuery(req, out); e != nil {
		return nil, e
	}
	if present {
		if e := checkBody(sh, value); e != nil {
			return nil, e
		}
	}
	return out, nil
}

// checkPath validates the path parameters that have a schema stricter
// than "a string".
func (op *operation) checkPath(vals map[string]string) *Error {
	for _, name := range op.pathNames {
		if p := textProblem(vals[name]); p != "" {
			return badText(name, p)
		}
	}
	for _, name := range op.pathNames {
		p := op.pathParams[name]
		if p == nil || p.plain || (p.accepts != nil && p.accepts(vals[name])) {
			continue
		}
		if err := p.schema.VisitJSON(coerce(vals[name], p.schema), requestOpts...); err != nil {
			return fromSchemaError(err, name)
		}
	}
	return nil
}

// checkQuery parses and validates the query string, setting out.Query.
func (op *operation) checkQuery(req *http.Request, out *Request) *Error {
	raw := req.URL.RawQuery
	if raw == "" {
		for _, p := range op.query {
			if p.required {
				return missingParam(p.name)
			}
		}
		return nil
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return &Error{Status: 400, Code: "request_query_invalid", Message: "invalid query string",
			LongMessage: "The query string is malformed (a bad %-escape or a ';' separator)."}
	}
	out.Query = q
	if e := checkValuesText(q); e != nil {
		return e
	}
	paginated := op.method == "GET" && op.queryByName["paginated"] == nil
	// The first unknown name in byte order: the answer must not depend
	// on map order, and "" (from "&=") is a name like any other.
	unknown, found := "", false
	for k := range q {
		if op.queryByName[k] != nil || (paginated && k == "paginated") {
			continue
		}
		if ignoredQuery[op.id][k] {
			delete(q, k) // accepted, and ignored
			continue
		}
		if !found || k < unknown {
			unknown, found = k, true
		}
	}
	if found {
		return unknownParam(unknown)
	}
	for _, p := range op.query {
		vals, ok := q[p.name]
		if !ok {
			if p.required {
				return missingParam(p.name)
			}
			continue
		}
		if e := p.check(vals); e != nil {
			return e
		}
	}
	if paginated {
		for _, v := range q["paginated"] {
			if v != "true" && v != "false" {
				return invalidParam("paginated", "paginated must be a boolean.")
			}
		}
	}
	return nil
}

// ignoredQuery lists undeclared query parameters that official SDKs send
// and the API ignores: Clerk's Go SDK sends its list paging to
// /users/count. They are accepted and dropped.
var ignoredQuery = map[string]map[string]bool{
	"GetUsersCount": {"limit": true, "offset": true, "order_by": true},
}

// check validates the values of a query parameter: each value of a
// scalar (a repeated scalar must be valid every time), all of them
// together for an array.
func (p *param) check(vals []string) *Error {
	if p.plain {
		return nil
	}
	if p.array {
		var items *openapi3.Schema
		if p.schema.Items != nil {
			items = p.schema.Items.Value
		}
		arr := make([]any, 0, len(vals))
		for _, v := range vals {
			if p.sep == "" {
				arr = append(arr, coerce(v, items))
				continue
			}
			for part := range strings.SplitSeq(v, p.sep) {
				arr = append(arr, coerce(part, items))
			}
		}
		if err := p.schema.VisitJSON(arr, requestOpts...); err != nil {
			return fromSchemaError(err, p.name)
		}
		return nil
	}
	for _, v := range vals {
		if p.accepts != nil && p.accepts(v) {
			continue
		}
		if err := p.schema.VisitJSON(coerce(v, p.schema), requestOpts...); err != nil {
			return fromSchemaError(err, p.name)
		}
	}
	return nil
}

// decodeBody reads and decodes the body of req. It returns the shape the
// body is validated against, the decoded value, and whether there is one
// to validate; it sets out.Body or out.Form.
func (op *operation) decodeBody(req *http.Request, out *Request) (*shape, any, bool, *Error) {
	mediaType, params := "", map[string]string(nil)
	if ct := req.Header.Get("Content-Type"); ct != "" {
		var err error
		if mediaType, params, err = mime.ParseMediaType(ct); err != nil {
			mediaType = "invalid"
		}
	}
	limit := int64(MaxBodyBytes)
	if mediaType == "multipart/form-data" {
		limit = MaxMultipartBytes
	}
	if req.ContentLength > limit {
		return nil, nil, false, bodyTooLarge(limit)
	}
	var raw []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		raw, err = readAll(req.Body, req.ContentLength, limit)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, nil, false, bodyTooLarge(limit)
			}
			return nil, nil, false, bodyInvalid("The request body could not be read.")
		}
		if int64(len(raw)) > limit {
			return nil, nil, false, bodyTooLarge(limit)
		}
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return op.absentBody()
	}
	b := &op.body
	switch {
	case mediaType == "" || isJSON(mediaType):
		sh := b.json
		if !b.declared {
			sh = noBody
		}
		if sh == nil {
			return nil, nil, false, op.wrongMediaType(mediaType)
		}
		if !utf8.Valid(raw) {
			return nil, nil, false, bodyInvalid("The request body is not valid UTF-8.")
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, nil, false, jsonError(err)
		}
		if v == nil {
			return op.absentBody()
		}
		if b.declared {
			out.Body = raw
		}
		return sh, v, true, nil
	case mediaType == "application/x-www-form-urlencoded":
		sh := b.form
		if sh == nil {
			sh = b.json
		}
		if !b.declared {
			sh = noBody
		}
		if sh == nil {
			return nil, nil, false, op.wrongMediaType(mediaType)
		}
		vals, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, nil, false, bodyInvalid("The form-urlencoded request body is malformed.")
		}
		obj, e := formObject(vals, nil, sh)
		if e != nil {
			return nil, nil, false, e
		}
		if b.declared {
			out.Body, _ = json.Marshal(obj) // values from strings and json.Unmarshal: cannot fail
		}
		return sh, obj, true, nil
	case mediaType == "multipart/form-data":
		sh := b.multipart
		if sh == nil {
			return nil, nil, false, op.wrongMediaType(mediaType)
		}
		boundary := params["boundary"]
		if boundary == "" {
			return nil, nil, false, bodyInvalid("The multipart/form-data Content-Type has no boundary.")
		}
		form, err := multipart.NewReader(bytes.NewReader(raw), boundary).ReadForm(MaxMultipartBytes)
		if err != nil {
			if errors.Is(err, multipart.ErrMessageTooLarge) {
				return nil, nil, false, bodyTooLarge(limit)
			}
			return nil, nil, false, bodyInvalid("The multipart/form-data request body is malformed.")
		}
		out.Form = form
		obj, e := formObject(form.Value, form.File, sh)
		if e != nil {
			form.RemoveAll()
			out.Form = nil
			return nil, nil, false, e
		}
		return sh, obj, true, nil
	}
	return nil, nil, false, op.wrongMediaType(mediaType)
}

// readAll reads r, a body of contentLength bytes (-1 when unknown), up
// to limit+1 bytes so that a longer body shows. A known length sizes the
// buffer at once.
func readAll(r io.Reader, contentLength, limit int64) ([]byte, error) {
	if contentLength <= 0 || contentLength > limit {
		return io.ReadAll(io.LimitReader(r, limit+1))
	}
	buf := make([]byte, contentLength+1) // +1: a body longer than announced shows
	n, err := io.ReadFull(r, buf)
	switch err {
	case io.EOF, io.ErrUnexpectedEOF:
		return buf[:n], nil
	case nil:
		rest, err := io.ReadAll(io.LimitReader(r, limit+1-int64(n)))
		return append(buf[:n], rest...), err
	}
	return nil, err
}

// absentBody decides about a request without a body.
func (op *operation) absentBody() (*shape, any, bool, *Error) {
	b := &op.body
	if !b.declared || !b.required {
		return nil, nil, false, nil
	}
	sh := b.json
	if sh == nil {
		sh = b.multipart
	}
	if sh == nil {
		sh = b.form
	}
	if sh == nil || sh.schema == nil {
		return nil, nil, false, nil
	}
	if sh.object {
		return sh, map[string]any{}, true, nil
	}
	return nil, nil, false, &Error{Status: 422, Code: "form_param_missing", Message: "missing required parameter",
		LongMessage: "This endpoint requires a request body."}
}

func (op *operation) wrongMediaType(mediaType string) *Error {
	if !op.body.declared {
		return unsupportedMediaType("This endpoint takes no request body.")
	}
	got := "a request body without a valid Content-Type"
	if mediaType != "invalid" && mediaType != "" {
		got = clip(mediaType) + " request bodies"
	}
	return unsupportedMediaType("This endpoint does not accept " + got + "; it accepts " + op.body.accepts + ".")
}

// jsonError words a json.Unmarshal error without quoting the body.
func jsonError(err error) *Error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return bodyInvalid("The request body is not valid JSON (syntax error at byte " + strconv.FormatInt(se.Offset, 10) + ").")
	}
	return bodyInvalid("The request body is not valid JSON.")
}

// checkBody validates a decoded body against sh.
func checkBody(sh *shape, v any) *Error {
	if e := checkJSONText(v, ""); e != nil {
		return e
	}
	if sh == nil || sh.schema == nil {
		return nil
	}
	if sh.object {
		obj, ok := v.(map[string]any)
		if !ok {
			if sh == noBody {
				return bodyInvalid("This endpoint takes no request body.")
			}
			return bodyInvalid("The request body must be a JSON object.")
		}
		if sh.closed {
			unknown, found := "", false // as in checkQuery
			for k := range obj {
				if _, ok := sh.props[k]; !ok && (!found || k < unknown) {
					unknown, found = k, true
				}
			}
			if found {
				return unknownParam(unknown)
			}
		}
		for _, name := range sh.required {
			if _, ok := obj[name]; !ok {
				return missingParam(name)
			}
		}
	}
	if err := sh.schema.VisitJSON(v, requestOpts...); err != nil {
		return fromSchemaError(err, "")
	}
	return nil
}

// fileMarker stands for an uploaded file in the value validated against a
// multipart schema, where files are strings of format binary.
const fileMarker = "(file)"

// formObject converts form fields (and multipart files) to the JSON object
// sh's schema describes.
func formObject(values map[string][]string, files map[string][]*multipart.FileHeader, sh *shape) (map[string]any, *Error) {
	obj := make(map[string]any, len(values)+len(files))
	for _, k := range slices.Sorted(maps.Keys(values)) {
		vs := values[k]
		name, ps := sh.prop(k)
		if sh.binary[name] {
			return nil, invalidParam(name, name+" must be a file upload.")
		}
		if typeOf(ps) == openapi3.TypeArray {
			var items *openapi3.Schema
			if ps.Items != nil {
				items = ps.Items.Value
			}
			arr, _ := obj[name].([]any)
			for _, s := range vs {
				arr = append(arr, coerce(s, items))
			}
			obj[name] = arr
			continue
		}
		if _, dup := obj[name]; !dup && len(vs) > 0 {
			obj[name] = coerce(vs[0], ps)
		}
	}
	for k, fhs := range files {
		name, ps := sh.prop(k)
		if ps != nil && !sh.binary[name] {
			return nil, invalidParam(name, name+" must be a text field, not a file.")
		}
		if typeOf(ps) == openapi3.TypeArray {
			arr := make([]any, len(fhs))
			for i := range arr {
				arr[i] = fileMarker
			}
			obj[name] = arr
			continue
		}
		obj[name] = fileMarker
	}
	return obj, nil
}

// prop returns the property a form key stands for: the key itself, or
// for "name[]" the array property name.
func (sh *shape) prop(key string) (string, *openapi3.Schema) {
	if ps := sh.props[key]; ps != nil {
		return key, ps
	}
	if name, ok := strings.CutSuffix(key, "[]"); ok {
		if ps := sh.props[name]; ps != nil && typeOf(ps) == openapi3.TypeArray {
			return name, ps
		}
	}
	return key, nil
}

// coerce converts a string from a query or a form to the JSON value s
// wants, when it can; otherwise it returns the string, and VisitJSON
// reports the type.
func coerce(v string, s *openapi3.Schema) any {
	if s == nil {
		return v
	}
	t := typeOf(s)
	switch t {
	case openapi3.TypeInteger, openapi3.TypeNumber:
		if f, ok := parseNumber(v); ok {
			return f
		}
	case openapi3.TypeBoolean:
		switch v {
		case "true":
			return true
		case "false":
			return false
		}
	case openapi3.TypeObject, openapi3.TypeArray:
		if len(v) > 0 && (v[0] == '{' || v[0] == '[') {
			var x any
			if json.Unmarshal([]byte(v), &x) == nil {
				return x
			}
		}
	}
	if v == "" && t != openapi3.TypeString && s.Nullable {
		return nil
	}
	return v
}

// parseNumber parses a decimal number as JSON writes them (an optional
// minus, digits, an optional fraction and exponent); Go's other forms
// (hex, "Inf", "NaN", "_") are not numbers to Clerk.
func parseNumber(s string) (float64, bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == start {
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return 0, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return 0, false
		}
	}
	if i != len(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil // out of range: not a number we accept
}

// clip shortens a client-chosen name for a message.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}
