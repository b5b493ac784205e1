// Package golden serves the tests of other packages that compare trees
// of files with the expected ones under the repository's golden/
// directory: it finds the cases, and reads a tree the way they compare
// it. A test that ranges over a glob passes, testing nothing, when the
// glob matches nothing (a moved directory, a typo): Glob makes that a
// failure.
package golden

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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

// ReadTree reads every regular file under dir, whatever its name, into a
// map keyed by slash-separated relative path.
func ReadTree(tb testing.TB, dir string) map[string]string {
	tb.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		r, err := filepath.Rel(dir, p)
		m[filepath.ToSlash(r)] = string(data)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// keaInclude is a line of Kea's <?include "FILE"?>, as pxegen writes it.
var keaInclude = regexp.MustCompile(`^\s*<\?include "([^"]*)"\?>$`)

// KeaJSON is the JSON of a kea-dhcp4.conf as pxegen writes it, for a test
// to decode: without its comment lines, and with an <?include "FILE"?>
// line, which Kea replaces by the file's members, read as one member
// "<?include?>": "FILE".
func KeaJSON(text string) []byte {
	var body strings.Builder
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(strings.TrimSpace(line), "//"):
		case keaInclude.MatchString(line):
			fmt.Fprintf(&body, "%q: %q\n", "<?include?>", keaInclude.FindStringSubmatch(line)[1])
		default:
			body.WriteString(line + "\n")
		}
	}
	return []byte(body.String())
}

// Peer is the HA peer a case renders for: the content of dir/peer, or ""
// when the case has no such file. Every test that renders a golden
// inventory passes it to inventory.WithPeer, as `pxegen render --peer`
// would: an inventory of an HA pair renders for one server at a time.
func Peer(tb testing.TB, dir string) string {
	tb.Helper()
	return caseFile(tb, dir, "peer")
}

// Site is the site a case renders for (dir/for-site; dir/site holds the
// site's own files), for inventory.WithSite, as Peer is for the HA peer.
func Site(tb testing.TB, dir string) string {
	tb.Helper()
	return caseFile(tb, dir, "for-site")
}

// caseFile is the trimmed content of dir/name, or "" if there is none.
func caseFile(tb testing.TB, dir, name string) string {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	if err != nil {
		tb.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}
