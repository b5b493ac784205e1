//go:build integration

package integration

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/qemu"
	"github.com/pxegen/pxegen/inventory"
)

// vm is one virtual machine the suite boots and what it must boot.
type vm struct {
	name string
	uefi bool
	// arm64 boots an ARM64 VM (AAVMF on QEMU's virt machine, under
	// software emulation), which runs GRUB from the network.
	arm64 bool
	// secureBoot runs OVMF with Secure Boot on and Microsoft's keys
	// enrolled: only the signed chain (shim, GRUB, Debian's kernel) boots.
	secureBoot bool
	// httpBoot turns OVMF's PXE off, so its UEFI HTTP boot runs: DHCP with
	// arch 16, and the loader by URL.
	httpBoot bool
	mac      string
	network  string
	// want is the kernel command line without what the loader adds
	// (BOOT_IMAGE=, the EFI stub's image name) and without initrd=, which
	// names the same initrd differently on BIOS and UEFI.
	want string
	// fetched are HTTP paths, below the server's URL path, that the VM must
	// have fetched: the steps of its chain; notFetched, paths it must not
	// have asked for.
	fetched    []string
	notFetched []string
	// disk gives the VM a disk, second in its boot order after the NIC,
	// whose boot code prints PXEGEN-DISK on the serial console and powers
	// off: the VM must reach it, via the loader named by via, and never a
	// kernel. (A want is then empty.)
	disk bool
	via  string
	// memtest boots memtest86+, which must start (its banner on the serial
	// console) instead of a kernel.
	memtest bool
	// onlyUnder, when set, is the one DHCP server the VM boots under: for
	// what the firmware does, whichever server answered (the servers'
	// answers themselves are probed by TestPlainPXE).
	onlyUnder string
	// unavailable503 is the host script the lab's Apache answers with 503
	// Service Unavailable: known.ipxe must ask three times, then give up.
	unavailable503 string
	// ipv6 boots over IPv6: OVMF's IPv4 PXE is off, so its PXEv6 asks
	// DHCPv6, and the chain must stay on IPv6. ip6 is the address the VM
	// must get (a host's ip6), or empty for one from the pool.
	ipv6 bool
	ip6  string
	// ipxeOver4: on a dual-stack network iPXE has DHCPv4's answer and
	// DHCPv6's, and takes DHCPv4's boot script: the chain goes on over
	// IPv4 after the firmware's PXE over IPv6. It must still show the
	// ip6 DHCPv6 gave it.
	ipxeOver4 bool
}

// The VMs: known and unknown clients, BIOS and UEFI, in a network with a
// profile (lab: alpha) and one without (other: the menu, default beta).
var vms = []vm{
	{name: "bios-known", mac: "52:54:00:00:01:01", network: "lab",
		want:       "pxegen.profile=beta pxegen.host=known-bios",
		fetched:    []string{"ipxe/known.ipxe", "ipxe/hosts/52-54-00-00-01-01.ipxe", "pxelinux.0", "pxelinux.cfg/01-52-54-00-00-01-01", "test/vmlinuz", "test/initrd.gz"},
		notFetched: []string{"ipxe/boot-lab.ipxe"}},
	{name: "uefi-known", uefi: true, mac: "52:54:00:00:01:02", network: "lab",
		want:       "pxegen.profile=beta pxegen.host=known-uefi",
		fetched:    []string{"ipxe/known.ipxe", "ipxe/hosts/52-54-00-00-01-02.ipxe", "test/vmlinuz", "test/initrd.gz"},
		notFetched: []string{"ipxe/boot-lab.ipxe"}},
	{name: "bios-unknown-profile", mac: "52:54:00:00:02:01", network: "lab",
		want:    "pxegen.profile=alpha",
		fetched: []string{"ipxe/boot-lab.ipxe", "ipxe/profiles/alpha.ipxe", "pxelinux.0", "pxelinux.cfg/0A0101", "test/vmlinuz"}},
	{name: "uefi-unknown-profile", uefi: true, mac: "52:54:00:00:02:02", network: "lab",
		want:    "pxegen.profile=alpha",
		fetched: []string{"ipxe/boot-lab.ipxe", "ipxe/profiles/alpha.ipxe", "test/vmlinuz"}},
	{name: "bios-unknown-menu", mac: "52:54:00:00:02:03", network: "other",
		want:    "pxegen.profile=beta",
		fetched: []string{"ipxe/boot-other.ipxe", "ipxe/menu.ipxe", "pxelinux.0", "pxelinux.cfg/default", "menu.c32", "test/vmlinuz"}},
	{name: "uefi-unknown-menu", uefi: true, mac: "52:54:00:00:02:04", network: "other",
		want:    "pxegen.profile=beta",
		fetched: []string{"ipxe/boot-other.ipxe", "ipxe/menu.ipxe", "ipxe/profiles/beta.ipxe", "test/vmlinuz"}},
	// Secure Boot: a host whose own entry asks for the signed chain in a
	// network that does not (GRUB finds grub.cfg-01-<mac>), and an unknown
	// client of a Secure Boot network without a profile (GRUB's menu).
	// GRUB fetches over TFTP, so no HTTP request is expected.
	{name: "uefi-http-unknown-profile", uefi: true, httpBoot: true, mac: "52:54:00:00:02:06", network: "lab",
		want:    "pxegen.profile=alpha",
		fetched: []string{"snponly.efi", "ipxe/boot-lab.ipxe", "ipxe/profiles/alpha.ipxe", "test/vmlinuz"}},
	{name: "uefi-sb-known", uefi: true, secureBoot: true, mac: "52:54:00:00:01:03", network: "lab",
		want: "pxegen.profile=beta pxegen.host=known-sb"},
	{name: "uefi-sb-unknown-menu", uefi: true, secureBoot: true, mac: "52:54:00:00:02:05", network: "secure",
		want: "pxegen.profile=beta"},
	// memtest86+: its .bin through PXELINUX's LINUX on BIOS (KERNEL would
	// run a .bin as a boot sector), its .efi run by iPXE on UEFI.
	{name: "bios-memtest", memtest: true, mac: "52:54:00:00:01:05", network: "lab",
		fetched: []string{"pxelinux.cfg/01-52-54-00-00-01-05", "test/memtest/memtest86+x64.bin"}},
	{name: "uefi-memtest", uefi: true, memtest: true, mac: "52:54:00:00:01:06", network: "lab",
		fetched: []string{"ipxe/hosts/52-54-00-00-01-06.ipxe", "test/memtest/memtest86+x64.efi"}},
	// ARM64: GRUB from the network picks the arm64 kernel by CPU, from the
	// same configs as the Secure Boot chain. GRUB fetches over TFTP.
	{name: "arm64-known", arm64: true, uefi: true, mac: "52:54:00:00:01:04", network: "lab",
		want: "pxegen.profile=beta pxegen.host=known-arm64"},
	{name: "arm64-unknown-profile", arm64: true, uefi: true, mac: "52:54:00:00:02:07", network: "lab",
		want: "pxegen.profile=alpha"},
}

// The local-boot VMs: each has a disk and must boot it, never a kernel,
// whatever profile its network or the menu would otherwise install.
var diskVMs = []vm{
	{name: "bios-known-local", mac: "52:54:00:00:06:01", network: "install", disk: true, via: "ipxe",
		fetched: []string{"ipxe/known.ipxe", "ipxe/hosts/52-54-00-00-06-01.ipxe"}, notFetched: []string{"ipxe/boot-install.ipxe", "pxelinux.0"}},
	{name: "uefi-known-local", uefi: true, mac: "52:54:00:00:06:02", network: "install", disk: true, via: "ipxe",
		fetched: []string{"ipxe/known.ipxe", "ipxe/hosts/52-54-00-00-06-02.ipxe"}, notFetched: []string{"ipxe/boot-install.ipxe"}},
	{name: "bios-unknown-local", mac: "52:54:00:00:07:01", network: "localnet", disk: true, via: "ipxe",
		fetched: []string{"ipxe/boot-localnet.ipxe", "ipxe/profiles/local.ipxe"}, notFetched: []string{"pxelinux.0"}},
	{name: "uefi-unknown-local", uefi: true, mac: "52:54:00:00:07:02", network: "localnet", disk: true, via: "ipxe",
		fetched: []string{"ipxe/boot-localnet.ipxe", "ipxe/profiles/local.ipxe"}},
	// PXELINUX's menu defaults to the disk: its LOCALBOOT returns to iPXE,
	// which must boot the disk, not fall through into its own menu.
	{name: "bios-menu-local", mac: "52:54:00:00:07:03", network: "menunet", disk: true, via: "pxelinux",
		fetched:    []string{"ipxe/boot-menunet.ipxe", "ipxe/menu.ipxe", "pxelinux.0", "pxelinux.cfg/default"},
		notFetched: []string{"ipxe/profiles/local.ipxe", "ipxe/profiles/alpha.ipxe"}},
	// A known host whose own script the server cannot serve: it must not
	// boot its network's profile (alpha), which would reinstall it.
	{name: "uefi-known-503", uefi: true, mac: "52:54:00:00:06:03", network: "install", disk: true, via: "ipxe",
		unavailable503: "ipxe/hosts/52-54-00-00-06-03.ipxe",
		fetched:        []string{"ipxe/known.ipxe"}, notFetched: []string{"ipxe/boot-install.ipxe", "ipxe/profiles/alpha.ipxe", "test/vmlinuz"}},
	// No fixed address, in a Secure Boot network whose profile would
	// reinstall it: the signed chain must find its own GRUB file.
	{name: "uefi-sb-ipless-local", uefi: true, secureBoot: true, mac: "52:54:00:00:06:04", network: "securenet", disk: true, via: "grub"},
	// ARM64 HTTP boot, which nothing here can serve (Debian's GRUB finds
	// no config when started by it): no boot file, so the firmware goes on
	// to the disk, and never gets a loader for another CPU.
	// It waits out HTTP boot's DHCP retries over IPv4 and IPv6 (about two
	// minutes), so it runs under one server.
	{name: "arm64-http-disk", arm64: true, uefi: true, httpBoot: true, mac: "52:54:00:00:07:04", network: "install", disk: true, via: "none",
		notFetched: []string{"snponly.efi", "grubaa64.efi"}, onlyUnder: inventory.TargetDhcpd},
}

// bootSite is an inventory the suite serves and the VMs it boots from it.
type bootSite struct {
	name      string
	inventory string
	vms       []vm
}

var bootSites = []bootSite{
	{"site", "testdata/site.yaml", vms},
	{"disk", "testdata/disk.yaml", diskVMs},
}

// TestBoot boots every VM from a lab under each DHCP server (dhcpd, Kea,
// dnsmasq), checks what each booted and the chain that led there, and
// that every VM booted the same command line (or disk) under all three.
func TestBoot(t *testing.T) {
	requireCommands(t, "qemu-system-x86_64")
	accelFor(t, false)
	accelFor(t, true)
	var mu sync.Mutex
	booted := map[string]map[string]string{} // VM -> DHCP server -> command line
	// As many VMs at a time as there are cores, across all three labs:
	// QEMU emulates each VM mostly on one.
	slots := make(chan struct{}, max(2, runtime.NumCPU()))
	t.Run("server", func(t *testing.T) {
		for _, server := range dhcpServers {
			for _, site := range bootSites {
				t.Run(server.target+"/"+site.name, func(t *testing.T) {
					t.Parallel()
					l := newLab(t, site.inventory, server, unavailable(site.vms)...)
					t.Run("vm", func(t *testing.T) {
						for _, v := range site.vms {
							if v.onlyUnder != "" && v.onlyUnder != server.target {
								continue
							}
							t.Run(v.name, func(t *testing.T) {
								t.Parallel()
								slots <- struct{}{}
								defer func() { <-slots }()
								got := l.boot(t, v)
								mu.Lock()
								if booted[v.name] == nil {
									booted[v.name] = map[string]string{}
								}
								booted[v.name][server.target] = got
								mu.Unlock()
							})
						}
					})
				})
			}
		}
	})
	for _, v := range append(append([]vm(nil), vms...), diskVMs...) {
		var lines []string
		same := true
		for _, server := range dhcpServers {
			if v.onlyUnder != "" && v.onlyUnder != server.target {
				continue
			}
			got, ok := booted[v.name][server.target]
			if !ok {
				same = false // that boot failed and said why
				continue
			}
			lines = append(lines, fmt.Sprintf("%s: %q", server.target, got))
			if got != booted[v.name][dhcpServers[0].target] {
				same = false
			}
		}
		if v.onlyUnder != "" {
			continue
		}
		if len(lines) == len(dhcpServers) && !same {
			t.Errorf("check vm %s: booted different things under different DHCP servers: %s", v.name, strings.Join(lines, ", "))
		} else if same {
			t.Logf("check vm %s: booted the same under %d DHCP servers", v.name, len(dhcpServers))
		}
	}
}

// unavailable returns the host scripts the VMs need answered with 503.
func unavailable(vms []vm) []string {
	var paths []string
	for _, v := range vms {
		if v.unavailable503 != "" {
			paths = append(paths, v.unavailable503)
		}
	}
	return paths
}

// memtestMark is what memtest86+ prints on the serial console (its
// console= argument) once it has started.
const memtestMark = "Memtest86+ v6"

var (
	cmdlineLine = regexp.MustCompile(`PXEGEN-CMDLINE: (.*)`)
	diskLine    = regexp.MustCompile(`PXEGEN-DISK: (\w+)`)
)

// boot runs v to power-off, checks what it booted and returns its command
// line as userArgs gives it.
func (l *lab) boot(t *testing.T, v vm) string {
	accel := qemu.Accel{Name: qemu.TCG, Why: "ARM64 on another CPU"}
	if !v.arm64 {
		accel = accelFor(t, v.secureBoot)
	}
	firmware, serial, args := l.vmArgs(t, v)
	start := time.Now()
	// A VM that boots over IPv6 is known by the requests Apache logs
	// while it runs: a lab boots its VMs one at a time.
	seen := len(l.read("access.log"))
	marks := append(append([]string(nil), failureMarks...), grubTimeout)
	if !v.disk {
		marks = append(append([]string(nil), marks...), netbootFailureMarks...)
	}
	stuck, err, timeout, qemuOut := l.runVM(v.qemu(), serial, marks, append(args, "-accel", accel.Name), vmTimeout(accel))
	if failure := accelFailure(accel, v, serial, qemuOut, err, timeout); failure != "" {
		// The accelerator failed, not the tree: say so, and where KVM was
		// only chosen by probe, boot the VM again under TCG.
		what := fmt.Sprintf("KVM could not run %s for vm %s under %s: %s", firmware, v.name, l.dhcp.target, failure)
		if os.Getenv(qemu.EnvAccel) == qemu.KVM {
			t.Fatalf("%s (%s=%s forces KVM; this is the accelerator's failure, not the tree's)", what, qemu.EnvAccel, qemu.KVM)
		}
		t.Logf("check accel: %s; booting it again under TCG", what)
		accel = qemu.Accel{Name: qemu.TCG, Why: "KVM failed this VM"}
		firmware, serial, args = l.vmArgs(t, v)
		start = time.Now()
		stuck, err, timeout, _ = l.runVM(v.qemu(), serial, marks, append(args, "-accel", accel.Name), vmTimeout(accel))
	}
	if stuck == grubTimeout {
		// Once: a second timeout is the tree's, and fails below.
		t.Logf("check vm %s: GRUB's TFTP read timed out under %s (%s); booting it again", v.name, l.dhcp.target, accel.Name)
		firmware, serial, args = l.vmArgs(t, v)
		start = time.Now()
		stuck, err, timeout, _ = l.runVM(v.qemu(), serial, marks, append(args, "-accel", accel.Name), vmTimeout(accel))
	}
	took := time.Since(start).Round(time.Second)

	serialText, _ := os.ReadFile(serial)
	ips := l.leasedIPs(v.mac)
	var problems []string
	if v.ipxeOver4 && v.ip6 != "" && !strings.Contains(string(serialText), "net0: "+v.ip6+"/") {
		problems = append(problems, "iPXE did not show the ip6 "+v.ip6+" DHCPv6 gives this host")
	}
	if v.ipv6 && !v.ipxeOver4 {
		ips = l.clients(seen)
		switch {
		case len(ips) != 1 || !strings.Contains(ips[0], ":"):
			problems = append(problems, fmt.Sprintf("fetched from %d addresses %v, want one IPv6 address", len(ips), ips))
		case v.ip6 != "" && ips[0] != v.ip6:
			problems = append(problems, fmt.Sprintf("fetched from %s, not its ip6 %s: DHCPv6 did not know it by its MAC", ips[0], v.ip6))
		}
	}
	requests := l.requests(ips)
	switch {
	case stuck != "":
		problems = append(problems, fmt.Sprintf("stopped after it printed %q", stuck))
	case timeout:
		problems = append(problems, fmt.Sprintf("did not power off within %v under %s", vmTimeout(accel), accel.Name))
	case err != nil:
		problems = append(problems, fmt.Sprintf("qemu failed: %v", err))
	}
	var got string
	if v.memtest {
		got = "memtest"
		if !bytes.Contains(serialText, []byte(memtestMark)) {
			problems = append(problems, "memtest86+ did not start (no "+memtestMark+" on the serial console)")
			got = "nothing"
		}
	} else if v.disk {
		got = checkDisk(v, serialText, l.read(v.name+".debugcon"), &problems)
	} else {
		got = checkKernel(v, serialText, &problems)
	}
	// explain, from the inventory alone, must predict what the VM booted.
	arch := generate.ArchBIOS
	switch {
	case v.arm64 && v.httpBoot:
		arch = generate.ArchARM64HTTP
	case v.arm64:
		arch = generate.ArchARM64
	case v.httpBoot:
		arch = generate.ArchUEFIHTTP
	case v.uefi:
		arch = generate.ArchUEFI
	}
	wantVia := v.via
	if wantVia == "" {
		wantVia = map[bool]string{true: "ipxe", false: "pxelinux"}[v.uefi]
		if v.secureBoot || v.arm64 {
			wantVia = "grub"
		}
	}
	if len(ips) == 0 && v.via == "none" {
		// Offered no boot file, HTTP boot takes no lease: ask about an
		// address of the network's pool.
		for _, n := range l.inv.Networks {
			if n.Name == v.network {
				first, _, _ := inventory.ParsePool(n.Pool)
				ips = []string{first.String()}
			}
		}
	}
	if len(ips) == 0 {
		problems = append(problems, "got no lease, so explain cannot be asked")
	} else if e, err := generate.Explain(l.site, l.tree, generate.Query{MAC: v.mac, IP: ips[0], Arch: arch}); err != nil {
		problems = append(problems, fmt.Sprintf("explain --mac %s --ip %s --arch %s: %v", v.mac, ips[0], arch, err))
	} else if v.unavailable503 != "" {
		// explain cannot know the server will fail: it must say that the
		// host runs its own script through known.ipxe, or the disk.
		if !explainsFallback(e, v.unavailable503) {
			problems = append(problems, fmt.Sprintf("explain --mac %s --arch %s does not say that a failed fetch of %s boots the local disk", v.mac, arch, v.unavailable503))
		} else {
			t.Logf("check explain %s: known.ipxe runs %s or the local disk, as booted", v.name, v.unavailable503)
		}
	} else if said := explained(v, e); said != got || e.Boots.Via != wantVia {
		problems = append(problems, fmt.Sprintf("explain --mac %s --ip %s --arch %s says %q via %s, but the VM booted %q via %s", v.mac, ips[0], arch, said, e.Boots.Via, got, wantVia))
	} else {
		t.Logf("check explain %s: %q via %s, as booted", v.name, said, e.Boots.Via)
	}
	prefix := urlPath(l.inv.Server.HTTPURL)
	for _, p := range v.fetched {
		if !contains(requests, prefix+p+" 200") {
			problems = append(problems, "did not fetch "+prefix+p)
		}
	}
	for _, p := range v.notFetched {
		for _, r := range requests {
			if strings.HasPrefix(r, prefix+p+" ") {
				problems = append(problems, "asked for "+prefix+p+", which this VM must never run")
				break
			}
		}
	}
	if v.unavailable503 != "" {
		// Three tries per network boot: OVMF runs iPXE once by PXE and,
		// when that hands back, once more by HTTP boot.
		if n := strings.Count(strings.Join(requests, "\n"), prefix+v.unavailable503+" 503"); n == 0 || n%3 != 0 {
			problems = append(problems, fmt.Sprintf("asked %d times for its own script %s (answered 503), want 3 for each time iPXE ran: known.ipxe tries three times", n, v.unavailable503))
		}
	}
	// OVMF reports the TFTP download of the network boot program on the
	// serial console, and the loader then announces itself. (xinetd logs
	// only the first client: with wait = yes one in.tftpd serves the rest.)
	switch {
	case v.secureBoot && v.disk:
		if strings.Contains(string(serialText), "iPXE") {
			problems = append(problems, "iPXE ran, but this client must boot the signed chain")
		}
	case v.secureBoot:
		// Only the signed chain runs with Secure Boot on: a kernel that
		// says so came through shim and GRUB, not iPXE.
		if !strings.Contains(string(serialText), "PXEGEN-SECUREBOOT: Secure boot enabled") {
			problems = append(problems, "the kernel did not report Secure Boot enabled")
		}
		if strings.Contains(string(serialText), "iPXE") {
			problems = append(problems, "iPXE ran, but this client must boot the signed chain")
		}
	case v.httpBoot:
		if !strings.Contains(string(serialText), "Start HTTP Boot over IPv4") {
			problems = append(problems, "OVMF did not start HTTP boot")
		}
	case v.arm64 && v.via == "none":
		if !strings.Contains(string(serialText), "Start HTTP Boot over IPv4") {
			problems = append(problems, "AAVMF did not start HTTP boot")
		}
	case v.arm64:
		if !(strings.Contains(string(serialText), "NBP file downloaded successfully") && strings.Contains(string(serialText), "Welcome to GRUB")) {
			problems = append(problems, "AAVMF did not download and start GRUB over TFTP")
		}
	case v.uefi && !(strings.Contains(string(serialText), "NBP file downloaded successfully") && strings.Contains(string(serialText), "iPXE")):
		problems = append(problems, "OVMF did not download and start the UEFI loader over TFTP")
	case v.ipv6 && !strings.Contains(string(serialText), "Start PXE over IPv6"):
		problems = append(problems, "OVMF did not start PXE over IPv6")
	}
	if len(problems) > 0 {
		t.Fatalf("vm %s (%s, MAC %s, network %s, %s): %s\n  leases: %v\n  HTTP requests:\n%s\n  %s (this MAC):\n%s\n  serial console (last lines):\n%s",
			v.name, firmware, v.mac, v.network, l.dhcp.target, strings.Join(problems, "; "), ips,
			tail(strings.Join(requests, "\n"), 20), l.dhcp.target, tail(grepLines(l.read(l.dhcp.log), v.mac), 10), tail(string(serialText), 25))
	}
	t.Logf("vm %s: %s under %s booted %q via %d HTTP requests in %v (%s)", v.name, firmware, l.dhcp.target, got, len(requests), took, accel.Name)
	return got
}

// checkKernel checks that a VM booted its kernel with the arguments it
// must, and returns them as userArgs gives them.
func checkKernel(v vm, serialText []byte, problems *[]string) string {
	m := cmdlineLine.FindSubmatch(serialText)
	if m == nil {
		*problems = append(*problems, "never printed its kernel command line")
		return ""
	}
	got := userArgs(string(m[1]))
	if got != v.want {
		*problems = append(*problems, fmt.Sprintf("booted %q, want %q (full command line %q)", got, v.want, strings.TrimSpace(string(m[1]))))
	}
	return got
}

// checkDisk checks that a VM booted its own disk and no kernel, and on
// BIOS that iPXE booted the disk itself: SeaBIOS logs INT 18h when a
// boot program hands the boot back to it, and many real BIOSes then stop
// instead of going on to the disk. It returns "local disk" when all holds.
func checkDisk(v vm, serialText []byte, debugcon string, problems *[]string) string {
	want := map[bool]string{true: "uefi", false: "bios"}[v.uefi]
	if v.arm64 {
		want = "arm64"
	}
	got := "local disk"
	if m := cmdlineLine.FindSubmatch(serialText); m != nil {
		*problems = append(*problems, fmt.Sprintf("booted a kernel (%q) instead of its disk", strings.TrimSpace(string(m[1]))))
		got = "kernel " + userArgs(string(m[1]))
	}
	m := diskLine.FindSubmatch(serialText)
	if m == nil || string(m[1]) != want {
		*problems = append(*problems, "never reached its disk's boot code")
		if got == "local disk" {
			got = "nothing"
		}
	}
	if !v.uefi {
		if i := strings.Index(debugcon, "enter handle_18"); i >= 0 && i < strings.Index(debugcon, "Booting from Hard Disk") {
			*problems = append(*problems, "iPXE handed the boot back to the BIOS (INT 18h) instead of booting the disk itself: a BIOS that does not go on to its next device would stop here")
		}
	}
	return got
}

// explainsFallback reports whether explain runs script through known.ipxe
// and says a failed fetch boots the local disk.
func explainsFallback(e *generate.Explanation, script string) bool {
	for _, st := range e.Steps {
		if st.Fetch == script && strings.Contains(st.Summary, "known.ipxe") && strings.Contains(st.Summary, "the local disk; never another profile") {
			return true
		}
	}
	return false
}

// explained is what explain says the VM boots, in checkKernel's and
// checkDisk's terms.
func explained(v vm, e *generate.Explanation) string {
	if v.memtest {
		if e.Boots.Profile == "memtest" && strings.Contains(e.Boots.Kernel, "memtest86+x64.") {
			return "memtest"
		}
		return fmt.Sprintf("profile %s, kernel %s", e.Boots.Profile, e.Boots.Kernel)
	}
	// No boot file: the firmware goes on to its next boot option, which
	// for a VM with a disk is the disk.
	if e.Boots.Local || e.Boots.Via == "none" && v.disk {
		return "local disk"
	}
	if v.disk {
		return "kernel " + userArgs(e.Boots.Cmdline)
	}
	return userArgs(e.Boots.Cmdline)
}

// vmArgs returns a description of v's firmware, the serial console file
// and QEMU's arguments for v, less the accelerator. Each call starts from a
// fresh variable store and serial file.
func (l *lab) vmArgs(t *testing.T, v vm) (firmware, serial string, args []string) {
	firmware = "BIOS (SeaBIOS, iPXE NIC ROM)"
	serial = filepath.Join(l.work, v.name+".serial")
	os.Remove(serial)
	args = []string{"-m", "512", "-display", "none", "-no-reboot",
		"-serial", "file:" + serial,
		"-netdev", "tap,id=net0,script=no,downscript=no,ifname=" + l.tap(v.network)}
	if v.arm64 {
		return l.arm64Args(t, v, serial, args)
	}
	if v.disk {
		// The disk is second in the boot order, after the NIC.
		image := l.disks.bios
		if v.uefi {
			image = "fat:" + l.disks.uefi
		}
		args = append(args, "-drive", "if=none,id=disk0,format=raw,readonly=on,file="+image,
			"-device", "virtio-blk-pci,drive=disk0,bootindex=2")
	}
	if !v.uefi {
		// SeaBIOS's own log, to tell whether iPXE handed the boot back.
		debugcon := filepath.Join(l.work, v.name+".debugcon")
		os.Remove(debugcon)
		// After a failed boot SeaBIOS reboots in 5 s, and -no-reboot ends QEMU.
		args = append(args, "-machine", "pc", "-boot", "reboot-timeout=5000",
			"-chardev", "file,id=seabios,path="+debugcon, "-device", "isa-debugcon,iobase=0x402,chardev=seabios",
			"-device", "virtio-net-pci,netdev=net0,bootindex=1,mac="+v.mac)
		return firmware, serial, args
	}
	// The NIC's option ROM is disabled, so OVMF's own PXE runs: DHCP
	// with arch 7, the UEFI loader over TFTP through xinetd, then iPXE.
	firmware = "UEFI (OVMF PXE, no NIC ROM)"
	code, varsTemplate := ovmfImages(t, v.secureBoot)
	machine := "q35"
	if v.secureBoot {
		firmware = "UEFI with Secure Boot (OVMF PXE, shim, GRUB)"
		machine = "q35,smm=on"
		args = append(args, "-global", "driver=cfi.pflash01,property=secure,value=on")
	}
	if v.disk {
		// When a boot option fails, OVMF tries the NIC's other options
		// before the disk: with no DHCPv6 server here, IPv6 PXE would
		// only wait out its timeout.
		args = append(args, "-fw_cfg", "name=opt/org.tianocore/IPv6PXESupport,string=n")
	}
	if l.inv.HasIPv6() {
		// A system UUID of its own, the same at every boot, as a machine
		// has: the firmware's and iPXE's DHCPv6 DUIDs are made of it, and
		// without one every VM's would be all zeros, one client to the
		// DHCPv6 server, which then holds a host's reserved ip6 for the VM
		// that booted before it.
		args = append(args, "-uuid", "00000000-0000-4000-8000-"+strings.ReplaceAll(v.mac, ":", ""))
	}
	if v.ipv6 && !v.httpBoot {
		// OVMF tries PXE over IPv4 first and waits a minute for it.
		firmware = "UEFI over IPv6 (OVMF PXEv6, no NIC ROM)"
		args = append(args, "-fw_cfg", "name=opt/org.tianocore/IPv4PXESupport,string=n")
	}
	if v.httpBoot {
		firmware = "UEFI HTTP boot (OVMF, PXE off)"
		args = append(args, "-fw_cfg", "name=opt/org.tianocore/IPv4PXESupport,string=n",
			"-fw_cfg", "name=opt/org.tianocore/IPv6PXESupport,string=n")
	}
	vars := filepath.Join(l.work, v.name+"-vars.fd")
	copyFile(t, varsTemplate, vars, 0o644)
	args = append(args, "-machine", machine,
		"-drive", "if=pflash,format=raw,readonly=on,file="+code,
		"-drive", "if=pflash,format=raw,file="+vars,
		"-device", "virtio-net-pci,netdev=net0,romfile=,bootindex=1,mac="+v.mac)
	return firmware, serial, args
}

// qemu is the emulator that runs v.
func (v vm) qemu() string {
	if v.arm64 {
		return "qemu-system-aarch64"
	}
	return "qemu-system-x86_64"
}

// arm64Args completes args for an ARM64 VM: QEMU's virt machine with
// AAVMF, the NIC's option ROM off so that the firmware's own PXE (or HTTP
// boot) runs. cortex-a72 emulates much faster than -cpu max.
func (l *lab) arm64Args(t *testing.T, v vm, serial string, args []string) (string, string, []string) {
	requireCommands(t, "qemu-system-aarch64")
	code := firstExisting("/usr/share/AAVMF/AAVMF_CODE.fd")
	require(t, code != "", "AAVMF (Debian: qemu-efi-aarch64)")
	firmware := "ARM64 UEFI (AAVMF PXE, GRUB)"
	if v.httpBoot {
		firmware = "ARM64 UEFI HTTP boot (AAVMF, PXE off)"
		args = append(args, "-fw_cfg", "name=opt/org.tianocore/IPv4PXESupport,string=n",
			"-fw_cfg", "name=opt/org.tianocore/IPv6PXESupport,string=n")
	}
	if v.disk {
		args = append(args, "-drive", "if=none,id=disk0,format=raw,readonly=on,file=fat:"+l.disks.arm64,
			"-device", "virtio-blk-pci,drive=disk0,bootindex=2")
	}
	vars := filepath.Join(l.work, v.name+"-vars.fd")
	copyFile(t, strings.Replace(code, "CODE", "VARS", 1), vars, 0o644)
	args = append(args, "-machine", "virt", "-cpu", "cortex-a72",
		"-drive", "if=pflash,format=raw,readonly=on,file="+code,
		"-drive", "if=pflash,format=raw,file="+vars,
		"-device", "virtio-net-pci,netdev=net0,romfile=,bootindex=1,mac="+v.mac)
	return firmware, serial, args
}

// accelFailure says how a VM's run shows that KVM failed, not the boot:
// QEMU's own complaint, or a UEFI guest under KVM whose firmware never
// wrote a line to the serial console (OVMF always does). "" otherwise.
func accelFailure(a qemu.Accel, v vm, serial, qemuOut string, err error, timeout bool) string {
	if a.Name != qemu.KVM {
		return ""
	}
	if f := qemu.Failure(qemuOut); f != "" {
		return f
	}
	text, _ := os.ReadFile(serial)
	if v.uefi && (timeout || err != nil) && len(strings.TrimSpace(string(text))) == 0 {
		return "the firmware printed nothing on the serial console"
	}
	return ""
}

// failureMarks are what a VM prints when its boot has failed and it will
// only wait or retry: the test stops it instead of waiting for its time
// limit.
var failureMarks = []string{"pxegen: boot failed", "pxegen: menu failed", "No bootable device", "Boot Failed", "Shell>",
	"Kernel panic", `"UiApp"`}

// netbootFailureMarks are what iPXE prints when it gives up network boot:
// a failure for a VM that must boot a kernel, the expected way to its
// disk for one that must not (exit 1 on UEFI).
var netbootFailureMarks = []string{"Could not boot", "No more network devices"}

// grubTimeout is what GRUB prints when a TFTP read times out: on a machine
// whose two cores also emulate an ARM64 VM, a starved guest, not the tree.
// GRUB then boots the kernel without its initrd, which never comes back.
const grubTimeout = "error: time out opening"

// runVM runs QEMU until it exits, the limit passes (timeout), the serial
// console shows one of marks (stuck), or QEMU reports that its
// accelerator failed; it returns QEMU's own output too. QEMU dies with the
// test process, however that ends.
func (l *lab) runVM(binary, serial string, marks, args []string, limit time.Duration) (stuck string, err error, timeout bool, qemuOut string) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := l.exec(ctx, binary, args...)
	var out qemu.Output
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err, false, ""
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Kill()
		<-done
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if ctx.Err() != nil {
				return "", nil, true, out.String()
			}
			if err != nil {
				err = fmt.Errorf("%v: %s", err, strings.TrimSpace(out.String()))
			}
			return "", err, false, out.String()
		case <-tick.C:
			if qemu.Failure(out.String()) != "" {
				stop() // a failed KVM leaves QEMU running, stuck
				return "", nil, false, out.String()
			}
			text, _ := os.ReadFile(serial)
			if bytes.Contains(text, []byte(memtestMark)) {
				// memtest86+ runs until stopped: once it says it tests,
				// the boot is done.
				time.Sleep(2 * time.Second)
				stop()
				return "", nil, false, out.String()
			}
			for _, mark := range marks {
				if strings.Contains(string(text), mark) {
					time.Sleep(2 * time.Second) // let it finish saying why
					stop()
					return mark, nil, false, out.String()
				}
			}
		}
	}
}

// userArgs drops what the loader adds to the command line and the initrd=
// words, leaving the arguments the inventory gave.
func userArgs(cmdline string) string {
	var keep []string
	for i, w := range strings.Fields(cmdline) {
		switch {
		case strings.HasPrefix(w, "BOOT_IMAGE="), strings.HasPrefix(w, "initrd="):
		case i == 0 && !strings.Contains(w, "="): // the EFI stub's image name
		default:
			keep = append(keep, w)
		}
	}
	return strings.Join(keep, " ")
}

func grepLines(s, needle string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, needle) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func urlPath(u string) string {
	rest := u[strings.Index(u, "://")+3:]
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[i:]
	}
	return "/"
}

// TestPlainPXE drives the branch QEMU cannot, under each DHCP server: a plain PXE ROM. A real DHCP
// client (busybox udhcpc) on a veth in the lab sends the option 93 values
// and user-class a ROM or iPXE would, and a real TFTP client fetches the
// loader it was named through xinetd.
func TestPlainPXE(t *testing.T) {
	for _, server := range dhcpServers {
		t.Run(server.target, func(t *testing.T) { plainPXE(t, newLab(t, "testdata/site.yaml", server)) })
	}
}

func plainPXE(t *testing.T, l *lab) {
	run(t, "ip", "-n", l.ns, "link", "add", "cli0", "type", "veth", "peer", "name", "cli0p")
	run(t, "ip", "-n", l.ns, "link", "set", "cli0p", "master", l.bridges["lab"], "up")
	run(t, "ip", "-n", l.ns, "link", "set", "cli0", "address", "52:54:00:00:03:01", "up")
	script := filepath.Join(l.work, "udhcpc.sh")
	// udhcpc hands the answer to a script; this one prints it and keeps
	// the address for the TFTP read.
	// udhcpc exports option 60 as $vendor.
	if err := os.WriteFile(script, []byte("#!/bin/sh\n[ \"$1\" = bound ] || exit 0\n"+
		"echo \"siaddr=$siaddr boot_file=$boot_file${vendor:+ vendor=$vendor}\"\n"+
		"busybox ip addr replace $ip/$mask dev $interface\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	const unknown, signed = "52:54:00:00:03:01", "52:54:00:00:01:03" // signed: known-sb, whose entry asks for shim
	httpURL := l.inv.Server.HTTPURL
	// pxe is what a PXE ROM of option 93 type code sends; list is option 93
	// as a list of types (RFC 4578), of which the first counts.
	pxe := func(code int) []string {
		return []string{"-V", fmt.Sprintf("PXEClient:Arch:%05d:UNDI:003016", code), "-x", fmt.Sprintf("0x5d:%04x", code)}
	}
	http := func(code int) []string {
		return []string{"-V", fmt.Sprintf("HTTPClient:Arch:%05d:UNDI:003001", code), "-x", fmt.Sprintf("0x5d:%04x", code), "-O", "60"}
	}
	list := func(codes ...int) []string {
		hex := ""
		for _, c := range codes {
			hex += fmt.Sprintf("%04x", c)
		}
		return []string{"-V", fmt.Sprintf("PXEClient:Arch:%05d:UNDI:003016", codes[0]), "-x", "0x5d:" + hex}
	}
	for _, tc := range []struct {
		name     string
		mac      string
		options  []string
		bootFile string // "" for no boot file at all
		vendor   string // option 60 in the answer
	}{
		{"bios", unknown, pxe(0), l.inv.Bootloaders.BIOS, ""},
		{"bios-no-option-93", unknown, []string{"-V", "PXEClient:Arch:00000:UNDI:002001"}, l.inv.Bootloaders.BIOS, ""},
		{"uefi-arch7", unknown, pxe(7), l.inv.Bootloaders.UEFI, ""},
		{"uefi-arch9", unknown, pxe(9), l.inv.Bootloaders.UEFI, ""},
		{"arm64", unknown, pxe(11), l.inv.Bootloaders.ARM64, ""},
		{"uefi-http", unknown, http(16), httpURL + l.inv.Bootloaders.UEFI, "HTTPClient"},
		// Types pxegen has no loader for here get no boot file, never
		// another CPU's: IA32 and ARM32 UEFI, IA32 and ARM64 HTTP boot
		// (Debian's GRUB cannot start from HTTP boot).
		{"ia32-arch6", unknown, pxe(6), "", ""},
		{"arm32-arch10", unknown, pxe(10), "", ""},
		{"ia32-http-arch15", unknown, http(15), "", ""},
		{"arm64-http-arch19", unknown, http(19), "", ""},
		// A list of types: the first decides, under every server.
		{"list-uefi-then-bios", unknown, list(7, 0), l.inv.Bootloaders.UEFI, ""},
		{"list-bios-then-uefi", unknown, list(0, 7), l.inv.Bootloaders.BIOS, ""},
		{"list-arm32-then-uefi", unknown, list(10, 7), "", ""},
		{"ipxe", unknown, []string{"-x", "0x4d:69505845", "-x", "0x5d:0000"}, httpURL + "ipxe/boot-lab.ipxe", ""},
		// The same user class as RFC 3004 frames it, with a length byte.
		{"ipxe-rfc3004", unknown, []string{"-x", "0x4d:0469505845", "-x", "0x5d:0007"}, httpURL + "ipxe/boot-lab.ipxe", ""},
		// A host whose own entry asks for the signed chain in a network
		// that gives iPXE: shim on UEFI PXE, but still BIOS and iPXE as
		// the network gives them.
		{"secure-boot-host", signed, pxe(7), l.inv.Bootloaders.Shim, ""},
		{"secure-boot-host-arch9-list", signed, list(9, 0), l.inv.Bootloaders.Shim, ""},
		{"secure-boot-host-bios", signed, pxe(0), l.inv.Bootloaders.BIOS, ""},
		// iPXE on a known host with a script of its own gets known.ipxe,
		// which runs that script: being known never rests on a 404.
		{"secure-boot-host-ipxe", signed, []string{"-x", "0x4d:69505845", "-x", "0x5d:0007"}, httpURL + "ipxe/known.ipxe", ""},
		{"known-host-ipxe-rfc3004", signed, []string{"-x", "0x4d:0469505845", "-x", "0x5d:0000"}, httpURL + "ipxe/known.ipxe", ""},
		// Firmware that sends a user class of its own is no iPXE: the
		// host's own loader still reaches it.
		{"secure-boot-host-other-class", signed, append(pxe(7), "-x", "0x4d:044d534654"), l.inv.Bootloaders.Shim, ""},
	} {
		run(t, "ip", "-n", l.ns, "link", "set", "cli0", "address", tc.mac)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		args := append([]string{"udhcpc", "-i", "cli0", "-n", "-q", "-f", "-t", "5", "-s", script}, tc.options...)
		out, err := l.exec(ctx, "busybox", args...).CombinedOutput()
		cancel()
		m := regexp.MustCompile(`siaddr=(\S*) boot_file=(\S*)(?: vendor=(\S*))?\n`).FindStringSubmatch(string(out))
		switch {
		case err != nil || m == nil:
			t.Errorf("check %s %s: no answer (%v):\n%s\n%s:\n%s", l.dhcp.target, tc.name, err, out, l.dhcp.target, tail(l.read(l.dhcp.log), 20))
		case m[2] != tc.bootFile || m[3] != tc.vendor:
			t.Errorf("check %s %s: boot file %q, option 60 %q; want %q, %q\n%s", l.dhcp.target, tc.name, m[2], m[3], tc.bootFile, tc.vendor, out)
		case tc.bootFile != "" && m[1] != l.inv.Server.IP:
			t.Errorf("check %s %s: next-server %s, want %s", l.dhcp.target, tc.name, m[1], l.inv.Server.IP)
		case tc.bootFile == "":
			t.Logf("check %s %s: no boot file", l.dhcp.target, tc.name)
		default:
			t.Logf("check %s %s: next-server %s, boot file %s", l.dhcp.target, tc.name, m[1], tc.bootFile)
		}
	}
	run(t, "ip", "-n", l.ns, "link", "set", "cli0", "address", unknown)
	got := filepath.Join(l.work, "fetched")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := l.exec(ctx, "busybox", "tftp", "-g", "-r", l.inv.Bootloaders.BIOS, "-l", got, l.inv.Server.IP).CombinedOutput(); err != nil {
		t.Fatalf("check tftp: reading %s from %s through %s: %v\n%s\nxinetd:\n%s", l.inv.Bootloaders.BIOS, l.inv.Server.IP, l.inv.Targets.TFTP, err, out, tail(l.read("services.log"), 5))
	}
	want, _ := os.ReadFile(filepath.Join(l.bootRoot(), l.inv.Bootloaders.BIOS))
	data, _ := os.ReadFile(got)
	if string(data) != string(want) || len(want) == 0 {
		t.Fatalf("check tftp: %s read over TFTP (%d bytes) differs from the file in boot_root (%d bytes)", l.inv.Bootloaders.BIOS, len(data), len(want))
	}
	t.Logf("check tftp: %s (%d bytes) read through %s", l.inv.Bootloaders.BIOS, len(data), l.inv.Targets.TFTP)
}
