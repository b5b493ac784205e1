package inventory

import (
	"bytes"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/pxegen/pxegen/internal/filetree"
	"go.yaml.in/yaml/v3"
)

// Notes are comments to write with an inventory, by the key path of the
// entry they describe (server.ip, networks[0], hosts[3]): where the entry
// came from, what was left out. Each may hold several lines.
type Notes map[string]string

// Marshal writes inv as an inventory file: header (comment lines) first,
// then every key that is set, in the order of the reference, omitting
// what is empty or left to its default; notes as comments above their
// entries. Hosts and options by code are written one per line. The same
// inventory and notes give the same bytes. Marshal does not validate: a
// file it writes is checked by loading it.
func Marshal(inv *Inventory, header string, notes Notes) ([]byte, error) {
	m := &marshaller{notes: notes}
	root := m.value(reflect.ValueOf(inv).Elem(), "")
	var buf bytes.Buffer
	for _, line := range strings.Split(strings.TrimRight(header, "\n"), "\n") {
		if header != "" {
			buf.WriteString(strings.TrimRight("# "+filetree.Escape(line), " ") + "\n")
		}
	}
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return nil, fmt.Errorf("write inventory: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("write inventory: %w", err)
	}
	if !bytes.HasSuffix(buf.Bytes(), []byte("\n")) {
		buf.WriteByte('\n') // after a last line comment, the encoder ends the line not
	}
	return buf.Bytes(), nil
}

type marshaller struct{ notes Notes }

// comment turns a note into a YAML comment. Its text, like the header's,
// may come from an imported source: control characters are escaped, since
// YAML reads a carriage return as a line break, which would start a key
// of the source's choosing.
func comment(note string) string {
	lines := strings.Split(strings.TrimRight(note, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight("# "+filetree.Escape(l), " ")
	}
	return strings.Join(lines, "\n")
}

// value builds the node for v at key path p, or nil when v is empty.
func (m *marshaller) value(v reflect.Value, p string) *yaml.Node {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		if v.Elem().Kind() == reflect.Bool {
			// Set, so written even when false (authoritative: false).
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v.Elem().Bool())}
		}
		return m.value(v.Elem(), p)
	case reflect.String:
		if v.String() == "" {
			return nil
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v.String()}
	case reflect.Int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v.Int(), 10)}
	case reflect.Bool:
		if !v.Bool() && p != "" && !m.explicit(p) {
			return nil
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v.Bool())}
	case reflect.Slice:
		if v.Len() == 0 {
			return nil
		}
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		if v.Type() == stringListType {
			seq.Style = yaml.FlowStyle
		}
		for i := 0; i < v.Len(); i++ {
			item := m.value(v.Index(i), fmt.Sprintf("%s[%d]", p, i))
			if item == nil {
				item = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: ""}
			}
			if item.Kind == yaml.MappingNode && (strings.HasSuffix(p, "hosts") || strings.HasSuffix(p, ".custom") || strings.HasSuffix(p, ".vendor")) {
				flow(item)
			}
			m.annotate(item, fmt.Sprintf("%s[%d]", p, i))
			seq.Content = append(seq.Content, item)
		}
		return seq
	case reflect.Map:
		if v.Len() == 0 {
			return nil
		}
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		n := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range keys {
			child := m.value(v.MapIndex(reflect.ValueOf(k)), p+"."+k)
			if child == nil {
				child = &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
			}
			key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}
			m.annotate(key, p+"."+k)
			n.Content = append(n.Content, key, child)
		}
		return n
	case reflect.Struct:
		n := &yaml.Node{Kind: yaml.MappingNode}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "" || name == "-" {
				continue
			}
			fp := name
			if p != "" {
				fp = p + "." + name
			}
			child := m.value(v.Field(i), fp)
			if child == nil || child.Kind == yaml.MappingNode && len(child.Content) == 0 {
				continue
			}
			key := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}
			m.annotate(key, fp)
			n.Content = append(n.Content, key, child)
		}
		return n
	}
	return nil
}

// explicit reports whether a false boolean at p is written: one a note
// describes.
func (m *marshaller) explicit(p string) bool { _, ok := m.notes[p]; return ok }

// annotate puts the note for p, if any, above the node: on a sequence item
// written on one line, after it.
func (m *marshaller) annotate(n *yaml.Node, p string) {
	note, ok := m.notes[p]
	if !ok {
		return
	}
	if n.Style == yaml.FlowStyle && !strings.Contains(note, "\n") {
		n.LineComment = comment(note)
		return
	}
	n.HeadComment = comment(note)
}

// flow writes a mapping, and everything in it, on one line.
func flow(n *yaml.Node) {
	n.Style = yaml.FlowStyle
	for _, c := range n.Content {
		if c.Kind == yaml.MappingNode || c.Kind == yaml.SequenceNode {
			flow(c)
		}
	}
}
