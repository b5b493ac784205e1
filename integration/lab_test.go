//go:build integration

package integration

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/internal/qemu"
	"github.com/pxegen/pxegen/inventory"
	"github.com/pxegen/pxegen/verify"
)

// lab is a boot server built from a rendered tree: a network namespace with
// one bridge per inventory network, and a DHCP server (dhcpd, Kea or
// dnsmasq), a TFTP server (xinetd starting tftpd-hpa, or dnsmasq's own) and
// Apache running inside it on the rendered files, with the rendered
// boot_root bind-mounted at its configured path in their own mount
// namespace. Nothing in it can reach or be reached from the host's network.
type lab struct {
	t       *testing.T
	dhcp    dhcpServer
	inv     *inventory.Inventory
	site    *generate.Site // what the templates saw, for explain
	tree    filetree.Tree  // what pxegen rendered, for explain
	ns      string
	work    string // logs, runtime files; readable by the daemons' users
	out     string // the rendered tree
	bridges map[string]string
	server  *exec.Cmd
	disks   disks // the VMs' disk images
	// unavailable are paths below the server's URL that Apache answers
	// with 503 Service Unavailable.
	unavailable []string

	mu   sync.Mutex
	taps int
	// partners are the other servers of an HA pair on the lab's network,
	// which may answer and serve its VMs too: dhcpd's secondary answers a
	// client whose secs field passed load balance max seconds.
	partners []*lab
}

// dhcpServer is one DHCP server the lab can run: the target pxegen renders
// for it, the TFTP server that goes with it here, how to start it and how
// to read its log.
type dhcpServer struct {
	target   string // the inventory's targets.dhcp
	tftp     string // targets.tftp: with dnsmasq, its own TFTP server is tried
	commands []string
	log      string // the log file in the lab's work directory
	// start is the shell line that runs the server in the foreground; %[1]s
	// is the work directory, %[2]s its rendered config, %[3]s the bridges.
	start string
	ready string // what its log says once it serves
	// ack finds the address acknowledged to a MAC: %s is the quoted MAC.
	ack string
	// start6, log6 and ready6 are the DHCPv6 server's, for an inventory
	// with a subnet6, where it is a daemon of its own (%[2]s is its
	// config); dnsmasq serves both families in one.
	start6, log6, ready6 string
}

var dhcpServers = []dhcpServer{
	{
		target: inventory.TargetDhcpd, tftp: inventory.TargetXinetd, commands: []string{"dhcpd"}, log: "dhcpd.log",
		start:  "touch %[1]s/dhcpd.leases; dhcpd -f -d -cf %[2]s -lf %[1]s/dhcpd.leases -pf %[1]s/dhcpd.pid %[3]s > %[1]s/dhcpd.log 2>&1",
		ready:  "Server starting service.",
		ack:    `DHCPACK on (\S+) to %s`,
		start6: "touch %[1]s/dhcpd6.leases; dhcpd -6 -f -d -cf %[2]s -lf %[1]s/dhcpd6.leases -pf %[1]s/dhcpd6.pid %[3]s > %[1]s/dhcpd6.log 2>&1",
		log6:   "dhcpd6.log", ready6: "Server starting service.",
	},
	{
		// Kea keeps leases in /var/lib/kea and its control socket in
		// /run/kea, which its systemd unit creates: here directories on
		// tmpfs in Kea's own mount namespace.
		target: inventory.TargetKea, tftp: inventory.TargetXinetd, commands: []string{"kea-dhcp4", "unshare"}, log: "kea.log",
		start:  "KEA_PIDFILE_DIR=%[1]s KEA_LOCKFILE_DIR=%[1]s unshare --mount sh -c 'mount -t tmpfs pxegen-kea /var/lib && mkdir /var/lib/kea && mkdir -p /run/kea && mount -t tmpfs pxegen-kea-run /run/kea && exec kea-dhcp4 -c %[2]s' > %[1]s/kea.log 2>&1",
		ready:  "DHCP4_STARTED",
		ack:    `hwtype=1 %s\], .*lease (\S+) has been allocated`,
		start6: "KEA_PIDFILE_DIR=%[1]s KEA_LOCKFILE_DIR=%[1]s unshare --mount sh -c 'mount -t tmpfs pxegen-kea6 /var/lib && mkdir /var/lib/kea && mkdir -p /run/kea && mount -t tmpfs pxegen-kea6-run /run/kea && exec kea-dhcp6 -c %[2]s' > %[1]s/kea6.log 2>&1",
		log6:   "kea6.log", ready6: "DHCP6_STARTED",
	},
	{
		target: inventory.TargetDnsmasq, tftp: inventory.TargetDnsmasq, commands: []string{"dnsmasq"}, log: "dnsmasq.log",
		start: "dnsmasq --keep-in-foreground --conf-file=%[2]s --port=0 --user=root --pid-file=%[1]s/dnsmasq.pid --dhcp-leasefile=%[1]s/dnsmasq.leases --log-facility=%[1]s/dnsmasq.log --log-dhcp",
		ready: "TFTP root is",
		ack:   `DHCPACK\(\S+\) (\S+) %s`,
	},
}

// newLab renders inventoryPath for the DHCP server (with template overrides
// from $PXEGEN_INTEGRATION_TEMPLATES, to try a deliberate break), adds the
// boot binaries, kernel and initrd, builds the VMs' disk images, and starts
// the daemons, with Apache answering the unavailable paths (below the
// server's URL) with 503.
func newLab(t *testing.T, inventoryPath string, dhcp dhcpServer, unavailable ...string) *lab {
	return newPeerLab(t, inventoryPath, dhcp, "", unavailable...)
}

// newPeerLab is newLab for the server peer of an HA pair (none: "").
func newPeerLab(t *testing.T, inventoryPath string, dhcp dhcpServer, peer string, unavailable ...string) *lab {
	requireRoot(t)
	requireCommands(t, "ip", "apache2", "busybox")
	requireCommands(t, dhcp.commands...)
	if dhcp.tftp == inventory.TargetXinetd {
		requireCommands(t, "xinetd", "in.tftpd")
	}
	inv, err := inventory.Load(inventoryPath, inventory.WithTargets(dhcp.target, dhcp.tftp), inventory.WithPeer(peer))
	if err != nil {
		t.Fatal(err)
	}
	engine, err := generate.New(os.Getenv("PXEGEN_INTEGRATION_TEMPLATES"))
	if err != nil {
		t.Fatal(err)
	}
	site, tree, err := engine.RenderSite(inv)
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: its parents are 0700, and Apache's workers and
	// tftpd run as unprivileged users.
	work, err := os.MkdirTemp("", "pxegen-integration-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(work, 0o755); err != nil {
		t.Fatal(err)
	}
	name := strings.TrimSuffix(filepath.Base(inventoryPath), ".yaml")
	if peer != "" {
		name += "-" + peer
	}
	l := &lab{t: t, dhcp: dhcp, inv: inv, site: site, tree: tree, work: work, out: filepath.Join(work, "out"), bridges: map[string]string{},
		ns: fmt.Sprintf("pxegen-it-%s-%s-%d", dhcp.target, name, os.Getpid()), unavailable: unavailable}
	t.Cleanup(l.close)
	if _, err := filetree.Write(l.out, tree); err != nil {
		t.Fatal(err)
	}
	l.installBootFiles()
	l.disks = buildDisks(t, filepath.Join(work, "disks"), inv.ServesARM64())
	l.network()
	l.start()
	return l
}

// bootRoot is the rendered boot_root inside the output tree.
func (l *lab) bootRoot() string {
	return filepath.Join(l.out, strings.TrimPrefix(l.inv.Paths.BootRoot, "/"))
}

// installBootFiles puts what the user would into boot_root: the iPXE
// binaries, PXELINUX and its modules, and the profiles' kernel and initrd.
func (l *lab) installBootFiles() {
	t := l.t
	root := l.bootRoot()
	bl := l.inv.Bootloaders
	for src, dst := range map[string]string{
		firstExisting("/usr/lib/ipxe/undionly.kpxe"):         bl.BIOS,
		firstExisting("/usr/lib/ipxe/" + path.Base(bl.UEFI)): bl.UEFI,
		firstExisting("/usr/lib/PXELINUX/pxelinux.0"):        bl.PXELinux,
		// The signed chain: shim loads grubx64.efi from its own directory;
		// Debian's netboot GRUB reads its configs from /grub.
		firstExisting("/usr/lib/shim/shimx64.efi.signed"):                      bl.Shim,
		firstExisting("/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed"): path.Join(path.Dir(bl.Shim), "grubx64.efi"),
	} {
		require(t, src != "", "the ipxe, pxelinux, shim-signed and grub-efi-amd64-signed packages' boot files")
		copyFile(t, src, filepath.Join(root, dst), 0o644)
	}
	modules := filepath.Dir(filepath.Join(root, bl.PXELinux))
	for _, m := range []string{"ldlinux.c32", "menu.c32", "libutil.c32", "libcom32.c32"} {
		src := firstExisting("/usr/lib/syslinux/modules/bios/" + m)
		require(t, src != "", "syslinux-common's "+m)
		copyFile(t, src, filepath.Join(modules, m), 0o644)
	}
	for _, f := range []string{"memtest86+x64.bin", "memtest86+x64.efi"} {
		src := firstExisting("/boot/" + f)
		require(t, src != "", "memtest86+'s "+f+" (Debian: memtest86+)")
		copyFile(t, src, filepath.Join(root, "test", "memtest", f), 0o644)
	}
	copyFile(t, kernel(t), filepath.Join(root, "test", "vmlinuz"), 0o644)
	initrd(t, filepath.Join(root, "test", "initrd.gz"), "")
	os.Chmod(filepath.Join(root, "test", "initrd.gz"), 0o644)
	if l.inv.ServesARM64() {
		// ARM64 machines run Debian's signed netboot GRUB, which loads
		// the arm64 kernel (gzipped: GRUB inflates it, and it crosses TFTP
		// three times faster) and an initrd around an arm64 busybox.
		a := arm64Files(t)
		copyFile(t, a.netGRUB, filepath.Join(root, bl.ARM64), 0o644)
		dir := filepath.Join(root, "test", "arm64")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		run(t, "sh", "-c", "gzip -1 -c "+a.kernel+" > "+filepath.Join(dir, "vmlinuz"))
		initrd(t, filepath.Join(dir, "initrd.gz"), a.busybox)
		for _, f := range []string{"vmlinuz", "initrd.gz"} {
			os.Chmod(filepath.Join(dir, f), 0o644)
		}
	}
}

// network creates the namespace and one bridge per inventory network. A
// bridge carries the server's address where the network holds it, else the
// network's gateway: that is where the VMs route to reach the server. A
// network with a subnet6 carries the server's IPv6 address, which must be
// in it (the VMs have no IPv6 router to reach it elsewhere); an IPv6-only
// network's bridge has no IPv4 address at all.
func (l *lab) network() {
	t := l.t
	sweepOnce.Do(sweepNamespaces)
	run(t, "ip", "netns", "add", l.ns)
	run(t, "ip", "-n", l.ns, "link", "set", "lo", "up")
	// No duplicate address detection on the bridges: their link-local
	// addresses serve at once, where DHCPv6 servers bind.
	for _, conf := range []string{"all", "default"} {
		run(t, "ip", "netns", "exec", l.ns, "sysctl", "-q", "-w", "net.ipv6.conf."+conf+".accept_dad=0")
	}
	server, _ := netip.ParseAddr(l.inv.Server.IP)
	server6, _ := netip.ParseAddr(l.inv.Server.IP6)
	for i, n := range l.inv.Networks {
		if n.Relay {
			continue // behind the router (relayNetworks)
		}
		br := fmt.Sprintf("br%d", i)
		run(t, "ip", "-n", l.ns, "link", "add", br, "type", "bridge")
		if n.Subnet != "" {
			subnet := netip.MustParsePrefix(n.Subnet)
			addr := n.Gateway
			if subnet.Contains(server) {
				addr = server.String()
			}
			if addr == "" {
				t.Fatalf("network %s holds neither the server's address nor a gateway: no VM there could reach the server", n.Name)
			}
			run(t, "ip", "-n", l.ns, "addr", "add", fmt.Sprintf("%s/%d", addr, subnet.Bits()), "dev", br)
		}
		if n.Subnet6 != "" {
			subnet := netip.MustParsePrefix(n.Subnet6)
			if !subnet.Contains(server6) {
				t.Fatalf("network %s's subnet6 does not hold the server's IPv6 address: no VM there could reach the server", n.Name)
			}
			// nodad: the address serves at once, not after duplicate
			// address detection.
			run(t, "ip", "-n", l.ns, "addr", "add", fmt.Sprintf("%s/%d", server6, subnet.Bits()), "dev", br, "nodad")
		}
		run(t, "ip", "-n", l.ns, "link", "set", br, "up")
		// A bridge has no carrier until a port is up, and Kea skips an
		// interface without one: a veth pair keeps each bridge up before
		// the VMs' taps join it.
		peer := fmt.Sprintf("keep%d", i)
		run(t, "ip", "-n", l.ns, "link", "add", peer, "type", "veth", "peer", "name", peer+"p")
		run(t, "ip", "-n", l.ns, "link", "set", peer+"p", "master", br, "up")
		run(t, "ip", "-n", l.ns, "link", "set", peer, "up")
		l.bridges[n.Name] = br
	}
	l.relayNetworks()
}

// relayNetworks builds the relayed networks: for each, a bridge in the
// lab's namespace with no address (the VMs' taps join it; no DHCP server
// answers there), cabled to a router namespace that holds the network's
// gateway, routes to the server's network (where it holds that network's
// gateway) and relays DHCP with dnsmasq's relay to the server.
func (l *lab) relayNetworks() {
	t := l.t
	var relayed []int
	home := -1
	server := netip.MustParseAddr(l.inv.Server.IP)
	for i, n := range l.inv.Networks {
		if n.Relay {
			relayed = append(relayed, i)
		} else if n.Subnet != "" && netip.MustParsePrefix(n.Subnet).Contains(server) {
			home = i
		}
	}
	if len(relayed) == 0 {
		return
	}
	uplink := l.inv.Networks[home]
	if uplink.Gateway == "" {
		t.Fatalf("network %s, the server's, needs a gateway: the router to the relayed networks", uplink.Name)
	}
	r := l.routerNS()
	run(t, "ip", "netns", "add", r)
	run(t, "ip", "-n", r, "link", "set", "lo", "up")
	run(t, "ip", "netns", "exec", r, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
	run(t, "ip", "-n", l.ns, "link", "add", "rtup", "type", "veth", "peer", "name", "up0", "netns", r)
	run(t, "ip", "-n", l.ns, "link", "set", "rtup", "master", l.bridges[uplink.Name], "up")
	run(t, "ip", "-n", r, "addr", "add", fmt.Sprintf("%s/%d", uplink.Gateway, netip.MustParsePrefix(uplink.Subnet).Bits()), "dev", "up0")
	run(t, "ip", "-n", r, "link", "set", "up0", "up")
	// dnsmasq forks into the background; it dies with the namespace.
	args := []string{"netns", "exec", r, "dnsmasq", "--port=0", "--conf-file=/dev/null", "--user=root",
		"--pid-file=" + filepath.Join(l.work, "relay.pid"), "--log-facility=" + filepath.Join(l.work, "relay.log"), "--log-dhcp"}
	for _, i := range relayed {
		n := l.inv.Networks[i]
		subnet := netip.MustParsePrefix(n.Subnet)
		br, lan := fmt.Sprintf("br%d", i), fmt.Sprintf("lan%d", i)
		run(t, "ip", "-n", l.ns, "link", "add", br, "type", "bridge")
		run(t, "ip", "-n", l.ns, "link", "set", br, "up")
		run(t, "ip", "-n", l.ns, "link", "add", "rt"+lan, "type", "veth", "peer", "name", lan, "netns", r)
		run(t, "ip", "-n", l.ns, "link", "set", "rt"+lan, "master", br, "up")
		run(t, "ip", "-n", r, "addr", "add", fmt.Sprintf("%s/%d", n.Gateway, subnet.Bits()), "dev", lan)
		run(t, "ip", "-n", r, "link", "set", lan, "up")
		run(t, "ip", "-n", l.ns, "route", "add", subnet.String(), "via", uplink.Gateway)
		for _, s := range l.inv.DHCPServers() {
			args = append(args, "--dhcp-relay="+n.Gateway+","+s)
		}
		l.bridges[n.Name] = br
	}
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("dnsmasq as the relay: %v\n%s", err, out)
	}
}

// routerNS is the namespace of the router to the relayed networks; its
// name ends in the test's PID, as sweepNamespaces needs.
func (l *lab) routerNS() string { return strings.Replace(l.ns, "pxegen-it-", "pxegen-it-r-", 1) }

// bindLines returns the shell lines that bind-mount the directories of
// the rendered tree under out that the daemons read at their server
// paths: boot_root, and the directory of dnsmasq's host files, which its
// drop-in names by their server paths. The mount points are made on this
// machine (empty directories, as the packages would make); the mounts
// live in the daemons' own mount namespace.
func bindLines(t *testing.T, inv *inventory.Inventory, out string) string {
	t.Helper()
	dirs := []string{inv.Paths.BootRoot}
	if inv.Targets.DHCP == inventory.TargetDnsmasq {
		for _, f := range []string{inv.Paths.DnsmasqHosts, inv.Paths.DnsmasqOpts} {
			if _, err := os.Stat(filepath.Join(out, f)); err == nil && !slices.Contains(dirs, path.Dir(f)) {
				dirs = append(dirs, path.Dir(f))
			}
		}
	}
	lines := ""
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		lines += fmt.Sprintf("mount --bind %s %s\n", filepath.Join(out, d), d)
	}
	return lines
}

// start runs the daemons in the namespace, in a mount namespace of their
// own (ip netns exec makes one) where boot_root is the rendered tree.
func (l *lab) start() {
	t := l.t
	w := l.work
	apache := verify.ApacheServerConfig(w, "80", l.rendered(l.inv.Paths.ApacheConf))
	for _, p := range l.unavailable {
		// mod_alias: a Redirect with a status outside 3xx takes no URL.
		apache += "Redirect 503 " + urlPath(l.inv.Server.HTTPURL) + p + "\n"
	}
	files := map[string]string{
		"apache2.conf": apache,
		"xinetd.conf":  verify.XinetdConfig(w, filepath.Dir(l.rendered(l.inv.Paths.XinetdTFTP))),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(w, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var bridges []string
	for _, n := range l.inv.Networks {
		if !n.Relay {
			bridges = append(bridges, l.bridges[n.Name])
		}
	}
	conf := map[string]string{
		inventory.TargetDhcpd:   l.inv.Paths.DhcpdConf,
		inventory.TargetKea:     l.inv.Paths.KeaConf,
		inventory.TargetDnsmasq: l.inv.Paths.DnsmasqConf,
	}[l.dhcp.target]
	dhcpLine := fmt.Sprintf(l.dhcp.start, w, l.rendered(conf), strings.Join(bridges, " "))
	// DHCPv6, where it is a daemon of its own, on the IPv6 networks'
	// bridges; and radvd, where the server advertises and dnsmasq does not.
	var bridges6 []string
	for _, n := range l.inv.Networks {
		if n.Subnet6 != "" {
			bridges6 = append(bridges6, l.bridges[n.Name])
		}
	}
	if l.inv.HasIPv6() && l.dhcp.start6 != "" {
		conf6 := map[string]string{inventory.TargetDhcpd: l.inv.Paths.Dhcpd6Conf, inventory.TargetKea: l.inv.Paths.Kea6Conf}[l.dhcp.target]
		dhcpLine += " &\n" + fmt.Sprintf(l.dhcp.start6, w, l.rendered(conf6), strings.Join(bridges6, " "))
	}
	if l.inv.HasRA() && l.dhcp.target != inventory.TargetDnsmasq {
		dhcpLine += fmt.Sprintf(" &\nradvd --nodaemon --config %[2]s --pidfile %[1]s/radvd.pid --logmethod logfile --logfile %[1]s/radvd.log", w, l.rendered(l.inv.Paths.RadvdConf))
	}
	xinetdLine := ""
	if l.inv.Targets.TFTP == inventory.TargetXinetd {
		xinetdLine = fmt.Sprintf("xinetd -dontfork -f %[1]s/xinetd.conf -pidfile %[1]s/xinetd.pid -filelog %[1]s/xinetd.log &", w)
	}
	script := fmt.Sprintf(`set -e
%[2]s%[3]s &
%[4]s
apache2 -DFOREGROUND -f %[1]s/apache2.conf > %[1]s/apache2.out 2>&1 &
wait
`, w, bindLines(t, l.inv, l.out), dhcpLine, xinetdLine)
	// The daemons run in a PID namespace of their own whose first process
	// dies with unshare (--kill-child), which dies with the test
	// (Pdeathsig): when the first process of a PID namespace dies, the
	// kernel kills every other, so no daemon outlives a killed test.
	cmd := exec.Command("ip", "netns", "exec", l.ns, "unshare", "--pid", "--fork", "--kill-child", "bash", "-c", script)
	cmd.Env = verify.ApacheEnv(w)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	log, err := os.Create(filepath.Join(w, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	l.server = cmd
	// Ready when the boot tree answers over HTTP and the DHCP server (and
	// xinetd) have said they serve.
	url := l.inv.Server.HTTPURL + "ipxe/menu.ipxe"
	deadline := time.Now().Add(30 * time.Second)
	for {
		dhcpLog := l.read(l.dhcp.log)
		xinetd := "Started working: 1 available service"
		if xinetdLine != "" {
			xinetd = l.read("xinetd.log")
		}
		err := exec.Command("ip", "netns", "exec", l.ns, "busybox", "wget", "-q", "-O", "/dev/null", url).Run()
		ready6 := true
		if l.inv.HasIPv6() {
			if err == nil {
				err = exec.Command("ip", "netns", "exec", l.ns, "busybox", "wget", "-q", "-O", "/dev/null", l.inv.Server.HTTPURL6+"ipxe/menu.ipxe").Run()
			}
			if l.dhcp.log6 != "" {
				log6 := l.read(l.dhcp.log6)
				if strings.Contains(log6, "DHCPSRV_NO_SOCKETS_OPEN") {
					t.Fatalf("kea-dhcp6 opened no socket:\n%s", tail(log6, 10))
				}
				ready6 = strings.Contains(log6, l.dhcp.ready6)
				dhcpLog += log6
			}
		}
		if err == nil && ready6 && strings.Contains(dhcpLog, l.dhcp.ready) && strings.Contains(xinetd, "Started working: 1 available service") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lab's daemons did not come up in 30s (GET %s: %v)\n%s:\n%s\nxinetd:\n%s\nserver:\n%s\napache:\n%s",
				url, err, l.dhcp.target, tail(dhcpLog, 15), tail(xinetd, 10), tail(l.read("server.log"), 10), tail(l.read("error.log"), 10))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// rendered is where the server file at abs sits in the rendered tree.
func (l *lab) rendered(abs string) string {
	return filepath.Join(l.out, strings.TrimPrefix(abs, "/"))
}

func (l *lab) read(name string) string {
	data, _ := os.ReadFile(filepath.Join(l.work, name))
	return string(data)
}

// tap adds a tap device on the network's bridge for one VM.
func (l *lab) tap(network string) string {
	l.mu.Lock()
	name := fmt.Sprintf("tap%d", l.taps)
	l.taps++
	l.mu.Unlock()
	run(l.t, "ip", "-n", l.ns, "tuntap", "add", name, "mode", "tap")
	run(l.t, "ip", "-n", l.ns, "link", "set", name, "master", l.bridges[network], "up")
	return name
}

// leasedIPs returns the addresses the DHCP server acknowledged to mac.
func (l *lab) leasedIPs(mac string) []string {
	re := regexp.MustCompile(fmt.Sprintf(l.dhcp.ack, regexp.QuoteMeta(mac)))
	seen := map[string]bool{}
	var ips []string
	for _, s := range append([]*lab{l}, l.partners...) {
		for _, m := range re.FindAllStringSubmatch(s.read(s.dhcp.log), -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				ips = append(ips, m[1])
			}
		}
	}
	return ips
}

// requests returns the HTTP requests ("/path status") made from ips.
func (l *lab) requests(ips []string) []string {
	var out []string
	for _, s := range append([]*lab{l}, l.partners...) {
		for _, line := range strings.Split(s.read("access.log"), "\n") {
			f := strings.Fields(line)
			if len(f) == 3 && contains(ips, f[0]) {
				out = append(out, f[1]+" "+f[2])
			}
		}
	}
	return out
}

// clients returns the addresses Apache logged requests from after the
// first seen bytes of its log.
func (l *lab) clients(seen int) []string {
	var out []string
	log := l.read("access.log")
	if seen > len(log) {
		seen = len(log)
	}
	for _, line := range strings.Split(log[seen:], "\n") {
		if f := strings.Fields(line); len(f) == 3 && !contains(out, f[0]) {
			out = append(out, f[0])
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// exec runs a command inside the lab's network namespace. It dies with the
// test process (ip netns exec execs it, so the death signal carries over).
func (l *lab) exec(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", l.ns, name}, args...)...)
	cmd.SysProcAttr = qemu.DieWithParent()
	return cmd
}

var sweepOnce sync.Once

// sweepNamespaces removes the namespaces of earlier test runs that were
// killed before they could clean up (their names end in the test
// process's PID, no longer running), with anything still running in them.
// A network namespace outlives its processes: ip netns add pins it.
func sweepNamespaces() {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "pxegen-it-") {
			continue
		}
		name := f[0]
		pid := name[strings.LastIndexByte(name, '-')+1:]
		if pid == strconv.Itoa(os.Getpid()) {
			continue
		}
		if _, err := os.Stat("/proc/" + pid); err == nil {
			continue // another run, still going
		}
		killNamespace(name)
	}
}

// killNamespace kills whatever runs in the network namespace ns and
// deletes it.
func killNamespace(ns string) {
	if out, err := exec.Command("ip", "netns", "pids", ns).Output(); err == nil {
		for _, pid := range strings.Fields(string(out)) {
			exec.Command("kill", "-9", pid).Run()
		}
	}
	exec.Command("ip", "netns", "del", ns).Run()
}

// kill kills the lab's daemons at once, as a server that dies does: the
// PID namespace's first process, and with it every other.
func (l *lab) kill() {
	syscall.Kill(-l.server.Process.Pid, syscall.SIGKILL)
	l.server.Wait()
	l.server = nil
	// Their PID files stay behind, as after a crash; a reboot's fresh
	// /run would not have them, and a daemon whose PID file names a live
	// process (in a new PID namespace, the same low numbers) will not start.
	pids, _ := filepath.Glob(filepath.Join(l.work, "*.pid"))
	for _, p := range pids {
		os.Remove(p)
	}
}

func (l *lab) close() {
	if l.server != nil && l.server.Process != nil {
		syscall.Kill(-l.server.Process.Pid, syscall.SIGTERM)
	}
	if l.server != nil {
		done := make(chan struct{})
		go func() { l.server.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-l.server.Process.Pid, syscall.SIGKILL)
		}
	}
	// Whatever still runs in the namespace (a VM past its time), then the
	// namespace itself, and the relayed networks' router.
	killNamespace(l.ns)
	killNamespace(l.routerNS())
	if l.t.Failed() {
		l.t.Logf("lab files kept for inspection in %s", l.work)
		return
	}
	os.RemoveAll(l.work)
}
