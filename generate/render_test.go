package generate_test

import (
	"os"
	"strings"
	"testing"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/inventory"
)

// TestRenderUnknownProfile: an inventory changed after validation so that
// a host names no profile it defines is an error, never a panic.
func TestRenderUnknownProfile(t *testing.T) {
	data, err := os.ReadFile("../golden/lab/inventory.yaml")
	if err != nil {
		t.Fatal(err)
	}
	inv, err := inventory.Parse("inventory.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	inv.Hosts[0].Profile = "nope"
	engine, err := generate.New("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Render(inv); err == nil || !strings.Contains(err.Error(), `unknown profile "nope"`) {
		t.Fatalf("err = %v, want an unknown profile", err)
	}
}
