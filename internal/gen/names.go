package main

import (
	"strings"
	"unicode"
)

// This file is the one place where names from the spec become Go names.
//
// The rule:
//
//  1. A name is split into words at "_", "-", ".", spaces and camelCase
//     boundaries; each word is capitalised, and words listed in
//     initialisms are written the Go way (id → ID, url → URL, totp → TOTP).
//  2. Component schemas are named by rule 1, then typeOverrides renames the
//     few whose Go names would collide or mislead (see the comments there).
//  3. Types the spec leaves unnamed are named after where they appear:
//     an inline object in property P of type T is T+P, the items of an
//     inline array property P are T+P without a trailing "s", the body of
//     operation M of group G is GMParams, an inline response is GMResponse,
//     and a response that is a bare list of X is XList. typeOverrides
//     applies to these names as well.
//  4. Groups become services named by rule 1 (+ "Service" for the type);
//     groups that then share a Go name are merged into one service.
//     Methods are rule 1 applied to operations.tsv's method name; a list
//     method's iterator is the method name + "Iter".
//
// The generator stops with an error when two different things would get one
// name, so a new spec cannot silently shadow a type.

// initialisms maps a lower-case word to how Go writes it.
var initialisms = map[string]string{
	"api":   "API",
	"hibp":  "HIBP",
	"http":  "HTTP",
	"id":    "ID",
	"ids":   "IDs",
	"ip":    "IP",
	"json":  "JSON",
	"jwks":  "JWKS",
	"jwt":   "JWT",
	"m2m":   "M2M",
	"mfa":   "MFA",
	"oauth": "OAuth",
	"otp":   "OTP",
	"saml":  "SAML",
	"scim":  "SCIM",
	"sms":   "SMS",
	"sso":   "SSO",
	"totp":  "TOTP",
	"uat":   "UAT",
	"url":   "URL",
	"urls":  "URLs",
}

// typeOverrides renames types of the 2021-02-05 spec after rule 1 or 3
// produced a name.
var typeOverrides = map[string]string{
	// The spec's "Client" (a device's sign-in state) would collide with the
	// SDK's own *clerk.Client.
	"Client": "ClientObject",
	// The spec has two schemas that both become SAMLConnection: the full
	// resource ("schemas-SAMLConnection", what the samlConnections
	// operations return) and the summary embedded in a SAML account
	// ("SAMLConnection"). The resource keeps the plain name.
	"SchemasSAMLConnection": "SAMLConnection",
	"SAMLConnection":        "SAMLAccountConnection",
	// Likewise "schemas-Passkey" is the passkey a user owns, and "Passkey"
	// is the verification of one.
	"SchemasPasskey": "Passkey",
	"Passkey":        "PasskeyVerification",
	// The verification strategies of identifications, named like the
	// PasskeyVerification above so that they read as what they are.
	"OTP":           "OTPVerification",
	"Admin":         "AdminVerification",
	"OAuth":         "OAuthVerification",
	"Web3Signature": "Web3SignatureVerification",
	"SAML":          "SAMLVerification",
	"Ticket":        "TicketVerification",
	// "WellKnown.JWKS" is just the instance's JSON Web Key Set.
	"WellKnownJWKS":    "JWKS",
	"WellKnownJWKSKey": "JWK",
	// The items of users.getOAuthAccessToken's response.
	"UsersGetOAuthAccessTokenResponseItem": "OAuthAccessToken",
	"OAuthAccessTokenList":                 "OAuthAccessTokenList",
}

// reserved holds the identifiers no generated type may take: "Client"
// (the generated client itself) and, added by handWrittenNames at start-up,
// every exported identifier of the package's hand-written files.
var reserved = map[string]bool{"Client": true}

// words splits s into words as rule 1 describes.
func words(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r): // "_", "-", ".", " ", "/", "#" (x5t#S256)
			flush()
			continue
		case unicode.IsUpper(r) && len(cur) > 0:
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			// "fooBar" → foo|Bar, "URLFoo" → URL|Foo, "OAuth" stays one
			// word only through the initialisms table below.
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// goName applies rule 1.
func goName(s string) string {
	var b strings.Builder
	ws := words(s)
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		// "OAuth" is split as "O" + "Auth" by the camelCase rule.
		if w == "O" && i+1 < len(ws) && ws[i+1] == "Auth" {
			b.WriteString("OAuth")
			i++
			continue
		}
		if v, ok := initialisms[strings.ToLower(w)]; ok {
			b.WriteString(v)
			continue
		}
		b.WriteString(strings.ToUpper(w[:1]) + w[1:])
	}
	return b.String()
}

// typeName applies rules 2 and 3 to a raw name (the overrides of the
// 2021-02-05 spec).
func typeName(raw string) string {
	return renamed(raw, typeOverrides)
}

// overridesFor returns the type overrides of a spec: currentTypeOverrides
// for the current version's, typeOverrides for 2021-02-05's.
func overridesFor(specPath string) map[string]string {
	if specVersion(specPath) == "2021-02-05" {
		return typeOverrides
	}
	return currentTypeOverrides
}

// currentTypeOverrides is typeOverrides for the current spec (2026-05-12),
// whose schemas name the SAML connection, its summary in an account, and
// the passkey apart already.
var currentTypeOverrides = map[string]string{
	// The spec's "Client" (a device's sign-in state) would collide with the
	// SDK's own *clerk.Client.
	"Client": "ClientObject",
}

// typeName applies rules 2 and 3 with the builder's overrides.
func (b *builder) typeName(raw string) string {
	return renamed(raw, b.overrides)
}

func renamed(raw string, overrides map[string]string) string {
	n := goName(raw)
	if o, ok := overrides[n]; ok {
		return o
	}
	return n
}

// lowerFirst turns a Go name into a parameter name: "UserID" → "userID",
// "ID" → "id", "OAuthApplicationID" → "oauthApplicationID".
func lowerFirst(s string) string {
	ws := words(s)
	if len(ws) == 0 {
		return s
	}
	first := ws[0]
	if first == "O" && len(ws) > 1 && ws[1] == "Auth" {
		return "oauth" + strings.TrimPrefix(s, "OAuth")
	}
	return strings.ToLower(first) + strings.TrimPrefix(s, first)
}

// singular drops one trailing "s" (rule 3, items of an array).
func singular(s string) string {
	if strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss") {
		return s[:len(s)-1]
	}
	return s
}
