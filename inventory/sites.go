package inventory

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Site is one boot server (or HA pair) of an inventory that has several:
// its own server, and the networks it serves. Hosts belong to the site of
// the network their address is in; a host with no address may boot at
// any site, so every site has it. Profiles and the menu are shared.
type Site struct {
	Name string `yaml:"name"`
	// Server is this site's boot server; its domain, interfaces and
	// http_url, when left out, are the top-level server's.
	Server SiteServer `yaml:"server"`
	// HA makes the site a pair of DHCP servers, instead of server.ip.
	HA *HA `yaml:"ha"`
	// Networks names the networks this site's server serves; each network
	// is one site's.
	Networks StringList `yaml:"networks"`
}

// SiteServer is a site's boot server: Server without its IPv6 side,
// which sites do not support yet.
type SiteServer struct {
	IP         string     `yaml:"ip"`
	HTTPURL    string     `yaml:"http_url"`
	Domain     string     `yaml:"domain"`
	Interfaces StringList `yaml:"interfaces"`
}

// MaxSites bounds sites.
const MaxSites = 256

// WithSite renders the inventory for the named site, as `--site NAME`
// does: its server, its networks and their hosts. An empty name keeps
// the whole inventory (which renders only without sites).
func WithSite(name string) Option {
	return func(inv *Inventory) { inv.site = name }
}

// siteView records how a site's inventory came from the whole one: the
// index in the whole of each of its networks and hosts, so that a key
// path of the view names its line in the file.
type siteView struct {
	site     int
	networks []int
	hosts    []int
	// inherited are the server keys (domain, http_url, interfaces) the
	// site takes from the top-level server: the file says them there.
	inherited map[string]bool
	// whole is the inventory the view is of, for what the view's
	// messages say about the other sites.
	whole *Inventory
}

// OtherSiteNetwork finds, in a site's view, the network of another site
// that holds a: its name and its site's; ok is false without sites, or
// when no other site's network holds a.
func (inv *Inventory) OtherSiteNetwork(a netip.Addr) (network, site string, ok bool) {
	if inv.view == nil {
		return "", "", false
	}
	whole := inv.view.whole
	for _, n := range whole.Networks {
		p, err := ParseSubnet(n.Subnet)
		if err != nil || !p.Contains(a) {
			continue
		}
		for i, s := range whole.Sites {
			if i != inv.view.site && slices.Contains(s.Networks, n.Name) {
				return n.Name, s.Name, true
			}
		}
	}
	return "", "", false
}

// OtherSiteHost finds, in a site's view, the host of another site with
// the MAC: its name and its site's.
func (inv *Inventory) OtherSiteHost(mac string) (host, site string, ok bool) {
	if inv.view == nil {
		return "", "", false
	}
	whole := inv.view.whole
	for i, h := range whole.Hosts {
		if slices.Contains(inv.view.hosts, i) {
			continue
		}
		for _, nic := range h.NICs(i) {
			m, err := ParseMAC(nic.MAC)
			if err != nil || m.String() != mac || !nic.Provisions() {
				continue
			}
			for _, a := range h.NICs(i) {
				if ip, err := ParseIPv4(a.IP); err == nil && a.Provisions() {
					if _, site, ok := inv.OtherSiteNetwork(ip); ok {
						return h.Name, site, true
					}
				}
			}
		}
	}
	return "", "", false
}

// SiteName is the site the inventory was loaded for, or "".
func (inv *Inventory) SiteName() string {
	if inv.view == nil {
		return ""
	}
	return inv.Sites[inv.view.site].Name
}

// SiteInventory is the inventory of the whole's site i, as --site loads
// it (without its HA peer chosen).
func (inv *Inventory) SiteInventory(i int) *Inventory { return inv.siteView(i) }

// NeedsSite reports whether the inventory has sites but none is chosen:
// it validates, but cannot be rendered.
func (inv *Inventory) NeedsSite() bool { return len(inv.Sites) > 0 && inv.view == nil }

// KeyPath is the key path in the file of a key path of the inventory:
// in a site's view, its networks and hosts renumbered and its server and
// ha the site's.
func (inv *Inventory) KeyPath(p string) string { return inv.origPath(p) }

var viewIndex = regexp.MustCompile(`^(networks|hosts)\[(\d+)\]`)

// origPath is the key path in the file of a key path of a site's view:
// its networks and hosts renumbered, its server and ha the site's.
func (inv *Inventory) origPath(p string) string {
	v := inv.view
	if v == nil {
		return p
	}
	if m := viewIndex.FindStringSubmatch(p); m != nil {
		i, _ := strconv.Atoi(m[2])
		list := v.networks
		if m[1] == "hosts" {
			list = v.hosts
		}
		if i < len(list) {
			return fmt.Sprintf("%s[%d]%s", m[1], list[i], p[len(m[0]):])
		}
	}
	if key, ok := strings.CutPrefix(p, "server."); ok {
		if i := strings.IndexAny(key, ".["); i >= 0 {
			key = key[:i]
		}
		if v.inherited[key] {
			return p // the top-level server's, which the site shares
		}
	}
	for _, key := range []string{"server", "ha"} {
		if p == key || strings.HasPrefix(p, key+".") || strings.HasPrefix(p, key+"[") {
			return fmt.Sprintf("sites[%d].%s", v.site, p)
		}
	}
	return p
}

// view returns the inventory of site i: a copy whose server and HA pair
// are the site's, with its networks and the hosts that belong to it, and
// defaults applied. It shares the whole's document, for positions.
func (inv *Inventory) siteView(i int) *Inventory {
	s := inv.Sites[i]
	view := *inv
	view.index = nil
	view.view = &siteView{site: i, whole: inv}
	if s.Name != inv.site {
		view.peer = "" // --peer names a server of the site being rendered
	}
	// What the site leaves out of its server it shares with the
	// top-level one: domain, interfaces and http_url.
	server := Server{IP: s.Server.IP, HTTPURL: s.Server.HTTPURL, Domain: s.Server.Domain, Interfaces: s.Server.Interfaces}
	view.view.inherited = map[string]bool{}
	if server.Domain == "" && inv.Server.Domain != "" {
		server.Domain = inv.Server.Domain
		view.view.inherited["domain"] = true
	}
	if server.Interfaces == nil && inv.Server.Interfaces != nil {
		server.Interfaces = inv.Server.Interfaces
		view.view.inherited["interfaces"] = true
	}
	if server.HTTPURL == "" && inv.fileHTTPURL != "" {
		server.HTTPURL = inv.fileHTTPURL
		view.view.inherited["http_url"] = true
	}
	view.Server = server
	// The view's http_url as the file gives it is the site's (or the one
	// it shares): that is what its files carry, and what is checked.
	view.fileHTTPURL = server.HTTPURL
	view.serverIPGiven, view.serverURLGiven, view.serverFromPeer = server.IP != "", server.HTTPURL != "", false
	view.HA = nil
	if s.HA != nil {
		ha := *s.HA
		view.HA = &ha
	}
	nets := map[string]bool{}
	for _, name := range s.Networks {
		nets[name] = true
	}
	var subnets []netip.Prefix
	view.Networks = nil
	for j, n := range inv.Networks {
		if nets[n.Name] {
			view.Networks = append(view.Networks, n)
			view.view.networks = append(view.view.networks, j)
			if p, err := ParseSubnet(n.Subnet); err == nil {
				subnets = append(subnets, p)
			}
		}
	}
	view.Hosts = nil
	for j, h := range inv.Hosts {
		if sites := hostSites(h, j, subnets); sites != hostElsewhere {
			view.Hosts = append(view.Hosts, h)
			view.view.hosts = append(view.view.hosts, j)
		}
	}
	view.applyHADefaults()
	if view.Server.HTTPURL == "" && view.Server.IP != "" {
		view.Server.HTTPURL = "http://" + view.Server.IP + "/pxe/"
	}
	return &view
}

// Where a host is, against one site's subnets.
const (
	hostHere      = iota // an address of it is in one of them
	hostAnywhere         // it has no address: it may boot at any site
	hostElsewhere        // its addresses are all in other networks
)

func hostSites(h Host, i int, subnets []netip.Prefix) int {
	where := hostAnywhere
	for _, nic := range h.NICs(i) {
		if nic.IP == "" || !nic.Provisions() {
			continue
		}
		where = hostElsewhere
		a, err := ParseIPv4(nic.IP)
		if err != nil {
			continue
		}
		for _, p := range subnets {
			if p.Contains(a) {
				return hostHere
			}
		}
	}
	return where
}

// sites checks the sites of the whole inventory; each site's own server,
// HA pair and relays are checked in its view (validateSites).
func (v *validator) sites() {
	inv := v.inv
	if inv.view != nil {
		return // checked in the whole
	}
	if len(inv.Sites) == 0 {
		if inv.site != "" {
			v.errf("", "--site %s: the inventory has no sites to choose from", inv.site)
		}
		return
	}
	if len(inv.Sites) > MaxSites {
		v.errf("sites", "%d sites; at most %d", len(inv.Sites), MaxSites)
		return
	}
	if inv.serverIPGiven {
		v.errf("server.ip", "with sites, each site has its server: leave server.ip out, and give sites[].server.ip")
	}
	if inv.HA != nil {
		v.errf("ha", "with sites, an HA pair is a site's: give it as sites[].ha")
	}
	networks := map[string]int{}
	for i, n := range inv.Networks {
		networks[n.Name] = i
	}
	names := map[string]int{}
	owner := map[string]int{} // network name -> site
	found := inv.site == ""
	for i, s := range inv.Sites {
		at := fmt.Sprintf("sites[%d]", i)
		v.uniqueName(names, "sites", i, "site", s.Name)
		found = found || s.Name == inv.site
		switch {
		case s.HA == nil && s.Server.IP == "":
			v.errf(at+".server.ip", "required: the site's boot server's IPv4 address (or an HA pair, sites[%d].ha)", i)
		case s.HA != nil && s.Server.IP != "":
			v.errf(at+".server.ip", "with ha, each peer's ip is its own server address: leave the site's server.ip out")
		}
		if len(s.Networks) == 0 {
			v.errf(at+".networks", "required: the names of the networks this site's server serves")
		}
		for j, name := range s.Networks {
			key := fmt.Sprintf("%s.networks[%d]", at, j)
			if _, ok := networks[name]; !ok {
				v.errf(key, "unknown network %q", name)
			} else if k, dup := owner[name]; dup {
				v.errf(key, "network %q is also %s's: a network is one site's", name, inv.Sites[k].Name)
			} else {
				owner[name] = i
			}
		}
	}
	if inv.site == "" && inv.peer != "" {
		v.errf("sites", "--peer %s: a peer is one of a site's pair: give --site too", inv.peer)
	}
	if !found {
		var all []string
		for _, s := range inv.Sites {
			all = append(all, s.Name)
		}
		v.errf("sites", "--site %s: not a site here; the sites are %s", inv.site, strings.Join(all, ", "))
	}
	for i, n := range inv.Networks {
		if _, ok := owner[n.Name]; !ok && n.Name != "" {
			v.errf(fmt.Sprintf("networks[%d].name", i), "network %q is no site's: list it in the networks of the site whose server serves it", n.Name)
		}
	}
	// A host is one site's: all its addresses in that site's networks.
	subnets := make([][]netip.Prefix, len(inv.Sites))
	for _, n := range inv.Networks {
		if s, ok := owner[n.Name]; ok {
			if p, err := ParseSubnet(n.Subnet); err == nil {
				subnets[s] = append(subnets[s], p)
			}
		}
	}
	for i, h := range inv.Hosts {
		var in []string
		for s := range inv.Sites {
			if hostSites(h, i, subnets[s]) == hostHere {
				in = append(in, inv.Sites[s].Name)
			}
		}
		if len(in) > 1 {
			v.errf(fmt.Sprintf("hosts[%d]", i), "its addresses are in networks of sites %s: a host is one site's", strings.Join(in, " and "))
		}
	}
	v.otherSitesServers(owner, subnets)
}

// siteServer is the address of one site's boot server, or of one peer of
// its pair, and the key path that gives it.
type siteServer struct {
	site int
	key  string
	ip   netip.Addr
}

// otherSitesServers checks each site's server addresses against the rest
// of the inventory: each site's view checks its own pools and hosts, but
// a server on another site's network (a branch's server on the head
// office's LAN) must be kept out of that site's pools and hosts too, and
// no two sites can be one server.
func (v *validator) otherSitesServers(owner map[string]int, subnets [][]netip.Prefix) {
	inv := v.inv
	var servers []siteServer
	for i, s := range inv.Sites {
		add := func(key, ip string) {
			if a, err := ParseIPv4(ip); err == nil {
				servers = append(servers, siteServer{i, key, a})
			}
		}
		if s.HA != nil {
			for j, p := range s.HA.Peers {
				add(fmt.Sprintf("sites[%d].ha.peers[%d].ip", i, j), p.IP)
			}
		} else {
			add(fmt.Sprintf("sites[%d].server.ip", i), s.Server.IP)
		}
	}
	what := func(s siteServer) string {
		return fmt.Sprintf("%s %s, site %s's boot server's address", s.key, s.ip, inv.Sites[s.site].Name)
	}
	first := map[netip.Addr]siteServer{}
	for _, s := range servers {
		if f, dup := first[s.ip]; dup && f.site != s.site {
			v.errf(s.key, "%s is also %s: each site is its own boot server", s.ip, v.where(f.key))
		} else if !dup {
			first[s.ip] = s
		}
	}
	for i, n := range inv.Networks {
		k, ok := owner[n.Name]
		if !ok {
			continue
		}
		lo, hi, err := ParsePool(n.Pool)
		if err != nil {
			continue
		}
		for _, s := range servers {
			if s.site != k && inPool(s.ip, lo, hi) {
				v.errf(fmt.Sprintf("networks[%d].pool", i), "contains %s: site %s's DHCP server would lease it", what(s), inv.Sites[k].Name)
			}
		}
	}
	for i, h := range inv.Hosts {
		for _, nic := range h.NICs(i) {
			a, err := ParseIPv4(nic.IP)
			if err != nil {
				continue
			}
			for _, s := range servers {
				// The site's own server is its view's to report.
				own := slices.ContainsFunc(subnets[s.site], func(p netip.Prefix) bool { return p.Contains(a) })
				if s.ip == a && !own {
					v.errf(nic.Key+".ip", "%s is %s, site %s's boot server's address", a, s.key, inv.Sites[s.site].Name)
				}
			}
		}
	}
}

// validateSites checks each site's view: its server, its HA pair, its
// relays and what depends on its server's address. A problem the whole
// inventory's check already reported is not repeated.
func (inv *Inventory) validateSites(errs ErrorList) ErrorList {
	// A problem is its key path and its message: the view's messages name
	// the file's key paths as the whole's do, so the same problem reads
	// the same, and two problems at one key path are both kept.
	seen := map[[2]string]bool{}
	for _, e := range errs {
		seen[[2]string{e.Path, e.Msg}] = true
	}
	for i := range inv.Sites {
		for _, e := range inv.siteView(i).validate() {
			if k := [2]string{e.Path, e.Msg}; !seen[k] {
				seen[k] = true
				errs = append(errs, e)
			}
		}
	}
	sort.SliceStable(errs, func(a, b int) bool {
		return errs[a].Pos.Line < errs[b].Pos.Line || errs[a].Pos.Line == errs[b].Pos.Line && errs[a].Pos.Col < errs[b].Pos.Col
	})
	return errs
}
