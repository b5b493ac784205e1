// Package golden finds the test cases under the repository's golden/
// directory for the tests of other packages. A test that ranges over a
// glob passes, testing nothing, when the glob matches nothing (a moved
// directory, a typo): Glob makes that a failure.
package golden

import (
	"path/filepath"
	"testing"
)

// Glob returns the files matching pattern, sorted. A malformed pattern,
// or one that matches nothing, fails tb at once.
func Glob(tb testing.TB, pattern string) []string {
	tb.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		tb.Fatalf("glob %s: %v", pattern, err)
	}
	if len(files) == 0 {
		tb.Fatalf("glob %s: no test cases (run the tests from their package directory)", pattern)
	}
	return files
}
