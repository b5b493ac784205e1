package verify

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/inventory"
)

// TestInclude checks the site's include file as verify finds it under the
// tree it is given: only a regular file, reached through no link, owned
// by root or the user and writable by no one else passes.
func TestInclude(t *testing.T) {
	const inc = "/etc/dhcp/site.conf"
	for _, c := range []struct {
		name  string
		setup func(t *testing.T, site string)
		want  Status
		says  string
	}{
		{"a file of the site's", func(t *testing.T, site string) { write(t, site, inc, 0o644) }, Passed, "mode 0644"},
		{"missing", func(t *testing.T, site string) {}, Failed, "does not exist"},
		{"missing directory", func(t *testing.T, site string) { os.MkdirAll(filepath.Join(site, "etc"), 0o755) }, Failed, "does not exist"},
		{"group-writable", func(t *testing.T, site string) { write(t, site, inc, 0o664) }, Failed, "writable by its group or others (mode 0664)"},
		{"world-writable", func(t *testing.T, site string) { write(t, site, inc, 0o646) }, Failed, "writable by its group or others"},
		{"a link to it", func(t *testing.T, site string) {
			write(t, site, "/etc/dhcp/real.conf", 0o644)
			if err := os.Symlink("real.conf", filepath.Join(site, inc)); err != nil {
				t.Fatal(err)
			}
		}, Failed, "symbolic link"},
		{"a link on the way", func(t *testing.T, site string) {
			write(t, site, "/srv/dhcp/site.conf", 0o644)
			os.MkdirAll(filepath.Join(site, "etc"), 0o755)
			if err := os.Symlink("../srv/dhcp", filepath.Join(site, "etc/dhcp")); err != nil {
				t.Fatal(err)
			}
		}, Failed, "symbolic link"},
		{"a directory", func(t *testing.T, site string) { os.MkdirAll(filepath.Join(site, inc), 0o755) }, Failed, "directory"},
		{"a FIFO", func(t *testing.T, site string) {
			os.MkdirAll(filepath.Join(site, "etc/dhcp"), 0o755)
			if err := syscall.Mkfifo(filepath.Join(site, inc), 0o644); err != nil {
				t.Fatal(err)
			}
		}, Failed, "FIFO"},
		{"another user's", func(t *testing.T, site string) {
			if os.Geteuid() != 0 {
				t.Skip("giving a file to another user needs root")
			}
			write(t, site, inc, 0o644)
			if err := os.Chown(filepath.Join(site, inc), 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}, Failed, "owned by uid 65534"},
	} {
		t.Run(c.name, func(t *testing.T) {
			site := t.TempDir()
			c.setup(t, site)
			r := Include(site, inc, "paths.dhcpd_include")
			if r.Check != "include" || r.Status != c.want || !strings.Contains(r.Detail, c.says) {
				t.Errorf("include check: %s %s: %s; want %s, saying %q", r.Check, r.Status, r.Detail, c.want, c.says)
			}
		})
	}
}

// write makes the file at the server path p below site with mode, despite
// the umask.
func write(t *testing.T, site, p string, mode os.FileMode) {
	t.Helper()
	full := filepath.Join(site, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte("log-facility local7;\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(full, mode); err != nil {
		t.Fatal(err)
	}
}

// TestRenderedInclude runs Rendered with a dhcpd that prints the file it
// checks and every file that file includes, then fails: the configuration
// it reads must name a copy of the site's file in the private staging
// directory, never the path on this machine or in the tree given, and the
// copy must hold the site's text. An include that fails its check never
// reaches the daemon, whose check is skipped.
func TestRenderedInclude(t *testing.T) {
	bin := t.TempDir()
	script := "#!/bin/sh\ngrep '^include' \"$3\"\nfor f in $(sed -n 's/^include \"\\(.*\\)\";$/\\1/p' \"$3\"); do echo \"included $f:\"; cat \"$f\"; done\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "dhcpd"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	// The fake dhcpd first; the shell tools, but none of the daemons in /usr/sbin.
	t.Setenv("PATH", bin+":/usr/bin:/bin")
	inv, tree := parseAndRender(t, "server: {ip: 10.1.1.1}\npaths: {dhcpd_include: /etc/dhcp/site.conf}\n"+
		"networks: [{name: lab, subnet: 10.1.1.0/24}]\nprofiles: {p: {kernel: k}}\n")
	site := t.TempDir()
	write(t, site, "/etc/dhcp/site.conf", 0o644)
	results, err := Rendered(context.Background(), inv, tree, site)
	if err != nil {
		t.Fatal(err)
	}
	byCheck := map[string]Result{}
	for _, r := range results {
		byCheck[r.Check] = r
	}
	if r := byCheck["include"]; r.Status != Passed {
		t.Fatalf("include check: %s: %s", r.Status, r.Detail)
	}
	d := byCheck["dhcpd"].Detail
	switch {
	case !strings.Contains(d, "included etc/dhcp/site.conf:\nlog-facility local7;"):
		t.Errorf("dhcpd did not read a staged copy of the site's file, named below the staging directory:\n%s", d)
	case strings.Contains(d, `include "/etc/dhcp/site.conf"`) || strings.Contains(d, site):
		t.Errorf("dhcpd was given the path on this machine or in the site tree:\n%s", d)
	}

	if err := os.Chmod(filepath.Join(site, "etc/dhcp/site.conf"), 0o666); err != nil {
		t.Fatal(err)
	}
	results, err = Rendered(context.Background(), inv, tree, site)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		switch {
		case r.Check == "include" && r.Status != Failed:
			t.Errorf("a world-writable include: include check %s: %s", r.Status, r.Detail)
		case r.Check == "dhcpd" && (r.Status != Skipped || strings.Contains(r.Detail, "log-facility")):
			t.Errorf("a world-writable include reached dhcpd: %s: %s", r.Status, r.Detail)
		}
	}
}

// parseAndRender parses the inventory doc and renders it with the
// embedded templates.
func parseAndRender(t *testing.T, doc string) (*inventory.Inventory, filetree.Tree) {
	t.Helper()
	inv, err := inventory.Parse("site.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	engine, err := generate.New("")
	if err != nil {
		t.Fatal(err)
	}
	tree, err := engine.Render(inv)
	if err != nil {
		t.Fatal(err)
	}
	return inv, tree
}
