package inventory

import (
	"fmt"
	"net/netip"
	"net/url"
	"sort"
	"strings"
)

// HasIPv6 reports whether some network has a subnet6: DHCPv6 files are
// then written, and TFTP and Apache serve IPv6 too.
func (inv *Inventory) HasIPv6() bool {
	for _, n := range inv.Networks {
		if n.Subnet6 != "" {
			return true
		}
	}
	return false
}

// HasRA reports whether some network has the boot server advertise.
func (inv *Inventory) HasRA() bool {
	for _, n := range inv.Networks {
		if n.RA && n.Subnet6 != "" {
			return true
		}
	}
	return false
}

// applyIPv6Defaults gives http_url6 its default: http_url's scheme, port
// and path on [ip6], so that Apache's one Alias serves both families.
func (inv *Inventory) applyIPv6Defaults() {
	s := &inv.Server
	if s.HTTPURL6 != "" || s.IP6 == "" {
		return
	}
	ip, err := ParseIPv6(s.IP6)
	if err != nil {
		return // validation says why
	}
	scheme, port, path := "http", "", "/pxe/"
	if u, err := url.Parse(s.HTTPURL); err == nil && s.HTTPURL != "" && u.Host != "" {
		scheme, port, path = u.Scheme, u.Port(), u.Path
	}
	host := "[" + ip.String() + "]"
	if port != "" {
		host += ":" + port
	}
	s.HTTPURL6 = scheme + "://" + host + path
}

// ParseIPv6 parses an IPv6 address a DHCPv6 server can hand out or serve
// from: no zone, no prefix length, not IPv4-mapped, and global or unique
// local (not link-local, multicast, loopback or unspecified, which mean
// something else on every link).
func ParseIPv6(s string) (netip.Addr, error) {
	if strings.Contains(s, "/") {
		return netip.Addr{}, fmt.Errorf("%q has a prefix length; want a plain IPv6 address", s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() || a.Is4In6() || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("%q is not an IPv6 address (2001:db8::10; no zone, not IPv4-mapped)", s)
	}
	if why := specialIPv6(a); why != "" {
		return netip.Addr{}, fmt.Errorf("%q is %s; want a global or unique local address", s, why)
	}
	return a, nil
}

// specialIPv6 says what a is when it is no address to serve or give.
func specialIPv6(a netip.Addr) string {
	switch {
	case a.IsUnspecified():
		return "the unspecified address"
	case a.IsLoopback():
		return "the loopback address"
	case a.IsMulticast():
		return "a multicast address"
	case a.IsLinkLocalUnicast():
		return "a link-local address (fe80::/10), which every link has its own of"
	}
	return ""
}

// ParseSubnet6 parses an IPv6 prefix in CIDR form with no host bits set,
// 48 to 120 bits long: DHCPv6 serves stateful addresses from any prefix,
// but not from a link-local or multicast one.
func ParseSubnet6(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is not an IPv6 subnet in CIDR form (2001:db8:1::/64)", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set; the subnet is %s", s, p.Masked())
	}
	if p.Bits() < 48 || p.Bits() > 120 {
		return netip.Prefix{}, fmt.Errorf("%q: prefix length must be between 48 and 120 (a link is a /64)", s)
	}
	if why := specialIPv6(p.Addr()); why != "" {
		return netip.Prefix{}, fmt.Errorf("%q starts with %s", s, why)
	}
	return p, nil
}

// ParsePool6 parses a DHCPv6 range "FIRST-LAST".
func ParsePool6(s string) (first, last netip.Addr, err error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return first, last, fmt.Errorf("%q is not a range: want FIRST-LAST", s)
	}
	if first, err = ParseIPv6(strings.TrimSpace(a)); err != nil {
		return first, last, err
	}
	if last, err = ParseIPv6(strings.TrimSpace(b)); err != nil {
		return first, last, err
	}
	if last.Less(first) {
		return first, last, fmt.Errorf("%q is out of order: %s comes after %s", s, first, last)
	}
	return first, last, nil
}

// parsedNetwork6 is a network whose subnet6 parsed.
type parsedNetwork6 struct {
	index       int
	subnet      netip.Prefix
	first, last netip.Addr // pool6; invalid when there is none
}

// ipv6 checks the IPv6 side of the inventory: the server's address and
// URL, every network's subnet6, pool6, dns6 and ra, and the hosts' ip6,
// given the parsed IPv4 networks, nets4. It returns the networks whose
// subnet6 parsed, sorted by address, for networkOf6.
func (v *validator) ipv6(nets4 []parsedNetwork) []parsedNetwork6 {
	inv := v.inv
	if !inv.HasIPv6() {
		if inv.Server.IP6 != "" {
			v.errf("server.ip6", "no network has a subnet6, so nothing is served over IPv6: give a network its subnet6, or leave ip6 out")
		}
		for i, n := range inv.Networks {
			v.noSubnet6(i, n)
		}
		for i, h := range inv.Hosts {
			for _, nic := range h.NICs(i) {
				if nic.IP6 != "" {
					v.errf(nic.Key+".ip6", "no network has a subnet6")
				}
			}
		}
		return nil
	}
	// Each peer or site would need its own IPv6 address, and a DHCPv6
	// failover none of the servers has: refused until they are built.
	if inv.HA != nil {
		v.errf("ha", "IPv6 networks (subnet6) with ha are not supported yet: Kea's and dhcpd's DHCPv6 failover is not rendered")
	}
	if len(inv.Sites) > 0 {
		v.errf("sites", "IPv6 networks (subnet6) with sites are not supported yet")
		return nil // each site's view would say more of the same
	}
	var server netip.Addr
	if inv.Server.IP6 == "" {
		v.errf("server.ip6", "required: some network has a subnet6, and its clients fetch their loader and scripts from the boot server's IPv6 address")
	} else if a, err := ParseIPv6(inv.Server.IP6); err != nil {
		v.errf("server.ip6", "%v", err)
	} else {
		server = a
	}
	if u := inv.Server.HTTPURL6; u != "" {
		if host := urlHost(u); isIPv4(host) {
			v.errf("server.http_url6", "%q: its host %s is an IPv4 address, which IPv6-only clients cannot reach: name the server by its IPv6 address or a name", u, host)
		} else if msg := checkURL6(u); msg != "" {
			v.errf("server.http_url6", "%s", msg)
		} else {
			v.sameAlias(u, inv.Server.HTTPURL)
		}
	}
	ra := -1 // a network with ra, for dnsmasq's all or none
	for i, n := range inv.Networks {
		if n.Subnet6 != "" && n.RA {
			ra = i
			break
		}
	}
	var nets []parsedNetwork6
	ifaces := map[string]int{} // interface -> the first subnet6 network on it
	for i, n := range inv.Networks {
		if n.Subnet6 == "" {
			v.noSubnet6(i, n)
			continue
		}
		if pn, ok := v.network6(i, n, server, ra, ifaces); ok {
			nets = append(nets, pn)
		}
	}
	sort.Slice(nets, func(i, j int) bool { return nets[i].subnet.Addr().Less(nets[j].subnet.Addr()) })
	for i := 1; i < len(nets); i++ {
		a, b := nets[i-1], nets[i]
		if a.subnet.Overlaps(b.subnet) {
			first, second := a, b
			if second.index < first.index {
				first, second = second, first
			}
			v.errf(fmt.Sprintf("networks[%d].subnet6", second.index), "%s overlaps %s (%s)", second.subnet, v.path("networks[%d]", first.index), first.subnet)
		}
	}
	if server.IsValid() && len(nets) == countSubnet6(inv) && !anyContains(nets, server) {
		v.errf("server.ip6", "%s is in no network's subnet6: the DHCPv6 server answers on the links it has an address in", server)
	}
	v.hosts6(nets, len(nets) == countSubnet6(inv), server)
	v.hostsOverIPv6(nets4, nets)
	return nets
}

// hostsOverIPv6 refuses hosts whose DHCPv6 answer would not be what
// their DHCPv4 one is, where they may ask DHCPv6: any host but one whose
// fixed ip is in a network without subnet6 (which the README says must
// not share its link with one).
//
//   - A host that boots a profile (its own, or its network's through its
//     own script) must be one its DHCPv6 server can tell by MAC when its
//     iPXE asks, or it boots as an unknown client: its network's profile,
//     which may reinstall it. iPXE's DUID is a DUID-UUID, which holds no
//     MAC. dhcpd -6 knows a host only by the MAC in a DUID; Kea reads it
//     from the EUI-64 link-local address too, but only for a universally
//     administered MAC (src/lib/dhcp/pkt.cc, getMACFromIPv6); dnsmasq
//     takes it from its neighbour table, for any.
//   - A host's own boot_file and secure_boot are DHCPv4's: over DHCPv6 it
//     would get its network's loader instead.
func (v *validator) hostsOverIPv6(nets4 []parsedNetwork, nets6 []parsedNetwork6) {
	inv := v.inv
	for i, h := range inv.Hosts {
		at := fmt.Sprintf("hosts[%d]", i)
		ownLoader := h.BootFile != "" || h.SecureBoot != nil // reported once, at the host
		for _, nic := range h.NICs(i) {
			mac, err := ParseMAC(nic.MAC)
			if err != nil || !nic.Provisions() {
				continue
			}
			// The profile the host boots, as generate gives it: its own,
			// else its ip's network's, else its ip6's network's.
			profile, pinned := h.BootProfile(), false
			if ip, err := ParseIPv4(nic.IP); err == nil {
				if n, ok := networkOf(nets4, ip); ok {
					pinned = inv.Networks[n.index].Subnet6 == "" && nic.IP6 == ""
					if profile == "" {
						profile = inv.Networks[n.index].Profile
					}
				}
			} else if profile == "" {
				profile = inv.network6Profile(nets6, nic.IP6)
			}
			if pinned {
				continue // it never asks DHCPv6
			}
			if ownLoader && h.BootFile != "" {
				v.errf(at+".boot_file", "a host's boot_file is DHCPv4's, and this host may ask DHCPv6 (a network has a subnet6), where it would get its network's loader: give it a fixed ip in a network without subnet6")
			}
			if ownLoader && h.SecureBoot != nil {
				v.errf(at+".secure_boot", "a host's own secure_boot is DHCPv4's, and this host may ask DHCPv6 (a network has a subnet6), where it would get its network's loader: give it a fixed ip in a network without subnet6, or set secure_boot on its network")
			}
			ownLoader = false
			if profile == "" {
				continue // it boots as an unknown client does, over either family
			}
			key := nic.Key + ".mac"
			if nic.Index < 0 {
				key = at + ".mac"
			}
			switch {
			case inv.Targets.DHCP == TargetDhcpd:
				v.targetErrf(TargetDhcpd, key, "dhcpd -6 knows a host only by the MAC in its DUID, and iPXE's DUID holds none: over IPv6 this host's iPXE would boot as an unknown client, not profile %s through its own script. Use Kea or dnsmasq for IPv6 networks with such hosts, or give it a fixed ip in a network without subnet6", profile)
			case inv.Targets.DHCP == TargetKea && mac[0]&2 != 0:
				v.targetErrf(TargetKea, key, "%s is a locally administered MAC, and Kea reads a DHCPv6 client's MAC from its link-local address only for a universally administered one (iPXE's DUID holds none): over IPv6 this host's iPXE would boot as an unknown client, not profile %s through its own script. Use dnsmasq, or give it a fixed ip in a network without subnet6", mac, profile)
			}
		}
	}
}

// sameAlias checks that http_url6 reaches the Alias http_url makes:
// the same scheme, port and path.
func (v *validator) sameAlias(u6, u4 string) {
	a, err6 := url.Parse(u6)
	b, err4 := url.Parse(u4)
	if err6 != nil || err4 != nil || u4 == "" || len(u4) > MaxPathLen || checkURL(u4, true) != "" {
		return // http_url's own check says why
	}
	switch {
	case a.Path != b.Path:
		v.errf("server.http_url6", "its path %s is not http_url's, %s: Apache serves the boot tree at one path, for both families", a.Path, b.Path)
	case a.Scheme != b.Scheme || a.Port() != b.Port():
		v.errf("server.http_url6", "its scheme and port are not http_url's (%s): Apache listens where http_url says, for both families", u4)
	}
}

// network6Profile is the profile of the network whose subnet6 holds ip6,
// as generate gives a host with an ip6 alone; "" when none does.
func (inv *Inventory) network6Profile(nets6 []parsedNetwork6, ip6 string) string {
	a, err := ParseIPv6(ip6)
	if err != nil {
		return ""
	}
	if n, ok := networkOf6(nets6, a); ok {
		return inv.Networks[n.index].Profile
	}
	return ""
}

// networkOf6 is networkOf for the IPv6 networks, sorted by address.
func networkOf6(nets []parsedNetwork6, ip netip.Addr) (parsedNetwork6, bool) {
	i := sort.Search(len(nets), func(i int) bool { return ip.Less(nets[i].subnet.Addr()) })
	if i > 0 && nets[i-1].subnet.Contains(ip) {
		return nets[i-1], true
	}
	return parsedNetwork6{}, false
}

// noSubnet6 refuses the IPv6 keys of a network without a subnet6.
func (v *validator) noSubnet6(i int, n Network) {
	for _, k := range []struct {
		key string
		set bool
	}{{"pool6", n.Pool6 != ""}, {"dns6", len(n.DNS6) > 0}, {"ra", n.RA}, {"interface", n.Interface != ""}} {
		if k.set {
			v.errf(fmt.Sprintf("networks[%d].%s", i, k.key), "the network has no subnet6")
		}
	}
}

// network6 checks network i's IPv6 side, given the server's IPv6
// address, a network with ra (or -1) and the interfaces the networks
// before it use; it returns the parsed network, if its subnet6 parses.
func (v *validator) network6(i int, n Network, server netip.Addr, ra int, ifaces map[string]int) (parsedNetwork6, bool) {
	inv := v.inv
	at := fmt.Sprintf("networks[%d]", i)
	if n.IPv6Only() {
		v.ipv6Only(i, n)
	}
	dns := map[netip.Addr]int{}
	for j, d := range n.DNS6 {
		key := fmt.Sprintf("%s.dns6[%d]", at, j)
		if a, err := ParseIPv6(d); err != nil {
			v.errf(key, "%v", err)
		} else if k, dup := dns[a]; dup {
			v.errf(key, "%s is %s.dns6[%d] again", a, at, k)
		} else {
			dns[a] = j
		}
	}
	switch {
	case n.Interface != "":
		v.check(at+".interface", checkInterface(n.Interface))
		if j, dup := ifaces[n.Interface]; dup {
			v.errf(at+".interface", "%s is %s's interface too: several IPv6 prefixes on one link (Kea's shared networks, one radvd interface with several prefixes) are not rendered yet", n.Interface, v.path("networks[%d]", j))
		} else {
			ifaces[n.Interface] = i
		}
		if len(inv.Server.Interfaces) > 0 && !contains(inv.Server.Interfaces, n.Interface) {
			v.errf(at+".interface", "%s is not in server.interfaces, the interfaces the DHCP server answers on: add it there", n.Interface)
		}
	case n.RA:
		v.errf(at+".ra", "needs the network's interface (interface: eth1): router advertisements go out on an interface")
	case inv.Targets.DHCP == TargetKea:
		v.targetErrf(TargetKea, at+".interface", "required with Kea for a network with a subnet6: kea-dhcp6 picks a directly connected client's subnet by the interface it asked on")
	}
	if inv.Targets.DHCP == TargetDnsmasq && ra >= 0 && !n.RA {
		v.targetErrf(TargetDnsmasq, at, "dnsmasq sends router advertisements on every IPv6 network or on none (enable-ra), and %s has ra: set ra here too, or leave it to the routers everywhere", v.path("networks[%d]", ra))
	}
	subnet, err := ParseSubnet6(n.Subnet6)
	if err != nil {
		v.errf(at+".subnet6", "%v", err)
		return parsedNetwork6{}, false
	}
	if n.RA && subnet.Bits() != 64 {
		v.errf(at+".ra", "the subnet6 %s is not a /64: a router advertisement's prefix for an on-link /%d confuses hosts that autoconfigure; advertise a /64", subnet, subnet.Bits())
	}
	if inv.Targets.DHCP == TargetDnsmasq && subnet.Bits() < 64 {
		v.targetErrf(TargetDnsmasq, at+".subnet6", "%s: dnsmasq serves DHCPv6 from a prefix of /64 or longer only (its dhcp-range refuses a shorter one)", subnet)
	}
	// The server's advertisements say it is no router (lifetime 0):
	// its clients reach on-link addresses only.
	if n.RA && server.IsValid() && !subnet.Contains(server) {
		v.errf(at+".ra", "the boot server advertises here as no router, so this network's clients reach only its own subnet6 %s, and server.ip6 %s, where they fetch everything, is not in it: leave ra to this network's router, or put the server's address here", subnet, server)
	}
	pn := parsedNetwork6{index: i, subnet: subnet}
	if n.Pool6 != "" {
		first, last, err := ParsePool6(n.Pool6)
		switch {
		case err != nil:
			v.errf(at+".pool6", "%v", err)
		case !subnet.Contains(first) || !subnet.Contains(last):
			v.errf(at+".pool6", "%s is outside the subnet6 %s", n.Pool6, subnet)
		case first == subnet.Addr():
			v.errf(at+".pool6", "starts at %s, the subnet-router anycast address of %s", first, subnet)
		case server.IsValid() && inPool(server, first, last):
			v.errf(at+".pool6", "contains the boot server's address %s", server)
		default:
			pn.first, pn.last = first, last
		}
	}
	return pn, true
}

func countSubnet6(inv *Inventory) int {
	n := 0
	for _, net := range inv.Networks {
		if net.Subnet6 != "" {
			n++
		}
	}
	return n
}

func anyContains(nets []parsedNetwork6, a netip.Addr) bool {
	for _, n := range nets {
		if n.subnet.Contains(a) {
			return true
		}
	}
	return false
}

// ipv6Only refuses what only IPv4 has on a network without a subnet.
func (v *validator) ipv6Only(i int, n Network) {
	at := fmt.Sprintf("networks[%d]", i)
	for _, k := range []struct {
		key, why string
		set      bool
	}{
		{"gateway", "routers come from router advertisements in IPv6", n.Gateway != ""},
		{"pool", "use pool6", n.Pool != ""},
		{"dns", "use dns6", len(n.DNS) > 0},
		{"relay", "DHCPv6 relays are not supported yet", n.Relay},
		{"next_server", "DHCPv6 has no next-server: the boot file URL names the server", n.NextServer != ""},
		{"boot_file", "it replaces DHCPv4 loaders only", n.BootFile != ""},
		{"options", "they are DHCPv4 options", !n.Options.Empty()},
		{"secure_boot", "the Secure Boot chain (shim, GRUB) is not rendered for DHCPv6", n.SecureBoot},
	} {
		if k.set {
			v.errf(at+"."+k.key, "the network is IPv6-only (subnet6, no subnet): %s", k.why)
		}
	}
	if n.HasArch(ArchARM64) {
		v.errf(at+".arches", "the network is IPv6-only (subnet6, no subnet): ARM64 clients boot GRUB, which pxegen renders for DHCPv4 only")
	}
}

// hosts6 checks the hosts' ip6 against nets; complete as for hosts.
func (v *validator) hosts6(nets []parsedNetwork6, complete bool, server netip.Addr) {
	inv := v.inv
	ips := map[netip.Addr]string{}
	for i, h := range inv.Hosts {
		for _, nic := range h.NICs(i) {
			if nic.IP6 == "" {
				continue
			}
			key := nic.Key + ".ip6"
			if nic.ClientID != "" {
				v.errf(key, "an InfiniBand interface (client_id) boots over IPv4 only here")
				continue
			}
			ip, err := ParseIPv6(nic.IP6)
			if err != nil {
				v.errf(key, "%v", err)
				continue
			}
			if ip == server {
				v.errf(key, "%s is the boot server's address", ip)
				continue
			}
			if other, dup := ips[ip]; dup {
				v.errf(key, "duplicate IPv6 address %s (also %s)", ip, v.also(key, other))
				continue
			}
			ips[ip] = key
			n, found := networkOf6(nets, ip)
			switch {
			case !found:
				if complete && nic.Provisions() {
					v.errf(key, "%s is in no network's subnet6", ip)
				}
			case ip == n.subnet.Addr():
				v.errf(key, "%s is the subnet-router anycast address of %s", ip, n.subnet)
			case n.first.IsValid() && inPool(ip, n.first, n.last):
				v.errf(key, "%s is inside the pool6 %s of %s; the DHCPv6 server could lease it to another client", ip, inv.Networks[n.index].Pool6, v.path("networks[%d]", n.index))
			}
		}
	}
}

// urlHost is the host of a scheme://host[:port]/ URL, without brackets.
func urlHost(u string) string {
	if p, err := url.Parse(u); err == nil {
		return p.Hostname()
	}
	return ""
}

func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}

// checkURL6 checks server.http_url6 as checkURL checks a base URL; its
// host may also be a bracketed IPv6 address. No comma: dnsmasq reads one
// as the end of the option's value.
func checkURL6(s string) string {
	if strings.Contains(s, ",") {
		return fmt.Sprintf("%q contains a comma, which dnsmasq reads as the end of the boot file URL", s)
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || !strings.HasPrefix(rest, "[") {
		return checkURL(s, true)
	}
	literal, after, ok := strings.Cut(rest[1:], "]")
	if !ok {
		return fmt.Sprintf("%q: an IPv6 host has no closing ]", s)
	}
	if _, err := ParseIPv6(literal); err != nil {
		return fmt.Sprintf("%q: %v", s, err)
	}
	// The rest of the rules are the IPv4 URL's: check it with a stand-in host.
	if msg := checkURL(scheme+"://ipv6.invalid"+after, true); msg != "" {
		return fmt.Sprintf("%q: %s", s, strings.ReplaceAll(msg, fmt.Sprintf("%q", scheme+"://ipv6.invalid"+after), "the URL"))
	}
	return ""
}
