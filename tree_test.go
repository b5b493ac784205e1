package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pxegen/pxegen/internal/golden"
	"github.com/pxegen/pxegen/internal/sitegen"
)

// These tests attack the output tree the way a hostile local user, a
// killed run or a careless admin would, through the command line.

const treeSite = `server: {ip: 10.1.1.1}
networks: [{name: lab, subnet: 10.1.1.0/24}]
profiles: {p: {kernel: k}}
hosts:
  - {name: node01, mac: "52:54:00:12:34:56", ip: 10.1.1.20, profile: p}
  - {name: node02, mac: "52:54:00:12:34:57", ip: 10.1.1.21, profile: p}
`

// pxegen runs the command line in-process and returns its exit code and
// output.
func pxegen(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runCLI(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func mustRender(t *testing.T, args ...string) {
	t.Helper()
	if code, out, errOut := pxegen(t, append([]string{"render"}, args...)...); code != exitOK {
		t.Fatalf("render %v: exit %d\n%s%s", args, code, out, errOut)
	}
}

func mkdirs(t *testing.T, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestNoWriteOrRemovalFollowsALink puts a symbolic link, relative or
// absolute, at every level of the paths render writes or removes: nothing
// may be written or removed anywhere, and the error names the link.
func TestNoWriteOrRemovalFollowsALink(t *testing.T) {
	for _, tc := range []struct {
		name string
		// setup builds the trap in root, with outside a directory beyond it.
		setup func(t *testing.T, root, outside string)
		link  string // what the error must name
	}{
		{"relative link inside the root, as --out / makes it", func(t *testing.T, root, outside string) {
			mkdirs(t, filepath.Join(root, "etc/sudoers.d"), filepath.Join(root, "srv/tftp"))
			symlink(t, "../../etc/sudoers.d", filepath.Join(root, "srv/tftp/pxelinux.cfg"))
		}, "srv/tftp/pxelinux.cfg"},
		{"absolute link out of the root", func(t *testing.T, root, outside string) {
			mkdirs(t, filepath.Join(root, "srv"))
			symlink(t, outside, filepath.Join(root, "srv/tftp"))
		}, "srv/tftp"},
		{"link at the top level", func(t *testing.T, root, outside string) {
			mkdirs(t, filepath.Join(root, "data/etc"))
			symlink(t, "data/etc", filepath.Join(root, "etc"))
		}, "etc"},
		{"the manifest's directory", func(t *testing.T, root, outside string) {
			mkdirs(t, filepath.Join(root, "var/lib"))
			symlink(t, outside, filepath.Join(root, "var/lib/pxegen"))
		}, "var/lib/pxegen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			root, outside := filepath.Join(dir, "root"), filepath.Join(dir, "outside")
			mkdirs(t, root, outside)
			site := filepath.Join(dir, "site.yaml")
			writeFile(t, site, treeSite)
			tc.setup(t, root, outside)
			before := snapshot(t, dir)
			code, _, stderr := pxegen(t, "render", "-i", site, "-o", root)
			if code != exitError {
				t.Errorf("exit %d, want %d\n%s", code, exitError, stderr)
			}
			if !strings.Contains(stderr, tc.link+" is a symbolic link") {
				t.Errorf("stderr does not name the link %s:\n%s", tc.link, stderr)
			}
			if diff := diffSnapshots(before, snapshot(t, dir)); diff != "" {
				t.Errorf("a render that met a link changed files:\n%s", diff)
			}
		})
	}

	// Removal: a directory of pxegen's files replaced by a link to a copy
	// of them. --prune must not remove the copies.
	t.Run("prune through a link", func(t *testing.T) {
		dir := t.TempDir()
		root, outside := filepath.Join(dir, "root"), filepath.Join(dir, "outside")
		site := filepath.Join(dir, "site.yaml")
		writeFile(t, site, treeSite)
		mustRender(t, "-i", site, "-o", root)
		hosts := filepath.Join(root, "srv/tftp/ipxe/hosts")
		if err := os.Rename(hosts, outside); err != nil {
			t.Fatal(err)
		}
		symlink(t, "../../../../outside", hosts)
		writeFile(t, site, strings.Replace(treeSite, `  - {name: node02, mac: "52:54:00:12:34:57", ip: 10.1.1.21, profile: p}`+"\n", "", 1))
		before := snapshot(t, dir)
		code, _, stderr := pxegen(t, "render", "-i", site, "-o", root, "--prune")
		if code != exitError || !strings.Contains(stderr, "srv/tftp/ipxe/hosts is a symbolic link") {
			t.Errorf("exit %d, want %d naming the link:\n%s", code, exitError, stderr)
		}
		if diff := diffSnapshots(before, snapshot(t, dir)); diff != "" {
			t.Errorf("a prune that met a link changed files:\n%s", diff)
		}
	})
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// editManifest rewrites the manifest under root with edit applied to its
// decoded JSON.
func editManifest(t *testing.T, path string, edit func(m map[string]any)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	data, err = json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(data))
}

// TestManifestIsNotTrusted: whatever the manifest says (or wherever it
// is), a file whose content does not show pxegen wrote it is never
// overwritten or removed.
func TestManifestIsNotTrusted(t *testing.T) {
	t.Run("a moved manifest does not switch off protection", func(t *testing.T) {
		dir := t.TempDir()
		root := filepath.Join(dir, "root")
		site := filepath.Join(dir, "site.yaml")
		writeFile(t, site, treeSite)
		mustRender(t, "-i", site, "-o", root)
		mine := filepath.Join(root, "etc/apache2/conf-available/admin.conf")
		writeFile(t, mine, "Alias /admin /srv/admin\n")
		writeFile(t, site, "paths: {manifest: /var/lib/other/manifest.json, apache_conf: /etc/apache2/conf-available/admin.conf}\n"+treeSite)
		code, _, stderr := pxegen(t, "render", "-i", site, "-o", root)
		if code != exitConflict || !strings.Contains(stderr, "etc/apache2/conf-available/admin.conf") {
			t.Errorf("exit %d, want %d naming admin.conf:\n%s", code, exitConflict, stderr)
		}
		if data, _ := os.ReadFile(mine); string(data) != "Alias /admin /srv/admin\n" {
			t.Errorf("the admin's file was overwritten: %q", data)
		}
	})

	t.Run("an edited manifest cannot make prune remove others' files", func(t *testing.T) {
		dir := t.TempDir()
		root := filepath.Join(dir, "root")
		site := filepath.Join(dir, "site.yaml")
		writeFile(t, site, treeSite)
		mustRender(t, "-i", site, "-o", root)
		sshd := filepath.Join(root, "etc/ssh/sshd_config")
		writeFile(t, sshd, "PermitRootLogin no\n")
		writeFile(t, filepath.Join(root, "etc/ssh/ssh_config"), "Host *\n")
		editManifest(t, filepath.Join(root, "var/lib/pxegen/manifest.json"), func(m map[string]any) {
			files := m["files"].(map[string]any)
			files["etc/ssh/sshd_config"] = fileSum(t, sshd)
			files["etc/ssh/ssh_config"] = fileSum(t, filepath.Join(root, "etc/ssh/ssh_config"))
			files["etc/ssh"] = sha("") // a whole directory, listed as a file
			m["dirs"] = append(m["dirs"].([]any), "etc/ssh", "etc")
		})
		before := snapshot(t, filepath.Join(root, "etc/ssh"))
		for _, force := range []bool{false, true} {
			args := []string{"render", "-i", site, "-o", root, "--prune"}
			if force {
				args = append(args, "--force")
			}
			if code, stdout, stderr := pxegen(t, args...); code != exitOK {
				t.Errorf("%v: exit %d\n%s%s", args, code, stdout, stderr)
			} else if !force && !strings.Contains(stderr, "warning: etc/ssh/sshd_config: the manifest lists it, but pxegen did not write it") {
				t.Errorf("render does not say it leaves sshd_config alone:\n%s", stderr)
			}
		}
		if diff := diffSnapshots(before, snapshot(t, filepath.Join(root, "etc/ssh"))); diff != "" {
			t.Errorf("prune removed files pxegen never wrote:\n%s", diff)
		}
	})

	t.Run("a manifest entry carrying the file's hash is not enough", func(t *testing.T) {
		dir := t.TempDir()
		root := filepath.Join(dir, "root")
		site := filepath.Join(dir, "site.yaml")
		writeFile(t, site, treeSite)
		mustRender(t, "-i", site, "-o", root)
		conf := filepath.Join(root, "etc/dhcp/dhcpd.conf")
		writeFile(t, conf, "authoritative;\n")
		editManifest(t, filepath.Join(root, "var/lib/pxegen/manifest.json"), func(m map[string]any) {
			m["files"].(map[string]any)["etc/dhcp/dhcpd.conf"] = fileSum(t, conf)
		})
		writeFile(t, site, strings.Replace(treeSite, "server: {ip: 10.1.1.1}", "server: {ip: 10.1.1.1, domain: lab.example}", 1))
		code, _, stderr := pxegen(t, "render", "-i", site, "-o", root)
		if code != exitConflict || !strings.Contains(stderr, "etc/dhcp/dhcpd.conf") {
			t.Errorf("exit %d, want %d naming dhcpd.conf:\n%s", code, exitConflict, stderr)
		}
		if data, _ := os.ReadFile(conf); string(data) != "authoritative;\n" {
			t.Errorf("a file without pxegen's mark was overwritten: %q", data)
		}
	})
}

// TestKilledRunIsPrunedAndSwept builds the tree a run that added many
// hosts leaves when it is killed during its renames: its pending record,
// some of its files renamed into place, temporary files of the rest (in
// directories the old tree does not have). A --prune render of the old
// inventory must remove the killed run's files and temporary files and
// then the pending record; a render without --prune must keep tracking
// them, so that a later --prune removes them.
func TestKilledRunIsPrunedAndSwept(t *testing.T) {
	for _, prune := range []bool{true, false} {
		name := map[bool]string{true: "prune", false: "no prune, then prune"}[prune]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			root, scratch := filepath.Join(dir, "root"), filepath.Join(dir, "scratch")
			oldSite, newSite := filepath.Join(dir, "old.yaml"), filepath.Join(dir, "new.yaml")
			os.WriteFile(oldSite, sitegen.Site(0, "a"), 0o644)
			os.WriteFile(newSite, sitegen.Site(40, "a"), 0o644)
			mustRender(t, "-i", oldSite, "-o", root)
			mustRender(t, "-i", newSite, "-o", scratch)
			oldTree := golden.ReadTree(t, root)
			newTree := golden.ReadTree(t, scratch)

			// The killed run's pending record: old and new hash of every
			// file it changes.
			pending := map[string][]string{}
			var changed []string
			for _, p := range sortedPaths(newTree) {
				data := newTree[p]
				if p == "var/lib/pxegen/manifest.json" || oldTree[p] == data {
					continue
				}
				changed = append(changed, p)
				pending[p] = append(pending[p], sha(data))
				if old, ok := oldTree[p]; ok {
					pending[p] = append(pending[p], sha(old))
				}
			}
			rec, _ := json.Marshal(map[string]any{"version": 1, "files": pending})
			writeFile(t, filepath.Join(root, "var/lib/pxegen/manifest.json.pending"), string(rec))
			// Half its files renamed into place, the other half still
			// temporary files.
			var leftovers []string
			killedFiles := 0
			for i, p := range changed {
				target := filepath.Join(root, p)
				if i%2 == 0 {
					writeFile(t, target, newTree[p])
					if _, inOld := oldTree[p]; !inOld {
						killedFiles++
					}
					continue
				}
				tmp := filepath.Join(filepath.Dir(target), "."+filepath.Base(p)+".pxegen-tmp-99999-"+strconv.Itoa(i))
				writeFile(t, tmp, newTree[p])
				leftovers = append(leftovers, tmp)
			}
			if killedFiles == 0 || len(leftovers) == 0 {
				t.Fatalf("the killed run left %d new files and %d temporary files: no test", killedFiles, len(leftovers))
			}

			args := []string{"-i", oldSite, "-o", root}
			if prune {
				mustRender(t, append(args, "--prune")...)
			} else {
				mustRender(t, args...)
				manifest, _ := os.ReadFile(filepath.Join(root, "var/lib/pxegen/manifest.json"))
				for i, p := range changed {
					if _, inOld := oldTree[p]; i%2 == 0 && !inOld && !strings.Contains(string(manifest), `"`+p+`"`) {
						t.Errorf("the killed run's %s is not tracked after a render without --prune", p)
					}
				}
				mustRender(t, append(args, "--prune")...)
			}
			got := golden.ReadTree(t, root)
			for p := range got {
				if _, ok := oldTree[p]; !ok {
					t.Errorf("left behind: %s", p)
				}
			}
			for p, want := range oldTree {
				if p != "var/lib/pxegen/manifest.json" && got[p] != want {
					t.Errorf("%s is not the old inventory's after a --prune render", p)
				}
			}
		})
	}
}

func sortedPaths(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// TestDiffEscapesTerminalControls: a hostile old file's escape sequences,
// in its content or its name, never reach the terminal raw.
func TestDiffEscapesTerminalControls(t *testing.T) {
	const hostile = "\x1b]0;owned\x07\x1b[2J\x1b[1;1H\rnothing to see\x9b31m\u202eevil\n"
	setup := func(t *testing.T) (site, root string) {
		dir := t.TempDir()
		root = filepath.Join(dir, "root")
		site = filepath.Join(dir, "site.yaml")
		writeFile(t, site, treeSite)
		mustRender(t, "-i", site, "-o", root)
		return site, root
	}
	check := func(t *testing.T, site, root string) {
		t.Helper()
		for _, args := range [][]string{
			{"diff", "-i", site, "--root", root},
			{"diff", "-i", site, "--root", root, "--prune"},
			{"diff", "-i", site, "--root", root, "--prune", "--stat"},
			{"render", "-i", site, "-o", root, "--prune", "--dry-run"},
			{"render", "-i", site, "-o", root, "--prune", "--dry-run", "--format", "json"},
			{"render", "-i", site, "-o", root, "--prune"},
		} {
			_, stdout, stderr := pxegen(t, args...)
			for _, out := range []string{stdout, stderr} {
				if strings.ContainsAny(out, "\x1b\x07\r\u009b\u202e") || strings.Contains(out, "\x9b") {
					t.Errorf("%v passes a control character to the terminal: %q", args[:len(args)-1], out)
				}
			}
		}
	}
	t.Run("content", func(t *testing.T) {
		site, root := setup(t)
		// An old file whose lines the diff shows as removed, and one about
		// to be pruned.
		conf := filepath.Join(root, "etc/dhcp/dhcpd.conf")
		data, _ := os.ReadFile(conf)
		writeFile(t, conf, string(data)+hostile)
		host := filepath.Join(root, "srv/tftp/pxelinux.cfg/01-52-54-00-12-34-57")
		data, _ = os.ReadFile(host)
		writeFile(t, host, string(data)+hostile)
		writeFile(t, site, strings.Replace(treeSite, `  - {name: node02, mac: "52:54:00:12:34:57", ip: 10.1.1.21, profile: p}`+"\n", "", 1))
		_, stdout, stderr := pxegen(t, "diff", "-i", site, "--root", root, "--prune")
		if !strings.Contains(stdout, `-\x1b]0;owned\x07`) {
			t.Errorf("diff does not show the hostile line, escaped:\n%s%s", stdout, stderr)
		}
		check(t, site, root)
	})
	t.Run("names", func(t *testing.T) {
		site, root := setup(t)
		// A manifest entry with escapes in it, for a file that exists.
		name := "srv/tftp/\x1b[31mred\x07"
		writeFile(t, filepath.Join(root, name), "# Generated by pxegen. Do not edit\n")
		editManifest(t, filepath.Join(root, "var/lib/pxegen/manifest.json"), func(m map[string]any) {
			m["files"].(map[string]any)[name] = sha("# Generated by pxegen. Do not edit\n")
		})
		check(t, site, root)
	})
}
