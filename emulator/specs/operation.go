package specs

import (
	"fmt"
	"maps"
	"math"
	"mime"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// operation is the validation plan of one operation, compiled from the
// spec when its version is loaded.
type operation struct {
	id, method, template string
	pathNames            []string // set by node.insert
	pathParams           map[string]*param
	query                []*param // declared order
	queryByName          map[string]*param
	body                 bodySpec
	responses            *openapi3.Responses
}

// param is a path or query parameter.
type param struct {
	name     string
	required bool
	schema   *openapi3.Schema // nil: any value
	array    bool             // the schema is an array: values come from repeated keys or are split
	sep      string           // for arrays that do not explode, e.g. ","
	plain    bool             // any string is valid: no VisitJSON needed
	// accepts, when not nil, tells at once that a scalar value is valid;
	// a value it does not accept goes through VisitJSON, for the error.
	accepts func(string) bool
}

// bodySpec describes the request body an operation takes.
type bodySpec struct {
	declared  bool // the operation has a requestBody
	required  bool
	json      *shape // application/json; also used for form-urlencoded bodies
	form      *shape // application/x-www-form-urlencoded, when declared apart
	multipart *shape // multipart/form-data
	accepts   string // the media types it accepts, for 415 messages
}

// shape is a body schema with its top level laid out for the checks made
// before VisitJSON.
type shape struct {
	schema *openapi3.Schema
	object bool                        // the body is a JSON object
	props  map[string]*openapi3.Schema // declared top-level properties, incl. those of allOf/anyOf/oneOf members
	closed bool                        // a top-level property not in props is unknown
	// required lists the top-level properties a body must have, in
	// declared order.
	required []string
	binary   map[string]bool // multipart: properties that are file uploads
}

// noBody is the shape of the body of an operation that declares none: an
// empty object, so that any property sent is unknown.
var noBody = &shape{schema: openapi3.NewObjectSchema(), object: true, props: map[string]*openapi3.Schema{}, closed: true}

// compile builds the routing tree and the operations of doc.
func compile(doc *openapi3.T) (*spec, error) {
	s := &spec{doc: doc, root: &node{}}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, method := range methods {
			o := item.GetOperation(method)
			if o == nil {
				continue
			}
			op, err := compileOperation(path, method, item, o)
			if err != nil {
				return nil, err
			}
			if err := s.root.insert(op); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

func compileOperation(path, method string, item *openapi3.PathItem, o *openapi3.Operation) (*operation, error) {
	op := &operation{
		id: o.OperationID, method: method, template: path,
		pathParams:  map[string]*param{},
		queryByName: map[string]*param{},
		responses:   o.Responses,
	}
	if op.id == "" {
		op.id = method + " " + path
	}
	// Parameters of the operation override those of the path item.
	var all []*openapi3.Parameter
	for _, ref := range o.Parameters {
		all = append(all, ref.Value)
	}
	for _, ref := range item.Parameters {
		if o.Parameters.GetByInAndName(ref.Value.In, ref.Value.Name) == nil {
			all = append(all, ref.Value)
		}
	}
	for _, p := range all {
		cp, err := compileParam(p)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
		switch p.In {
		case openapi3.ParameterInPath:
			op.pathParams[p.Name] = cp
		case openapi3.ParameterInQuery:
			op.query = append(op.query, cp)
			op.queryByName[p.Name] = cp
		}
		// Header and cookie parameters are not validated: the specs
		// declare none.
	}
	if rb := o.RequestBody; rb != nil && rb.Value != nil {
		op.body.declared = true
		op.body.required = rb.Value.Required
		var accepts []string
		for _, ct := range slices.Sorted(maps.Keys(rb.Value.Content)) {
			mt := rb.Value.Content[ct]
			base, _, err := mime.ParseMediaType(ct)
			if err != nil {
				base = strings.ToLower(ct)
			}
			var schema *openapi3.Schema
			if mt.Schema != nil {
				schema = mt.Schema.Value
			}
			sh := newShape(schema, base == "multipart/form-data", rb.Value.Required)
			switch {
			case isJSON(base):
				op.body.json = sh
			case base == "application/x-www-form-urlencoded":
				op.body.form = sh
			case base == "multipart/form-data":
				op.body.multipart = sh
			default:
				continue // a media type the server cannot decode: not offered
			}
			accepts = append(accepts, base)
		}
		if op.body.json != nil && op.body.form == nil {
			accepts = append(accepts, "application/x-www-form-urlencoded")
		}
		op.body.accepts = strings.Join(accepts, ", ")
	}
	return op, nil
}

func compileParam(p *openapi3.Parameter) (*param, error) {
	cp := &param{name: p.Name, required: p.Required || p.In == openapi3.ParameterInPath}
	if p.Schema != nil {
		cp.schema = p.Schema.Value
	}
	if cp.schema == nil {
		cp.plain = true
		return cp, nil
	}
	cp.plain = isPlainString(cp.schema)
	cp.accepts = quickCheck(cp.schema)
	if s := cp.schema; typeOf(s) == openapi3.TypeArray {
		cp.array = true
		cp.plain = s.Items != nil && s.Items.Value != nil && isPlainString(s.Items.Value) &&
			s.MinItems == 0 && s.MaxItems == nil && !s.UniqueItems && len(s.Enum) == 0 &&
			s.Not == nil && len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) == 0
		sm, err := p.SerializationMethod()
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", p.Name, err)
		}
		if !sm.Explode {
			switch sm.Style {
			case openapi3.SerializationSpaceDelimited:
				cp.sep = " "
			case openapi3.SerializationPipeDelimited:
				cp.sep = "|"
			default:
				cp.sep = ","
			}
		}
	}
	return cp, nil
}

// isPlainString reports whether every string is valid for s.
func isPlainString(s *openapi3.Schema) bool {
	return s.Type != nil && s.Type.Is(openapi3.TypeString) && s.Format == "" && s.Pattern == "" &&
		len(s.Enum) == 0 && s.MinLength == 0 && s.MaxLength == nil && s.Not == nil &&
		len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) == 0
}

// quickCheck returns a check that accepts the values valid for the simple
// scalar schemas of most query parameters (numbers with bounds, booleans)
// without VisitJSON, or nil for other schemas.
func quickCheck(s *openapi3.Schema) func(string) bool {
	if s.Type == nil || len(s.Enum) != 0 || s.Not != nil || len(s.AllOf)+len(s.AnyOf)+len(s.OneOf) != 0 {
		return nil
	}
	switch {
	case s.Type.Is(openapi3.TypeBoolean):
		return func(v string) bool { return v == "true" || v == "false" }
	case s.Type.Is(openapi3.TypeNumber) || s.Type.Is(openapi3.TypeInteger):
		if s.MultipleOf != nil || s.ExclusiveMin.Value != nil || s.ExclusiveMax.Value != nil {
			return nil
		}
		integer := s.Type.Is(openapi3.TypeInteger)
		lo, hi := math.Inf(-1), math.Inf(1)
		switch s.Format {
		case "":
		case "int32":
			lo, hi = math.MinInt32, math.MaxInt32
		case "int64":
			lo, hi = math.MinInt64, math.MaxInt64
		default:
			return nil
		}
		min, max, exMin, exMax := s.Min, s.Max, s.ExclusiveMin.IsTrue(), s.ExclusiveMax.IsTrue()
		return func(v string) bool {
			f, ok := parseNumber(v)
			if !ok || (integer && f != math.Trunc(f)) || f < lo || f > hi {
				return false
			}
			if min != nil && (f < *min || (exMin && f == *min)) {
				return false
			}
			if max != nil && (f > *max || (exMax && f == *max)) {
				return false
			}
			return true
		}
	}
	return nil
}

// typeOf returns the one type of s, looking through allOf/anyOf/oneOf
// members when s has none; "" when there is no single type.
func typeOf(s *openapi3.Schema) string {
	if s == nil {
		return ""
	}
	if s.Type != nil {
		if t := s.Type.Slice(); len(t) == 1 {
			return t[0]
		}
		return ""
	}
	found := ""
	for _, refs := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, r := range refs {
			if r.Value == nil || r.Value.Type == nil {
				continue
			}
			t := r.Value.Type.Slice()
			if len(t) != 1 || (found != "" && found != t[0]) {
				return ""
			}
			found = t[0]
		}
	}
	if found == "" && len(s.Properties) > 0 {
		return openapi3.TypeObject
	}
	return found
}

func isJSON(mediaType string) bool {
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

// newShape lays out schema, the body schema of one media type.
func newShape(schema *openapi3.Schema, multipart, bodyRequired bool) *shape {
	sh := &shape{schema: schema}
	if schema == nil {
		return sh
	}
	sh.object = typeOf(schema) == openapi3.TypeObject
	if !sh.object {
		return sh
	}
	sh.props = map[string]*openapi3.Schema{}
	open := false
	var collect func(s *openapi3.Schema, depth int)
	collect = func(s *openapi3.Schema, depth int) {
		if s == nil || depth > 4 {
			return
		}
		for name, ref := range s.Properties {
			if _, ok := sh.props[name]; !ok && ref.Value != nil {
				sh.props[name] = ref.Value
			}
		}
		if (s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has) || s.AdditionalProperties.Schema != nil {
			open = true
		}
		for _, refs := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, r := range refs {
				collect(r.Value, depth+1)
			}
		}
	}
	collect(schema, 0)
	// Clerk rejects properties it does not know even where the spec does
	// not say additionalProperties: false. A schema without properties is
	// a free-form object (metadata): anything goes.
	sh.closed = !open && len(sh.props) > 0
	sh.required = append(sh.required, schema.Required...)
	for _, r := range schema.AllOf {
		if r.Value != nil {
			for _, name := range r.Value.Required {
				if !slices.Contains(sh.required, name) {
					sh.required = append(sh.required, name)
				}
			}
		}
	}
	if multipart {
		sh.binary = map[string]bool{}
		var names []string
		for name, p := range sh.props {
			if p.Format == "binary" || (p.Items != nil && p.Items.Value != nil && p.Items.Value.Format == "binary") {
				sh.binary[name] = true
				names = append(names, name)
			}
		}
		// A required upload whose schema requires nothing (e.g.
		// SetUserProfileImage: required body, no "required: [file]")
		// would accept an empty form: its files are what is required.
		if bodyRequired && len(sh.required) == 0 {
			slices.Sort(names)
			sh.required = names
		}
	}
	return sh
}
