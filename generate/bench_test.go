package generate

import (
	"fmt"
	"os"
	"testing"

	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/internal/sitegen"
	"github.com/pxegen/pxegen/inventory"
)

func benchInventory(b *testing.B, n int) *inventory.Inventory {
	b.Helper()
	inv, err := inventory.Parse("bench.yaml", sitegen.Site(n, "a"))
	if err != nil {
		b.Fatal(err)
	}
	return inv
}

// BenchmarkRender renders generated inventories into memory.
func BenchmarkRender(b *testing.B) {
	engine, err := New("")
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1000, 10000, 100000} {
		inv := benchInventory(b, n)
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := engine.Render(inv); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWrite writes a rendered tree: fresh into an empty directory,
// and again over itself unchanged (plan and apply, as render does).
func BenchmarkWrite(b *testing.B) {
	engine, err := New("")
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1000, 10000} {
		tree, err := engine.Render(benchInventory(b, n))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("fresh/hosts=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dir, _ := os.MkdirTemp("", "pxegen-bench-")
				b.StartTimer()
				p, err := filetree.NewPlan(dir, tree, filetree.PlanOptions{Manifest: "var/lib/pxegen/manifest.json", Mark: Mark, Lock: filetree.ExclusiveLock})
				if err != nil {
					b.Fatal(err)
				}
				if err := p.Apply(); err != nil {
					b.Fatal(err)
				}
				p.Close()
				b.StopTimer()
				os.RemoveAll(dir)
				b.StartTimer()
			}
		})
		dir := b.TempDir()
		if _, err := filetree.Write(dir, tree); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("unchanged/hosts=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				p, err := filetree.NewPlan(dir, tree, filetree.PlanOptions{Mark: Mark, Lock: filetree.ExclusiveLock})
				if err != nil {
					b.Fatal(err)
				}
				if err := p.Apply(); err != nil {
					b.Fatal(err)
				}
				p.Close()
			}
		})
	}
}
