package clerk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// APIError is the error a call returns when the Backend API answers with a
// status other than 2xx. Find it with errors.As, or test it with IsNotFound,
// IsUnauthorized, IsForbidden, IsRateLimited, IsUnprocessable and
// HasErrorCode, which all see through wrapping.
type APIError struct {
	// StatusCode is the HTTP status of the answer, e.g. 404.
	StatusCode int
	// Errors are the errors of Clerk's error body
	// ({"errors": [...], "clerk_trace_id": "..."}). It is empty when the
	// body is not such a document, e.g. an HTML page from a proxy, an empty
	// body or garbage; Body then holds what was received.
	Errors []ClerkError
	// ClerkTraceID identifies the request for Clerk's support: the body's
	// clerk_trace_id, else the first one found in Errors, else the
	// X-Clerk-Trace-Id response header. Empty when none was sent.
	ClerkTraceID string
	// RetryAfter is the wait the server asked for in its Retry-After header
	// (seconds or HTTP date); zero when absent or malformed.
	RetryAfter time.Duration
	// Body is the raw response body, truncated to its first MiB.
	Body []byte
	// Response is the HTTP response, for its headers. Its body has been
	// read into Body and closed (Response.Body is http.NoBody), and its
	// Request is a copy of the request without the Authorization header.
	Response *http.Response
}

// maxErrorBody caps how much of an error answer's body is read.
const maxErrorBody = 1 << 20

// Error returns the status and the first error's code and message, e.g.
// "clerk: 404 Not Found: resource_not_found: not found", followed by the
// trace ID when there is one. It never includes request headers, so never
// the secret key.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("clerk: ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if text := http.StatusText(e.StatusCode); text != "" {
		b.WriteString(" ")
		b.WriteString(text)
	}
	if len(e.Errors) > 0 {
		first := e.Errors[0]
		if first.Code != "" {
			b.WriteString(": ")
			b.WriteString(first.Code)
		}
		msg := first.Message
		if msg == "" {
			msg = first.LongMessage
		}
		if msg != "" {
			b.WriteString(": ")
			b.WriteString(msg)
		}
		if n := len(e.Errors) - 1; n == 1 {
			b.WriteString(" (and 1 more error)")
		} else if n > 1 {
			fmt.Fprintf(&b, " (and %d more errors)", n)
		}
	} else if len(bytes.TrimSpace(e.Body)) == 0 {
		b.WriteString(" (empty body)")
	} else {
		b.WriteString(" (body is not a Clerk error document)")
	}
	if e.ClerkTraceID != "" {
		b.WriteString(" [clerk_trace_id ")
		b.WriteString(e.ClerkTraceID)
		b.WriteString("]")
	}
	return b.String()
}

// newAPIError builds the APIError of resp, whose body (already read,
// capped) is body. now is the time Retry-After dates are relative to.
func newAPIError(resp *http.Response, body []byte, now time.Time) *APIError {
	e := &APIError{StatusCode: resp.StatusCode, Body: body}
	e.Errors, e.ClerkTraceID = parseErrorBody(body)
	if e.ClerkTraceID == "" {
		e.ClerkTraceID = resp.Header.Get("X-Clerk-Trace-Id")
	}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
		e.RetryAfter = d
	}
	r := *resp
	r.Body = http.NoBody
	if resp.Request != nil {
		req := resp.Request.Clone(resp.Request.Context())
		req.Header.Del("Authorization")
		req.Body, req.GetBody = nil, nil
		r.Request = req
	}
	e.Response = &r
	return e
}

// parseErrorBody reads Clerk's error document. Each part is parsed on its
// own, so that an odd trace ID does not hide the errors or the reverse;
// anything that is not such a document gives no errors.
func parseErrorBody(body []byte) (errs []ClerkError, traceID string) {
	var doc struct {
		Errors       json.RawMessage `json:"errors"`
		ClerkTraceID json.RawMessage `json:"clerk_trace_id"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return nil, ""
	}
	if len(doc.Errors) > 0 && json.Unmarshal(doc.Errors, &errs) != nil {
		errs = nil
	}
	if len(doc.ClerkTraceID) > 0 && json.Unmarshal(doc.ClerkTraceID, &traceID) != nil {
		traceID = ""
	}
	if traceID == "" && len(doc.Errors) > 0 {
		// Older answers carry it in each error instead.
		var traces []struct {
			ClerkTraceID string `json:"clerk_trace_id"`
		}
		_ = json.Unmarshal(doc.Errors, &traces)
		for _, t := range traces {
			if t.ClerkTraceID != "" {
				traceID = t.ClerkTraceID
				break
			}
		}
	}
	return errs, traceID
}

// hasStatus reports whether err is or wraps an *APIError with status.
func hasStatus(err error, status int) bool {
	var e *APIError
	return errors.As(err, &e) && e.StatusCode == status
}

// IsNotFound reports whether err is or wraps an *APIError with status 404
// Not Found.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsUnauthorized reports whether err is or wraps an *APIError with status
// 401 Unauthorized, e.g. for a missing or invalid secret key.
func IsUnauthorized(err error) bool { return hasStatus(err, http.StatusUnauthorized) }

// IsForbidden reports whether err is or wraps an *APIError with status 403
// Forbidden.
func IsForbidden(err error) bool { return hasStatus(err, http.StatusForbidden) }

// IsRateLimited reports whether err is or wraps an *APIError with status
// 429 Too Many Requests (returned once retries, if any, are used up).
func IsRateLimited(err error) bool { return hasStatus(err, http.StatusTooManyRequests) }

// IsUnprocessable reports whether err is or wraps an *APIError with status
// 422 Unprocessable Entity, Clerk's answer to invalid parameters.
func IsUnprocessable(err error) bool { return hasStatus(err, http.StatusUnprocessableEntity) }

// HasErrorCode reports whether err is or wraps an *APIError one of whose
// Errors has the given Code, e.g. "form_identifier_exists".
func HasErrorCode(err error, code string) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	for _, ce := range e.Errors {
		if ce.Code == code {
			return true
		}
	}
	return false
}

// ErrMissingParameter is matched (with errors.Is) by every
// *MissingParameterError: a call was given an empty value for a required
// path parameter or file, so no request was sent.
var ErrMissingParameter = errors.New("clerk: required parameter is empty")

// MissingParameterError is the error of a call that was given an empty
// value for a required path parameter (or a required file), so that no
// request was sent. errors.Is(err, ErrMissingParameter) holds for it.
type MissingParameterError struct {
	// Name is the parameter's Go name, e.g. "userID" or "params.File".
	Name string
}

// Error returns e.g. "clerk: userID must not be empty".
func (e *MissingParameterError) Error() string {
	return "clerk: " + e.Name + " must not be empty"
}

// Is makes errors.Is(err, ErrMissingParameter) hold.
func (e *MissingParameterError) Is(target error) bool {
	return target == ErrMissingParameter
}

// missingParam returns the error of a call whose required parameter name
// is empty. The generated services call it.
func missingParam(name string) error {
	return &MissingParameterError{Name: name}
}
