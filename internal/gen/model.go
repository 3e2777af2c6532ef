package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// The intermediate model: what the templates render. It holds Go names and
// Go types only; every decision about the spec is taken while building it.

type model struct {
	Types    []*typeDef
	Services []*service
}

type typeDef struct {
	Name   string
	Doc    string
	Embeds []string // struct types embedded by allOf
	Fields []*field
	// List is set for the generated {data, total_count} list types.
	List bool
	// IsParams is set for the params type of an operation.
	IsParams bool
	// Underlying is set for a component schema that is a scalar, e.g.
	// "string" for PasswordHasher: the type is then a defined scalar type.
	Underlying string
}

type field struct {
	Name string
	Type string
	JSON string // the property name
	Tag  string
	Doc  string
}

type service struct {
	Name   string // Go field name on Client, e.g. "Users"
	Groups []string
	Doc    string
	Ops    []*operation
}

type operation struct {
	Service     *service
	Group       string // operations.tsv group
	TSVMethod   string // operations.tsv method
	Name        string // Go method name
	OperationID string
	HTTPMethod  string
	Path        string
	Summary     string
	Description string
	Deprecated  string // replacement advice; "" when not deprecated

	PathParams []*pathParam
	Params     *typeDef // nil when the operation has no query or body params
	QueryAll   []*queryParam
	Query      []*queryParam // user-visible query params (fields of Params)
	Paginated  bool          // send paginated=true
	// Unwrap: the 2021-02-05 spec answers a bare array, which the API wraps
	// in {data, total_count} for paginated=true; the server answers the
	// bare array unless asked.
	Unwrap     bool
	Body       string      // "", "json", "jsonArray", "multipart"
	BodyFields []*formPart // multipart fields

	Status     int    // the success status the spec gives, e.g. 200
	Result     string // Go type of the result: "*User", "[]*User", "[]byte", "" (error only)
	ResultElem string // for results built from new(...): the type to allocate
	List       *listInfo
}

type pathParam struct {
	Name   string // spec name
	GoName string // argument name
}

type queryParam struct {
	Name    string // spec name
	Field   string // Go field name in Params
	Kind    string // "string", "int64", "bool", "[]string"
	Comment string
	// Required parameters are plain fields (not pointers), always sent;
	// a required string must not be empty.
	Required bool
}

type formPart struct {
	Name  string
	Field string
	File  bool
	Ptr   bool
}

type listInfo struct {
	IterName    string
	Item        string // element type, e.g. "*User"
	Wrapped     bool   // result has Data and TotalCount
	LimitOffset bool   // the operation takes limit and offset
}

// builder turns the spec into the model.
type builder struct {
	doc       *openapi3.T
	types     map[string]*typeDef
	schemaOf  map[string]string // component schema name → Go type name
	built     map[string]bool   // component schemas already turned into types
	paginated map[string]bool   // "GET /path" where the API accepts paginated=true
	respTypes map[string]string // response component → Go type, for inline schemas
	// reserved and overrides are the names no generated type may take and
	// the renames of rule 2 (names.go), for the package being generated:
	// reserved and typeOverrides for clerk, their webhook counterparts for
	// webhook.
	reserved  map[string]bool
	overrides map[string]string
	// sdk is set when building the SDK's model (not the server's, whose
	// parameters stay as the 2021-02-05 spec has them).
	sdk  bool
	errs []error
}

func (b *builder) fail(format string, args ...any) {
	b.errs = append(b.errs, fmt.Errorf(format, args...))
}

// addType registers a named type and reports name clashes.
func (b *builder) addType(t *typeDef) {
	if b.reserved[t.Name] {
		b.fail("type %s would take a name of the hand-written package; add it to the overrides", t.Name)
	}
	if _, dup := b.types[t.Name]; dup {
		b.fail("two types would be named %s; add one of them to the overrides", t.Name)
	}
	b.types[t.Name] = t
}

// componentType returns the Go type name of a component schema, building it
// on first use.
func (b *builder) componentType(ref string) string {
	name := strings.TrimPrefix(ref, "#/components/schemas/")
	if name == ref {
		b.fail("unsupported $ref %q", ref)
		return "any"
	}
	goN, ok := b.schemaOf[name]
	if !ok {
		goN = b.typeName(name)
		b.schemaOf[name] = goN
	}
	if !b.built[name] {
		b.built[name] = true
		s := b.doc.Components.Schemas[name]
		if s == nil || s.Value == nil {
			b.fail("schema %s not found", name)
			return "any"
		}
		if u := scalarGoType(s.Value); u != "" {
			b.addType(&typeDef{Name: goN, Underlying: u, Doc: docFor(goN, s.Value.Description, fmt.Sprintf("the spec's %q schema", name))})
		} else if len(s.Value.OneOf) > 1 && len(s.Value.Properties) == 0 {
			b.unionType(goN, s.Value) // "Session.Refresh": a Token or Cookies
		} else if s.Value.Type.Is("array") {
			// A named list is no type of its own: goType makes its
			// references slices.
		} else {
			b.structType(goN, s.Value, "", fmt.Sprintf("the spec's %q schema", name))
		}
	}
	return goN
}

// mode says where a schema is used: in a response model or a request body.
type mode int

const (
	modeResponse mode = iota
	modeCreate        // request body of POST or PUT
	modePatch         // request body of PATCH: nullable fields are tri-state
)

// structType builds a named struct from an object (or allOf) schema.
func (b *builder) structType(name string, s *openapi3.Schema, doc, source string) *typeDef {
	t := &typeDef{Name: name}
	if doc == "" {
		doc = s.Description
	}
	t.Doc = docFor(name, doc, source)
	b.addType(t)
	props := s.Properties
	required := s.Required
	if len(s.AllOf) > 0 {
		props = openapi3.Schemas{}
		for _, part := range s.AllOf {
			if part.Ref != "" {
				t.Embeds = append(t.Embeds, b.componentType(part.Ref))
				continue
			}
			for k, v := range part.Value.Properties {
				props[k] = v
			}
			required = append(required, part.Value.Required...)
		}
		for k, v := range s.Properties {
			props[k] = v
		}
	}
	t.Fields = b.fields(name, props, required, modeResponse)
	return t
}

// fields turns the properties of an object into struct fields, sorted by
// name.
func (b *builder) fields(owner string, props openapi3.Schemas, required []string, m mode) []*field {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []*field
	seen := map[string]string{}
	for _, k := range keys {
		p := props[k]
		f := &field{Name: goName(k), JSON: k}
		if prev, dup := seen[f.Name]; dup {
			b.fail("%s: properties %q and %q both become field %s", owner, prev, k, f.Name)
		}
		seen[f.Name] = k
		req := slices.Contains(required, k)
		var suffix string
		f.Type, suffix = b.fieldType(owner+f.Name, p, req, m)
		if integerNumbers[k] {
			f.Type = strings.Replace(f.Type, "float64", "int64", 1)
		}
		f.Tag = k + suffix
		f.Doc = fieldDoc(p)
		out = append(out, f)
	}
	return out
}

// fieldType chooses a field's Go type and JSON tag.
//
// Response models: a required, non-nullable scalar is a value; anything
// else that can be absent or null is a pointer; structs are always
// pointers, slices and maps never. Request bodies: required fields are
// values; optional ones are pointers (set them with clerk.Ptr), except that
// nullable fields of PATCH bodies are clerk.Nullable so that an explicit
// null can be sent.
func (b *builder) fieldType(hint string, p *openapi3.SchemaRef, required bool, m mode) (typ, tag string) {
	v := p.Value
	if m != modeResponse && openObject(p) {
		// A request object that takes other properties besides those it
		// names (an actor token's actor: sub, and any claim): a map, so
		// that the caller can send them.
		if required {
			return "map[string]any", ""
		}
		return "map[string]any", ",omitzero"
	}
	base := b.goType(hint, p)
	isRef := strings.HasPrefix(base, "*")
	isColl := strings.HasPrefix(base, "[]") || strings.HasPrefix(base, "map[") || base == "any" || base == "File"
	switch m {
	case modeResponse:
		switch {
		case isRef || isColl || !v.Nullable:
			// Structs are pointers, slices and maps nil-able already, and a
			// non-nullable scalar is a value even when the spec does not
			// list it as required (it omits "required" for most of User).
		default:
			base = "*" + base
		}
		// Clerk's API sends every field, null when empty: a nullable
		// field encodes as null rather than disappearing (later API
		// versions require them), an optional non-nullable one is left
		// out when unset.
		if required || v.Nullable {
			return base, ""
		}
		// omitzero, not omitempty: an empty list or object the API sent
		// is sent again (later API versions require them); only what is
		// unset (nil) is left out.
		if strings.HasPrefix(base, "*") || isColl {
			return base, ",omitzero"
		}
		return base, ""
	default:
		switch {
		case required:
			return base, ""
		case m == modePatch && v.Nullable:
			return "Nullable[" + base + "]", ",omitzero"
		case isRef:
			return base, ",omitempty"
		case isColl:
			return base, ",omitzero"
		default:
			return "*" + base, ",omitempty"
		}
	}
}

// goType maps a schema to a Go type, naming inline objects after hint.
func (b *builder) goType(hint string, p *openapi3.SchemaRef) string {
	if name, ok := strings.CutPrefix(p.Ref, "#/components/schemas/"); ok && p.Value != nil && p.Value.Type.Is("array") && p.Value.Items != nil {
		// A named list ("Directories": [Directory]) is a slice; inline
		// items are named after the list ("OAuthAccessToken").
		return "[]" + b.goType(b.typeName(name), p.Value.Items)
	}
	if p.Ref != "" {
		name := b.componentType(p.Ref)
		if t := b.types[name]; t != nil && t.Underlying != "" {
			return name
		}
		return "*" + name
	}
	s := p.Value
	switch {
	case len(s.OneOf) == 1:
		return b.goType(hint, s.OneOf[0])
	case len(s.AllOf) == 1 && len(s.Properties) == 0:
		return b.goType(hint, s.AllOf[0])
	case len(s.OneOf) > 1:
		return "*" + b.unionType(b.typeName(hint), s).Name
	case len(s.AllOf) > 1:
		return "*" + b.structType(b.typeName(hint), s, "", "").Name
	case len(s.AnyOf) > 0 && len(s.Properties) == 0:
		// (An anyOf beside properties only says which of them are
		// required: the object's type is its properties'.)
		// Inline objects only (the answers of a verification: the token,
		// or {active: false}): one struct of all their fields, each
		// optional, since an answer has the fields of one of them.
		merged := &openapi3.Schema{Type: &openapi3.Types{"object"}, Properties: openapi3.Schemas{}}
		for _, v := range s.AnyOf {
			if v.Ref != "" || !v.Value.Type.Is("object") {
				b.fail("%s: anyOf of other than inline objects is not supported", hint)
				return "any"
			}
			for k, p := range v.Value.Properties {
				merged.Properties[k] = p
			}
		}
		doc := fmt.Sprintf("The answer is one of %d shapes; the fields of the others are absent.", len(s.AnyOf))
		t := b.structType(b.typeName(hint), merged, strings.TrimSpace(s.Description+"\n\n"+doc), "")
		for _, f := range t.Fields {
			if !strings.Contains(f.Tag, ",") {
				f.Tag += ",omitempty" // absent in the other shapes
			}
		}
		return "*" + t.Name
	}
	t := s.Type
	switch {
	case t.Is("string"):
		if s.Format == "binary" {
			return "File"
		}
		return "string"
	case t.Is("integer"):
		return "int64"
	case t.Is("number"):
		return "float64"
	case t.Is("boolean"):
		return "bool"
	case t.Is("array"):
		if s.Items == nil {
			return "[]any"
		}
		return "[]" + b.goType(singular(hint), s.Items)
	case t.Is("object") || t.IsEmpty():
		if len(s.Properties) == 0 {
			if t.IsEmpty() {
				return "any"
			}
			return "map[string]any"
		}
		return "*" + b.structType(b.typeName(hint), s, "", "").Name
	}
	b.fail("%s: unsupported schema type %v", hint, t.Slice())
	return "any"
}

// unionType merges the variants of a oneOf into one struct: every field of
// every variant, so callers read e.g. Verification.Strategy whatever the
// variant. A field that some variant lacks or makes nullable is a pointer.
func (b *builder) unionType(name string, s *openapi3.Schema) *typeDef {
	var names []string
	props := openapi3.Schemas{}
	count := map[string]int{}
	nullable := map[string]bool{}
	present := map[string]int{}
	for _, v := range s.OneOf {
		if v.Ref == "" {
			b.fail("%s: oneOf with inline variants is not supported", name)
			continue
		}
		names = append(names, b.componentType(v.Ref))
		for k, p := range v.Value.Properties {
			if prev, ok := props[k]; ok {
				if b.scalarKind(prev) != b.scalarKind(p) {
					b.fail("%s: variants disagree on the type of %q", name, k)
				}
				p = mergeEnums(prev, p)
			}
			props[k] = p
			present[k]++
			if p.Value.Nullable {
				nullable[k] = true
			}
		}
		for _, r := range v.Value.Required {
			count[r]++
		}
	}
	for k, n := range present {
		if n < len(s.OneOf) {
			nullable[k] = true // absent from some variants
		}
	}
	for k := range nullable {
		if !props[k].Value.Nullable {
			v := *props[k].Value
			v.Nullable = true
			props[k] = &openapi3.SchemaRef{Value: &v}
		}
	}
	var required []string
	for k, n := range count {
		if n == len(s.OneOf) && !nullable[k] {
			required = append(required, k)
		}
	}
	t := &typeDef{Name: name}
	t.Doc = fmt.Sprintf("%s is one of %s, merged into one struct", name, strings.Join(names, ", "))
	switch {
	case props["strategy"] != nil:
		t.Doc += ": Strategy tells which."
	case props["object"] != nil:
		t.Doc += ": Object tells which."
	default:
		t.Doc += "."
	}
	b.addType(t)
	t.Fields = b.fields(name, props, required, modeResponse)
	// A field that only some variants have is left out when unset, so that
	// the encoding matches the variant it is (variants may forbid other
	// properties).
	for _, f := range t.Fields {
		if present[f.JSON] < len(s.OneOf) {
			f.Tag = f.JSON + ",omitzero"
		}
	}
	return t
}

func (b *builder) scalarKind(p *openapi3.SchemaRef) string {
	if p.Ref != "" {
		return p.Ref
	}
	if len(p.Value.OneOf) == 1 {
		return b.scalarKind(p.Value.OneOf[0])
	}
	return strings.Join(p.Value.Type.Slice(), ",")
}

// docFor builds a type's doc comment body (without the leading "// ").
func docFor(name, desc, source string) string {
	var b strings.Builder
	desc = strings.TrimSpace(desc)
	if desc == "" {
		fmt.Fprintf(&b, "%s is a Clerk Backend API object", name)
		if source != "" {
			fmt.Fprintf(&b, " (%s)", source)
		}
		b.WriteString(".")
		return b.String()
	}
	fmt.Fprintf(&b, "%s: %s", name, desc)
	if source != "" {
		fmt.Fprintf(&b, "\n\nGenerated from %s.", source)
	}
	return b.String()
}

func fieldDoc(p *openapi3.SchemaRef) string {
	if p.Ref != "" || p.Value == nil {
		return ""
	}
	var parts []string
	if d := strings.TrimSpace(p.Value.Description); d != "" {
		parts = append(parts, d)
	}
	if len(p.Value.Enum) > 0 {
		var vals []string
		for _, e := range p.Value.Enum {
			if e == nil {
				continue
			}
			vals = append(vals, fmt.Sprintf("%q", fmt.Sprint(e)))
		}
		if len(vals) > 0 {
			parts = append(parts, "One of "+strings.Join(vals, ", ")+".")
		}
	}
	if p.Value.Deprecated {
		parts = append(parts, "Deprecated: the spec marks this field as deprecated.")
	}
	return strings.Join(parts, "\n\n")
}

// mergeEnums returns a copy of p whose enum holds the values of both
// schemas, so a merged field documents every variant's values.
func mergeEnums(prev, p *openapi3.SchemaRef) *openapi3.SchemaRef {
	if p.Ref != "" || len(p.Value.Enum) == 0 {
		return p
	}
	v := *p.Value
	v.Enum = slices.Clone(prev.Value.Enum)
	for _, e := range p.Value.Enum {
		if !slices.Contains(v.Enum, e) {
			v.Enum = append(v.Enum, e)
		}
	}
	v.Nullable = v.Nullable || prev.Value.Nullable
	return &openapi3.SchemaRef{Value: &v}
}

// scalarGoType is the Go type of a scalar schema, "" for anything else.
func scalarGoType(s *openapi3.Schema) string {
	switch {
	case len(s.OneOf)+len(s.AllOf)+len(s.AnyOf) > 0:
		return ""
	case s.Type.Is("string") && s.Format != "binary":
		return "string"
	case s.Type.Is("integer"):
		return "int64"
	case s.Type.Is("number"):
		return "float64"
	case s.Type.Is("boolean"):
		return "bool"
	}
	return ""
}
