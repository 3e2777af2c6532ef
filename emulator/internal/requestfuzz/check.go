package requestfuzz

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Answer is what a server answered to one request.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Send sends r to the server at baseURL (its root; the API is under
// /v1). A request that takes longer than timeout is an error: the server
// hangs.
func Send(ctx context.Context, client *http.Client, baseURL string, r *Request, timeout time.Duration) (*Answer, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, r.Method, baseURL+"/", bytes.NewReader(r.Body))
	if err != nil {
		return nil, err
	}
	// The path and query go out as generated: a malformed query stays
	// malformed, which building the URL with url.Parse would refuse.
	req.URL.Opaque = "/v1" + r.Path
	req.URL.RawQuery = r.Query
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	if len(r.Body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("no answer within %v: the server hangs", timeout)
		}
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	return &Answer{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// Check returns what is wrong with an answer, nil when nothing is: no 5xx
// but 501 operation_not_supported (and for HEAD, whose answers have no
// body, no 5xx but 501), every 4xx (and that 501) in Clerk's
// error format, every other body with content valid JSON (HTML for the
// interstitial).
func Check(r *Request, a *Answer) error {
	if r.Method == http.MethodHead { // no body to check
		if a.Status >= 500 && a.Status != http.StatusNotImplemented {
			return fmt.Errorf("%d to HEAD", a.Status)
		}
		return nil
	}
	if a.Status >= 400 {
		code, err := clerkError(a)
		if err != nil {
			return fmt.Errorf("%d answer not in Clerk's error format: %v: %.300q", a.Status, err, a.Body)
		}
		if a.Status >= 500 && !(a.Status == http.StatusNotImplemented && code == "operation_not_supported") {
			return fmt.Errorf("%d %s", a.Status, code)
		}
		return nil
	}
	if len(a.Body) == 0 {
		return nil
	}
	if ct := a.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/html") {
		return nil
	}
	if !json.Valid(a.Body) {
		return fmt.Errorf("%d answer is not JSON: %.300q", a.Status, a.Body)
	}
	return nil
}

// clerkError checks Clerk's error body and returns the first error's code:
//
//	{"errors":[{"message":"…","long_message":"…","code":"…","meta":{…}}],"clerk_trace_id":"…"}
func clerkError(a *Answer) (string, error) {
	if ct := a.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return "", fmt.Errorf("Content-Type %q", ct)
	}
	var body struct {
		Errors []struct {
			Message     *string         `json:"message"`
			LongMessage *string         `json:"long_message"`
			Code        *string         `json:"code"`
			Meta        json.RawMessage `json:"meta"`
		} `json:"errors"`
		TraceID *string `json:"clerk_trace_id"`
	}
	dec := json.NewDecoder(bytes.NewReader(a.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return "", err
	}
	if len(body.Errors) == 0 {
		return "", errors.New("no errors")
	}
	for _, e := range body.Errors {
		if e.Code == nil || *e.Code == "" || e.Message == nil || e.LongMessage == nil {
			return "", errors.New("an error without code, message or long_message")
		}
		if len(e.Meta) > 0 && !bytes.HasPrefix(e.Meta, []byte("{")) {
			return "", errors.New("meta is not an object")
		}
	}
	if body.TraceID == nil || *body.TraceID == "" {
		return "", errors.New("no clerk_trace_id")
	}
	return *body.Errors[0].Code, nil
}

// traceID matches the trace ID of an error body, the one part of an
// answer that is random by design.
var traceID = regexp.MustCompile(`"clerk_trace_id":"[^"]*"`)

// Normalize returns the parts of an answer that two servers must agree
// on: the status, the Content-Type and the body, with the trace ID of an
// error body blanked.
func Normalize(a *Answer) string {
	body := traceID.ReplaceAll(a.Body, []byte(`"clerk_trace_id":"-"`))
	return fmt.Sprintf("%d %s\n%s", a.Status, a.Header.Get("Content-Type"), body)
}
