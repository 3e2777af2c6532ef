package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	v := newVerifier(t, Options{MaxBodySize: 4096})
	ts := fixedNow.Unix()
	body := []byte(sampleEvent)
	good := headers("msg_1", ts, sign(t, testSecret, "msg_1", ts, body))
	notEvent := []byte(`{"hello":"world"}`)
	big := bytes.Repeat([]byte(" "), 4097)

	var got []*Event
	fail := false
	type ctxKey struct{}
	h := Handler(v, func(ctx context.Context, ev *Event) error {
		if ctx.Value(ctxKey{}) != "request" {
			t.Error("the callback did not get the request's context")
		}
		got = append(got, ev)
		if fail {
			return errors.New("database is down: password=hunter2")
		}
		return nil
	})
	serve := func(method string, hdr http.Header, body []byte, contentLength int64) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "/webhooks", bytes.NewReader(body))
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, "request"))
		r.Header = hdr.Clone()
		r.ContentLength = contentLength
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	cases := []struct {
		name       string
		method     string
		header     http.Header
		body       []byte
		length     int64
		status     int
		calls      int
		failing    bool
		bodyPrefix string
	}{
		{"signed event", "POST", good, body, int64(len(body)), 204, 1, false, ""},
		{"signed event, chunked", "POST", good, body, -1, 204, 1, false, ""},
		{"GET", "GET", good, body, int64(len(body)), 405, 0, false, "webhook: method not allowed"},
		{"PUT", "PUT", good, body, int64(len(body)), 405, 0, false, "webhook: method not allowed"},
		{"no headers", "POST", http.Header{}, body, int64(len(body)), 400, 0, false, ErrMissingHeader.Error()},
		{"tampered", "POST", good, append(bytes.Clone(body), ' '), -1, 400, 0, false, ErrNoMatchingSignature.Error()},
		{"too large", "POST", headers("msg_1", ts, sign(t, testSecret, "msg_1", ts, big)), big, -1, 413, 0, false, ErrBodyTooLarge.Error()},
		{"too large by Content-Length", "POST", good, body, 1 << 30, 413, 0, false, ErrBodyTooLarge.Error()},
		{"signed but not an event", "POST", headers("msg_1", ts, sign(t, testSecret, "msg_1", ts, notEvent)), notEvent, -1, 400, 0, false, ErrMalformedEvent.Error()},
		{"callback fails", "POST", good, body, -1, 500, 1, true, "webhook: handler failed"},
	}
	for _, c := range cases {
		got, fail = nil, c.failing
		w := serve(c.method, c.header, c.body, c.length)
		if w.Code != c.status || len(got) != c.calls {
			t.Errorf("%s: status %d with %d calls, want %d with %d", c.name, w.Code, len(got), c.status, c.calls)
		}
		if c.calls == 1 && got[0].Type != "user.created" {
			t.Errorf("%s: event %+v", c.name, got[0])
		}
		resp, _ := io.ReadAll(w.Body)
		if !strings.HasPrefix(string(resp), c.bodyPrefix) {
			t.Errorf("%s: body %q, want %q", c.name, resp, c.bodyPrefix)
		}
		for _, secret := range []string{testSecret[6:], "hunter2", sign(t, testSecret, "msg_1", ts, c.body)[3:]} {
			if strings.Contains(string(resp), secret) {
				t.Errorf("%s: the response %q holds a secret", c.name, resp)
			}
		}
		if c.status == 405 && w.Header().Get("Allow") != "POST" {
			t.Errorf("%s: Allow %q", c.name, w.Header().Get("Allow"))
		}
	}
}
