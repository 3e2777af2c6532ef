package clerk

import (
	"context"
	"crypto/tls"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says how often and how long a Client retries a failed
// request. Set it with WithRetryPolicy; WithoutRetries turns retries off.
//
// A request is retried when:
//
//   - the server answered 429 Too Many Requests, whatever the method: a 429
//     means the request was not processed, so even a POST or PATCH is safe
//     to send again;
//   - the method is GET, HEAD, PUT or DELETE (idempotent) and the server
//     answered 500, 502, 503 or 504, or the attempt failed without an
//     answer (connection reset, timeout of one attempt, ...);
//   - the connection could not be opened at all (a dial error), whatever
//     the method, since the request cannot have reached the server.
//
// A POST or PATCH is never retried on a 5xx or on an error after the
// request may have reached the server, and a multipart (file upload)
// request is never retried, because its body is streamed once from the
// caller's reader. Other answers (4xx) are returned at once.
//
// Before retry n (0 for the first retry) the client waits a jittered
// exponential backoff: with base = min(MaxBackoff, MinBackoff·2ⁿ) it waits a
// uniformly random duration in [base/2, base] ("equal jitter"). When the
// answer carried a Retry-After header (in seconds or as an HTTP date) it
// waits at least that long; if Retry-After asks for more than
// MaxRetryAfter the request is not retried and the answer's *APIError is
// returned, with its RetryAfter field set.
//
// When the context passed to the call ends while waiting, the call returns
// at once with an error that wraps both the context's error (so
// errors.Is(err, context.Canceled) holds) and the last attempt's error (so
// errors.As(err, &apiErr) finds its *APIError, if there was one).
type RetryPolicy struct {
	// MaxRetries is how many times a request is retried after its first
	// attempt; 0 means never. DefaultRetryPolicy uses 3.
	MaxRetries int
	// MinBackoff is the base backoff of the first retry. Zero means the
	// default, 500ms.
	MinBackoff time.Duration
	// MaxBackoff caps the exponential backoff. Zero means the default, 8s;
	// a value below MinBackoff is raised to MinBackoff.
	MaxBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After the client honours; an
	// answer that asks to wait longer is returned instead of retried. Zero
	// means the default, 30s.
	MaxRetryAfter time.Duration
}

// Defaults of RetryPolicy's fields.
const (
	defaultMaxRetries    = 3
	defaultMinBackoff    = 500 * time.Millisecond
	defaultMaxBackoff    = 8 * time.Second
	defaultMaxRetryAfter = 30 * time.Second
)

// DefaultRetryPolicy returns the policy a Client uses unless told
// otherwise: 3 retries, backoff from 500ms up to 8s, and Retry-After
// honoured up to 30s.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{
		MaxRetries:    defaultMaxRetries,
		MinBackoff:    defaultMinBackoff,
		MaxBackoff:    defaultMaxBackoff,
		MaxRetryAfter: defaultMaxRetryAfter,
	}
}

// withDefaults fills p's zero durations with the defaults.
func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MinBackoff == 0 {
		p.MinBackoff = defaultMinBackoff
	}
	if p.MaxBackoff == 0 {
		p.MaxBackoff = defaultMaxBackoff
	}
	if p.MaxBackoff < p.MinBackoff {
		p.MaxBackoff = p.MinBackoff
	}
	if p.MaxRetryAfter == 0 {
		p.MaxRetryAfter = defaultMaxRetryAfter
	}
	return p
}

// backoff returns how long to wait before retry n (0-based): a random
// duration in [base/2, base] with base = min(MaxBackoff, MinBackoff·2ⁿ).
func (p RetryPolicy) backoff(n int) time.Duration {
	base := p.MinBackoff
	for i := 0; i < n && base < p.MaxBackoff; i++ {
		base *= 2
	}
	if base > p.MaxBackoff {
		base = p.MaxBackoff
	}
	if base <= 0 {
		return 0
	}
	half := base / 2
	return half + rand.N(base-half+1)
}

// idempotent reports whether sending a request with method twice has the
// same effect as sending it once.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// retryableStatus reports whether an answer with status may be retried for
// a request with method.
func retryableStatus(method string, status int) bool {
	switch status {
	case http.StatusTooManyRequests:
		return true
	case http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return idempotent(method)
	}
	return false
}

// retryableTransportError reports whether a request with method that
// failed with err (returned by http.Client.Do, or while reading the
// response body) may be retried. The caller has checked that the call's
// own context has not ended.
func retryableTransportError(method string, err error) bool {
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return false // will fail the same way again
	}
	if idempotent(method) {
		return true
	}
	// A failed dial means the request was never sent.
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// parseRetryAfter parses a Retry-After header value, either a number of
// seconds or an HTTP date (relative to now). ok is false when the value is
// absent or malformed. A date in the past gives 0.
func parseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		const maxSecs = int64(1<<63-1) / int64(time.Second)
		if secs > maxSecs {
			secs = maxSecs
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d = t.Sub(now)
	if d < 0 {
		d = 0
	}
	return d, true
}

// sleepContext waits for d or until ctx ends, whichever comes first, and
// returns ctx's error in the latter case.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
