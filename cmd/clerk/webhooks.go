package main

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/spf13/cobra"

	"github.com/clerkgo/clerk/api"
	"github.com/clerkgo/clerk/emulator/delivery"
	"github.com/clerkgo/clerk/webhook"
)

// maxWebhookInput caps the body `webhooks verify` reads from standard
// input (as the webhook package's default does).
const maxWebhookInput = webhook.DefaultMaxBodySize

func newWebhooksCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhooks",
		Short: "Send sample Clerk webhooks to an app, verify webhook signatures",
		Long: `Send sample Clerk webhooks to an app, signed as Clerk signs them (through
Svix), and verify the signature of a webhook for debugging.

The samples are the examples of Clerk's webhook spec (webhooks-2025-04-15),
one per event type: "clerk webhooks events" lists them.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return usageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
		},
	}
	cmd.AddCommand(newWebhooksEventsCmd(e), newWebhooksTriggerCmd(e), newWebhooksVerifyCmd(e))
	return cmd
}

// webhookSamples are the example payloads of the webhook spec, by event
// type, read once.
var webhookSamples = sync.OnceValues(func() (map[string]json.RawMessage, error) {
	doc, err := openapi3.NewLoader().LoadFromData(api.WebhookSpec)
	if err != nil {
		return nil, fmt.Errorf("the webhook spec: %w", err)
	}
	hooks, _ := doc.Extensions["x-webhooks"].(map[string]any)
	get := func(v any, path ...string) any {
		for _, p := range path {
			m, _ := v.(map[string]any)
			v = m[p]
		}
		return v
	}
	out := map[string]json.RawMessage{}
	for typ, h := range hooks {
		content := get(h, "post", "requestBody", "content", "application/json")
		example := get(content, "example")
		if example == nil {
			ref, _ := get(content, "examples", "default", "$ref").(string)
			if ex := doc.Components.Examples[strings.TrimPrefix(ref, "#/components/examples/")]; ex != nil && ex.Value != nil {
				example = ex.Value.Value
			}
		}
		if example == nil {
			continue
		}
		data, err := json.Marshal(example)
		if err != nil {
			return nil, fmt.Errorf("the example of %s: %w", typ, err)
		}
		out[typ] = data
	}
	if len(out) == 0 {
		return nil, errors.New("the webhook spec has no examples")
	}
	return out, nil
})

func newWebhooksEventsCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "events",
		Short: "List the event types that can be triggered",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			samples, err := webhookSamples()
			if err != nil {
				return failure("error: " + err.Error())
			}
			types := make([]string, 0, len(samples))
			for t := range samples {
				types = append(types, t)
			}
			slices.Sort(types)
			fmt.Fprintln(e.stdout, strings.Join(types, "\n"))
			return nil
		},
	}
}

func newWebhooksTriggerCmd(e *env) *cobra.Command {
	var target, secret string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "trigger EVENT --url URL [--secret whsec_...]",
		Short: "Send one signed sample event to an app",
		Long: `Send the sample payload of one event type (e.g. user.created) to URL, as a
POST signed the way Clerk signs webhooks (svix-id, svix-timestamp and
svix-signature headers), with the timestamp of now.

The secret is --secret, else CLERK_WEBHOOK_SIGNING_SECRET; without either a
new secret is made and printed, to configure the app with. The command
succeeds when the app answers 2xx, and prints the status either way.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			samples, err := webhookSamples()
			if err != nil {
				return failure("error: " + err.Error())
			}
			sample, ok := samples[args[0]]
			if !ok {
				msg := fmt.Sprintf("unknown event type %q", args[0])
				if s := closest(args[0], samples); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				}
				return usageErrorf("%s (clerk webhooks events lists them)", msg)
			}
			u, err := url.Parse(target)
			if target == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return usageErrorf("--url must be an http(s) URL")
			}
			if secret == "" {
				secret = e.getenv("CLERK_WEBHOOK_SIGNING_SECRET")
			}
			if secret == "" {
				if secret, err = webhook.NewSecret(); err != nil {
					return failure("error: " + err.Error())
				}
				fmt.Fprintf(e.stdout, "signing secret (none given): %s\n", secret)
			}
			sender, err := delivery.NewSender(delivery.Options{Secret: secret, Timeout: timeout, UserAgent: "clerk-go webhooks trigger"})
			if err != nil {
				return usageErrorf("the signing secret is not whsec_ followed by standard base64")
			}
			body, err := sampleEvent(sample, time.Now())
			if err != nil {
				return failure("error: " + err.Error())
			}
			id := "msg_" + randomID()
			r := sender.Send(cmd.Context(), delivery.Message{ID: id, Type: args[0], URL: target, Body: body}, 1)
			if r.Err != nil {
				return failure(fmt.Sprintf("%s %s: not delivered: %v", args[0], id, r.Err))
			}
			line := fmt.Sprintf("%s %s → %d %s in %v", args[0], id, r.Status, http.StatusText(r.Status), r.Latency.Round(time.Millisecond))
			if !r.Delivered() {
				return failure(line)
			}
			fmt.Fprintln(e.stdout, line)
			return nil
		},
	}
	cmd.Flags().StringVar(&target, "url", "", "the app's webhook `URL` (required)")
	cmd.Flags().StringVar(&secret, "secret", "", "the signing secret, `whsec_...` (env CLERK_WEBHOOK_SIGNING_SECRET; made up when absent)")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "how long to wait for the app")
	return cmd
}

// sampleEvent is the sample with the envelope of a fresh event: the
// timestamp of now.
func sampleEvent(sample json.RawMessage, now time.Time) ([]byte, error) {
	var ev map[string]any
	if err := json.Unmarshal(sample, &ev); err != nil {
		return nil, err
	}
	ev["timestamp"] = now.UnixMilli()
	if ev["object"] == nil {
		ev["object"] = "event"
	}
	return json.Marshal(ev)
}

// closest returns the event type nearest to s by edit distance, "" when
// none is close.
func closest(s string, samples map[string]json.RawMessage) string {
	best, bestD := "", 4
	for t := range samples {
		if d := editDistance(s, t); d < bestD || (d == bestD && t < best) {
			best, bestD = t, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func newWebhooksVerifyCmd(e *env) *cobra.Command {
	var secret string
	var headers []string
	var tolerance time.Duration
	cmd := &cobra.Command{
		Use:   "verify --secret whsec_... --header 'svix-id: ...' --header ... < BODY",
		Short: "Verify the signature of a webhook (for debugging)",
		Long: `Verify a webhook as a handler would: the body is read from standard input
(exactly as received: a changed byte fails), the headers are given with
--header "Name: value" (svix-id, svix-timestamp, svix-signature, or their
webhook-* names), the secret with --secret or CLERK_WEBHOOK_SIGNING_SECRET.

Exit status 0 and the event's type when the signature is valid; 1 and the
check that failed when it is not; 2 for wrong usage.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if secret == "" {
				secret = e.getenv("CLERK_WEBHOOK_SIGNING_SECRET")
			}
			if secret == "" {
				return usageErrorf("give the signing secret with --secret or CLERK_WEBHOOK_SIGNING_SECRET")
			}
			h := http.Header{}
			for _, kv := range headers {
				k, v, ok := strings.Cut(kv, ":")
				if !ok || strings.TrimSpace(k) == "" {
					return usageErrorf("--header must be \"Name: value\"")
				}
				h.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
			opts := webhook.Options{Secret: secret, Tolerance: tolerance}
			v, err := webhook.NewVerifier(opts)
			if err != nil {
				return usageErrorf("%v", err)
			}
			body, err := io.ReadAll(io.LimitReader(e.stdin, maxWebhookInput+1))
			if err != nil {
				return failure("error: reading the body: " + err.Error())
			}
			if len(body) > maxWebhookInput {
				return failure(fmt.Sprintf("invalid: %v", webhook.ErrBodyTooLarge))
			}
			if err := v.Verify(h, body); err != nil {
				return failure("invalid: " + err.Error())
			}
			ev, err := webhook.DecodeEvent(body)
			if err != nil {
				return failure("signature valid, but " + err.Error())
			}
			fmt.Fprintf(e.stdout, "valid: %s at %s\n", ev.Type, ev.Time().UTC().Format(time.RFC3339))
			return nil
		},
	}
	cmd.Flags().StringVar(&secret, "secret", "", "the signing secret, `whsec_...` (env CLERK_WEBHOOK_SIGNING_SECRET)")
	cmd.Flags().StringArrayVar(&headers, "header", nil, "a header of the webhook, `\"Name: value\"` (repeatable)")
	cmd.Flags().DurationVar(&tolerance, "tolerance", 0, "how old or new the timestamp may be (default 5m)")
	return cmd
}

// randomID returns 27 random base62 characters, the shape of Svix's
// message ids after "msg_".
func randomID() string {
	const chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b [27]byte
	var r [64]byte
	n := 0
	for n < len(b) {
		rand.Read(r[:])
		for _, c := range r {
			if c < 248 && n < len(b) {
				b[n] = chars[c%62]
				n++
			}
		}
	}
	return string(b[:])
}
