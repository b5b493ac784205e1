package inventory

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// SchemaID is the $id of the JSON Schema that Schema returns.
const SchemaID = "https://raw.githubusercontent.com/pxegen/pxegen/main/inventory.schema.json"

// schemaEnums are the values a field takes, by its path in the schema
// ([] for a list's items, * for a map's values), from the same lists
// Validate checks them against. Schema fails if one names no field, so
// the table cannot outlive a renamed key.
var schemaEnums = map[string][]string{
	"targets.dhcp":      DHCPTargets,
	"targets.tftp":      TFTPTargets,
	"networks[].arches": CPUArches,
	"profiles.*.kind":   Kinds,
	"hosts[].arch":      CPUArches,
	"hosts[].boot":      {"local", "network"},
	"ha.mode":           HAModes,

	"networks[].options.custom[].type": OptionTypes,
	"networks[].options.vendor[].type": OptionTypes,
	"hosts[].options.custom[].type":    OptionTypes,
	"hosts[].options.vendor[].type":    OptionTypes,
}

// schemaRequired are the keys an inventory cannot leave out, by the path
// of the mapping that holds them ("" is the document).
var schemaRequired = map[string][]string{
	// server.ip is required without ha, and refused with it (Load).
	"":           {"networks", "profiles"},
	"ha":         {"peers"},
	"ha.peers[]": {"name", "ip"},
	"networks[]": {"name"},
	"hosts[]":    {"name"},
}

// schemaMore are further keywords, by the path of the value they
// describe: a host gives its mac or its interfaces, one of the two.
var schemaMore = map[string]map[string]any{
	"hosts[]": {"oneOf": []any{
		map[string]any{"required": []string{"mac"}, "not": map[string]any{"required": []string{"interfaces"}}},
		map[string]any{"required": []string{"interfaces"}, "not": map[string]any{"anyOf": []any{
			map[string]any{"required": []string{"mac"}}, map[string]any{"required": []string{"ip"}},
			map[string]any{"required": []string{"ip6"}}}}},
	}},
	// A network has an IPv4 subnet, an IPv6 one, or both.
	"networks[]": {"anyOf": []any{
		map[string]any{"required": []string{"subnet"}}, map[string]any{"required": []string{"subnet6"}},
	}},
	"hosts[].interfaces": {"minItems": 1, "maxItems": MaxHostInterfaces},
	// An interface has a mac, or a client_id if it is an InfiniBand one.
	"hosts[].interfaces[]": {"oneOf": []any{
		map[string]any{"required": []string{"mac"}, "not": map[string]any{"required": []string{"client_id"}}},
		map[string]any{"required": []string{"client_id"}, "not": map[string]any{"required": []string{"mac"}}},
	}},
}

// Schema returns a JSON Schema (draft 2020-12) of the inventory, made by
// reflection over Inventory's yaml tags: every key, its type, the values
// of the fields that take one of a list, and the keys that are required.
// It describes the document's shape, for an editor's completion and
// checking as one types; Load's rules (addresses, references, allow-lists)
// go further. Unknown keys are refused, as Load refuses them.
func Schema() ([]byte, error) {
	used := map[string]bool{}
	root := itemOf(reflect.TypeFor[Inventory](), "", used)
	root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	root["$id"] = SchemaID
	root["title"] = "pxegen inventory"
	root["description"] = "One YAML inventory of hosts and boot profiles, from which pxegen renders every file a network-boot server needs."
	for _, tables := range []map[string][]string{schemaEnums, schemaRequired} {
		for path := range tables {
			if !used[path] {
				return nil, fmt.Errorf("build the inventory schema: %q names no field", path)
			}
		}
	}
	for path := range schemaMore {
		if !used["more "+path] {
			return nil, fmt.Errorf("build the inventory schema: %q names no field", path)
		}
	}
	data, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("build the inventory schema: %w", err)
	}
	return append(data, '\n'), nil
}

// yaml11Bools are the words yaml.v3 still decodes into a boolean field,
// as YAML 1.1 did, though a YAML 1.2 reader (an editor) sees strings.
var yaml11Bools = []string{"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF"}

// schemaOf describes type t found at path. A key left empty (null) is a
// key not given, as Load reads it; an item of a list may not be empty.
func schemaOf(t reflect.Type, path string, used map[string]bool) map[string]any {
	return orNull(itemOf(t, path, used))
}

// orNull lets s be null too.
func orNull(s map[string]any) map[string]any {
	if enum, ok := s["enum"].([]any); ok {
		s["enum"] = append(enum, nil)
		return s
	}
	if types, ok := s["type"].([]string); ok {
		s["type"] = append(types, "null")
		return s
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

// enumOf is the enum for values.
func enumOf(values []string) map[string]any {
	enum := make([]any, len(values))
	for i, v := range values {
		enum[i] = v
	}
	return map[string]any{"enum": enum}
}

// itemOf describes a value of type t at path that is not null.
func itemOf(t reflect.Type, path string, used map[string]bool) map[string]any {
	s := itemShape(t, path, used)
	if more, ok := schemaMore[path]; ok {
		used["more "+path] = true
		for k, v := range more {
			s[k] = v
		}
	}
	return s
}

// itemShape is itemOf without schemaMore.
func itemShape(t reflect.Type, path string, used map[string]bool) map[string]any {
	if enum, ok := schemaEnums[path]; ok {
		used[path] = true
		item := enumOf(enum)
		if t == reflect.TypeFor[StringList]() {
			return map[string]any{"anyOf": []any{item, map[string]any{"type": []string{"array"}, "items": enumOf(enum)}}}
		}
		return item
	}
	switch t {
	case reflect.TypeFor[StringList]():
		// One string or a list of them; Load takes any scalar as a string.
		return map[string]any{"type": []string{"string", "number", "boolean", "array"}, "items": map[string]any{"type": []string{"string", "number", "boolean"}}}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return itemOf(t.Elem(), path, used)
	case reflect.String:
		// Load takes any scalar as a string (`name: 1` is "1").
		return map[string]any{"type": []string{"string", "number", "boolean"}}
	case reflect.Int:
		return map[string]any{"type": []string{"integer"}}
	case reflect.Bool:
		return map[string]any{"anyOf": []any{map[string]any{"type": "boolean"}, enumOf(yaml11Bools)}}
	case reflect.Slice:
		return map[string]any{"type": []string{"array"}, "items": itemOf(t.Elem(), path+"[]", used)}
	case reflect.Map:
		return map[string]any{"type": []string{"object"}, "additionalProperties": schemaOf(t.Elem(), path+".*", used)}
	case reflect.Struct:
		props := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || key == "" || key == "-" {
				continue
			}
			props[key] = schemaOf(f.Type, strings.TrimPrefix(path+"."+key, "."), used)
		}
		s := map[string]any{"type": []string{"object"}, "properties": props, "additionalProperties": false}
		if req, ok := schemaRequired[path]; ok {
			used[path] = true
			for _, k := range req {
				if _, ok := props[k]; !ok {
					used[path] = false // a required key that is no field
				}
			}
			s["required"] = slices.Clone(req)
		}
		return s
	}
	panic(fmt.Sprintf("inventory schema: no JSON type for %s at %s", t, path))
}
