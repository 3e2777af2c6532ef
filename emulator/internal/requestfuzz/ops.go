// Package requestfuzz sends seeded random requests to the local Backend
// API, over every operation it implements: requests built from the spec
// that create, update and delete real resources, mixed with hostile ones
// (junk and type-confused bodies, junk path parameters and query values,
// NUL characters, invalid UTF-8, overlong strings, odd content types and
// API versions). One seed gives one sequence of requests, so a failure is
// reproduced by running the same seed again.
//
// Check states what every answer must satisfy; the tests run the requests
// against a SQLite-backed and a PostgreSQL-backed server, alone (the
// properties) and side by side (the answers must be the same).
package requestfuzz

import (
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Op is one operation the requests are made for.
type Op struct {
	ID      string // the spec's operationId
	Method  string
	Path    string // the spec's path template, e.g. "/users/{user_id}"
	Version string // the API version whose spec defines it (sent by default)
	// PathParams and Query are the operation's parameters, in spec order.
	PathParams []*openapi3.Parameter
	Query      []*openapi3.Parameter
	// JSON and Multipart are the schemas of the bodies the operation takes
	// (nil when it takes none of that media type).
	JSON, Multipart *openapi3.Schema
}

// LoadOps reads the operations of the specs named by versions (files
// bapi-<version>.yml in fsys, e.g. api.Specs) that keep reports true for (e.g. the ones a
// server implements).
// An operationId defined by several of the versions is taken from the
// first that defines it, so list the versions in the order they should
// win.
func LoadOps(fsys fs.FS, versions []string, keep func(operationID string) bool) ([]*Op, error) {
	var ops []*Op
	seen := map[string]bool{}
	for _, v := range versions {
		data, err := fs.ReadFile(fsys, "bapi-"+v+".yml")
		if err != nil {
			return nil, fmt.Errorf("requestfuzz: %w", err)
		}
		doc, err := openapi3.NewLoader().LoadFromData(data)
		if err != nil {
			return nil, fmt.Errorf("requestfuzz: spec %s: %w", v, err)
		}
		paths := doc.Paths.InMatchingOrder()
		slices.Sort(paths)
		for _, p := range paths {
			item := doc.Paths.Value(p)
			methods := item.Operations()
			for _, m := range slices.Sorted(maps.Keys(methods)) {
				o := methods[m]
				if o.OperationID == "" || seen[o.OperationID] || !keep(o.OperationID) {
					continue
				}
				seen[o.OperationID] = true
				op := &Op{ID: o.OperationID, Method: strings.ToUpper(m), Path: p, Version: v}
				for _, pr := range append(slices.Clone(item.Parameters), o.Parameters...) {
					switch par := pr.Value; {
					case par == nil:
					case par.In == openapi3.ParameterInPath:
						op.PathParams = append(op.PathParams, par)
					case par.In == openapi3.ParameterInQuery:
						op.Query = append(op.Query, par)
					}
				}
				if rb := o.RequestBody; rb != nil && rb.Value != nil {
					for mt, media := range rb.Value.Content {
						if media.Schema == nil {
							continue
						}
						switch {
						case strings.Contains(mt, "json"):
							op.JSON = media.Schema.Value
						case mt == "multipart/form-data":
							op.Multipart = media.Schema.Value
						}
					}
				}
				ops = append(ops, op)
			}
		}
	}
	return ops, nil
}
