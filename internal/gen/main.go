// Command gen generates the clerk package's models, params and services
// from the Backend API spec, the local server's side of every operation
// (emulator/backend_gen.go, emulator/httpapi/routes_gen.go, over the
// models and parameters of internal/v2021; server.go says how it differs
// from the SDK's), and the operations table of the README.
//
// It is run by `go generate ./...` from the repository root (see doc.go):
//
//	go run ./internal/gen -spec api/bapi-2021-02-05.yml -ops api/operations.tsv \
//	    -later api/bapi-2026-05-12.yml -deprecations api/deprecations.tsv -out . -readme README.md \
//	    -server emulator -server-models internal/v2021 -webhooks api/webhooks-2025-04-15.yml -webhook webhook
//
// From the webhook spec it generates package webhook's events_gen.go: a
// constant, an accessor and the data's types for every event (webhooks.go).
//
// The steps: load the spec with kin-openapi, build a small model of Go types
// and services (model.go, ops.go; all naming in names.go), render it with
// text/template (templates/), format with go/format, and write a file only
// when its content changed.
package main

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

func main() {
	specPath := flag.String("spec", "api/bapi-2021-02-05.yml", "the OpenAPI spec to generate from")
	serverSpecPath := flag.String("server-spec", "api/bapi-2021-02-05.yml", "the OpenAPI spec of the server's models and routes")
	opsPath := flag.String("ops", "api/operations.tsv", "group and method names of every operation")
	laterPath := flag.String("later", "api/bapi-2026-05-12.yml", "a later spec: which list operations accept paginated=true")
	deprPath := flag.String("deprecations", "api/deprecations.tsv", "what to use instead of each deprecated operation")
	outDir := flag.String("out", ".", "directory of package clerk")
	readme := flag.String("readme", "README.md", "README whose operations table is regenerated")
	webhooks := flag.String("webhooks", "api/webhooks-2025-04-15.yml", "the webhook events spec")
	webhookDir := flag.String("webhook", "webhook", "directory of package webhook: its events_gen.go holds the typed events")
	server := flag.String("server", "emulator", "directory of package emulator: its backend_gen.go, and httpapi/routes_gen.go, are the local server's side of every operation")
	serverModels := flag.String("server-models", "internal/v2021", "directory of package v2021: the models and parameters the server keeps and decodes")
	verbose := flag.Bool("v", false, "print what was written and how long it took")
	flag.Parse()
	start := time.Now()
	if err := run(*specPath, *serverSpecPath, *opsPath, *laterPath, *deprPath, *outDir, *readme, *server, *serverModels, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := runWebhooks(*webhooks, *webhookDir, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if *verbose {
		fmt.Fprintf(os.Stderr, "gen: done in %v\n", time.Since(start).Round(time.Millisecond))
	}
}

func loadSpec(path string) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("validate %s: %w", path, err)
	}
	fixSpec(doc)
	return doc, nil
}

func run(specPath, serverSpecPath, opsPath, laterPath, deprPath, outDir, readme, server, serverModelsDir string, verbose bool) error {
	doc, err := loadSpec(specPath)
	if err != nil {
		return err
	}
	serverDoc := doc
	if serverSpecPath != specPath {
		if serverDoc, err = loadSpec(serverSpecPath); err != nil {
			return err
		}
	}
	later, err := loadSpec(laterPath)
	if err != nil {
		return err
	}
	if err := handWrittenNames(outDir, reserved); err != nil {
		return err
	}
	serverReserved := map[string]bool{"Client": true}
	if err := handWrittenNames(serverModelsDir, serverReserved); err != nil {
		return err
	}
	rows, err := readTSV(opsPath)
	if err != nil {
		return err
	}
	depr, err := readDeprecations(deprPath)
	if err != nil {
		return err
	}
	sdkRows, legacy := rowsOf(doc, rows)
	serverRows, _ := rowsOf(serverDoc, rows)
	// An operation of the table the SDK's spec lacks is one of an older
	// version, which the SDK keeps by hand (legacy.go).
	for _, r := range legacy {
		if !slices.ContainsFunc(serverRows, func(s tsvRow) bool { return s.OperationID == r.OperationID }) {
			return fmt.Errorf("%s: %s is in neither %s nor %s", opsPath, r.OperationID, specPath, serverSpecPath)
		}
	}
	m, err := build(doc, sdkRows, depr, paginatedPaths(later), overridesFor(specPath), reserved, true)
	if err != nil {
		return err
	}
	sm := m
	if serverDoc != doc {
		if sm, err = build(serverDoc, serverRows, nil, paginatedPaths(later), overridesFor(serverSpecPath), serverReserved, false); err != nil {
			return fmt.Errorf("the server's model: %w", err)
		}
	}
	return write(m, sm, specPath, serverSpecPath, outDir, readme, server, serverModelsDir, verbose)
}

// rowsOf splits the operations table into the rows of doc's operations and
// the others.
func rowsOf(doc *openapi3.T, rows []tsvRow) (in, out []tsvRow) {
	ids := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ids[op.OperationID] = true
		}
	}
	for _, r := range rows {
		if ids[r.OperationID] {
			in = append(in, r)
		} else {
			out = append(out, r)
		}
	}
	return in, out
}

// build makes the model of doc: every component schema a type, and the
// operations rows name, grouped into services.
func build(doc *openapi3.T, rows []tsvRow, depr map[string]string, paginated map[string]bool, overrides map[string]string, reserved map[string]bool, sdk bool) (*model, error) {
	b := &builder{
		doc: doc, types: map[string]*typeDef{}, schemaOf: map[string]string{},
		built: map[string]bool{}, paginated: paginated, respTypes: map[string]string{},
		reserved: reserved, overrides: overrides, sdk: sdk,
	}
	// Every component schema is a model, used by an operation or not.
	names := make([]string, 0, len(doc.Components.Schemas))
	for n := range doc.Components.Schemas {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b.componentType("#/components/schemas/" + n)
	}
	m := &model{Services: b.buildOperations(rows, depr)}
	if len(b.errs) > 0 {
		return nil, errors.Join(b.errs...)
	}
	for _, t := range b.types {
		m.Types = append(m.Types, t)
	}
	sort.Slice(m.Types, func(i, j int) bool { return m.Types[i].Name < m.Types[j].Name })
	return m, nil
}

// specVersion is the API version of a spec: its info.version is "v1", the
// version is in its file name.
func specVersion(path string) string {
	return strings.TrimSuffix(strings.TrimPrefix(filepath.Base(path), "bapi-"), filepath.Ext(path))
}

// write renders the SDK's files from m, the server's from sm.
func write(m, sm *model, specPath, serverSpecPath, outDir, readme, server, serverModelsDir string, verbose bool) error {
	data := map[string]any{"Model": m, "Spec": filepath.ToSlash(specPath), "Version": specVersion(specPath), "Package": "clerk"}
	// The server's models, in their own package, so that the SDK's follow
	// the current version without changing what the server stores.
	serverData := map[string]any{"Model": sm, "Spec": filepath.ToSlash(serverSpecPath), "Version": specVersion(serverSpecPath), "Package": serverModels}
	for _, f := range []struct {
		tmpl, out string
		data      map[string]any
	}{
		{"models.go.tmpl", filepath.Join(outDir, "models_gen.go"), data},
		{"params.go.tmpl", filepath.Join(outDir, "params_gen.go"), data},
		{"services.go.tmpl", filepath.Join(outDir, "services_gen.go"), data},
		{"models.go.tmpl", filepath.Join(serverModelsDir, "models_gen.go"), serverData},
		{"params.go.tmpl", filepath.Join(serverModelsDir, "params_gen.go"), serverData},
		{"backend.go.tmpl", filepath.Join(server, "backend_gen.go"), serverData},
		{"routes.go.tmpl", filepath.Join(server, "httpapi", "routes_gen.go"), serverData},
	} {
		src, err := render(f.tmpl, f.data)
		if err != nil {
			return err
		}
		formatted, err := format.Source(src)
		if err != nil {
			return fmt.Errorf("%s: %w\n%s", f.out, err, numbered(src))
		}
		if err := writeIfChanged(f.out, formatted, verbose); err != nil {
			return err
		}
	}
	if sm != m {
		data["Changes"] = changes(m, sm)
		data["ServerVersion"] = specVersion(serverSpecPath)
	}
	table, err := render("readme.md.tmpl", data)
	if err != nil {
		return err
	}
	return replaceRegion(readme, table, verbose)
}

var funcs = template.FuncMap{
	"comment": comment,
	"add":     func(a, b int) int { return a + b },
	"join":    strings.Join,
	"lower":   lowerFirst,
	"pathExpr": func(o *operation) string {
		var parts []string
		lit := ""
		for _, seg := range strings.Split(strings.TrimPrefix(o.Path, "/"), "/") {
			if strings.HasPrefix(seg, "{") {
				parts = append(parts, fmt.Sprintf("%q", lit+"/"))
				lit = ""
				name := strings.Trim(seg, "{}")
				for _, p := range o.PathParams {
					if p.Name == name {
						parts = append(parts, "url.PathEscape("+p.GoName+")")
					}
				}
				continue
			}
			lit += "/" + seg
		}
		if lit != "" {
			parts = append(parts, fmt.Sprintf("%q", lit))
		}
		return strings.Join(parts, " + ")
	},
	"methodConst": func(m string) string { return m[:1] + strings.ToLower(m[1:]) },
	"callWith": func(o *operation, params string) string {
		parts := []string{"ctx"}
		for _, p := range o.PathParams {
			parts = append(parts, p.GoName)
		}
		if o.Params != nil {
			parts = append(parts, params)
		}
		return strings.Join(parts, ", ")
	},
	"elem":  func(s string) string { return strings.TrimPrefix(s, "*") },
	"isPtr": func(s string) bool { return strings.HasPrefix(s, "*") },
	"args":  callArgs,
	"sig":   signature,
	// The server's side (server.go).
	"serverSig":    serverSignature,
	"serverResult": serverResult,
	"serverArgs":   serverArgs,
	"numberBody":   func(o *operation) bool { return serverNumberBodies[o.OperationID] },
	"queryDecoder": queryDecoder,
	"laterType":    laterType,
	"encoded":      func(o *operation) bool { return serverEncodedResults[o.OperationID] },
	"laterBody":    laterBody,
	"laterParams":  func(o *operation) []laterParam { return serverLaterParams[o.OperationID] },
	"mdEsc":        func(s string) string { return strings.ReplaceAll(s, "|", "\\|") },
	"summary":      func(s string) string { return strings.TrimSuffix(strings.TrimSpace(s), ".") },
}

// signature renders a method's parameter list after ctx.
func signature(o *operation) string {
	var b strings.Builder
	b.WriteString("ctx context.Context")
	for _, p := range o.PathParams {
		b.WriteString(", " + p.GoName + " string")
	}
	if o.Params != nil {
		if o.Body == "jsonArray" {
			b.WriteString(", params []" + o.Params.Name)
		} else {
			b.WriteString(", params *" + o.Params.Name)
		}
	}
	return b.String()
}

// callArgs renders the arguments a caller passes after ctx (for docs).
func callArgs(o *operation) string {
	var parts []string
	parts = append(parts, "ctx")
	for _, p := range o.PathParams {
		parts = append(parts, p.GoName)
	}
	if o.Params != nil {
		parts = append(parts, "params")
	}
	return strings.Join(parts, ", ")
}

// comment turns text into // comment lines, keeping blank lines.
func comment(text string) string {
	text = strings.TrimSpace(text)
	var b strings.Builder
	for i, l := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteString("\n")
		}
		l = strings.TrimRight(l, " \t")
		if l == "" {
			b.WriteString("//")
		} else {
			b.WriteString("// " + l)
		}
	}
	return b.String()
}

func render(name string, data any) ([]byte, error) {
	t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/"+name)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func writeIfChanged(path string, data []byte, verbose bool) error {
	old, err := os.ReadFile(path)
	if err == nil && bytes.Equal(old, data) {
		return nil
	}
	if verbose {
		fmt.Fprintf(os.Stderr, "gen: wrote %s (%d lines)\n", path, bytes.Count(data, []byte("\n")))
	}
	return os.WriteFile(path, data, 0o644)
}

const (
	regionBegin = "<!-- BEGIN OPERATIONS: generated by internal/gen from api/operations.tsv; do not edit -->"
	regionEnd   = "<!-- END OPERATIONS -->"
)

// replaceRegion rewrites the generated region of the README.
func replaceRegion(path string, table []byte, verbose bool) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(old)
	i, j := strings.Index(s, regionBegin), strings.Index(s, regionEnd)
	if i < 0 || j < i {
		return fmt.Errorf("%s: markers %q and %q not found", path, regionBegin, regionEnd)
	}
	out := s[:i+len(regionBegin)] + "\n" + strings.TrimSpace(string(table)) + "\n" + s[j:]
	return writeIfChanged(path, []byte(out), verbose)
}

// handWrittenNames adds the top-level exported identifiers of the
// package's hand-written files (not *_gen.go, not tests) to names.
func handWrittenNames(dir string, names map[string]bool) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return err
	}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_gen.go") || strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, d := range file.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil && d.Name.IsExported() {
					names[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						if s.Name.IsExported() {
							names[s.Name.Name] = true
						}
					case *ast.ValueSpec:
						for _, n := range s.Names {
							if n.IsExported() {
								names[n.Name] = true
							}
						}
					}
				}
			}
		}
	}
	return nil
}

func numbered(src []byte) string {
	var b strings.Builder
	for i, l := range strings.Split(string(src), "\n") {
		fmt.Fprintf(&b, "%5d %s\n", i+1, l)
	}
	return b.String()
}
