package compat

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/clerkgo/clerk/webhook"
)

// Svix's libraries generate secrets of 24 random bytes.
const (
	whSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	whOther     = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
	whEventBody = `{"data":{"id":"user_29w83sxmDNGwOuEthce5gg56FcC","object":"user"},"event_attributes":{"http_request":{"client_ip":"0.0.0.0","user_agent":"Mozilla/5.0"}},"instance_id":"ins_123","object":"event","timestamp":1654012591835,"type":"user.created"}`
)

// svixSign is the "v1,..." signature Svix's library makes.
func svixSign(t testing.TB, secret, id string, ts time.Time, body []byte) string {
	t.Helper()
	wh, err := svix.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := wh.Sign(id, ts, body)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func whHeaders(prefix, id string, ts int64, sig string) http.Header {
	h := http.Header{}
	h.Set(prefix+"-id", id)
	h.Set(prefix+"-timestamp", strconv.FormatInt(ts, 10))
	h.Set(prefix+"-signature", sig)
	return h
}

// svixVerdict maps an error of package webhook to the message Svix's
// library gives for the same failed check ("" for success).
func svixVerdict(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, webhook.ErrMissingHeader):
		return "Missing Required Headers"
	case errors.Is(err, webhook.ErrInvalidTimestamp):
		return "Invalid Signature Headers"
	case errors.Is(err, webhook.ErrTimestampTooOld):
		return "Message timestamp too old"
	case errors.Is(err, webhook.ErrTimestampTooNew):
		return "Message timestamp too new"
	case errors.Is(err, webhook.ErrNoMatchingSignature):
		return "No matching signature found"
	}
	return "unmapped: " + err.Error()
}

// TestWebhookAgreementWithSvix runs both verifiers on a table of messages
// signed by Svix's Go library and then altered, and asserts the same
// verdict from both: accepted by both, or refused by both at the same
// check (missing headers, bad timestamp, too old, too new, no matching
// signature).
func TestWebhookAgreementWithSvix(t *testing.T) {
	body := []byte(whEventBody)
	now := time.Now()
	ts := now.Unix()
	id := "msg_2Lh9KRb0pzN4LePd3XiA4dVhJbS"
	good := svixSign(t, whSecret, id, now, body)
	svixH := func() http.Header { return whHeaders("svix", id, ts, good) }
	with := func(name, value string) http.Header {
		h := svixH()
		if value == "" {
			h.Del(name)
		} else {
			h.Set(name, value)
		}
		return h
	}
	at := func(d time.Duration) http.Header {
		t := now.Add(d)
		return whHeaders("svix", id, t.Unix(), svixSign(tb{}, whSecret, id, t, body))
	}
	fallback := with("svix-signature", "")
	fallback.Set("webhook-id", id)
	fallback.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	fallback.Set("webhook-signature", good)
	split := with("svix-signature", "")
	split.Set("webhook-signature", good)
	bare := strings.TrimPrefix(whSecret, "whsec_")
	// A message whose signature has a '+' or a '/', so that the URL-safe
	// alphabet changes it.
	urlID, urlSig := id, good
	for i := 0; !strings.ContainsAny(urlSig[3:], "+/"); i++ {
		urlID = fmt.Sprintf("msg_url_%d", i)
		urlSig = svixSign(t, whSecret, urlID, now, body)
	}

	cases := []struct {
		name   string
		secret string // of both verifiers; whSecret when empty
		header http.Header
		body   []byte
		accept bool // the verdict expected of both
	}{
		{"signed by Svix", "", svixH(), body, true},
		{"webhook-* header names", "", whHeaders("webhook", id, ts, good), body, true},
		{"svix-* incomplete, webhook-* complete", "", fallback, body, true},
		{"headers split between svix-* and webhook-*", "", split, body, false},
		{"empty body", "", whHeaders("svix", id, ts, svixSign(t, whSecret, id, now, nil)), nil, true},
		{"tampered body", "", svixH(), append([]byte(whEventBody[:len(whEventBody)-1]), ' ', '}'), false},
		{"body truncated", "", svixH(), body[:len(body)-1], false},
		{"tampered id", "", with("svix-id", id+"x"), body, false},
		{"tampered timestamp (+1 s)", "", with("svix-timestamp", strconv.FormatInt(ts+1, 10)), body, false},
		{"4 min old", "", at(-4 * time.Minute), body, true},
		{"4 min ahead", "", at(4 * time.Minute), body, true},
		{"expired (6 min old)", "", at(-6 * time.Minute), body, false},
		{"expired (1 day old)", "", at(-24 * time.Hour), body, false},
		{"future (6 min ahead)", "", at(6 * time.Minute), body, false},
		{"timestamp in milliseconds", "", with("svix-timestamp", strconv.FormatInt(now.UnixMilli(), 10)), body, false},
		{"timestamp not a number", "", with("svix-timestamp", "yesterday"), body, false},
		{"timestamp with a fraction", "", with("svix-timestamp", strconv.FormatInt(ts, 10)+".0"), body, false},
		{"timestamp with a plus sign", "", with("svix-timestamp", "+"+strconv.FormatInt(ts, 10)), body, true},
		{"timestamp with a leading zero", "", with("svix-timestamp", "0"+strconv.FormatInt(ts, 10)), body, true},
		{"missing svix-id", "", with("svix-id", ""), body, false},
		{"missing svix-timestamp", "", with("svix-timestamp", ""), body, false},
		{"missing svix-signature", "", with("svix-signature", ""), body, false},
		{"no headers", "", http.Header{}, body, false},
		{"multi-signature, the valid one last", "", with("svix-signature", "v1,"+strings.Repeat("A", 43)+"= v1,bad "+good), body, true},
		{"multi-signature, the valid one first", "", with("svix-signature", good+" v1,"+strings.Repeat("A", 43)+"="), body, true},
		{"multi-signature, two secrets (rotation)", "", with("svix-signature", svixSign(t, whOther, id, now, body)+" "+good), body, true},
		{"multi-signature, none valid", "", with("svix-signature", "v1,"+strings.Repeat("A", 43)+"= "+svixSign(t, whOther, id, now, body)), body, false},
		{"double space between signatures", "", with("svix-signature", "v1,x  "+good), body, true},
		{"trailing text after the signature", "", with("svix-signature", good+",extra"), body, true},
		{"wrong secret", "", whHeaders("svix", id, ts, svixSign(t, whOther, id, now, body)), body, false},
		{"v2 prefix", "", with("svix-signature", "v2,"+good[3:]), body, false},
		{"v2 prefix next to a wrong v1", "", with("svix-signature", "v1,"+strings.Repeat("A", 43)+"= v2,"+good[3:]), body, false},
		{"V1 (upper case) prefix", "", with("svix-signature", "V1,"+good[3:]), body, false},
		{"unknown version v1a", "", with("svix-signature", "v1a,"+good[3:]), body, false},
		{"no version", "", with("svix-signature", good[3:]), body, false},
		{"v1 with an empty signature", "", with("svix-signature", "v1,"), body, false},
		{"signature without padding", "", with("svix-signature", strings.TrimRight(good, "=")), body, false},
		{"signature in URL-safe base64", "", whHeaders("svix", urlID, ts, strings.NewReplacer("+", "-", "/", "_").Replace(urlSig)), body, false},
		{"signature of another message", "", with("svix-signature", svixSign(t, whSecret, "msg_other", now, body)), body, false},
		{"whsec-less secret", bare, svixH(), body, true},
		{"whsec-less secret, wrong signature", bare, with("svix-signature", svixSign(t, whOther, id, now, body)), body, false},
	}
	for _, c := range cases {
		secret := c.secret
		if secret == "" {
			secret = whSecret
		}
		wh, err := svix.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		v, err := webhook.NewVerifier(webhook.Options{Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		svixErr := wh.Verify(c.body, c.header)
		ourErr := v.Verify(c.header, c.body)
		if (svixErr == nil) != c.accept || (ourErr == nil) != c.accept {
			t.Errorf("%s: Svix %v, ours %v; want accepted=%v from both", c.name, svixErr, ourErr, c.accept)
			continue
		}
		if svixErr != nil && svixVerdict(ourErr) != svixErr.Error() {
			t.Errorf("%s: refused at different checks: Svix %q, ours %v", c.name, svixErr, ourErr)
		}
		if testing.Verbose() {
			t.Logf("| %s | %s | %s |", c.name, verdict(svixErr), verdict(ourErr))
		}
	}
}

func verdict(err error) string {
	if err == nil {
		return "accepted"
	}
	return "refused: " + err.Error()
}

// TestWebhookWhatSvixSignsWeVerify: random secrets, ids and bodies signed
// by Svix's library, verified by ours; one flipped bit of the body then
// fails both.
func TestWebhookWhatSvixSignsWeVerify(t *testing.T) {
	for i := range 300 {
		key := make([]byte, 16+i%49)
		rand.Read(key)
		secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
		body := make([]byte, i*7)
		rand.Read(body)
		id := fmt.Sprintf("msg_%d_%x", i, key[:4])
		now := time.Now().Add(time.Duration(i-150) * time.Second)
		h := whHeaders([]string{"svix", "webhook"}[i%2], id, now.Unix(), svixSign(t, secret, id, now, body))
		v, err := webhook.NewVerifier(webhook.Options{Secret: secret})
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Verify(h, body); err != nil {
			t.Fatalf("message %d signed by Svix: %v", i, err)
		}
		if len(body) > 0 {
			body[i%len(body)] ^= 1
			wh, _ := svix.NewWebhook(secret)
			if ours, theirs := v.Verify(h, body), wh.Verify(body, h); ours == nil || theirs == nil {
				t.Fatalf("message %d, flipped bit: ours %v, Svix %v", i, ours, theirs)
			}
		}
	}
}

// TestWebhookWhatWeSignSvixVerifies: Svix's library verifies the messages
// webhook.Signer signs (what `clerk webhooks trigger` sends), and refuses
// them with a byte changed.
func TestWebhookWhatWeSignSvixVerifies(t *testing.T) {
	for i := range 200 {
		secret, err := webhook.NewSecret()
		if err != nil {
			t.Fatal(err)
		}
		signer, err := webhook.NewSigner(secret)
		if err != nil {
			t.Fatal(err)
		}
		body := make([]byte, 1+i*11)
		rand.Read(body)
		h := signer.Headers(fmt.Sprintf("msg_%d", i), time.Now(), body)
		wh, err := svix.NewWebhook(secret)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(body, h); err != nil {
			t.Fatalf("message %d signed by webhook.Signer: Svix refuses it: %v", i, err)
		}
		body[i%len(body)] ^= 1
		if wh.Verify(body, h) == nil {
			t.Fatalf("message %d, flipped bit: Svix accepts it", i)
		}
	}
}

// tb lets the helpers above run outside a test's goroutine.
type tb struct{ testing.TB }

func (tb) Helper()           {}
func (tb) Fatal(args ...any) { panic(fmt.Sprint(args...)) }

// TestWebhookHandlerAcceptsSvixRequests: a request signed by Svix's
// library gets 204 from webhook.Handler, and 400 once its body is altered.
func TestWebhookHandlerAcceptsSvixRequests(t *testing.T) {
	v, err := webhook.NewVerifier(webhook.Options{Secret: whSecret})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	h := webhook.Handler(v, func(_ context.Context, ev *webhook.Event) error {
		got = append(got, ev.Type+" "+ev.InstanceID)
		return nil
	})
	now := time.Now()
	sig := svixSign(t, whSecret, "msg_1", now, []byte(whEventBody))
	for _, c := range []struct {
		body   string
		status int
	}{{whEventBody, 204}, {whEventBody + " ", 400}} {
		r := httptest.NewRequest(http.MethodPost, "/webhooks/clerk", strings.NewReader(c.body))
		r.Header = whHeaders("svix", "msg_1", now.Unix(), sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.status {
			t.Errorf("body of %d bytes: status %d, want %d (%s)", len(c.body), w.Code, c.status, w.Body)
		}
	}
	if len(got) != 1 || got[0] != "user.created ins_123" {
		t.Errorf("events %q", got)
	}
}
