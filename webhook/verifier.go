package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Defaults and limits.
const (
	// DefaultTolerance is how far the timestamp of a message may be from
	// the clock, in the past or in the future (Svix's value).
	DefaultTolerance = 5 * time.Minute
	// DefaultMaxBodySize is the largest body accepted, 1 MiB. Clerk's
	// events are a few kilobytes (a user with many addresses and metadata
	// more), so this leaves ample room while bounding what an unsigned
	// request can make the server read.
	DefaultMaxBodySize = 1 << 20
	// MaxIDLength is the longest message id accepted, far above Svix's
	// ids ("msg_" and 27 characters).
	MaxIDLength = 1024
	// MaxSignatureHeaderLength is the longest signature header accepted:
	// room for more than 150 signatures of 47 bytes.
	MaxSignatureHeaderLength = 8 << 10
)

const secretPrefix = "whsec_"

// Options configure a Verifier.
type Options struct {
	// Secret is the endpoint's signing secret, "whsec_" followed by the
	// key in standard base64 (the prefix may be left out, as Svix's
	// libraries allow). Required unless Secrets is set.
	Secret string
	// Secrets are further secrets, any of which may have signed a message:
	// during a rotation, give the new and the old secret.
	Secrets []string
	// Tolerance is how far a message's timestamp may be from Now, both
	// ways: 0 means DefaultTolerance; negative is an error.
	Tolerance time.Duration
	// MaxBodySize is the largest body accepted, in bytes: 0 means
	// DefaultMaxBodySize; negative is an error.
	MaxBodySize int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verifier verifies webhook messages with one configuration. It is safe
// for concurrent use; create it once and share it.
type Verifier struct {
	keys      []*key
	tolerance time.Duration
	maxBody   int64
	now       func() time.Time
}

// key is one secret with a pool of HMACs keyed with it: Reset restores
// the keyed state, so a verification neither re-derives the key pads nor
// allocates.
type key struct {
	pool sync.Pool // of *mac
}

type mac struct {
	h   hash.Hash
	buf []byte   // the "id.timestamp." prefix
	sum [32]byte // HMAC-SHA256 output
	enc [44]byte // its standard base64
}

// NewVerifier checks opts and returns a Verifier. Every secret is decoded
// here, so a malformed one is an error at start-up (ErrInvalidSecret,
// which names the secret by its position, never by its value).
func NewVerifier(opts Options) (*Verifier, error) {
	secrets := opts.Secrets
	if opts.Secret != "" {
		secrets = append([]string{opts.Secret}, secrets...)
	}
	if len(secrets) == 0 {
		return nil, fmt.Errorf("%w: no secret given", ErrInvalidSecret)
	}
	v := &Verifier{tolerance: opts.Tolerance, maxBody: opts.MaxBodySize, now: opts.Now}
	for i, s := range secrets {
		raw, err := decodeSecret(s)
		if err != nil {
			return nil, fmt.Errorf("%w: secret %d of %d is not %q followed by standard base64", ErrInvalidSecret, i+1, len(secrets), secretPrefix)
		}
		k := &key{}
		k.pool.New = func() any { return &mac{h: hmac.New(sha256.New, raw)} }
		v.keys = append(v.keys, k)
	}
	switch {
	case v.tolerance == 0:
		v.tolerance = DefaultTolerance
	case v.tolerance < 0:
		return nil, fmt.Errorf("%w: negative Tolerance", ErrInvalidOptions)
	}
	switch {
	case v.maxBody == 0:
		v.maxBody = DefaultMaxBodySize
	case v.maxBody < 0:
		return nil, fmt.Errorf("%w: negative MaxBodySize", ErrInvalidOptions)
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v, nil
}

// Canonical header names (as http.Header stores them).
const (
	hSvixID        = "Svix-Id"
	hSvixTimestamp = "Svix-Timestamp"
	hSvixSignature = "Svix-Signature"
	hWebhookID     = "Webhook-Id"
	hWebhookTime   = "Webhook-Timestamp"
	hWebhookSig    = "Webhook-Signature"
)

func first(h http.Header, name string) string {
	if v := h[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// signed is what the headers of one message say.
type signed struct {
	id, signatures string
	timestamp      int64
}

// checkHeaders reads the headers and checks the timestamp: the checks that
// need neither the body nor a secret. As Svix does, the svix-* headers are
// used when all three are present, else the webhook-* headers.
func (v *Verifier) checkHeaders(h http.Header) (signed, error) {
	id, ts, sig := first(h, hSvixID), first(h, hSvixTimestamp), first(h, hSvixSignature)
	if id == "" || ts == "" || sig == "" {
		id, ts, sig = first(h, hWebhookID), first(h, hWebhookTime), first(h, hWebhookSig)
		if id == "" || ts == "" || sig == "" {
			return signed{}, fmt.Errorf("%w: want svix-id, svix-timestamp and svix-signature (or webhook-id, webhook-timestamp and webhook-signature)", ErrMissingHeader)
		}
	}
	if len(id) > MaxIDLength {
		return signed{}, fmt.Errorf("%w: id longer than %d bytes", ErrInvalidHeader, MaxIDLength)
	}
	if len(sig) > MaxSignatureHeaderLength {
		return signed{}, fmt.Errorf("%w: signature header longer than %d bytes", ErrInvalidHeader, MaxSignatureHeaderLength)
	}
	// strconv.ParseInt, as Svix's libraries: the signed content holds the
	// number in decimal, so "+17..." or "017..." only ever match a
	// signature of "17...".
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return signed{}, ErrInvalidTimestamp
	}
	now := v.now()
	if now.Sub(time.Unix(t, 0)) > v.tolerance {
		return signed{}, ErrTimestampTooOld
	}
	if t > now.Add(v.tolerance).Unix() {
		return signed{}, ErrTimestampTooNew
	}
	return signed{id: id, signatures: sig, timestamp: t}, nil
}

// Verify checks that body was signed, with one of the Verifier's secrets,
// under the id and timestamp of header, and that the timestamp is within
// the tolerance. The checks run in this order: headers present, timestamp
// well-formed, not too old, not too new, body size, signature; the first
// that fails gives the error.
func (v *Verifier) Verify(header http.Header, body []byte) error {
	s, err := v.checkHeaders(header)
	if err != nil {
		return err
	}
	if int64(len(body)) > v.maxBody {
		return ErrBodyTooLarge
	}
	return v.checkSignature(s, body)
}

// VerifyRequest verifies r and returns its body. The headers and the
// timestamp are checked before the body is read, and at most
// Options.MaxBodySize bytes are read (a larger body is ErrBodyTooLarge,
// as is a larger Content-Length, without reading). VerifyRequest does not
// check the method; Handler does. The body is consumed but not closed
// (the HTTP server closes it).
func (v *Verifier) VerifyRequest(r *http.Request) ([]byte, error) {
	s, err := v.checkHeaders(r.Header)
	if err != nil {
		return nil, err
	}
	if r.ContentLength > v.maxBody {
		return nil, ErrBodyTooLarge
	}
	body, err := v.readBody(r)
	if err != nil {
		return nil, err
	}
	if err := v.checkSignature(s, body); err != nil {
		return nil, err
	}
	return body, nil
}

func (v *Verifier) readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return []byte{}, nil
	}
	size := int64(512)
	if r.ContentLength > 0 {
		size = r.ContentLength + 1 // +1: see EOF without growing
	}
	buf := make([]byte, 0, min(size, v.maxBody+1))
	lr := io.LimitReader(r.Body, v.maxBody+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > v.maxBody {
			return nil, ErrBodyTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrReadBody, err)
		}
	}
}

// checkSignature computes the HMAC of "id.timestamp.body" under each
// secret and compares it, in constant time, with each "v1," signature of
// the header. As in Svix's libraries, a signature is the text between
// "v1," and the next comma or space, compared with the standard base64 of
// the HMAC; entries of other versions are skipped.
func (v *Verifier) checkSignature(s signed, body []byte) error {
	if !hasV1(s.signatures) {
		return ErrNoMatchingSignature
	}
	for _, k := range v.keys {
		m := k.pool.Get().(*mac)
		m.h.Reset()
		m.buf = append(m.buf[:0], s.id...)
		m.buf = append(m.buf, '.')
		m.buf = strconv.AppendInt(m.buf, s.timestamp, 10)
		m.buf = append(m.buf, '.')
		m.h.Write(m.buf)
		m.h.Write(body)
		base64.StdEncoding.Encode(m.enc[:], m.h.Sum(m.sum[:0]))
		ok := matchAny(s.signatures, m.enc[:])
		if cap(m.buf) > 256 {
			m.buf = nil // do not keep a long id's buffer in the pool
		}
		k.pool.Put(m)
		if ok {
			return nil
		}
	}
	return ErrNoMatchingSignature
}

// hasV1 reports whether the header holds a "v1," entry at all.
func hasV1(header string) bool {
	for rest := header; rest != ""; {
		var entry string
		entry, rest, _ = strings.Cut(rest, " ")
		if strings.HasPrefix(entry, "v1,") {
			return true
		}
	}
	return false
}

// matchAny compares expected with every v1 signature of header; it goes
// through all of them, whatever matches.
func matchAny(header string, expected []byte) bool {
	var sig [44]byte
	found := false
	for rest := header; rest != ""; {
		var entry string
		entry, rest, _ = strings.Cut(rest, " ")
		version, value, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		value, _, _ = strings.Cut(value, ",")
		if len(value) != len(sig) {
			continue // hmac.Equal is false for other lengths too
		}
		copy(sig[:], value)
		if hmac.Equal(sig[:], expected) {
			found = true
		}
	}
	return found
}
