package inventory

import (
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// HA is a pair of DHCP servers that share the site's leases on their own
// daemons' machinery: Kea's high-availability hook, or ISC dhcpd's
// failover protocol. Both render from one inventory; which of the two a
// render is for is chosen when the inventory is loaded (WithPeer), and is
// the only difference between their DHCP configurations.
type HA struct {
	// Mode is hot-standby (the primary answers every client; the standby
	// takes over when the primary stops answering) or load-balancing (each
	// answers half the clients, and all of them when the other stops).
	Mode string `yaml:"mode"`
	// MaxResponseDelay is how long, in seconds, a peer may stay silent
	// before the other serves its clients as well.
	MaxResponseDelay *int `yaml:"max_response_delay"`
	// MCLT is dhcpd's maximum client lead time, in seconds: how far a
	// lease one server gives may run past what its partner has heard of.
	MCLT *int `yaml:"mclt"`
	// Port is where Kea's hook listens for its partner's HTTP requests;
	// dhcpd's failover peers talk on their own ports (647 and 847).
	Port *int `yaml:"port"`
	// Peers are the two servers, the primary first.
	Peers []Peer `yaml:"peers"`

	// this is the index in Peers of the server being rendered, -1 while
	// none is chosen (WithPeer).
	this int
}

// Peer is one of the two DHCP servers of an HA pair: also a boot server,
// serving the same boot tree, so its address is the next-server of its
// own answers.
type Peer struct {
	Name string `yaml:"name"`
	IP   string `yaml:"ip"`
	// HTTPURL is where this server's Apache serves boot_root; default
	// server.http_url, or http://<ip>/pxe/ when that is not set either.
	HTTPURL string `yaml:"http_url"`
}

// The HA modes.
const (
	HAHotStandby    = "hot-standby"
	HALoadBalancing = "load-balancing"
)

// HAModes lists them, the default first.
var HAModes = []string{HAHotStandby, HALoadBalancing}

// The HA defaults: Kea's own for the delay, dhcpd.conf(5)'s example MCLT,
// and the port ISC's examples give the hook's dedicated listener.
const (
	DefaultHAMaxResponseDelay = 60
	DefaultHAMCLT             = 3600
	DefaultHAPort             = 8005
)

// WithPeer renders the inventory for the named server of its HA pair, as
// `--peer NAME` does: that server's address becomes server.ip. An empty
// name keeps the inventory as it is.
func WithPeer(name string) Option {
	return func(inv *Inventory) { inv.peer = name }
}

// This returns the server of the pair being rendered, and whether one is
// chosen.
func (h *HA) This() (Peer, bool) {
	if h == nil || h.this < 0 || h.this >= len(h.Peers) {
		return Peer{}, false
	}
	return h.Peers[h.this], true
}

// Partner returns the other server of the pair.
func (h *HA) Partner() Peer {
	return h.Peers[1-h.this]
}

// Primary reports whether the server being rendered is the first peer:
// Kea's primary, dhcpd's primary.
func (h *HA) Primary() bool { return h.this == 0 }

// PeerNames lists the peers' names, for messages.
func (h *HA) PeerNames() string {
	var names []string
	for _, p := range h.Peers {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

// MaxKeaHAMaxResponseDelay is the longest ha.max_response_delay Kea
// takes, in seconds: its HA hook holds the milliseconds in 16 bits.
const MaxKeaHAMaxResponseDelay = 65535 / 1000

// apachePorts are the TCP ports Apache listens on, on every address, on
// either peer: Debian's ports.conf's 80, and 443 with mod_ssl, and each
// peer's http_url's port, where pxegen's own file adds a Listen.
func (inv *Inventory) apachePorts() map[int]string {
	ports := map[int]string{80: "Debian's ports.conf", 443: "Debian's ports.conf, with mod_ssl"}
	urls := []string{inv.fileHTTPURL}
	for _, p := range inv.HA.Peers {
		urls = append(urls, p.HTTPURL)
	}
	for _, u := range urls {
		parsed, err := url.Parse(u)
		if u == "" || err != nil || parsed.Port() == "" {
			continue
		}
		if port, err := strconv.Atoi(parsed.Port()); err == nil && ports[port] == "" {
			ports[port] = "for " + u
		}
	}
	return ports
}

// applyHADefaults chooses the peer being rendered and gives server.ip and
// server.http_url its values; with none chosen, the first peer's, so that
// the rest validates as for one server (generate refuses to render).
func (inv *Inventory) applyHADefaults() {
	h := inv.HA
	if h == nil {
		return
	}
	setDefault(&h.Mode, HAHotStandby)
	for _, d := range []struct {
		p   **int
		def int
	}{{&h.MaxResponseDelay, DefaultHAMaxResponseDelay}, {&h.MCLT, DefaultHAMCLT}, {&h.Port, DefaultHAPort}} {
		if *d.p == nil {
			v := d.def
			*d.p = &v
		}
	}
	h.this = -1
	for i, p := range h.Peers {
		if p.Name == inv.peer && inv.peer != "" {
			h.this = i
		}
	}
	chosen := h.this
	if chosen < 0 {
		chosen = 0
	}
	if inv.Server.IP != "" || chosen >= len(h.Peers) {
		return // refused by validation
	}
	p := h.Peers[chosen]
	inv.serverFromPeer = true
	inv.Server.IP = p.IP
	if p.HTTPURL != "" {
		inv.Server.HTTPURL = p.HTTPURL
	}
}

// ha validates the HA pair. With one, server.ip must be left out: each
// peer's address is its own server address.
func (v *validator) ha() {
	inv := v.inv
	h := inv.HA
	if h == nil {
		switch {
		case inv.peer == "" || inv.NeedsSite():
		case inv.view != nil:
			v.errf("", "--peer %s: site %s has no ha section, so no peers to choose from", inv.peer, inv.SiteName())
		default:
			v.errf("", "--peer %s: the inventory has no ha section, so no peers to choose from", inv.peer)
		}
		return
	}
	if !contains(HAModes, h.Mode) {
		v.errf("ha.mode", "%q: want one of %s", h.Mode, strings.Join(HAModes, ", "))
	}
	if inv.Targets.DHCP == TargetDnsmasq {
		v.targetErrf(TargetDnsmasq, "ha", "dnsmasq has no failover or lease sharing between servers: for a pair of DHCP servers, use targets.dhcp kea (its HA hook) or dhcpd (its failover protocol)")
	}
	if inv.serverIPGiven && inv.view == nil { // a site's: sites() says
		v.errf("server.ip", "with ha, each peer's ip is its own server address: leave server.ip out")
	}
	if d := *h.MaxResponseDelay; d < 2 || d > 3600 {
		v.errf("ha.max_response_delay", "%d seconds: want 2 to 3600", d)
	} else if d > MaxKeaHAMaxResponseDelay && inv.Targets.DHCP == TargetKea {
		v.targetErrf(TargetKea, "ha.max_response_delay", "%d seconds: Kea's HA hook takes at most %d (it keeps max-response-delay in 16 bits of milliseconds, and refuses more when it loads, which kea-dhcp4 -t does not try)", d, MaxKeaHAMaxResponseDelay)
	}
	if m := *h.MCLT; m < 1 || m > 86400 {
		v.errf("ha.mclt", "%d seconds: want 1 to 86400", m)
	}
	if p := *h.Port; p < 1 || p > 65535 {
		v.errf("ha.port", "%d: want a TCP port, 1 to 65535", p)
	} else if p == 647 || p == 847 {
		v.errf("ha.port", "%d is a port of dhcpd's failover protocol: choose another for Kea's", p)
	} else if where := inv.apachePorts()[p]; where != "" && inv.Targets.DHCP == TargetKea {
		v.targetErrf(TargetKea, "ha.port", "%d is where Apache listens on each peer (%s), so Kea's HA listener, on the peer's address, could not bind it: choose another", p, where)
	}
	if len(h.Peers) != 2 {
		v.errf("ha.peers", "%d peers: an HA pair is two servers, the primary first", len(h.Peers))
	}
	names, ips := map[string]int{}, map[netip.Addr]int{}
	for i, p := range h.Peers {
		at := fmt.Sprintf("ha.peers[%d]", i)
		if msg := checkHostName(p.Name); msg != "" {
			v.check(at+".name", msg)
		} else if j, dup := names[p.Name]; dup {
			v.errf(at+".name", "%q is also %s", p.Name, v.path("ha.peers[%d]", j))
		} else {
			names[p.Name] = i
		}
		if ip, err := ParseIPv4(p.IP); err != nil {
			v.errf(at+".ip", "%v", err)
		} else if j, dup := ips[ip]; dup {
			v.errf(at+".ip", "%s is also %s's", p.IP, v.path("ha.peers[%d]", j))
		} else {
			ips[ip] = i
		}
		if p.HTTPURL != "" {
			v.check(at+".http_url", checkURL(p.HTTPURL, true))
		}
	}
	if h.Mode == HALoadBalancing && inv.Targets.DHCP == TargetKea {
		// Kea's peers allocate from halves of each pool; dhcpd's share
		// one pool by its failover protocol.
		for i, n := range inv.Networks {
			if first, last, err := ParsePool(n.Pool); err == nil && first == last {
				v.targetErrf(TargetKea, fmt.Sprintf("networks[%d].pool", i), "one address: under ha load-balancing Kea's peers each allocate from half of each pool, so it needs two at least")
			}
		}
	}
	if inv.peer != "" && h.this < 0 {
		v.errf("ha.peers", "--peer %s: not a peer here; the peers are %s", inv.peer, h.PeerNames())
	}
}
