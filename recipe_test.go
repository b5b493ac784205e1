package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestShellRecipe runs examples/shell/deploy.sh end to end against a
// staging root: a first deploy, an unchanged one, a host change (no daemon
// reload), a dhcpd change (dhcpd alone), a removed host (pruned), and
// check mode. Reloads are recorded instead of run.
func TestShellRecipe(t *testing.T) {
	bin := pxegenBinary(t)
	dir := t.TempDir()
	root := filepath.Join(dir, "root") // a staging root, there before the first deploy as / is
	mkdirs(t, root)
	inv := filepath.Join(dir, "site.yaml")
	reloads := filepath.Join(dir, "reloads")
	recorder := filepath.Join(dir, "record-reload")
	writeFile(t, recorder, "#!/bin/sh\necho \"$@\" >> "+reloads+"\n")
	os.Chmod(recorder, 0o755)

	deploy := func(check bool) string {
		t.Helper()
		os.Remove(reloads)
		cmd := exec.Command("sh", "examples/shell/deploy.sh", inv, root)
		cmd.Env = append(os.Environ(), "PXEGEN="+bin, "SYSTEMCTL="+recorder)
		if check {
			cmd.Env = append(cmd.Env, "CHECK=1")
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("deploy.sh: %v\n%s", err, out)
		}
		data, _ := os.ReadFile(reloads)
		return strings.Join(strings.Fields(string(data)), " ")
	}
	site := func(domain, host2 string) {
		writeFile(t, inv, "server: {ip: 10.1.1.1, domain: "+domain+"}\nnetworks: [{name: lab, subnet: 10.1.1.0/24}]\n"+
			"profiles: {p: {kernel: k, append: quiet}}\nhosts:\n  - {name: node01, mac: \"52:54:00:12:34:56\", ip: 10.1.1.20, profile: p}\n"+host2)
	}
	node02 := "  - {name: node02, mac: \"52:54:00:12:34:57\", ip: 10.1.1.21, profile: p}\n"

	site("lab.example", node02)
	if got := deploy(false); got != "reload apache2 reload xinetd restart isc-dhcp-server" {
		t.Errorf("first deploy reloaded %q, want every daemon", got)
	}
	if got := deploy(false); got != "" {
		t.Errorf("an unchanged deploy reloaded %q", got)
	}
	site("lab.example", strings.Replace(node02, "profile: p}", "profile: p, append: console=ttyS0}", 1))
	if got := deploy(false); got != "" {
		t.Errorf("a PXELINUX/iPXE-only change reloaded %q", got)
	}
	site("other.example", node02)
	if got := deploy(false); got != "restart isc-dhcp-server" {
		t.Errorf("a dhcpd.conf change reloaded %q, want a restart of isc-dhcp-server alone", got)
	}
	site("other.example", "")
	deploy(false)
	if _, err := os.Stat(filepath.Join(root, "srv/tftp/pxelinux.cfg/01-52-54-00-12-34-57")); !os.IsNotExist(err) {
		t.Errorf("the removed host's PXELINUX file survived the deploy")
	}
	site("third.example", "")
	before, _ := os.ReadFile(filepath.Join(root, "etc/dhcp/dhcpd.conf"))
	if got := deploy(true); got != "" {
		t.Errorf("check mode reloaded %q", got)
	}
	if after, _ := os.ReadFile(filepath.Join(root, "etc/dhcp/dhcpd.conf")); string(after) != string(before) {
		t.Errorf("check mode wrote dhcpd.conf")
	}
}

// TestShellRecipeReloads: under dnsmasq a new host is a reload (SIGHUP)
// of dnsmasq, not a restart; under Kea a change is config-reload through
// the control socket pxegen names, and a Kea with no socket yet (not
// running) is restarted instead.
func TestShellRecipeReloads(t *testing.T) {
	bin := pxegenBinary(t)
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	mkdirs(t, root)
	inv := filepath.Join(dir, "site.yaml")
	calls := filepath.Join(dir, "calls")
	systemctl, socat := filepath.Join(dir, "systemctl"), filepath.Join(dir, "socat")
	writeFile(t, systemctl, "#!/bin/sh\necho \"systemctl $*\" >> "+calls+"\n")
	// Kea's answer to a command it accepts.
	writeFile(t, socat, "#!/bin/sh\necho \"socat $* $(cat)\" >> "+calls+"\necho '{ \"result\": 0, \"text\": \"Configuration successful.\" }'\n")
	os.Chmod(systemctl, 0o755)
	os.Chmod(socat, 0o755)
	deploy := func() string {
		t.Helper()
		os.Remove(calls)
		cmd := exec.Command("sh", "examples/shell/deploy.sh", inv, root)
		cmd.Env = append(os.Environ(), "PXEGEN="+bin, "SYSTEMCTL="+systemctl, "SOCAT="+socat)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("deploy.sh: %v\n%s", err, out)
		}
		data, _ := os.ReadFile(calls)
		return strings.TrimSpace(string(data))
	}
	socket := filepath.Join(dir, "kea.sock")
	site := func(dhcp, hosts string) {
		writeFile(t, inv, "server: {ip: 10.1.1.1}\ntargets: {dhcp: "+dhcp+"}\npaths: {kea_control_socket: "+socket+"}\n"+
			"networks: [{name: lab, subnet: 10.1.1.0/24}]\nprofiles: {p: {kernel: k}}\nhosts:\n"+
			"  - {name: node01, mac: \"52:54:00:12:34:56\", ip: 10.1.1.20, profile: p}\n"+hosts)
	}
	node02 := "  - {name: node02, mac: \"52:54:00:12:34:57\", ip: 10.1.1.21, profile: p}\n"

	site("dnsmasq", "")
	if got := deploy(); !strings.Contains(got, "systemctl restart dnsmasq") {
		t.Errorf("first deploy under dnsmasq: %q, want a restart of dnsmasq", got)
	}
	site("dnsmasq", node02)
	if got := deploy(); got != "systemctl reload dnsmasq" {
		t.Errorf("a new host under dnsmasq: %q, want a reload of dnsmasq alone", got)
	}

	site("kea", "")
	if got := deploy(); got != "systemctl restart kea-dhcp4-server\nsystemctl restart dnsmasq" {
		t.Errorf("first deploy under Kea, no control socket yet: %q, want Kea restarted, and dnsmasq without pxegen's files", got)
	}
	l, err := net.Listen("unix", socket) // Kea, running
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	site("kea", node02)
	if got, want := deploy(), `socat -t 30 - UNIX-CONNECT:`+socket+` {"command": "config-reload"}`; got != want {
		t.Errorf("a new host under Kea: %q, want %q", got, want)
	}
	// A socket left by a Kea that died: nothing answers, so Kea is started.
	writeFile(t, socat, "#!/bin/sh\necho 'socat: Connection refused' >&2\nexit 1\n")
	site("kea", "  - {name: node03, mac: \"52:54:00:12:34:58\", ip: 10.1.1.22, profile: p}\n")
	if got := deploy(); got != "systemctl restart kea-dhcp4-server" {
		t.Errorf("a new host under a Kea that died: %q, want it restarted", got)
	}
	// A file Kea refuses: it keeps serving the old one, and the deploy fails.
	writeFile(t, socat, "#!/bin/sh\necho '{ \"result\": 1, \"text\": \"bad\" }'\n")
	site("kea", "")
	cmd := exec.Command("sh", "examples/shell/deploy.sh", inv, root)
	cmd.Env = append(os.Environ(), "PXEGEN="+bin, "SYSTEMCTL="+systemctl, "SOCAT="+socat)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "still serves the old one") {
		t.Errorf("a config-reload Kea refuses: %v\n%s", err, out)
	}
}
