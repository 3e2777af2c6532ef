package webhook

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestVerifyAcceptsSignedMessages(t *testing.T) {
	v := newVerifier(t, Options{})
	body := []byte(sampleEvent)
	ts := fixedNow.Unix()
	sig := sign(t, testSecret, "msg_1", ts, body)

	if err := v.Verify(headers("msg_1", ts, sig), body); err != nil {
		t.Errorf("svix-* headers: %v", err)
	}
	h := http.Header{}
	h.Set("webhook-id", "msg_1")
	h.Set("webhook-timestamp", "1700000000")
	h.Set("webhook-signature", sig)
	if err := v.Verify(h, body); err != nil {
		t.Errorf("webhook-* headers: %v", err)
	}
	// Several signatures, the valid one among others of other versions,
	// other secrets and garbage.
	multi := "v1a,x v2," + sig[3:] + " " + sign(t, otherSecret, "msg_1", ts, body) + "  garbage " + sig + " v1,"
	if err := v.Verify(headers("msg_1", ts, multi), body); err != nil {
		t.Errorf("multi-signature header: %v", err)
	}
	// As in Svix's libraries, the signature ends at the next comma.
	if err := v.Verify(headers("msg_1", ts, sig+",extra"), body); err != nil {
		t.Errorf("text after the signature: %v", err)
	}
	// An empty body is a message too.
	if err := v.Verify(headers("msg_1", ts, sign(t, testSecret, "msg_1", ts, nil)), nil); err != nil {
		t.Errorf("empty body: %v", err)
	}
}

func TestVerifyRotation(t *testing.T) {
	body := []byte(sampleEvent)
	ts := fixedNow.Unix()
	v := newVerifier(t, Options{Secret: testSecret, Secrets: []string{otherSecret}})
	for _, s := range []string{testSecret, otherSecret} {
		if err := v.Verify(headers("msg_1", ts, sign(t, s, "msg_1", ts, body)), body); err != nil {
			t.Errorf("signed with one of two secrets: %v", err)
		}
	}
	only := newVerifier(t, Options{Secrets: []string{otherSecret}})
	if err := only.Verify(headers("msg_1", ts, sign(t, testSecret, "msg_1", ts, body)), body); !errors.Is(err, ErrNoMatchingSignature) {
		t.Errorf("signed with a secret not configured: %v", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	body := []byte(sampleEvent)
	ts := fixedNow.Unix()
	good := sign(t, testSecret, "msg_1", ts, body)
	del := func(names ...string) http.Header {
		h := headers("msg_1", ts, good)
		for _, n := range names {
			h.Del(n)
		}
		return h
	}
	with := func(name, value string) http.Header {
		h := headers("msg_1", ts, good)
		h.Set(name, value)
		return h
	}
	mixed := del("svix-signature")
	mixed.Set("webhook-signature", good) // svix-* incomplete, webhook-* incomplete
	long := strings.Repeat("a", MaxIDLength+1)
	flipped := []byte(good)
	flipped[10] ^= 1
	cases := []struct {
		name   string
		header http.Header
		body   []byte
		want   error
	}{
		{"no headers", http.Header{}, body, ErrMissingHeader},
		{"no id", del("svix-id"), body, ErrMissingHeader},
		{"no timestamp", del("svix-timestamp"), body, ErrMissingHeader},
		{"no signature", del("svix-signature"), body, ErrMissingHeader},
		{"empty signature", with("svix-signature", ""), body, ErrMissingHeader},
		{"headers split across the two names", mixed, body, ErrMissingHeader},
		{"timestamp not a number", with("svix-timestamp", "1700000000.5"), body, ErrInvalidTimestamp},
		{"timestamp in ms", with("svix-timestamp", "1700000000000"), body, ErrTimestampTooNew},
		{"timestamp overflow", with("svix-timestamp", "99999999999999999999"), body, ErrInvalidTimestamp},
		{"too old by 1s", headers("msg_1", ts-301, sign(t, testSecret, "msg_1", ts-301, body)), body, ErrTimestampTooOld},
		{"too new by 1s", headers("msg_1", ts+301, sign(t, testSecret, "msg_1", ts+301, body)), body, ErrTimestampTooNew},
		{"negative timestamp", with("svix-timestamp", "-1700000000"), body, ErrTimestampTooOld},
		{"tampered body", headers("msg_1", ts, good), append([]byte(sampleEvent[:len(sampleEvent)-2]), "x}"...), ErrNoMatchingSignature},
		{"tampered id", with("svix-id", "msg_2"), body, ErrNoMatchingSignature},
		{"tampered timestamp", headers("msg_1", ts+1, good), body, ErrNoMatchingSignature},
		{"flipped bit", with("svix-signature", string(flipped)), body, ErrNoMatchingSignature},
		{"other secret", with("svix-signature", sign(t, otherSecret, "msg_1", ts, body)), body, ErrNoMatchingSignature},
		{"v2 prefix", with("svix-signature", "v2,"+good[3:]), body, ErrNoMatchingSignature},
		{"no version", with("svix-signature", good[3:]), body, ErrNoMatchingSignature},
		{"v2 prefix next to a wrong v1", with("svix-signature", "v1,"+strings.Repeat("A", 43)+"= v2,"+good[3:]), body, ErrNoMatchingSignature},
		{"v1a prefix", with("svix-signature", "v1a,"+good[3:]), body, ErrNoMatchingSignature},
		{"unpadded", with("svix-signature", strings.TrimRight(good, "=")), body, ErrNoMatchingSignature},
		{"url alphabet", with("svix-signature", urlAlphabet(good)), body, ErrNoMatchingSignature},
		{"hex", with("svix-signature", "v1,"+strings.Repeat("ab", 32)), body, ErrNoMatchingSignature},
		{"id too long", headers(long, ts, sign(t, testSecret, long, ts, body)), body, ErrInvalidHeader},
		{"signature header too long", with("svix-signature", good+strings.Repeat(" v1,x", MaxSignatureHeaderLength/5)), body, ErrInvalidHeader},
	}
	v := newVerifier(t, Options{})
	for _, c := range cases {
		err := v.Verify(c.header, c.body)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
			continue
		}
		// Exactly one sentinel matches.
		for _, other := range allSentinels {
			if other != c.want && errors.Is(err, other) {
				t.Errorf("%s: %v also matches %v", c.name, err, other)
			}
		}
		assertNoSecret(t, err, c.header, c.body)
	}
}

var allSentinels = []error{ErrInvalidSecret, ErrInvalidOptions, ErrMissingHeader, ErrInvalidHeader, ErrInvalidTimestamp,
	ErrTimestampTooOld, ErrTimestampTooNew, ErrNoMatchingSignature, ErrBodyTooLarge, ErrReadBody, ErrMalformedEvent}

func urlAlphabet(sig string) string {
	return strings.NewReplacer("+", "-", "/", "_").Replace(sig)
}

// assertNoSecret fails if err's message holds the secret, its key or the
// expected signature of the message.
func assertNoSecret(t *testing.T, err error, h http.Header, body []byte) {
	t.Helper()
	msg := err.Error()
	id, ts := h.Get("svix-id"), fixedNow.Unix()
	for _, s := range []string{testSecret, testSecret[6:], otherSecret[6:], sign(t, testSecret, id, ts, body)[3:]} {
		if strings.Contains(msg, s) {
			t.Errorf("error %q holds a secret or the expected signature", msg)
		}
	}
}

func TestTolerance(t *testing.T) {
	body := []byte("{}")
	at := func(v *Verifier, ts int64) error {
		return v.Verify(headers("msg_1", ts, sign(t, testSecret, "msg_1", ts, body)), body)
	}
	v := newVerifier(t, Options{})
	now := fixedNow.Unix()
	for _, ts := range []int64{now - 300, now, now + 300} {
		if err := at(v, ts); err != nil {
			t.Errorf("%+d s: %v", ts-now, err)
		}
	}
	short := newVerifier(t, Options{Tolerance: 10 * time.Second})
	if err := at(short, now-10); err != nil {
		t.Errorf("10 s tolerance, -10 s: %v", err)
	}
	if err := at(short, now-11); !errors.Is(err, ErrTimestampTooOld) {
		t.Errorf("10 s tolerance, -11 s: %v", err)
	}
	if err := at(short, now+11); !errors.Is(err, ErrTimestampTooNew) {
		t.Errorf("10 s tolerance, +11 s: %v", err)
	}
	long := newVerifier(t, Options{Tolerance: time.Hour})
	if err := at(long, now-3000); err != nil {
		t.Errorf("1 h tolerance, -3000 s: %v", err)
	}
}

func TestBodySize(t *testing.T) {
	v := newVerifier(t, Options{MaxBodySize: 100})
	ts := fixedNow.Unix()
	for _, n := range []int{0, 1, 100} {
		body := bytes.Repeat([]byte("a"), n)
		h := headers("msg_1", ts, sign(t, testSecret, "msg_1", ts, body))
		if err := v.Verify(h, body); err != nil {
			t.Errorf("Verify, %d bytes: %v", n, err)
		}
		got, err := v.VerifyRequest(post(h, body, int64(n)))
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("VerifyRequest, %d bytes: %q, %v", n, got, err)
		}
		got, err = v.VerifyRequest(post(h, body, -1)) // chunked
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("VerifyRequest chunked, %d bytes: %q, %v", n, got, err)
		}
	}
	body := bytes.Repeat([]byte("a"), 101)
	h := headers("msg_1", ts, sign(t, testSecret, "msg_1", ts, body))
	if err := v.Verify(h, body); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("Verify, 101 bytes: %v", err)
	}
	if _, err := v.VerifyRequest(post(h, body, -1)); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("VerifyRequest chunked, 101 bytes: %v", err)
	}
	// A Content-Length over the cap is refused without reading.
	r := post(h, nil, 1<<40)
	r.Body = io.NopCloser(failingReader{t})
	if _, err := v.VerifyRequest(r); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("VerifyRequest, Content-Length 1 TiB: %v", err)
	}
	// A body that never ends is read up to the cap only.
	r = post(h, nil, -1)
	endless := &countingReader{}
	r.Body = io.NopCloser(endless)
	if _, err := v.VerifyRequest(r); !errors.Is(err, ErrBodyTooLarge) || endless.n > 101 {
		t.Errorf("VerifyRequest, endless body: %v after %d bytes", err, endless.n)
	}
	// Headers are checked before the body is read.
	r = post(http.Header{}, nil, -1)
	r.Body = io.NopCloser(failingReader{t})
	if _, err := v.VerifyRequest(r); !errors.Is(err, ErrMissingHeader) {
		t.Errorf("VerifyRequest without headers: %v", err)
	}
	// The default cap is 1 MiB.
	d := newVerifier(t, Options{})
	big := bytes.Repeat([]byte("a"), DefaultMaxBodySize+1)
	if err := d.Verify(headers("msg_1", ts, sign(t, testSecret, "msg_1", ts, big)), big); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("default cap, 1 MiB + 1: %v", err)
	}
	big = big[:DefaultMaxBodySize]
	if err := d.Verify(headers("msg_1", ts, sign(t, testSecret, "msg_1", ts, big)), big); err != nil {
		t.Errorf("default cap, 1 MiB: %v", err)
	}
}

func TestVerifyRequestReadError(t *testing.T) {
	v := newVerifier(t, Options{})
	r := post(headers("msg_1", fixedNow.Unix(), "v1,x"), nil, -1)
	r.Body = io.NopCloser(io.MultiReader(strings.NewReader("{"), errReader{}))
	if _, err := v.VerifyRequest(r); !errors.Is(err, ErrReadBody) {
		t.Errorf("got %v", err)
	}
}

func post(h http.Header, body []byte, contentLength int64) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks", bytes.NewReader(body))
	r.Header = h
	r.ContentLength = contentLength
	return r
}

type failingReader struct{ t *testing.T }

func (f failingReader) Read([]byte) (int, error) {
	f.t.Error("the body was read")
	return 0, io.EOF
}

type countingReader struct{ n int }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	c.n += len(p)
	return len(p), nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestNewVerifierChecksOptions(t *testing.T) {
	cases := []struct {
		name string
		opts Options
		want error
	}{
		{"no secret", Options{}, ErrInvalidSecret},
		{"empty key", Options{Secret: "whsec_"}, ErrInvalidSecret},
		{"not base64", Options{Secret: "whsec_not base64!"}, ErrInvalidSecret},
		{"second secret bad", Options{Secret: testSecret, Secrets: []string{"whsec_%%%%"}}, ErrInvalidSecret},
		{"negative tolerance", Options{Secret: testSecret, Tolerance: -time.Second}, ErrInvalidOptions},
		{"negative body size", Options{Secret: testSecret, MaxBodySize: -1}, ErrInvalidOptions},
	}
	for _, c := range cases {
		_, err := NewVerifier(c.opts)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
			continue
		}
		if len(c.opts.Secret) > 6 && strings.Contains(err.Error(), strings.TrimPrefix(c.opts.Secret, "whsec_")) {
			t.Errorf("%s: error %q holds the secret", c.name, err)
		}
		for _, s := range c.opts.Secrets {
			if strings.Contains(err.Error(), strings.TrimPrefix(s, "whsec_")) {
				t.Errorf("%s: error %q holds the secret", c.name, err)
			}
		}
	}
	// Without the prefix, as Svix's libraries accept.
	v, err := NewVerifier(Options{Secret: testSecret[6:], Now: func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	ts := fixedNow.Unix()
	if err := v.Verify(headers("m", ts, sign(t, testSecret, "m", ts, nil)), nil); err != nil {
		t.Errorf("secret without whsec_: %v", err)
	}
}

// TestConcurrentVerify: the pooled HMACs are not shared between
// goroutines (run with -race).
func TestConcurrentVerify(t *testing.T) {
	v := newVerifier(t, Options{Secrets: []string{otherSecret, testSecret}})
	ts := fixedNow.Unix()
	done := make(chan error)
	for g := range 8 {
		go func() {
			var err error
			for i := range 200 {
				body := []byte(strings.Repeat("x", g*i))
				id := "msg_" + strings.Repeat("i", i)
				sig := sign(t, testSecret, id, ts, body)
				if e := v.Verify(headers(id, ts, sig), body); e != nil {
					err = e
				}
				if e := v.Verify(headers(id, ts, sig), append(body, 'y')); !errors.Is(e, ErrNoMatchingSignature) {
					err = errors.Join(err, errors.New("accepted a tampered body"))
				}
			}
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestVerifyAllocations: a verification of a signed message allocates
// nothing.
func TestVerifyAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	v := newVerifier(t, Options{})
	body := bytes.Repeat([]byte("a"), 2048)
	ts := fixedNow.Unix()
	h := headers("msg_2Lh9KRb0pzN4LePd3XiA4dVhJbS", ts, sign(t, testSecret, "msg_2Lh9KRb0pzN4LePd3XiA4dVhJbS", ts, body))
	if n := testing.AllocsPerRun(100, func() {
		if err := v.Verify(h, body); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("%v allocations per Verify", n)
	}
}
