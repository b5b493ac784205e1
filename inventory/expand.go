package inventory

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// What a document may expand to once aliases and merge keys are resolved,
// counting a node again at every alias that names it: a few kilobytes of
// anchors must not become gigabytes of values to decode, validate and
// render. The largest valid site (MaxHosts hosts with every key set) is
// about 3,100,000 nodes and 32 MiB of text.
const (
	MaxExpandedNodes = 5_000_000
	MaxExpandedBytes = 64 << 20
)

// An expander turns the parsed document into the document it means: every
// alias replaced by the node it names, and every merge key (<<) replaced by
// the entries it brings in, explicit keys taking precedence and, in a list
// of merged mappings, earlier ones over later ones, as YAML's merge key
// type defines. The result has no AliasNode and no merge key, so every rule
// after it (limits, decoding, validation, positions) sees one document.
//
// Nodes keep the position where they were written, so an error in a value
// brought in by an alias is reported where that value is. An aliased node
// is expanded once and shared, not copied; expandedSize counts it at every
// use.
type expander struct {
	file   string
	done   map[*yaml.Node]*yaml.Node // anchored nodes already expanded
	active map[*yaml.Node]bool       // anchored nodes being expanded: an alias to one is a cycle
	work   int                       // nodes created and entries copied, bounded by MaxExpandedNodes
	errs   ErrorList
	fatal  *Error // the expansion was stopped: nothing after it may run
}

func newExpander(file string) *expander {
	return &expander{file: file, done: map[*yaml.Node]*yaml.Node{}, active: map[*yaml.Node]bool{}}
}

func (x *expander) errAt(n *yaml.Node, path, format string, args ...any) {
	x.errs = append(x.errs, &Error{File: x.file, Pos: Pos{n.Line, n.Column}, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// spend counts n units of work and stops the expansion once the budget is
// gone: merging a large mapping into many others copies its entries each
// time, which costs memory before any size is known.
func (x *expander) spend(n int, at *yaml.Node, path string) bool {
	x.work += n
	if x.work > MaxExpandedNodes && x.fatal == nil {
		x.fatal = &Error{File: x.file, Pos: Pos{at.Line, at.Column}, Path: path,
			Msg: fmt.Sprintf("the document expands to more than %d values once aliases and merge keys are resolved", MaxExpandedNodes)}
	}
	return x.fatal == nil
}

// expand returns what n means. path is where n is written, for errors.
func (x *expander) expand(n *yaml.Node, path string) *yaml.Node {
	if x.fatal != nil {
		return n
	}
	if n.Kind == yaml.AliasNode {
		target := n.Alias
		if target == nil {
			return nullNode(n)
		}
		if e, ok := x.done[target]; ok {
			return e
		}
		if x.active[target] {
			x.errAt(n, path, "alias *%s is inside the node it names, which would never end", n.Value)
			return nullNode(n)
		}
		return x.expand(target, path)
	}
	if n.Anchor != "" {
		x.active[n] = true
		defer delete(x.active, n)
	}
	e := n
	switch n.Kind {
	case yaml.SequenceNode:
		e = x.sequence(n, path)
	case yaml.MappingNode:
		e = x.mapping(n, path)
	}
	if n.Anchor != "" {
		x.done[n] = e
	}
	return e
}

// sequence expands the items of n, copying n only when one of them changed.
func (x *expander) sequence(n *yaml.Node, path string) *yaml.Node {
	var out []*yaml.Node
	for i, c := range n.Content {
		e := x.expand(c, fmt.Sprintf("%s[%d]", path, i))
		if e != c && out == nil {
			out = make([]*yaml.Node, len(n.Content))
			copy(out, n.Content[:i])
		}
		if out != nil {
			out[i] = e
		}
	}
	if out == nil || !x.spend(len(out), n, path) {
		return n
	}
	cp := *n
	cp.Content = out
	return &cp
}

type entry struct {
	key, value *yaml.Node
	merge      bool
	sources    []*yaml.Node // the mappings a merge key brings in
}

// mapping expands the keys and values of n and resolves its merge keys.
func (x *expander) mapping(n *yaml.Node, path string) *yaml.Node {
	entries := make([]entry, 0, len(n.Content)/2)
	keys := newKeySet(len(n.Content) / 2) // each key's first occurrence
	changed := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isMergeKey(k) {
			changed = true
			if prev := keys.add(k); prev != nil {
				x.errAt(k, path, "duplicate key %q (also line %d)", "<<", prev.Line)
				continue
			}
			entries = append(entries, entry{key: k, value: x.expand(v, path), merge: true})
			continue
		}
		ek := x.expand(k, path)
		if prev := keys.add(ek); prev != nil {
			x.errAt(ek, path, "duplicate key %q (also line %d)", ek.Value, prev.Line)
		}
		ev := x.expand(v, joinPath(path, ek))
		changed = changed || ek != k || ev != v
		entries = append(entries, entry{key: ek, value: ev})
	}
	if x.fatal != nil || !changed {
		return n
	}
	// Count what the merges copy before copying it.
	size := len(n.Content)
	for i, e := range entries {
		if e.merge {
			entries[i].sources = x.mergeSources(e.value, path)
			for _, src := range entries[i].sources {
				size += len(src.Content)
			}
		}
	}
	if !x.spend(size/2, n, path) {
		return n
	}
	out := make([]*yaml.Node, 0, size)
	var merged keySet // keys merged so far, when more than one mapping is
	for _, e := range entries {
		if !e.merge {
			out = append(out, e.key, e.value)
			continue
		}
		several := len(e.sources) > 1
		if several {
			merged = newKeySet(size / 2)
		}
		for _, src := range e.sources {
			for j := 0; j+1 < len(src.Content); j += 2 {
				k := src.Content[j]
				// Explicit keys win, then earlier merged mappings.
				if keys.has(k) || several && merged.add(k) != nil {
					continue
				}
				out = append(out, k, src.Content[j+1])
			}
		}
	}
	cp := *n
	cp.Content = out
	return &cp
}

// A keySet holds the scalar keys of a mapping. Most mappings have a few
// keys, which a scan of an array finds faster, and without allocating,
// than a map.
type keySet struct {
	small [8]*yaml.Node
	n     int
	large map[string]*yaml.Node
}

func newKeySet(n int) keySet {
	if n > len(keySet{}.small) {
		return keySet{large: make(map[string]*yaml.Node, n)}
	}
	return keySet{}
}

// add records k and returns the key already recorded with its value, if
// any. Keys that are not scalars are never equal.
func (s *keySet) add(k *yaml.Node) *yaml.Node {
	if k.Kind != yaml.ScalarNode {
		return nil
	}
	if prev := s.get(k.Value); prev != nil {
		return prev
	}
	if s.large != nil {
		s.large[k.Value] = k
	} else {
		s.small[s.n] = k
		s.n++
	}
	return nil
}

func (s *keySet) has(k *yaml.Node) bool { return k.Kind == yaml.ScalarNode && s.get(k.Value) != nil }

func (s *keySet) get(v string) *yaml.Node {
	if s.large != nil {
		return s.large[v]
	}
	for _, k := range s.small[:s.n] {
		if k.Value == v {
			return k
		}
	}
	return nil
}

// mergeSources returns the mappings a merge key's (expanded) value brings
// in: the mapping itself, or each mapping of a list.
func (x *expander) mergeSources(v *yaml.Node, path string) []*yaml.Node {
	switch v.Kind {
	case yaml.MappingNode:
		return []*yaml.Node{v}
	case yaml.SequenceNode:
		var srcs []*yaml.Node
		for _, c := range v.Content {
			if c.Kind != yaml.MappingNode {
				x.errAt(c, path, "a merge key (<<) takes a mapping or a list of mappings, not a list holding %s", kindName(c))
				continue
			}
			srcs = append(srcs, c)
		}
		return srcs
	}
	x.errAt(v, path, "a merge key (<<) takes a mapping or a list of mappings, not %s", kindName(v))
	return nil
}

// isMergeKey reports whether k is a merge key as YAML (and yaml.v3) reads
// it: a plain "<<" written as a key; a quoted "<<" or an alias to one is an
// ordinary key.
func isMergeKey(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge"
}

func nullNode(at *yaml.Node) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: at.Line, Column: at.Column}
}

// expandedSize checks that the expanded document stays within
// MaxExpandedNodes nodes and MaxExpandedBytes of scalar text, counting a
// shared node at each use. On failure it names the top-level key whose
// value is the largest.
func (x *expander) expandedSize(root *yaml.Node) *Error {
	type size struct{ nodes, bytes int }
	// A node's size depends on how deep it is used, since nothing reads
	// below maxWalkDepth: the memo is per node and depth.
	type at struct {
		n     *yaml.Node
		depth int
	}
	memo := map[at]size{}
	var measure func(n *yaml.Node, depth int) size
	measure = func(n *yaml.Node, depth int) size {
		s := size{1, len(n.Value)}
		if depth >= maxWalkDepth {
			return s
		}
		if s, ok := memo[at{n, depth}]; ok {
			return s
		}
		for _, c := range n.Content {
			cs := measure(c, depth+1)
			// Saturate: a billion laughs must not overflow the count.
			s.nodes = min(s.nodes+cs.nodes, MaxExpandedNodes+1)
			s.bytes = min(s.bytes+cs.bytes, MaxExpandedBytes+1)
		}
		memo[at{n, depth}] = s
		return s
	}
	total := measure(root, 0)
	if total.nodes <= MaxExpandedNodes && total.bytes <= MaxExpandedBytes {
		return nil
	}
	where, path := root, ""
	var largest size
	for i := 0; i+1 < len(root.Content); i += 2 {
		if s := measure(root.Content[i+1], 1); s.nodes+s.bytes > largest.nodes+largest.bytes {
			largest, where, path = s, root.Content[i], pathKey(root.Content[i].Value)
		}
	}
	msg := fmt.Sprintf("the document expands to more than %d values once aliases and merge keys are resolved", MaxExpandedNodes)
	if total.nodes <= MaxExpandedNodes {
		msg = fmt.Sprintf("the document expands to more than %d MiB of text once aliases and merge keys are resolved", MaxExpandedBytes>>20)
	}
	return &Error{File: x.file, Pos: Pos{where.Line, where.Column}, Path: path, Msg: msg}
}

// maxWalkDepth is as deep as anything walks the expanded document: the
// inventory's deepest key path (hosts[0].secure_boot) is four levels, and
// what lies deeper can only be an error already reported above it. Bounding
// the walk bounds its recursion and the length of the key paths it builds.
const maxWalkDepth = 16

// MaxKeyLen bounds every key of the inventory: the longest key pxegen
// reads is a profile name of at most 63 characters.
const MaxKeyLen = 63

// pathKey is a key as it appears in a key path.
func pathKey(k string) string {
	if len(k) > MaxKeyLen {
		return k[:MaxKeyLen] + "..."
	}
	return k
}

// joinPath appends the key k to path, as errors name it.
func joinPath(path string, k *yaml.Node) string {
	if path == "" {
		return pathKey(k.Value)
	}
	return path + "." + pathKey(k.Value)
}
