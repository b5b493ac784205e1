package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pxegen/pxegen/inventory"
)

// proc is a process of a fake machine: its name, parent and the socket
// inodes it holds.
type proc struct {
	comm    string
	ppid    int
	sockets []string
}

// fakeMachine lays out /proc and /etc below a directory: udp lines for
// /proc/net/udp and udp6, the processes, and a SysV start link for
// tftpd-hpa when sysv is set; unit is systemctl's answer ("" when
// systemctl cannot say).
func fakeMachine(t *testing.T, udp, udp6 []string, procs map[int]proc, sysv bool, unit string) machine {
	t.Helper()
	root := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
	write("proc/net/udp", header+strings.Join(udp, "\n"))
	write("proc/net/udp6", header+strings.Join(udp6, "\n"))
	for pid, p := range procs {
		dir := fmt.Sprintf("proc/%d", pid)
		write(dir+"/comm", p.comm+"\n")
		write(dir+"/status", fmt.Sprintf("Name:\t%s\nPPid:\t%d\n", p.comm, p.ppid))
		os.MkdirAll(filepath.Join(root, dir, "fd"), 0o755)
		os.Symlink("/dev/null", filepath.Join(root, dir, "fd", "0"))
		for i, inode := range p.sockets {
			if err := os.Symlink("socket:["+inode+"]", filepath.Join(root, dir, "fd", fmt.Sprint(i+3))); err != nil {
				t.Fatal(err)
			}
		}
	}
	if sysv {
		os.MkdirAll(filepath.Join(root, "etc/rc2.d"), 0o755)
		os.Symlink("../init.d/tftpd-hpa", filepath.Join(root, "etc/rc2.d/S01tftpd-hpa"))
	}
	return machine{root: root, unitEnabled: func(context.Context, string) (string, bool) { return unit, unit != "" }}
}

// udpLine is a /proc/net/udp entry for a socket bound to the hex
// address:port, held by inode.
func udpLine(addr, inode string) string {
	return fmt.Sprintf("  12: %s 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 %s 2 0000000000000000 0", addr, inode)
}

// TestTFTPPort: the check fails, saying how to fix it, when tftpd-hpa's
// own service is enabled or anything but the inventory's TFTP server
// listens on UDP port 69, and passes otherwise.
func TestTFTPPort(t *testing.T) {
	const any4, any6 = "00000000:0045", "00000000000000000000000000000000:0045"
	xinetd := map[int]proc{1: {comm: "systemd"}, 40: {comm: "xinetd", ppid: 1, sockets: []string{"7001"}}}
	for _, c := range []struct {
		name       string
		udp, udp6  []string
		procs      map[int]proc
		sysv       bool
		unit, tftp string
		want       Status
		detail     []string
		not        string
	}{
		{name: "nothing", unit: "disabled", tftp: inventory.TargetXinetd, want: Passed,
			detail: []string{"nothing else listens"}},
		{name: "enabled by systemctl", unit: "enabled", tftp: inventory.TargetXinetd, want: Failed,
			detail: []string{"tftpd-hpa's own service is enabled", "xinetd's tftp stanza", "systemctl disable --now tftpd-hpa"}},
		{name: "enabled for dnsmasq", unit: "enabled", tftp: inventory.TargetDnsmasq, want: Failed,
			detail: []string{"tftpd-hpa's own service is enabled", "dnsmasq's TFTP"}},
		{name: "SysV start link, no systemctl", sysv: true, tftp: inventory.TargetXinetd, want: Failed,
			detail: []string{"tftpd-hpa's own service is enabled"}},
		{name: "systemctl says disabled over a stale link", sysv: true, unit: "disabled", tftp: inventory.TargetXinetd, want: Passed},
		{name: "xinetd's", udp: []string{udpLine(any4, "7001")}, procs: xinetd, unit: "disabled", tftp: inventory.TargetXinetd, want: Passed,
			detail: []string{"only xinetd's tftp stanza"}},
		{name: "in.tftpd from xinetd", udp: []string{udpLine(any4, "7002")}, unit: "disabled", tftp: inventory.TargetXinetd, want: Passed,
			procs: map[int]proc{40: {comm: "xinetd", ppid: 1}, 41: {comm: "in.tftpd", ppid: 40, sockets: []string{"7002"}}}},
		{name: "standalone in.tftpd", udp: []string{udpLine(any4, "7003")}, unit: "disabled", tftp: inventory.TargetXinetd, want: Failed,
			procs:  map[int]proc{1: {comm: "init"}, 50: {comm: "in.tftpd", ppid: 1, sockets: []string{"7003"}}},
			detail: []string{"in.tftpd, started by init, (pid 50) listens on UDP port 69"}},
		{name: "IPv6 standalone in.tftpd", udp6: []string{udpLine(any6, "7004")}, unit: "disabled", tftp: inventory.TargetXinetd, want: Failed,
			procs:  map[int]proc{1: {comm: "init"}, 50: {comm: "in.tftpd", ppid: 1, sockets: []string{"7004"}}},
			detail: []string{"(pid 50) listens on UDP port 69"}},
		// One process, two sockets: named once, and nothing is unknown.
		{name: "in.tftpd on both", udp: []string{udpLine(any4, "7003")}, udp6: []string{udpLine(any6, "7004")}, unit: "disabled", tftp: inventory.TargetXinetd, want: Failed,
			procs:  map[int]proc{1: {comm: "init"}, 50: {comm: "in.tftpd", ppid: 1, sockets: []string{"7003", "7004"}}},
			detail: []string{"in.tftpd, started by init, (pid 50) listens on UDP port 69, which xinetd's tftp stanza (paths.xinetd_tftp) needs: stop it"}, not: "only root"},
		{name: "dnsmasq's, for xinetd", udp: []string{udpLine(any4, "7005")}, unit: "disabled", tftp: inventory.TargetXinetd, want: Failed,
			procs:  map[int]proc{60: {comm: "dnsmasq", ppid: 1, sockets: []string{"7005"}}},
			detail: []string{"dnsmasq (pid 60) listens on UDP port 69, which xinetd's tftp stanza"}},
		{name: "dnsmasq's, for dnsmasq", udp: []string{udpLine(any4, "7005")}, unit: "disabled", tftp: inventory.TargetDnsmasq, want: Passed,
			procs: map[int]proc{60: {comm: "dnsmasq", ppid: 1, sockets: []string{"7005"}}}},
		{name: "xinetd's, for dnsmasq", udp: []string{udpLine(any4, "7001")}, procs: xinetd, unit: "disabled", tftp: inventory.TargetDnsmasq, want: Failed,
			detail: []string{"xinetd, started by systemd, (pid 40) listens on UDP port 69, which dnsmasq's TFTP"}},
		{name: "unreadable owner", udp: []string{udpLine(any4, "7006")}, unit: "disabled", tftp: inventory.TargetXinetd, want: Failed,
			detail: []string{"only root can see what"}},
		{name: "another port", udp: []string{udpLine("00000000:0044", "7007")}, unit: "disabled", tftp: inventory.TargetXinetd, want: Passed,
			procs: map[int]proc{70: {comm: "dhclient", ppid: 1, sockets: []string{"7007"}}}},
	} {
		m := fakeMachine(t, c.udp, c.udp6, c.procs, c.sysv, c.unit)
		r := m.tftpPort(context.Background(), c.tftp)
		ok := r.Check == "tftp-port" && r.Status == c.want
		for _, d := range c.detail {
			ok = ok && strings.Contains(r.Detail, d)
		}
		if c.not != "" && strings.Contains(r.Detail, c.not) {
			ok = false
		}
		if !ok {
			t.Errorf("%s: %s: %s, want %s with %q and without %q", c.name, r.Status, r.Detail, c.want, c.detail, c.not)
		}
	}
}
