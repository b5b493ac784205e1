package inventory

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// MaxValueLen bounds every string the decoder accepts, before any rule
// reads it: no field pxegen writes needs more (PXELINUX reads lines of
// at most 4095 bytes), and the rules quote values in their messages.
// Fields have tighter limits of their own (see Validate).
const MaxValueLen = 8192

// maxCollection bounds the collections that grow with a site, checked
// before any of their items is decoded: that is where the memory goes.
var maxCollection = map[string]int{"hosts": MaxHosts, "networks": MaxNetworks, "profiles": MaxProfiles, "sites": MaxSites}

// A decoder fills an Inventory from the expanded document, strictly: an
// unknown key, a wrong type, an over-long value or too many items is an
// error at its own position and key path, and the value is left empty.
//
// It replaces yaml.v3's decoder, which can decode only the document as
// written (where merge keys and aliases are resolved behind the rules'
// backs) and has no strict mode for an expanded yaml.Node. yaml.v3 still
// converts each scalar, so what a value means (`yes`, `0x10`, `~`) is
// unchanged.
type decoder struct {
	file            string
	errs            ErrorList
	profileOrder    []string
	profilesDropped bool // a profile failed to decode and is not in the map
}

func (d *decoder) errAt(n *yaml.Node, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Pos: Pos{n.Line, n.Column}, Path: path, Msg: fmt.Sprintf(format, args...)})
}

var (
	stringListType = reflect.TypeOf(StringList(nil))
	interfaceType  = reflect.TypeOf(Interface{})
)

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

// decode stores what n means in v, an addressable value, and reports
// whether n had the right shape for it. A null leaves v as it is, as
// yaml.v3 does: an optional key left empty is a key not given.
func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) bool {
	if isNull(n) {
		return true
	}
	if v.Type() == stringListType {
		return d.stringList(n, v, path)
	}
	switch v.Kind() {
	case reflect.Pointer:
		elem := reflect.New(v.Type().Elem())
		if !d.decode(n, elem.Elem(), path) {
			return false
		}
		v.Set(elem)
		return true
	case reflect.Struct:
		return d.structure(n, v, path)
	case reflect.Map:
		return d.mapping(n, v, path)
	case reflect.Slice:
		return d.sequence(n, v, path)
	}
	return d.scalar(n, v, path)
}

// structure decodes a mapping into a struct by its fields' yaml names.
func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string) bool {
	if n.Kind != yaml.MappingNode {
		d.wrongType(n, v.Type(), path)
		return false
	}
	fields := yamlFields(v.Type())
	d.entries(n, path, func(k, val *yaml.Node, p string) {
		i, ok := fields[k.Value]
		if !ok {
			if v.Type() == dhcpOptionsType {
				d.errAt(k, p, "%s", unknownOption(k.Value))
				return
			}
			d.errAt(k, p, "unknown key")
			return
		}
		d.decode(val, v.Field(i), p)
	})
	return true
}

// mapping decodes a mapping into a map with string keys (the profiles),
// keeping the keys' order, which Go maps forget.
func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) bool {
	if path == "profiles" {
		d.profilesDropped = true // until every profile decoded
	}
	if n.Kind != yaml.MappingNode {
		d.wrongType(n, v.Type(), path)
		return false
	}
	if !d.withinLimit(n, len(n.Content)/2, path) {
		return false
	}
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	var order []string
	errs := len(d.errs)
	dropped := false
	d.entries(n, path, func(k, val *yaml.Node, p string) {
		elem := reflect.New(v.Type().Elem()).Elem()
		if d.decode(val, elem, p) {
			m.SetMapIndex(reflect.ValueOf(k.Value), elem)
			order = append(order, k.Value)
		} else {
			dropped = true
		}
	})
	v.Set(m)
	if path == "profiles" {
		d.profileOrder = order
		// entries reports a key it skips at the mapping's own path.
		d.profilesDropped = dropped || d.errs[errs:].at(path)
	}
	return true
}

// entries calls f for each entry of the mapping n whose key is a string
// of sane length, once per key: a duplicate was reported when the
// document was expanded, and its first value counts.
func (d *decoder) entries(n *yaml.Node, path string, f func(k, v *yaml.Node, p string)) {
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case k.Kind != yaml.ScalarNode || isNull(k):
			d.errAt(k, path, "a key must be a string, not %s", tagName(k.ShortTag()))
		case len(k.Value) > MaxKeyLen:
			d.errAt(k, path, "a key of %d characters; keys have at most %d", len(k.Value), MaxKeyLen)
		case seen[k.Value]:
		default:
			seen[k.Value] = true
			f(k, v, joinPath(path, k))
		}
	}
}

// sequence decodes a list into a slice.
func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string) bool {
	if n.Kind != yaml.SequenceNode {
		d.wrongType(n, v.Type(), path)
		return false
	}
	if !d.withinLimit(n, len(n.Content), path) {
		return false
	}
	if v.Type().Elem() == interfaceType && len(n.Content) > MaxHostInterfaces {
		d.errAt(n, path, "%d interfaces; a host has at most %d", len(n.Content), MaxHostInterfaces)
		return false
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, c := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		if isNull(c) {
			// An item left empty (a lone -) is a mistake; yaml.v3 would
			// drop it without a word.
			d.wrongType(c, s.Index(i).Type(), p)
			continue
		}
		d.decode(c, s.Index(i), p)
	}
	v.Set(s)
	return true
}

// withinLimit refuses a site collection with more than its limit of items.
func (d *decoder) withinLimit(n *yaml.Node, count int, path string) bool {
	if limit, ok := maxCollection[path]; ok && count > limit {
		d.errAt(n, path, "%d %s; at most %d are supported", count, path, limit)
		return false
	}
	return true
}

// stringList decodes one string or a list of strings.
func (d *decoder) stringList(n *yaml.Node, v reflect.Value, path string) bool {
	switch n.Kind {
	case yaml.ScalarNode:
		var s string
		if !d.scalar(n, reflect.ValueOf(&s).Elem(), path) {
			return false
		}
		v.Set(reflect.ValueOf(StringList{s}))
		return true
	case yaml.SequenceNode:
		if len(n.Content) > MaxListLen {
			d.errAt(n, path, "a list of %d items; lists have at most %d", len(n.Content), MaxListLen)
			return false
		}
		list := make(StringList, len(n.Content))
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if c.Kind != yaml.ScalarNode || isNull(c) {
				d.errAt(c, p, "want a string, got %s", tagName(c.ShortTag()))
				continue
			}
			d.scalar(c, reflect.ValueOf(&list[i]).Elem(), p)
		}
		v.Set(reflect.ValueOf(list))
		return true
	}
	d.errAt(n, path, "want a string or a list of strings, got %s", tagName(n.ShortTag()))
	return false
}

// MaxListLen bounds a list of strings (interfaces, DNS servers, initrds)
// before it is decoded; each field has a tighter limit of its own.
const MaxListLen = MaxNetworks

// scalar decodes a string, integer or boolean.
func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string) bool {
	if n.Kind != yaml.ScalarNode {
		d.wrongType(n, v.Type(), path)
		return false
	}
	if len(n.Value) > MaxValueLen {
		d.errAt(n, path, "%d characters; a value has at most %d", len(n.Value), MaxValueLen)
		return false
	}
	if v.Kind() == reflect.String && n.ShortTag() != "!!binary" {
		// What yaml.v3 does for any scalar decoded into a string.
		v.SetString(n.Value)
		return true
	}
	if err := n.Decode(v.Addr().Interface()); err != nil {
		d.wrongType(n, v.Type(), path)
		return false
	}
	return true
}

// wrongType reports n, which cannot be decoded into a value of type t.
func (d *decoder) wrongType(n *yaml.Node, t reflect.Type, path string) {
	got := tagName(n.ShortTag())
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		v := n.Value
		if len(v) > 10 {
			v = v[:7] + "..."
		}
		got += " " + strconv.Quote(v)
	}
	d.errAt(n, path, "want %s, got %s", typeName(t), got)
}

// typeName names a Go type the way the inventory reference does.
func typeName(t reflect.Type) string {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == stringListType:
		return "a string or a list of strings"
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Int:
		return "an integer"
	case t.Kind() == reflect.Bool:
		return "a boolean"
	case t.Kind() == reflect.Slice:
		return "a list"
	}
	return "a mapping"
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
	case "!!timestamp":
		return "a timestamp"
	case "!!binary":
		return "binary data"
	}
	return "a value tagged " + tag
}

var fieldCache sync.Map // reflect.Type -> map[string]int

// yamlFields maps the yaml names of t's fields to their indexes.
func yamlFields(t reflect.Type) map[string]int {
	if m, ok := fieldCache.Load(t); ok {
		return m.(map[string]int)
	}
	m := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if f.IsExported() && name != "" && name != "-" {
			m[name] = i
		}
	}
	fieldCache.Store(t, m)
	return m
}
