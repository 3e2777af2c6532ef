package httpapi

import (
	"bytes"
	"encoding/json"

	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/clerkgo/clerk/emulator"
	"github.com/clerkgo/clerk/emulator/specs"
	"github.com/clerkgo/clerk/internal/v2021"
)

// What the generated routes (backend_gen.go) use to read a request that
// passed validation into the SDK's params types.

// decodeJSON reads the validated JSON body into v; an absent body leaves
// v as it is. With numbers, numbers in free-form values stay json.Number
// (stored exactly as sent). A property the request's API version accepts
// but the SDK's params type (of version 2021-02-05) lacks is refused
// rather than dropped: the server would otherwise ignore what the client
// asked for.
func decodeJSON(req *specs.Request, v any, numbers bool) error {
	if len(req.Body) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(req.Body))
	dec.DisallowUnknownFields()
	if numbers {
		dec.UseNumber()
	}
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name, _ = strconv.Unquote(name)
		return &emulator.Error{Kind: emulator.KindInvalid, Code: "form_param_value_invalid", Param: name,
			Message: "is not supported",
			LongMessage: name + " is valid in API version " + req.Route.Version +
				" but not supported by the local Backend API yet."}
	}
	return &specs.Error{Status: http.StatusBadRequest, Code: "request_body_invalid",
		Message: "invalid request body", LongMessage: "The request body is not valid JSON for this operation."}
}

// upload is a file of a multipart request, open for reading.
type upload struct {
	v2021.File
	io.Closer
}

// formFile opens the file part name of a multipart request; its absence is
// Clerk's form_param_missing.
func formFile(req *specs.Request, name string) (*upload, error) {
	var fhs []*multipart.FileHeader
	if req.Form != nil {
		fhs = req.Form.File[name]
	}
	if len(fhs) == 0 {
		return nil, &specs.Error{Status: http.StatusUnprocessableEntity, Code: "form_param_missing",
			Message: "missing required parameter", LongMessage: name + " must be included.", ParamName: name}
	}
	f, err := fhs[0].Open()
	if err != nil {
		return nil, err
	}
	return &upload{File: v2021.File{Name: fhs[0].Filename, ContentType: fhs[0].Header.Get("Content-Type"), Body: f}, Closer: f}, nil
}

// formValue returns the text field name of a multipart request, nil when
// absent.
func formValue(req *specs.Request, name string) *string {
	if req.Form == nil || len(req.Form.Value[name]) == 0 {
		return nil
	}
	v := req.Form.Value[name][0]
	return &v
}

// queryString returns a query parameter, nil when absent (present and
// empty is "").
func queryString(q url.Values, name string) *string {
	vs, ok := q[name]
	if !ok || len(vs) == 0 {
		return nil
	}
	return &vs[0]
}

// queryStrings returns every value of a repeated query parameter.
func queryStrings(q url.Values, name string) []string {
	return q[name]
}

// queryInt returns an integer query parameter, nil when absent. Validation
// has checked that it is an integer within the spec's bounds.
func queryInt(q url.Values, name string) *int64 {
	v := q.Get(name)
	if v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(v, 64) // "1e2", which the spec's integer accepts
		if ferr != nil {
			return nil
		}
		n = int64(f)
	}
	return &n
}

// queryBool returns a boolean query parameter, nil when absent.
func queryBool(q url.Values, name string) *bool {
	v := q.Get(name)
	if v == "" {
		return nil
	}
	b := v == "true"
	return &b
}

// paginated reports whether a list is asked for as {data, total_count}.
func paginated(req *specs.Request) bool {
	return req.Query.Get("paginated") == "true"
}

// htmlPage is an answer written as text/html (the interstitial).
type htmlPage []byte
