package inventory

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// FuzzLoad feeds arbitrary bytes to Parse: it must not panic or hang, an
// accepted inventory must validate again unchanged, and every refusal must
// be an ErrorList whose every line names the file (a value with a newline
// must not forge a line of its own).
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("../golden/*/inventory.yaml")
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	hostile, _ := filepath.Glob("../golden/hostile/*.txtar")
	for _, h := range hostile {
		if ar, err := txtar.ParseFile(h); err == nil && len(ar.Files) > 0 {
			f.Add(ar.Files[0].Data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := Parse("f.yaml", data)
		if err == nil {
			if err := inv.Validate(); err != nil {
				t.Fatalf("an accepted inventory does not validate again: %v", err)
			}
			return
		}
		var list ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("Parse returned %T, not an ErrorList: %v", err, err)
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !strings.HasPrefix(line, "f.yaml") {
				t.Fatalf("an error line does not name the file: %q", line)
			}
		}
	})
}
