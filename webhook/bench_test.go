package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"testing"
)

// benchMessage is a 2 KB event with its id, timestamp and svix-* headers.
func benchMessage(b *testing.B) (id string, body []byte, v *Verifier, sig string) {
	id = "msg_2Lh9KRb0pzN4LePd3XiA4dVhJbS"
	body = []byte(sampleEvent)
	body = append(body[:len(body)-1], `,"padding":"`...)
	body = append(body, bytes.Repeat([]byte("x"), 2048-len(body)-2)...)
	body = append(body, `"}`...)
	if len(body) != 2048 {
		b.Fatalf("body of %d bytes", len(body))
	}
	return id, body, newVerifier(b, Options{}), sign(b, testSecret, id, fixedNow.Unix(), body)
}

// BenchmarkFloor is the least any verifier must do: one HMAC-SHA256 of
// "id.timestamp.body" (assembled beforehand, with a new HMAC, as a caller
// without state would) and a constant-time comparison with the decoded
// signature.
func BenchmarkFloor(b *testing.B) {
	id, body, _, sig := benchMessage(b)
	key, _ := base64.StdEncoding.DecodeString(testSecret[6:])
	content := []byte(id + "." + strconv.FormatInt(fixedNow.Unix(), 10) + "." + string(body))
	want, _ := base64.StdEncoding.DecodeString(sig[3:])
	b.ReportAllocs()
	for b.Loop() {
		m := hmac.New(sha256.New, key)
		m.Write(content)
		if !hmac.Equal(m.Sum(nil), want) {
			b.Fatal("no match")
		}
	}
}

// BenchmarkFloorKeyed is the floor for a verifier that keeps its keyed
// HMAC, as Verifier does: Reset instead of keying anew.
func BenchmarkFloorKeyed(b *testing.B) {
	id, body, _, sig := benchMessage(b)
	key, _ := base64.StdEncoding.DecodeString(testSecret[6:])
	content := []byte(id + "." + strconv.FormatInt(fixedNow.Unix(), 10) + "." + string(body))
	want, _ := base64.StdEncoding.DecodeString(sig[3:])
	m := hmac.New(sha256.New, key)
	var sum [32]byte
	b.ReportAllocs()
	for b.Loop() {
		m.Reset()
		m.Write(content)
		if !hmac.Equal(m.Sum(sum[:0]), want) {
			b.Fatal("no match")
		}
	}
}

// BenchmarkVerify is Verifier.Verify on the same message, from its
// headers.
func BenchmarkVerify(b *testing.B) {
	id, body, v, sig := benchMessage(b)
	h := headers(id, fixedNow.Unix(), sig)
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify(h, body); err != nil {
			b.Fatal(err)
		}
	}
}
