package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/pxegen/pxegen/internal/golden"
	"github.com/pxegen/pxegen/inventory"
)

// FuzzImportDhcpd imports any dhcpd.conf: import must not panic, must
// write the same inventory and notes twice (map order must not leak into
// them), and an inventory it says is valid must load.
func FuzzImportDhcpd(f *testing.F) {
	for _, file := range golden.Glob(f, "../integration/testdata/import/*.conf") {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	for _, file := range golden.Glob(f, "../internal/dhcpdconf/testdata/*.txtar") {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, a := range ar.Files {
			if a.Name == "dhcpd.conf" {
				f.Add(string(a.Data))
			}
		}
	}
	f.Add("option a code 224 = text; option b code 225 = text; option c code 226 = uint8;\nsubnet 10.1.1.0 netmask 255.255.255.0 { option a \"x\"; option b \"y\"; option c 1; }\n")
	f.Add("option routers;\noption domain-name-servers;\nsubnet 10.1.1.0 netmask 255.255.255.0 { option routers; range; }\nhost a { hardware ethernet; fixed-address; }\n")
	f.Fuzz(func(t *testing.T, src string) {
		path := filepath.Join(t.TempDir(), "dhcpd.conf")
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := Import(Sources{Dhcpd: []string{path}, ServerIP: "10.9.9.9"}, "imported.yaml")
		if err != nil {
			return // a file that does not parse
		}
		again, err := Import(Sources{Dhcpd: []string{path}, ServerIP: "10.9.9.9"}, "imported.yaml")
		if err != nil {
			t.Fatalf("a second import failed: %v", err)
		}
		if string(again.YAML) != string(res.YAML) || fmt.Sprint(again.Notes) != fmt.Sprint(res.Notes) {
			t.Fatalf("two imports differ:\n%s\n%v\n---\n%s\n%v", res.YAML, res.Notes, again.YAML, again.Notes)
		}
		if res.Err == nil {
			if _, err := inventory.Parse("imported.yaml", res.YAML); err != nil {
				t.Fatalf("import called its inventory valid, but it does not load: %v\n%s", err, res.YAML)
			}
		}
	})
}
