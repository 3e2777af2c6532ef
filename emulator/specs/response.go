package specs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"

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
		return fmt.Errorf("specs: %s: status %d: body is not JSON: %w", where, status, err)
	}
	if err := mt.Schema.Value.VisitJSON(v, responseOpts...); err != nil {
		return fmt.Errorf("specs: %s: status %d: body does not match the spec: %w", where, status, err)
	}
	return nil
}
