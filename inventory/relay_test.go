package inventory

import (
	"strings"
	"testing"
)

// relayInventory: the server's own network and one behind a relay.
const relayInventory = `server: {ip: 10.1.0.2}
networks:
  - {name: core, subnet: 10.1.0.0/24}
  - {name: branch, subnet: 10.9.0.0/24, gateway: 10.9.0.1, relay: true, pool: 10.9.0.100-10.9.0.200}
profiles:
  p: {kernel: k}
`

func TestRelays(t *testing.T) {
	if _, err := Parse("inventory.yaml", []byte(relayInventory)); err != nil {
		t.Fatalf("a valid relayed network: %v", err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"no gateway", "gateway: 10.9.0.1, ", "", "inventory.yaml:4:48: networks[1].relay: a relayed network needs its gateway"},
		// The server's own network left out: dhcpd would ignore every
		// relayed request, arriving where it has no subnet declaration.
		{"server's network undeclared", "  - {name: core, subnet: 10.1.0.0/24}\n", "", "networks[0].relay: relays send requests to server.ip 10.1.0.2, which no network holds: declare the network the server is on"},
		{"server behind its own relay", "server: {ip: 10.1.0.2}", "server: {ip: 10.9.0.2}", "networks[1].relay: server.ip 10.9.0.2 is in this network, so the server is on it"},
		{"the server's network relayed", "{name: core, subnet: 10.1.0.0/24}", "{name: core, subnet: 10.1.0.0/24, gateway: 10.1.0.1, relay: true}", "networks[0].relay: server.ip 10.1.0.2 is in this network"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(relayInventory, tc.from, tc.to, 1)
			if doc == relayInventory {
				t.Fatalf("%q is not in the inventory", tc.from)
			}
			_, err := Parse("inventory.yaml", []byte(doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant an error containing %q", err, tc.want)
			}
		})
	}
	// An HA pair: each peer's address must be in a declared network the
	// server is on.
	pair := strings.Replace(relayInventory, "server: {ip: 10.1.0.2}\n", "ha:\n  peers: [{name: a, ip: 10.1.0.2}, {name: b, ip: 10.2.0.3}]\n", 1)
	_, err := Parse("inventory.yaml", []byte(pair))
	if err == nil || !strings.Contains(err.Error(), "relays send requests to ha.peers[1].ip 10.2.0.3, which no network holds") || strings.Contains(err.Error(), "ha.peers[0].ip") {
		t.Fatalf("an HA peer outside every network: %v", err)
	}
}
