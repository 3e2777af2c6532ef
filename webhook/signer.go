package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// decodeSecret returns the key of a secret: "whsec_" (optional, as Svix
// allows) and standard base64 of at least one byte.
func decodeSecret(s string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, secretPrefix))
	if err != nil || len(raw) == 0 {
		return nil, errors.New("not standard base64")
	}
	return raw, nil
}

// NewSecret returns a new random signing secret, "whsec_" and the
// standard base64 of 24 random bytes, the shape of Svix's.
func NewSecret() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(b[:]), nil
}

// Signer signs messages as Svix signs Clerk's webhooks: for senders (the
// local Backend API, the clerk command's `webhooks trigger`) and for tests
// of a handler. A Signer is safe for concurrent use.
type Signer struct {
	key []byte
}

// NewSigner returns the Signer of a secret ("whsec_" and standard base64);
// a malformed one is ErrInvalidSecret, which never quotes it.
func NewSigner(secret string) (*Signer, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return nil, fmt.Errorf("%w: the secret is not %q followed by standard base64", ErrInvalidSecret, secretPrefix)
	}
	return &Signer{key: key}, nil
}

// Signature returns the signature of the message id sent at t with body:
// "v1," and the standard base64 of HMAC-SHA256 over "id.timestamp.body".
func (s *Signer) Signature(id string, t time.Time, body []byte) string {
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte(id + "." + strconv.FormatInt(t.Unix(), 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Headers returns the svix-id, svix-timestamp and svix-signature headers
// of the message id sent at t with body.
func (s *Signer) Headers(id string, t time.Time, body []byte) http.Header {
	h := http.Header{}
	h.Set("svix-id", id)
	h.Set("svix-timestamp", strconv.FormatInt(t.Unix(), 10))
	h.Set("svix-signature", s.Signature(id, t, body))
	return h
}
