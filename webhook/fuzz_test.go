package webhook

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
)

// FuzzVerify feeds arbitrary headers and bodies to a Verifier with two
// secrets. It must never panic, every failure must match one of the
// sentinel errors, and it must accept only messages whose signed content,
// "id.timestamp.body" with the timestamp in decimal, this test signed with
// one of the two secrets: the fuzzer cannot forge HMAC-SHA256, so an
// accepted message must reuse a seed's signature on the same content.
// Seeds signed with a third secret, unknown to the Verifier, must fail.
//
// Run it with: go test ./webhook -run '^$' -fuzz FuzzVerify -fuzztime 5m
func FuzzVerify(f *testing.F) {
	const unknownSecret = "whsec_dW5rbm93biBzZWNyZXQgMDEyMzQ1Njc4"
	signed := map[string]bool{}
	ts := fixedNow.Unix()
	for i, m := range []struct {
		id   string
		ts   int64
		body string
	}{
		{"msg_2Lh9KRb0pzN4LePd3XiA4dVhJbS", ts, sampleEvent},
		{"msg_1", ts - 299, `{"type":"user.deleted","data":{"deleted":true}}`},
		{"msg_2", ts + 299, ""},
		{"m.1", ts, "x"},
		{"evt_ünïcødé", ts - 1, "\x00\xff binary"},
	} {
		for j, secret := range []string{testSecret, otherSecret, unknownSecret} {
			sig := sign(f, secret, m.id, m.ts, []byte(m.body))
			if secret != unknownSecret {
				signed[m.id+"."+strconv.FormatInt(m.ts, 10)+"."+m.body] = true
			}
			f.Add(m.id, strconv.FormatInt(m.ts, 10), []byte(m.body), sig, (i+j)%2 == 0)
			f.Add(m.id, strconv.FormatInt(m.ts, 10), []byte(m.body), "v2,x "+sig+" v1,"+sig[3:], false)
		}
	}
	f.Add("", "", []byte(nil), "", false)
	f.Add("a", "+1700000000", []byte("b"), "v1,,,, ,,v1", true)
	f.Add("a", "-9223372036854775808", []byte("b"), "v1", false)

	v := newVerifier(f, Options{Secret: testSecret, Secrets: []string{otherSecret}, MaxBodySize: 1 << 16})
	f.Fuzz(func(t *testing.T, id, timestamp string, body []byte, sig string, webhookNames bool) {
		h := http.Header{}
		if webhookNames {
			h["Webhook-Id"], h["Webhook-Timestamp"], h["Webhook-Signature"] = []string{id}, []string{timestamp}, []string{sig}
		} else {
			h["Svix-Id"], h["Svix-Timestamp"], h["Svix-Signature"] = []string{id}, []string{timestamp}, []string{sig}
		}
		err := v.Verify(h, body)
		if err == nil {
			n, perr := strconv.ParseInt(timestamp, 10, 64)
			if perr != nil || !signed[id+"."+strconv.FormatInt(n, 10)+"."+string(body)] {
				t.Fatalf("accepted a message the test did not sign: id %q, timestamp %q, body %q, signature %q", id, timestamp, body, sig)
			}
			return
		}
		matched := 0
		for _, s := range allSentinels {
			if errors.Is(err, s) {
				matched++
			}
		}
		if matched != 1 {
			t.Fatalf("error %v matches %d sentinels", err, matched)
		}
	})
}
