package emulator

import (
	"context"
	"encoding/json"
	"maps"
	"strings"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/webhook"
)

// Emails. The emulator sends no email: where Clerk would send one (an
// invitation), it renders the instance's template and announces the
// message with email.created, the event an application that delivers its
// own emails acts on (and that shows a test what Clerk would have sent).

// emailMessage is a message to render from the email template slug.
type emailMessage struct {
	slug string
	to   string
	// vars are the template's variables besides the app.* ones.
	vars map[string]string
}

// sendEmail emits email.created for e in tx: the template's subject and
// body rendered, with delivered_by_clerk as the template has it. Without
// webhook endpoints it does nothing.
func (c *core) sendEmail(ctx context.Context, tx store.Store, e emailMessage) error {
	return c.emit(ctx, tx, "email.created", func(tx store.Store) (json.RawMessage, error) {
		t, _, err := c.template(ctx, tx, "email", e.slug)
		if err != nil {
			return nil, err
		}
		vars := c.appVariables()
		maps.Copy(vars, e.vars)
		subject := ""
		if t.Subject != nil {
			subject = renderTemplate(*t.Subject, vars)
		}
		data := make(map[string]any, len(vars))
		for k, v := range vars {
			data[k] = v
		}
		return json.Marshal(&webhook.EmailEventPayload{
			Object: "email", ID: c.rand.id("ema"), Slug: &e.slug, Status: "queued",
			FromEmailName: t.FromEmailName, ReplyToEmailName: optional(t.ReplyToEmailName),
			ToEmailAddress: e.to, Subject: subject, Body: renderTemplate(t.Body, vars),
			Data: data, DeliveredByClerk: t.DeliveredByClerk,
		})
	})
}

// appVariables are the values of the app.* variables of the instance's
// templates.
func (c *core) appVariables() map[string]string {
	vars := map[string]string{}
	for k, v := range c.sampleVariables() {
		if strings.HasPrefix(k, "app.") {
			vars[k] = v
		}
	}
	return vars
}
