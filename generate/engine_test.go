package generate

import (
	"errors"
	"os"
	"strings"
	"testing"

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
