package main

import (
	"fmt"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// The generator's corrections of what the specs get wrong or type loosely,
// all here: integerNumbers and openObject (model.go's fields), boolString
// and boolQuery (ops.go's query parameters) and fixSpec.

// integerNumbers are the properties the spec types as "number" that hold
// integers (Unix milliseconds, seconds, counts): int64, as in the rest of
// the API, not float64.
var integerNumbers = map[string]bool{
	"created_at": true, "updated_at": true, "expiration": true, "last_used_at": true,
	"total_count": true, "seconds_until_expiration": true,
}

// missingProperties are properties a schema of the current spec requires
// without describing them, with their types as Clerk answers them.
var missingProperties = map[string]map[string]string{
	"SAMLConnection":       {"authenticatable": "boolean", "disable_jit_provisioning": "boolean"},
	"EnterpriseConnection": {"authenticatable": "boolean", "disable_jit_provisioning": "boolean"},
}

// wronglyRequired are properties a schema requires that its objects do not
// have: an RSA key has no curve.
var wronglyRequired = map[string][]string{
	"JWKS.rsa.PrivateKey": {"crv"},
}

// fixSpec corrects doc in place, before any type is built from it.
func fixSpec(doc *openapi3.T) {
	for name, props := range missingProperties {
		s := doc.Components.Schemas[name]
		if s == nil || s.Value == nil {
			continue
		}
		for prop, typ := range props {
			if _, ok := s.Value.Properties[prop]; !ok && slices.Contains(s.Value.Required, prop) {
				s.Value.Properties[prop] = &openapi3.SchemaRef{Value: &openapi3.Schema{Type: &openapi3.Types{typ}}}
			}
		}
	}
	for name, props := range wronglyRequired {
		if s := doc.Components.Schemas[name]; s != nil && s.Value != nil {
			s.Value.Required = slices.DeleteFunc(s.Value.Required, func(r string) bool { return slices.Contains(props, r) })
		}
	}
}

// boolString reports whether a string schema is a boolean spelled out, the
// enum "true", "false" (a query parameter): a *bool for the SDK's users,
// sent as the same words.
func boolString(s *openapi3.Schema) bool {
	if len(s.Enum) != 2 {
		return false
	}
	vals := []string{fmt.Sprint(s.Enum[0]), fmt.Sprint(s.Enum[1])}
	slices.Sort(vals)
	return vals[0] == "false" && vals[1] == "true"
}

// boolQuery are string query parameters that are booleans spelled out
// without an enum saying so ("`true` or `false`"), by operationId.name.
var boolQuery = map[string]bool{
	"ListOrganizationDomains.verified": true,
}

// openObject reports whether p is an inline object that names some
// properties and accepts others too (additionalProperties: true): in a
// request, a map[string]any, so that the others can be sent.
func openObject(p *openapi3.SchemaRef) bool {
	v := p.Value
	return p.Ref == "" && v != nil && v.Type.Is("object") && len(v.Properties) > 0 &&
		v.AdditionalProperties.Has != nil && *v.AdditionalProperties.Has
}
