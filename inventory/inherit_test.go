package inventory

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pxegen/pxegen/internal/golden"
)

// TestResolvedProfilesAgree: resolving all profiles at once gives what
// resolving each on its own gives, on chains, cycles, chains into cycles,
// self-inheritance and unknown parents, with and without append_extra.
func TestResolvedProfilesAgree(t *testing.T) {
	docs := []string{`profiles:
  a: {inherits: b, label: A}
  b: {inherits: c, kernel: kb}
  c: {inherits: a, append: xc, initrd: [ic]}
  d: {inherits: b}
  e: {inherits: e, kernel: ke}
  f: {inherits: nowhere, label: F}
  g: {inherits: d, initrd: []}
  h: ~
`, `profiles:
  a: {inherits: b, append_extra: ea}
  b: {inherits: c, append_extra: eb}
  c: {inherits: a, append: xc, append_extra: ec}
  d: {inherits: b, append_extra: ed}
  e: {inherits: f, append_extra: ee}
  f: {inherits: e, append_extra: ef}
  g: {inherits: e, append_extra: eg}
  h: {inherits: g, append: xh}
  i: {inherits: h, append_extra: ei}
  j: {inherits: j, append_extra: ej}
`, `profiles:
  x: {inherits: y}
  y: {inherits: z, kernel: ky}
  z: {inherits: w}
  w: {inherits: y, label: W}
`}
	files := golden.Glob(t, "../golden/*/inventory.yaml")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(data))
	}
	for i, doc := range docs {
		inv, _, _, err := decode("f.yaml", []byte(doc))
		if err != nil {
			continue // golden/invalid-empty
		}
		all := inv.ResolvedProfiles()
		for _, name := range append(inv.ProfileNames(), LocalProfile) {
			if diff := cmp.Diff(inv.ResolvedProfile(name), all[name]); diff != "" {
				t.Errorf("doc %d, profile %s (-one +all):\n%s", i, name, diff)
			}
		}
	}
}
