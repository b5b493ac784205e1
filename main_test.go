package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pxegen/pxegen/internal/filetree"
)

var update = flag.Bool("update", false, "rewrite golden/cli scripts from what the commands print")

func TestMain(m *testing.M) {
	testscript.Main(removeBinary{m}, map[string]func(){
		"pxegen": func() { os.Exit(run(os.Args, os.Stdout, os.Stderr)) },
	})
}

// removeBinary runs the tests, then removes the command pxegenBinary
// built: 12 MB in $TMPDIR per run otherwise.
type removeBinary struct{ m *testing.M }

func (r removeBinary) Run() int {
	defer func() {
		if binaryDir != "" {
			os.RemoveAll(binaryDir)
		}
	}()
	return r.m.Run()
}

// TestCLI runs the scripts in golden/cli: each is a small session of shell
// commands with the files it needs and the output it expects.
func TestCLI(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           filepath.Join("golden", "cli"),
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("TZ", "UTC")
			return nil
		},
	})
}

// TestExitCodes pins the documented exit codes, which scripts cannot tell
// apart.
func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	valid := filepath.Join(dir, "valid.yaml")
	invalid := filepath.Join(dir, "invalid.yaml")
	overrides := filepath.Join(dir, "tmpl")
	writeFile(t, valid, "server: {ip: 10.1.1.1}\nnetworks: [{name: lab, subnet: 10.1.1.0/24}]\nprofiles: {a: {kernel: k}}\n")
	writeFile(t, invalid, "server: {ip: 10.1.1.300}\nnetworks: [{name: lab, subnet: 10.1.1.0/24}]\nprofiles: {a: {kernel: k}}\n")
	writeFile(t, filepath.Join(overrides, "dhcpd", "typo.tmpl"), "x")
	blocker := filepath.Join(dir, "blocker")
	writeFile(t, blocker, "a file where the output directory should be")
	// A rendered tree whose dhcpd.conf was then edited by hand.
	edited := filepath.Join(dir, "edited")
	if code := run([]string{"pxegen", "render", "-i", valid, "-o", edited}, &bytes.Buffer{}, &bytes.Buffer{}); code != exitOK {
		t.Fatalf("render: exit %d", code)
	}
	writeFile(t, filepath.Join(edited, "etc/dhcp/dhcpd.conf"), "# hand edit\n")
	// A first run onto a server with its own dhcpd.conf.
	adopted := filepath.Join(dir, "adopted")
	writeFile(t, filepath.Join(adopted, "etc/dhcp/dhcpd.conf"), "authoritative;\n")
	// A tree another run holds.
	busy := filepath.Join(dir, "busy")
	holder, err := filetree.NewPlan(busy, nil, filetree.PlanOptions{Lock: filetree.ExclusiveLock})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()

	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"render ok", []string{"render", "-i", valid, "-o", filepath.Join(dir, "out")}, exitOK},
		{"check ok", []string{"check", "-i", valid}, exitOK},
		{"version", []string{"version"}, exitOK},
		{"invalid inventory", []string{"check", "-i", invalid}, exitInvalid},
		{"unknown template override", []string{"check", "-i", valid, "--templates", overrides}, exitInvalid},
		{"missing inventory", []string{"check", "-i", filepath.Join(dir, "nope.yaml")}, exitError},
		{"missing --out", []string{"render", "-i", valid}, exitError},
		{"unknown flag", []string{"render", "--frobnicate"}, exitError},
		{"unwritable output", []string{"render", "-i", valid, "-o", filepath.Join(blocker, "out")}, exitError},
		{"hand-edited file", []string{"render", "-i", valid, "-o", edited}, exitConflict},
		{"hand-edited file forced", []string{"render", "-i", valid, "-o", edited, "--force", "--dry-run"}, exitOK},
		{"file pxegen did not write, first run", []string{"render", "-i", valid, "-o", adopted}, exitConflict},
		{"tree held by another run", []string{"render", "-i", valid, "-o", busy}, exitError},
		{"diff, tree held by another run", []string{"diff", "-i", valid, "--root", busy}, 2},
		{"verify, no tree", []string{"verify", "-i", valid, "-o", filepath.Join(dir, "nope")}, exitError},
		{"diff, no change", []string{"diff", "-i", valid, "--root", filepath.Join(dir, "out")}, 0},
		{"diff, changes", []string{"diff", "-i", valid, "--root", edited}, 1},
		{"diff, invalid inventory", []string{"diff", "-i", invalid, "--root", edited}, 2},
		{"diff, missing --root", []string{"diff", "-i", valid}, 2},
		{"bad --format", []string{"render", "-i", valid, "-o", edited, "--format", "yaml"}, exitError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			got := run(append([]string{"pxegen"}, tc.args...), &stdout, &stderr)
			if got != tc.want {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", got, tc.want, stdout.String(), stderr.String())
			}
			if tc.want != exitOK && tc.args[0] != "diff" && !strings.Contains(stderr.String(), "pxegen") {
				t.Errorf("stderr does not say what failed: %q", stderr.String())
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
