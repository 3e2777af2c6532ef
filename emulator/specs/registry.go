// Package specs matches and validates requests to the local Backend API
// against the OpenAPI spec of the Clerk API version each request names.
//
// A Registry holds the specs of every version (api.Specs), parses a
// version's spec the first time a request names that version, and
// compiles it into a routing tree and per-operation validation plans.
// Match finds the operation of a request (404, 405 and unknown versions
// are reported as *Error); ValidateRequest reads and checks the request's
// query and body and turns every problem into an *Error carrying Clerk's
// error code, ready to be written with Error.Respond or Error.Body.
//
// Validation of values uses kin-openapi's Schema.VisitJSON; reading,
// decoding and the checks Clerk makes beyond the spec (unknown body
// properties, the paginated query parameter) are done here.
package specs

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
)

// DefaultVersion is the API version of requests that name none in their
// Clerk-API-Version header.
const DefaultVersion = "2021-02-05"

// Size caps on request bodies. A larger body is answered 413
// request_body_too_large.
const (
	// MaxBodyBytes caps JSON and form-urlencoded bodies.
	MaxBodyBytes = 1 << 20
	// MaxMultipartBytes caps multipart/form-data bodies (file uploads).
	MaxMultipartBytes = 10 << 20
)

// Registry holds the spec of every API version and matches and validates
// requests against them. It is safe for concurrent use. A version's spec
// is parsed when a request first names that version, once.
type Registry struct {
	fsys     fs.FS
	versions []string            // sorted
	byName   map[string]*version // fixed after NewRegistry
	parses   atomic.Int32        // specs parsed so far; read by tests
}

// version is one API version, parsed on first use.
type version struct {
	name string
	file string
	once sync.Once
	spec *spec
	err  error
}

// spec is the compiled form of one version's spec.
type spec struct {
	doc  *openapi3.T
	root *node
}

// NewRegistry returns a Registry of the specs in fsys: the files named
// bapi-<version>.yml at its root (api.Specs). It only lists them; nothing
// is parsed until Match names a version.
func NewRegistry(fsys fs.FS) *Registry {
	r := &Registry{fsys: fsys, byName: map[string]*version{}}
	files, _ := fs.Glob(fsys, "bapi-*.yml") // the pattern is valid
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(path.Base(f), "bapi-"), ".yml")
		r.byName[name] = &version{name: name, file: f}
		r.versions = append(r.versions, name)
	}
	slices.Sort(r.versions)
	return r
}

// Versions returns the API versions the registry has a spec for, oldest
// first.
func (r *Registry) Versions() []string {
	return slices.Clone(r.versions)
}

// Load parses the spec of version now, if no request has done so yet. A
// server may call it in the background to spare the first request of a
// version the parsing time. It returns the errors Match would.
func (r *Registry) Load(version string) error {
	_, err := r.spec(version)
	return err
}

// spec returns the compiled spec of version ("" meaning DefaultVersion),
// parsing it on first use.
func (r *Registry) spec(name string) (*spec, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = DefaultVersion
	}
	v := r.byName[name]
	if v == nil {
		return nil, &Error{
			Status:  400,
			Code:    "api_version_invalid",
			Message: "invalid API version",
			LongMessage: "The Clerk-API-Version header names an API version this server does not know. " +
				"Supported versions: " + strings.Join(r.versions, ", ") + ".",
		}
	}
	v.once.Do(func() {
		r.parses.Add(1)
		v.spec, v.err = loadSpec(r.fsys, v.file)
	})
	if v.err != nil {
		return nil, &Error{
			Status:      500,
			Code:        "internal_clerk_error",
			Message:     "Oops, an unexpected error occurred",
			LongMessage: fmt.Sprintf("The spec of API version %s could not be loaded: %v", v.name, v.err),
		}
	}
	return v.spec, nil
}

// loadSpec parses, validates and compiles one spec file.
func loadSpec(fsys fs.FS, file string) (*spec, error) {
	data, err := fs.ReadFile(fsys, file)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	// VisitJSON requires schemas that passed Validate. Examples and
	// defaults are documentation here: a wrong one must not take a whole
	// version down.
	if err := doc.Validate(loader.Context,
		openapi3.DisableExamplesValidation(), openapi3.DisableSchemaDefaultsValidation()); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return compile(doc)
}

// Route is the operation a request matched, with the values of its path
// parameters.
type Route struct {
	// OperationID is the operation's operationId in the spec, e.g.
	// "GetUser".
	OperationID string
	// PathTemplate is the spec's path, e.g. "/users/{user_id}".
	PathTemplate string
	// Method is the HTTP method, e.g. "GET".
	Method string
	// PathParams maps each path parameter to its unescaped value; nil when
	// the template has none.
	PathParams map[string]string
	// Version is the API version whose spec the route belongs to.
	Version string

	op *operation
}

// Match finds the operation of the spec of version ("" meaning
// DefaultVersion) that serves method and path. path is the request's
// escaped path without the /v1 prefix, e.g. "/users/user_%2Fx"; path
// parameters are unescaped after the path is split into segments. Literal
// segments win over parameters (/users/count is not GetUser), and a
// parameter branch is tried when the literal one has no operation for the
// method.
//
// Errors are *Error: 400 api_version_invalid for a version with no spec,
// 404 resource_not_found when no path matches, 405 method_not_allowed
// (with Allow) when paths match but none has the method.
func (r *Registry) Match(version, method, path string) (*Route, error) {
	s, err := r.spec(version)
	if err != nil {
		return nil, err
	}
	if version = strings.TrimSpace(version); version == "" {
		version = DefaultVersion
	}
	var st matchState
	st.method = methodIndex(method)
	op := s.root.find(path, &st, 0)
	if op == nil {
		if st.allowed != 0 {
			allow := st.allowed.names()
			return nil, &Error{
				Status:      405,
				Code:        "method_not_allowed",
				Message:     "method not allowed",
				LongMessage: fmt.Sprintf("This endpoint does not accept %s requests; it accepts %s.", safeMethod(method), strings.Join(allow, ", ")),
				Allow:       allow,
			}
		}
		return nil, notFound()
	}
	rt := &Route{OperationID: op.id, PathTemplate: op.template, Method: op.method, Version: version, op: op}
	if n := len(op.pathNames); n > 0 {
		rt.PathParams = make(map[string]string, n)
		for i, name := range op.pathNames {
			rt.PathParams[name] = st.vals[i]
		}
	}
	return rt, nil
}

func notFound() *Error {
	return &Error{Status: 404, Code: "resource_not_found", Message: "not found",
		LongMessage: "No Backend API endpoint matches this path."}
}

// safeMethod returns method for a message, or a stand-in when it is not a
// plain token (it comes from the client).
func safeMethod(method string) string {
	if len(method) == 0 || len(method) > 16 {
		return "such"
	}
	for i := 0; i < len(method); i++ {
		if c := method[i]; c < 'A' || c > 'Z' {
			return "such"
		}
	}
	return method
}
