package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/clerkgo/clerk/webhook"
)

// The endpoint's signing secret, from the Clerk dashboard
// (CLERK_WEBHOOK_SIGNING_SECRET).
const signingSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// signedRequest builds the request Clerk (through Svix) would send.
func signedRequest(id string, body string) *http.Request {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(signingSecret, "whsec_"))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "." + body))
	r := httptest.NewRequest(http.MethodPost, "/webhooks/clerk", strings.NewReader(body))
	r.Header.Set("svix-id", id)
	r.Header.Set("svix-timestamp", ts)
	r.Header.Set("svix-signature", "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	return r
}

// Serve Clerk's webhooks: Handler verifies each request, decodes the event
// and answers 204, or 500 when the function fails so that Clerk retries.
func ExampleHandler() {
	v, err := webhook.NewVerifier(webhook.Options{Secret: signingSecret})
	if err != nil {
		panic(err)
	}
	h := webhook.Handler(v, func(ctx context.Context, ev *webhook.Event) error {
		switch ev.Type {
		case webhook.EventUserCreated:
			user, err := ev.UserCreated()
			if err != nil {
				return err
			}
			fmt.Println("created", user.ID, *user.FirstName)
		case webhook.EventUserDeleted:
			d, err := ev.UserDeleted()
			if err != nil {
				return err
			}
			fmt.Println("deleted", d.ID)
		}
		return nil
	})
	// http.Handle("/webhooks/clerk", h)

	for _, body := range []string{
		`{"type":"user.created","object":"event","timestamp":1654012591835,"data":{"id":"user_1","first_name":"Ada"}}`,
		`{"type":"user.deleted","object":"event","timestamp":1654012591835,"data":{"object":"user","id":"user_1","deleted":true}}`,
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, signedRequest("msg_1", body))
		fmt.Println(w.Code)
	}
	r := signedRequest("msg_2", `{"type":"user.created","data":{}}`)
	r.Header.Set("svix-id", "msg_3") // not the id that was signed
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Print(w.Code, " ", w.Body.String())
	// Output:
	// created user_1 Ada
	// 204
	// deleted user_1
	// 204
	// 400 webhook: no matching signature
}

// Verify a request in a handler of one's own, and tell the failed check.
func ExampleVerifier_VerifyRequest() {
	v, err := webhook.NewVerifier(webhook.Options{Secret: signingSecret})
	if err != nil {
		panic(err)
	}
	body, err := v.VerifyRequest(signedRequest("msg_1", `{"type":"session.created","data":{"id":"sess_1"}}`))
	if err != nil {
		panic(err)
	}
	ev, err := webhook.DecodeEvent(body)
	if err != nil {
		panic(err)
	}
	fmt.Println(ev.Type)

	r := signedRequest("msg_1", `{}`)
	r.Header.Set("svix-timestamp", strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10))
	_, err = v.VerifyRequest(r)
	fmt.Println(errors.Is(err, webhook.ErrTimestampTooOld), err)
	// Output:
	// session.created
	// true webhook: timestamp too old
}

// Accept messages signed with either secret while rotating.
func ExampleNewVerifier() {
	v, err := webhook.NewVerifier(webhook.Options{
		Secret:    "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", // the new secret
		Secrets:   []string{signingSecret},                  // the old one
		Tolerance: 2 * time.Minute,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Verify(signedRequest("msg_1", "{}").Header, []byte("{}")))

	_, err = webhook.NewVerifier(webhook.Options{Secret: "whsec_not base64"})
	fmt.Println(errors.Is(err, webhook.ErrInvalidSecret))
	// Output:
	// <nil>
	// true
}

// Decode an event's data with the accessor of its type; the accessor of
// another type fails.
func ExampleEvent_SessionEnded() {
	ev, err := webhook.DecodeEvent([]byte(`{"type":"session.ended","object":"event","timestamp":1654012591835,
		"data":{"object":"session","id":"sess_1","user_id":"user_1","status":"ended","user":{"id":"user_1"}}}`))
	if err != nil {
		panic(err)
	}
	s, err := ev.SessionEnded()
	if err != nil {
		panic(err)
	}
	fmt.Println(s.ID, s.Status, s.User.ID)
	_, err = ev.UserCreated()
	fmt.Println(errors.Is(err, webhook.ErrWrongEventType), err)
	// Output:
	// sess_1 ended user_1
	// true webhook: wrong event type: the event is "session.ended", not "user.created"
}
