package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
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
	if len(data) > MaxFileSize {
		return nil, ErrorList{{File: name, Msg: fmt.Sprintf("file is larger than %d MiB", MaxFileSize>>20)}}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ErrorList{{File: name, Pos: Pos{1, 1}, Msg: "file is empty: an inventory needs at least server, networks and profiles"}}
		}
		return nil, ErrorList{syntaxError(name, err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, ErrorList{syntaxError(name, err)}
		}
		return nil, ErrorList{{File: name, Pos: Pos{extra.Line, extra.Column}, Msg: "more than one YAML document: an inventory is one document"}}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, ErrorList{{File: name, Pos: Pos{root.Line, root.Column}, Msg: fmt.Sprintf("the document is %s, want a mapping with keys server, networks, profiles, ...", kindName(root))}}
	}

	if hosts := mappingValue(root, "hosts"); hosts != nil && hosts.Kind == yaml.SequenceNode && len(hosts.Content) > MaxHosts {
		// Refuse before decoding: that is where the memory would go.
		return nil, ErrorList{{File: name, Pos: Pos{hosts.Line, hosts.Column}, Path: "hosts",
			Msg: fmt.Sprintf("%d hosts; at most %d are supported", len(hosts.Content), MaxHosts)}}
	}
	inv := &Inventory{file: name, root: root}
	inv.profileOrder = profileOrder(root)

	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	var decodeErrs ErrorList
	if err := strict.Decode(inv); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, ErrorList{syntaxError(name, err)}
		}
		decodeErrs = inv.nodes().typeErrors(name, te)
	}
	inv.profileOrder = decodedProfiles(inv.profileOrder, inv.Profiles)
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
	if decodeErrs.touch("profiles") {
		// The profiles mapping did not decode, so references to its
		// profiles cannot be checked.
		list = list.withoutMessage("unknown profile ")
	}
	if len(list) > 0 {
		return nil, list.err()
	}
	// Positions serve error messages, and explain; a valid inventory
	// otherwise no longer needs the document they come from.
	if !inv.keepPositions {
		inv.root = nil
	}
	return inv, nil
}

// nodes returns the position index, building it on first use: only an
// error needs a position, and at 100,000 hosts the index is large.
func (inv *Inventory) nodes() *nodeIndex {
	if inv.index == nil {
		inv.index = newNodeIndex()
		if inv.root != nil {
			inv.index.walk(inv.root, "")
		}
	}
	return inv.index
}

// decodedProfiles keeps the names of order that decoded into profiles,
// once each: a profile whose value failed to decode is reported by the
// decoder and must not be validated or rendered.
func decodedProfiles(order []string, profiles map[string]*Profile) []string {
	var kept []string
	seen := map[string]bool{}
	for _, name := range order {
		if _, ok := profiles[name]; ok && !seen[name] {
			seen[name] = true
			kept = append(kept, name)
		}
	}
	return kept
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

// mappingValue returns the value of key in the mapping m, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// profileOrder lists the keys of the top-level profiles mapping in file
// order: Go maps forget it, and the boot menu should not.
func profileOrder(root *yaml.Node) []string {
	m := mappingValue(root, "profiles")
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	var names []string
	for j := 0; j+1 < len(m.Content); j += 2 {
		names = append(names, m.Content[j].Value)
	}
	return names
}

// nodeIndex maps key paths (hosts[3].mac) to positions and remembers, per
// line, which nodes start there, so that the decoder's line-only type
// errors can be given a column and a path.
type nodeIndex struct {
	pos    map[string]Pos
	byLine map[int][]indexed
}

type indexed struct {
	path  string
	node  *yaml.Node
	isKey bool
}

func newNodeIndex() *nodeIndex {
	return &nodeIndex{pos: map[string]Pos{}, byLine: map[int][]indexed{}}
}

// walk records n and its children. It does not follow aliases: a path
// reached through one is reported at the alias, and an alias bomb costs
// nothing here.
func (x *nodeIndex) walk(n *yaml.Node, path string) {
	x.pos[path] = Pos{n.Line, n.Column}
	x.byLine[n.Line] = append(x.byLine[n.Line], indexed{path: path, node: n})
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if path != "" {
				p = path + "." + k.Value
			}
			x.byLine[k.Line] = append(x.byLine[k.Line], indexed{path: p, node: k, isKey: true})
			x.walk(v, p)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			x.walk(c, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

var (
	// (?s): a quoted value may span lines; it is re-quoted on output.
	unknownField = regexp.MustCompile(`(?s)^line (\d+): field (.+) not found in type (\S+)$`)
	badType      = regexp.MustCompile("(?s)^line (\\d+): cannot unmarshal (!!\\w+)(?: `(.*)`)? into (.+)$")
	dupKey       = regexp.MustCompile(`(?s)^line (\d+): mapping key "(.*)" already defined at line (\d+)$`)
	anyLine      = regexp.MustCompile(`(?s)^line (\d+): (.*)$`)
)

// typeErrors turns the decoder's messages into positioned Errors in the
// project's words.
func (x *nodeIndex) typeErrors(file string, te *yaml.TypeError) ErrorList {
	var list ErrorList
	for _, msg := range te.Errors {
		e := &Error{File: file, Msg: msg}
		if m := unknownField.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			e.Pos = Pos{Line: line}
			e.Msg = fmt.Sprintf("unknown key %q", m[2])
			if it, ok := x.find(line, func(it indexed) bool { return it.isKey && it.node.Value == m[2] }); ok {
				e.Pos, e.Path = Pos{it.node.Line, it.node.Column}, it.path
				e.Msg = "unknown key"
			}
		} else if m := badType.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			e.Pos = Pos{Line: line}
			got := tagName(m[2])
			if m[3] != "" {
				got += " " + strconv.Quote(m[3])
			}
			e.Msg = fmt.Sprintf("want %s, got %s", goTypeName(m[4]), got)
			if it, ok := x.find(line, func(it indexed) bool { return !it.isKey && it.node.ShortTag() == m[2] }); ok {
				e.Pos, e.Path = Pos{it.node.Line, it.node.Column}, it.path
			}
		} else if m := dupKey.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			e.Pos = Pos{Line: line}
			e.Msg = fmt.Sprintf("duplicate key %q (also line %s)", m[2], m[3])
			if it, ok := x.find(line, func(it indexed) bool { return it.isKey && it.node.Value == m[2] }); ok {
				e.Pos, e.Path = Pos{it.node.Line, it.node.Column}, strings.TrimSuffix(it.path, "."+m[2])
				if e.Path == m[2] {
					e.Path = ""
				}
			}
		} else if m := anyLine.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			e.Pos, e.Msg = Pos{Line: line}, m[2]
		}
		list = append(list, e)
	}
	return list
}

// find returns the last node on line that matches: the innermost one, since
// walk records parents before children.
func (x *nodeIndex) find(line int, match func(indexed) bool) (indexed, bool) {
	items := x.byLine[line]
	for i := len(items) - 1; i >= 0; i-- {
		if match(items[i]) {
			return items[i], true
		}
	}
	return indexed{}, false
}

func tagName(tag string) string {
	switch tag {
	case "!!str":
		return "a string"
	case "!!int":
		return "an integer"
	case "!!float":
		return "a number"
	case "!!bool":
		return "a boolean"
	case "!!null":
		return "nothing"
	case "!!map":
		return "a mapping"
	case "!!seq":
		return "a list"
	}
	return tag
}

// goTypeName names a Go type from a decoder message the way the inventory
// reference does.
func goTypeName(t string) string {
	switch {
	case t == "int" || t == "*int":
		return "an integer"
	case t == "string":
		return "a string"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "inventory."), strings.HasPrefix(t, "*inventory."):
		return "a mapping"
	}
	return t
}
