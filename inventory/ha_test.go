package inventory

import (
	"errors"
	"strings"
	"testing"
)

// haInventory is a valid HA pair; tests break one thing at a time.
const haInventory = `targets: {dhcp: kea}
ha:
  mode: hot-standby
  peers:
    - {name: pxe1, ip: 10.1.1.2, http_url: "http://boot1.lab.example/pxe/"}
    - {name: pxe2, ip: 10.1.1.3, http_url: "http://boot2.lab.example/pxe/"}
networks:
  - {name: lab, subnet: 10.1.1.0/24, pool: 10.1.1.100-10.1.1.200}
profiles:
  p: {kernel: k}
`

func TestHAPeerIsTheServer(t *testing.T) {
	for _, tc := range []struct {
		peer, ip, url string
		primary       bool
	}{
		{"pxe1", "10.1.1.2", "http://boot1.lab.example/pxe/", true},
		{"pxe2", "10.1.1.3", "http://boot2.lab.example/pxe/", false},
	} {
		inv, err := Parse("inventory.yaml", []byte(haInventory), WithPeer(tc.peer))
		if err != nil {
			t.Fatalf("--peer %s: %v", tc.peer, err)
		}
		this, ok := inv.HA.This()
		if !ok || this.Name != tc.peer || inv.HA.Primary() != tc.primary {
			t.Errorf("--peer %s: This() = %v, %v; Primary() = %v", tc.peer, this, ok, inv.HA.Primary())
		}
		if inv.Server.IP != tc.ip || inv.Server.HTTPURL != tc.url {
			t.Errorf("--peer %s: server %s %s, want %s %s", tc.peer, inv.Server.IP, inv.Server.HTTPURL, tc.ip, tc.url)
		}
		if p := inv.HA.Partner(); p.Name == tc.peer {
			t.Errorf("--peer %s: its partner is itself", tc.peer)
		}
		if inv.HA.Mode != HAHotStandby || *inv.HA.MaxResponseDelay != DefaultHAMaxResponseDelay || *inv.HA.MCLT != DefaultHAMCLT || *inv.HA.Port != DefaultHAPort {
			t.Errorf("--peer %s: defaults %+v", tc.peer, inv.HA)
		}
	}
	// A peer without an http_url of its own serves at its address.
	inv, err := Parse("inventory.yaml", []byte(strings.Replace(haInventory, `, http_url: "http://boot1.lab.example/pxe/"`, "", 1)), WithPeer("pxe1"))
	if err != nil || inv.Server.HTTPURL != "http://10.1.1.2/pxe/" {
		t.Errorf("pxe1 without http_url: %v, %v", inv, err)
	}
	// Without --peer the inventory is checked (pxegen check), but no
	// server is chosen: generate refuses to render it.
	inv, err = Parse("inventory.yaml", []byte(haInventory))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := inv.HA.This(); ok {
		t.Error("a peer is chosen without --peer")
	}
}

func TestHARefusals(t *testing.T) {
	for _, tc := range []struct {
		name, from, to, peer, want string
	}{
		{"server ip", "targets:", "server: {ip: 10.1.1.2}\ntargets:", "pxe1", "inventory.yaml:1:14: server.ip: with ha, each peer's ip is its own server address"},
		{"dnsmasq", "dhcp: kea", "dhcp: dnsmasq", "pxe1", "ha: dnsmasq has no failover"},
		{"one peer", "    - {name: pxe2, ip: 10.1.1.3, http_url: \"http://boot2.lab.example/pxe/\"}\n", "", "pxe1", "ha.peers: 1 peers: an HA pair is two servers"},
		{"same name", "name: pxe2", "name: pxe1", "", "ha.peers[1].name: \"pxe1\" is also ha.peers[0]"},
		{"same ip", "ip: 10.1.1.3", "ip: 10.1.1.2", "", "ha.peers[1].ip: 10.1.1.2 is also ha.peers[0]'s"},
		{"bad ip", "ip: 10.1.1.3", "ip: 10.1.1.300", "pxe2", "ha.peers[1].ip:"},
		{"bad name", "name: pxe2", "name: \"pxe 2\"", "", "ha.peers[1].name: \"pxe 2\" is not an RFC 1123 label"},
		{"bad url", "http://boot2.lab.example/pxe/", "http://boot2.lab.example/pxe", "", "ha.peers[1].http_url:"},
		{"mode", "mode: hot-standby", "mode: active-active", "", "ha.mode: \"active-active\": want one of hot-standby, load-balancing"},
		{"port", "ha:\n", "ha:\n  port: 647\n", "", "ha.port: 647 is a port of dhcpd's failover protocol"},
		{"delay", "ha:\n", "ha:\n  max_response_delay: 1\n", "", "ha.max_response_delay: 1 seconds: want 2 to 3600"},
		{"mclt", "ha:\n", "ha:\n  mclt: 0\n", "", "ha.mclt: 0 seconds: want 1 to 86400"},
		{"unknown peer", "", "", "pxe3", "--peer pxe3: not a peer here; the peers are pxe1, pxe2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(haInventory, tc.from, tc.to, 1)
			if doc == haInventory && tc.from != "" {
				t.Fatalf("%q is not in the inventory", tc.from)
			}
			_, err := Parse("inventory.yaml", []byte(doc), WithPeer(tc.peer))
			var list ErrorList
			if !errors.As(err, &list) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant an error containing %q", err, tc.want)
			}
		})
	}
	// Load-balancing halves each pool between the peers.
	lb := strings.NewReplacer("mode: hot-standby", "mode: load-balancing", "10.1.1.100-10.1.1.200", "10.1.1.100-10.1.1.100").Replace(haInventory)
	if _, err := Parse("inventory.yaml", []byte(lb)); err == nil || !strings.Contains(err.Error(), "networks[0].pool: one address: under ha load-balancing") {
		t.Errorf("a one-address pool under load-balancing: %v", err)
	}
	if _, err := Parse("inventory.yaml", []byte(strings.Replace(lb, "10.1.1.100-10.1.1.100", "10.1.1.100-10.1.1.101", 1))); err != nil {
		t.Errorf("a two-address pool under load-balancing: %v", err)
	}
	// dhcpd's peers share one pool by their protocol: one address will do.
	if _, err := Parse("inventory.yaml", []byte(strings.Replace(lb, "dhcp: kea", "dhcp: dhcpd", 1))); err != nil {
		t.Errorf("a one-address pool under dhcpd load-balancing: %v", err)
	}
	// A peer chosen for an inventory with no pair is a mistake of the
	// command line, said as such.
	_, err := Parse("inventory.yaml", []byte("server: {ip: 10.1.1.2}\nnetworks: [{name: lab, subnet: 10.1.1.0/24}]\nprofiles: {p: {kernel: k}}\n"), WithPeer("pxe1"))
	if err == nil || !strings.Contains(err.Error(), "--peer pxe1: the inventory has no ha section") {
		t.Fatalf("--peer without ha: %v", err)
	}
}
