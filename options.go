package clerk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout is how long one attempt of a request may take, from
// sending it to reading the whole response, unless WithTimeout says
// otherwise.
const DefaultTimeout = 30 * time.Second

// Option configures a Client. Pass options to NewClient or
// NewClientFromEnv; they are applied in order, so when two options set the
// same thing (e.g. WithServerURL and WithServerIndex) the last one wins.
// An invalid option makes NewClient return an error.
type Option func(*config)

// config is what the options build; NewClient turns it into a core.
type config struct {
	serverURL   string
	httpClient  *http.Client
	timeout     time.Duration
	uaSuffix    string
	apiVersion  string
	retry       RetryPolicy
	tokenSource func(ctx context.Context) (string, error)
	errs        []error
}

// fail records an invalid option; NewClient reports every one.
func (c *config) fail(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("clerk: "+format, args...))
}

// WithServerURL makes the client send requests to serverURL instead of
// ServerList[0]. serverURL is the API's base URL including its version
// path, e.g. "https://api.clerk.com/v1" or "http://127.0.0.1:8080/base/v1";
// its path is kept and operation paths are appended to it. It must be an
// absolute http or https URL without query or fragment; a trailing slash is
// removed.
func WithServerURL(serverURL string) Option {
	return func(c *config) {
		u, err := parseServerURL(serverURL)
		if err != nil {
			c.errs = append(c.errs, err)
			return
		}
		c.serverURL = u
	}
}

// WithServerIndex makes the client send requests to ServerList[i]. An index
// out of range makes NewClient return an error.
func WithServerIndex(i int) Option {
	return func(c *config) {
		if i < 0 || i >= len(ServerList) {
			c.fail("server index %d out of range: ServerList has %d entries", i, len(ServerList))
			return
		}
		u, err := parseServerURL(ServerList[i])
		if err != nil {
			c.errs = append(c.errs, err)
			return
		}
		c.serverURL = u
	}
}

// WithHTTPClient makes the client send requests with hc instead of its own
// http.Client. hc is used as it is and never modified; the per-attempt
// timeout of WithTimeout applies on top of hc.Timeout. hc must not be nil.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) {
		if hc == nil {
			c.fail("WithHTTPClient: nil *http.Client")
			return
		}
		c.httpClient = hc
	}
}

// WithTimeout sets how long each attempt of a request may take, from
// sending it to reading the whole response body. It is a per-attempt limit:
// a request that is retried may take longer in total (bound the total with
// the context passed to each call). An attempt that times out is retried
// like a connection error. d == 0 removes the limit; d < 0 is an error. The
// default is DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(c *config) {
		if d < 0 {
			c.fail("WithTimeout: negative timeout %v", d)
			return
		}
		c.timeout = d
	}
}

// WithUserAgentSuffix appends " " + suffix to the User-Agent header, which
// is otherwise "clerk-go/" + Version. Use it to name your application. The
// suffix must not contain control characters.
func WithUserAgentSuffix(suffix string) Option {
	return func(c *config) {
		if !validHeaderValue(suffix) {
			c.fail("WithUserAgentSuffix: suffix contains control characters")
			return
		}
		c.uaSuffix = strings.TrimSpace(suffix)
	}
}

// WithAPIVersion sets the Clerk-API-Version header sent with every request.
// The default is DefaultAPIVersion, the version this package was generated
// from; other versions may answer with shapes the generated models do not
// describe.
func WithAPIVersion(version string) Option {
	return func(c *config) {
		if version == "" || !validHeaderValue(version) {
			c.fail("WithAPIVersion: invalid API version %q", version)
			return
		}
		c.apiVersion = version
	}
}

// WithRetryPolicy sets when and how failed requests are retried. See
// RetryPolicy for the rules and DefaultRetryPolicy for the defaults.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) {
		if p.MaxRetries < 0 || p.MinBackoff < 0 || p.MaxBackoff < 0 || p.MaxRetryAfter < 0 {
			c.fail("WithRetryPolicy: negative field in %+v", p)
			return
		}
		c.retry = p.withDefaults()
	}
}

// WithoutRetries makes the client send every request exactly once.
func WithoutRetries() Option {
	return func(c *config) {
		c.retry.MaxRetries = 0
	}
}

// WithTokenSource makes the client call source before each attempt of each
// request and send the key it returns as the bearer token, instead of the
// secret key passed to NewClient. Use it to rotate secret keys without
// building a new client. source must be safe for concurrent use. An error
// from source (or an empty key) fails the call, without retrying, with an
// error that wraps source's error.
func WithTokenSource(source func(ctx context.Context) (string, error)) Option {
	return func(c *config) {
		if source == nil {
			c.fail("WithTokenSource: nil token source")
			return
		}
		c.tokenSource = source
	}
}

// parseServerURL checks a server URL and returns it without a trailing
// slash.
func parseServerURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		// url.Error repeats the whole URL; keep only the reason, in case
		// the URL carries credentials.
		if ue, ok := err.(*url.Error); ok {
			err = ue.Err
		}
		return "", fmt.Errorf("clerk: invalid server URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("clerk: invalid server URL %q: scheme must be http or https", redactURL(u))
	}
	if u.Host == "" {
		return "", fmt.Errorf("clerk: invalid server URL %q: no host", redactURL(u))
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", fmt.Errorf("clerk: invalid server URL %q: must not have a query or fragment", redactURL(u))
	}
	if u.User != nil {
		return "", errors.New("clerk: invalid server URL: must not contain user information")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// redactURL returns u as a string without its password, so that error
// messages never carry credentials.
func redactURL(u *url.URL) string {
	return u.Redacted()
}

// validHeaderValue reports whether s can be sent as (part of) a header
// value: no control characters.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < 0x20 && b != '\t' || b == 0x7f {
			return false
		}
	}
	return true
}
