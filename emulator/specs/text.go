package specs

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text that no store keeps.
//
// Clerk keeps its data in PostgreSQL, whose text and jsonb types refuse
// the NUL character (U+0000) and invalid UTF-8; SQLite keeps both. So
// that the local server answers the same on either store, and as Clerk
// does, every string a request carries (path parameters, query names and
// values, form fields, and every string and object key of a JSON body,
// metadata included) is checked before anything else looks at it. One
// that holds NUL or is not UTF-8 is refused with Clerk's 422
// form_param_value_invalid ("invalid character encoding"), naming the
// parameter: a JSON body's by its dotted path ("public_metadata.plan").
// A JSON body as a whole must be UTF-8 (RFC 8259): one that is not is a
// 400 request_body_invalid.

// textProblem says what makes s unfit to store, or "" when nothing does.
func textProblem(s string) string {
	switch {
	case strings.IndexByte(s, 0) >= 0:
		return "a NUL character (U+0000)"
	case !utf8.ValidString(s):
		return "invalid UTF-8 characters"
	}
	return ""
}

// badText is the error for a parameter whose text has a problem.
func badText(name, problem string) *Error {
	name = strings.ToValidUTF8(clip(name), "\ufffd")
	if name == "" {
		name = "The request body"
	}
	return &Error{Status: 422, Code: "form_param_value_invalid", Message: "invalid character encoding",
		LongMessage: name + " contains " + problem + ".", ParamName: name}
}

// checkValuesText checks the names and values of a query or form.
func checkValuesText(vals map[string][]string) *Error {
	for _, k := range slices.Sorted(maps.Keys(vals)) {
		if p := textProblem(k); p != "" {
			return badText(k, "a name with "+p)
		}
		for _, v := range vals[k] {
			if p := textProblem(v); p != "" {
				return badText(strings.TrimSuffix(k, "[]"), p)
			}
		}
	}
	return nil
}

// checkJSONText checks every string and object key of a decoded JSON
// value, in a fixed order (keys sorted), and names the first bad one by
// its dotted path from the body's root.
func checkJSONText(v any, path string) *Error {
	switch x := v.(type) {
	case string:
		if p := textProblem(x); p != "" {
			return badText(path, p)
		}
	case []any:
		for i, e := range x {
			if err := checkJSONText(e, joinPath(path, strconv.Itoa(i))); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if p := textProblem(k); p != "" {
				return badText(joinPath(path, k), "a name with "+p)
			}
			if err := checkJSONText(x[k], joinPath(path, k)); err != nil {
				return err
			}
		}
	}
	return nil
}
