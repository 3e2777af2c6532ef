package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// tsvRow is one row of operations.tsv.
type tsvRow struct {
	Group, Method, HTTP, Path, OperationID, Deprecated, Summary string
}

func readTSV(path string) ([]tsvRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []tsvRow
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		if line == 1 {
			continue // header
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 7 {
			return nil, fmt.Errorf("%s:%d: want 7 columns, got %d", path, line, len(cols))
		}
		rows = append(rows, tsvRow{cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6]})
	}
	return rows, sc.Err()
}

// readDeprecations reads the advice for deprecated operations:
// operationId, a tab, the advice.
func readDeprecations(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for i, l := range strings.Split(string(data), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		id, advice, ok := strings.Cut(l, "\t")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want operationId<TAB>advice", path, i+1)
		}
		out[id] = advice
	}
	return out, nil
}

// paginatedPaths lists "GET /path" of the list operations that accept
// paginated=true according to a later spec version: the 2021-02-05 spec
// returns bare arrays there, and the API wraps them in {data, total_count}
// when asked.
func paginatedPaths(later *openapi3.T) map[string]bool {
	out := map[string]bool{}
	for path, item := range later.Paths.Map() {
		for method, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p.Value != nil && p.Value.Name == "paginated" && p.Value.In == "query" {
					out[method+" "+path] = true
				}
			}
		}
	}
	return out
}

// buildOperations builds the operations rows name; deprecations, nil for
// the server's model (which has no use for them), says what to use
// instead of each deprecated one.
func (b *builder) buildOperations(rows []tsvRow, deprecations map[string]string) []*service {
	byID := map[string]*openapi3.Operation{}
	where := map[string][2]string{}
	for path, item := range b.doc.Paths.Map() {
		for method, op := range item.Operations() {
			byID[op.OperationID] = op
			where[op.OperationID] = [2]string{method, path}
			if len(item.Parameters) > 0 {
				b.fail("%s %s: path-level parameters are not supported", method, path)
			}
		}
	}
	if len(byID) != len(rows) {
		b.fail("the spec has %d operations, operations.tsv %d rows", len(byID), len(rows))
	}
	services := map[string]*service{}
	for _, r := range rows {
		op := byID[r.OperationID]
		if op == nil {
			b.fail("operations.tsv: %s is not in the spec", r.OperationID)
			continue
		}
		if w := where[r.OperationID]; w[0] != r.HTTP || w[1] != r.Path {
			b.fail("operations.tsv: %s is %s %s in the spec, %s %s in the table", r.OperationID, w[0], w[1], r.HTTP, r.Path)
		}
		sn := goName(r.Group)
		svc := services[sn]
		if svc == nil {
			svc = &service{Name: sn}
			services[sn] = svc
		}
		if len(svc.Groups) == 0 || svc.Groups[len(svc.Groups)-1] != r.Group {
			if !contains(svc.Groups, r.Group) {
				svc.Groups = append(svc.Groups, r.Group)
			}
		}
		o := &operation{
			Service: svc, Group: r.Group, TSVMethod: r.Method, Name: goName(r.Method),
			OperationID: r.OperationID, HTTPMethod: r.HTTP, Path: r.Path,
			Summary: r.Summary, Description: op.Description,
		}
		if deprecations != nil && op.Deprecated != (r.Deprecated == "deprecated") {
			b.fail("%s: deprecated in the spec and in operations.tsv disagree", r.OperationID)
		}
		if op.Deprecated && deprecations != nil {
			o.Deprecated = deprecations[r.OperationID]
			if o.Deprecated == "" {
				b.fail("%s is deprecated: say what to use instead in api/deprecations.tsv", r.OperationID)
			}
		}
		b.buildOperation(o, op)
		for _, other := range svc.Ops {
			if other.Name == o.Name || (o.List != nil && other.Name == o.List.IterName) || (other.List != nil && other.List.IterName == o.Name) {
				b.fail("service %s: two methods named %s", svc.Name, o.Name)
			}
		}
		svc.Ops = append(svc.Ops, o)
	}
	var out []*service
	for _, s := range services {
		if len(s.Groups) > 1 {
			s.Doc = fmt.Sprintf("%sService holds the operations of the groups %s (one Go name, so merged).", s.Name, strings.Join(quoteAll(s.Groups), " and "))
		} else {
			s.Doc = fmt.Sprintf("%sService holds the operations of the %q group.", s.Name, s.Groups[0])
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (b *builder) buildOperation(o *operation, op *openapi3.Operation) {
	prefix := o.Service.Name + o.Name
	// Path parameters, in the order they appear in the path.
	params := map[string]*openapi3.Parameter{}
	for _, p := range op.Parameters {
		params[p.Value.Name] = p.Value
	}
	for _, seg := range strings.Split(o.Path, "/") {
		if strings.HasPrefix(seg, "{") {
			name := strings.Trim(seg, "{}")
			p := params[name]
			if p == nil || p.In != "path" {
				b.fail("%s: path parameter %s is not declared", o.OperationID, name)
				continue
			}
			o.PathParams = append(o.PathParams, &pathParam{Name: name, GoName: lowerFirst(goName(name))})
		}
	}
	// Query parameters.
	o.Paginated = b.paginated[o.HTTPMethod+" "+o.Path]
	goNames := map[string]int{}
	for _, pr := range op.Parameters {
		goNames[goName(pr.Value.Name)]++
	}
	var fields []*field
	for _, pr := range op.Parameters {
		p := pr.Value
		switch p.In {
		case "path":
			continue
		case "query":
		default:
			b.fail("%s: %s parameters are not supported", o.OperationID, p.In)
			continue
		}
		if p.Deprecated && goNames[goName(p.Name)] > 1 {
			continue // an old spelling of another parameter (frontendApi, frontend_api)
		}
		if p.Name == "paginated" && o.Paginated {
			continue // always sent: see below
		}
		q := &queryParam{Name: p.Name, Field: goName(p.Name)}
		s := p.Schema.Value
		switch {
		case s.Type.Is("array") && s.Items.Value.Type.Is("string"):
			q.Kind = "[]string"
		case s.Type.Is("string") && (boolString(s) || b.sdk && boolQuery[o.OperationID+"."+p.Name]):
			q.Kind = "bool"
		case s.Type.Is("string"):
			q.Kind = "string"
		case s.Type.Is("boolean"):
			q.Kind = "bool"
		case s.Type.Is("integer"):
			q.Kind = "int64"
		case s.Type.Is("number") && (p.Name == "limit" || p.Name == "offset"):
			// The spec types limit and offset as "number"; the API takes
			// integers.
			q.Kind = "int64"
		default:
			b.fail("%s: query parameter %s has an unsupported type", o.OperationID, p.Name)
			continue
		}
		q.Required = p.Required
		o.Query = append(o.Query, q)
		typ := "*" + q.Kind
		if q.Kind == "[]string" || q.Required {
			typ = q.Kind
		}
		fields = append(fields, &field{Name: q.Field, Type: typ, JSON: p.Name, Tag: "-", Doc: paramDoc(p)})
	}
	// Request body.
	var bodyFields []*field
	if rb := op.RequestBody; rb != nil {
		body := rb.Value
		m := modeCreate
		if o.HTTPMethod == "PATCH" {
			m = modePatch
		}
		for ct, mt := range body.Content {
			s := mt.Schema.Value
			switch ct {
			case "application/json":
				if s.Type.Is("array") {
					o.Body = "jsonArray"
					s = s.Items.Value
				} else {
					o.Body = "json"
				}
			case "multipart/form-data":
				o.Body = "multipart"
			default:
				b.fail("%s: content type %s is not supported", o.OperationID, ct)
				continue
			}
			bodyFields = b.fields(prefix+"Params", s.Properties, s.Required, m)
			if o.Body == "multipart" {
				for _, f := range bodyFields {
					part := &formPart{Name: f.JSON, Field: f.Name, File: strings.HasSuffix(f.Type, "File"), Ptr: strings.HasPrefix(f.Type, "*")}
					if !part.File && f.Type != "string" && f.Type != "*string" {
						b.fail("%s: multipart field %s must be a string or a file", o.OperationID, f.JSON)
					}
					o.BodyFields = append(o.BodyFields, part)
				}
				// Plain fields before files, so a server that reads the
				// form as a stream sees them first.
				sort.SliceStable(o.BodyFields, func(i, j int) bool { return !o.BodyFields[i].File && o.BodyFields[j].File })
			}
		}
		if len(body.Content) != 1 {
			b.fail("%s: want one request content type", o.OperationID)
		}
		if o.Body == "jsonArray" && len(fields) > 0 {
			b.fail("%s: an array body with query parameters is not supported", o.OperationID)
		}
	}
	if len(fields)+len(bodyFields) > 0 || o.Body != "" {
		if o.Body == "multipart" {
			for _, f := range bodyFields {
				f.Tag = "-"
			}
		}
		all := append(bodyFields, fields...)
		sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
		for i := 1; i < len(all); i++ {
			if all[i].Name == all[i-1].Name {
				b.fail("%s: query and body both have %s", o.OperationID, all[i].Name)
			}
		}
		t := &typeDef{Name: prefix + "Params", Fields: all, IsParams: true}
		if o.Body == "jsonArray" {
			t.Doc = fmt.Sprintf("%s is one item of the list %s.%s sends.", t.Name, o.Service.Name, o.Name)
		} else {
			t.Doc = fmt.Sprintf("%s holds the parameters of %s.%s.", t.Name, o.Service.Name, o.Name)
		}
		b.addType(t)
		o.Params = t
	}
	b.buildResult(o, op, prefix)
}

func (b *builder) buildResult(o *operation, op *openapi3.Operation, prefix string) {
	var code string
	for c := range op.Responses.Map() {
		if strings.HasPrefix(c, "2") {
			if code != "" {
				b.fail("%s: more than one success response", o.OperationID)
			}
			code = c
		}
	}
	resp := op.Responses.Value(code)
	o.Status, _ = strconv.Atoi(code)
	mt := resp.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		if o.OperationID == "GetPublicInterstitial" {
			// The interstitial is an HTML page.
			o.Result = "[]byte"
			return
		}
		return // no body: the method returns only an error
	}
	hint := prefix + "Response"
	if resp.Ref != "" {
		hint = strings.TrimPrefix(resp.Ref, "#/components/responses/")
	}
	s := mt.Schema
	if s.Value.Type.Is("array") {
		itemHint := hint + "Item"
		if name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok {
			itemHint = b.typeName(name) // a named list: its items are named after it
		}
		item := b.goType(itemHint, s.Value.Items)
		li := &listInfo{Item: item, LimitOffset: hasLimitOffset(o)}
		if o.Paginated {
			name := strings.TrimPrefix(item, "*") + "List"
			if t := b.types[name]; t == nil {
				b.addType(&typeDef{
					Name: name, List: true,
					Doc: fmt.Sprintf("%s is a page of %s with the total count of all of them.", name, strings.TrimPrefix(item, "*")),
					Fields: []*field{
						{Name: "Data", Type: "[]" + item, JSON: "data", Tag: "data"},
						{Name: "TotalCount", Type: "int64", JSON: "total_count", Tag: "total_count", Doc: "TotalCount is the number of items in all pages."},
					},
				})
			}
			o.Result = "*" + name
			li.Wrapped = true
			o.Unwrap = true
		} else {
			o.Result = "[]" + item
		}
		o.List = li
	} else {
		if resp.Ref != "" && s.Ref == "" {
			// A response component with an inline schema may serve several
			// operations: build its type once.
			if t, ok := b.respTypes[resp.Ref]; ok {
				o.Result = t
			} else {
				o.Result = b.goType(hint, s)
				b.respTypes[resp.Ref] = o.Result
			}
		} else {
			o.Result = b.goType(hint, s)
		}
		if t := b.types[strings.TrimPrefix(o.Result, "*")]; t != nil && isListType(t) {
			o.List = &listInfo{Item: strings.TrimPrefix(fieldByName(t, "Data").Type, "[]"), Wrapped: true, LimitOffset: hasLimitOffset(o)}
		}
	}
	if o.List != nil {
		o.List.IterName = o.Name + "Iter"
	}
	if !strings.HasPrefix(o.Result, "*") && !strings.HasPrefix(o.Result, "[]") && o.Result != "map[string]any" {
		b.fail("%s: unsupported result type %s", o.OperationID, o.Result)
	}
}

// AnswersJSON reports whether the operation's success response has a JSON
// schema, so that a 2xx answer with an empty or null body is an error.
func (o *operation) AnswersJSON() bool {
	return o.Result != "" && o.Result != "[]byte"
}

func isListType(t *typeDef) bool {
	d, n := fieldByName(t, "Data"), fieldByName(t, "TotalCount")
	return d != nil && n != nil && strings.HasPrefix(d.Type, "[]")
}

func fieldByName(t *typeDef, name string) *field {
	for _, f := range t.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

func hasLimitOffset(o *operation) bool {
	var l, off bool
	for _, q := range o.Query {
		l = l || q.Name == "limit"
		off = off || q.Name == "offset"
	}
	return l && off
}

func paramDoc(p *openapi3.Parameter) string {
	d := strings.TrimSpace(p.Description)
	if p.Schema != nil && p.Schema.Value != nil && len(p.Schema.Value.Enum) > 0 {
		var vals []string
		for _, e := range p.Schema.Value.Enum {
			vals = append(vals, fmt.Sprintf("%q", fmt.Sprint(e)))
		}
		d += "\n\nOne of " + strings.Join(vals, ", ") + "."
	}
	return strings.TrimSpace(d)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}
