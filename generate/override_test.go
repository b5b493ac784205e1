package generate_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/inventory"
)

// TestOverrideReplacesOneFile: overriding grub.cfg.tmpl, the menu, or
// entry.cfg.tmpl, every per-client file, changes the files of that
// template and no other, even though both use one menu entry: it lives in
// a partial of its own, so neither override can take it away from the
// other's files.
func TestOverrideReplacesOneFile(t *testing.T) {
	inv, err := inventory.Load("../golden/secureboot/inventory.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := renderWith(t, inv, nil)
	const grubDir = "srv/tftp/grub/"
	for _, tc := range []struct {
		template string
		owns     func(path string) bool // the files the template renders
	}{
		{"grub/grub.cfg.tmpl", func(p string) bool { return p == grubDir+"grub.cfg" }},
		{"grub/entry.cfg.tmpl", func(p string) bool { return strings.HasPrefix(p, grubDir+"grub.cfg-") }},
	} {
		t.Run(tc.template, func(t *testing.T) {
			// A minimal override that uses no partial and defines nothing.
			const minimal = "# " + generate.Mark + "\nset timeout=1\n"
			got := renderWith(t, inv, map[string]string{tc.template: minimal})
			owned := 0
			for path, data := range want {
				switch {
				case tc.owns(path):
					owned++
					if got[path] != minimal {
						t.Errorf("%s is not the override's:\n%s", path, got[path])
					}
				case got[path] != data:
					t.Errorf("overriding %s changed %s:\n%s", tc.template, path, got[path])
				}
			}
			if owned == 0 || len(got) != len(want) {
				t.Errorf("%d files of the template, %d files rendered, want %d", owned, len(got), len(want))
			}
		})
	}
}

// TestOnlyPartialsDefine: a template that is not a partial may not define
// a named template (an override copied from a release that kept the menu
// entry in grub.cfg.tmpl would otherwise replace it in every host's file),
// nor may two partials define one name (which would win depends on the
// order of parsing).
func TestOnlyPartialsDefine(t *testing.T) {
	for name, tc := range map[string]struct {
		overrides map[string]string
		want      string
	}{
		"non-partial": {
			map[string]string{"grub/grub.cfg.tmpl": "# " + generate.Mark + "\n{{define \"grub/menuentry\"}}x{{end}}\n"},
			`grub/grub.cfg.tmpl defines "grub/menuentry"`,
		},
		"two partials": {
			map[string]string{"ipxe/_local.ipxe.tmpl": "{{define \"ipxe/local\"}}x{{end}}{{define \"grub/menuentry\"}}y{{end}}"},
			`grub/_menuentry.cfg.tmpl and ipxe/_local.ipxe.tmpl both define "grub/menuentry"`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := generate.New(writeOverrides(t, tc.overrides))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// renderWith renders inv with the given template overrides, by relative
// path, into a map of path to content.
func renderWith(t *testing.T, inv *inventory.Inventory, overrides map[string]string) map[string]string {
	t.Helper()
	dir := ""
	if overrides != nil {
		dir = writeOverrides(t, overrides)
	}
	engine, err := generate.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := engine.Render(inv)
	if err != nil {
		t.Fatal(err)
	}
	return treeMap(tree)
}

func writeOverrides(t *testing.T, overrides map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range overrides {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
