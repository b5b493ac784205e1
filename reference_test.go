package main

import (
	"bytes"
	"flag"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// everyFlag calls f with each command and each of its flags' names, with
// dashes: what the man page and the completions must all offer.
func everyFlag(t *testing.T, f func(cmd, flag string)) {
	for _, c := range commands {
		fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
		c.flags(fs)
		f(c.name, "")
		fs.VisitAll(func(fl *flag.Flag) {
			dashes := "--"
			if len(fl.Name) == 1 {
				dashes = "-"
			}
			f(c.name, dashes+fl.Name)
		})
	}
}

func output(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := runCLI(args, &stdout, &stderr); code != exitOK {
		t.Fatalf("pxegen %s: exit %d\n%s", strings.Join(args, " "), code, stderr.String())
	}
	return stdout.String()
}

// TestManNamesEveryFlag: the man page has a section for every command,
// and names each of its flags there; groff, where installed, reads it
// without a warning.
func TestManNamesEveryFlag(t *testing.T) {
	man := output(t, "man")
	everyFlag(t, func(cmd, fl string) {
		start := strings.Index(man, "\n.SS "+cmd+"\n")
		if start < 0 {
			if fl == "" {
				t.Errorf("the man page has no section for %s", cmd)
			}
			return
		}
		section := man[start+1:]
		if end := strings.Index(section[1:], "\n.S"); end >= 0 {
			section = section[:end+1]
		}
		if fl != "" && !strings.Contains(section, `\fB`+strings.ReplaceAll(fl, "-", `\-`)+`\fR`) {
			t.Errorf("the man page's section on %s does not name %s", cmd, fl)
		}
	})
	if _, err := exec.LookPath("groff"); err != nil {
		t.Log("groff is not installed: the page was not typeset")
		return
	}
	cmd := exec.Command("groff", "-man", "-ww", "-z", "-Tutf8")
	cmd.Stdin = strings.NewReader(man)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("groff -man -ww: %v\n%s", err, out)
	}
}

// TestBashCompletion runs the bash completion script: bash completes
// every command from nothing, every flag of each from its first letters,
// and the values of flags that take one of a list.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "pxegen.bash")
	writeFile(t, script, output(t, "completion", "bash"))
	// A directory and files to complete: --out takes directories only.
	writeFile(t, filepath.Join(dir, "outdir", "x"), "")
	writeFile(t, filepath.Join(dir, "outfile"), "")
	writeFile(t, filepath.Join(dir, "site.yaml"), "")
	var probe strings.Builder
	fmt.Fprintf(&probe, "cd %s && source %s\n", dir, script)
	complete := func(want string, words ...string) {
		// COMP_WORDS as bash gives them, the last being the word completed.
		fmt.Fprintf(&probe, "COMP_WORDS=(pxegen %s); COMP_CWORD=%d; _pxegen; ", strings.Join(quoteAll(words), " "), len(words))
		fmt.Fprintf(&probe, "printf '%%s\\n' \"${COMPREPLY[@]}\" | grep -qxF -- %q || echo 'MISSING %s after: %s'\n", want, want, strings.Join(words, " "))
	}
	everyFlag(t, func(cmd, fl string) {
		if fl == "" {
			complete(cmd, cmd[:1])
			return
		}
		complete(fl, cmd, fl[:len(fl)-1])
	})
	complete("json", "render", "--format", "j")
	complete("kea", "diff", "--target", "")
	complete("uefi-http", "explain", "--arch", "uefi")
	complete("zsh", "completion", "")
	complete("render", "help", "r")
	complete("outdir", "render", "-o", "out")
	complete("site.yaml", "render", "-o", "outdir", "si")
	complete("site.yaml", "check", "--inventory", "s")
	fmt.Fprintf(&probe, "COMP_WORDS=(pxegen verify --out out); COMP_CWORD=3; _pxegen; [[ ! \" ${COMPREPLY[*]} \" =~ \" outfile \" ]] || echo 'a file offered for --out'\n")
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", probe.String())
	out, err := cmd.CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("bash completion: %v\n%s", err, out)
	}
}

func quoteAll(words []string) []string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = "'" + w + "'"
	}
	return q
}

// TestZshCompletion: the zsh script names every command and flag, and zsh,
// where installed, parses it.
func TestZshCompletion(t *testing.T) {
	script := output(t, "completion", "zsh")
	everyFlag(t, func(cmd, fl string) {
		start := strings.Index(script, "\n\t"+cmd+")\n")
		if start < 0 {
			if fl == "" {
				t.Errorf("the zsh script has no case for %s", cmd)
			}
			return
		}
		section, _, _ := strings.Cut(script[start:], ";;")
		// A long flag's spec, or a short and long flag's pair {-i,--inventory}.
		if fl != "" && !strings.Contains(section, "'"+fl+"[") && !strings.Contains(section, "{"+fl+",") && !strings.Contains(section, ","+fl+"}") {
			t.Errorf("the zsh script's case for %s does not offer %s", cmd, fl)
		}
	})
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		t.Log("zsh is not installed: the script was not parsed")
		return
	}
	file := filepath.Join(t.TempDir(), "_pxegen")
	writeFile(t, file, script)
	if out, err := exec.Command(zsh, "-n", file).CombinedOutput(); err != nil {
		t.Errorf("zsh -n: %v\n%s", err, out)
	}
}
