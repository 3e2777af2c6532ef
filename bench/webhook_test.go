package bench

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/clerkgo/clerk/webhook"
)

// The webhook benchmarks verify one 2,048-byte Clerk event (a user.created
// padded to 2 KB) with its svix-* headers, signed now.
//
//	go test -run '^$' -bench Webhook -count 10 | go run ./cmd/benchtable -floor WebhookFloor
type webhookFixture struct {
	secret string
	key    []byte
	id     string
	ts     time.Time
	body   []byte
	header http.Header
	sig    []byte // the decoded HMAC
}

func whFixture(tb testing.TB) *webhookFixture {
	f := &webhookFixture{secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_2Lh9KRb0pzN4LePd3XiA4dVhJbS", ts: time.Now()}
	f.key, _ = base64.StdEncoding.DecodeString(f.secret[6:])
	body := []byte(`{"data":{"id":"user_29w83sxmDNGwOuEthce5gg56FcC","object":"user","first_name":"Example","email_addresses":[{"email_address":"example@example.org","id":"idn_29w83yL7CwVlJXylYLxcslromF1","object":"email_address"}],"padding":"`)
	tail := []byte(`"},"event_attributes":{"http_request":{"client_ip":"0.0.0.0","user_agent":"Mozilla/5.0"}},"instance_id":"ins_123","object":"event","timestamp":1654012591835,"type":"user.created"}`)
	body = append(body, bytes.Repeat([]byte("x"), 2048-len(body)-len(tail))...)
	f.body = append(body, tail...)
	m := hmac.New(sha256.New, f.key)
	m.Write(f.content())
	f.sig = m.Sum(nil)
	f.header = http.Header{}
	f.header.Set("svix-id", f.id)
	f.header.Set("svix-timestamp", strconv.FormatInt(f.ts.Unix(), 10))
	f.header.Set("svix-signature", "v1,"+base64.StdEncoding.EncodeToString(f.sig))
	if len(f.body) != 2048 {
		tb.Fatalf("body of %d bytes", len(f.body))
	}
	return f
}

func (f *webhookFixture) content() []byte {
	return []byte(f.id + "." + strconv.FormatInt(f.ts.Unix(), 10) + "." + string(f.body))
}

// BenchmarkWebhookFloor is the bare HMAC-SHA256 of the signed content
// ("id.timestamp.body", assembled before timing), keyed anew as a verifier
// without state must, and a constant-time comparison with the decoded
// signature: no header parsing, no timestamp check, no base64.
func BenchmarkWebhookFloor(b *testing.B) {
	f := whFixture(b)
	content := f.content()
	b.ReportAllocs()
	for b.Loop() {
		m := hmac.New(sha256.New, f.key)
		m.Write(content)
		if !hmac.Equal(m.Sum(nil), f.sig) {
			b.Fatal("no match")
		}
	}
}

// BenchmarkWebhookFloorKeyed is the same floor for a verifier that keeps
// its keyed HMAC between messages (as package webhook does): Reset instead
// of keying anew, and the sum written to a buffer of its own.
func BenchmarkWebhookFloorKeyed(b *testing.B) {
	f := whFixture(b)
	content := f.content()
	m := hmac.New(sha256.New, f.key)
	var sum [32]byte
	b.ReportAllocs()
	for b.Loop() {
		m.Reset()
		m.Write(content)
		if !hmac.Equal(m.Sum(sum[:0]), f.sig) {
			b.Fatal("no match")
		}
	}
}

// BenchmarkWebhookClerkGo is webhook.Verifier.Verify from the headers.
func BenchmarkWebhookClerkGo(b *testing.B) {
	f := whFixture(b)
	v, err := webhook.NewVerifier(webhook.Options{Secret: f.secret})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(f.header, f.body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWebhookSvix is Svix's Go library, Webhook.Verify.
func BenchmarkWebhookSvix(b *testing.B) {
	f := whFixture(b)
	wh, err := svix.NewWebhook(f.secret)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := wh.Verify(f.body, f.header); err != nil {
			b.Fatal(err)
		}
	}
}

// TestWebhookVerifiers: the benchmarked verifiers accept the fixture and
// refuse it with one byte of the body changed.
func TestWebhookVerifiers(t *testing.T) {
	f := whFixture(t)
	v, err := webhook.NewVerifier(webhook.Options{Secret: f.secret})
	if err != nil {
		t.Fatal(err)
	}
	wh, err := svix.NewWebhook(f.secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(f.header, f.body); err != nil {
		t.Errorf("clerkgo: %v", err)
	}
	if err := wh.Verify(f.body, f.header); err != nil {
		t.Errorf("svix: %v", err)
	}
	tampered := bytes.Clone(f.body)
	tampered[1000] ^= 1
	if v.Verify(f.header, tampered) == nil || wh.Verify(tampered, f.header) == nil {
		t.Error("a tampered body was accepted")
	}
}
