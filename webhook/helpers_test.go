package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"
)

// Test secrets: "whsec_" + base64 of 24 random-looking bytes, as Svix
// generates them.
const (
	testSecret  = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	otherSecret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
)

// fixedNow is the clock of the tests.
var fixedNow = time.Unix(1_700_000_000, 0)

// sign computes the "v1,..." signature of id.ts.body under secret, written
// independently of the package's code.
func sign(t testing.TB, secret, id string, ts int64, body []byte) string {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(secret[len("whsec_"):])
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s.%d.%s", id, ts, body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// headers returns svix-* headers for a message.
func headers(id string, ts int64, sig string) http.Header {
	h := http.Header{}
	h.Set("svix-id", id)
	h.Set("svix-timestamp", strconv.FormatInt(ts, 10))
	h.Set("svix-signature", sig)
	return h
}

func newVerifier(t testing.TB, opts Options) *Verifier {
	t.Helper()
	if opts.Secret == "" && opts.Secrets == nil {
		opts.Secret = testSecret
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return fixedNow }
	}
	v, err := NewVerifier(opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

const sampleEvent = `{"data":{"id":"user_29w83sxmDNGwOuEthce5gg56FcC","object":"user","first_name":"Example","email_addresses":[{"email_address":"example@example.org","id":"idn_29w83yL7CwVlJXylYLxcslromF1","object":"email_address"}]},"event_attributes":{"http_request":{"client_ip":"0.0.0.0","user_agent":"Mozilla/5.0"}},"instance_id":"ins_123","object":"event","timestamp":1654012591835,"type":"user.created"}`
