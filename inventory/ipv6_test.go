package inventory

import (
	"strings"
	"testing"
)

// ipv6Inventory is valid: an IPv6-only network the server advertises on
// and a dual-stack one.
const ipv6Inventory = `targets: {dhcp: kea}
server: {ip: 10.1.0.1, ip6: "2001:db8:1::1"}
networks:
  - {name: v6, subnet6: "2001:db8:1::/64", pool6: "2001:db8:1::100-2001:db8:1::1ff", dns6: ["2001:db8:1::53"], ra: true, interface: eth1, profile: p}
  - {name: dual, subnet: 10.1.0.0/24, pool: 10.1.0.100-10.1.0.200, subnet6: "2001:db8:2::/64", interface: eth2}
profiles:
  p: {kernel: k}
hosts:
  - {name: a, mac: "00:16:3e:00:00:01", ip6: "2001:db8:1::10"}
  - {name: b, mac: "00:16:3e:00:00:02", ip: 10.1.0.10, ip6: "2001:db8:2::10", profile: p}
`

func TestIPv6(t *testing.T) {
	inv, err := Parse("inventory.yaml", []byte(ipv6Inventory))
	if err != nil {
		t.Fatalf("a valid IPv6 inventory: %v", err)
	}
	if got, want := inv.Server.HTTPURL6, "http://[2001:db8:1::1]/pxe/"; got != want {
		t.Errorf("http_url6 defaults to %q, want %q", got, want)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"no subnet at all", `subnet6: "2001:db8:1::/64", `, "", "networks[0].subnet: required (or subnet6 alone, for an IPv6-only network)"},
		{"no server address", `, ip6: "2001:db8:1::1"}`, "}", "server.ip6: required"},
		{"server link-local", `ip6: "2001:db8:1::1"}`, `ip6: "fe80::1"}`, "server.ip6: \"fe80::1\" is a link-local address"},
		{"server in no subnet6", `ip6: "2001:db8:1::1"}`, `ip6: "2001:db8:9::1"}`, "server.ip6: 2001:db8:9::1 is in no network's subnet6"},
		{"server in the pool", `pool6: "2001:db8:1::100-2001:db8:1::1ff"`, `pool6: "2001:db8:1::1-2001:db8:1::1ff"`, "networks[0].pool6: contains the boot server's address 2001:db8:1::1"},
		{"IPv4 subnet6", `subnet6: "2001:db8:1::/64"`, `subnet6: 10.9.0.0/24`, "networks[0].subnet6: \"10.9.0.0/24\" is not an IPv6 subnet"},
		{"host bits", `subnet6: "2001:db8:1::/64"`, `subnet6: "2001:db8:1::5/64"`, "networks[0].subnet6: \"2001:db8:1::5/64\" has host bits set"},
		{"multicast subnet", `subnet6: "2001:db8:2::/64"`, `subnet6: "ff02::/64"`, "networks[1].subnet6: \"ff02::/64\" starts with a multicast address"},
		{"link-local subnet", `subnet6: "2001:db8:2::/64"`, `subnet6: "fe80::/64"`, "starts with a link-local address"},
		{"overlap", `subnet6: "2001:db8:2::/64"`, `subnet6: "2001:db8:1::/56"`, "networks[1].subnet6: 2001:db8:1::/56 overlaps networks[0]"},
		{"pool outside", `pool6: "2001:db8:1::100-2001:db8:1::1ff"`, `pool6: "2001:db8:1::100-2001:db8:2::1"`, "networks[0].pool6: 2001:db8:1::100-2001:db8:2::1 is outside the subnet6"},
		{"pool reversed", `pool6: "2001:db8:1::100-2001:db8:1::1ff"`, `pool6: "2001:db8:1::1ff-2001:db8:1::100"`, "is out of order"},
		{"IPv4 dns6", `dns6: ["2001:db8:1::53"]`, `dns6: [10.1.0.53]`, "networks[0].dns6[0]: \"10.1.0.53\" is not an IPv6 address"},
		{"ra without interface", `ra: true, interface: eth1,`, `ra: true,`, "networks[0].ra: needs the network's interface"},
		{"gateway on IPv6-only", `ra: true, interface: eth1,`, `ra: true, interface: eth1, gateway: 10.1.0.1,`, "networks[0].gateway: the network is IPv6-only"},
		{"secure boot on IPv6-only", `ra: true, interface: eth1,`, `ra: true, interface: eth1, secure_boot: true,`, "networks[0].secure_boot: the network is IPv6-only"},
		{"host ip6 in the pool", `ip6: "2001:db8:1::10"}`, `ip6: "2001:db8:1::150"}`, "hosts[0].ip6: 2001:db8:1::150 is inside the pool6"},
		{"host ip6 nowhere", `ip6: "2001:db8:1::10"}`, `ip6: "2001:db8:7::10"}`, "hosts[0].ip6: 2001:db8:7::10 is in no network's subnet6"},
		{"host ip6 twice", `ip6: "2001:db8:2::10"`, `ip6: "2001:db8:1::10"`, "hosts[1].ip6: duplicate IPv6 address 2001:db8:1::10"},
		{"host ip6 the server's", `ip6: "2001:db8:1::10"}`, `ip6: "2001:db8:1::1"}`, "hosts[0].ip6: 2001:db8:1::1 is the boot server's address"},
		{"host ip6 anycast", `ip6: "2001:db8:2::10"`, `ip6: "2001:db8:2::"`, "is the subnet-router anycast address"},
		{"http_url6 IPv4-mapped", `server: {ip: 10.1.0.1, `, `server: {ip: 10.1.0.1, http_url6: "http://[::ffff:10.1.0.1]/pxe/", `, "server.http_url6: \"http://[::ffff:10.1.0.1]/pxe/\": \"::ffff:10.1.0.1\" is not an IPv6 address"},
		{"http_url6 comma", `server: {ip: 10.1.0.1, `, `server: {ip: 10.1.0.1, http_url6: "http://[2001:db8:1::1]/a,b/", `, "contains a comma"},
		{"http_url6 not the Alias", `server: {ip: 10.1.0.1, `, `server: {ip: 10.1.0.1, http_url6: "http://[2001:db8:1::1]/other/", `, "server.http_url6: its path /other/ is not http_url's, /pxe/"},
		{"kea without interface", `subnet6: "2001:db8:2::/64", interface: eth2}`, `subnet6: "2001:db8:2::/64"}`, "networks[1].interface: required with Kea"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(ipv6Inventory, tc.from, tc.to, 1)
			if doc == ipv6Inventory {
				t.Fatalf("%q is not in the inventory", tc.from)
			}
			_, err := Parse("inventory.yaml", []byte(doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant an error containing %q", err, tc.want)
			}
		})
	}
}

// A host with a profile of its own must be one its DHCPv6 server can
// tell by MAC when its iPXE asks, or it would boot as an unknown client:
// never under dhcpd -6, under Kea only with a universally administered
// MAC; a host pinned to an IPv4-only network by its ip never asks.
func TestIPv6KnownHosts(t *testing.T) {
	local := strings.Replace(ipv6Inventory, `mac: "00:16:3e:00:00:02"`, `mac: "02:16:3e:00:00:02"`, 1)
	_, err := Parse("inventory.yaml", []byte(local))
	if err == nil || !strings.Contains(err.Error(), "hosts[1].mac: 02:16:3e:00:00:02 is a locally administered MAC") {
		t.Errorf("kea, a locally administered MAC: %v", err)
	}
	if _, err := Parse("inventory.yaml", []byte(local), WithTargets(TargetDnsmasq, "")); err != nil && strings.Contains(err.Error(), "hosts[1].mac") {
		t.Errorf("dnsmasq knows any MAC: %v", err)
	}
	_, err = Parse("inventory.yaml", []byte(ipv6Inventory), WithTargets(TargetDhcpd, ""))
	// Both: b has a profile of its own, a boots its network's (v6's p)
	// through its own script.
	for _, want := range []string{"hosts[1].mac: dhcpd -6 knows a host only by the MAC in its DUID", "hosts[0].mac: dhcpd -6"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("dhcpd, hosts with profiles: %v", err)
		}
	}
	// Pinned to an IPv4-only network: no DHCPv6 for it.
	pinned := strings.Replace(ipv6Inventory, `  - {name: b, mac: "00:16:3e:00:00:02", ip: 10.1.0.10, ip6: "2001:db8:2::10", profile: p}`,
		`  - {name: b, mac: "02:16:3e:00:00:02", ip: 10.3.0.10, profile: p}`, 1)
	pinned = strings.Replace(pinned, "profiles:", "  - {name: four, subnet: 10.3.0.0/24}\nprofiles:", 1)
	pinned = strings.Replace(pinned, `  - {name: a, mac: "00:16:3e:00:00:01", ip6: "2001:db8:1::10"}`, `  - {name: a, mac: "02:16:3e:00:00:01", ip: 10.3.0.11}`, 1)
	for _, dhcp := range []string{TargetKea, TargetDhcpd} {
		if _, err := Parse("inventory.yaml", []byte(pinned), WithTargets(dhcp, "")); err != nil {
			t.Errorf("%s, a host pinned to an IPv4-only network: %v", dhcp, err)
		}
	}
}

// An inventory without any subnet6 refuses the IPv6 keys rather than
// ignore them.
func TestIPv6KeysWithoutSubnet6(t *testing.T) {
	doc := `server: {ip: 10.1.0.1, ip6: "2001:db8:1::1"}
networks:
  - {name: a, subnet: 10.1.0.0/24, pool6: "2001:db8:1::100-2001:db8:1::1ff", ra: true, interface: eth0}
profiles: {p: {kernel: k}}
hosts:
  - {name: h, mac: "52:54:00:00:00:01", ip6: "2001:db8:1::10"}
`
	_, err := Parse("inventory.yaml", []byte(doc))
	for _, want := range []string{"server.ip6: no network has a subnet6", "networks[0].pool6: the network has no subnet6", "networks[0].ra: the network has no subnet6", "networks[0].interface: the network has no subnet6", "hosts[0].ip6: no network has a subnet6"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v\nwant an error containing %q", err, want)
		}
	}
}

// dnsmasq advertises on every IPv6 network or none (enable-ra).
func TestIPv6DnsmasqRA(t *testing.T) {
	doc := strings.Replace(ipv6Inventory, "targets: {dhcp: kea}", "targets: {dhcp: dnsmasq}", 1)
	_, err := Parse("inventory.yaml", []byte(doc))
	if err == nil || !strings.Contains(err.Error(), "networks[1]: dnsmasq sends router advertisements on every IPv6 network or on none") {
		t.Fatalf("got %v", err)
	}
}

// A host that boots its network's profile through its own script is as
// much a known host as one with a profile of its own (red team, finding
// 1); a host's own boot_file and secure_boot, DHCPv4's, are refused where
// it may ask DHCPv6.
func TestIPv6HostsOverIPv6(t *testing.T) {
	doc := `targets: {dhcp: dhcpd}
server: {ip: 10.30.0.1, ip6: "2001:db8:20::1"}
networks:
  - {name: v6lab, subnet6: "2001:db8:20::/64", pool6: "2001:db8:20::1000-2001:db8:20::1fff", ra: true, interface: eth1, profile: debian}
  - {name: lab4, subnet: 10.30.0.0/24, profile: debian}
  - {name: dual, subnet: 10.31.0.0/24, subnet6: "2001:db8:21::/64", profile: debian}
profiles: {debian: {kernel: debian/linux}}
hosts:
  - {name: db01, mac: "00:16:3e:66:00:01", ip: 10.30.0.10, ip6: "2001:db8:20::10"}
  - {name: db02, mac: "00:16:3e:66:00:02", ip: 10.31.0.10}
  - {name: db03, mac: "00:16:3e:66:00:03", ip: 10.30.0.11}
  - {name: wds, mac: "00:16:3e:66:00:04", boot_file: wdsnbp.com}
  - {name: sb, mac: "00:16:3e:66:00:05", secure_boot: true}
  - {name: ok, mac: "00:16:3e:66:00:06", ip: 10.30.0.12, boot_file: wdsnbp.com}
`
	_, err := Parse("inventory.yaml", []byte(doc))
	for _, want := range []string{
		"hosts[0].mac: dhcpd -6 knows a host only by the MAC in its DUID, and iPXE's DUID holds none: over IPv6 this host's iPXE would boot as an unknown client, not profile debian",
		"hosts[1].mac: dhcpd -6", // its ip's network is dual stack
		"hosts[3].boot_file: a host's boot_file is DHCPv4's",
		"hosts[4].secure_boot: a host's own secure_boot is DHCPv4's",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want an error containing %q, got %v", want, err)
		}
	}
	for _, not := range []string{"hosts[2]", "hosts[5]"} { // pinned to lab4, IPv4-only
		if err != nil && strings.Contains(err.Error(), not) {
			t.Errorf("%s is pinned to an IPv4-only network: %v", not, err)
		}
	}
}

// A subnet6 network's interface must be one server.interfaces lets the
// DHCP server answer on; dns6 lists an address once, however spelled;
// sites with IPv6 get the one refusal, not their views' echoes of it.
func TestIPv6Interfaces(t *testing.T) {
	doc := strings.Replace(ipv6Inventory, `server: {ip: 10.1.0.1, `, `server: {interfaces: [eth2], ip: 10.1.0.1, `, 1)
	doc = strings.Replace(doc, `dns6: ["2001:db8:1::53"]`, `dns6: ["2001:db8:1::53", "2001:DB8:1::0053"]`, 1)
	_, err := Parse("inventory.yaml", []byte(doc))
	for _, want := range []string{"networks[0].interface: eth1 is not in server.interfaces", "networks[0].dns6[1]: 2001:db8:1::53 is networks[0].dns6[0] again"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %q, got %v", want, err)
		}
	}
	if err != nil && strings.Contains(err.Error(), "networks[1].interface") {
		t.Errorf("eth2 is in server.interfaces: %v", err)
	}
	sites := `server: {ip6: "2001:db8:1::1"}
sites:
  - {name: a, server: {ip: 10.1.0.1}, networks: [v6]}
networks:
  - {name: v6, subnet: 10.1.0.0/24, subnet6: "2001:db8:1::/64", interface: eth1}
profiles: {p: {kernel: k}}
`
	_, err = Parse("inventory.yaml", []byte(sites))
	if err == nil || !strings.Contains(err.Error(), "sites: IPv6 networks (subnet6) with sites are not supported yet") || strings.Contains(err.Error(), "sites[0].server.ip6") {
		t.Errorf("sites with IPv6: %v", err)
	}
}

// DHCPv4's 128-byte boot file field bounds http_url with the boot script
// of every network DHCPv4 serves, not of an IPv6-only one: DHCPv6's
// option 59 has no such field.
func TestIPv6OnlyBootFileLength(t *testing.T) {
	name := strings.Repeat("n", 60)
	doc := `targets: {dhcp: kea}
server: {ip: 10.1.0.1, ip6: "2001:db8:1::1", http_url: "http://10.1.0.1/` + strings.Repeat("p", 40) + `/"}
networks:
  - {name: ` + name + `, subnet6: "2001:db8:1::/64", interface: eth1}
  - {name: four, subnet: 10.1.0.0/24}
profiles: {p: {kernel: k}}
`
	if _, err := Parse("inventory.yaml", []byte(doc)); err != nil {
		t.Fatalf("an IPv6-only network's long name: %v", err)
	}
	dual := strings.Replace(doc, `subnet6: "2001:db8:1::/64", interface: eth1}`, `subnet: 10.2.0.0/24, subnet6: "2001:db8:1::/64", interface: eth1}`, 1)
	if _, err := Parse("inventory.yaml", []byte(dual)); err == nil || !strings.Contains(err.Error(), "server.http_url: DHCP gives iPXE the boot file") {
		t.Fatalf("a dual-stack network's long name: %v", err)
	}
}
