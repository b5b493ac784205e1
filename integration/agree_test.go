//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/inventory"
	"github.com/pxegen/pxegen/verify"
)

// miniLab is a network namespace running one daemon on a rendered tree,
// with boot_root bind-mounted at its configured path in the daemon's own
// mount namespace: less than a lab (no TFTP, no VMs), for probes of one
// daemon.
type miniLab struct {
	t    *testing.T
	ns   string
	work string // readable by the daemons' users
	out  string // the rendered tree
	inv  *inventory.Inventory
	cmd  *exec.Cmd
}

// newMiniLab renders inventoryPath (with the options) into a work
// directory and creates the namespace, with lo up.
func newMiniLab(t *testing.T, name, inventoryPath string, opts ...inventory.Option) *miniLab {
	t.Helper()
	requireRoot(t)
	requireCommands(t, "ip", "unshare", "busybox")
	inv, tree := loadAndRender(t, inventoryPath, opts...)
	work, err := os.MkdirTemp("", "pxegen-integration-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(work, 0o755)
	m := &miniLab{t: t, ns: fmt.Sprintf("pxegen-it-%s-%d", name, os.Getpid()), work: work, out: filepath.Join(work, "out"), inv: inv}
	t.Cleanup(m.close)
	if _, err := filetree.Write(m.out, tree); err != nil {
		t.Fatal(err)
	}
	sweepOnce.Do(sweepNamespaces)
	run(t, "ip", "netns", "add", m.ns)
	run(t, "ip", "-n", m.ns, "link", "set", "lo", "up")
	return m
}

// loadAndRender loads the inventory at path and renders it with the
// embedded templates.
func loadAndRender(t *testing.T, path string, opts ...inventory.Option) (*inventory.Inventory, filetree.Tree) {
	t.Helper()
	inv, err := inventory.Load(path, opts...)
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

// rendered is where the server file at abs sits in the rendered tree.
func (m *miniLab) rendered(abs string) string {
	return filepath.Join(m.out, strings.TrimPrefix(abs, "/"))
}

// start runs the shell line daemon in the namespace, in a PID namespace
// that dies with the test, with the rendered boot_root at its path, and
// waits until ready says it serves.
func (m *miniLab) start(daemon string, env []string, ready func() bool) {
	t := m.t
	script := "set -e\n" + bindLines(t, m.inv, m.out) + daemon + "\n"
	cmd := exec.Command("ip", "netns", "exec", m.ns, "unshare", "--pid", "--fork", "--kill-child", "bash", "-c", script)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	log, err := os.Create(filepath.Join(m.work, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m.cmd = cmd
	for deadline := time.Now().Add(20 * time.Second); !ready(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the daemon did not come up in 20s:\n%s", tail(m.read("server.log"), 20))
		}
	}
}

func (m *miniLab) read(name string) string {
	data, _ := os.ReadFile(filepath.Join(m.work, name))
	return string(data)
}

func (m *miniLab) close() {
	if m.cmd != nil && m.cmd.Process != nil {
		syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
		m.cmd.Wait()
	}
	killNamespace(m.ns)
	if m.t.Failed() {
		m.t.Logf("files kept for inspection in %s", m.work)
		return
	}
	os.RemoveAll(m.work)
}

// TestApachePort serves an http_url with a port (testdata/port.yaml) with
// Apache configured as Debian's is, its ports.conf listening on 80, and
// the rendered snippet: a file must be fetched on the URL's port, and
// port 80 must still answer.
func TestApachePort(t *testing.T) {
	requireCommands(t, "apache2")
	m := newMiniLab(t, "apache", "testdata/port.yaml")
	run(t, "ip", "-n", m.ns, "addr", "add", m.inv.Server.IP+"/32", "dev", "lo")
	conf := filepath.Join(m.work, "apache2.conf")
	if err := os.WriteFile(conf, []byte(verify.ApacheServerConfig(m.work, "", m.rendered(m.inv.Paths.ApacheConf))), 0o644); err != nil {
		t.Fatal(err)
	}
	url := m.inv.Server.HTTPURL + "ipxe/menu.ipxe"
	// busybox wget, not -T: with a timeout it crashes on a refused connection.
	wget := func(args ...string) *exec.Cmd {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		t.Cleanup(cancel)
		return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", m.ns, "busybox", "wget", "-q"}, args...)...)
	}
	m.start("exec apache2 -DFOREGROUND -f "+conf, verify.ApacheEnv(m.work), func() bool {
		return strings.Contains(m.read("error.log"), "resuming normal operations")
	})
	got, err := wget("-O", "-", url).CombinedOutput()
	want, _ := os.ReadFile(filepath.Join(m.rendered(m.inv.Paths.BootRoot), "ipxe/menu.ipxe"))
	if err != nil || !bytes.Equal(got, want) || len(want) == 0 {
		t.Fatalf("check apache-port: GET %s: %v (%d bytes, want %d): %.200s\nerror.log:\n%s", url, err, len(got), len(want), got, tail(m.read("error.log"), 10))
	}
	t.Logf("check apache-port: GET %s: the rendered file (%d bytes)", url, len(got))
	// Debian's own listener still answers (a 404 is an answer).
	out, _ := wget("-S", "-O", "/dev/null", "http://"+m.inv.Server.IP+"/").CombinedOutput()
	if !strings.Contains(string(out), "HTTP/1.1") {
		t.Fatalf("check apache-port: port 80 does not answer:\n%s", out)
	}
	t.Logf("check apache-port: port 80 still answers")
}

// TestHelperProcess is no test: the suite runs its own binary as this
// helper inside a network namespace (ip netns exec), where it reads that
// namespace's sockets or sends DHCP from its interfaces, then exits. It
// prints one line, "helper: ...".
func TestHelperProcess(t *testing.T) {
	ctx := context.Background()
	switch os.Getenv("PXEGEN_HELPER") {
	case "":
		t.Skip("the suite runs it itself, inside a network namespace")
	case "tftp-port":
		r := verify.TFTPPort(ctx, os.Getenv("PXEGEN_HELPER_TFTP"))
		fmt.Printf("helper: %s: %s\n", r.Status, r.Detail)
	case "dhcp-request":
		args := strings.Fields(os.Getenv("PXEGEN_HELPER_ARGS"))
		answer, err := dhcpRequest(args[0], args[1], args[2])
		if err != nil {
			fmt.Printf("helper: error: %v\n", err)
			os.Exit(1)
		}
		fmt.Printf("helper: %s\n", answer)
	}
	os.Exit(0)
}

// helper runs TestHelperProcess as what in the namespace ns, with env.
func helper(t *testing.T, ns, what string, env ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns, os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), append(env, "PXEGEN_HELPER="+what)...)
	out, err := cmd.CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if answer, ok := strings.CutPrefix(line, "helper: "); ok && err == nil {
			return answer
		}
	}
	t.Fatalf("helper %s in %s: %v\n%s", what, ns, err, out)
	return ""
}

// dhcpRequest sends one DHCPREQUEST from iface as a client with mac in
// INIT-REBOOT state, asking for addr (which it says it had), as a machine
// that moved networks does, and returns the answer: "NAK", "ACK <address>"
// or "silence" after 4 seconds. It asks for a broadcast answer, and reads
// it from a packet socket: the interface has no address yet.
func dhcpRequest(iface, macText, addrText string) (string, error) {
	mac, err := net.ParseMAC(macText)
	if err != nil {
		return "", err
	}
	addr := net.ParseIP(addrText).To4()
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return "", err
	}
	htons := func(v uint16) uint16 { return v<<8 | v>>8 }
	// Listening first: the answer can come before a send returns.
	pfd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_DGRAM, int(htons(syscall.ETH_P_IP)))
	if err != nil {
		return "", err
	}
	defer syscall.Close(pfd)
	if err := syscall.Bind(pfd, &syscall.SockaddrLinklayer{Protocol: htons(syscall.ETH_P_IP), Ifindex: ifi.Index}); err != nil {
		return "", err
	}
	tv := syscall.Timeval{Sec: 1}
	syscall.SetsockoptTimeval(pfd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, syscall.IPPROTO_UDP)
	if err != nil {
		return "", err
	}
	defer syscall.Close(fd)
	syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_BROADCAST, 1)
	if err := syscall.SetsockoptString(fd, syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE, iface); err != nil {
		return "", err
	}
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: 68}); err != nil {
		return "", err
	}
	// BOOTP header: a request (1) over Ethernet (1, 6-byte addresses),
	// the transaction id, the broadcast flag, chaddr, the magic cookie.
	p := make([]byte, 240)
	p[0], p[1], p[2] = 1, 1, 6
	xid := uint32(time.Now().UnixNano())
	binary.BigEndian.PutUint32(p[4:], xid)
	binary.BigEndian.PutUint16(p[10:], 0x8000)
	copy(p[28:], mac)
	copy(p[236:], []byte{99, 130, 83, 99})
	p = append(p, 53, 1, 3) // DHCPREQUEST
	p = append(p, 50, 4)    // the address it asks for
	p = append(p, addr...)
	p = append(p, 61, 7, 1) // client id: the MAC
	p = append(p, mac...)
	p = append(p, 55, 3, 1, 3, 51, 255)
	if err := syscall.Sendto(fd, p, 0, &syscall.SockaddrInet4{Port: 67, Addr: [4]byte{255, 255, 255, 255}}); err != nil {
		return "", err
	}
	buf := make([]byte, 1500)
	for deadline := time.Now().Add(4 * time.Second); time.Now().Before(deadline); {
		n, _, err := syscall.Recvfrom(pfd, buf, 0)
		if err != nil || n < 28 || buf[9] != syscall.IPPROTO_UDP {
			continue
		}
		ihl := int(buf[0]&0xf) * 4
		if n < ihl+8+240 || binary.BigEndian.Uint16(buf[ihl+2:]) != 68 {
			continue
		}
		r := buf[ihl+8 : n]
		if r[0] != 2 || binary.BigEndian.Uint32(r[4:]) != xid {
			continue
		}
		for i := 240; i+1 < len(r) && r[i] != 255; {
			if r[i] == 0 {
				i++
				continue
			}
			if r[i] == 53 && i+2 < len(r) {
				switch r[i+2] {
				case 5:
					return "ACK " + net.IP(r[16:20]).String(), nil
				case 6:
					return "NAK", nil
				}
				return fmt.Sprintf("DHCP message type %d", r[i+2]), nil
			}
			i += 2 + int(r[i+1])
		}
	}
	return "silence", nil
}

// TestTFTPConflict runs tftpd-hpa's in.tftpd standalone on UDP port 69, as
// its Debian service does, in a namespace, and asks verify's tftp-port
// check there: it must name that in.tftpd; with xinetd on the rendered
// stanza instead, it must not complain of the port.
func TestTFTPConflict(t *testing.T) {
	requireCommands(t, "in.tftpd", "xinetd")
	listening := func(m *miniLab) func() bool {
		return func() bool {
			out, _ := exec.Command("ip", "netns", "exec", m.ns, "cat", "/proc/net/udp").Output()
			return strings.Contains(string(out), ":0045 ")
		}
	}
	m := newMiniLab(t, "tftpd", "testdata/port.yaml")
	// As /etc/default/tftpd-hpa has it.
	m.start("exec in.tftpd --foreground --listen --user tftp --address :69 --secure "+m.inv.Paths.BootRoot, nil, listening(m))
	got := helper(t, m.ns, "tftp-port", "PXEGEN_HELPER_TFTP="+inventory.TargetXinetd)
	if !strings.HasPrefix(got, "failed: ") || !regexp.MustCompile(`in\.tftpd, started by \S+, \(pid \d+\) listens on UDP port 69`).MatchString(got) {
		t.Fatalf("check tftp-port with a standalone in.tftpd: %s", got)
	}
	t.Logf("check tftp-port: a standalone in.tftpd on UDP port 69 is named: %s", got)

	x := newMiniLab(t, "xinetd", "testdata/port.yaml")
	conf := filepath.Join(x.work, "xinetd.conf")
	if err := os.WriteFile(conf, []byte(verify.XinetdConfig(x.work, filepath.Dir(x.rendered(x.inv.Paths.XinetdTFTP)))), 0o644); err != nil {
		t.Fatal(err)
	}
	x.start(fmt.Sprintf("exec xinetd -dontfork -f %s -pidfile %s/xinetd.pid -filelog %s/xinetd.log", conf, x.work, x.work), nil, listening(x))
	got = helper(t, x.ns, "tftp-port", "PXEGEN_HELPER_TFTP="+inventory.TargetXinetd)
	if strings.Contains(got, "listens on UDP port 69") {
		t.Fatalf("check tftp-port with xinetd's own stanza: %s", got)
	}
	t.Logf("check tftp-port: xinetd on UDP port 69 is no conflict: %s", got)
}

// TestServersAnswerAlike runs dhcpd, Kea and dnsmasq in turn on
// testdata/agree.yaml, whose two networks each have a veth pair into a
// client namespace, and probes them as clients do: the lease time a
// client gets asking for none, a shorter one, one under dnsmasq's floor
// and a longer one, on a network with a lease_time and one with the
// default, as an unknown client and a host with a fixed address; the
// boot file iPXE gets, exactly the 127 bytes the BOOTP file field holds;
// and, authoritative and then not, the answer to a machine that asks for
// an address from another network. Every server must answer the same.
func TestServersAnswerAlike(t *testing.T) {
	requireCommands(t, "busybox")
	for _, server := range dhcpServers {
		t.Run(server.target, func(t *testing.T) {
			requireCommands(t, server.commands...)
			serversAnswerAlike(t, server)
		})
	}
}

func serversAnswerAlike(t *testing.T, server dhcpServer) {
	// TFTP through xinetd, which is not started: the DHCP server alone.
	m := newMiniLab(t, "agree-"+server.target, "testdata/agree.yaml", inventory.WithTargets(server.target, inventory.TargetXinetd))
	client := m.clientNetworks()
	m.startDHCP(server)
	url := m.inv.Server.HTTPURL
	if n := len(url + inventory.BootScript("lab")); n != inventory.MaxBootFileLen {
		t.Fatalf("testdata/agree.yaml: the boot script URL is %d bytes, want %d", n, inventory.MaxBootFileLen)
	}
	const fixed = "52:54:00:00:05:01" // host fixed, at 10.1.1.20
	for i, p := range []struct {
		name, network, mac string
		options            []string
		want               string
	}{
		{"lease", "lab", "", nil, "lease=600"},
		{"lease-shorter", "lab", "", []string{"-x", "lease:300"}, "lease=300"},
		{"lease-below-floor", "lab", "", []string{"-x", "lease:60"}, "lease=120"},
		{"lease-longer", "lab", "", []string{"-x", "lease:100000"}, "lease=600"},
		{"lease-host", "lab", fixed, nil, "ip=10.1.1.20 lease=600"},
		{"lease-host-shorter", "lab", fixed, []string{"-x", "lease:300"}, "ip=10.1.1.20 lease=300"},
		{"lease-default", "alt", "", nil, "lease=43200"},
		{"lease-default-longer", "alt", "", []string{"-x", "lease:100000"}, "lease=43200"},
		{"lease-default-below-floor", "alt", "", []string{"-x", "lease:60"}, "lease=120"},
		{"boot-file-127", "lab", "", []string{"-x", "0x4d:69505845"}, "boot_file=" + url + inventory.BootScript("lab") + "\n"},
		{"boot-file-127-alt", "alt", "", []string{"-x", "0x4d:69505845"}, "boot_file=" + url + inventory.BootScript("alt") + "\n"},
	} {
		mac := p.mac
		if mac == "" {
			mac = fmt.Sprintf("52:54:00:00:06:%02x", i) // a new client, with no lease
		}
		got := m.udhcpc(client[p.network], mac, p.options...)
		if !strings.Contains(got, p.want) {
			t.Errorf("check %s %s: want %q in the answer, got:\n%s\n%s:\n%s", server.target, p.name, p.want, got, server.target, tail(m.read(server.log), 20))
			continue
		}
		t.Logf("check %s %s: %s", server.target, p.name, strings.TrimSpace(p.want))
	}
	// A machine that had an address on another network asks for it again.
	moved := func(m *miniLab, want string) {
		got := helper(t, m.ns+"-c", "dhcp-request", "PXEGEN_HELPER_ARGS="+client["lab"]+" 52:54:00:00:07:01 192.168.77.5")
		if got != want {
			t.Errorf("check %s moved-client: a request for an address from another network, authoritative %v: %s, want %s\n%s:\n%s",
				server.target, *m.inv.Networks[0].Authoritative, got, want, server.target, tail(m.read(server.log), 20))
			return
		}
		t.Logf("check %s moved-client, authoritative %v: %s", server.target, *m.inv.Networks[0].Authoritative, got)
	}
	moved(m, "NAK")
	m.close()

	// Not authoritative, on both networks (dnsmasq cannot mix them).
	data, err := os.ReadFile("testdata/agree.yaml")
	if err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "agree-not-authoritative.yaml")
	data = bytes.ReplaceAll(data, []byte("    subnet: "), []byte("    authoritative: false\n    subnet: "))
	if err := os.WriteFile(other, data, 0o644); err != nil {
		t.Fatal(err)
	}
	n := newMiniLab(t, "agree-not-"+server.target, other, inventory.WithTargets(server.target, inventory.TargetXinetd))
	client = n.clientNetworks()
	n.startDHCP(server)
	moved(n, "silence")
}

// clientNetworks adds a client namespace (the lab's name, then -c) and,
// for each network, a veth pair between the lab, where it has the
// server's address or else the network's gateway, and the client. It
// returns the client's interface for each network.
func (m *miniLab) clientNetworks() map[string]string {
	t := m.t
	c := m.ns + "-c"
	run(t, "ip", "netns", "add", c)
	t.Cleanup(func() { killNamespace(c) })
	run(t, "ip", "-n", c, "link", "set", "lo", "up")
	ifaces := map[string]string{}
	for i, n := range m.inv.Networks {
		subnet, _ := inventory.ParseSubnet(n.Subnet)
		addr := n.Gateway
		if ip, _ := inventory.ParseIPv4(m.inv.Server.IP); subnet.Contains(ip) {
			addr = m.inv.Server.IP
		}
		s, cl := fmt.Sprintf("s%d", i), fmt.Sprintf("c%d", i)
		run(t, "ip", "-n", m.ns, "link", "add", s, "type", "veth", "peer", "name", cl, "netns", c)
		run(t, "ip", "-n", m.ns, "addr", "add", fmt.Sprintf("%s/%d", addr, subnet.Bits()), "dev", s)
		run(t, "ip", "-n", m.ns, "link", "set", s, "up")
		run(t, "ip", "-n", c, "link", "set", cl, "up")
		ifaces[n.Name] = cl
	}
	return ifaces
}

// startDHCP starts the lab's DHCP server on its rendered file, as the labs
// of TestBoot do, on the interfaces clientNetworks made.
func (m *miniLab) startDHCP(server dhcpServer) {
	conf := map[string]string{
		inventory.TargetDhcpd:   m.inv.Paths.DhcpdConf,
		inventory.TargetKea:     m.inv.Paths.KeaConf,
		inventory.TargetDnsmasq: m.inv.Paths.DnsmasqConf,
	}[server.target]
	var ifaces []string
	for i := range m.inv.Networks {
		ifaces = append(ifaces, fmt.Sprintf("s%d", i))
	}
	ready := server.ready
	if server.target == inventory.TargetDnsmasq {
		ready = "DHCP, IP range" // no TFTP here, whose line the lab waits for
	}
	m.start(fmt.Sprintf(server.start, m.work, m.rendered(conf), strings.Join(ifaces, " ")), nil, func() bool {
		return strings.Contains(m.read(server.log), ready)
	})
}

// udhcpc asks for a lease on the client's interface iface as mac, with
// udhcpc's options, and returns what its script printed.
func (m *miniLab) udhcpc(iface, mac string, options ...string) string {
	t := m.t
	c := m.ns + "-c"
	script := filepath.Join(m.work, "udhcpc.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n[ \"$1\" = bound ] || exit 0\n"+
		"echo \"ip=$ip lease=$lease\"\necho \"boot_file=$boot_file\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, "ip", "-n", c, "link", "set", iface, "address", mac)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"netns", "exec", c, "busybox", "udhcpc", "-i", iface, "-n", "-q", "-f", "-t", "5", "-s", script}, options...)
	out, _ := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	return string(out)
}
