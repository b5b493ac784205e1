package inventory

import (
	"strings"
	"testing"
)

// TestHAKeaMaxResponseDelay: Kea's HA hook keeps max-response-delay in
// 16 bits of milliseconds and refuses more than 65535 when it loads
// (kea-dhcp4 -t does not call the hook's load, so verify cannot see it):
// with Kea, at most 65 seconds. dhcpd counts whole seconds, and takes more.
func TestHAKeaMaxResponseDelay(t *testing.T) {
	doc := func(target string, d string) []byte {
		return []byte(strings.NewReplacer("dhcp: kea", "dhcp: "+target, "ha:\n", "ha:\n  max_response_delay: "+d+"\n").Replace(haInventory))
	}
	if _, err := Parse("inventory.yaml", doc("kea", "65"), WithPeer("pxe1")); err != nil {
		t.Errorf("kea, 65 s: %v", err)
	}
	_, err := Parse("inventory.yaml", doc("kea", "66"), WithPeer("pxe1"))
	if err == nil || !strings.Contains(err.Error(), "ha.max_response_delay: 66 seconds: Kea's HA hook takes at most 65") {
		t.Errorf("kea, 66 s: %v", err)
	}
	if _, err := Parse("inventory.yaml", doc("dhcpd", "3600"), WithPeer("pxe1")); err != nil {
		t.Errorf("dhcpd, 3600 s: %v", err)
	}
}

// TestHAPartnerAddress: each render is for one peer, but its DHCP
// configuration holds the pools and host addresses both serve: the
// partner's address in a pool, or given to a host, is as wrong in the
// render for this peer as in the partner's own (and deploying the first
// peer must not succeed where the second's render then fails).
func TestHAPartnerAddress(t *testing.T) {
	for _, tc := range []struct {
		name, from, to, want string
	}{
		{"pool", "pool: 10.1.1.100-10.1.1.200", "pool: 10.1.1.2-10.1.1.200", "networks[0].pool: contains ha.peers[0] pxe1's address 10.1.1.2"},
		{"host", "profiles:", "hosts:\n  - {name: h, mac: \"52:54:00:00:00:01\", ip: 10.1.1.2, profile: p}\nprofiles:", "hosts[0].ip: 10.1.1.2 is ha.peers[0] pxe1's address"},
		{"interface", "profiles:", "hosts:\n  - name: h\n    profile: p\n    interfaces:\n      - {name: eth0, mac: \"52:54:00:00:00:01\"}\n      - {name: eth1, mac: \"52:54:00:00:00:02\", ip: 10.1.1.2}\nprofiles:", "hosts[0].interfaces[1].ip: 10.1.1.2 is ha.peers[0] pxe1's address"},
	} {
		for _, peer := range []string{"pxe1", "pxe2", ""} {
			t.Run(tc.name+"/"+peer, func(t *testing.T) {
				doc := strings.Replace(haInventory, tc.from, tc.to, 1)
				_, err := Parse("inventory.yaml", []byte(doc), WithPeer(peer))
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("got %v\nwant an error containing %q", err, tc.want)
				}
			})
		}
	}
}

// TestHAPortClashesWithHTTP: Kea's HA listener binds its peer's address
// and ha.port; Apache, on the same server, listens on every address at
// port 80 (Debian's ports.conf), 443 with mod_ssl, and its http_url's
// port. Whichever starts second cannot bind.
func TestHAPortClashesWithHTTP(t *testing.T) {
	for _, tc := range []struct{ port, url, want string }{
		{"80", "", "ha.port: 80 is where Apache listens"},
		{"443", "", "ha.port: 443 is where Apache listens"},
		{"8080", "http://boot2.lab.example:8080/pxe/", "ha.port: 8080 is where Apache listens"},
	} {
		doc := strings.Replace(haInventory, "ha:\n", "ha:\n  port: "+tc.port+"\n", 1)
		if tc.url != "" {
			doc = strings.Replace(doc, "http://boot2.lab.example/pxe/", tc.url, 1)
		}
		_, err := Parse("inventory.yaml", []byte(doc), WithPeer("pxe1"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("port %s: got %v\nwant an error containing %q", tc.port, err, tc.want)
		}
	}
	// dhcpd does not use ha.port: nothing to clash.
	doc := strings.NewReplacer("dhcp: kea", "dhcp: dhcpd", "ha:\n", "ha:\n  port: 80\n").Replace(haInventory)
	if _, err := Parse("inventory.yaml", []byte(doc), WithPeer("pxe1")); err != nil {
		t.Errorf("dhcpd with ha.port 80: %v", err)
	}
}

// TestHAServerURLIsTheFiles: with ha, server.http_url is the default of
// a peer that has none; the key is checked as the file writes it, not as
// the peer being rendered replaced it (which blamed server.http_url for
// the peer's own URL, and let a broken server.http_url through whenever
// both peers had one).
func TestHAServerURLIsTheFiles(t *testing.T) {
	doc := strings.Replace(haInventory, "targets:", "server: {http_url: \"gopher://nowhere/\"}\ntargets:", 1)
	_, err := Parse("inventory.yaml", []byte(doc), WithPeer("pxe1"))
	if err == nil || !strings.Contains(err.Error(), `inventory.yaml:1:20: server.http_url: "gopher://nowhere/": scheme must be http or https`) {
		t.Errorf("a broken server.http_url, both peers with their own: %v", err)
	}
	doc = strings.NewReplacer("targets:", "server: {http_url: \"http://boot.lab.example/pxe/\"}\ntargets:", "http://boot1.lab.example/pxe/", "http://boot1.lab.example/pxe").Replace(haInventory)
	_, err = Parse("inventory.yaml", []byte(doc), WithPeer("pxe1"))
	if err == nil || strings.Contains(err.Error(), "server.http_url") || !strings.Contains(err.Error(), "ha.peers[0].http_url") {
		t.Errorf("a broken peer http_url: %v", err)
	}
}
