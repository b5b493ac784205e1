package generate

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/pxegen/pxegen/inventory"
)

// Server6 is the boot server's IPv6 side.
type Server6 struct {
	IP      string // as DHCPv6 URLs need it: 2001:db8::1
	HTTPURL string // server.http_url6: http://[2001:db8::1]/pxe/
	// TFTPURL is the base of loaders fetched over TFTP: DHCPv6 has no
	// next-server, so option 59 names the server in a URL.
	TFTPURL string
	// KnownScriptURL is what DHCPv6 gives iPXE on a host with a script
	// of its own.
	KnownScriptURL string
}

// Network6 is a network's IPv6 side, as the DHCPv6 files need it.
type Network6 struct {
	Subnet              netip.Prefix
	PoolFirst, PoolLast string // empty: no pool, hosts with an ip6 only
	DNS                 []string
	RA                  bool
	Interface           string // empty: any
	Tag                 string // dnsmasq's tag, Kea's class prefix: net6-<name>
	// BootScriptURL is what DHCPv6 gives iPXE clients here.
	BootScriptURL string
	// Loaders are what DHCPv6 gives each architecture type here, as a
	// URL (option 59): x86-64 UEFI PXE (7, 9) the iPXE UEFI loader over
	// TFTP, x86-64 UEFI HTTP boot (16) over HTTP, but not from dnsmasq,
	// which sends option 16 as one counted string (src/option.c, opttab6:
	// OT_CSTRING), without the enterprise number UEFI HTTP boot reads
	// HTTPClient after (edk2 HttpBootDhcp6.c). None in a Secure Boot
	// network, whose chain pxegen renders for DHCPv4 only, and none for
	// BIOS, whose PXE ROMs and PXELINUX have no IPv6.
	Loaders []Loader
}

// Subnets is the network's subnets, for comments: IPv4, IPv6 or both.
func (n *Network) Subnets() string {
	var out []string
	if n.IPv4 {
		out = append(out, n.Subnet.String())
	}
	if n.V6 != nil {
		out = append(out, n.V6.Subnet.String())
	}
	return strings.Join(out, ", ")
}

// ipv6 builds the site's IPv6 side: Server6 and each network's V6.
func (s *Site) ipv6(inv *inventory.Inventory) error {
	if !inv.HasIPv6() {
		return nil
	}
	ip, err := inventory.ParseIPv6(inv.Server.IP6)
	if err != nil {
		return err // Validate refuses this; guard against a skipped validation
	}
	s.IPv6 = true
	s.Server6 = Server6{IP: ip.String(), HTTPURL: inv.Server.HTTPURL6, TFTPURL: "tftp://[" + ip.String() + "]/"}
	s.Server6.KnownScriptURL = s.Server6.HTTPURL + inventory.KnownScript
	for i, n := range inv.Networks {
		if n.Subnet6 == "" {
			continue
		}
		subnet, err := inventory.ParseSubnet6(n.Subnet6)
		if err != nil {
			return err
		}
		net := s.Networks[i]
		var dns []string // as every address is written: normalised
		for _, d := range n.DNS6 {
			a, err := inventory.ParseIPv6(d)
			if err != nil {
				return err
			}
			dns = append(dns, a.String())
		}
		v6 := &Network6{Subnet: subnet, DNS: dns, RA: n.RA, Interface: n.Interface, Tag: "net6-" + n.Name,
			BootScriptURL: s.Server6.HTTPURL + net.BootScript}
		if n.Pool6 != "" {
			first, last, err := inventory.ParsePool6(n.Pool6)
			if err != nil {
				return err
			}
			v6.PoolFirst, v6.PoolLast = first.String(), last.String()
		}
		if n.HasArch(inventory.ArchX86_64) || n.IPv6Only() {
			if !n.SecureBoot {
				v6.Loaders = []Loader{
					newLoader(7, s.Server6.TFTPURL+s.Bootloaders.UEFI, RunsIPXE),
					newLoader(9, s.Server6.TFTPURL+s.Bootloaders.UEFI, RunsIPXE),
				}
				if s.Targets.DHCP != inventory.TargetDnsmasq {
					v6.Loaders = append(v6.Loaders, newLoader(16, s.Server6.HTTPURL+s.Bootloaders.UEFI, RunsIPXE))
				}
			}
		}
		net.V6 = v6
		s.Networks6 = append(s.Networks6, net)
	}
	return nil
}

// network6Of is the network whose subnet6 holds ip.
func (s *Site) network6Of(ip netip.Addr) *Network {
	for _, n := range s.Networks6 {
		if n.V6.Subnet.Contains(ip) {
			return n
		}
	}
	return nil
}

// Arch6Types are the architecture types some network's DHCPv6 has a
// loader for, by code.
func (s *Site) Arch6Types() []Loader {
	seen := map[int]bool{}
	var out []Loader
	for _, n := range s.Networks6 {
		for _, l := range n.V6.Loaders {
			if !seen[l.Code] {
				seen[l.Code] = true
				out = append(out, l)
			}
		}
	}
	return out
}

// RANetworks are the networks whose router advertisements the boot server
// sends.
func (s *Site) RANetworks() []*Network {
	var out []*Network
	for _, n := range s.Networks6 {
		if n.V6.RA {
			out = append(out, n)
		}
	}
	return out
}

// Hosts6 are the host entries DHCPv6 knows, by MAC: every entry with
// one (InfiniBand entries boot over IPv4 only).
func (s *Site) Hosts6() []*Host {
	var out []*Host
	for _, h := range s.Hosts {
		if h.MAC != "" {
			out = append(out, h)
		}
	}
	return out
}

// kea6Files, dhcpd6Files and radvdFiles are the DHCPv6 servers' own
// files and radvd's, written when some network has a subnet6; dnsmasq's
// DHCPv6 and router advertisements are in its one drop-in.
func kea6Files(s *Site) []output {
	if !s.IPv6 || s.Targets.DHCP != inventory.TargetKea {
		return nil
	}
	return []output{{path: rel(s.Paths.Kea6Conf), encode: func() ([]byte, error) { return kea6Config(s) }}}
}

func dhcpd6Files(s *Site) []output {
	if !s.IPv6 || s.Targets.DHCP != inventory.TargetDhcpd {
		return nil
	}
	return []output{{path: rel(s.Paths.Dhcpd6Conf), template: "dhcpd/dhcpd6.conf.tmpl", data: s}}
}

func radvdFiles(s *Site) []output {
	if s.Targets.DHCP == inventory.TargetDnsmasq || len(s.RANetworks()) == 0 {
		return nil
	}
	return []output{{path: rel(s.Paths.RadvdConf), template: "radvd/radvd.conf.tmpl", data: s}}
}

// The DHCPv6 option codes pxegen's classes test and set (RFC 3315, 5970).
const (
	dhcp6UserClass   = 15
	dhcp6VendorClass = 16
	dhcp6BootFileURL = 59
	dhcp6ClientArch  = 61
)

// keaTest6IPXE matches iPXE's DHCPv6 user class: option 15 holds
// length-prefixed items, iPXE's the one item "iPXE".
const keaTest6IPXE = "substring(option[15].hex,0,6) == 0x000469505845"

// keaArch6Test sorts DHCPv6 clients by the first type of option 61.
func keaArch6Test(l Loader) string {
	return "not member('" + keaClassIPXE + "') and substring(option[61].hex,0,2) == " + l.KeaHex
}

// dhcp6Comment explains the DHCPv6 files' answers.
func dhcp6Comment(s *Site) string {
	return fmt.Sprintf("UEFI PXE clients asking DHCPv6 get option 59, a boot file URL: the iPXE loader over TFTP from [%s], chosen by client architecture (option 61); UEFI HTTP boot gets it over HTTP with its vendor class echoed; iPXE (user class iPXE) gets its boot script under %s .", s.Server6.IP, s.Server6.HTTPURL)
}
