package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize bounds the inventory file that Load reads. 100,000 hosts take
// about 10 MiB of YAML; anything far larger is a mistake, not a site.
const MaxFileSize = 32 << 20

// Load reads, decodes, defaults and validates the inventory at path. Problems
// with the content come back as an ErrorList; failing to read the file is a
// plain error.
func Load(path string, opts ...Option) (*Inventory, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read inventory: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read inventory: %w", err)
	}
	return Parse(path, data, opts...)
}

// Option changes an inventory as it is loaded, before defaults and
// validation.
type Option func(*Inventory)

// KeepPositions keeps the parsed document after a successful load, so
// that Where can name the line of any key (explain cites the inventory).
func KeepPositions() Option {
	return func(inv *Inventory) { inv.keepPositions = true }
}

// Where returns "FILE:LINE:COL" for the value at the key path p (hosts[2],
// networks[0].profile), or for its nearest ancestor in the file; without
// KeepPositions it returns the file name alone.
func (inv *Inventory) Where(p string) string {
	pos := Pos{}
	if inv.root != nil {
		pos = inv.posOf(p)
	}
	if pos.Line == 0 {
		return inv.file
	}
	return fmt.Sprintf("%s:%d:%d", inv.file, pos.Line, pos.Col)
}

// WithTargets replaces the inventory's DHCP and TFTP targets, as a
// command-line override does; an empty value keeps the inventory's own.
func WithTargets(dhcp, tftp string) Option {
	return func(inv *Inventory) {
		if dhcp != "" {
			inv.Targets.DHCP = dhcp
		}
		if tftp != "" {
			inv.Targets.TFTP = tftp
		}
	}
}

// Parse is Load for an inventory already in memory; name is used in error
// messages.
func Parse(name string, data []byte, opts ...Option) (*Inventory, error) {
	inv, decodeErrs, dropped, err := decode(name, data)
	if err != nil {
		return nil, err
	}
	for _, opt := range opts {
		opt(inv)
	}
	inv.applyDefaults()
	// The decoder fills every field it can despite a type error, so the
	// validator still runs and all problems come out at once. A field that
	// failed to decode is left empty: what the validator says at or below
	// it would only repeat the decode error.
	var list ErrorList
	if err := inv.Validate(); err != nil {
		list = err.(ErrorList)
	}
	list = append(decodeErrs, list.without(decodeErrs)...)
	if dropped {
		// Some profile did not decode, so references to it cannot be
		// checked.
		list = list.withoutMessage("unknown profile ")
	}
	if len(list) > 0 {
		return nil, list.err()
	}
	if inv.site != "" {
		for i, s := range inv.Sites {
			if s.Name == inv.site {
				inv = inv.siteView(i)
			}
		}
	}
	// Positions serve error messages, and explain; a valid inventory
	// otherwise no longer needs the document they come from.
	if !inv.keepPositions {
		inv.root = nil
	}
	return inv, nil
}

// decode parses data and decodes what it means into an Inventory, without
// defaults or validation. decodeErrs are the problems with single values
// (the rest decoded); dropped says that some profile failed to decode. err
// is an ErrorList that stops everything: bad syntax, or a document too
// large to decode at all.
func decode(name string, data []byte) (inv *Inventory, decodeErrs ErrorList, dropped bool, err error) {
	if len(data) > MaxFileSize {
		return nil, nil, false, ErrorList{{File: name, Msg: fmt.Sprintf("file is larger than %d MiB", MaxFileSize>>20)}}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil, false, ErrorList{{File: name, Pos: Pos{1, 1}, Msg: "file is empty: an inventory needs at least server, networks and profiles"}}
		}
		return nil, nil, false, ErrorList{syntaxError(name, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, nil, false, ErrorList{syntaxError(name, err)}
		}
		return nil, nil, false, ErrorList{{File: name, Pos: Pos{extra.Line, extra.Column}, Msg: "more than one YAML document: an inventory is one document"}}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, nil, false, ErrorList{{File: name, Pos: Pos{root.Line, root.Column}, Msg: fmt.Sprintf("the document is %s, want a mapping with keys server, networks, profiles, ...", kindName(root))}}
	}

	// Resolve aliases and merge keys first: every rule below, from the
	// limits to the positions in messages, sees the document as YAML means
	// it, never the document as written.
	x := newExpander(name)
	expanded := x.expand(root, "")
	if x.fatal == nil {
		x.fatal = x.expandedSize(expanded)
	}
	if x.fatal != nil {
		return nil, nil, false, ErrorList{x.fatal}
	}
	inv = &Inventory{file: name, root: expanded}
	d := &decoder{file: name}
	d.decode(expanded, reflect.ValueOf(inv).Elem(), "")
	inv.profileOrder = d.profileOrder
	return inv, append(x.errs, d.errs...), d.profilesDropped || x.errs.at("profiles"), nil
}

// nodes returns the position index, building it on first use: only an
// error needs a position, and at 100,000 hosts the index is large.
func (inv *Inventory) nodes() *nodeIndex {
	if inv.index == nil {
		inv.index = newNodeIndex()
		if inv.root != nil {
			inv.index.walk(inv.root, "", 0)
		}
	}
	return inv.index
}

var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError converts a YAML parser error, which names a line but no
// column, into an Error.
func syntaxError(name string, err error) *Error {
	msg := err.Error()
	if m := syntaxLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: name, Pos: Pos{Line: line}, Msg: "YAML syntax: " + m[2]}
	}
	return &Error{File: name, Msg: "YAML syntax: " + strings.TrimPrefix(msg, "yaml: ")}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "empty"
		}
		return "a scalar"
	case yaml.AliasNode:
		return "an alias"
	}
	return "not a mapping"
}

// nodeIndex maps the key paths of the expanded document (hosts[3].mac) to
// where their values are written.
type nodeIndex struct {
	pos map[string]Pos
}

func newNodeIndex() *nodeIndex {
	return &nodeIndex{pos: map[string]Pos{}}
}

// walk records n and what lies below it, down to maxWalkDepth, naming
// keys as the decoder does. A value reached through an alias is recorded
// where it is written.
func (x *nodeIndex) walk(n *yaml.Node, path string, depth int) {
	x.pos[path] = Pos{n.Line, n.Column}
	if depth >= maxWalkDepth {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || isNull(k) || len(k.Value) > MaxKeyLen {
				continue
			}
			p := joinPath(path, k)
			if _, dup := x.pos[p]; !dup {
				x.walk(v, p, depth+1)
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			x.walk(c, fmt.Sprintf("%s[%d]", path, i), depth+1)
		}
	}
}
