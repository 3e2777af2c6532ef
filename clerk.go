package clerk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"reflect"
	"strings"
	"time"
)

// Version is the version of this module, sent in the User-Agent header as
// "clerk-go/" + Version.
const Version = "0.1.0"

// DefaultAPIVersion is the Clerk-API-Version header a Client sends unless
// WithAPIVersion says otherwise: the API version the generated services and
// models describe.
const DefaultAPIVersion = "2026-05-12"

// ServerList holds the servers of the Backend API specification, each the
// base URL that operation paths are appended to. A Client uses
// ServerList[0] unless WithServerIndex selects another entry by its index
// (or WithServerURL names any URL). It is read when the options are
// applied; changing it later does not affect existing clients.
var ServerList = []string{"https://api.clerk.com/v1"}

// maxSuccessBody caps how much of a 2xx answer's body is read.
const maxSuccessBody = 10 << 20

// core sends requests for the generated services: it holds everything a
// Client was configured with. It is never modified after NewClient, so a
// Client is safe for concurrent use.
type core struct {
	baseURL     string // without trailing slash, e.g. "https://api.clerk.com/v1"
	httpClient  *http.Client
	secretKey   string
	tokenSource func(ctx context.Context) (string, error)
	apiVersion  string
	userAgent   string
	timeout     time.Duration // per attempt; 0 means none
	retry       RetryPolicy

	// sleep waits between attempts and now gives the time Retry-After
	// dates are relative to; tests replace them.
	sleep func(ctx context.Context, d time.Duration) error
	now   func() time.Time
}

// NewClient returns a Client that authenticates with secretKey (Clerk's
// "sk_live_..." or "sk_test_..." key), configured by opts. secretKey may be
// empty only when WithTokenSource is given. It returns an error for an
// empty or malformed key and for any invalid option (e.g. an invalid server
// URL or server index). Clients share no mutable state with each other.
func NewClient(secretKey string, opts ...Option) (*Client, error) {
	cfg := config{
		timeout:    DefaultTimeout,
		apiVersion: DefaultAPIVersion,
		retry:      DefaultRetryPolicy(),
	}
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	if secretKey == "" && cfg.tokenSource == nil {
		cfg.errs = append(cfg.errs, errors.New("clerk: no secret key: pass one to NewClient, set CLERK_SECRET_KEY for NewClientFromEnv, or use WithTokenSource"))
	}
	if secretKey != "" && !validToken(secretKey) {
		cfg.errs = append(cfg.errs, errors.New("clerk: the secret key contains whitespace or control characters"))
	}
	if cfg.serverURL == "" {
		if len(ServerList) == 0 {
			cfg.errs = append(cfg.errs, errors.New("clerk: ServerList is empty and no server URL was given"))
		} else if u, err := parseServerURL(ServerList[0]); err != nil {
			cfg.errs = append(cfg.errs, fmt.Errorf("clerk: ServerList[0]: %w", err))
		} else {
			cfg.serverURL = u
		}
	}
	if len(cfg.errs) > 0 {
		return nil, errors.Join(cfg.errs...)
	}
	hc := cfg.httpClient
	if hc == nil {
		// A client of our own (never http.DefaultClient), using the shared
		// http.DefaultTransport; the per-attempt timeout is applied with a
		// context deadline, see WithTimeout.
		hc = &http.Client{}
	}
	ua := "clerk-go/" + Version
	if cfg.uaSuffix != "" {
		ua += " " + cfg.uaSuffix
	}
	c := &Client{core: &core{
		baseURL:     cfg.serverURL,
		httpClient:  hc,
		secretKey:   secretKey,
		tokenSource: cfg.tokenSource,
		apiVersion:  cfg.apiVersion,
		userAgent:   ua,
		timeout:     cfg.timeout,
		retry:       cfg.retry,
		sleep:       sleepContext,
		now:         time.Now,
	}}
	c.initServices()
	return c, nil
}

// NewClientFromEnv returns a Client configured from the environment:
// CLERK_SECRET_KEY is the secret key, and CLERK_API_URL, when set, is the
// server URL. As in Clerk's other SDKs, CLERK_API_URL may omit the version
// path (e.g. "https://api.clerk.com"): "/v1" is appended when its path does
// not already end in "/v1". opts are applied after the environment, so they
// override it.
func NewClientFromEnv(opts ...Option) (*Client, error) {
	key := strings.TrimSpace(os.Getenv("CLERK_SECRET_KEY"))
	var all []Option
	if apiURL := strings.TrimSpace(os.Getenv("CLERK_API_URL")); apiURL != "" {
		all = append(all, func(c *config) {
			u, err := parseServerURL(withV1(apiURL))
			if err != nil {
				c.errs = append(c.errs, fmt.Errorf("clerk: CLERK_API_URL: %w", err))
				return
			}
			c.serverURL = u
		})
	}
	all = append(all, opts...)
	return NewClient(key, all...)
}

// withV1 appends "/v1" to the path of s unless it already ends in "/v1".
// A URL that does not parse is returned as is, for parseServerURL to
// report.
func withV1(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	p := strings.TrimRight(u.Path, "/")
	if !strings.HasSuffix(p, "/v1") {
		p += "/v1"
	}
	u.Path, u.RawPath = p, ""
	return u.String()
}

// validToken reports whether a secret key can be sent in the Authorization
// header: non-empty, no whitespace and no control characters.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; b <= ' ' || b == 0x7f {
			return false
		}
	}
	return true
}

// attemptResult is the outcome of one attempt of a request.
type attemptResult struct {
	err        error         // nil on success
	retry      bool          // whether the request may be sent again
	retryAfter time.Duration // the server's Retry-After, if any
}

// do sends r, retrying as c.retry allows, and decodes a 2xx answer into
// out: nothing when out is nil (the body is discarded), the raw body when
// out is a *[]byte or *json.RawMessage, the JSON body otherwise. An empty
// body leaves out untouched, unless r.wantBody: then an empty or null body
// is an error. A non-2xx answer gives an *APIError.
//
// A multipart body (r.form) is written into a pipe by a goroutine as the
// transport reads it; if the server answers before reading everything, the
// pipe is closed and the goroutine stops at its next write (it may still be
// inside a File.Body.Read when do returns).
func (c *core) do(ctx context.Context, r *request, out any) error {
	var payload []byte
	if r.form != nil {
		if err := checkForm(r.form); err != nil {
			return fmt.Errorf("clerk: %s %s: %w", r.method, r.path, err)
		}
	} else if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("clerk: %s %s: encoding request body: %w", r.method, r.path, err)
		}
		payload = b
	}
	target := c.baseURL + r.path
	if q := r.query.Encode(); q != "" {
		target += "?" + q
	}
	maxRetries := c.retry.MaxRetries
	if r.form != nil {
		maxRetries = 0 // the body is streamed once from the caller's readers
	}
	for n := 0; ; n++ {
		res := c.attempt(ctx, r, target, payload, out)
		if res.err == nil {
			return nil
		}
		if !res.retry || n >= maxRetries || ctx.Err() != nil {
			return res.err
		}
		wait := max(c.retry.backoff(n), res.retryAfter)
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("clerk: %s %s: %w while waiting to retry; last error: %w", r.method, r.path, err, res.err)
		}
	}
}

// attempt sends r once.
func (c *core) attempt(ctx context.Context, r *request, target string, payload []byte, out any) attemptResult {
	if err := ctx.Err(); err != nil {
		return attemptResult{err: fmt.Errorf("clerk: %s %s: %w", r.method, r.path, err)}
	}
	key, err := c.key(ctx)
	if err != nil {
		return attemptResult{err: err}
	}
	actx := ctx
	if c.timeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}

	var body io.Reader
	var contentType string
	var form *io.PipeReader
	var mw *multipart.Writer
	var pw *io.PipeWriter
	switch {
	case r.form != nil:
		form, pw = io.Pipe()
		mw = multipart.NewWriter(pw)
		body, contentType = form, mw.FormDataContentType()
	case payload != nil:
		body, contentType = bytes.NewReader(payload), "application/json"
	}
	req, err := http.NewRequestWithContext(actx, r.method, target, body)
	if err != nil {
		if form != nil {
			form.Close()
		}
		return attemptResult{err: fmt.Errorf("clerk: %s %s: %w", r.method, r.path, err)}
	}
	req.Header.Set("Authorization", "Bearer "+key)
	version := c.apiVersion
	if r.apiVersion != "" {
		version = r.apiVersion
	}
	req.Header.Set("Clerk-API-Version", version)
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if form != nil {
		// Closing the reader when the attempt ends stops the writer if the
		// transport gave up before reading everything.
		defer form.Close()
		go writeForm(pw, mw, r.form)
	}

	resp, err := c.httpClient.Do(req)
	if err != nil {
		return c.transportError(ctx, r, err)
	}
	defer resp.Body.Close()

	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return c.decode(ctx, r, resp, out)
	}

	// A failure while reading the error body still leaves the status,
	// which is what matters: keep whatever part of the body arrived.
	data, _ := readCapped(resp.Body, maxErrorBody)
	apiErr := newAPIError(resp, data, c.now())
	res := attemptResult{err: apiErr, retry: retryableStatus(r.method, resp.StatusCode)}
	if apiErr.RetryAfter > 0 {
		if apiErr.RetryAfter > c.retry.MaxRetryAfter {
			res.retry = false
		}
		res.retryAfter = apiErr.RetryAfter
	}
	return res
}

// key returns the bearer token of one attempt.
func (c *core) key(ctx context.Context) (string, error) {
	if c.tokenSource == nil {
		return c.secretKey, nil
	}
	key, err := c.tokenSource(ctx)
	if err != nil {
		return "", fmt.Errorf("clerk: token source: %w", err)
	}
	if key == "" {
		return "", errors.New("clerk: token source returned an empty key")
	}
	if !validToken(key) {
		return "", errors.New("clerk: token source returned a key with whitespace or control characters")
	}
	return key, nil
}

// transportError is the result of an attempt that failed without a
// (complete) answer. An *url.Error from http.Client.Do already names the
// method and URL.
func (c *core) transportError(ctx context.Context, r *request, err error) attemptResult {
	prefix := "clerk: " + r.method + " " + r.path + ": "
	if _, ok := err.(*url.Error); ok {
		prefix = "clerk: "
	}
	if cerr := ctx.Err(); cerr != nil {
		// The call's context ended: never retry, and make sure
		// errors.Is(err, context.Canceled) (or DeadlineExceeded) holds.
		if errors.Is(err, cerr) {
			return attemptResult{err: fmt.Errorf("%s%w", prefix, err)}
		}
		return attemptResult{err: fmt.Errorf("%s%w: %w", prefix, cerr, err)}
	}
	return attemptResult{
		err:   fmt.Errorf("%s%w", prefix, err),
		retry: retryableTransportError(r.method, err),
	}
}

// decode reads a 2xx answer into out.
func (c *core) decode(ctx context.Context, r *request, resp *http.Response, out any) attemptResult {
	if out == nil {
		// Drain (a bounded amount) so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxSuccessBody))
		return attemptResult{}
	}
	data, err := readCapped(resp.Body, maxSuccessBody+1)
	if err != nil {
		return c.transportError(ctx, r, fmt.Errorf("reading %d response: %w", resp.StatusCode, err))
	}
	if len(data) > maxSuccessBody {
		return attemptResult{err: fmt.Errorf("clerk: %s %s: %d response body exceeds %d bytes", r.method, r.path, resp.StatusCode, maxSuccessBody)}
	}
	switch raw := out.(type) {
	case *[]byte:
		*raw = data
		return attemptResult{}
	case *json.RawMessage:
		*raw = data
		return attemptResult{}
	}
	trimmed := bytes.TrimSpace(data)
	if r.wantBody {
		switch {
		case len(trimmed) == 0:
			return attemptResult{err: fmt.Errorf("clerk: %s %s: %d response has no body (the operation answers %s)", r.method, r.path, resp.StatusCode, jsonKind(out))}
		case string(trimmed) == "null":
			return attemptResult{err: fmt.Errorf("clerk: %s %s: %d response body is null (the operation answers %s)", r.method, r.path, resp.StatusCode, jsonKind(out))}
		}
	}
	if len(trimmed) == 0 {
		return attemptResult{}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return attemptResult{err: fmt.Errorf("clerk: %s %s: decoding %d response: %w", r.method, r.path, resp.StatusCode, err)}
	}
	return attemptResult{}
}

// jsonKind names the JSON value that out, a pointer, is decoded from: "an
// array" for a slice or array, "an object" for a struct or map, "a JSON
// value" otherwise.
func jsonKind(out any) string {
	t := reflect.TypeOf(out)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil {
		switch t.Kind() {
		case reflect.Slice, reflect.Array:
			return "an array"
		case reflect.Struct, reflect.Map:
			return "an object"
		}
	}
	return "a JSON value"
}

// readCapped reads r to its end or to limit bytes, whichever comes first.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, limit))
}

// checkForm rejects form fields that cannot be written as part headers.
func checkForm(fields []formField) error {
	for _, f := range fields {
		if f.name == "" || !validHeaderValue(f.name) {
			return fmt.Errorf("invalid form field name %q", f.name)
		}
		if f.file != nil && (!validHeaderValue(f.file.Name) || !validHeaderValue(f.file.ContentType)) {
			return fmt.Errorf("form field %q: file name or content type contains control characters", f.name)
		}
	}
	return nil
}

// writeForm writes fields as a multipart body into pw, and closes pw with
// the first error (nil once everything is written).
func writeForm(pw *io.PipeWriter, mw *multipart.Writer, fields []formField) {
	pw.CloseWithError(func() error {
		for _, f := range fields {
			if f.file == nil {
				if err := mw.WriteField(f.name, f.value); err != nil {
					return err
				}
				continue
			}
			h := make(textproto.MIMEHeader)
			h.Set("Content-Disposition", multipart.FileContentDisposition(f.name, f.file.Name))
			ct := f.file.ContentType
			if ct == "" {
				ct = "application/octet-stream"
			}
			h.Set("Content-Type", ct)
			w, err := mw.CreatePart(h)
			if err != nil {
				return err
			}
			if f.file.Body != nil {
				if _, err := io.Copy(w, f.file.Body); err != nil {
					return fmt.Errorf("reading file %q: %w", f.file.Name, err)
				}
			}
		}
		return mw.Close()
	}())
}
