//go:build integration

package integration

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/internal/golden"
	"github.com/pxegen/pxegen/inventory"
	"github.com/pxegen/pxegen/verify"
)

// TestDaemonChecks runs the daemons' own checks on every golden tree, and
// on every golden inventory rendered for the other DHCP servers too.
func TestDaemonChecks(t *testing.T) {
	requireRoot(t)
	requireCommands(t, "dhcpd", "kea-dhcp4", "dnsmasq", "apache2", "xinetd", "unshare")
	cases, _ := filepath.Glob("../golden/*/out")
	if len(cases) == 0 {
		t.Fatal("no golden trees")
	}
	engine, err := generate.New("")
	if err != nil {
		t.Fatal(err)
	}
	installedKea := keaShape(t)
	// check runs the checks on the tree under out; or, for a site whose
	// DHCP server includes a file of the site's own, on a staging copy of
	// its rendering with that file from site, as verify does.
	check := func(name, out, site string, inv *inventory.Inventory) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		results := verify.Run(ctx, out, inv)
		if inc, _ := inv.Paths.Include(inv.Targets.DHCP); inc != "" {
			tree, err := engine.Render(inv)
			if err != nil {
				t.Fatal(err)
			}
			if results, err = verify.Rendered(ctx, inv, tree, site); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range results {
			if (r.Check == "kea" || r.Check == "kea-version") && inv.Targets.DHCP == inventory.TargetKea && shape(t, inv.Targets.KeaVersion) != installedKea {
				// Written for a Kea this machine does not have: both
				// checks must say so.
				if r.Status != verify.Failed {
					t.Errorf("check %s %s: %s, want failed: the file is for Kea %s, this kea-dhcp4 reads the other shape: %s", r.Check, name, r.Status, inv.Targets.KeaVersion, r.Detail)
				}
				t.Logf("check %s %s: refused, as written for Kea %s (this kea-dhcp4 -t checks the other shape only)", r.Check, name, inv.Targets.KeaVersion)
				continue
			}
			if r.Status != verify.Passed {
				t.Errorf("check %s %s: %s: %s", r.Check, name, r.Status, r.Detail)
				continue
			}
			t.Logf("check %s %s: passed", r.Check, name)
		}
	}
	for _, out := range cases {
		name := filepath.Base(filepath.Dir(out))
		invPath := filepath.Join(filepath.Dir(out), "inventory.yaml")
		peer, forSite := inventory.WithPeer(golden.Peer(t, filepath.Dir(out))), inventory.WithSite(golden.Site(t, filepath.Dir(out)))
		inv, err := inventory.Load(invPath, peer, forSite)
		if err != nil {
			t.Fatal(err)
		}
		// The site's own files, as on its boot server: the case's, or its
		// base case's.
		site := filepath.Join(filepath.Dir(out), "site")
		if base, err := os.ReadFile(filepath.Join(filepath.Dir(out), "base")); err == nil {
			site = filepath.Join("../golden", strings.TrimSpace(string(base)), "site")
		}
		check("golden/"+name, out, site, inv)
		for _, dhcp := range inventory.DHCPTargets {
			if dhcp == inv.Targets.DHCP {
				continue
			}
			other, err := inventory.Load(invPath, inventory.WithTargets(dhcp, ""), peer, forSite)
			if list, ok := errors.AsType[inventory.ErrorList](err); ok && list.OnlyFor(dhcp) {
				t.Logf("check golden/%s --target %s: refused, as it asks what %s cannot do: %v", name, dhcp, dhcp, err)
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			tree, err := engine.Render(other)
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "out")
			if _, err := filetree.Write(dir, tree); err != nil {
				t.Fatal(err)
			}
			check("golden/"+name+" --target "+dhcp, dir, site, other)
		}
	}
}

// keaShape says whether the installed kea-dhcp4 reads Kea 2.7.4's names
// for additional classes (see inventory.KeaAdditionalClasses).
func keaShape(t *testing.T) bool {
	out, err := exec.Command("kea-dhcp4", "-v").Output()
	if err != nil {
		t.Fatalf("kea-dhcp4 -v: %v", err)
	}
	return shape(t, regexp.MustCompile(`^\d+\.\d+\.\d+`).FindString(string(out)))
}

func shape(t *testing.T, version string) bool {
	v, err := inventory.ParseKeaVersion(version)
	if err != nil {
		t.Fatal(err)
	}
	return v.AdditionalClasses()
}

// TestDaemonChecksFail proves each check can fail: a file each daemon must
// reject is rejected.
func TestDaemonChecksFail(t *testing.T) {
	requireRoot(t)
	requireCommands(t, "dhcpd", "kea-dhcp4", "dnsmasq", "apache2", "xinetd", "unshare")
	dir := t.TempDir()
	write := func(rel, content string) string {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ctx := context.Background()
	for _, r := range []verify.Result{
		verify.Dhcpd(ctx, write("dhcpd.conf", "next-server 10.1.1.1\nsubnet 10.1.1.0 netmask 255.255.255.0 {}\n")),
		verify.Apache(ctx, write("apache.conf", "Alias /pxe/ \"/srv/tftp/\"\n<Directory \"/srv/tftp/\">\nRequire all granted\n")),
		// Debian's ports.conf already listens on 80: a second Listen stops Apache.
		verify.Apache(ctx, write("apache-listen.conf", "Listen 80\n")),
		verify.Xinetd(ctx, write("xinetd.d/tftp", "service tftp\n{\n\tsocket_type = dgram\n\tbogus_attribute = 1\n")),
		verify.Kea(ctx, write("kea-dhcp4.conf", `{"Dhcp4": {"subnet4": [{"id": 1, "subnet": "10.1.1.0/24", "pools": [{"pool": "10.2.2.1 - 10.2.2.9"}]}]}}`), nil),
		verify.Kea(ctx, write("kea-iface.conf", `{"Dhcp4": {"interfaces-config": {"interfaces": ["pxegen-none0"]}}}`), nil),
		verify.Dnsmasq(ctx, write("dnsmasq.conf", "dhcp-range=set:lab,10.1.1.100\ndhcp-bogus=1\n")),
	} {
		if r.Status != verify.Failed {
			t.Errorf("check %s on a broken file: %s, want failed (%s)", r.Check, r.Status, r.Detail)
			continue
		}
		t.Logf("check %s rejects a broken file: %s", r.Check, strings.SplitN(r.Detail, "\n", 2)[0])
	}

	// The site's own include, broken: each DHCP server, given its whole
	// configuration as verify stages it, rejects it and names the file.
	engine, err := generate.New("")
	if err != nil {
		t.Fatal(err)
	}
	site := t.TempDir()
	for p, content := range map[string]string{
		"etc/dhcp/site.conf":         "log-facility local7\n",
		"etc/kea/site.json":          "\"decline-probation-period\": \"soon\"\n",
		"etc/dnsmasq-site/site.conf": "dhcp-bogus=1\n",
	} {
		os.MkdirAll(filepath.Join(site, filepath.Dir(p)), 0o755)
		if err := os.WriteFile(filepath.Join(site, p), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, dhcp := range inventory.DHCPTargets {
		inv, err := inventory.Load("../golden/include/inventory.yaml", inventory.WithTargets(dhcp, ""))
		if err != nil {
			t.Fatal(err)
		}
		tree, err := engine.Render(inv)
		if err != nil {
			t.Fatal(err)
		}
		results, err := verify.Rendered(ctx, inv, tree, site)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			if r.Check != dhcp {
				continue
			}
			inc, _ := inv.Paths.Include(dhcp)
			if r.Status != verify.Failed || !strings.Contains(r.Detail, filepath.Base(inc)) {
				t.Errorf("check %s with a broken include: %s, want failed naming %s: %s", dhcp, r.Status, filepath.Base(inc), r.Detail)
				continue
			}
			t.Logf("check %s rejects a broken include: %s", dhcp, strings.ReplaceAll(r.Detail, "\n", " | "))
		}
	}
}

// TestRenderVerify runs `pxegen render --verify` with a template that
// drops dhcpd's next-server semicolon: exit code 3, and --out untouched.
func TestRenderVerify(t *testing.T) {
	requireRoot(t)
	requireCommands(t, "dhcpd", "apache2", "xinetd", "unshare", "go")
	bin := filepath.Join(t.TempDir(), "pxegen")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tmpl, err := os.ReadFile("../templates/dhcpd/dhcpd.conf.tmpl")
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(tmpl), "next-server {{.Server.IP}};", "next-server {{.Server.IP}}", 1)
	overrides := t.TempDir()
	os.MkdirAll(filepath.Join(overrides, "dhcpd"), 0o755)
	os.WriteFile(filepath.Join(overrides, "dhcpd", "dhcpd.conf.tmpl"), []byte(broken), 0o644)
	out := filepath.Join(t.TempDir(), "out")

	cmd := exec.Command(bin, "render", "--verify", "-i", "testdata/site.yaml", "-o", out, "--templates", overrides)
	output, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Fatalf("render --verify with a broken dhcpd.conf: exit %d (%v), want 3\n%s", code, err, output)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Fatalf("render --verify wrote %s although dhcpd rejected its file", out)
	}
	if !strings.Contains(string(output), "verify dhcpd: failed") {
		t.Fatalf("output does not say dhcpd failed:\n%s", output)
	}
	t.Logf("check render --verify: exit 3 and nothing written when dhcpd rejects its file")

	cmd = exec.Command(bin, "render", "--verify", "-i", "testdata/site.yaml", "-o", out)
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("render --verify on a good tree: %v\n%s", err, output)
	}
	t.Logf("check render --verify: a good tree passes and is written")
}
