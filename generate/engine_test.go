package generate

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Masterminds/sprig/v3"

	"github.com/pxegen/pxegen/inventory"
)

// TestRenderBudget: a render that would produce more than the engine's
// budget stops with an inventory error naming the limit, wherever in the
// tree the budget runs out, even inside one file.
func TestRenderBudget(t *testing.T) {
	data, err := os.ReadFile("../golden/lab/inventory.yaml")
	if err != nil {
		t.Fatal(err)
	}
	inv, err := inventory.Parse("inventory.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	if e.maxBytes != MaxRenderBytes {
		t.Fatalf("the engine's budget is %d, want MaxRenderBytes", e.maxBytes)
	}
	tree, err := e.Render(inv)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, f := range tree {
		total += len(f.Data)
	}
	e.maxBytes = int64(total)
	if _, err := e.Render(inv); err != nil {
		t.Fatalf("a render of exactly the budget failed: %v", err)
	}
	for _, budget := range []int64{int64(total) - 1, 10} {
		e.maxBytes = budget
		_, err := e.Render(inv)
		var list inventory.ErrorList
		if !errors.As(err, &list) || !strings.Contains(err.Error(), "inventory.yaml: the files it renders would be larger than") {
			t.Errorf("budget %d of %d: err = %v", budget, total, err)
		}
	}
}

// TestRemovedSprigFunctions: each function that sprig's hermetic map
// still offers but that is not deterministic (time, randomness, fresh
// keys and salts) is undefined in a template override, so that no
// override can make one inventory render different bytes twice.
func TestRemovedSprigFunctions(t *testing.T) {
	hermetic := sprig.HermeticTxtFuncMap()
	for _, name := range []string{
		"ago", "randInt", "shuffle", "bcrypt", "htpasswd", "genPrivateKey",
		"genCA", "genCAWithKey", "genSelfSignedCert", "genSelfSignedCertWithKey",
		"genSignedCert", "genSignedCertWithKey", "encryptAES",
	} {
		t.Run(name, func(t *testing.T) {
			if hermetic[name] == nil {
				t.Fatalf("sprig's hermetic map no longer has %s: take it off this list and funcMap's", name)
			}
			dir := t.TempDir()
			tmpl := filepath.Join(dir, "xinetd", "tftp.tmpl")
			if err := os.MkdirAll(filepath.Dir(tmpl), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(tmpl, []byte("# "+Mark+"\n{{"+name+"}}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := New(dir)
			var terr *TemplateError
			if !errors.As(err, &terr) || !strings.Contains(err.Error(), `function "`+name+`" not defined`) {
				t.Errorf("an override calling %s: err = %v, want the function undefined", name, err)
			}
		})
	}
}
