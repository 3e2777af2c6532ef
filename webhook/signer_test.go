package webhook

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignerSignsWhatTheVerifierAccepts(t *testing.T) {
	secret, err := NewSecret()
	if err != nil || !strings.HasPrefix(secret, "whsec_") || len(secret) != len("whsec_")+32 {
		t.Fatalf("NewSecret = %q, %v", secret, err)
	}
	other, _ := NewSecret()
	if other == secret {
		t.Fatal("two secrets are equal")
	}
	s, err := NewSigner(secret)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	v, err := NewVerifier(Options{Secret: secret, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"type":"user.created","data":{}}`)
	h := s.Headers("msg_1", now, body)
	if err := v.Verify(h, body); err != nil {
		t.Fatalf("a signed message fails: %v", err)
	}
	if err := v.Verify(h, append(body, ' ')); !errors.Is(err, ErrNoMatchingSignature) {
		t.Fatalf("another body: %v", err)
	}
	wrong, _ := NewSigner(other)
	if err := v.Verify(wrong.Headers("msg_1", now, body), body); !errors.Is(err, ErrNoMatchingSignature) {
		t.Fatalf("another secret: %v", err)
	}
	// A known vector: Svix's own example secret and message.
	svix, _ := NewSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	got := svix.Signature("msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if got != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("Svix's test vector: %s", got)
	}
	if _, err := NewSigner("whsec_!!"); !errors.Is(err, ErrInvalidSecret) || strings.Contains(err.Error(), "!!") {
		t.Fatalf("a malformed secret: %v", err)
	}
}
