package requestfuzz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Request is one generated request, relative to the server's /v1.
type Request struct {
	Op     *Op
	Method string
	// Path is the escaped path after /v1, e.g. "/users/user_2x".
	Path string
	// Query is the raw query string (without "?"); it may be malformed on
	// purpose.
	Query  string
	Header http.Header
	Body   []byte
	// Hostile says that the request was mutated from a valid one.
	Hostile bool
}

// String describes r for a failure report: everything needed to send it
// again, the body quoted and cut at 600 bytes.
func (r *Request) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s /v1%s", r.Method, r.Path)
	if r.Query != "" {
		q := r.Query
		if len(q) > 300 {
			q = q[:300] + "…"
		}
		b.WriteString("?" + q)
	}
	fmt.Fprintf(&b, " (%s", r.Op.ID)
	for _, k := range slices.Sorted(maps.Keys(r.Header)) {
		if k != "Authorization" {
			fmt.Fprintf(&b, "; %s: %q", k, r.Header.Get(k))
		}
	}
	b.WriteString(")")
	if len(r.Body) > 0 {
		body := r.Body
		suffix := ""
		if len(body) > 600 {
			body, suffix = body[:600], fmt.Sprintf("… (%d bytes)", len(r.Body))
		}
		fmt.Fprintf(&b, " body %q%s", body, suffix)
	}
	return b.String()
}

// Generator makes the requests of one seed. It learns the IDs the server
// answers with (Learn), so that later requests name real resources.
type Generator struct {
	rng      *rand.Rand
	ops      []*Op
	secret   string
	versions []string
	ids      map[string][]string // by prefix: "user" -> user IDs seen
	op       *Op                 // the operation of the request being made
	names    []string            // JWT template names seen
}

// NewGenerator returns the generator of seed over ops; secret is the
// instance's secret key, sent as Bearer by all but a few requests, and
// versions are the API versions a request may name.
func NewGenerator(seed uint64, ops []*Op, secret string, versions []string) *Generator {
	return &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), ops: ops, secret: secret,
		versions: versions, ids: map[string][]string{}}
}

// idShape is the shape of Clerk's IDs: a prefix, "_", 27 base62 characters.
var idShape = regexp.MustCompile(`^([a-z]+)_[0-9A-Za-z]{27}$`)

// maxPool bounds the IDs kept per prefix.
const maxPool = 64

// Learn takes in the server's answer to r: the IDs (and JWT template
// names) of a successful answer's JSON body join the pools later requests
// draw from, and the IDs of the path of a successful DELETE leave them.
func (g *Generator) Learn(r *Request, status int, body []byte) {
	if status < 200 || status >= 300 {
		return
	}
	if r.Method == "DELETE" {
		for seg := range strings.SplitSeq(r.Path, "/") {
			if m := idShape.FindStringSubmatch(seg); m != nil {
				g.ids[m[1]] = slices.DeleteFunc(g.ids[m[1]], func(id string) bool { return id == seg })
			}
		}
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return
	}
	g.learn(v, 0)
}

func (g *Generator) learn(v any, depth int) {
	if depth > 8 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		if x["object"] == "jwt_template" {
			if name, ok := x["name"].(string); ok {
				g.names = addBounded(g.rng, g.names, name)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if strings.HasSuffix(k, "metadata") {
				continue // the client's data, not the server's IDs
			}
			g.learn(x[k], depth+1)
		}
	case []any:
		for _, e := range x {
			g.learn(e, depth+1)
		}
	case string:
		if m := idShape.FindStringSubmatch(x); m != nil {
			if !slices.Contains(g.ids[m[1]], x) {
				g.ids[m[1]] = addBounded(g.rng, g.ids[m[1]], x)
			}
		}
	}
}

func addBounded(rng *rand.Rand, list []string, s string) []string {
	if len(list) < maxPool {
		return append(list, s)
	}
	list[rng.IntN(len(list))] = s
	return list
}

// Next returns the next request: about a third valid, built from the spec
// with the IDs learnt so far, the rest made hostile by one to three
// mutations.
func (g *Generator) Next() *Request {
	op := g.ops[g.rng.IntN(len(g.ops))]
	if len(op.PathParams) > 0 && g.rng.IntN(3) == 0 {
		// Creates are a few of many operations: send them more often,
		// so that there are resources to read, change and delete.
		for _, o := range g.ops {
			if o.Method == "POST" && len(o.PathParams) == 0 && g.rng.IntN(4) == 0 {
				op = o
				break
			}
		}
	}
	g.op = op
	r := &Request{Op: op, Method: op.Method, Header: http.Header{}}
	r.Header.Set("Authorization", "Bearer "+g.secret)
	if op.Version != versionDefault || g.rng.IntN(4) == 0 {
		r.Header.Set("Clerk-API-Version", op.Version)
	}
	pathVals := map[string]string{}
	for _, p := range op.PathParams {
		name := p.Name
		if name == "invitation_id" && strings.HasPrefix(op.Path, "/organizations/") {
			name = "organization_invitation_id" // orginv_..., not an instance invitation's inv_...
		}
		pathVals[p.Name] = url.PathEscape(g.pathValue(name))
	}
	q := url.Values{}
	for _, p := range op.Query {
		if p.Required || g.rng.IntN(3) == 0 {
			g.queryValue(q, p)
		}
	}
	var body any
	multipartBody := false
	switch {
	case op.JSON != nil:
		body = g.value(op.JSON, "", 0)
	case op.Multipart != nil:
		multipartBody = true
	}
	if g.rng.IntN(3) != 0 {
		r.Hostile = true
		for range 1 + g.rng.IntN(3) {
			g.mutate(r, op, pathVals, q, &body, &multipartBody)
		}
	}
	r.Path = expandPath(op.Path, pathVals)
	if r.Query == "" {
		r.Query = q.Encode()
	}
	if r.Body == nil {
		switch {
		case multipartBody:
			r.Body, r.Header = g.multipartBody(op, r.Header)
		case body != nil:
			data, err := json.Marshal(body)
			if err != nil {
				panic("requestfuzz: " + err.Error()) // values of ours: a bug
			}
			r.Body = data
			if r.Header.Get("Content-Type") == "" {
				r.Header.Set("Content-Type", "application/json")
			}
		}
	}
	return r
}

// versionDefault is the version requests without the header get.
const versionDefault = "2021-02-05"

func expandPath(tmpl string, vals map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}') + i
		b.WriteString(tmpl[:i])
		b.WriteString(vals[tmpl[i+1:j]])
		tmpl = tmpl[j+1:]
	}
}

// pathPrefixes maps path parameters to the prefix of the IDs they take.
var pathPrefixes = map[string]string{
	"user_id": "user", "session_id": "sess", "email_address_id": "idn", "phone_number_id": "idn",
	"passkey_identification_id": "idn", "web3_wallet_identification_id": "idn", "template_id": "jtmp",
	"client_id": "client", "sign_in_token_id": "sit", "actor_token_id": "act", "organization_id": "org",
	"invitation_id": "inv", "external_account_id": "eac", "totp_id": "totp", "domain_id": "orgdmn",
	"organization_invitation_id": "orginv",
}

// pathValue returns a real ID for the parameter when one was learnt
// (mostly), else an ID of the right shape that names nothing.
func (g *Generator) pathValue(name string) string {
	if name == "template_name" && len(g.names) > 0 && g.rng.IntN(5) != 0 {
		return g.names[g.rng.IntN(len(g.names))]
	}
	prefix := pathPrefixes[name]
	if prefix == "" {
		prefix = strings.TrimSuffix(name, "_id")
	}
	if ids := g.ids[prefix]; len(ids) > 0 && g.rng.IntN(8) != 0 {
		return ids[g.rng.IntN(len(ids))]
	}
	return prefix + "_" + strings.Repeat("0", 27)
}

func (g *Generator) queryValue(q url.Values, p *openapi3.Parameter) {
	var s *openapi3.Schema
	if p.Schema != nil {
		s = p.Schema.Value
	}
	if s != nil && s.Type != nil && s.Type.Is(openapi3.TypeArray) {
		var items *openapi3.Schema
		if s.Items != nil {
			items = s.Items.Value
		}
		for range 1 + g.rng.IntN(3) {
			q.Add(p.Name, g.scalarText(g.value(items, p.Name, 1)))
		}
		return
	}
	q.Set(p.Name, g.scalarText(g.value(s, p.Name, 1)))
}

// scalarText writes a value as a query or form field holds it.
func (g *Generator) scalarText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case json.Number:
		return string(x)
	}
	data, _ := json.Marshal(v)
	return string(data)
}

// value returns a valid-looking value for schema s of the property name.
func (g *Generator) value(s *openapi3.Schema, name string, depth int) any {
	if s == nil {
		return g.word()
	}
	if len(s.Enum) > 0 {
		return s.Enum[g.rng.IntN(len(s.Enum))]
	}
	for _, refs := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf, s.AllOf} {
		if len(refs) > 0 && refs[0].Value != nil && (s.Type == nil || len(s.Properties) == 0) {
			return g.value(refs[g.rng.IntN(len(refs))].Value, name, depth)
		}
	}
	t := ""
	if s.Type != nil && len(s.Type.Slice()) > 0 {
		t = s.Type.Slice()[0]
	} else if len(s.Properties) > 0 {
		t = openapi3.TypeObject
	}
	switch t {
	case openapi3.TypeBoolean:
		return g.rng.IntN(2) == 0
	case openapi3.TypeInteger, openapi3.TypeNumber:
		switch name {
		case "limit":
			return 1 + g.rng.IntN(20)
		case "offset":
			return g.rng.IntN(4)
		case "lifetime", "expires_in_seconds":
			return 1 + g.rng.IntN(3600)
		case "allowed_clock_skew":
			return g.rng.IntN(300)
		}
		return g.rng.IntN(100)
	case openapi3.TypeArray:
		var items *openapi3.Schema
		if s.Items != nil {
			items = s.Items.Value
		}
		n := g.rng.IntN(3)
		if name == "email_address" || name == "phone_number" {
			n = 1 + g.rng.IntN(2)
		}
		arr := make([]any, n)
		for i := range arr {
			arr[i] = g.value(items, name, depth+1)
		}
		return arr
	case openapi3.TypeObject:
		if depth > 4 {
			return map[string]any{}
		}
		if name == "actor" {
			return map[string]any{"sub": g.pathValue("user_id")}
		}
		if len(s.Properties) == 0 {
			return g.freeObject(depth)
		}
		obj := map[string]any{}
		for _, k := range slices.Sorted(maps.Keys(s.Properties)) {
			if slices.Contains(s.Required, k) || usual[k] || (!troublesome[k] && g.rng.IntN(4) == 0) {
				obj[k] = g.value(s.Properties[k].Value, k, depth+1)
			}
		}
		return obj
	}
	return g.text(s, name)
}

// troublesome are optional properties that a valid request leaves out,
// as their valid values depend on each other (a digest and its hasher)
// or on keys; hostile requests still send them.
var troublesome = map[string]bool{"password_digest": true, "password_hasher": true, "signing_key": true,
	"signing_algorithm": true, "custom_signing_key": true}

// usual are properties a valid request sends, as the operations that take
// them need them though their specs do not all say so.
var usual = map[string]bool{"user_id": true, "email_address": true, "phone_number": true, "name": true,
	"claims": true, "actor": true}

// text returns a string that the parameter name takes: drawn from small
// sets, so that requests collide on unique values now and then.
func (g *Generator) text(s *openapi3.Schema, name string) string {
	n := g.rng.IntN(200)
	switch {
	case strings.Contains(name, "email_address") && !strings.HasSuffix(name, "_id"):
		return fmt.Sprintf("u%d@example.com", n)
	case strings.Contains(name, "phone_number") && !strings.HasSuffix(name, "_id"):
		return fmt.Sprintf("+1555555%04d", n)
	case name == "username":
		return fmt.Sprintf("user%d", n)
	case name == "password", name == "new_password":
		return fmt.Sprintf("correct-horse-%d", n)
	case name == "external_id":
		return fmt.Sprintf("ext%d", n)
	case strings.Contains(name, "web3_wallet"):
		return fmt.Sprintf("0x%040x", n)
	case name == "created_by", name == "inviter_user_id", name == "uploader_user_id", name == "requesting_user_id":
		return g.pathValue("user_id")
	case name == "role":
		return []string{"org:admin", "org:member", "org:viewer", "admin"}[n%4]
	case name == "enrollment_mode":
		return []string{"manual_invitation", "automatic_invitation", "automatic_suggestion", "never"}[n%4]
	case name == "name" && g.op != nil && strings.Contains(g.op.Path, "/domains"):
		return fmt.Sprintf("acme%d.example", n%20)
	case name == "slug":
		return fmt.Sprintf("org-%d", n%30)
	case name == "first_name", name == "last_name", name == "name":
		return []string{"Ada", "Grace", "Alan", "ada", "Émile", "Zoë", "", "Bob"}[n%8]
	case name == "query":
		return []string{"ada", "u1", "example", "ext", "+1555", "user_", "%", "_"}[n%8]
	case name == "order_by":
		return []string{"created_at", "-created_at", "+first_name", "-username", "email_address", "-last_sign_in_at"}[n%6]
	case name == "template_name", name == "template":
		if len(g.names) > 0 {
			return g.names[g.rng.IntN(len(g.names))]
		}
	case strings.HasSuffix(name, "_id"):
		return g.pathValue(name)
	case strings.Contains(name, "url"):
		return fmt.Sprintf("https://example.com/cb/%d", n)
	case name == "code":
		return fmt.Sprintf("%06d", n)
	case name == "totp_secret":
		return []string{"JBSWY3DPEHPK3PXP", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"}[n%2]
	case name == "backup_codes":
		return fmt.Sprintf("backup-%d", n)
	case name == "sub":
		return g.pathValue("user_id")
	case name == "claims":
		return `{"uid":"{{user.id}}"}`
	}
	if s != nil && s.Format == "date-time" {
		return "2026-01-02T03:04:05Z"
	}
	return g.word()
}

func (g *Generator) word() string {
	return []string{"alpha", "beta", "Gamma", "delta-1", "ε", "x y", "", "a.b"}[g.rng.IntN(8)]
}

// freeObject returns metadata-like JSON: a few keys, nested now and then.
func (g *Generator) freeObject(depth int) map[string]any {
	obj := map[string]any{}
	for i := range g.rng.IntN(4) {
		k := []string{"plan", "role", "n", "nested", "tags", "id"}[(i+g.rng.IntN(6))%6]
		switch g.rng.IntN(5) {
		case 0:
			obj[k] = g.word()
		case 1:
			obj[k] = g.rng.IntN(1000)
		case 2:
			obj[k] = nil
		case 3:
			if depth < 4 {
				obj[k] = g.freeObject(depth + 1)
			}
		case 4:
			obj[k] = []any{g.word(), true}
		}
	}
	return obj
}

// multipartBody returns a multipart/form-data body with the operation's
// file parts filled with a small PNG-looking file.
func (g *Generator) multipartBody(op *Op, h http.Header) ([]byte, http.Header) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.SetBoundary(fmt.Sprintf("fuzzboundary%08d", g.rng.IntN(1e8)))
	var props []string
	if op.Multipart != nil {
		props = slices.Sorted(maps.Keys(op.Multipart.Properties))
	} else {
		props = []string{"file"}
	}
	for _, k := range props {
		hdr := textproto.MIMEHeader{}
		hdr.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename="f.png"`, k))
		hdr.Set("Content-Type", "image/png")
		part, _ := w.CreatePart(hdr)
		part.Write(append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{byte(g.rng.IntN(256))}, g.rng.IntN(200))...))
	}
	w.Close()
	h.Set("Content-Type", w.FormDataContentType())
	return buf.Bytes(), h
}
