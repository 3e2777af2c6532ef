package clerk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
)

// RawRequest is a call to any Backend API endpoint, for endpoints that
// Clerk added after this package was generated. Send it with Client.Do.
type RawRequest struct {
	// Method is the HTTP method in upper case, e.g. http.MethodGet.
	Method string
	// Path is the endpoint's path relative to the server URL, which ends
	// in "/v1": "/users/user_123/billing", not "/v1/users/...". It must
	// start with "/", and every path parameter in it must be escaped with
	// url.PathEscape. Absolute URLs, "." and ".." segments, a query or
	// fragment, backslashes, spaces and control characters are rejected, so
	// that the secret key is only ever sent to the client's server.
	Path string
	// Query holds the query parameters; nil when there are none.
	Query url.Values
	// Body, when non-nil, is encoded as the JSON request body. A
	// json.RawMessage or []byte is sent as it is, and must be valid JSON.
	Body any
	// APIVersion, when non-empty, is sent as the Clerk-API-Version header
	// instead of the client's (see WithAPIVersion).
	APIVersion string
}

// Do sends req with the client's secret key, API version, User-Agent,
// timeout and retry policy, exactly as the generated methods send theirs,
// and decodes a 2xx answer into out:
//
//   - out nil: the body is discarded;
//   - out a *[]byte or *json.RawMessage: it receives the body as it is
//     (empty when the body is);
//   - any other pointer: the JSON body is decoded into it, and an empty or
//     null body is an error.
//
// Every answer outside 2xx is an *APIError, as for the generated methods.
// Retries follow RetryPolicy: a 429 is retried for every method, a 5xx
// only for GET, HEAD, PUT and DELETE. A request that is invalid (an empty
// or lower-case method, a path that RawRequest.Path does not allow, an out
// that is not a pointer) fails before anything is sent.
func (c *Client) Do(ctx context.Context, req *RawRequest, out any) error {
	if req == nil {
		return errors.New("clerk: Do: nil *RawRequest")
	}
	if err := checkMethod(req.Method); err != nil {
		return fmt.Errorf("clerk: Do: %w", err)
	}
	if err := checkRawPath(c.core.baseURL, req.Path); err != nil {
		return fmt.Errorf("clerk: %s %s: %w", req.Method, req.Path, err)
	}
	if req.APIVersion != "" && !validHeaderValue(req.APIVersion) {
		return fmt.Errorf("clerk: %s %s: invalid API version %q", req.Method, req.Path, req.APIVersion)
	}
	if out != nil {
		if v := reflect.ValueOf(out); v.Kind() != reflect.Pointer || v.IsNil() {
			return fmt.Errorf("clerk: %s %s: out must be nil or a non-nil pointer, not %T", req.Method, req.Path, out)
		}
	}
	r := &request{
		method:     req.Method,
		path:       req.Path,
		query:      req.Query,
		body:       req.Body,
		wantBody:   out != nil,
		apiVersion: req.APIVersion,
	}
	if b, ok := req.Body.([]byte); ok {
		// Raw JSON, as for json.RawMessage (json.Marshal would send a
		// base64 string).
		r.body = json.RawMessage(b)
	}
	return c.core.do(ctx, r, out)
}

// checkMethod accepts an HTTP method of upper-case letters, such as GET or
// PATCH. Methods are case-sensitive, and the retry policy only knows the
// upper-case ones.
func checkMethod(m string) error {
	if m == "" {
		return errors.New("empty method")
	}
	for i := 0; i < len(m); i++ {
		if m[i] < 'A' || m[i] > 'Z' {
			return fmt.Errorf("method %q must be an upper-case HTTP method such as GET", m)
		}
	}
	return nil
}

// checkRawPath accepts a path that, appended to base, names an endpoint of
// base's server and of nothing else: it starts with one "/", holds only
// the characters a path may hold (with %-escapes), and has no "." or ".."
// segment, even an escaped one.
func checkRawPath(base, p string) error {
	if !strings.HasPrefix(p, "/") {
		return errors.New(`the path must start with "/" and be relative to the server URL (absolute URLs are not accepted)`)
	}
	if strings.HasPrefix(p, "//") {
		return errors.New(`the path must not start with "//"`)
	}
	if strings.HasSuffix(base, "/v1") && (p == "/v1" || strings.HasPrefix(p, "/v1/")) {
		return errors.New(`the path is relative to the server URL, which already ends in "/v1": leave "/v1" out`)
	}
	for i := 0; i < len(p); i++ {
		b := p[i]
		switch {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=:@/", b) >= 0:
		case b == '%':
			if i+2 >= len(p) || !isHex(p[i+1]) || !isHex(p[i+2]) {
				return errors.New("the path has a malformed %-escape")
			}
		case b == '?' || b == '#':
			return errors.New("the path must not hold a query or fragment: use RawRequest.Query")
		default:
			return fmt.Errorf("the path holds %q: escape path parameters with url.PathEscape", rune(b))
		}
	}
	for _, seg := range strings.Split(p[1:], "/") {
		dec, err := url.PathUnescape(seg)
		if err != nil {
			return errors.New("the path has a malformed %-escape")
		}
		for _, part := range strings.FieldsFunc(dec, func(r rune) bool { return r == '/' || r == '\\' }) {
			if part == "." || part == ".." {
				return errors.New(`the path must not have "." or ".." segments`)
			}
		}
	}
	// Belt and braces: the URL the request goes to has the server's host.
	u, err := url.Parse(base + p)
	if b, berr := url.Parse(base); err != nil || berr != nil || u.Scheme != b.Scheme || u.Host != b.Host {
		return errors.New("the path would leave the server URL")
	}
	return nil
}

func isHex(b byte) bool {
	return '0' <= b && b <= '9' || 'a' <= b && b <= 'f' || 'A' <= b && b <= 'F'
}
