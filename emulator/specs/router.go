package specs

import (
	"fmt"
	"net/url"
	"strings"
)

// The methods a spec may declare, in the order of their bits in a
// methodSet.
var methods = [...]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"}

// methodIndex returns the index of method in methods, or -1.
func methodIndex(method string) int {
	switch method {
	case "GET":
		return 0
	case "HEAD":
		return 1
	case "POST":
		return 2
	case "PUT":
		return 3
	case "PATCH":
		return 4
	case "DELETE":
		return 5
	case "OPTIONS":
		return 6
	case "TRACE":
		return 7
	}
	return -1
}

// methodSet is a set of methods, one bit per index in methods.
type methodSet uint8

// names returns the methods of s, sorted.
func (s methodSet) names() []string {
	var out []string
	for _, m := range sortedMethods {
		if s&(1<<methodIndex(m)) != 0 {
			out = append(out, m)
		}
	}
	return out
}

var sortedMethods = [...]string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}

// maxPathParams bounds the parameters of one path template, so that
// matching keeps their values in a fixed array.
const maxPathParams = 8

// node is one segment of the routing tree of a spec. Its children are the
// literal segments that may follow it and at most one parameter segment
// (all templates' parameters at one position share it, whatever their
// names: each operation keeps its own names).
type node struct {
	literals map[string]*node
	param    *node
	ops      [len(methods)]*operation
	methods  methodSet
}

// insert adds op under its path template.
func (n *node) insert(op *operation) error {
	t := op.template
	if !strings.HasPrefix(t, "/") {
		return fmt.Errorf("path %q does not start with /", t)
	}
	var names []string
	for _, seg := range strings.Split(t[1:], "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") && len(seg) > 2 {
			names = append(names, seg[1:len(seg)-1])
			if n.param == nil {
				n.param = &node{}
			}
			n = n.param
			continue
		}
		if strings.ContainsAny(seg, "{}") {
			return fmt.Errorf("path %q: segment %q mixes text and parameters, which the router does not support", t, seg)
		}
		if n.literals == nil {
			n.literals = map[string]*node{}
		}
		c := n.literals[seg]
		if c == nil {
			c = &node{}
			n.literals[seg] = c
		}
		n = c
	}
	if len(names) > maxPathParams {
		return fmt.Errorf("path %q has more than %d parameters", t, maxPathParams)
	}
	i := methodIndex(op.method)
	if i < 0 {
		return fmt.Errorf("%s %s: unsupported method", op.method, t)
	}
	if prev := n.ops[i]; prev != nil {
		return fmt.Errorf("%s %s and %s %s match the same requests", op.method, t, prev.method, prev.template)
	}
	op.pathNames = names
	n.ops[i] = op
	n.methods |= 1 << i
	return nil
}

// matchState is the scratch space of one match: it lives on the
// caller's stack.
type matchState struct {
	method  int                   // index in methods, or -1
	vals    [maxPathParams]string // unescaped parameter values, in path order
	allowed methodSet             // methods of every node the whole path matched
}

// find returns the operation serving st.method at path below n, or nil.
// path is what remains of the request path: "" at the end, or "/seg...".
// Literal children are tried before the parameter child; a branch that
// matches the path but lacks the method falls through to the next one
// (recording its methods in st.allowed for the 405).
func (n *node) find(path string, st *matchState, np int) *operation {
	if path == "" {
		if n.methods == 0 {
			return nil
		}
		st.allowed |= n.methods
		if st.method >= 0 {
			return n.ops[st.method]
		}
		return nil
	}
	if path[0] != '/' {
		return nil
	}
	seg, rest := path[1:], ""
	if i := strings.IndexByte(seg, '/'); i >= 0 {
		seg, rest = seg[:i], seg[i:]
	}
	escaped := strings.IndexByte(seg, '%') >= 0
	if n.literals != nil {
		key := seg
		if escaped {
			key, _ = url.PathUnescape(seg) // "" on a bad escape: no literal is empty
		}
		if c := n.literals[key]; c != nil {
			if op := c.find(rest, st, np); op != nil {
				return op
			}
		}
	}
	if n.param != nil && seg != "" && np < maxPathParams {
		val := seg
		if escaped {
			var err error
			if val, err = url.PathUnescape(seg); err != nil {
				return nil
			}
		}
		st.vals[np] = val
		if op := n.param.find(rest, st, np+1); op != nil {
			return op
		}
	}
	return nil
}
