package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/format"
	"path/filepath"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// The webhook events: package webhook's events_gen.go, generated from the
// webhook spec (api/webhooks-2025-04-15.yml). The spec lists its events
// under x-webhooks, each a POST whose body is WebhookEventPayload (the
// envelope, hand-written as webhook.Event) with a "data" property. For
// every event the generator writes a constant (EventUserCreated =
// "user.created") and an accessor on *Event (UserCreated() (*User, error));
// for every schema the data of an event uses, a struct, built with the same
// rules as package clerk's models (model.go, names.go).
//
// The special cases, all here:
//   - The "DeletedObject" schema is the hand-written webhook.DeletedObject,
//     and the accessors of events whose data it is call Event.DeletedObject
//     (which also checks "deleted": true and an id).
//   - A data schema that is not a $ref (organizationInvitation.created and
//     .revoked: OrganizationInvitation plus a "data" object) becomes the
//     component <Prefix>EventPayload, Prefix being the part of the event
//     type before the dot; events of one prefix must then share the schema.
//   - webhookExtraProperties adds to three schemas the properties their
//     examples in the spec send but the schemas lack.
//   - webhookTypeOverrides renames schemas whose Go names would collide.

// deletedObjectSchema is the schema whose Go type is hand-written.
const deletedObjectSchema = "DeletedObject"

// webhookTypeOverrides is typeOverrides for package webhook: none of the
// webhook spec's schema names collides with a hand-written name today, and
// package clerk's overrides do not apply (its "Passkey" is a verification,
// the webhook spec's the user's passkey).
var webhookTypeOverrides = map[string]string{}

// webhookExtraProperties: schema → property → its schema (JSON), for the
// properties the spec's own examples send (paymentAttempt.*, sms.created)
// that the schemas do not declare. Their types are those of the examples'
// values; none is required. The generator fails once the spec declares one
// of them, so that this table only shrinks.
var webhookExtraProperties = map[string]map[string]string{
	"SmsEventPayload": {
		"created_at": `{"type": "integer", "format": "int64", "description": "Unix timestamp of creation."}`,
	},
	"BillingSubscriptionItem": {
		"amount":              `{"$ref": "#/components/schemas/BillingAmount"}`,
		"canceled_at":         `{"type": "integer", "format": "int64", "nullable": true}`,
		"lifetime_paid":       `{"type": "integer", "format": "int64"}`,
		"next_payment_amount": `{"type": "integer", "format": "int64"}`,
		"next_payment_date":   `{"type": "integer", "format": "int64"}`,
		"past_due_at":         `{"type": "integer", "format": "int64", "nullable": true}`,
		"plan_period":         `{"type": "string"}`,
		"proration_date":      `{"type": "string"}`,
	},
	"BillingPlan": {
		"annual_monthly_amount": `{"type": "integer", "format": "int64"}`,
		"description":           `{"type": "string"}`,
		"has_base_fee":          `{"type": "boolean"}`,
		"instance_id":           `{"type": "string"}`,
		"interval":              `{"type": "integer", "format": "int64"}`,
		"is_default":            `{"type": "boolean"}`,
		"is_prorated":           `{"type": "boolean"}`,
		"period":                `{"type": "string"}`,
		"product_id":            `{"type": "string"}`,
		"publicly_visible":      `{"type": "boolean"}`,
	},
}

// webhookEvent is one event of the spec, as the template renders it.
type webhookEvent struct {
	Type        string // "user.created"
	Const       string // "EventUserCreated"
	Method      string // "UserCreated"
	Description string
	Data        string // Go type of the data, without "*": "User"
	Deleted     bool   // the data is a DeletedObject
}

// rawWebhooks is the part of x-webhooks the generator reads.
type rawWebhooks map[string]struct {
	Post struct {
		Description string `json:"description"`
		RequestBody struct {
			Content map[string]struct {
				Schema struct {
					AllOf []struct {
						Ref        string                     `json:"$ref"`
						Properties map[string]json.RawMessage `json:"properties"`
					} `json:"allOf"`
				} `json:"schema"`
			} `json:"content"`
		} `json:"requestBody"`
	} `json:"post"`
}

// runWebhooks generates dir/events_gen.go from the webhook spec.
func runWebhooks(specPath, dir string, verbose bool) error {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(specPath)
	if err != nil {
		return fmt.Errorf("load %s: %w", specPath, err)
	}
	raw, err := json.Marshal(doc.Extensions["x-webhooks"])
	if err != nil {
		return err
	}
	var hooks rawWebhooks
	if err := json.Unmarshal(raw, &hooks); err != nil {
		return fmt.Errorf("%s: x-webhooks: %w", specPath, err)
	}
	if len(hooks) == 0 {
		return fmt.Errorf("%s: no x-webhooks", specPath)
	}
	types := make([]string, 0, len(hooks))
	for t := range hooks {
		types = append(types, t)
	}
	sort.Strings(types)

	// The data schema of every event, as a component name; inline ones
	// are added to the components first.
	dataSchema := map[string]string{}
	inline := map[string]string{} // component name → its JSON
	for _, t := range types {
		content, ok := hooks[t].Post.RequestBody.Content["application/json"]
		if !ok {
			return fmt.Errorf("%s: event %s has no application/json body", specPath, t)
		}
		var data json.RawMessage
		for _, part := range content.Schema.AllOf {
			if d, ok := part.Properties["data"]; ok {
				data = d
			}
		}
		if data == nil {
			return fmt.Errorf("%s: event %s has no data schema", specPath, t)
		}
		var ref struct {
			Ref string `json:"$ref"`
		}
		if err := json.Unmarshal(data, &ref); err != nil {
			return err
		}
		if name, ok := strings.CutPrefix(ref.Ref, "#/components/schemas/"); ok {
			dataSchema[t] = name
			continue
		}
		prefix, _, _ := strings.Cut(t, ".")
		name := goName(prefix) + "EventPayload"
		if prev, ok := inline[name]; ok && prev != string(data) {
			return fmt.Errorf("%s: the events %s.* have different inline data schemas", specPath, prefix)
		}
		if _, ok := doc.Components.Schemas[name]; ok && inline[name] == "" {
			return fmt.Errorf("%s: the inline data schema of %s would be named %s, a schema of the spec", specPath, t, name)
		}
		inline[name] = string(data)
		dataSchema[t] = name
	}
	for name, data := range inline {
		s := &openapi3.SchemaRef{}
		if err := s.UnmarshalJSON([]byte(data)); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		doc.Components.Schemas[name] = s
	}
	for name, props := range webhookExtraProperties {
		s := doc.Components.Schemas[name]
		if s == nil || s.Value == nil {
			return fmt.Errorf("%s: webhookExtraProperties: no schema %s", specPath, name)
		}
		for prop, data := range props {
			if _, ok := s.Value.Properties[prop]; ok {
				return fmt.Errorf("%s: %s declares %q now: remove it from webhookExtraProperties", specPath, name, prop)
			}
			p := &openapi3.SchemaRef{}
			if err := p.UnmarshalJSON([]byte(data)); err != nil {
				return fmt.Errorf("webhookExtraProperties %s.%s: %w", name, prop, err)
			}
			s.Value.Properties[prop] = p
		}
	}
	if err := loader.ResolveRefsIn(doc, nil); err != nil {
		return fmt.Errorf("resolve %s: %w", specPath, err)
	}

	names := map[string]bool{}
	if err := handWrittenNames(dir, names); err != nil {
		return err
	}
	b := &builder{
		doc: doc, types: map[string]*typeDef{}, schemaOf: map[string]string{deletedObjectSchema: "DeletedObject"},
		built: map[string]bool{deletedObjectSchema: true}, reserved: names, overrides: webhookTypeOverrides,
	}
	var events []*webhookEvent
	for _, t := range types {
		ev := &webhookEvent{
			Type: t, Method: goName(t), Const: "Event" + goName(t),
			Description: strings.TrimSpace(hooks[t].Post.Description),
		}
		ev.Data = b.componentType("#/components/schemas/" + dataSchema[t])
		ev.Deleted = dataSchema[t] == deletedObjectSchema
		if names[ev.Const] || b.types[ev.Const] != nil {
			b.fail("the constant of %s would be named %s, a name taken", t, ev.Const)
		}
		events = append(events, ev)
	}
	if len(b.errs) > 0 {
		return errors.Join(b.errs...)
	}
	m := &model{}
	for _, t := range b.types {
		m.Types = append(m.Types, t)
	}
	sort.Slice(m.Types, func(i, j int) bool { return m.Types[i].Name < m.Types[j].Name })

	data := map[string]any{"Model": m, "Events": events, "Spec": filepath.ToSlash(specPath)}
	src, err := render("webhooks.go.tmpl", data)
	if err != nil {
		return err
	}
	out := filepath.Join(dir, "events_gen.go")
	formatted, err := format.Source(src)
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", out, err, numbered(src))
	}
	return writeIfChanged(out, formatted, verbose)
}
