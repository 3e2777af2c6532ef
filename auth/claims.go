package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Claims are the verified claims of a session token, in one view for both
// session-token versions: version 1 (org_id, org_role, org_slug,
// org_permissions) and version 2 (v: 2, with the organization in "o" and
// its permissions packed with "fea"). Read the active organization through
// OrgID, OrgSlug, OrgRole and OrgPermissions whatever the version.
//
// Every claim of the token, including the custom claims of a JWT template,
// is reachable through Get, Custom and RawJSON.
//
// With Options.TokenCacheSize set, the Claims of a cached token are shared
// by every call that presents the token: treat them as read-only.
type Claims struct {
	// Version is the session-token version: 1, or 2 when the token says
	// "v": 2.
	Version int
	// Subject ("sub") is the user ID.
	Subject string
	// SessionID ("sid") is the session ID; empty for tokens of JWT
	// templates that leave it out.
	SessionID string
	// AuthorizedParty ("azp") is the origin the token was issued for.
	AuthorizedParty string
	// Issuer ("iss") is the Clerk frontend API of the instance.
	Issuer string
	// Audience ("aud") holds the audiences, when the token has any.
	Audience []string
	// ExpiresAt, IssuedAt and NotBefore are "exp", "iat" and "nbf"; zero
	// when the token has no such claim.
	ExpiresAt, IssuedAt, NotBefore time.Time
	// ID ("jti") is the token's unique identifier (version 2).
	ID string
	// SessionStatus ("sts") is the session's status, e.g. "active" or
	// "pending" (version 2).
	SessionStatus string
	// FactorVerificationAge ("fva") holds the minutes since the first and
	// the second factor were verified; -1 means never.
	FactorVerificationAge []int
	// OrgID, OrgSlug and OrgRole describe the active organization; empty
	// when the session has none.
	OrgID, OrgSlug, OrgRole string
	// OrgPermissions are the permissions of the user in the active
	// organization, e.g. "org:invoices:read".
	OrgPermissions []string
	// Features and Plans are the billing features and plans of the session
	// ("fea", "pla" in version 2) with their scope, e.g. "o:dashboard"
	// (the organization's), "u:pro" (the user's).
	Features, Plans []string
	// Actor ("act") is set when the session is an impersonation: it
	// describes who acts on the subject's behalf.
	Actor *Actor

	raw string // the payload, exactly as signed

	// Backing arrays for the short slices above, so that reading a token
	// allocates less (slices into them are capped: appending copies).
	listBuf [8]string
	listLen int
	fvaBuf  [2]int
}

// Actor is the "act" claim of an impersonation session.
type Actor struct {
	// Subject is the ID of the user (or other principal) acting.
	Subject string `json:"sub"`
	// Issuer says who created the actor token, when present.
	Issuer string `json:"iss,omitempty"`
	// SessionID is the actor's session, when present.
	SessionID string `json:"sid,omitempty"`
}

// HasRole reports whether the user's role in the active organization is
// role. "admin" and "org:admin" are the same role.
func (c *Claims) HasRole(role string) bool {
	if c == nil || c.OrgRole == "" {
		return false
	}
	return withOrgPrefix(role) == withOrgPrefix(c.OrgRole)
}

// HasPermission reports whether the user has permission in the active
// organization, e.g. "org:invoices:read".
func (c *Claims) HasPermission(permission string) bool {
	return c != nil && slices.Contains(c.OrgPermissions, permission)
}

// RawJSON returns the token's payload, exactly as it was signed.
func (c *Claims) RawJSON() []byte {
	return []byte(c.raw)
}

// Get returns the raw JSON value of any claim, such as a custom claim of a
// JWT template, and whether the token has it.
func (c *Claims) Get(name string) (json.RawMessage, bool) {
	var out json.RawMessage
	found := false
	eachMember(c.raw, func(m member) error {
		if string(m.name) == name {
			out, found = json.RawMessage(m.raw), true
		}
		return nil
	})
	return out, found
}

// Custom decodes every claim into a map, custom claims included.
func (c *Claims) Custom() (map[string]any, error) {
	var out map[string]any
	err := json.Unmarshal([]byte(c.raw), &out)
	return out, err
}

// MarshalJSON encodes the claims as the token carries them.
func (c *Claims) MarshalJSON() ([]byte, error) {
	return c.RawJSON(), nil
}

func withOrgPrefix(role string) string {
	if strings.HasPrefix(role, "org:") {
		return role
	}
	return "org:" + role
}

// errClaim marks a claim that is valid JSON but not what the claim must
// be (a string "exp", an "aud" of numbers, a date beyond 2^53 s).
var errClaim = errors.New("invalid claim")

// parseClaims fills c from a payload that has been verified. Every
// registered claim of the wrong JSON type is an error: a token that says
// "exp": "soon" is invalid, not unexpiring.
func parseClaims(payload string, c *Claims) error {
	c.raw = payload
	var org, fpmRaw string
	var v2OrgPermissions string
	err := eachMember(payload, func(m member) error {
		var err error
		switch m.name {
		case "sub":
			c.Subject, err = str(m)
		case "sid":
			c.SessionID, err = str(m)
		case "azp":
			c.AuthorizedParty, err = str(m)
		case "iss":
			c.Issuer, err = str(m)
		case "jti":
			c.ID, err = str(m)
		case "sts":
			c.SessionStatus, err = str(m)
		case "exp":
			c.ExpiresAt, err = date(m)
		case "iat":
			c.IssuedAt, err = date(m)
		case "nbf":
			c.NotBefore, err = date(m)
		case "aud":
			switch m.kind {
			case kindString:
				var a string
				a, err = decodeString(m.raw)
				c.Audience = []string{a}
			case kindArray:
				c.Audience, err = stringArray(m.raw)
			default:
				err = errors.New("not a string or an array of strings")
			}
		case "v":
			var n int64
			n, err = numericDate(m)
			c.Version = int(n)
		case "fva":
			if m.kind != kindArray {
				err = errors.New("not an array")
				break
			}
			fva := c.fvaBuf[:0:len(c.fvaBuf)]
			err = eachElement(m.raw, func(kind jsonKind, v string) error {
				n, err := numericDate(member{kind: kind, raw: v})
				fva = append(fva, int(n)) // beyond two, append allocates
				return err
			})
			c.FactorVerificationAge = fva[:len(fva):len(fva)]
		case "org_id":
			c.OrgID, err = str(m)
		case "org_slug":
			c.OrgSlug, err = str(m)
		case "org_role":
			c.OrgRole, err = str(m)
		case "org_permissions":
			if m.kind == kindArray {
				c.OrgPermissions, err = stringArray(m.raw)
			} else if m.kind != kindNull {
				err = errors.New("of the wrong type")
			}
		case "fea":
			c.Features, err = c.list(m)
		case "pla":
			c.Plans, err = c.list(m)
		case "o":
			if m.kind == kindObject {
				org = m.raw
			} else if m.kind != kindNull {
				err = errors.New("of the wrong type")
			}
		case "act":
			if m.kind == kindObject {
				c.Actor = new(Actor)
				err = json.Unmarshal([]byte(m.raw), c.Actor)
			} else if m.kind != kindNull {
				err = errors.New("of the wrong type")
			}
		}
		if err != nil {
			return fmt.Errorf("%w %s: %v", errClaim, m.name, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if c.Version == 0 {
		c.Version = 1
	}
	if c.Version >= 2 && org != "" {
		err = eachMember(org, func(m member) error {
			var err error
			switch m.name {
			case "id":
				c.OrgID, err = str(m)
			case "slg":
				c.OrgSlug, err = str(m)
			case "rol":
				c.OrgRole, err = str(m)
			case "per":
				v2OrgPermissions, err = str(m)
			case "fpm":
				fpmRaw = m.raw
			}
			if err != nil {
				return fmt.Errorf("%w o.%s: %v", errClaim, m.name, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if c.OrgRole != "" {
			c.OrgRole = withOrgPrefix(c.OrgRole)
		}
		var fpm string
		if fpmRaw != "" {
			if fpm, err = decodeString(fpmRaw); err != nil {
				return fmt.Errorf("%w o.fpm: %v", errClaim, err)
			}
		}
		c.OrgPermissions = orgPermissionsV2(c.Features, v2OrgPermissions, fpm)
	}
	return nil
}

// orgPermissionsV2 unpacks the organization permissions of a version 2
// token as Clerk's JavaScript SDK does. "fea" lists scoped features
// ("o:invoices", "u:profile", "ou:projects"); the organization features
// are those scoped "o", "ou" or "uo", in order. "o.per" lists permission
// names ("read,manage"), and "o.fpm" holds, for the i-th organization
// feature, a decimal bit mask over those names, least significant bit
// first. The result is "org:<feature>:<permission>" for every set bit.
func orgPermissionsV2(features []string, per, fpm string) []string {
	if per == "" || fpm == "" {
		return nil
	}
	// One pass to find the set bits, one string for all the permissions
	// (they are substrings of it), one slice: three allocations whatever
	// the number of permissions.
	type grant struct{ feature, perm string }
	var grantsBuf [32]grant
	grants := grantsBuf[:0]
	size := 0
	masks := fpm
	for _, f := range features {
		f = trimSpace(f)
		colon := strings.IndexByte(f, ':')
		if colon < 0 {
			continue
		}
		if scope := f[:colon]; scope != "o" && scope != "ou" && scope != "uo" {
			continue
		}
		name := f[colon+1:]
		if masks == "" {
			break
		}
		m := masks
		if comma := strings.IndexByte(masks, ','); comma >= 0 {
			m, masks = masks[:comma], masks[comma+1:]
		} else {
			masks = ""
		}
		mask, ok := parseMask(trimSpace(m))
		if !ok {
			continue
		}
		rest := per
		for j := 0; mask>>j != 0 && j < 64; j++ {
			perm := rest
			if comma := strings.IndexByte(rest, ','); comma >= 0 {
				perm, rest = rest[:comma], rest[comma+1:]
			} else {
				rest = ""
			}
			if mask&(1<<j) != 0 {
				perm = trimSpace(perm)
				grants = append(grants, grant{name, perm})
				size += len("org:") + len(name) + 1 + len(perm)
			}
			if rest == "" {
				break
			}
		}
	}
	if len(grants) == 0 {
		return nil
	}
	var b strings.Builder
	b.Grow(size)
	for _, g := range grants {
		b.WriteString("org:")
		b.WriteString(g.feature)
		b.WriteByte(':')
		b.WriteString(g.perm)
	}
	all := b.String()
	out := make([]string, len(grants))
	pos := 0
	for i, g := range grants {
		n := len("org:") + len(g.feature) + 1 + len(g.perm)
		out[i] = all[pos : pos+n]
		pos += n
	}
	return out
}

// parseMask reads a decimal bit mask as strconv.ParseUint(s, 10, 64) does
// (digits only, at most 2^64-1), without its cost.
func parseMask(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		hi, lo := bits.Mul64(n, 10)
		sum, carry := bits.Add64(lo, uint64(c-'0'), 0)
		if hi != 0 || carry != 0 {
			return 0, false
		}
		n = sum
	}
	return n, true
}

// trimSpace is strings.TrimSpace, returning s at once when neither end can
// be white space.
func trimSpace(s string) string {
	if s == "" || (s[0] > ' ' && s[0] < utf8.RuneSelf && s[len(s)-1] > ' ' && s[len(s)-1] < utf8.RuneSelf) {
		return s
	}
	return strings.TrimSpace(s)
}

var errNotString = errors.New("not a string")

func str(m member) (string, error) {
	if m.kind != kindString {
		return "", errNotString
	}
	if !m.escaped {
		return m.raw[1 : len(m.raw)-1], nil // already validated by the scanner
	}
	return decodeString(m.raw)
}

func date(m member) (time.Time, error) {
	n, err := numericDate(m)
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(n, 0), nil
}

// list reads a comma-separated string claim ("fea", "pla"), into the
// claims' backing array while it has room.
func (c *Claims) list(m member) ([]string, error) {
	s, err := str(m)
	if err != nil || s == "" {
		return nil, err
	}
	n := strings.Count(s, ",") + 1
	if c.listLen+n > len(c.listBuf) {
		return strings.Split(s, ","), nil
	}
	start := c.listLen
	for i := 0; i < n; i++ {
		item, rest, _ := strings.Cut(s, ",")
		c.listBuf[c.listLen] = item
		c.listLen++
		s = rest
	}
	return c.listBuf[start:c.listLen:c.listLen], nil
}
