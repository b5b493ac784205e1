//go:build integration

package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPackage builds the Debian package with make package (nfpm), checks
// what it holds, installs it with dpkg -i into a root of its own (dpkg
// --root, so the machine's own package database is untouched), runs what
// it installed, and removes it again.
func TestPackage(t *testing.T) {
	requireCommands(t, "make", "go", "dpkg", "dpkg-deb", "gzip")
	tmp := t.TempDir()
	dist := filepath.Join(tmp, "dist")
	const version = "1.2.3~test"
	cmd := exec.Command("make", "--no-print-directory", "-C", "..", "package", "DIST="+dist, "VERSION="+version)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make package: %v\n%s", err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(dist, "*.deb"))
	if len(debs) != 1 || !strings.Contains(filepath.Base(debs[0]), "pxegen_"+version+"_") {
		t.Fatalf("make package made %v, want one pxegen_%s_ARCH.deb", debs, version)
	}
	deb := debs[0]
	contents := run(t, "dpkg-deb", "--contents", deb)
	files := []string{"usr/bin/pxegen", "usr/share/man/man1/pxegen.1.gz", "usr/share/bash-completion/completions/pxegen",
		"usr/share/zsh/vendor-completions/_pxegen", "usr/share/doc/pxegen/examples/lab.yaml", "usr/share/pxegen/inventory.schema.json",
		"usr/share/doc/pxegen/copyright"}
	for _, f := range files {
		if !strings.Contains(contents, "./"+f+"\n") {
			t.Errorf("the package has no /%s:\n%s", f, contents)
		}
	}
	if info := run(t, "dpkg-deb", "--field", deb, "Package", "Version"); !strings.Contains(info, "Package: pxegen") || !strings.Contains(info, "Version: "+version) {
		t.Errorf("the package's control fields:\n%s", info)
	}

	// dpkg -i into a root of its own: a dpkg database there, nothing here.
	root := filepath.Join(tmp, "root")
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "dpkg", "--root="+root, "-i", deb)
	if status := run(t, "dpkg", "--root="+root, "-s", "pxegen"); !strings.Contains(status, "Status: install ok installed") {
		t.Fatalf("dpkg -s pxegen after dpkg -i:\n%s", status)
	}
	bin := filepath.Join(root, "usr/bin/pxegen")
	if got := run(t, bin, "version"); strings.TrimSpace(got) != "pxegen "+version {
		t.Errorf("the installed pxegen says %q, want pxegen %s", got, version)
	}
	example := filepath.Join(root, "usr/share/doc/pxegen/examples/lab.yaml")
	run(t, bin, "check", example)
	run(t, bin, "render", example, "-o", filepath.Join(tmp, "out"))
	if schema, err := os.ReadFile(filepath.Join(root, "usr/share/pxegen/inventory.schema.json")); err != nil || string(schema) != run(t, bin, "schema") {
		t.Errorf("the installed schema is not what pxegen schema prints (%v)", err)
	}
	if requireCommandsQuiet("groff") {
		page := run(t, "sh", "-c", "gzip -dc "+filepath.Join(root, "usr/share/man/man1/pxegen.1.gz")+" | groff -man -Tutf8 -P-cbou")
		for _, want := range []string{"PXEGEN(1)", "completion", "--prune"} {
			if !strings.Contains(page, want) {
				t.Errorf("the installed man page has no %q", want)
			}
		}
	}
	completion := filepath.Join(root, "usr/share/bash-completion/completions/pxegen")
	if got := run(t, "bash", "--norc", "--noprofile", "-c", "source "+completion+"; COMP_WORDS=(pxegen ren); COMP_CWORD=1; _pxegen; echo \"${COMPREPLY[@]}\""); strings.TrimSpace(got) != "render" {
		t.Errorf("the installed bash completion completes ren as %q", got)
	}
	if requireCommandsQuiet("zsh") {
		run(t, "zsh", "-n", filepath.Join(root, "usr/share/zsh/vendor-completions/_pxegen"))
	}
	t.Logf("check package: %s installs with dpkg -i, and the installed pxegen, man page and completions work", filepath.Base(deb))

	run(t, "dpkg", "--root="+root, "-r", "pxegen")
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(root, f)); !os.IsNotExist(err) {
			t.Errorf("dpkg -r left /%s", f)
		}
	}
}

// requireCommandsQuiet reports whether every command is installed.
func requireCommandsQuiet(names ...string) bool {
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			return false
		}
	}
	return true
}
