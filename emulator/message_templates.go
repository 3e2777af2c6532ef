package emulator

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/clerkgo/clerk/emulator/store"
	"github.com/clerkgo/clerk/internal/v2021"
)

// Email and SMS templates (deprecated in the API, served all the same).
// Every instance has Clerk's standard templates; a template the instance
// changed (upsert, toggle delivery) is stored as an object of
// kindMessageTemplate, unique by type and slug, and reverting deletes it.
// The emulator sends no message: templates are kept, listed and previewed.

const kindMessageTemplate = "message_template"

// standardTemplate is one of the templates every instance starts with.
type standardTemplate struct {
	Type, Slug, Name, Subject, Body string
	// Required are the variables the body must keep.
	Required []string
	// Available are the variables the body may use.
	Available []string
}

// Variables every template may use.
var appVariables = []string{"app.name", "app.domain_name", "app.logo_image_url", "app.url"}

// standardTemplates are Clerk's standard email and SMS templates, in
// their listing order. (A representative set: the names, subjects and
// variables of Clerk's, the bodies shortened.)
var standardTemplates = []standardTemplate{
	{"email", "verification_code", "Verification code", "{{otp_code}} is your verification code",
		"<p>Enter the following verification code when prompted: <b>{{otp_code}}</b>.</p><p>To protect your account, do not share this code.</p>",
		[]string{"otp_code"}, []string{"otp_code", "requested_at", "requested_by", "requested_from"}},
	{"email", "reset_password_code", "Reset password code", "{{otp_code}} is your password reset code",
		"<p>Enter the following code to reset your {{app.name}} password: <b>{{otp_code}}</b>.</p>",
		[]string{"otp_code"}, []string{"otp_code", "requested_at", "requested_by", "requested_from"}},
	{"email", "magic_link_sign_in", "Sign in magic link", "Sign in to {{app.name}}",
		"<p>Click the link below to sign in to {{app.name}}:</p><p><a href=\"{{magic_link}}\">Sign in</a></p><p>This link expires in {{ttl_minutes}} minutes.</p>",
		[]string{"magic_link"}, []string{"magic_link", "ttl_minutes", "requested_at", "requested_by", "requested_from"}},
	{"email", "magic_link_sign_up", "Sign up magic link", "Sign up to {{app.name}}",
		"<p>Click the link below to finish signing up to {{app.name}}:</p><p><a href=\"{{magic_link}}\">Sign up</a></p>",
		[]string{"magic_link"}, []string{"magic_link", "ttl_minutes", "requested_at", "requested_by", "requested_from"}},
	{"email", "invitation", "Invitation", "{{inviter_name}} invited you to {{app.name}}",
		"<p>You have been invited to join {{app.name}}.</p><p><a href=\"{{action_url}}\">Accept invitation</a></p>",
		[]string{"action_url"}, []string{"action_url", "inviter_name", "invitation.expires_in_days", "invitation.public_metadata"}},
	{"email", "organization_invitation", "Organization invitation", "{{inviter_name}} invited you to join {{org.name}}",
		"<p>{{inviter_name}} invited you to join {{org.name}} on {{app.name}}.</p><p><a href=\"{{action_url}}\">Accept invitation</a></p>",
		[]string{"action_url"}, []string{"action_url", "inviter_name", "org.name", "org.logo_image_url"}},
	{"email", "password_changed", "Password changed", "Your password has been changed",
		"<p>The password of your {{app.name}} account {{primary_email_address}} was changed.</p>",
		nil, []string{"primary_email_address", "greeting_name"}},
	{"email", "primary_email_address_changed", "Primary email address changed", "Your primary email address has been changed",
		"<p>The primary email address of your {{app.name}} account is now {{new_email_address}}.</p>",
		nil, []string{"new_email_address", "greeting_name"}},
	{"sms", "verification_code", "Verification code", "",
		"{{otp_code}} is your verification code for {{app.name}}.", []string{"otp_code"}, []string{"otp_code"}},
	{"sms", "reset_password_code", "Reset password code", "",
		"{{otp_code}} is your password reset code for {{app.name}}.", []string{"otp_code"}, []string{"otp_code"}},
	{"sms", "invitation", "Invitation", "",
		"{{inviter_name}} invited you to {{app.name}}: {{action_url}}", []string{"action_url"}, []string{"action_url", "inviter_name"}},
}

// templateRecord is a changed template as the emulator stores it.
type templateRecord struct {
	v2021.Template
}

func templateObject(t *v2021.Template) store.Object {
	return store.Object{Kind: kindMessageTemplate, ID: t.ID, Unique: t.TemplateType + "/" + t.Slug,
		SortNum: t.Position, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

// templateID is the stable ID of a standard template.
func templateID(typ, slug string) string {
	sum := sha256.Sum256([]byte(typ + "/" + slug))
	b := make([]byte, 27)
	for i := range b {
		b[i] = base62[int(sum[i])%len(base62)]
	}
	return "tmpl_" + string(b)
}

// standard returns the standard template of a type and slug, as answered.
func (s *core) standard(i int, st standardTemplate) *v2021.Template {
	t := &v2021.Template{Object: "template", ID: templateID(st.Type, st.Slug), InstanceID: &s.inst.ID,
		ResourceType: "system", TemplateType: st.Type, Slug: st.Slug, Name: st.Name, Body: st.Body, Markup: "",
		Position: int64(i), CanRevert: false, CanDelete: false, CanToggle: true, DeliveredByClerk: true, Enabled: true,
		FromEmailName: "", ReplyToEmailName: "", AvailableVariables: append(append([]string{}, appVariables...), st.Available...),
		RequiredVariables: append([]string{}, st.Required...), CreatedAt: s.inst.CreatedAt, UpdatedAt: s.inst.CreatedAt}
	if st.Type == "email" {
		t.Subject = v2021.Ptr(st.Subject)
		t.FromEmailName = "noreply"
	}
	return t
}

// checkTemplateType refuses a template type other than email and sms.
func checkTemplateType(typ string) error {
	if typ != "email" && typ != "sms" {
		return &Error{Kind: KindBadRequest, Code: "template_type_unsupported", Param: "template_type",
			Message: "Template type not supported", LongMessage: "Template type " + clip(typ) + " is not supported."}
	}
	return nil
}

func templateNotFoundSlug(slug string) *Error {
	return &Error{Kind: KindNotFound, Code: "resource_not_found", Message: "Template not found",
		LongMessage: "No template was found with slug " + clip(slug)}
}

// clip shortens a client-chosen value for a message.
func clip(s string) string {
	if len(s) > 64 {
		return strings.ToValidUTF8(s[:64], "") + "…"
	}
	return s
}

// template returns the template of a type and slug through st: the
// instance's changed one, else the standard one.
func (s *core) template(ctx context.Context, st store.Store, typ, slug string) (*v2021.Template, bool, error) {
	if err := checkTemplateType(typ); err != nil {
		return nil, false, err
	}
	o, err := st.ObjectByUnique(ctx, kindMessageTemplate, typ+"/"+slug)
	switch {
	case err == nil:
		rec, err := decodeObject[templateRecord](o)
		if err != nil {
			return nil, false, err
		}
		return &rec.Template, true, nil
	case !errors.Is(err, store.ErrNotFound):
		return nil, false, err
	}
	for i, std := range standardTemplates {
		if std.Type == typ && std.Slug == slug {
			return s.standard(i, std), false, nil
		}
	}
	return nil, false, templateNotFoundSlug(slug)
}

// List lists the templates of a type, in their standard order.
func (s *EmailSMSTemplates) List(ctx context.Context, typ string) (*v2021.TemplateList, error) {
	if err := checkTemplateType(typ); err != nil {
		return nil, err
	}
	var out []*v2021.Template
	for _, std := range standardTemplates {
		if std.Type != typ {
			continue
		}
		t, _, err := s.template(ctx, s.store, typ, std.Slug)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return &v2021.TemplateList{Data: out, TotalCount: int64(len(out))}, nil
}

// Get returns a template.
func (s *EmailSMSTemplates) Get(ctx context.Context, typ, slug string) (*v2021.Template, error) {
	t, _, err := s.template(ctx, s.store, typ, slug)
	return t, err
}

// changeTemplate changes a template in a transaction and stores it.
func (s *core) changeTemplate(ctx context.Context, typ, slug string, fn func(t *v2021.Template) error) (*v2021.Template, error) {
	var out *v2021.Template
	err := s.store.Tx(ctx, func(tx store.Store) error {
		t, stored, err := s.template(ctx, tx, typ, slug)
		if err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
		t.ResourceType, t.CanRevert, t.UpdatedAt = "user", true, s.now().UnixMilli()
		out = t
		return putObject(ctx, tx, templateObject(t), &templateRecord{Template: *t}, !stored)
	})
	return out, err
}

// variablePattern finds the {{variables}} of a body ({{{raw}}} too).
var variablePattern = regexp.MustCompile(`\{\{\{?\s*([a-zA-Z_][a-zA-Z0-9_.]*)\s*\}?\}\}`)

// checkTemplateBody refuses a body whose braces do not pair, or that
// lacks a required variable.
func checkTemplateBody(body string, required []string) error {
	if strings.Count(body, "{{") != strings.Count(body, "}}") {
		return &Error{Kind: KindInvalid, Code: "invalid_template_body", Param: "body", Message: "Invalid template body",
			LongMessage: "This template body is invalid and cannot be rendered successfully, please check for syntax errors."}
	}
	used := map[string]bool{}
	for _, m := range variablePattern.FindAllStringSubmatch(body, -1) {
		used[m[1]] = true
	}
	for _, r := range required {
		if !used[r] {
			return &Error{Kind: KindInvalid, Code: "required_variable_missing", Param: "body", Message: "is invalid",
				LongMessage: fmt.Sprintf("Body should contain the {{%s}} variable.", r)}
		}
	}
	return nil
}

// Upsert changes a template's name, subject, body and delivery.
func (s *EmailAndSMSTemplates) Upsert(ctx context.Context, typ, slug string, p *v2021.EmailAndSMSTemplatesUpsertParams) (*v2021.Template, error) {
	if p == nil {
		p = &v2021.EmailAndSMSTemplatesUpsertParams{}
	}
	return s.changeTemplate(ctx, typ, slug, func(t *v2021.Template) error {
		if p.Name != nil {
			if *p.Name == "" {
				return invalid("name", "name cannot be empty.")
			}
			if err := checkLength("name", *p.Name, maxNameLength); err != nil {
				return err
			}
			t.Name = *p.Name
		}
		if p.Subject != nil && typ == "email" {
			t.Subject = p.Subject
		}
		if p.Body != nil {
			if err := checkTemplateBody(*p.Body, t.RequiredVariables); err != nil {
				return err
			}
			t.Body = *p.Body
		}
		if p.Markup != nil {
			t.Markup = *p.Markup
		}
		if p.FromEmailName != nil {
			t.FromEmailName = *p.FromEmailName
		}
		if p.ReplyToEmailName != nil {
			t.ReplyToEmailName = *p.ReplyToEmailName
		}
		if p.DeliveredByClerk != nil {
			t.DeliveredByClerk = *p.DeliveredByClerk
		}
		return nil
	})
}

// ToggleTemplateDelivery sets whether Clerk delivers a template's
// messages (the application does otherwise, from the email.created or
// sms.created event).
func (s *EmailSMSTemplates) ToggleTemplateDelivery(ctx context.Context, typ, slug string, p *v2021.EmailSMSTemplatesToggleTemplateDeliveryParams) (*v2021.Template, error) {
	return s.changeTemplate(ctx, typ, slug, func(t *v2021.Template) error {
		if p != nil && p.DeliveredByClerk != nil {
			t.DeliveredByClerk = *p.DeliveredByClerk
		} else {
			t.DeliveredByClerk = !t.DeliveredByClerk
		}
		return nil
	})
}

// Revert brings a changed template back to the standard one.
func (s *EmailSMSTemplates) Revert(ctx context.Context, typ, slug string) (*v2021.Template, error) {
	var out *v2021.Template
	err := s.store.Tx(ctx, func(tx store.Store) error {
		t, stored, err := s.template(ctx, tx, typ, slug)
		if err != nil {
			return err
		}
		if !stored {
			return &Error{Kind: KindBadRequest, Code: "template_revert_error", Message: "Template revert restricted",
				LongMessage: "Template with slug " + clip(slug) + " can't be reverted"}
		}
		if err := tx.DeleteObject(ctx, kindMessageTemplate, t.ID); err != nil {
			return err
		}
		out, _, err = s.template(ctx, tx, typ, slug)
		return err
	})
	return out, err
}

// Preview renders a template (or the subject and body given) with sample
// values of its variables, as the dashboard's preview does.
func (s *Templates) Preview(ctx context.Context, typ, slug string, p *v2021.TemplatesPreviewParams) (map[string]any, error) {
	t, _, err := s.template(ctx, s.store, typ, slug)
	if err != nil {
		return nil, err
	}
	subject, body := "", t.Body
	if t.Subject != nil {
		subject = *t.Subject
	}
	if p != nil && p.Body != nil {
		if err := checkTemplateBody(*p.Body, nil); err != nil {
			return nil, err
		}
		body = *p.Body
	}
	if p != nil && p.Subject != nil {
		subject = *p.Subject
	}
	from := t.FromEmailName
	if p != nil && p.FromEmailName != nil {
		from = *p.FromEmailName
	}
	sample := s.sampleVariables()
	out := map[string]any{"body": renderTemplate(body, sample)}
	if typ == "email" {
		out["subject"] = renderTemplate(subject, sample)
		out["from_email_address"] = from + "@" + DefaultFrontendHost
		if p != nil && p.ReplyToEmailName != nil && *p.ReplyToEmailName != "" {
			out["reply_to_email_address"] = *p.ReplyToEmailName + "@" + DefaultFrontendHost
		}
	}
	return out, nil
}

// renderTemplate fills the variables of a template's text with vars; an
// unknown one becomes "".
func renderTemplate(text string, vars map[string]string) string {
	return variablePattern.ReplaceAllStringFunc(text, func(m string) string {
		return vars[variablePattern.FindStringSubmatch(m)[1]]
	})
}

// sampleVariables are the values a preview renders.
func (s *core) sampleVariables() map[string]string {
	return map[string]string{
		"app.name": "Emulated instance", "app.domain_name": DefaultFrontendHost, "app.url": "https://" + DefaultFrontendHost,
		"app.logo_image_url": "https://img.clerk.com/static/logo.png", "otp_code": "123456", "magic_link": "https://" + DefaultFrontendHost + "/v1/verify?token=sample",
		"ttl_minutes": "10", "requested_at": "1 January 2026, 10:00 UTC", "requested_by": "Chrome, Linux",
		"requested_from": "127.0.0.1", "action_url": "https://" + DefaultFrontendHost + "/accept?__clerk_ticket=sample",
		"inviter_name": "Ada Lovelace", "invitation.expires_in_days": "30", "org.name": "Acme",
		"primary_email_address": "ada@example.com", "new_email_address": "ada@example.com", "greeting_name": "Ada",
	}
}
