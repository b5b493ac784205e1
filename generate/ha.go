package generate

import (
	"fmt"

	"github.com/pxegen/pxegen/inventory"
)

// HA is the pair of DHCP servers a render is one of, as the templates
// need it: this server and its partner, and the settings both share.
type HA struct {
	This, Partner inventory.Peer
	// Primary: this server is the pair's first, Kea's primary and dhcpd's
	// primary; the other is Kea's standby (hot-standby) or secondary
	// (load-balancing), and dhcpd's secondary.
	Primary bool
	Mode    string
	// MaxResponseDelay and MCLT are in seconds; Port is Kea's listener.
	MaxResponseDelay, MCLT, Port int
	// DhcpdPort and DhcpdPartnerPort are the failover protocol's ports:
	// 647 on the primary, 847 on the secondary, as ISC's examples have it.
	DhcpdPort, DhcpdPartnerPort int
	// Split is dhcpd's split, on the primary: of the 256 hash buckets a
	// client falls in, how many are the primary's. 256 is every client
	// (hot-standby; 255 would leave the secondary one bucket), 128 half of
	// them (load-balancing). dhcpd.conf(5): legal values are 0 to 256.
	Split int
	// Pools: some network has a pool, so there are leases to share. dhcpd
	// refuses to start with a failover peer no pool names ("has no
	// referring pools"); without pools both peers answer every host entry
	// on their own, and no failover peer is declared.
	Pools bool
}

// DhcpdFailoverPeer is the name dhcpd's failover peer declaration and
// every pool's failover statement share.
const DhcpdFailoverPeer = "pxegen"

// newHA is the pair's template model for the peer inv is loaded for; an
// inventory loaded for neither cannot be rendered.
func newHA(inv *inventory.Inventory) (*HA, error) {
	h := inv.HA
	this, ok := h.This()
	if !ok {
		what := "the inventory"
		if name := inv.SiteName(); name != "" {
			what = "site " + name
		}
		return nil, inventory.ErrorList{{File: inv.Source(), Path: inv.KeyPath("ha"), Msg: fmt.Sprintf(
			"%s is a pair of DHCP servers (%s), whose configurations differ: say which this render is for with --peer NAME", what, h.PeerNames())}}
	}
	ha := &HA{This: this, Partner: h.Partner(), Primary: h.Primary(), Mode: h.Mode,
		MaxResponseDelay: *h.MaxResponseDelay, MCLT: *h.MCLT, Port: *h.Port,
		DhcpdPort: 647, DhcpdPartnerPort: 847, Split: 256}
	for _, n := range inv.Networks {
		if n.Pool != "" {
			ha.Pools = true
		}
	}
	if !ha.Primary {
		ha.DhcpdPort, ha.DhcpdPartnerPort = 847, 647
	}
	if h.Mode == inventory.HALoadBalancing {
		ha.Split = 128
	}
	return ha, nil
}

// KeaRole is this server's role in Kea's HA hook.
func (h *HA) keaRole(primary bool) string {
	switch {
	case primary:
		return "primary"
	case h.Mode == inventory.HALoadBalancing:
		return "secondary"
	}
	return "standby"
}

// inOrder returns the pair's primary, then the other peer, whichever this
// render is for: as both peers' configurations list them.
func (h *HA) inOrder() (primary, other inventory.Peer) {
	if h.Primary {
		return h.This, h.Partner
	}
	return h.Partner, h.This
}
