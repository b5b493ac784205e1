package inventory

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"go.yaml.in/yaml/v3"

	"github.com/pxegen/pxegen/internal/golden"
)

// agreesWithYAML checks that whenever pxegen decodes data without a
// problem, yaml.v3's own decoder, which resolves merge keys and aliases
// by itself, decodes it too and to the same values: the document the
// rules see is the one YAML means. It returns "" or the disagreement.
func agreesWithYAML(data []byte) string {
	ours, decodeErrs, _, err := decode("f.yaml", data)
	if err != nil || len(decodeErrs) > 0 {
		return ""
	}
	var theirs Inventory
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&theirs); err != nil {
		if strings.Contains(err.Error(), "excessive aliasing") {
			return "" // yaml.v3's own guard, stricter on small documents
		}
		return "pxegen decodes it, yaml.v3 does not: " + err.Error()
	}
	if diff := cmp.Diff(&theirs, ours, cmpopts.IgnoreUnexported(Inventory{}, HA{})); diff != "" {
		return "pxegen and yaml.v3 decode it differently (-yaml.v3 +pxegen):\n" + diff
	}
	if len(ours.profileOrder) != len(ours.Profiles) {
		return "the profile order does not list every profile"
	}
	return ""
}

// TestDecodeAgreesWithYAML runs agreesWithYAML on every golden inventory
// and on documents that use anchors, aliases and merge keys the ways YAML
// allows.
func TestDecodeAgreesWithYAML(t *testing.T) {
	docs := map[string]string{
		"explicit keys win":  "server: {ip: 10.1.1.1}\nprofiles:\n  p: {<<: {kernel: a, label: A}, kernel: b}\n",
		"earlier merges win": "profiles:\n  p: {<<: [{kernel: a}, {kernel: b, label: B}]}\n",
		"nested merges":      "profiles: {x: &x {label: X, <<: {kernel: x, append: y}}, p: {<<: *x, append: z}}\n",
		"merge after keys":   "profiles: {p: {kernel: a, <<: {kernel: b, initrd: [i]}}}\n",
		"merged profiles":    "profiles:\n  <<: {a: {kernel: k}, b: {kernel: k}}\n  b: {kernel: j}\n",
		"alias key":          "server: {ip: &k ip}\nprofiles: {*k : {kernel: k}}\n",
		"alias values":       "networks: [&n {name: a, subnet: 10.1.1.0/24}, *n]\nhosts: [{name: &h h, mac: *h}]\n",
		"top-level merge":    "<<: {server: {ip: 10.1.1.1}, profiles: {p: {kernel: k}}}\nserver: {domain: d}\n",
		"merged null":        "profiles: {<<: {p: ~}, q: {<<: {label: ~}, kernel: k}}\n",
		"merged list items":  "hosts: [&a {name: a, mac: m}, {<<: *a, name: b}, {<<: [*a, {ip: i}], mac: n}]\n",
	}
	for name, doc := range docs {
		// Each must decode, or the comparison below is skipped.
		if _, errs, _, err := decode("f.yaml", []byte(doc)); err != nil || len(errs) > 0 {
			t.Fatalf("%s: %v %v", name, err, errs)
		}
	}
	files := golden.Glob(t, "../golden/*/inventory.yaml")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[f] = string(data)
	}
	for name, doc := range docs {
		if msg := agreesWithYAML([]byte(doc)); msg != "" {
			t.Errorf("%s: %s", name, msg)
		}
	}
}
