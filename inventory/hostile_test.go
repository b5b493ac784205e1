package inventory

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/pxegen/pxegen/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the expected errors in ../golden/hostile from what the code reports")

// TestHostile loads every inventory of the hostile corpus: each carries one
// defect, and must be refused with exactly the errors in its stderr section.
func TestHostile(t *testing.T) {
	files := golden.Glob(t, "../golden/hostile/*.txtar")
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var inv, want []byte
			for _, f := range ar.Files {
				switch f.Name {
				case "inventory.yaml":
					inv = f.Data
				case "stderr":
					want = f.Data
				}
			}
			_, err = Parse("inventory.yaml", inv)
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("a hostile inventory was accepted (err = %v)", err)
			}
			got := err.Error() + "\n"
			if *update {
				for i := range ar.Files {
					if ar.Files[i].Name == "stderr" {
						ar.Files[i].Data = []byte(got)
					}
				}
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("errors differ (-want +got):\n%s\nrun `make golden` to update, then read the diff", diff)
			}
		})
	}
}
