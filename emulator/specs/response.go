package specs

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// responseOpts are the options of every VisitJSON of a response body.
var responseOpts = []openapi3.SchemaValidationOption{openapi3.VisitAsResponse(), openapi3.MultiErrors()}

// ValidateResponse checks a response to a request of route against what
// the spec declares for status: the status must be declared (exactly, as
// "4XX", or by "default"), a declared content must come with a matching
// Content-Type and a JSON body that validates against its schema, and a
// response that declares no content must have an empty body. It is meant
// for tests of the server; its errors are plain errors describing every
// mismatch found.
func (r *Registry) ValidateResponse(route *Route, status int, header http.Header, body []byte) error {
	if route == nil || route.op == nil {
		return fmt.Errorf("specs: ValidateResponse needs a route from Match")
	}
	op := route.op
	where := fmt.Sprintf("%s %s (%s, version %s)", op.method, op.template, op.id, route.Version)
	var ref *openapi3.ResponseRef
	if op.responses != nil {
		if ref = op.responses.Status(status); ref == nil {
			ref = op.responses.Default()
		}
	}
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("specs: %s: status %d is not declared", where, status)
	}
	resp := ref.Value
	if len(resp.Content) == 0 {
		if len(bytes.TrimSpace(body)) > 0 {
			return fmt.Errorf("specs: %s: status %d declares no body, got %d bytes", where, status, len(body))
		}
		return nil
	}
	ct := header.Get("Content-Type")
	mt := resp.Content.Get(ct)
	if mt == nil {
		return fmt.Errorf("specs: %s: status %d: Content-Type %q is not declared", where, status, ct)
	}
	if mt.Schema == nil || mt.Schema.Value == nil {
		return nil
	}
	base, _, _ := mime.ParseMediaType(ct)
	if !isJSON(base) {
		return nil // only JSON bodies are checked against schemas
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return &responseError{where: fmt.Sprintf("%s: status %d", where, status), what: "body is not JSON", err: err}
	}
	if err := mt.Schema.Value.VisitJSON(v, responseOpts...); err != nil {
		return &responseError{where: fmt.Sprintf("%s: status %d", where, status), what: "body does not match the spec", err: err}
	}
	return nil
}

// responseError is an error of ValidateResponse about the body.
type responseError struct {
	where, what string // the operation and status; what is wrong
	err         error
}

func (e *responseError) Error() string {
	return fmt.Sprintf("specs: %s: %s: %v", e.where, e.what, e.err)
}

func (e *responseError) Unwrap() error { return e.err }

// ProblemsWithoutValues describes an error of ValidateResponse without the
// values of the body, which can hold tokens and keys: one line per schema
// mismatch, "operation: /json/pointer: reason" (kin-openapi keeps values
// out of a SchemaError's Reason), or the error's own message for the
// errors that carry no value (an undeclared status or Content-Type, a body
// that is not JSON). For logs.
func ProblemsWithoutValues(err error) []string {
	if err == nil {
		return nil
	}
	var out []string
	collectProblems(err, "", &out)
	return out
}

// reasonWithoutValue is a SchemaError's Reason, except for the two kinds
// whose reason can quote the body: an undeclared property (its name) and a
// format error (the parser's message, which can quote the value).
func reasonWithoutValue(e *openapi3.SchemaError) string {
	switch {
	case e.SchemaField == "additionalProperties",
		e.SchemaField == "properties" && strings.HasPrefix(e.Reason, "property ") && strings.HasSuffix(e.Reason, " is unsupported"):
		return "a property the schema does not declare"
	case e.SchemaField == "format" && e.Schema != nil:
		return fmt.Sprintf("not in the format %q", e.Schema.Format)
	}
	return e.Reason
}

func collectProblems(err error, where string, out *[]string) {
	var re *responseError
	if where == "" && errors.As(err, &re) {
		where = re.where + ": "
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		switch e := e.(type) {
		case openapi3.MultiError:
			for _, each := range e {
				collectProblems(each, where, out)
			}
			return
		case *openapi3.SchemaError:
			*out = append(*out, where+"/"+strings.Join(e.JSONPointer(), "/")+": "+reasonWithoutValue(e))
			return
		case *json.SyntaxError, *json.UnmarshalTypeError:
			*out = append(*out, where+"the body is not JSON")
			return
		}
	}
	*out = append(*out, err.Error())
}
