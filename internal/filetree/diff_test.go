package filetree

import (
	"bytes"
	"strings"
	"testing"
)

// TestWriteDiffIsMinimal: the diff of a change removes and adds as few
// lines as any diff could, as diff(1) does: a host added to dhcpd.conf is
// its own lines added, not a closing brace removed and added again.
func TestWriteDiffIsMinimal(t *testing.T) {
	host := func(name string) string { return "host " + name + " {\n  fixed-address 10.1.1.1;\n}\n" }
	for name, c := range map[string]struct{ old, new string }{
		"one line added":                              {"a\nb\nc\nd\n", "a\nb\nX\nc\nd\n"},
		"one line added at end":                       {"a\nb\n", "a\nb\nc\n"},
		"one line removed":                            {"a\nb\nc\n", "a\nc\n"},
		"a block added between blocks that end alike": {host("a") + host("b"), host("a") + host("c") + host("b")},
		"a block removed":                             {host("a") + host("c") + host("b"), host("a") + host("b")},
		"one line changed":                            {host("a") + host("b"), host("a") + strings.Replace(host("b"), "1;", "2;", 1)},
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			apply(t, root, Tree{{Path: "etc/f", Data: []byte(c.old)}}, PlanOptions{})
			p, err := NewPlan(root, Tree{{Path: "etc/f", Data: []byte(c.new)}}, PlanOptions{Manifest: testManifest})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			var out bytes.Buffer
			if err := p.WriteDiff(&out, false); err != nil {
				t.Fatal(err)
			}
			removed, added := 0, 0
			for _, line := range strings.Split(out.String(), "\n") {
				switch {
				case strings.HasPrefix(line, "---"), strings.HasPrefix(line, "+++"):
				case strings.HasPrefix(line, "-"):
					removed++
				case strings.HasPrefix(line, "+"):
					added++
				}
			}
			oldLines, newLines := strings.SplitAfter(c.old, "\n"), strings.SplitAfter(c.new, "\n")
			common := lcs(oldLines, newLines)
			if removed != len(oldLines)-common || added != len(newLines)-common {
				t.Errorf("-%d +%d lines, want -%d +%d:\n%s", removed, added, len(oldLines)-common, len(newLines)-common, out.String())
			}
		})
	}
}

// lcs is the length of the longest common subsequence of a and b: the
// lines a minimal diff keeps.
func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	for i := range a {
		cur := make([]int, len(b)+1)
		for j := range b {
			if a[i] == b[j] {
				cur[j+1] = prev[j] + 1
			} else {
				cur[j+1] = max(prev[j+1], cur[j])
			}
		}
		prev = cur
	}
	return prev[len(b)]
}
