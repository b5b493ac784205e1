package generate

import (
	"github.com/pxegen/pxegen/inventory"
)

// Relay is what the network team configures on the router of one relayed
// network: the relay agent there, and the DHCP servers it forwards each
// request to (Cisco's ip helper-address, dhcrelay's servers).
type Relay struct {
	Site    string   `json:"site,omitempty"` // with sites, whose server it forwards to
	Network string   `json:"network"`
	Subnet  string   `json:"subnet"`
	Agent   string   `json:"agent"`   // the network's gateway: the relay's address there (giaddr)
	Servers []string `json:"servers"` // server.ip, or both peers' addresses of an HA pair
}

// Relays lists the relayed networks of a valid inventory, in its order.
// They are the same for both servers of an HA pair.
func Relays(inv *inventory.Inventory) []Relay {
	var relays []Relay
	if inv.NeedsSite() {
		for i, s := range inv.Sites {
			for _, r := range Relays(inv.SiteInventory(i)) {
				r.Site = s.Name
				relays = append(relays, r)
			}
		}
		return relays
	}
	for _, n := range inv.Networks {
		if n.Relay {
			subnet, _ := inventory.ParseSubnet(n.Subnet)
			relays = append(relays, Relay{Network: n.Name, Subnet: subnet.String(), Agent: n.Gateway, Servers: inv.DHCPServers()})
		}
	}
	return relays
}

// relayedBy is the network's comment's note of its relay.
func relayedBy(n *Network) string {
	if !n.Relay {
		return ""
	}
	return ", reached through the relay at " + n.Gateway
}
