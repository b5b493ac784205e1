package verify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeKea puts a kea-dhcp4 on PATH that prints version for -v.
func fakeKea(t *testing.T, version string) {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/sh\n[ \"$1\" = -v ] && echo '" + version + "' && exit 0\nexit 1\n"
	if err := os.WriteFile(filepath.Join(dir, "kea-dhcp4"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
}

// TestKeaVersion: the check passes when the installed Kea reads the
// configuration's shape, fails naming both versions when it does not, and
// is skipped without Kea.
func TestKeaVersion(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		installed, inventory string
		want                 Status
		detail               []string
	}{
		{"2.2.0", "2.2", Passed, []string{"kea-dhcp4 -v: 2.2.0"}},
		{"2.6.1", "2.2", Passed, []string{"kea-dhcp4 -v: 2.6.1"}},
		{"2.7.3", "2.2", Passed, []string{"kea-dhcp4 -v: 2.7.3"}},
		{"3.0.1", "3.0", Passed, []string{"kea-dhcp4 -v: 3.0.1"}},
		{"2.7.4", "3.0", Passed, []string{"kea-dhcp4 -v: 2.7.4"}},
		{"3.0.1", "2.2", Failed, []string{"this kea-dhcp4 is 3.0.1, which deprecates only-if-required and require-client-classes", `set targets.kea_version: "3.0"`}},
		{"2.2.0", "3.0", Failed, []string{"this kea-dhcp4 is 2.2.0, which does not know only-in-additional-list and evaluate-additional-classes", `set targets.kea_version: "2.2"`}},
		{"2.7.5-git", "2.2", Failed, []string{"this kea-dhcp4 is 2.7.5-git", `"2.7"`}},
		{"no version here", "2.2", Failed, []string{"cannot tell its version"}},
	} {
		fakeKea(t, c.installed)
		r := KeaVersion(ctx, c.inventory)
		ok := r.Check == "kea-version" && r.Status == c.want
		for _, d := range c.detail {
			ok = ok && strings.Contains(r.Detail, d)
		}
		if !ok {
			t.Errorf("Kea %s, kea_version %s: %s %s: %s; want %s containing %q", c.installed, c.inventory, r.Check, r.Status, r.Detail, c.want, c.detail)
		}
	}
	t.Setenv("PATH", t.TempDir())
	if r := KeaVersion(ctx, "2.2"); r.Status != Skipped {
		t.Errorf("without Kea: %s: %s", r.Status, r.Detail)
	}
}
