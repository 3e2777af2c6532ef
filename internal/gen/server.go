package main

import (
	"strconv"
	"strings"
)

// The server's side of every operation (templates/server.go.tmpl): for
// each service of the SDK, an interface the local Backend API implements
// with the SDK's own signature, and the route that decodes a validated
// request into the SDK's params and calls it. What the server does
// differently from the SDK's signature is here, and only here.

// serverEncodedResults are the operations whose server method returns its
// answer already encoded, as emulator.JSON[T] of the SDK's result type T:
// GET user and list users are served from the stored JSON without decoding
// and encoding it (their fast paths), and the answers of organizations,
// OAuth applications, SAML connections, the instance's restrictions and
// organization settings carry what later API versions add to the
// 2021-02-05 models (an invitation's url and expires_at, an organization's
// has_image, an OAuth application's redirect_uris, a SAML connection's
// login_hint, max_allowed_domains, ...).
var serverEncodedResults = map[string]bool{
	"GetUser": true, "GetUserList": true,
	"ListOrganizations": true, "CreateOrganization": true, "GetOrganization": true, "UpdateOrganization": true,
	"MergeOrganizationMetadata": true, "UploadOrganizationLogo": true, "DeleteOrganizationLogo": true,
	"CreateOrganizationMembership": true, "ListOrganizationMemberships": true, "UpdateOrganizationMembership": true,
	"DeleteOrganizationMembership": true, "UpdateOrganizationMembershipMetadata": true, "InstanceGetOrganizationMemberships": true,
	"ListInstanceOrganizationInvitations": true, "CreateOrganizationInvitation": true, "ListOrganizationInvitations": true,
	"CreateOrganizationInvitationBulk": true, "ListPendingOrganizationInvitations": true, "GetOrganizationInvitation": true,
	"RevokeOrganizationInvitation": true,
	"CreateOrganizationDomain":     true, "ListOrganizationDomains": true, "UpdateOrganizationDomain": true,
	"UsersGetOrganizationMemberships": true, "UsersGetOrganizationInvitations": true,
	"ListOAuthApplications": true, "CreateOAuthApplication": true, "GetOAuthApplication": true,
	"UpdateOAuthApplication": true, "RotateOAuthApplicationSecret": true,
	"ListSAMLConnections": true, "CreateSAMLConnection": true, "GetSAMLConnection": true, "UpdateSAMLConnection": true,
	"UpdateInstanceRestrictions": true, "UpdateInstanceOrganizationSettings": true,
}

// serverNumberBodies are the operations whose JSON body is decoded with
// numbers kept as json.Number, so that free-form values (a JWT template's
// claims) are stored exactly as sent.
var serverNumberBodies = map[string]bool{"CreateJWTTemplate": true, "UpdateJWTTemplate": true}

// laterParam is a parameter that a later API version adds to an
// operation and the server honours.
type laterParam struct {
	Name string // spec name, e.g. "expires_in_seconds"
	In   string // "query" or "body"
	Kind string // Go type of the value: "string", "int64", "bool"
}

// Field is the Go field name of p.
func (p laterParam) Field() string { return goName(p.Name) }

// serverLaterParams are the parameters later API versions add to an
// operation that the server already honours, while the SDK's params types
// are those of 2021-02-05. The server method gets them in a struct of its
// own (<Service><Method>Later). Moving the SDK to the current API version
// makes this table unnecessary.
var serverLaterParams = map[string][]laterParam{
	"ListJWTTemplates":               {{"limit", "query", "int64"}, {"offset", "query", "int64"}},
	"CreateSessionTokenFromTemplate": {{"expires_in_seconds", "body", "int64"}},
	"CreateSignInToken":              {{"org_id", "body", "string"}},
	"UpdateSignUp":                   {{"custom_action", "body", "bool"}},
	"ListRedirectURLs":               {{"limit", "query", "int64"}, {"offset", "query", "int64"}},
	"CreateOAuthApplication": {{"redirect_uris", "body", "[]string"}, {"consent_screen_enabled", "body", "bool"},
		{"pkce_required", "body", "bool"}},
	"UpdateOAuthApplication": {{"redirect_uris", "body", "[]string"}, {"consent_screen_enabled", "body", "bool"},
		{"pkce_required", "body", "bool"}},
	"ListOAuthApplications":              {{"name_query", "query", "string"}, {"order_by", "query", "string"}},
	"ListSAMLConnections":                {{"query", "query", "string"}, {"order_by", "query", "string"}},
	"CreateSAMLConnection":               {{"domains", "body", "[]string"}},
	"UpdateSAMLConnection":               {{"domains", "body", "[]string"}},
	"ListAllowlistIdentifiers":           {{"limit", "query", "int64"}, {"offset", "query", "int64"}},
	"UpdateInstance":                     {{"preferred_sign_in_strategy_when_password_required", "body", "string"}},
	"UpdateInstanceRestrictions":         {{"allowlist_blocklist_disabled_on_sign_in", "body", "bool"}},
	"UpdateInstanceOrganizationSettings": {{"slug_disabled", "body", "bool"}},
}

// laterType names the struct of o's later parameters, "" when it has
// none.
func laterType(o *operation) string {
	if len(serverLaterParams[o.OperationID]) == 0 {
		return ""
	}
	return o.Service.Name + o.Name + "Later"
}

// laterBody reports whether o has later parameters in its body.
func laterBody(o *operation) bool {
	for _, p := range serverLaterParams[o.OperationID] {
		if p.In == "body" {
			return true
		}
	}
	return false
}

// serverResult is the result type of o's server method ("" for error
// only), qualified for package httpapi.
func serverResult(o *operation) string {
	switch {
	case serverEncodedResults[o.OperationID]:
		return "JSON[" + strings.TrimPrefix(qualify(o.Result), "*") + "]"
	case o.Result == "":
		return ""
	}
	return qualify(o.Result)
}

// serverModels is the package of the server's models and parameters (the
// 2021-02-05 ones, generated into internal/v2021), as its files name it.
const serverModels = "v2021"

// qualify prefixes the type names of the server's models in t with their
// package's name.
func qualify(t string) string {
	prefix := ""
	for {
		switch {
		case strings.HasPrefix(t, "*"):
			prefix, t = prefix+"*", t[1:]
			continue
		case strings.HasPrefix(t, "[]"):
			prefix, t = prefix+"[]", t[2:]
			continue
		}
		break
	}
	switch t {
	case "byte", "string", "any", "int64", "bool":
		return prefix + t
	}
	if strings.HasPrefix(t, "map[") {
		return prefix + t
	}
	return prefix + serverModels + "." + t
}

// serverSignature is signature with the package's types qualified, and
// the later parameters last.
func serverSignature(o *operation) string {
	s := signature(o)
	if o.Params != nil {
		s = strings.Replace(s, o.Params.Name, serverModels+"."+o.Params.Name, 1)
	}
	if t := laterType(o); t != "" {
		s += ", later *" + t
	}
	return s
}

// queryDecoder names the function of package httpapi that reads a query
// parameter of kind k.
func queryDecoder(k string) string {
	switch k {
	case "string":
		return "queryString"
	case "int64":
		return "queryInt"
	case "bool":
		return "queryBool"
	case "[]string":
		return "queryStrings"
	}
	panic("gen: no query decoder for " + k)
}

// serverArgs renders the arguments a route passes to o's server method.
func serverArgs(o *operation) string {
	parts := []string{"ctx"}
	for _, p := range o.PathParams {
		parts = append(parts, "req.Route.PathParams["+strconv.Quote(p.Name)+"]")
	}
	switch {
	case o.Params == nil:
	case o.Body == "jsonArray":
		parts = append(parts, "params")
	default:
		parts = append(parts, "&params")
	}
	if laterType(o) != "" {
		parts = append(parts, "&later")
	}
	return strings.Join(parts, ", ")
}
