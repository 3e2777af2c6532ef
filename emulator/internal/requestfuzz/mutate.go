package requestfuzz

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"
)

// junkStrings are the strings hostile requests put where text goes: NUL
// and control characters, invalid UTF-8, strings longer than any index
// allows, escapes and wildcards, numbers that overflow.
func (g *Generator) junkString() string {
	switch g.rng.IntN(24) {
	case 0:
		return "\x00"
	case 1:
		return "a\x00b"
	case 2:
		return "\xff\xfe"
	case 3:
		return "ok\xc3"
	case 4:
		return g.longString(256 + g.rng.IntN(300))
	case 5:
		return g.longString(2700 + g.rng.IntN(3000))
	case 6:
		return g.longString(70000)
	case 7:
		return "99999999999999999999999"
	case 8:
		return "1e400"
	case 9:
		return "-1"
	case 10:
		return " "
	case 11:
		return ""
	case 12:
		return "../.."
	case 13:
		return "%00"
	case 14:
		return "' OR 1=1 --"
	case 15:
		return `\%_`
	case 16:
		return "\x1f\t\n\r"
	case 17:
		return "ünï cödé 🙂 \u202e"
	case 18:
		return "\ufeff\u0000\ufffd"
	case 19:
		return "{{user.id}}{{"
	case 20:
		return "NaN"
	case 21:
		return "0x1p-2"
	case 22:
		return "true"
	}
	return "null"
}

// longString returns n incompressible base62 characters.
func (g *Generator) longString(n int) string {
	const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[g.rng.IntN(len(chars))]
	}
	return string(b)
}

// junkValue returns a JSON value of a random, often wrong, type.
func (g *Generator) junkValue() any {
	switch g.rng.IntN(14) {
	case 0:
		return nil
	case 1:
		return g.rng.IntN(2) == 0
	case 2:
		return json.Number("1e400")
	case 3:
		return json.Number("-9223372036854775809")
	case 4:
		return json.Number("9007199254740993")
	case 5:
		return json.Number("1.5")
	case 6:
		return json.Number("-1")
	case 7:
		return []any{}
	case 8:
		return map[string]any{}
	case 9:
		return []any{g.junkString(), nil, 1}
	case 10:
		return map[string]any{g.junkString(): g.junkString(), "k\x00": "v"}
	case 11:
		v := any("deep")
		for range 60 + g.rng.IntN(60) {
			v = []any{v}
		}
		return v
	}
	return g.junkString()
}

// mutate makes r hostile in one way.
func (g *Generator) mutate(r *Request, op *Op, pathVals map[string]string, q url.Values, body *any, multipartBody *bool) {
	switch g.rng.IntN(16) {
	case 0, 1: // a path parameter
		if len(op.PathParams) > 0 {
			p := op.PathParams[g.rng.IntN(len(op.PathParams))]
			if g.rng.IntN(2) == 0 {
				pathVals[p.Name] = url.PathEscape(g.junkString())
			} else {
				pathVals[p.Name] = []string{"%00", "%ff", "%2F", "..", "%25", "a%00b", "%C0%80", "x;y", "."}[g.rng.IntN(9)]
			}
			return
		}
		fallthrough
	case 2, 3: // a query value
		if len(op.Query) > 0 {
			p := op.Query[g.rng.IntN(len(op.Query))]
			switch g.rng.IntN(4) {
			case 0:
				for i := range 101 + g.rng.IntN(200) {
					q.Add(p.Name, fmt.Sprintf("v%d@example.com", i))
				}
			case 1:
				q.Add(p.Name, g.junkString())
			default:
				q.Set(p.Name, g.junkString())
			}
			return
		}
		fallthrough
	case 4: // the raw query
		r.Query = []string{"%zz", "a=%00", "limit=%ff", "a;b=c", "=", "&&&", "limit=1&limit=x",
			"paginated=maybe", "offset=99999999999999999999", "limit=-5", "order_by=%00"}[g.rng.IntN(11)]
		if g.rng.IntN(2) == 0 {
			r.Query = q.Encode() + "&" + r.Query
		}
	case 5, 6, 7: // a body property
		obj, ok := (*body).(map[string]any)
		if !ok {
			*body = g.junkValue()
			return
		}
		keys := slices.Sorted(maps.Keys(obj))
		switch {
		case len(keys) > 0 && g.rng.IntN(3) != 0:
			obj[keys[g.rng.IntN(len(keys))]] = g.junkValue()
		case len(keys) > 0 && g.rng.IntN(2) == 0:
			k := keys[g.rng.IntN(len(keys))]
			obj[k] = []any{g.junkString()}
		default:
			obj[g.junkString()] = g.junkValue()
		}
	case 8: // a body string, deep inside metadata or where text goes
		obj, ok := (*body).(map[string]any)
		if !ok {
			obj = map[string]any{}
			*body = obj
		}
		for _, k := range []string{"public_metadata", "private_metadata", "unsafe_metadata", "claims", "first_name", "external_id"} {
			if _, has := obj[k]; has || g.rng.IntN(4) == 0 {
				obj[k] = map[string]any{"k": g.junkString(), g.junkString(): []any{g.junkString()}}
				if !strings.HasSuffix(k, "metadata") && k != "claims" {
					obj[k] = g.junkString()
				}
				return
			}
		}
	case 9: // the whole body
		r.Body = []byte([]string{`{`, `[]`, `null`, `"x"`, `{"a":1}{}`, "\x00", `{"first_name":"a\u0000b"}`,
			`{"public_metadata":{"a\u0000":1}}`, `{"a":1e999}`, "\xff{}", `{"email_address":["x@example.com"],"first_name":"\ud800"}`,
			`{"external_id":"` + g.longString(5000) + `"}`, ` `, `{"x":` + strings.Repeat("[", 10001) + `}`}[g.rng.IntN(14)])
		if g.rng.IntN(2) == 0 {
			r.Header.Set("Content-Type", "application/json")
		}
	case 10: // the content type
		r.Header.Set("Content-Type", []string{"text/plain", "application/xml", "multipart/form-data",
			"application/x-www-form-urlencoded", "application/json; charset=latin1", "invalid/", ";;",
			"application/merge-patch+json", "multipart/form-data; boundary=x"}[g.rng.IntN(9)])
		if g.rng.IntN(2) == 0 {
			if obj, ok := (*body).(map[string]any); ok {
				r.Body = []byte(formEncode(g, obj))
			}
		}
	case 11: // a form body with hostile values
		obj, _ := (*body).(map[string]any)
		form := url.Values{}
		for _, k := range slices.Sorted(maps.Keys(obj)) {
			form.Set(k, g.junkString())
		}
		form.Set(g.junkString(), g.junkString())
		r.Body = []byte(form.Encode())
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case 12: // multipart with text fields
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		w.SetBoundary(fmt.Sprintf("fuzzboundary%08d", g.rng.IntN(1e8)))
		for k := range 3 {
			w.WriteField([]string{"file", "first_name", "name", "x\x00"}[(k+g.rng.IntN(4))%4], g.junkString())
		}
		w.Close()
		r.Body = buf.Bytes()
		r.Header.Set("Content-Type", w.FormDataContentType())
	case 13: // the API version
		r.Header.Set("Clerk-API-Version", []string{"", "2099-01-01", "latest", " 2021-02-05 ", "v1",
			"2024-10-01", "2025-04-10", "2025-11-10", "2026-05-12", "2025-03-12"}[g.rng.IntN(10)])
	case 14: // the method
		r.Method = []string{"GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS", "HEAD"}[g.rng.IntN(7)]
	case 15: // authentication
		switch g.rng.IntN(4) {
		case 0:
			r.Header.Del("Authorization")
		case 1:
			r.Header.Set("Authorization", "Bearer sk_test_wrong")
		case 2:
			r.Header.Set("Authorization", []string{"Basic dXNlcjpwYXNz", "Bearer", "bearer " + g.secret, g.secret}[g.rng.IntN(4)])
		default:
			*multipartBody = !*multipartBody
		}
	}
}

// formEncode writes a flat object as a form body (nested values as JSON).
func formEncode(g *Generator, obj map[string]any) string {
	form := url.Values{}
	for k, v := range obj {
		if arr, ok := v.([]any); ok {
			for _, e := range arr {
				form.Add(k, g.scalarText(e))
			}
			continue
		}
		form.Set(k, g.scalarText(v))
	}
	return form.Encode()
}
