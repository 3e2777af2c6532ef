package main

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestGoNameFollowsGoInitialisms(t *testing.T) {
	tests := map[string]string{
		"user_id":                       "UserID",
		"getOAuthAccessToken":           "GetOAuthAccessToken",
		"deleteTotp":                    "DeleteTOTP",
		"verifyTOTP":                    "VerifyTOTP",
		"redirectUrls":                  "RedirectURLs",
		"redirectURLs":                  "RedirectURLs",
		"emailAndSmsTemplates":          "EmailAndSMSTemplates",
		"WellKnown.JWKS":                "WellKnownJWKS",
		"schemas-SAMLConnection":        "SchemasSAMLConnection",
		"idp_sso_url":                   "IdpSSOURL",
		"session_ids":                   "SessionIDs",
		"web3_wallet_identification_id": "Web3WalletIdentificationID",
		"oauth_application_id":          "OAuthApplicationID",
		"hibp":                          "HIBP",
	}
	for in, want := range tests {
		if got := goName(in); got != want {
			t.Errorf("goName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParameterNamesStartLowerCase(t *testing.T) {
	tests := map[string]string{
		"user_id":              "userID",
		"id":                   "id",
		"oauth_application_id": "oauthApplicationID",
		"template_type":        "templateType",
		"slug":                 "slug",
	}
	for in, want := range tests {
		if got := lowerFirst(goName(in)); got != want {
			t.Errorf("lowerFirst(goName(%q)) = %q, want %q", in, got, want)
		}
	}
}

func TestCollidingSchemasGetDistinctNames(t *testing.T) {
	tests := map[string]string{
		"Client":                 "ClientObject",
		"SAMLConnection":         "SAMLAccountConnection",
		"schemas-SAMLConnection": "SAMLConnection",
		"Passkey":                "PasskeyVerification",
		"schemas-Passkey":        "Passkey",
		"User":                   "User",
	}
	for in, want := range tests {
		if got := typeName(in); got != want {
			t.Errorf("typeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGeneratorRefusesTwoTypesWithOneName(t *testing.T) {
	b := &builder{types: map[string]*typeDef{}, reserved: reserved}
	b.addType(&typeDef{Name: "User"})
	b.addType(&typeDef{Name: "User"})
	b.addType(&typeDef{Name: "Client"})
	if len(b.errs) != 2 {
		t.Fatalf("want 2 errors, got %v", b.errs)
	}
	if !strings.Contains(b.errs[0].Error(), "two types would be named User") ||
		!strings.Contains(b.errs[1].Error(), "hand-written") {
		t.Errorf("unexpected errors: %v", b.errs)
	}
}

func TestOneOfVariantsMergeIntoOneStruct(t *testing.T) {
	str := func(enum ...any) *openapi3.SchemaRef {
		return &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{"string"}, Enum: enum}}
	}
	integer := &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{"integer"}}}
	a := &openapi3.Schema{Type: &openapi3.Types{"object"}, Required: []string{"strategy", "attempts"},
		Properties: openapi3.Schemas{"strategy": str("email_code"), "attempts": integer}}
	b2 := &openapi3.Schema{Type: &openapi3.Types{"object"}, Required: []string{"strategy"},
		Properties: openapi3.Schemas{"strategy": str("admin"), "nonce": str()}}
	doc := &openapi3.T{Components: &openapi3.Components{Schemas: openapi3.Schemas{
		"A": {Value: a}, "B": {Value: b2},
	}}}
	bl := &builder{doc: doc, types: map[string]*typeDef{}, schemaOf: map[string]string{}, built: map[string]bool{}}
	u := bl.unionType("Verification", &openapi3.Schema{OneOf: openapi3.SchemaRefs{
		{Ref: "#/components/schemas/A", Value: a}, {Ref: "#/components/schemas/B", Value: b2},
	}})
	if len(bl.errs) > 0 {
		t.Fatal(bl.errs)
	}
	got := map[string]string{}
	for _, f := range u.Fields {
		got[f.Name] = f.Type + " " + f.Doc
	}
	// Required by every variant: a value. Missing from one: a pointer.
	if got["Strategy"] != `string One of "email_code", "admin".` {
		t.Errorf("Strategy: %q", got["Strategy"])
	}
	if !strings.HasPrefix(got["Attempts"], "*int64") || !strings.HasPrefix(got["Nonce"], "*string") {
		t.Errorf("Attempts %q, Nonce %q: want pointers", got["Attempts"], got["Nonce"])
	}
}
