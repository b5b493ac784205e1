package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/pxegen/pxegen/internal/filetree"
)

var update = flag.Bool("update", false, "rewrite golden/cli scripts from what the commands print")

func TestMain(m *testing.M) {
	testscript.Main(removeBinary{m}, map[string]func(){
		"pxegen": main,
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
			// Where testscript put the pxegen command, for a script that
			// sets a PATH without the system's daemons.
			for _, dir := range filepath.SplitList(env.Getenv("PATH")) {
				if _, err := os.Stat(filepath.Join(dir, "pxegen")); err == nil {
					env.Setenv("PXEGEN_DIR", dir)
					break
				}
			}
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
	if code := runCLI([]string{"render", "-i", valid, "-o", edited}, &bytes.Buffer{}, &bytes.Buffer{}); code != exitOK {
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

	// A rendered tree with the files it references in boot_root, and one
	// without them.
	ready, bare := filepath.Join(dir, "ready"), filepath.Join(dir, "bare")
	for _, out := range []string{ready, bare} {
		if code := runCLI([]string{"render", "-i", valid, "-o", out}, &bytes.Buffer{}, &bytes.Buffer{}); code != exitOK {
			t.Fatalf("render: exit %d", code)
		}
	}
	for _, f := range []string{"k", "undionly.kpxe", "snponly.efi", "pxelinux.0", "ldlinux.c32", "menu.c32", "libutil.c32"} {
		writeFile(t, filepath.Join(ready, "srv/tftp", f), "a boot file")
	}
	// A PATH with no daemon on it: every check of verify is skipped.
	noDaemons := t.TempDir()
	// A PATH whose dhcpd rejects every file.
	rejecting := t.TempDir()
	writeFile(t, filepath.Join(rejecting, "dhcpd"), "#!/bin/sh\necho \"Can't open $3\"\nexit 1\n")
	if err := os.Chmod(filepath.Join(rejecting, "dhcpd"), 0o755); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name string
		args []string
		want int
		path string // $PATH while it runs, if not the test's
	}{
		{"render ok", []string{"render", "-i", valid, "-o", filepath.Join(dir, "out")}, exitOK, ""},
		{"check ok", []string{"check", "-i", valid}, exitOK, ""},
		{"version", []string{"version"}, exitOK, ""},
		{"invalid inventory", []string{"check", "-i", invalid}, exitInvalid, ""},
		{"unknown template override", []string{"check", "-i", valid, "--templates", overrides}, exitInvalid, ""},
		{"missing inventory", []string{"check", "-i", filepath.Join(dir, "nope.yaml")}, exitError, ""},
		{"missing --out", []string{"render", "-i", valid}, exitError, ""},
		{"unknown flag", []string{"render", "--frobnicate"}, exitError, ""},
		{"unwritable output", []string{"render", "-i", valid, "-o", filepath.Join(blocker, "out")}, exitError, ""},
		{"hand-edited file", []string{"render", "-i", valid, "-o", edited}, exitConflict, ""},
		{"hand-edited file forced", []string{"render", "-i", valid, "-o", edited, "--force", "--dry-run"}, exitOK, ""},
		{"file pxegen did not write, first run", []string{"render", "-i", valid, "-o", adopted}, exitConflict, ""},
		{"tree held by another run", []string{"render", "-i", valid, "-o", busy}, exitError, ""},
		{"diff, tree held by another run", []string{"diff", "-i", valid, "--root", busy}, 2, ""},
		{"verify, no tree", []string{"verify", "-i", valid, "-o", filepath.Join(dir, "nope")}, exitError, ""},
		{"diff, no change", []string{"diff", "-i", valid, "--root", filepath.Join(dir, "out")}, 0, ""},
		{"diff, changes", []string{"diff", "-i", valid, "--root", edited}, 1, ""},
		{"diff, invalid inventory", []string{"diff", "-i", invalid, "--root", edited}, 2, ""},
		{"diff, missing --root", []string{"diff", "-i", valid}, 2, ""},
		{"bad --format", []string{"render", "-i", valid, "-o", edited, "--format", "yaml"}, exitError, ""},
		{"help", []string{"help"}, exitOK, ""},
		{"--help", []string{"--help"}, exitOK, ""},
		{"help of a command", []string{"help", "render"}, exitOK, ""},
		{"a command's --help", []string{"diff", "--help"}, exitOK, ""},
		{"--version", []string{"--version"}, exitOK, ""},
		{"no command", []string{}, exitError, ""},
		{"unknown command", []string{"nosuch"}, exitError, ""},
		{"help of an unknown command", []string{"help", "nosuch"}, exitError, ""},
		{"unknown flag before the command", []string{"--frobnicate"}, exitError, ""},
		{"the inventory as the argument", []string{"check", valid}, exitOK, ""},
		{"two inventories", []string{"check", valid, invalid}, exitError, ""},
		{"-i and another argument", []string{"check", "-i", valid, invalid}, exitError, ""},
		{"version with an argument", []string{"version", "now"}, exitError, ""},
		{"diff, no root", []string{"diff", "-i", valid, "--root", filepath.Join(dir, "nope")}, 2, ""},
		{"verify, skipped checks", []string{"verify", "-i", valid, "-o", ready}, exitOK, noDaemons},
		{"verify, a kernel and loaders missing", []string{"verify", "-i", valid, "-o", bare}, exitReject, noDaemons},
		{"verify --strict, skipped checks", []string{"verify", "-i", valid, "-o", ready, "--strict"}, exitReject, noDaemons},
		{"render --verify --strict, skipped checks", []string{"render", "-i", valid, "-o", filepath.Join(dir, "out2"), "--verify", "--strict"}, exitReject, noDaemons},
		{"render --strict without --verify", []string{"render", "-i", valid, "-o", filepath.Join(dir, "out2"), "--strict"}, exitError, ""},
		{"verify, a daemon rejects", []string{"verify", "-i", valid, "-o", filepath.Join(dir, "out")}, exitReject, rejecting},
		{"render --verify, a daemon rejects", []string{"render", "-i", valid, "-o", filepath.Join(dir, "out2"), "--verify"}, exitReject, rejecting},
		{"verify --format json, a daemon rejects", []string{"verify", "-i", valid, "-o", filepath.Join(dir, "out"), "--format", "json"}, exitReject, rejecting},
		{"schema", []string{"schema"}, exitOK, ""},
		{"schema with an argument", []string{"schema", valid}, exitError, ""},
		{"man", []string{"man"}, exitOK, ""},
		{"completion bash", []string{"completion", "bash"}, exitOK, ""},
		{"completion zsh", []string{"completion", "zsh"}, exitOK, ""},
		{"completion without a shell", []string{"completion"}, exitError, ""},
		{"completion for an unknown shell", []string{"completion", "fish"}, exitError, ""},
		{"explain --format json, invalid inventory", []string{"explain", "-i", invalid, "--mac", "52:54:00:00:00:01", "--format", "json"}, exitInvalid, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.path != "" {
				t.Setenv("PATH", tc.path)
			}
			var stdout, stderr bytes.Buffer
			got := runCLI(tc.args, &stdout, &stderr)
			if got != tc.want {
				t.Errorf("exit code %d, want %d\nstdout: %s\nstderr: %s", got, tc.want, stdout.String(), stderr.String())
			}
			switch {
			case tc.want == exitOK || len(tc.args) > 0 && tc.args[0] == "diff" && tc.want == 1:
			case slices.Contains(tc.args, "json"):
				// One JSON document that names the exit code.
				var doc struct {
					Error    string `json:"error"`
					ExitCode int    `json:"exit_code"`
				}
				if err := json.Unmarshal(stderr.Bytes(), &doc); err != nil || doc.ExitCode != tc.want || doc.Error == "" {
					t.Errorf("stderr is not a JSON error with exit code %d (%v): %q", tc.want, err, stderr.String())
				}
			case !strings.HasPrefix(stderr.String(), "pxegen: ") && !strings.Contains(stderr.String(), "\npxegen: "):
				t.Errorf("stderr does not say what failed: %q", stderr.String())
			}
		})
	}
}

// runCLI runs the command line in-process, with nothing on standard input.
func runCLI(args []string, stdout, stderr io.Writer) int {
	return run(context.Background(), append([]string{"pxegen"}, args...), strings.NewReader(""), stdout, stderr)
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

// TestInterruptDuringVerify sends SIGINT to render --verify while a
// daemon's check runs (a fake dhcpd that would take a minute): pxegen
// stops the check, removes its staging copy, writes nothing, says so and
// exits 2, long before the daemon would have finished.
func TestInterruptDuringVerify(t *testing.T) {
	bin := pxegenBinary(t)
	dir := t.TempDir()
	tmp, fake := filepath.Join(dir, "tmp"), filepath.Join(dir, "bin")
	started := filepath.Join(dir, "started")
	writeFile(t, filepath.Join(fake, "dhcpd"), "#!/bin/sh\ntouch "+started+"\nexec sleep 60\n")
	if err := os.Chmod(filepath.Join(fake, "dhcpd"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	inv, out := filepath.Join(dir, "site.yaml"), filepath.Join(dir, "out")
	writeFile(t, inv, "server: {ip: 10.1.1.1}\nnetworks: [{name: lab, subnet: 10.1.1.0/24}]\nprofiles: {a: {kernel: k}}\n")
	cmd := exec.Command(bin, "render", "--verify", "-i", inv, "-o", out)
	cmd.Env = append(os.Environ(), "PATH="+fake+":/usr/bin:/bin", "TMPDIR="+tmp)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stop := make(chan struct{})
	defer close(stop)
	select {
	case <-afterFileAppears(started, 0, stop):
	case err := <-done:
		t.Fatalf("render --verify ended before the daemon's check started: %v\n%s", err, stderr.String())
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the fake dhcpd did not start within 30 s")
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("pxegen had not exited 20 s after SIGINT\n%s", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != exitError || !strings.Contains(stderr.String(), "pxegen: interrupted") {
		t.Errorf("exit code %d, want %d, and stderr saying it was interrupted:\n%s", code, exitError, stderr.String())
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left in $TMPDIR: %v", left)
	}
	if _, err := os.Lstat(out); !os.IsNotExist(err) {
		t.Errorf("an interrupted render wrote %s", out)
	}
}

// TestDocNamesEveryFlag: doc.go, the command's documentation, names every
// command and every flag each takes, so that it cannot fall behind.
func TestDocNamesEveryFlag(t *testing.T) {
	data, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, c := range commands {
		if !strings.Contains(doc, "\t"+c.name+" ") {
			t.Errorf("doc.go does not list the command %s", c.name)
		}
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		c.flags(fs)
		fs.VisitAll(func(f *flag.Flag) {
			dashes := "--"
			if len(f.Name) == 1 {
				dashes = "-"
			}
			if !strings.Contains(doc, dashes+f.Name) {
				t.Errorf("doc.go does not name %s's flag %s%s", c.name, dashes, f.Name)
			}
		})
	}
}
