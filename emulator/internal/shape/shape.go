// Package shape rewrites the emulator's answers, encoded in the 2021-02-05
// shape of the SDK's models, into the shapes of later API versions: for
// the HTTP layer's answers, and for webhook events, which carry the
// current shapes.
package shape

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"strings"
)

// legacyShapes are the API versions whose specs give verifications no
// "object" discriminator, users no enterprise_accounts and clients no
// last_authentication_strategy: 2021-02-05, the shape the SDK's models
// follow, and 2025-03-12, whose published spec has that older shape too.
// Every other version has the newer shapes.
var legacyShapes = map[string]bool{"2021-02-05": true, "2025-03-12": true}

// ForVersion rewrites an answer, encoded in the 2021-02-05 shape of
// the SDK's models, into the shape of a later API version: users get the
// enterprise_accounts list the later versions require, clients their
// last_authentication_strategy (null), sign-ups their legal_accepted_at
// (null), and the verifications of
// identifications (email addresses, phone numbers, web3
// wallets, passkeys, SAML and external accounts) their "object"
// discriminator (verification_admin, ...).
//
// It works on the bytes, without decoding: answers are the emulator's own
// compact JSON. It walks their structure rather than searching for
// patterns, so that metadata, template claims and other values that hold
// arbitrary JSON are never rewritten, even when they contain
// {"object":"user"} or a "verification" object. The resources it looks at
// are the answer itself, the elements of an answer that is a list, and
// the elements of a page's "data"; an answer it cannot read is returned
// as it is. 2021-02-05 and 2025-03-12 keep the old shape.
func ForVersion(data []byte, version string) []byte {
	if version != "2021-02-05" {
		data = laterActorToken(data)
	}
	if legacyShapes[version] {
		return legacyOrganizationSettings(data)
	}
	// Most answers need nothing: no user, client or verification.
	if !bytes.Contains(data, []byte(`"object":"user"`)) && !bytes.Contains(data, []byte(`"verification":{`)) &&
		!bytes.Contains(data, []byte(`"object":"client"`)) && !bytes.Contains(data, []byte(`"object":"sign_up_attempt"`)) {
		return data
	}
	var s shaper
	if !s.answer(data) || len(s.inserts) == 0 {
		return data
	}
	slices.SortFunc(s.inserts, func(a, b insertion) int { return cmp.Compare(a.at, b.at) })
	size := len(data)
	for _, in := range s.inserts {
		size += len(in.text)
	}
	out := make([]byte, 0, size)
	last := 0
	for _, in := range s.inserts { // in the order of their positions
		out = append(out, data[last:in.at]...)
		out = append(out, in.text...)
		last = in.at
	}
	return append(out, data[last:]...)
}

// insertion is text to insert at a position of an answer.
type insertion struct {
	at   int
	text string
}

// shaper collects the insertions that reshape an answer. Its buffers are
// reused from one object to the next at each level (resources, their
// identifications, verifications), so that reshaping a list of users
// allocates little.
type shaper struct {
	inserts                 []insertion
	resources, idns, fields []jsonMember
	resourceElems, idnElems []int
}

// jsonMember is one member of an object: its name (in the answer's bytes)
// and where its value starts and ends.
type jsonMember struct {
	name       []byte
	start, end int
}

// answer reads the top-level value of data, which must be an object or an
// array, and reports false when it cannot.
func (s *shaper) answer(data []byte) bool {
	switch {
	case len(data) > 0 && data[0] == '[':
		return s.list(data, 0)
	case len(data) > 0 && data[0] == '{':
		members, ok := objectMembers(s.resources[:0], data, 0)
		if !ok {
			return false
		}
		for _, m := range members {
			if string(m.name) == "data" && data[m.start] == '[' {
				return s.list(data, m.start) // a page: {data, total_count}
			}
		}
		s.resources = members
		return s.resource(data, 0, members)
	}
	return false
}

// list reshapes every object of the array at i.
func (s *shaper) list(data []byte, i int) bool {
	elems, ok := arrayElements(s.resourceElems[:0], data, i)
	if !ok {
		return false
	}
	s.resourceElems = elems
	for _, e := range elems {
		if data[e] != '{' {
			continue
		}
		members, ok := objectMembers(s.resources[:0], data, e)
		if !ok {
			return false
		}
		s.resources = members
		if !s.resource(data, e, members) {
			return false
		}
	}
	return true
}

// identificationLists are the members of a user that list
// identifications, each with a verification.
var identificationLists = map[string]bool{
	"email_addresses": true, "phone_numbers": true, "web3_wallets": true, "passkeys": true,
	"saml_accounts": true, "external_accounts": true,
}

// identificationObjects are the "object" values of identifications.
var identificationObjects = map[string]bool{
	"email_address": true, "phone_number": true, "web3_wallet": true, "passkey": true, "saml_account": true,
	"external_account": true, "google_account": true, "facebook_account": true,
}

// resource reshapes the object at i, whose members are members.
func (s *shaper) resource(data []byte, i int, members []jsonMember) bool {
	object, objectEnd := "", -1
	deleted, enterprise, lastStrategy, legalAccepted := false, false, false, false
	for _, m := range members {
		switch string(m.name) {
		case "object":
			object, _ = stringContent(data, m)
			objectEnd = m.end
		case "deleted":
			deleted = true
		case "enterprise_accounts":
			enterprise = true
		case "last_authentication_strategy":
			lastStrategy = true
		case "legal_accepted_at":
			legalAccepted = true
		}
	}
	switch {
	case object == "user" && !deleted:
		if !enterprise {
			s.inserts = append(s.inserts, insertion{objectEnd, `,"enterprise_accounts":[]`})
		}
		for _, m := range members {
			if !identificationLists[string(m.name)] || data[m.start] != '[' {
				continue
			}
			elems, ok := arrayElements(s.idnElems[:0], data, m.start)
			if !ok {
				return false
			}
			s.idnElems = elems
			for _, e := range elems {
				if data[e] != '{' {
					continue
				}
				idn, ok := objectMembers(s.idns[:0], data, e)
				if !ok {
					return false
				}
				s.idns = idn
				if !s.verification(data, idn) {
					return false
				}
			}
		}
	case object == "sign_up_attempt" && !legalAccepted:
		// The emulator records no legal acceptance.
		s.inserts = append(s.inserts, insertion{objectEnd, `,"legal_accepted_at":null`})
	case object == "client" && !deleted && !lastStrategy:
		// Always null: the emulator's sessions are created by the Backend
		// API, not by a sign-in strategy.
		s.inserts = append(s.inserts, insertion{objectEnd, `,"last_authentication_strategy":null`})
	case identificationObjects[object]:
		return s.verification(data, members)
	}
	return true
}

// verification gives the verification object among an identification's
// members its "object" discriminator.
func (s *shaper) verification(data []byte, members []jsonMember) bool {
	for _, m := range members {
		if string(m.name) != "verification" || data[m.start] != '{' {
			continue
		}
		vm, ok := objectMembers(s.fields[:0], data, m.start)
		if !ok {
			return false
		}
		s.fields = vm
		strategy := ""
		for _, f := range vm {
			if string(f.name) == "object" {
				return true // shaped already
			}
			if string(f.name) == "strategy" {
				strategy, _ = stringContent(data, f)
			}
		}
		text := `"object":"` + verificationObject(strategy) + `"`
		if len(vm) > 0 {
			text += ","
		}
		s.inserts = append(s.inserts, insertion{m.start + 1, text})
	}
	return true
}

// verificationObject is the discriminator of a verification by strategy.
func verificationObject(strategy string) string {
	switch {
	case strategy == "admin":
		return "verification_admin"
	case strings.HasPrefix(strategy, "oauth_"):
		return "verification_from_oauth"
	case strategy == "ticket", strategy == "saml", strategy == "email_link", strategy == "scim",
		strategy == "passkey", strategy == "google_one_tap":
		return "verification_" + strategy
	case strings.HasPrefix(strategy, "web3_"):
		return "verification_web3"
	}
	return "verification_otp" // email_code, phone_code, reset_password_email_code
}

// objectMembers appends to members the members of the object at i of
// compact JSON.
func objectMembers(members []jsonMember, data []byte, i int) ([]jsonMember, bool) {
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}
	i++
	if i < len(data) && data[i] == '}' {
		return members, true
	}
	for i < len(data) {
		if data[i] != '"' {
			return nil, false
		}
		end := skipJSON(data, i)
		if end < 0 || end >= len(data) || data[end] != ':' {
			return nil, false
		}
		name := data[i+1 : end-1] // the emulator's member names have no escapes
		start := end + 1
		end = skipJSON(data, start)
		if end < 0 {
			return nil, false
		}
		members = append(members, jsonMember{name: name, start: start, end: end})
		if end < len(data) && data[end] == ',' {
			i = end + 1
			continue
		}
		if end < len(data) && data[end] == '}' {
			return members, true
		}
		return nil, false
	}
	return nil, false
}

// arrayElements appends to elems where the elements of the array at i of
// compact JSON start.
func arrayElements(elems []int, data []byte, i int) ([]int, bool) {
	if i >= len(data) || data[i] != '[' {
		return nil, false
	}
	i++
	if i < len(data) && data[i] == ']' {
		return elems, true
	}
	for i < len(data) {
		end := skipJSON(data, i)
		if end < 0 {
			return nil, false
		}
		elems = append(elems, i)
		if end < len(data) && data[end] == ',' {
			i = end + 1
			continue
		}
		if end < len(data) && data[end] == ']' {
			return elems, true
		}
		return nil, false
	}
	return nil, false
}

// skipJSON returns the position after the value at i of compact JSON, or
// -1 when it ends first.
func skipJSON(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		for j := i + 1; j < len(data); j++ {
			switch data[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return -1
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end := skipJSON(data, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(data) && data[j] != ',' && data[j] != '}' && data[j] != ']' {
		j++
	}
	return j
}

// stringContent returns the content of a member whose value is a string
// without escapes.
func stringContent(data []byte, m jsonMember) (string, bool) {
	v := data[m.start:m.end]
	if len(v) < 2 || v[0] != '"' || bytes.IndexByte(v, '\\') >= 0 {
		return "", false
	}
	return string(v[1 : len(v)-1]), true
}

// legacyOrgSettingsFields are the members of the organization settings
// (PATCH /v1/instance/organization_settings) that the legacy specs do not
// allow (additionalProperties: false) while the later ones require
// max_allowed_domains: the domain answers the later shape, and the legacy
// versions get it without them.
var legacyOrgSettingsFields = []string{"max_allowed_domains", "max_role_sets_allowed", "slug_disabled", "initial_role_set_key"}

// legacyOrganizationSettings drops legacyOrgSettingsFields from an answer
// that is the instance's organization settings; other answers are
// returned as they are.
func legacyOrganizationSettings(data []byte) []byte {
	if !bytes.HasPrefix(data, []byte(`{"object":"organization_settings"`)) {
		return data
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return data
	}
	for _, f := range legacyOrgSettingsFields {
		delete(m, f)
	}
	out, err := json.Marshal(m)
	if err != nil {
		return data
	}
	return out
}

// laterActorToken drops the null token and url of an answer that is an
// actor token (a revoked one): 2021-02-05 has them nullable, while every
// later spec has them strings, left out when there are none. Other
// answers are returned as they are.
func laterActorToken(data []byte) []byte {
	if !bytes.Contains(data, []byte(`"object":"actor_token"`)) {
		return data
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil || string(m["object"]) != `"actor_token"` {
		return data
	}
	changed := false
	for _, f := range []string{"token", "url"} {
		if v, ok := m[f]; ok && string(v) == "null" {
			delete(m, f)
			changed = true
		}
	}
	if !changed {
		return data
	}
	out, err := json.Marshal(m)
	if err != nil {
		return data
	}
	return out
}
