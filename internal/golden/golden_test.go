package golden

import (
	"fmt"
	"strings"
	"testing"
)

// TestGlobFailsOnNothing: a pattern that matches nothing, or cannot be
// parsed, fails the test that asked, instead of letting it range over no
// cases.
func TestGlobFailsOnNothing(t *testing.T) {
	for _, pattern := range []string{"testdata/nothing-here/*", "[", "../../golden/*/no-such-file"} {
		ft := &fakeTB{TB: t}
		func() {
			defer func() { recover() }() // Fatalf ends the fake's "goroutine" by panicking
			Glob(ft, pattern)
		}()
		if !strings.Contains(ft.msg, pattern) {
			t.Errorf("Glob(%q) did not fail the test (message %q)", pattern, ft.msg)
		}
	}
	if got := Glob(t, "../../golden/*/inventory.yaml"); len(got) < 2 {
		t.Errorf("found %d golden inventories", len(got))
	}
}

// fakeTB records a Fatalf instead of failing the real test.
type fakeTB struct {
	testing.TB
	msg string
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	panic("fatal")
}
