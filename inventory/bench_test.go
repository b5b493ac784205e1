package inventory

import (
	"fmt"
	"testing"

	"github.com/pxegen/pxegen/internal/sitegen"
)

var benchSizes = []int{1000, 10000, 100000}

// BenchmarkParse decodes and validates generated inventories; ns/op over
// the sizes shows how the cost grows with hosts.
func BenchmarkParse(b *testing.B) {
	for _, n := range benchSizes {
		data := sitegen.Site(n, "a")
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				if _, err := Parse("bench.yaml", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkValidate validates an already decoded inventory.
func BenchmarkValidate(b *testing.B) {
	for _, n := range benchSizes {
		inv, err := Parse("bench.yaml", sitegen.Site(n, "a"))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := inv.Validate(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
