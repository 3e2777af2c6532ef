package specs

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Error is a request the server must refuse, as Clerk words it: the HTTP
// status and one entry of Clerk's error body. Match and ValidateRequest
// return only this type of error.
type Error struct {
	Status      int    // HTTP status, e.g. 422
	Code        string // Clerk's error code, e.g. "form_param_missing"
	Message     string // short, e.g. "is invalid"
	LongMessage string // a sentence, e.g. "first_name must be a string."
	// ParamName names the parameter at fault (meta.param_name): a query
	// parameter, a body property, or a dotted path into the body
	// ("login_hint.mode", "email_address.0"). Empty when none is.
	ParamName string
	// Allow lists the methods the path accepts, for 405 answers.
	Allow []string
}

// Error returns e's status, code and long message.
func (e *Error) Error() string {
	return fmt.Sprintf("specs: %d %s: %s", e.Status, e.Code, e.LongMessage)
}

// wireError is one entry of Clerk's error body.
type wireError struct {
	Message     string            `json:"message"`
	LongMessage string            `json:"long_message"`
	Code        string            `json:"code"`
	Meta        map[string]string `json:"meta,omitempty"`
}

// Body returns Clerk's error body for e:
//
//	{"errors":[{"message":"…","long_message":"…","code":"…","meta":{"param_name":"…"}}],"clerk_trace_id":"…"}
//
// meta is left out when e names no parameter.
func (e *Error) Body(traceID string) []byte {
	we := wireError{Message: e.Message, LongMessage: e.LongMessage, Code: e.Code}
	if e.ParamName != "" {
		we.Meta = map[string]string{"param_name": e.ParamName}
	}
	data, _ := json.Marshal(struct {
		Errors       []wireError `json:"errors"`
		ClerkTraceID string      `json:"clerk_trace_id"`
	}{[]wireError{we}, traceID}) // strings only: cannot fail
	return data
}

// Respond writes e to w: its status, Content-Type application/json, the
// Allow header of a 405, and Body(traceID).
func (e *Error) Respond(w http.ResponseWriter, traceID string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if len(e.Allow) > 0 {
		h.Set("Allow", strings.Join(e.Allow, ", "))
	}
	status := e.Status
	if status < 100 || status > 999 {
		status = http.StatusInternalServerError
	}
	w.WriteHeader(status)
	w.Write(e.Body(traceID))
}

// Constructors of the errors validation returns. Messages never quote the
// value sent: it may be a password or a secret.

func missingParam(name string) *Error {
	return &Error{Status: 422, Code: "form_param_missing", Message: "missing required parameter",
		LongMessage: name + " must be included.", ParamName: name}
}

func unknownParam(name string) *Error {
	name = clip(name) // chosen by the client
	return &Error{Status: 422, Code: "form_param_unknown", Message: "is unknown",
		LongMessage: name + " is not a valid parameter for this request.", ParamName: name}
}

func invalidParam(name, long string) *Error {
	return &Error{Status: 422, Code: "form_param_format_invalid", Message: "is invalid",
		LongMessage: long, ParamName: name}
}

func bodyInvalid(long string) *Error {
	return &Error{Status: 400, Code: "request_body_invalid", Message: "invalid request body", LongMessage: long}
}

func bodyTooLarge(limit int64) *Error {
	return &Error{Status: 413, Code: "request_body_too_large", Message: "request body too large",
		LongMessage: fmt.Sprintf("The request body must not be larger than %d bytes.", limit)}
}

func unsupportedMediaType(long string) *Error {
	return &Error{Status: 415, Code: "unsupported_media_type", Message: "unsupported media type", LongMessage: long}
}

// fromSchemaError translates an error of Schema.VisitJSON into an *Error.
// base names the value visited (a query parameter) or is "" for a body,
// whose errors are named by their path in it.
func fromSchemaError(err error, base string) *Error {
	se := firstSchemaError(err)
	if se == nil {
		// Not a schema error (e.g. a pattern the regexp engine rejects):
		// the value cannot be judged valid.
		return invalidParam(base, subject(base)+" is invalid.")
	}
	path := se.JSONPointer()
	name := base
	if base == "" {
		name = strings.Join(path, ".")
	}
	s := se.Schema
	switch se.SchemaField {
	case "required":
		return missingParam(name)
	case "properties", "readOnly":
		if se.SchemaField == "properties" {
			if prop, ok := unsupportedProperty(se.Reason); ok {
				name = joinPath(name, prop)
			}
		}
		return unknownParam(name)
	case "anyOf", "oneOf":
		// A choice of required properties ("domain" or "domains").
		if alts := requiredAlternatives(s, se.SchemaField); len(alts) > 0 {
			e := missingParam(joinPath(name, alts[0]))
			for i := range alts {
				alts[i] = joinPath(name, alts[i])
			}
			e.LongMessage = "One of " + strings.Join(alts, ", ") + " must be included."
			return e
		}
	}
	return invalidParam(name, describe(subject(name), se))
}

// firstSchemaError returns the first SchemaError of err, looking inside
// allOf failures for the error of the member that failed.
func firstSchemaError(err error) *openapi3.SchemaError {
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		return nil
	}
	if se.SchemaField == "allOf" && se.Origin != nil {
		var inner *openapi3.SchemaError
		if errors.As(se.Origin, &inner) {
			return inner
		}
	}
	return se
}

// unsupportedProperty extracts the property name from kin-openapi's
// reason `property "x" is unsupported`.
func unsupportedProperty(reason string) (string, bool) {
	q, ok := strings.CutPrefix(reason, "property ")
	if !ok {
		return "", false
	}
	q, ok = strings.CutSuffix(q, " is unsupported")
	if !ok {
		return "", false
	}
	name, err := strconv.Unquote(q)
	return name, err == nil
}

// requiredAlternatives returns the property names of an anyOf/oneOf whose
// members only require properties, or nil.
func requiredAlternatives(s *openapi3.Schema, field string) []string {
	if s == nil {
		return nil
	}
	members := s.AnyOf
	if field == "oneOf" {
		members = s.OneOf
	}
	var names []string
	for _, m := range members {
		v := m.Value
		if v == nil || len(v.Required) == 0 || v.Type != nil || len(v.Properties) > 0 {
			return nil
		}
		names = append(names, v.Required...)
	}
	return names
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

func subject(name string) string {
	if name == "" {
		return "The request body"
	}
	return name
}

// describe words what the value of name fails in se's schema, without
// quoting the value.
func describe(name string, se *openapi3.SchemaError) string {
	s := se.Schema
	if s == nil {
		return name + " is invalid."
	}
	switch se.SchemaField {
	case "type":
		return name + " must be " + typeName(s) + "."
	case "nullable":
		return name + " must not be null."
	case "enum":
		vals := make([]string, 0, len(s.Enum))
		for _, v := range s.Enum {
			vals = append(vals, fmt.Sprint(v))
		}
		return name + " must be one of: " + strings.Join(vals, ", ") + "."
	case "minimum":
		if s.Min != nil {
			return fmt.Sprintf("%s must be greater than or equal to %g.", name, *s.Min)
		}
	case "maximum":
		if s.Max != nil {
			return fmt.Sprintf("%s must be less than or equal to %g.", name, *s.Max)
		}
	case "exclusiveMinimum":
		if s.Min != nil {
			return fmt.Sprintf("%s must be greater than %g.", name, *s.Min)
		}
	case "exclusiveMaximum":
		if s.Max != nil {
			return fmt.Sprintf("%s must be less than %g.", name, *s.Max)
		}
	case "multipleOf":
		if s.MultipleOf != nil {
			return fmt.Sprintf("%s must be a multiple of %g.", name, *s.MultipleOf)
		}
	case "minLength":
		return fmt.Sprintf("%s must be at least %d characters long.", name, s.MinLength)
	case "maxLength":
		if s.MaxLength != nil {
			return fmt.Sprintf("%s must be at most %d characters long.", name, *s.MaxLength)
		}
	case "minItems":
		return fmt.Sprintf("%s must contain at least %d items.", name, s.MinItems)
	case "maxItems":
		if s.MaxItems != nil {
			return fmt.Sprintf("%s must contain at most %d items.", name, *s.MaxItems)
		}
	case "uniqueItems":
		return name + " must not contain duplicate items."
	case "minProperties":
		return fmt.Sprintf("%s must have at least %d properties.", name, s.MinProps)
	case "maxProperties":
		if s.MaxProps != nil {
			return fmt.Sprintf("%s must have at most %d properties.", name, *s.MaxProps)
		}
	case "pattern":
		return name + " has an invalid format."
	case "format":
		return name + " must be a valid " + s.Format + "."
	case "oneOf", "anyOf":
		return name + " does not match any of the accepted forms."
	}
	return name + " is invalid."
}

// typeName words the type of s: "a string", "an integer", "a string or null".
func typeName(s *openapi3.Schema) string {
	if s.Type == nil {
		return "valid"
	}
	var parts []string
	for _, t := range s.Type.Slice() {
		switch t {
		case openapi3.TypeInteger, openapi3.TypeArray, openapi3.TypeObject:
			parts = append(parts, "an "+t)
		case openapi3.TypeNull:
			parts = append(parts, "null")
		default:
			parts = append(parts, "a "+t)
		}
	}
	if s.Nullable {
		parts = append(parts, "null")
	}
	if len(parts) == 0 {
		return "valid"
	}
	return strings.Join(parts, " or ")
}
