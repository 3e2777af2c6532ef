package main

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// The README's table of what changed for users of the seed's SDK: for
// every operation in both the SDK's model (the current version) and the
// server's (2021-02-05), the parameters added, removed or retyped, and a
// result of another type. Derived from the two models, so it cannot go
// stale.

// opChange is one operation's differences.
type opChange struct {
	Method  string // e.g. "Organizations.Update"
	Changes []string
}

// changes compares the operations of m (current) and old (2021-02-05).
func changes(m, old *model) []opChange {
	olds := map[string]*operation{}
	for _, s := range old.Services {
		for _, o := range s.Ops {
			olds[o.OperationID] = o
		}
	}
	var out []opChange
	for _, s := range m.Services {
		for _, o := range s.Ops {
			prev := olds[o.OperationID]
			if prev == nil {
				continue
			}
			var cs []string
			now, was := paramFields(o), paramFields(prev)
			for _, name := range slices.Sorted(maps.Keys(was)) {
				switch t, ok := now[name]; {
				case !ok:
					cs = append(cs, fmt.Sprintf("`%s` removed", name))
				case t != was[name]:
					cs = append(cs, fmt.Sprintf("`%s` is `%s` (was `%s`)", name, t, was[name]))
				}
			}
			var added []string
			for _, name := range slices.Sorted(maps.Keys(now)) {
				if _, ok := was[name]; !ok {
					added = append(added, "`"+name+"`")
				}
			}
			if len(added) > 0 {
				cs = append(cs, "added "+strings.Join(added, ", "))
			}
			if o.Result != prev.Result {
				cs = append(cs, fmt.Sprintf("returns `%s` (was `%s`)", orNone(o.Result), orNone(prev.Result)))
			}
			if len(cs) > 0 {
				out = append(out, opChange{Method: s.Name + "." + o.Name, Changes: cs})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Method < out[j].Method })
	return out
}

// paramFields maps the fields of an operation's params type to their types.
func paramFields(o *operation) map[string]string {
	out := map[string]string{}
	if o.Params != nil {
		for _, f := range o.Params.Fields {
			out[f.Name] = f.Type
		}
	}
	return out
}

func orNone(t string) string {
	if t == "" {
		return "only an error"
	}
	return t
}
