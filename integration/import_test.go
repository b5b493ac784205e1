//go:build integration

package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pxegen/pxegen/importer"
	"github.com/pxegen/pxegen/inventory"
)

// TestImportRoundTrip imports each dhcpd.conf of testdata/import (the
// classic iPXE chainloading set-up, an install server's with a class per
// architecture and an include, and a Cobbler-made one), then serves the
// original and the dhcpd.conf pxegen renders from the imported inventory
// with the real dhcpd, one after the other, and sends both the same DHCP
// requests (udhcpc, as known and unknown machines, as BIOS and UEFI PXE
// ROMs and as iPXE): the answers must be the same for everything pxegen
// models (address, next-server, boot file, routers, DNS servers, domain,
// lease time, the options), and iPXE must get pxegen's own script where
// it got the site's.
func TestImportRoundTrip(t *testing.T) {
	requireCommands(t, "busybox", "dhcpd")
	for _, name := range []string{"ipxe-classic", "campus", "cobbler"} {
		t.Run(name, func(t *testing.T) { importRoundTrip(t, name) })
	}
}

// probe is one request: a client of a network, as a MAC, with udhcpc's
// options; ipxe when it is iPXE's.
type probe struct {
	name, network, mac string
	args               []string
	ipxe               bool
}

// roundTripAsk are the options every probe asks for: all that the three
// configurations set.
var roundTripAsk = []string{"-O", "2", "-O", "15", "-O", "26", "-O", "42", "-O", "119", "-O", "252"}

func importRoundTrip(t *testing.T, name string) {
	dir, err := filepath.Abs("testdata/import")
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, name+".conf")
	res, err := importer.Import(importer.Sources{Dhcpd: []string{conf}}, "imported.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if res.Err != nil {
		t.Fatalf("the imported inventory is invalid: %v\n%s", res.Err, res.YAML)
	}
	imported := filepath.Join(t.TempDir(), "imported.yaml")
	if err := os.WriteFile(imported, res.YAML, 0o644); err != nil {
		t.Fatal(err)
	}
	inv, err := inventory.Load(imported)
	if err != nil {
		t.Fatal(err)
	}
	probes := roundTripProbes(inv)

	// The original, run from its own directory, which its includes name
	// relative to.
	orig := newMiniLab(t, "rt-"+name, imported, inventory.WithTargets(inventory.TargetDhcpd, inventory.TargetXinetd))
	client := orig.clientNetworks()
	var ifaces []string
	for i := range orig.inv.Networks {
		ifaces = append(ifaces, fmt.Sprintf("s%d", i))
	}
	orig.start(fmt.Sprintf("cd %[1]s\ntouch %[2]s/dhcpd.leases\nexec dhcpd -f -d -cf %[3]s -lf %[2]s/dhcpd.leases -pf %[2]s/dhcpd.pid %[4]s > %[2]s/dhcpd.log 2>&1",
		dir, orig.work, conf, strings.Join(ifaces, " ")), nil, func() bool {
		return strings.Contains(orig.read("dhcpd.log"), "Server starting service.")
	})
	before := map[string]map[string]string{}
	for _, p := range probes {
		before[p.name] = orig.udhcpcEnv(client[p.network], p.mac, append(p.args, roundTripAsk...)...)
	}
	orig.close()

	// The rendering of the imported inventory.
	imp := newMiniLab(t, "rt-imported-"+name, imported, inventory.WithTargets(inventory.TargetDhcpd, inventory.TargetXinetd))
	client = imp.clientNetworks()
	imp.startDHCP(dhcpServers[0])
	for _, p := range probes {
		got := imp.udhcpcEnv(client[p.network], p.mac, append(p.args, roundTripAsk...)...)
		want := before[p.name]
		var differ []string
		for _, k := range union(want, got) {
			switch {
			case roundTripOwn[k]:
			case k == "siaddr" && p.ipxe:
				// iPXE fetches its script by URL: pxegen gives it the
				// network's next-server, where a host's own next-server
				// comes with its boot_file.
			case k == "boot_file" && p.ipxe:
				// pxegen's own script, for the site's.
				if !strings.HasPrefix(got[k], inv.Server.HTTPURL+"ipxe/") {
					differ = append(differ, fmt.Sprintf("iPXE's boot file %q, want pxegen's script below %s (the original gave %q)", got[k], inv.Server.HTTPURL, want[k]))
				}
			case want[k] != got[k]:
				differ = append(differ, fmt.Sprintf("%s %q, the original %q", k, got[k], want[k]))
			}
		}
		if len(differ) > 0 {
			t.Errorf("check import %s %s: %s\nimported inventory:\n%s", name, p.name, strings.Join(differ, "; "), res.YAML)
			continue
		}
		t.Logf("check import %s %s: the same answer (%s)", name, p.name, summary(got))
	}
}

// roundTripOwn are what a server adds of its own, which no inventory
// says: the renewal times (dhcpd derives them), its identifier, the
// client id echoed back; and the host name, which pxegen sends every
// host with an entry (the import report says so).
var roundTripOwn = map[string]bool{"opt53": true, "opt58": true, "opt59": true, "opt61": true, "serverid": true, "hostname": true}

// roundTripProbes are the requests: in each network an unknown client as
// a BIOS PXE ROM without and with option 93, as x86-64 UEFI PXE (93 = 7
// and 9) and as iPXE; each host as BIOS, UEFI and iPXE.
func roundTripProbes(inv *inventory.Inventory) []probe {
	// No probe sends no option 93, as no PXE ROM does (RFC 4578): pxegen
	// gives such a client the BIOS loader, where the classic chain gives
	// it the EFI build, and the import says so.
	kinds := []struct {
		name string
		args []string
		ipxe bool
	}{
		{"bios", []string{"-V", "PXEClient:Arch:00000:UNDI:002001", "-x", "0x5d:0000"}, false},
		{"uefi", []string{"-V", "PXEClient:Arch:00007:UNDI:003016", "-x", "0x5d:0007"}, false},
		{"uefi-arch9", []string{"-V", "PXEClient:Arch:00009:UNDI:003016", "-x", "0x5d:0009"}, false},
		{"ipxe", []string{"-V", "PXEClient:Arch:00000:UNDI:002001", "-x", "0x5d:0000", "-x", "0x4d:69505845"}, true},
	}
	var out []probe
	for i, n := range inv.Networks {
		for j, k := range kinds {
			out = append(out, probe{name: n.Name + "-unknown-" + k.name, network: n.Name, mac: fmt.Sprintf("52:54:00:ee:%02x:%02x", i, j), args: k.args, ipxe: k.ipxe})
		}
	}
	for _, h := range inv.Hosts {
		ip, err := inventory.ParseIPv4(h.IP)
		if err != nil {
			continue
		}
		for _, n := range inv.Networks {
			if p, _ := inventory.ParseSubnet(n.Subnet); p.Contains(ip) {
				for _, k := range []int{0, 1, 3} {
					out = append(out, probe{name: h.Name + "-" + kinds[k].name, network: n.Name, mac: h.MAC, args: kinds[k].args, ipxe: kinds[k].ipxe})
				}
			}
		}
	}
	return out
}

// summary is an answer in one line, sorted.
func summary(env map[string]string) string {
	var parts []string
	for k, v := range env {
		if !roundTripOwn[k] {
			parts = append(parts, k+"="+v)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// TestTakeover runs the README's takeover recipe with the pxegen binary
// and the real daemons on a root that holds hand-written configs (the
// install server's dhcpd.conf and the file it includes, an xinetd stanza,
// a PXELINUX menu): import, render --dry-run --force, diff, render
// --force --verify --strict with a file of the site's own included,
// verify --strict; then dhcpd, restarted on the taken-over root, answers
// a known host as before.
func TestTakeover(t *testing.T) {
	requireRoot(t)
	requireCommands(t, "dhcpd", "apache2", "xinetd", "unshare", "go", "busybox")
	bin := filepath.Join(t.TempDir(), "pxegen")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	work := t.TempDir()
	root := filepath.Join(work, "root")
	hand := map[string]string{
		"etc/xinetd.d/tftp":             "service tftp\n{\n\tsocket_type = dgram\n\tprotocol = udp\n\twait = yes\n\tuser = root\n\tserver = /usr/sbin/in.tftpd\n\tserver_args = -s /srv/tftp\n}\n",
		"srv/tftp/pxelinux.cfg/default": "DEFAULT local\nLABEL local\n  LOCALBOOT 0\n",
	}
	for _, f := range []string{"campus.conf", "cluster-hosts.conf"} {
		data, err := os.ReadFile(filepath.Join("testdata/import", f))
		if err != nil {
			t.Fatal(err)
		}
		name := "etc/dhcp/" + f
		if f == "campus.conf" {
			name = "etc/dhcp/dhcpd.conf"
		}
		hand[name] = string(data)
	}
	// What the boot server serves and pxegen never writes: its loaders,
	// PXELINUX's modules and the kernel (verify's files check wants them).
	served := map[string]string{}
	for _, name := range []string{"pxelinux.0", "ldlinux.c32", "libutil.c32", "menu.c32", "efi/shimx64.efi", "efi/grubx64.efi", "install/vmlinuz"} {
		served["srv/tftp/"+name] = "the server's own " + name + "\n"
	}
	for _, files := range []map[string]string{hand, served} {
		for name, content := range files {
			p := filepath.Join(root, name)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	pxegen := func(want int, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir = work
		out, _ := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != want {
			t.Fatalf("pxegen %s: exit %d, want %d\n%s", strings.Join(args, " "), code, want, out)
		}
		t.Logf("check takeover: pxegen %s: exit %d", strings.Join(args, " "), want)
		return string(out)
	}
	pxegen(0, "import", "--dhcpd", "root/etc/dhcp/dhcpd.conf", "-o", "site.yaml")
	// What import could not carry (here log levels, say) goes into a file
	// of the site's own, which dhcpd.conf includes.
	siteConf := filepath.Join(root, "etc/dhcp/site.conf")
	if err := os.WriteFile(siteConf, []byte("log-facility local7;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(work, "site.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "paths: {dhcpd_include: /etc/dhcp/site.conf}\n")
	f.Close()

	out := pxegen(0, "render", "-i", "site.yaml", "-o", "root", "--dry-run", "--force")
	if !strings.Contains(out, "would keep the old etc/dhcp/dhcpd.conf as ") {
		t.Fatalf("render --dry-run --force does not say it would keep dhcpd.conf:\n%s", out)
	}
	out = pxegen(1, "diff", "-i", "site.yaml", "--root", "root")
	if !strings.Contains(out, "warning: etc/dhcp/dhcpd.conf: pxegen did not write it") {
		t.Fatalf("diff does not warn about the hand-written dhcpd.conf:\n%s", out)
	}
	out = pxegen(0, "render", "-i", "site.yaml", "-o", "root", "--force", "--verify", "--strict")
	for _, check := range []string{"include", "dhcpd", "apache", "xinetd"} {
		if !strings.Contains(out, "pxegen: verify "+check+": passed") {
			t.Fatalf("render --verify did not pass %s:\n%s", check, out)
		}
	}
	backups, _ := filepath.Glob(filepath.Join(root, "var/lib/pxegen/manifest.json.backup/*"))
	if len(backups) != 1 {
		t.Fatalf("want one backup directory, got %v", backups)
	}
	for name, content := range hand {
		if name == "etc/dhcp/cluster-hosts.conf" {
			// Not a file pxegen writes: untouched, and no backup.
			if got, _ := os.ReadFile(filepath.Join(root, name)); string(got) != content {
				t.Errorf("%s, which pxegen does not write, changed", name)
			}
			continue
		}
		if got, err := os.ReadFile(filepath.Join(backups[0], name)); err != nil || string(got) != content {
			t.Errorf("the backup of %s is not the old file (%v)", name, err)
		}
	}
	t.Logf("check takeover: the three hand-written files are kept in %s", strings.TrimPrefix(backups[0], work+"/"))
	for name, content := range served {
		if got, _ := os.ReadFile(filepath.Join(root, name)); string(got) != content {
			t.Errorf("%s, which pxegen does not write, changed", name)
		}
	}
	out = pxegen(0, "verify", "-i", "site.yaml", "-o", "root", "--strict")
	for _, check := range []string{"tree", "files"} {
		if !strings.Contains(out, "pxegen: verify "+check+": passed") {
			t.Fatalf("verify did not pass %s:\n%s", check, out)
		}
	}

	// Restart: dhcpd on the taken-over dhcpd.conf (and the site's file it
	// includes, at its path) answers a node of the cluster as before.
	m := newMiniLab(t, "takeover", filepath.Join(work, "site.yaml"), inventory.WithTargets(inventory.TargetDhcpd, inventory.TargetXinetd))
	client := m.clientNetworks()
	var ifaces []string
	for i := range m.inv.Networks {
		ifaces = append(ifaces, fmt.Sprintf("s%d", i))
	}
	m.start(fmt.Sprintf("mount --bind %[1]s/etc/dhcp /etc/dhcp\ntouch %[2]s/dhcpd.leases\nexec dhcpd -f -d -cf /etc/dhcp/dhcpd.conf -lf %[2]s/dhcpd.leases -pf %[2]s/dhcpd.pid %[3]s > %[2]s/dhcpd.log 2>&1",
		root, m.work, strings.Join(ifaces, " ")), nil, func() bool {
		return strings.Contains(m.read("dhcpd.log"), "Server starting service.")
	})
	got := m.udhcpcEnv(client["net-172-16-20-0"], "52:54:00:16:20:01", "-V", "PXEClient:Arch:00000:UNDI:002001", "-x", "0x5d:0000", "-O", "42")
	for k, v := range map[string]string{"ip": "172.16.20.11", "boot_file": "pxelinux.0", "siaddr": "172.16.0.10", "ntpsrv": "172.16.20.5"} {
		if got[k] != v {
			t.Errorf("check takeover: node01 after the restart: %s %q, want %q (%s)", k, got[k], v, summary(got))
		}
	}
	t.Logf("check takeover: dhcpd restarted on the taken-over root answers node01 as before (%s)", summary(got))
}
