//go:build integration

package integration

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/inventory"
)

// TestReloadPicksUpHosts proves the hints pxegen gives for a host's
// change: a new host is only dnsmasq's host file, and SIGHUP makes dnsmasq
// answer it; under Kea it is a config-reload through the control socket.
// Either way the running daemon, not a new one, answers the host as known
// (its fixed address, and iPXE gets known.ipxe), where before the change it
// got a pool address and its network's script.
func TestReloadPicksUpHosts(t *testing.T) {
	for _, server := range dhcpServers {
		if server.target == inventory.TargetDhcpd {
			continue // dhcpd cannot reload: its hint is a restart
		}
		t.Run(server.target, func(t *testing.T) {
			requireCommands(t, server.commands...)
			reloadPicksUpHosts(t, server)
		})
	}
}

func reloadPicksUpHosts(t *testing.T, server dhcpServer) {
	// The socket outside the lab's namespaces, where the test reaches it.
	sockDir, err := os.MkdirTemp("", "pxegen-kea-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sockDir) })
	socket := filepath.Join(sockDir, "kea4-ctrl-socket")
	const newMAC = "52:54:00:31:00:02"
	site := func(hosts string) string {
		return "server: {ip: 10.31.0.1}\npaths: {kea_control_socket: " + socket + "}\n" +
			"networks: [{name: lab, subnet: 10.31.0.0/24, pool: 10.31.0.100-10.31.0.200, profile: p}]\n" +
			"profiles: {p: {kernel: k}}\nhosts:\n  - {name: h0, mac: '52:54:00:31:00:01', ip: 10.31.0.10, profile: p}\n" + hosts
	}
	dir := t.TempDir()
	before, after := filepath.Join(dir, "before.yaml"), filepath.Join(dir, "after.yaml")
	for name, text := range map[string]string{before: site(""), after: site("  - {name: h1, mac: '" + newMAC + "', ip: 10.31.0.11, profile: p}\n")} {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	targets := inventory.WithTargets(server.target, inventory.TargetXinetd)
	m := newMiniLab(t, "reload-"+server.target, before, targets)
	client := m.clientNetworks()["lab"]
	m.startDHCP(server)
	ipxe := []string{"-x", "0x4d:69505845", "-x", "0x5d:0000"}
	ask := func() map[string]string { return m.udhcpcEnv(client, newMAC, ipxe...) }
	if got := ask(); got["ip"] == "10.31.0.11" || !strings.HasSuffix(got["boot_file"], "/ipxe/boot-lab.ipxe") {
		t.Fatalf("before the change, the new MAC got %s and %s: want a pool address and boot-lab.ipxe", got["ip"], got["boot_file"])
	}
	pid := daemonPID(t, m)

	// The change, rendered over the running daemon's tree.
	inv, tree := loadAndRender(t, after, targets)
	plan, err := filetree.NewPlan(m.out, tree, filetree.PlanOptions{Force: true, Lock: filetree.SharedLock})
	if err != nil {
		t.Fatal(err)
	}
	reloads := generate.Reloads(inv.Paths, plan.Changes)
	plan.Close()
	if _, err := filetree.Write(m.out, tree); err != nil {
		t.Fatal(err)
	}
	if len(reloads) != 1 {
		t.Fatalf("hints for a new host: %+v, want one", reloads)
	}
	r := reloads[0]
	switch server.target {
	case inventory.TargetDnsmasq:
		if r.Action != "reload" || r.Service != "dnsmasq" || strings.Join(r.Paths, " ") != inv.Paths.DnsmasqHosts {
			t.Fatalf("hint for a new host: %+v, want a reload of dnsmasq for %s alone", r, inv.Paths.DnsmasqHosts)
		}
		if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		// dnsmasq logs each file it reads: the second read of the hosts
		// file is the reload's.
		waitFor(t, func() bool { return strings.Count(m.read(server.log), "read "+inv.Paths.DnsmasqHosts) >= 2 }, "dnsmasq rereading "+inv.Paths.DnsmasqHosts)
	case inventory.TargetKea:
		if r.Action != "config-reload" || r.Socket != socket {
			t.Fatalf("hint for a new host: %+v, want a config-reload through %s", r, socket)
		}
		if got := keaCommand(t, socket, "config-reload"); got.Result != 0 {
			t.Fatalf("config-reload: result %d: %s", got.Result, got.Text)
		}
	}
	if got := ask(); got["ip"] != "10.31.0.11" || !strings.HasSuffix(got["boot_file"], "/ipxe/known.ipxe") {
		t.Errorf("check reload %s: after the %s, the new host got %s and %s: want 10.31.0.11 and known.ipxe", server.target, r.Action, got["ip"], got["boot_file"])
	} else {
		t.Logf("check reload %s: a new host is answered after %s, without a restart", server.target, r.Action)
	}
	if daemonPID(t, m) != pid {
		t.Errorf("the %s that answered is not the one that ran before: it was restarted", server.target)
	}
}

// daemonPID finds the DHCP server the mini lab runs: the process (as this
// machine numbers it) whose command line names the lab's work directory.
func daemonPID(t *testing.T, m *miniLab) int {
	t.Helper()
	return daemonIn(t, m.work, "dnsmasq", "kea-dhcp4")
}

// daemonIn is the PID of the daemon, one of names, whose command line
// names the lab's work directory.
func daemonIn(t *testing.T, work string, names ...string) int {
	t.Helper()
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		cmdline, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		args := strings.Split(string(cmdline), "\x00")
		if slices.Contains(names, filepath.Base(args[0])) && strings.Contains(string(cmdline), work) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			return pid
		}
	}
	t.Fatalf("the lab's %s is not running", strings.Join(names, " or "))
	return 0
}

type keaAnswer struct {
	Result int    `json:"result"`
	Text   string `json:"text"`
}

// keaCommand sends command to Kea's control socket and returns its answer.
func keaCommand(t *testing.T, socket, command string) keaAnswer {
	t.Helper()
	c, err := net.DialTimeout("unix", socket, 5*time.Second)
	if err != nil {
		t.Fatalf("Kea's control socket: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := fmt.Fprintf(c, `{"command": %q}`, command); err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(c)
	if err != nil && len(data) == 0 {
		t.Fatalf("%s: %v", command, err)
	}
	var a keaAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		t.Fatalf("%s: %v: %s", command, err, data)
	}
	return a
}

// waitFor waits up to 10 s for done.
func waitFor(t *testing.T, done func() bool, what string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !done(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10s for %s", what)
		}
	}
}
