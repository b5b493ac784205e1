//go:build integration

package integration

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// buildPxegen builds pxegen into dir, for the examples to run.
func buildPxegen(t *testing.T, dir string) string {
	t.Helper()
	requireCommands(t, "go")
	bin := filepath.Join(dir, "pxegen")
	if out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// fakeSystemctl puts a systemctl on a directory of its own that logs its
// arguments, one call a line, to the file it returns: no init system runs
// in CI.
func fakeSystemctl(t *testing.T, dir string) (log string) {
	t.Helper()
	log = filepath.Join(dir, "systemctl.log")
	copyScript(t, filepath.Join(dir, "systemctl"), "#!/bin/sh\necho \"$@\" >> "+log+"\n")
	return log
}

func copyScript(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

// calls returns the calls the fake systemctl logged, sorted, and forgets them.
func calls(t *testing.T, log string) []string {
	t.Helper()
	data, err := os.ReadFile(log)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(log)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	slices.Sort(lines)
	return lines
}

// snapshot records every file, directory and link under root: its kind,
// mode, content and modification time, so that two snapshots differ if
// anything was written.
func snapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		desc := fmt.Sprintf("%v %d", info.Mode(), info.ModTime().UnixNano())
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			desc += " -> " + target
		case info.Mode().IsRegular():
			data, _ := os.ReadFile(p)
			desc += fmt.Sprintf(" %x", sha256.Sum256(data))
		}
		m[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameSnapshot(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for p, d := range after {
		if before[p] != d {
			t.Errorf("%s: %s changed (%q, was %q)", what, p, d, before[p])
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("%s: %s was removed", what, p)
		}
	}
}

var recapLine = regexp.MustCompile(`(?m)^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0`)

// recap reads each host's changed count from the PLAY RECAP.
func recap(t *testing.T, out string) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, match := range recapLine.FindAllStringSubmatch(out[strings.LastIndex(out, "PLAY RECAP"):], -1) {
		m[match[1]], _ = strconv.Atoi(match[2])
	}
	return m
}

// TestAnsible runs the example role (examples/ansible) for real, with
// connection local, for two boot servers at once, each with its own
// inventory and a server root in a temporary directory: dhcpd and xinetd
// on one, dnsmasq on the other. A first run; --check --diff after an
// inventory change, which shows pxegen's diff and changes nothing, on the
// servers or beside the playbook; the real run, which restarts dhcpd alone;
// a run with nothing to do (changed=0, no daemon touched); a removed host,
// whose files go. Service calls go to a fake systemctl; pxegen verify
// checks the deployed tree with the real daemons where they are installed.
func TestAnsible(t *testing.T) {
	requireCommands(t, "ansible-playbook")
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	pxegen := buildPxegen(t, bin)
	log := fakeSystemctl(t, bin)
	play := filepath.Join(tmp, "ansible") // the controller's side
	if err := os.CopyFS(play, os.DirFS("../examples/ansible")); err != nil {
		t.Fatal(err)
	}
	roots := map[string]string{"boot1": filepath.Join(tmp, "root1"), "boot2": filepath.Join(tmp, "root2")}
	sites := map[string]string{"boot1": filepath.Join(play, "sites", "boot1.lab.example.yaml"), "boot2": filepath.Join(play, "sites", "boot2.lab.example.yaml")}
	hosts := "[bootservers]\n"
	for _, h := range []string{"boot1", "boot2"} {
		hosts += fmt.Sprintf("%s ansible_connection=local pxegen_root=%s pxegen_inventory=%s\n", h, roots[h], sites[h])
		// The kernels are the sysadmin's; the role copies the loaders.
		for _, f := range []string{"centos7/vmlinuz", "centos7/initrd.img"} {
			copyScript(t, filepath.Join(roots[h], "srv/tftp", f), "a kernel\n")
		}
	}
	// No packages installed here: make deps has installed them, and the
	// test must not change the machine.
	hosts += "[bootservers:vars]\nansible_python_interpreter=/usr/bin/python3\nansible_become=false\npxegen_install_packages=false\n"
	if err := os.WriteFile(filepath.Join(play, "hosts"), []byte(hosts), 0o644); err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(tmp, "home") // Ansible's own files, outside the controller's side
	playbook := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("ansible-playbook", append([]string{"-i", "hosts", "playbook.yml"}, args...)...)
		cmd.Dir = play
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "HOME="+home, "ANSIBLE_LOCAL_TEMP="+filepath.Join(home, "tmp"),
			"ANSIBLE_NOCOLOR=1", "ANSIBLE_PIPELINING=1", "ANSIBLE_FORCE_COLOR=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("ansible-playbook %s: %v\n%s", strings.Join(args, " "), err, tail(string(out), 60))
		}
		return string(out)
	}
	edit := func(host, old, new string) {
		t.Helper()
		data, err := os.ReadFile(sites[host])
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), old) {
			t.Fatalf("%s has no %q", sites[host], old)
		}
		if err := os.WriteFile(sites[host], []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantCalls := func(step string, want ...string) {
		t.Helper()
		slices.Sort(want)
		if got := calls(t, log); !slices.Equal(got, want) {
			t.Errorf("%s: systemctl calls %q, want %q", step, got, want)
		}
	}
	exists := func(host, rel string) bool {
		_, err := os.Lstat(filepath.Join(roots[host], rel))
		return err == nil
	}

	cmd := exec.Command("ansible-playbook", "--syntax-check", "-i", "hosts", "playbook.yml")
	cmd.Dir, cmd.Env = play, append(os.Environ(), "HOME="+home, "ANSIBLE_LOCAL_TEMP="+filepath.Join(home, "tmp"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ansible-playbook --syntax-check: %v\n%s", err, out)
	}

	// The first run: every directory made, every daemon's file written,
	// the snippet enabled, the loaders copied, every daemon (re)started.
	playbook()
	wantCalls("first run", "restart isc-dhcp-server", "reload xinetd", "reload apache2", "restart dnsmasq", "reload apache2")
	for _, f := range []string{"etc/dhcp/dhcpd.conf", "etc/xinetd.d/tftp", "srv/tftp/pxelinux.cfg/default", "srv/tftp/undionly.kpxe", "srv/tftp/ldlinux.c32", "var/lib/pxegen/manifest.json"} {
		if !exists("boot1", f) {
			t.Errorf("first run: boot1 has no %s", f)
		}
	}
	if !exists("boot2", "etc/dnsmasq.d/pxegen.conf") || exists("boot2", "etc/dhcp/dhcpd.conf") {
		t.Errorf("first run: boot2 should have dnsmasq's drop-in and no dhcpd.conf")
	}
	for _, h := range []string{"boot1", "boot2"} {
		link, err := os.Readlink(filepath.Join(roots[h], "etc/apache2/conf-enabled/pxegen.conf"))
		if err != nil || link != "../conf-available/pxegen.conf" {
			t.Errorf("first run: %s's Apache snippet is not enabled as a2enconf does (%q, %v)", h, link, err)
		}
	}
	t.Logf("check ansible: first run deploys two servers and restarts each one's daemons")

	// A new host on boot1: --check --diff shows pxegen's diff of
	// dhcpd.conf and the host's files, and writes nothing anywhere.
	edit("boot1", "hosts:\n", "hosts:\n  - name: node09\n    mac: 52:54:00:12:34:99\n    ip: 10.1.1.99\n    profile: rescue\n")
	before := map[string]map[string]string{"boot1": snapshot(t, roots["boot1"]), "boot2": snapshot(t, roots["boot2"]), "play": snapshot(t, play)}
	out := playbook("--check", "--diff")
	for _, want := range []string{`"+++ b/etc/dhcp/dhcpd.conf"`, `"+host node09 {"`, `"+++ b/srv/tftp/pxelinux.cfg/01-52-54-00-12-34-99"`} {
		if !strings.Contains(out, want) {
			t.Errorf("--check --diff does not show %s:\n%s", want, tail(out, 80))
		}
	}
	if got := recap(t, out); got["boot1"] == 0 || got["boot2"] != 0 {
		t.Errorf("--check --diff: changed %v, want boot1 only", got)
	}
	sameSnapshot(t, "--check on boot1", before["boot1"], snapshot(t, roots["boot1"]))
	sameSnapshot(t, "--check on boot2", before["boot2"], snapshot(t, roots["boot2"]))
	sameSnapshot(t, "--check beside the playbook", before["play"], snapshot(t, play))
	wantCalls("--check --diff")
	t.Logf("check ansible: --check --diff shows pxegen's diff and changes nothing")

	// The real run after that preview: the host's files and a restart of
	// dhcpd, alone (its files are read at boot).
	out = playbook()
	wantCalls("the run after the preview", "restart isc-dhcp-server")
	if !exists("boot1", "srv/tftp/pxelinux.cfg/01-52-54-00-12-34-99") {
		t.Errorf("the real run did not write the new host's PXELINUX file")
	}
	t.Logf("check ansible: the run after a preview restarts dhcpd")

	// Nothing to do: changed=0 everywhere, no daemon touched.
	before = map[string]map[string]string{"boot1": snapshot(t, roots["boot1"]), "boot2": snapshot(t, roots["boot2"])}
	out = playbook()
	if got := recap(t, out); len(got) != 2 || got["boot1"] != 0 || got["boot2"] != 0 {
		t.Errorf("a second run: changed %v, want 0 on both\n%s", got, tail(out, 30))
	}
	wantCalls("a second run")
	sameSnapshot(t, "a second run on boot1", before["boot1"], snapshot(t, roots["boot1"]))
	sameSnapshot(t, "a second run on boot2", before["boot2"], snapshot(t, roots["boot2"]))
	t.Logf("check ansible: a second run reports changed=0")

	// The host removed: its files go, dhcpd restarts.
	edit("boot1", "  - name: node09\n    mac: 52:54:00:12:34:99\n    ip: 10.1.1.99\n    profile: rescue\n", "")
	playbook()
	wantCalls("a host removed", "restart isc-dhcp-server")
	for _, f := range []string{"srv/tftp/pxelinux.cfg/01-52-54-00-12-34-99", "srv/tftp/pxelinux.cfg/0A010163", "srv/tftp/ipxe/hosts/52-54-00-12-34-99.ipxe"} {
		if exists("boot1", f) {
			t.Errorf("the removed host's %s is still there", f)
		}
	}
	t.Logf("check ansible: a removed host's files are removed")

	// A new host on boot2 is dnsmasq's host file alone: a reload (SIGHUP).
	edit("boot2", "hosts:\n", "hosts:\n  - name: node09\n    mac: 52:54:00:12:34:99\n    ip: 10.1.1.99\n    profile: rescue\n")
	playbook()
	wantCalls("a host added under dnsmasq", "reload dnsmasq")
	t.Logf("check ansible: a host added under dnsmasq reloads it")

	// The daemons accept what was deployed, and every file it references
	// is there.
	for _, h := range []string{"boot1", "boot2"} {
		out, err := exec.Command(pxegen, "verify", sites[h], "-o", roots[h]).CombinedOutput()
		if err != nil {
			t.Errorf("pxegen verify on %s's tree: %v\n%s", h, err, out)
		}
		t.Logf("check ansible: pxegen verify on %s:\n%s", h, tail(string(out), 10))
	}

	// The two servers become an HA pair: one inventory for both, each
	// rendering it as the peer its short host name names.
	data, err := os.ReadFile(sites["boot1"])
	if err != nil {
		t.Fatal(err)
	}
	pair := strings.Replace(string(data), "server:\n  ip: 10.1.1.1\n", "ha:\n  peers:\n    - {name: boot1, ip: 10.1.1.1}\n    - {name: boot2, ip: 10.1.1.2}\nserver:\n", 1)
	if pair == string(data) {
		t.Fatalf("%s has no server.ip to replace", sites["boot1"])
	}
	for _, h := range []string{"boot1", "boot2"} {
		if err := os.WriteFile(sites[h], []byte(pair), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	playbook()
	for h, want := range map[string]string{"boot1": "  primary;\n  address 10.1.1.1;", "boot2": "  secondary;\n  address 10.1.1.2;"} {
		conf, _ := os.ReadFile(filepath.Join(roots[h], "etc/dhcp/dhcpd.conf"))
		if !strings.Contains(string(conf), want) {
			t.Errorf("the HA pair: %s's dhcpd.conf does not say %q", h, want)
		}
		if out, err := exec.Command(pxegen, "verify", sites[h], "-o", roots[h], "--peer", h).CombinedOutput(); err != nil {
			t.Errorf("pxegen verify --peer %s: %v\n%s", h, err, out)
		}
	}
	t.Logf("check ansible: one HA inventory deploys each server as its own peer")

	// Sites: one inventory, each server the site its inventory group
	// names (boot1 the head office, boot2 a data centre), each with its
	// own network and host.
	multi := strings.Replace(string(data), "server:\n  ip: 10.1.1.1\n", `sites:
  - {name: hq, server: {ip: 10.1.1.1}, networks: [lab]}
  - {name: dc, server: {ip: 10.2.2.2}, networks: [dc]}
server:
`, 1)
	multi = strings.Replace(multi, "networks:\n", "networks:\n  - {name: dc, subnet: 10.2.2.0/24, pool: 10.2.2.100-10.2.2.200}\n", 1)
	multi = strings.Replace(multi, "hosts:\n", "hosts:\n  - {name: dc01, mac: \"52:54:00:22:00:01\", ip: 10.2.2.11, profile: rescue}\n", 1)
	for _, h := range []string{"boot1", "boot2"} {
		if err := os.WriteFile(sites[h], []byte(multi), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.OpenFile(filepath.Join(play, "hosts"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(f, "[hq]\nboot1\n[dc]\nboot2\n")
	f.Close()
	playbook()
	for h, want := range map[string][2]string{"boot1": {"next-server 10.1.1.1;", "host dc01"}, "boot2": {"next-server 10.2.2.2;", "host node"}} {
		conf, _ := os.ReadFile(filepath.Join(roots[h], "etc/dhcp/dhcpd.conf"))
		if !strings.Contains(string(conf), want[0]) || strings.Contains(string(conf), want[1]) {
			t.Errorf("sites: %s's dhcpd.conf does not say %q, or says %q:\n%s", h, want[0], want[1], conf)
		}
	}
	t.Logf("check ansible: one inventory with sites deploys each server as the site its group names")
}

// TestPuppet runs the example module (examples/puppet) with puppet apply
// for real, against a server root in a temporary directory: the first run
// changes the tree and reloads every daemon (exit 2 with
// --detailed-exitcodes); the second changes nothing (exit 0); a new host
// restarts dhcpd alone; a change to PXELINUX and iPXE files only reloads
// nothing; a removed host's files go. Service calls go to a fake
// systemctl on the exec path.
func TestPuppet(t *testing.T) {
	requireCommands(t, "puppet")
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	pxegen := buildPxegen(t, bin)
	log := fakeSystemctl(t, bin)
	root := filepath.Join(tmp, "root")
	for _, f := range []string{"centos7/vmlinuz", "centos7/initrd.img"} {
		copyScript(t, filepath.Join(root, "srv/tftp", f), "a kernel\n")
	}
	site := filepath.Join(tmp, "site.yaml")
	copyFile(t, "../examples/lab.yaml", site, 0o644)
	manifest := filepath.Join(tmp, "apply.pp")
	// Packages are left alone: make deps installed them, and the test must
	// not change the machine.
	if err := os.WriteFile(manifest, []byte(fmt.Sprintf(`class { 'pxegen':
  inventory        => '%s',
  root             => '%s',
  command          => '%s',
  path             => '%s:/usr/sbin:/usr/bin:/sbin:/bin',
  install_packages => false,
}
`, site, root, pxegen, bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(tmp, "puppet") // Puppet's own directories, away from the machine's
	apply := func(step string, want int) string {
		t.Helper()
		cmd := exec.Command("puppet", "apply", "--detailed-exitcodes", "--color", "false", "--modulepath", "../examples/puppet/modules",
			"--confdir", filepath.Join(state, "conf"), "--vardir", filepath.Join(state, "var"), "--codedir", filepath.Join(state, "code"),
			"--logdir", filepath.Join(state, "log"), "--rundir", filepath.Join(state, "run"), manifest)
		cmd.Env = append(os.Environ(), "HOME="+tmp)
		out, _ := cmd.CombinedOutput()
		if got := cmd.ProcessState.ExitCode(); got != want {
			t.Fatalf("%s: puppet apply exited %d, want %d\n%s", step, got, want, tail(string(out), 40))
		}
		return string(out)
	}
	edit := func(old, new string) {
		t.Helper()
		data, err := os.ReadFile(site)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), old) {
			t.Fatalf("the inventory has no %q", old)
		}
		if err := os.WriteFile(site, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantCalls := func(step string, want ...string) {
		t.Helper()
		slices.Sort(want)
		if got := calls(t, log); !slices.Equal(got, want) {
			t.Errorf("%s: systemctl calls %q, want %q", step, got, want)
		}
	}
	exists := func(rel string) bool {
		_, err := os.Lstat(filepath.Join(root, rel))
		return err == nil
	}

	apply("first run", 2)
	wantCalls("first run", "restart isc-dhcp-server", "reload xinetd", "reload apache2")
	for _, f := range []string{"etc/dhcp/dhcpd.conf", "etc/xinetd.d/tftp", "srv/tftp/pxelinux.cfg/default", "srv/tftp/undionly.kpxe", "var/lib/pxegen/manifest.json"} {
		if !exists(f) {
			t.Errorf("first run: no %s", f)
		}
	}
	if link, err := os.Readlink(filepath.Join(root, "etc/apache2/conf-enabled/pxegen.conf")); err != nil || link != "../conf-available/pxegen.conf" {
		t.Errorf("first run: the Apache snippet is not enabled as a2enconf does (%q, %v)", link, err)
	}
	t.Logf("check puppet: first run exits 2 and restarts dhcpd, reloads xinetd and apache2")

	before := snapshot(t, root)
	apply("second run", 0)
	wantCalls("second run")
	sameSnapshot(t, "second run", before, snapshot(t, root))
	t.Logf("check puppet: second run exits 0 and changes nothing")

	edit("hosts:\n", "hosts:\n  - name: node09\n    mac: 52:54:00:12:34:99\n    ip: 10.1.1.99\n    profile: rescue\n")
	apply("a new host", 2)
	wantCalls("a new host", "restart isc-dhcp-server")
	if !exists("srv/tftp/pxelinux.cfg/01-52-54-00-12-34-99") {
		t.Errorf("a new host: its PXELINUX file was not written")
	}
	edit("append: rescue", "append: rescue quiet")
	apply("a PXELINUX and iPXE change", 2)
	wantCalls("a PXELINUX and iPXE change")
	edit("  - name: node09\n    mac: 52:54:00:12:34:99\n    ip: 10.1.1.99\n    profile: rescue\n", "")
	apply("a removed host", 2)
	wantCalls("a removed host", "restart isc-dhcp-server")
	if exists("srv/tftp/pxelinux.cfg/01-52-54-00-12-34-99") || exists("srv/tftp/ipxe/hosts/52-54-00-12-34-99.ipxe") {
		t.Errorf("a removed host: its files are still there")
	}
	apply("then nothing", 0)
	wantCalls("then nothing")
	t.Logf("check puppet: a host's change restarts dhcpd alone, a PXELINUX change nothing, a removed host's files go")

	if out, err := exec.Command(pxegen, "verify", site, "-o", root).CombinedOutput(); err != nil {
		t.Errorf("pxegen verify on the tree: %v\n%s", err, out)
	}

	// The other DHCP servers' actions: dnsmasq reloads (SIGHUP) for its
	// host files alone; Kea's change goes through its control socket (a
	// fake socat logs what it is sent, beside systemctl's calls).
	socket := filepath.Join(tmp, "kea.sock")
	copyScript(t, filepath.Join(bin, "socat"), "#!/bin/sh\necho \"socat $* $(cat)\" >> "+log+"\necho '{ \"result\": 0, \"text\": \"Configuration successful.\" }'\n")
	edit("server:\n", "targets: {dhcp: dnsmasq}\npaths: {kea_control_socket: "+socket+"}\nserver:\n")
	apply("dnsmasq instead of dhcpd", 2)
	// dhcpd's file is pruned: two DHCP servers must never answer one network.
	wantCalls("dnsmasq instead of dhcpd", "restart dnsmasq", "stop isc-dhcp-server")
	edit("hosts:\n", "hosts:\n  - name: node09\n    mac: 52:54:00:12:34:99\n    ip: 10.1.1.99\n    profile: rescue\n")
	apply("a new host under dnsmasq", 2)
	wantCalls("a new host under dnsmasq", "reload dnsmasq")
	l, err := net.Listen("unix", socket) // a running Kea's socket
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	edit("targets: {dhcp: dnsmasq}", "targets: {dhcp: kea}")
	apply("Kea instead of dnsmasq", 2)
	// dnsmasq's drop-in and host files are pruned: it restarts without them.
	wantCalls("Kea instead of dnsmasq", `socat -t 30 - UNIX-CONNECT:`+socket+` {"command": "config-reload"}`, "restart dnsmasq")
	t.Logf("check puppet: a host under dnsmasq reloads it, Kea's file is a config-reload through its socket")
}
