//go:build integration

package integration

import (
	"strings"
	"testing"

	"github.com/pxegen/pxegen/inventory"
)

// TestIPv6 boots UEFI VMs, a known host and an unknown client, in a
// network with no IPv4 address at all, under Kea (with radvd) and
// dnsmasq (its own advertisements): OVMF's PXE over IPv6 asks DHCPv6,
// fetches iPXE over TFTP from the server's IPv6 address, iPXE asks DHCPv6
// again and runs the scripts over HTTP on IPv6, which boot the kernel. A
// known host must get its ip6 (DHCPv6 knows it by MAC) and its own
// script. The VMs' MACs are universally administered, as real NICs'
// are: Kea reads a MAC from an EUI-64 link-local address only then
// (src/lib/dhcp/pkt.cc, getMACFromIPv6), and iPXE's DUID holds none.
// dhcpd -6 is left out: it knows a host by the MAC in its DUID
// only, and iPXE's DUID holds none (see README).
func TestIPv6(t *testing.T) {
	requireCommands(t, "qemu-system-x86_64")
	accelFor(t, false)
	for _, server := range dhcpServers {
		if server.target == inventory.TargetDhcpd {
			continue
		}
		t.Run(server.target, func(t *testing.T) {
			t.Parallel()
			if server.target == inventory.TargetKea {
				requireCommands(t, "kea-dhcp6", "radvd")
			}
			l := newLab(t, "testdata/ipv6.yaml", server)
			if out := run(t, "ip", "-n", l.ns, "-4", "addr", "show", "dev", l.bridges["v6only"]); strings.Contains(out, "inet ") {
				t.Fatalf("the IPv6-only network's bridge has an IPv4 address:\n%s", out)
			}
			for _, v := range []vm{
				{name: "v6-known", uefi: true, ipv6: true, mac: "00:16:3e:60:00:01", ip6: "2001:db8:60::10", network: "v6only",
					want:    "pxegen.profile=beta pxegen.host=known6",
					fetched: []string{"ipxe/known.ipxe", "ipxe/hosts/00-16-3e-60-00-01.ipxe", "test/vmlinuz", "test/initrd.gz"}},
				{name: "v6-unknown", uefi: true, ipv6: true, mac: "00:16:3e:60:00:09", network: "v6only",
					want:    "pxegen.profile=alpha",
					fetched: []string{"ipxe/boot-v6only.ipxe", "ipxe/profiles/alpha.ipxe", "test/vmlinuz", "test/initrd.gz"}},
			} {
				l.boot(t, v)
			}
			t.Logf("check ipv6 %s: known and unknown UEFI VMs booted over IPv6 alone", server.target)
		})
	}
}

// TestDualStack boots one known VM in a network with both families twice
// under Kea: by OVMF's default order (PXE over IPv4 first), and with its
// IPv4 PXE off, over IPv6. The firmware's PXE then runs over IPv6 (DHCPv6,
// iPXE over TFTP from the server's IPv6 address); iPXE gets both
// families' answers, shows the host's ip6, and takes DHCPv4's boot script,
// as Debian's iPXE does with both: the chain goes on over IPv4.
func TestDualStack(t *testing.T) {
	requireCommands(t, "qemu-system-x86_64", "kea-dhcp6", "radvd")
	accelFor(t, false)
	t.Parallel()
	var kea dhcpServer
	for _, s := range dhcpServers {
		if s.target == inventory.TargetKea {
			kea = s
		}
	}
	l := newLab(t, "testdata/dualstack.yaml", kea)
	want := "pxegen.profile=beta pxegen.host=dual"
	fetched := []string{"ipxe/known.ipxe", "ipxe/hosts/00-16-3e-61-00-01.ipxe", "test/vmlinuz", "test/initrd.gz"}
	l.boot(t, vm{name: "dual-v4", uefi: true, mac: "00:16:3e:61:00:01", network: "dual", want: want, fetched: fetched})
	l.boot(t, vm{name: "dual-v6", uefi: true, ipv6: true, ipxeOver4: true, mac: "00:16:3e:61:00:01", ip6: "2001:db8:61::20", network: "dual", want: want, fetched: fetched})
	t.Logf("check dualstack kea: one VM booted by PXE over IPv4, then by PXE over IPv6")
}
