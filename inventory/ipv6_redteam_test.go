package inventory

// Red-team tests for the IPv6 change (eb6eeaa..124acc2). Each one fails
// on 124acc2 and passes once the problem it names is fixed; see
// /work/redteam-v6-report.md.

import (
	"strings"
	"testing"
)

// redteamProfileFromV4Network: db01 has no profile of its own, so
// knownOverIPv6 skips it, but its fixed ip puts it in lab4, whose profile
// (local) it boots over IPv4 as a known host. Its ip6 is in v6lab, whose
// profile reinstalls. dhcpd -6 (and Kea, for a locally administered MAC)
// cannot tell its iPXE by MAC: over IPv6 it boots as an unknown client of
// v6lab, the installer.
const redteamProfileFromV4Network = `targets: {dhcp: DHCP}
server: {ip: 10.30.0.1, ip6: "2001:db8:20::1"}
networks:
  - {name: v6lab, subnet6: "2001:db8:20::/64", pool6: "2001:db8:20::1000-2001:db8:20::1fff", ra: true, interface: eth1, profile: debian}
  - {name: lab4, subnet: 10.30.0.0/24, profile: local}
profiles:
  debian: {kernel: debian/linux}
hosts:
  - {name: db01, mac: "52:54:00:66:00:01", ip: 10.30.0.10, ip6: "2001:db8:20::10"}
`

func TestRedteamKnownOverIPv6ProfileFromNetwork(t *testing.T) {
	for _, dhcp := range []string{TargetDhcpd, TargetKea} {
		doc := strings.Replace(redteamProfileFromV4Network, "DHCP", dhcp, 1)
		_, err := Parse("inventory.yaml", []byte(doc))
		if err == nil || !strings.Contains(err.Error(), "hosts[0].mac") {
			t.Errorf("%s: host db01 boots profile local (lab4's) over IPv4, but v6lab's installer over DHCPv6, where %s cannot tell its iPXE by MAC; want it refused at hosts[0].mac, got %v", dhcp, dhcp, err)
		}
	}
}

// A host "pinned" to an IPv4-only network by its ip is exempt from the
// DHCPv6 rule, but the inventory itself says that network is on eth1,
// where v6lab serves DHCPv6: the host's firmware asks DHCPv6 there.
// Either interface on an IPv4-only network is refused (it is ignored by
// every template), or the exemption must not apply to it.
func TestRedteamPinnedHostSharesInterfaceWithIPv6Network(t *testing.T) {
	doc := `targets: {dhcp: dhcpd}
server: {ip: 10.30.0.1, ip6: "2001:db8:20::1"}
networks:
  - {name: v6lab, subnet6: "2001:db8:20::/64", pool6: "2001:db8:20::1000-2001:db8:20::1fff", ra: true, interface: eth1, profile: debian}
  - {name: lab4, subnet: 10.30.0.0/24, pool: 10.30.0.100-10.30.0.200, interface: eth1}
profiles:
  debian: {kernel: debian/linux}
hosts:
  - {name: db01, mac: "52:54:00:66:00:01", ip: 10.30.0.10, boot: local}
`
	if _, err := Parse("inventory.yaml", []byte(doc)); err == nil {
		t.Errorf("db01 (boot: local) is pinned to lab4, which shares eth1 with v6lab's DHCPv6; dhcpd -6 cannot tell its iPXE: want an error, got none")
	}
}

// interface on a network without subnet6 is neither checked nor used:
// before the IPv6 change it was an unknown key; now anything passes.
func TestRedteamInterfaceWithoutSubnet6(t *testing.T) {
	for _, doc := range []string{
		// An inventory with no IPv6 at all.
		`server: {ip: 10.1.0.1}
networks:
  - {name: a, subnet: 10.1.0.0/24, interface: "eth1 # not an interface; really"}
profiles: {p: {kernel: k}}
`,
		// An IPv4-only network beside an IPv6 one.
		`targets: {dhcp: kea}
server: {ip: 10.1.0.1, ip6: "2001:db8:1::1"}
networks:
  - {name: v6, subnet6: "2001:db8:1::/64", interface: eth1}
  - {name: a, subnet: 10.1.0.0/24, interface: "eth1 # not an interface; really"}
profiles: {p: {kernel: k}}
`,
	} {
		if _, err := Parse("inventory.yaml", []byte(doc)); err == nil || !strings.Contains(err.Error(), ".interface") {
			t.Errorf("interface %q on an IPv4-only network: want an error naming its interface key, got %v", "eth1 # not an interface; really", err)
		}
	}
}

// Two networks with ra on one interface: radvd.conf gets the interface
// twice, and radvd refuses it ("duplicate interface definition for
// eth1"); Kea selects the first subnet6 on the interface for every
// client there.
func TestRedteamTwoIPv6NetworksOneInterface(t *testing.T) {
	doc := `targets: {dhcp: kea}
server: {ip: 10.30.0.1, ip6: "2001:db8:20::1"}
networks:
  - {name: installs, subnet6: "2001:db8:20::/64", pool6: "2001:db8:20::1000-2001:db8:20::1fff", ra: true, interface: eth1, profile: debian}
  - {name: servers, subnet6: "2001:db8:21::/64", ra: true, interface: eth1, profile: local}
profiles:
  debian: {kernel: debian/linux}
hosts:
  - {name: db01, mac: "00:16:3e:66:00:01", ip6: "2001:db8:21::10", boot: local}
`
	if _, err := Parse("inventory.yaml", []byte(doc)); err == nil || !strings.Contains(err.Error(), "networks[1].interface") {
		t.Errorf("two subnet6 networks on eth1: want an error at networks[1].interface, got %v", err)
	}
}

// http_url6 is what IPv6 clients are told to fetch; an IPv4 host there
// is unreachable from an IPv6-only network.
func TestRedteamHTTPURL6IPv4Host(t *testing.T) {
	doc := strings.Replace(ipv6Inventory, `server: {ip: 10.1.0.1, `, `server: {ip: 10.1.0.1, http_url6: "http://10.1.0.1/pxe/", `, 1)
	if _, err := Parse("inventory.yaml", []byte(doc)); err == nil || !strings.Contains(err.Error(), "server.http_url6") {
		t.Errorf("http_url6 with an IPv4 host: want an error at server.http_url6, got %v", err)
	}
}

// dnsmasq refuses a DHCPv6 dhcp-range with a prefix shorter than /64
// ("prefix length must be at least 64"); pxegen allows /48.
func TestRedteamDnsmasqSubnet6ShorterThan64(t *testing.T) {
	doc := `targets: {dhcp: dnsmasq}
server: {ip: 10.1.0.1, ip6: "2001:db8:1::1"}
networks:
  - {name: big, subnet6: "2001:db8:1::/48", pool6: "2001:db8:1::1000-2001:db8:1::1fff", interface: eth1}
profiles: {p: {kernel: k}}
`
	if _, err := Parse("inventory.yaml", []byte(doc)); err == nil || !strings.Contains(err.Error(), "networks[0].subnet6") {
		t.Errorf("dnsmasq, subnet6 /48: want an error at networks[0].subnet6, got %v", err)
	}
}

// With ra the boot server is the only advertiser, with router lifetime
// 0: clients there have no default route, so server.ip6 (every loader
// and script URL) must be on-link.
func TestRedteamRANetworkServerOffLink(t *testing.T) {
	doc := `targets: {dhcp: kea}
server: {ip: 10.30.0.1, ip6: "2001:db8:20::1"}
networks:
  - {name: srv, subnet: 10.30.0.0/24, subnet6: "2001:db8:20::/64", interface: eth0}
  - {name: v6only, subnet6: "2001:db8:21::/64", pool6: "2001:db8:21::1000-2001:db8:21::1fff", ra: true, interface: eth1, profile: p}
profiles: {p: {kernel: k}}
`
	if _, err := Parse("inventory.yaml", []byte(doc)); err == nil || !strings.Contains(err.Error(), "networks[1]") {
		t.Errorf("ra network whose subnet6 does not hold server.ip6: want an error at networks[1], got %v", err)
	}
}

// A host with only an ip6 boots its network's profile (generate's host()
// takes Network6's profile), but the append check looks at the IPv4
// network only and refuses append with a wrong message.
func TestRedteamAppendOnIPv6OnlyHost(t *testing.T) {
	doc := `targets: {dhcp: dnsmasq}
server: {ip: 10.1.0.1, ip6: "2001:db8:1::1"}
networks:
  - {name: v6, subnet6: "2001:db8:1::/64", ra: true, interface: eth1, profile: p}
  - {name: four, subnet: 10.1.0.0/24}
profiles:
  p: {kernel: k}
hosts:
  - {name: a, mac: "52:54:00:00:00:01", ip6: "2001:db8:1::10", append: "x=1"}
`
	if _, err := Parse("inventory.yaml", []byte(doc)); err != nil {
		t.Errorf("host a boots v6's profile p, so append has a profile to append to; got %v", err)
	}
}
