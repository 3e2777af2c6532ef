package emulator

// Rendering of JWT template claims: shortcodes such as {{user.id}} or
// {{user.public_metadata.plan || 'free'}} are replaced by values of the
// session's user, as Clerk documents for JWT templates:
//
//   - A string that is exactly one shortcode keeps the JSON type of what
//     it renders: "{{user.public_metadata}}" is an object, "{{user.created_at}}"
//     a number, "{{user.email_verified}}" a boolean, and a shortcode that
//     names nothing (an unknown field, a missing metadata key, a user without
//     a last name) is null.
//   - Shortcodes inside a longer string are interpolated as text: strings as
//     they are, other values as their JSON text, and null as "null" (Clerk's
//     documented "null John" for "{{user.last_name}} {{user.first_name}}").
//   - "{{ a || b || 'literal' }}" is the first operand that is neither null
//     nor false, else the last operand whatever its value. Literals are
//     single-quoted strings ('...', or "..." in a JSON-escaped form),
//     true, false and numbers.
//   - Objects and arrays of the template are rendered recursively; object
//     keys are never rendered.
//
// A {{ without a closing }} is plain text. Inside {{ }}, an operand that
// is neither a literal nor a dotted path is a syntax error, reported when
// the template is saved (checkTemplateClaims) so that minting never fails.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/clerkgo/clerk/internal/v2021"
)

// reservedTemplateClaims are the default claims of every template token;
// Clerk refuses templates that set them (jwt_template_reserved_claim).
var reservedTemplateClaims = []string{"azp", "exp", "iat", "iss", "jti", "nbf", "sub"}

// templatePart is a piece of a template string: literal text, or one
// {{ ... }} expression (its operands, joined by ||).
type templatePart struct {
	text string
	expr []operand // nil for text
}

// operand is one operand of an expression: a shortcode path, or a literal.
type operand struct {
	path    []string // e.g. ["user", "public_metadata", "plan"]; nil for a literal
	literal any      // string, bool or json.Number
}

// parseTemplateString splits s into text and expressions.
func parseTemplateString(s string) ([]templatePart, error) {
	var parts []templatePart
	for s != "" {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			break // an unclosed {{ is text
		}
		ops, err := parseExpression(s[i+2 : i+2+j])
		if err != nil {
			return nil, err
		}
		if i > 0 {
			parts = append(parts, templatePart{text: s[:i]})
		}
		parts = append(parts, templatePart{expr: ops})
		s = s[i+2+j+2:]
	}
	if s != "" {
		parts = append(parts, templatePart{text: s})
	}
	return parts, nil
}

// parseExpression parses what is between {{ and }}.
func parseExpression(expr string) ([]operand, error) {
	var ops []operand
	for _, raw := range splitOperands(expr) {
		op, err := parseOperand(strings.TrimSpace(raw))
		if err != nil {
			return nil, err
		}
		ops = append(ops, op)
	}
	return ops, nil
}

// splitOperands splits an expression at the || that are outside quotes.
func splitOperands(expr string) []string {
	var out []string
	var quote byte
	start := 0
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '|' && i+1 < len(expr) && expr[i+1] == '|':
			out = append(out, expr[start:i])
			i++
			start = i + 1
		}
	}
	return append(out, expr[start:])
}

func parseOperand(op string) (operand, error) {
	switch {
	case op == "":
		return operand{}, errors.New("an empty operand in {{ }}")
	case op[0] == '\'' || op[0] == '"':
		q := op[0]
		if len(op) < 2 || op[len(op)-1] != q || strings.IndexByte(op[1:len(op)-1], q) >= 0 {
			return operand{}, fmt.Errorf("the string literal %s is not closed", op)
		}
		return operand{literal: op[1 : len(op)-1]}, nil
	case op == "true" || op == "false":
		return operand{literal: op == "true"}, nil
	case op[0] == '-' || (op[0] >= '0' && op[0] <= '9'):
		if !json.Valid([]byte(op)) {
			return operand{}, fmt.Errorf("%q is not a number", op)
		}
		return operand{literal: json.Number(op)}, nil
	}
	path := strings.Split(op, ".")
	for i, seg := range path {
		if seg == "" || strings.ContainsAny(seg, " \t\r\n'\"|{}") || (i == 0 && !isIdentifier(seg)) {
			return operand{}, fmt.Errorf("%q is not a shortcode (such as user.first_name) or a literal ('text', a number, true or false)", op)
		}
	}
	return operand{path: path}, nil
}

func isIdentifier(s string) bool {
	for i, r := range s {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')) {
			return false
		}
	}
	return s != ""
}

// checkTemplateClaims checks a template's claims before they are saved:
// no reserved claim at the top level, and every {{ }} parses.
func checkTemplateClaims(claims map[string]any) error {
	for _, name := range reservedTemplateClaims {
		if _, ok := claims[name]; ok {
			return &Error{Kind: KindBadRequest, Code: "jwt_template_reserved_claim", Param: "claims",
				Message:     "reserved claim used",
				LongMessage: fmt.Sprintf("You can't use the reserved claim: '%s'", name)}
		}
	}
	for k, v := range claims {
		if err := checkTemplateValue("claims."+k, v); err != nil {
			return err
		}
	}
	return nil
}

func checkTemplateValue(where string, v any) error {
	switch v := v.(type) {
	case string:
		if _, err := parseTemplateString(v); err != nil {
			return invalid("claims", fmt.Sprintf("%s: %v.", where, err))
		}
	case map[string]any:
		for k, e := range v {
			if err := checkTemplateValue(where+"."+k, e); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range v {
			if err := checkTemplateValue(fmt.Sprintf("%s[%d]", where, i), e); err != nil {
				return err
			}
		}
	}
	return nil
}

// renderClaims renders a template's claims with data (see shortcodeData).
// The template is not modified.
func renderClaims(claims map[string]any, data map[string]any) map[string]any {
	out := make(map[string]any, len(claims))
	for k, v := range claims {
		out[k] = renderValue(v, data)
	}
	return out
}

func renderValue(v any, data map[string]any) any {
	switch v := v.(type) {
	case string:
		return renderString(v, data)
	case map[string]any:
		return renderClaims(v, data)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = renderValue(e, data)
		}
		return out
	}
	return v
}

// renderString renders one string of a template: the value of its only
// shortcode, typed, or the text with its shortcodes interpolated.
func renderString(s string, data map[string]any) any {
	parts, err := parseTemplateString(s)
	if err != nil {
		return s // cannot happen for a checked template
	}
	if len(parts) == 1 && parts[0].expr != nil {
		return evaluate(parts[0].expr, data)
	}
	var b strings.Builder
	for _, p := range parts {
		if p.expr == nil {
			b.WriteString(p.text)
		} else {
			b.WriteString(interpolated(evaluate(p.expr, data)))
		}
	}
	return b.String()
}

// evaluate returns the first operand that is neither null nor false, or
// the last one.
func evaluate(ops []operand, data map[string]any) any {
	var v any
	for _, op := range ops {
		if op.path != nil {
			v = lookup(data, op.path)
		} else {
			v = op.literal
		}
		if v != nil && v != false {
			return v
		}
	}
	return v
}

// lookup follows a dotted path through objects (and, by index, arrays);
// anything it does not find is nil.
func lookup(data map[string]any, path []string) any {
	var cur any = data
	for _, seg := range path {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[seg]
			if !ok {
				return nil
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

// interpolated is the text of a value inside a longer string.
func interpolated(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case nil:
		return "null"
	case json.Number:
		return string(v)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// shortcodeData is what the shortcodes of a template token read: the
// session's user ("user.*") and the session itself ("session.*").
func shortcodeData(u *v2021.User, sess *v2021.Session) map[string]any {
	data := map[string]any{"user": userShortcodes(u)}
	if sess != nil {
		data["session"] = sessionShortcodes(sess)
	}
	return data
}

// addOrgShortcodes adds the organization shortcodes: user.organizations
// (organization ID to role, for every membership) and, for the session's
// active organization, org.id, org.name, org.slug, org.role (with
// "org:"), org.image_url, org.has_image and org.public_metadata.
func addOrgShortcodes(data map[string]any, roles map[string]any, org *orgRecord, m *membershipRecord) {
	if user, ok := data["user"].(map[string]any); ok {
		user["organizations"] = roles
	}
	if org == nil {
		return
	}
	data["org"] = map[string]any{
		"id": org.ID, "name": org.Name, "slug": org.Slug, "role": m.Role, "image_url": org.ImageURL,
		"has_image": org.HasImage, "public_metadata": orEmpty(org.PublicMetadata),
	}
}

// userShortcodes are the user.* shortcodes Clerk documents. Timestamps are
// Unix seconds, as in Clerk's example (registration_date). Private
// metadata is never reachable.
func userShortcodes(u *v2021.User) map[string]any {
	m := map[string]any{
		"id":                    u.ID,
		"external_id":           nonEmpty(u.ExternalID),
		"first_name":            nonEmpty(u.FirstName),
		"last_name":             nonEmpty(u.LastName),
		"full_name":             fullName(u),
		"username":              nonEmpty(u.Username),
		"primary_email_address": nil,
		"email_verified":        false,
		"primary_phone_number":  nil,
		"phone_number_verified": false,
		"primary_web3_wallet":   nil,
		"image_url":             u.ImageURL,
		"profile_image_url":     u.ProfileImageURL,
		"has_image":             u.HasImage,
		"public_metadata":       orEmpty(u.PublicMetadata),
		"unsafe_metadata":       orEmpty(u.UnsafeMetadata),
		"created_at":            u.CreatedAt / 1000,
		"updated_at":            u.UpdatedAt / 1000,
		"last_sign_in_at":       nil,
		"two_factor_enabled":    u.TwoFactorEnabled,
		// The map of organization ID to role: set by orgShortcodes.
		"organizations": map[string]any{},
	}
	if u.ProfileImageURL == "" {
		m["profile_image_url"] = u.ImageURL
	}
	if u.LastSignInAt != nil {
		m["last_sign_in_at"] = *u.LastSignInAt / 1000
	}
	for _, e := range u.EmailAddresses {
		if u.PrimaryEmailAddressID != nil && e.ID == *u.PrimaryEmailAddressID {
			m["primary_email_address"] = e.EmailAddress
			m["email_verified"] = e.Verification != nil && e.Verification.Status == "verified"
		}
	}
	for _, p := range u.PhoneNumbers {
		if u.PrimaryPhoneNumberID != nil && p.ID == *u.PrimaryPhoneNumberID {
			m["primary_phone_number"] = p.PhoneNumber
			m["phone_number_verified"] = p.Verification != nil && p.Verification.Status == "verified"
		}
	}
	for _, w := range u.Web3Wallets {
		if u.PrimaryWeb3WalletID != nil && w.ID == *u.PrimaryWeb3WalletID {
			m["primary_web3_wallet"] = w.Web3Wallet
		}
	}
	return m
}

// sessionShortcodes are session.* shortcodes, an emulator extension (Clerk's
// templates are not tied to a session): session.id, session.status and
// session.actor (the impersonator, or null).
func sessionShortcodes(sess *v2021.Session) map[string]any {
	m := map[string]any{"id": sess.ID, "status": sess.Status, "actor": nil}
	if sess.Actor != nil {
		m["actor"] = sess.Actor
	}
	return m
}

func nonEmpty(p *string) any {
	if p == nil || *p == "" {
		return nil
	}
	return *p
}

// fullName is "first last", either alone when the other is missing, and
// null when both are.
func fullName(u *v2021.User) any {
	n := strings.TrimSpace(deref(u.FirstName) + " " + deref(u.LastName))
	if n == "" {
		return nil
	}
	return n
}
