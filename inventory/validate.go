package inventory

import (
	"fmt"
	"net/netip"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/pxegen/pxegen/internal/filetree"
)

// Limits that keep a mistaken inventory from exhausting the machine.
const (
	MaxHosts       = 200000
	MaxNetworks    = 4096
	MaxProfiles    = 4096
	MaxMenuTimeout = 36000 // one hour, in tenths of a second
	// MaxLeaseTime is the longest lease_time, in seconds: every DHCP server
	// keeps it in 32 bits (Kea unsigned, and wraps above 2^32-1; dhcpd adds
	// it to the time), so 2^31-1, about 68 years.
	MaxLeaseTime = 1<<31 - 1
)

// The longest value each field may hold, checked before any other rule
// reads it: a value is repeated in many files (a kernel path in every
// host's), and messages quote values.
const (
	// MaxNameLen bounds names (host, network, profile; 63 is an RFC 1123
	// label) and the values with a fixed form: addresses, subnets, pools,
	// MACs, interfaces, targets, boot.
	MaxNameLen = 63
	// MaxDomainLen is the longest DNS domain name.
	MaxDomainLen = 253
	// MaxTextLen bounds menu text: labels and the menu title.
	MaxTextLen = 80
	// MaxPathLen bounds paths and URLs: paths:, bootloaders:, http_url,
	// kernels and initrds.
	MaxPathLen = 1024
	// MaxSocketPathLen is what a UNIX socket's address holds (sun_path,
	// less its NUL).
	MaxSocketPathLen = 107
	// MaxInitrds bounds a profile's initrds.
	MaxInitrds = 32
	// MaxDNSServers bounds a network's dns list.
	MaxDNSServers = 8
	// MaxHAPeers bounds ha.peers, which must hold two: more is refused
	// before anything is checked peer by peer.
	MaxHAPeers = 8
	// MaxInterfaces bounds server.interfaces.
	MaxInterfaces = MaxNetworks
	// MaxHostInterfaces bounds a host's interfaces: a server with every
	// port of four quad-port cards and its onboard ones listed.
	MaxHostInterfaces = 32
	// MaxArches bounds a network's arches; MaxArchLoaders bootloaders.arch.
	MaxArches      = 8
	MaxArchLoaders = 64
	// MaxClientIDLen bounds a client_id: 255 octets (option 61's most),
	// written as hex pairs with colons between them.
	MaxClientIDLen = 3*255 - 1
)

// validator collects every problem with its position.
type validator struct {
	inv     *Inventory
	names   []string        // every profile, in file order (ProfileNames)
	inherit inheritance     // set by profiles
	long    map[string]bool // key paths of values over their length limit
	errs    ErrorList
}

// resolved is the named profile with inheritance applied, as
// ResolvedProfile returns it.
func (v *validator) resolved(name string) Profile {
	r := v.inherit.resolved[name]
	setDefault(&r.Label, name)
	setDefault(&r.Kind, KindLinux)
	return r
}

// errf records a problem at the value of the key path p, or at its nearest
// recorded ancestor (a defaulted key has no position of its own).
func (v *validator) errf(p string, format string, args ...any) {
	if v.skip(p) {
		return
	}
	v.errs = append(v.errs, &Error{File: v.inv.file, Pos: v.inv.posOf(p), Path: v.inv.origPath(p), Msg: fmt.Sprintf(format, args...)})
}

// targetErrf is errf for what only target cannot do (see Error.Target).
func (v *validator) targetErrf(target, p string, format string, args ...any) {
	if v.skip(p) {
		return
	}
	v.errs = append(v.errs, &Error{File: v.inv.file, Pos: v.inv.posOf(p), Path: v.inv.origPath(p), Msg: fmt.Sprintf(format, args...), Target: target})
}

// check records msg at p unless it is empty, the convention of the check*
// helpers.
func (v *validator) check(p, msg string) {
	if msg != "" && !v.skip(p) {
		v.errs = append(v.errs, &Error{File: v.inv.file, Pos: v.inv.posOf(p), Path: v.inv.origPath(p), Msg: msg})
	}
}

func (inv *Inventory) posOf(p string) Pos {
	p = inv.origPath(p)
	pos := inv.nodes().pos
	for {
		if at, ok := pos[p]; ok {
			return at
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			return pos[""]
		}
		p = p[:i]
	}
}

// Validate checks the whole inventory and returns every problem as an
// ErrorList, sorted by position, or nil. It does not modify inv.
func (inv *Inventory) Validate() error {
	errs := inv.validate()
	if inv.NeedsSite() {
		errs = inv.validateSites(errs)
	}
	return errs.err()
}

// validate is Validate without the sites' own views.
func (inv *Inventory) validate() ErrorList {
	v := &validator{inv: inv, names: inv.ProfileNames()}
	v.lengths()
	v.sites()
	v.server()
	v.ha()
	v.targets()
	v.paths()
	v.bootloaders()
	nets := v.networks()
	v.bootFiles()
	v.profiles()
	v.menu()
	v.relays(nets)
	nets6 := v.ipv6(nets)
	v.hosts(nets, len(nets) == len(inv.Networks)-ipv6Only(inv), nets6)
	v.arches(nets)
	v.arm64GRUB()
	v.secureBoot()
	v.grubDir()
	v.authoritative()
	v.options()
	v.overrides()
	return v.errs
}

// authoritative checks what dnsmasq can do: its dhcp-authoritative holds
// for every network it serves, where dhcpd and Kea take it per network.
func (v *validator) authoritative() {
	inv := v.inv
	if inv.Targets.DHCP != TargetDnsmasq || len(inv.Networks) == 0 {
		return
	}
	if inv.NeedsSite() {
		return // each site's dnsmasq serves its own networks: checked in its view
	}
	first := *inv.Networks[0].Authoritative
	for i, n := range inv.Networks[1:] {
		if *n.Authoritative == first {
			continue
		}
		not := func(b bool) string {
			if b {
				return "authoritative"
			}
			return "not authoritative"
		}
		v.targetErrf(TargetDnsmasq, fmt.Sprintf("networks[%d].authoritative", i+1), "%s, but %s (%s) is %s: dnsmasq's dhcp-authoritative holds for every network it serves, so with dnsmasq they must all agree (dhcpd and Kea take it per network)",
			not(*n.Authoritative), v.path("networks[0]"), inv.Networks[0].Name, not(first))
	}
}

func (v *validator) server() {
	s := v.inv.Server
	if s.IP == "" {
		if v.inv.HA == nil && !v.inv.NeedsSite() && v.inv.view == nil { // a site's: sites() says
			v.errf("server.ip", "required: the boot server's IPv4 address")
		}
	} else if _, err := ParseIPv4(s.IP); err != nil && !v.inv.serverFromPeer {
		v.errf("server.ip", "%v", err)
	}
	// With ha, server.http_url may have been replaced by the rendered
	// peer's own (checked as ha.peers[N].http_url): check the file's.
	if u := v.inv.fileHTTPURL; u != "" && v.inv.serverURLGiven {
		v.check("server.http_url", checkURL(u, true))
	} else if s.HTTPURL != "" && !v.inv.serverFromPeer {
		v.check("server.http_url", checkURL(s.HTTPURL, true))
	}
	if s.Domain != "" {
		v.check("server.domain", checkDomain(s.Domain))
	}
}

func (v *validator) targets() {
	t := v.inv.Targets
	if !contains(DHCPTargets, t.DHCP) {
		v.errf("targets.dhcp", "%q: want one of %s", t.DHCP, strings.Join(DHCPTargets, ", "))
	}
	if !contains(TFTPTargets, t.TFTP) {
		v.errf("targets.tftp", "%q: want one of %s", t.TFTP, strings.Join(TFTPTargets, ", "))
	}
	for i, name := range v.inv.Server.Interfaces {
		v.check(fmt.Sprintf("server.interfaces[%d]", i), checkInterface(name))
	}
	v.keaVersion()
}

// debianDnsmasqConfDir is the conf-dir of Debian's dnsmasq package.
const debianDnsmasqConfDir = "/etc/dnsmasq.d"

func (v *validator) paths() {
	p := v.inv.Paths
	all := []struct{ key, val string }{
		{"paths.dhcpd_conf", p.DhcpdConf},
		{"paths.kea_conf", p.KeaConf},
		{"paths.dnsmasq_conf", p.DnsmasqConf},
		{"paths.xinetd_tftp", p.XinetdTFTP},
		{"paths.apache_conf", p.ApacheConf},
		{"paths.boot_root", p.BootRoot},
		{"paths.manifest", p.Manifest},
	}
	// dnsmasq's host files are written only for it; no other server's
	// inventory is refused over them.
	if v.inv.Targets.DHCP == TargetDnsmasq {
		for _, f := range []struct{ key, val string }{{"paths.dnsmasq_hosts", p.DnsmasqHosts}, {"paths.dnsmasq_opts", p.DnsmasqOpts}} {
			all = append(all, f)
			// Debian's dnsmasq reads every file of its conf-dir as
			// configuration; the drop-in's directory is one.
			for _, dir := range []string{path.Dir(p.DnsmasqConf), debianDnsmasqConfDir} {
				if path.Dir(f.val) == dir {
					v.errf(f.key, "%s is in %s, every file of which dnsmasq reads as configuration (conf-dir): it would not start; keep it elsewhere", f.val, dir)
					break
				}
			}
		}
	}
	if v.inv.HasIPv6() {
		all = append(all, []struct{ key, val string }{{"paths.dhcpd6_conf", p.Dhcpd6Conf}, {"paths.kea6_conf", p.Kea6Conf}, {"paths.radvd_conf", p.RadvdConf}}...)
		v.check("paths.kea6_control_socket", checkAbsPath(p.Kea6ControlSocket))
	}
	v.check("paths.kea_control_socket", checkAbsPath(p.KeaControlSocket))
	v.check("paths.kea_hooks", checkAbsPath(p.KeaHooks))
	for _, a := range all {
		v.check(a.key, checkAbsPath(a.val))
		// Every run removes or replaces its own bookkeeping: no output may be one.
		if why := filetree.Bookkeeping(strings.TrimPrefix(p.Manifest, "/"), strings.TrimPrefix(a.val, "/")); why != "" && a.key != "paths.manifest" {
			v.errf(a.key, "%s is %s", a.val, why)
		}
	}
	// The site's include files: pxegen never writes them, so none may be
	// one of its outputs, inside one, or a directory one lies in; nor,
	// like the configs, lie under boot_root, published over TFTP and HTTP.
	for _, inc := range []struct{ key, val string }{
		{"paths.dhcpd_include", p.DhcpdInclude}, {"paths.kea_include", p.KeaInclude}, {"paths.dnsmasq_include", p.DnsmasqInclude},
	} {
		if inc.val == "" {
			continue
		}
		if msg := checkAbsPath(inc.val); msg != "" {
			v.errf(inc.key, "%s", msg)
			continue
		}
		if why := filetree.Bookkeeping(strings.TrimPrefix(p.Manifest, "/"), strings.TrimPrefix(inc.val, "/")); why != "" {
			v.errf(inc.key, "%s is %s", inc.val, why)
		}
		for _, a := range all {
			switch {
			case inc.val == a.val:
				v.errf(inc.key, "%s is %s, which pxegen writes: the site's own file must be another", inc.val, a.key)
			case strings.HasPrefix(inc.val, a.val+"/"):
				v.errf(inc.key, "%s is inside %s (%s)", inc.val, a.key, a.val)
			case strings.HasPrefix(a.val, inc.val+"/"):
				v.errf(inc.key, "%s is a directory pxegen writes %s in (%s)", inc.val, a.key, a.val)
			}
		}
		if inc.key == "paths.dnsmasq_include" && path.Dir(inc.val) == path.Dir(p.DnsmasqConf) {
			v.errf(inc.key, "%s is in %s, the directory of dnsmasq's drop-in, every file of which Debian's dnsmasq reads (conf-dir): it would read this one twice; keep it elsewhere", inc.val, path.Dir(p.DnsmasqConf))
		}
	}
	// A config file under boot_root would be published over TFTP and HTTP;
	// two outputs at one path, or one inside another, cannot both be written.
	for i, a := range all {
		for _, b := range all[i+1:] {
			switch {
			case a.val == b.val:
				v.errf(b.key, "%s is also %s", b.val, a.key)
			case strings.HasPrefix(b.val, a.val+"/"):
				v.errf(b.key, "%s is inside %s (%s)", b.val, a.key, a.val)
			case strings.HasPrefix(a.val, b.val+"/"):
				v.errf(a.key, "%s is inside %s (%s)", a.val, b.key, b.val)
			}
		}
	}
}

func (v *validator) bootloaders() {
	b := v.inv.Bootloaders
	v.check("bootloaders.bios", checkRelPath(b.BIOS))
	v.check("bootloaders.uefi", checkRelPath(b.UEFI))
	v.check("bootloaders.pxelinux", checkRelPath(b.PXELinux))
	v.check("bootloaders.arm64", checkRelPath(b.ARM64))
	v.check("bootloaders.shim", checkRelPath(b.Shim))
	v.check("bootloaders.grub_dir", checkRelPath(b.GRUBDir))
}

// secureBoot checks what the signed chain needs: GRUB fetches kernels over
// TFTP or plain HTTP only, and any profile can be chosen from its menu.
func (v *validator) secureBoot() {
	inv := v.inv
	used := false
	for _, n := range inv.Networks {
		used = used || n.SecureBoot
	}
	for _, h := range inv.Hosts {
		used = used || h.SecureBoot != nil && *h.SecureBoot
	}
	if !used {
		return
	}
	for _, name := range v.names {
		p := inv.Profiles[name]
		if p == nil {
			continue
		}
		v.check("profiles."+name+".kernel", grubFetchable(p.Kernel))
		for i, f := range p.Initrd {
			v.check(fmt.Sprintf("profiles.%s.initrd[%d]", name, i), grubFetchable(f))
		}
	}
}

// grubDir checks that GRUB reads the directory pxegen writes its configs
// to: Debian's signed netboot GRUB (grubnetx64.efi.signed), the GRUB that
// Secure Boot runs, has its prefix built in as /grub, and looks nowhere
// else.
func (v *validator) grubDir() {
	if d := v.inv.Bootloaders.GRUBDir; d != DefaultGRUBDir && checkRelPath(d) == "" {
		v.errf("bootloaders.grub_dir", "%q: Debian's signed GRUB (grubnetx64.efi.signed), which Secure Boot clients run, has its prefix built in as /%s and reads its configs from there only; leave grub_dir out", d, DefaultGRUBDir)
	}
}

// grubFetchable says what stops GRUB 2.06 fetching a kernel or initrd: it
// has no https, and its (http,host) device takes no port.
func grubFetchable(ref string) string {
	switch {
	case strings.HasPrefix(ref, "https://"):
		return "GRUB, which Secure Boot clients run, cannot fetch over https; use a path under boot_root or an http URL"
	case strings.HasPrefix(ref, "http://"):
		host, _, _ := strings.Cut(strings.TrimPrefix(ref, "http://"), "/")
		if strings.Contains(host, ":") {
			return "GRUB, which Secure Boot clients run, cannot fetch from a port other than 80; use a path under boot_root or a URL without a port"
		}
	}
	return ""
}

// parsedNetwork is a network whose subnet parsed, for the overlap and host
// checks.
type parsedNetwork struct {
	index  int
	subnet netip.Prefix
	first  netip.Addr // pool; invalid when there is none
	last   netip.Addr
	gw     netip.Addr
}

// serverAddr is the address of a boot server the DHCP configuration is
// for.
type serverAddr struct {
	ip   netip.Addr
	key  string // where the file sets it: server.ip, or ha.peers[N].ip
	peer string // with ha: "ha.peers[N] NAME"
}

func (s serverAddr) what(boot bool) string {
	switch {
	case s.peer != "":
		return s.peer + "'s address"
	case boot:
		return "the boot server's address"
	}
	return "the server's address"
}

// DHCPServers are the addresses of the DHCP servers a valid inventory
// (or site) is for: server.ip, or both peers' of an HA pair. A relay
// forwards to each.
func (inv *Inventory) DHCPServers() []string {
	var ips []string
	for _, s := range inv.serverAddrs() {
		ips = append(ips, s.ip.String())
	}
	return ips
}

// serverAddrs are server.ip or, with ha, both peers' addresses, whichever
// the render is for: each peer's DHCP configuration holds the pools and
// host addresses both serve, so neither peer's address may be in them.
func (inv *Inventory) serverAddrs() []serverAddr {
	if inv.HA == nil {
		if ip, err := ParseIPv4(inv.Server.IP); err == nil {
			return []serverAddr{{ip: ip, key: inv.origPath("server.ip")}}
		}
		return nil
	}
	var out []serverAddr
	for i, p := range inv.HA.Peers {
		if ip, err := ParseIPv4(p.IP); err == nil {
			at := inv.origPath(fmt.Sprintf("ha.peers[%d]", i))
			out = append(out, serverAddr{ip: ip, key: at + ".ip", peer: at + " " + p.Name})
		}
	}
	return out
}

func (v *validator) networks() []parsedNetwork {
	inv := v.inv
	if len(inv.Networks) == 0 && inv.view == nil {
		// A site's view with none: its sites[].networks says why.
		v.errf("networks", "required: at least one network")
	}
	if len(inv.Networks) > MaxNetworks {
		v.errf("networks", "%d networks; at most %d are supported", len(inv.Networks), MaxNetworks)
		return nil
	}
	servers := inv.serverAddrs()
	names := map[string]int{}
	var nets []parsedNetwork
	for i, n := range inv.Networks {
		at := fmt.Sprintf("networks[%d]", i)
		if n.Name == "" {
			v.errf(at+".name", "required")
		} else if !networkName.MatchString(n.Name) {
			v.errf(at+".name", "%q: a network name uses letters, digits, _ and -, starts with a letter or digit, at most 63 characters", n.Name)
		} else if j, dup := names[strings.ToLower(n.Name)]; dup {
			v.errf(at+".name", "duplicate network name %q (also %s, line %d)", n.Name, v.path("networks[%d]", j), inv.posOf(fmt.Sprintf("networks[%d].name", j)).Line)
		} else {
			names[strings.ToLower(n.Name)] = i
		}
		if n.Profile != "" {
			v.profileRef(at+".profile", n.Profile)
		}
		if t := *n.LeaseTime; t < MinLeaseTime {
			v.errf(at+".lease_time", "%d is too short: at least %d seconds (dnsmasq never grants a shorter lease, so the DHCP servers would answer differently)", t, MinLeaseTime)
		} else if t > MaxLeaseTime {
			v.errf(at+".lease_time", "%d is out of range: at most %d seconds (Kea keeps a lease time in 32 bits, and wraps larger ones)", t, MaxLeaseTime)
		}
		for j, d := range n.DNS {
			if _, err := ParseIPv4(d); err != nil {
				v.errf(fmt.Sprintf("%s.dns[%d]", at, j), "%v", err)
			}
		}
		if n.Subnet == "" {
			if n.Subnet6 == "" {
				v.errf(at+".subnet", "required (or subnet6 alone, for an IPv6-only network)")
			}
			continue
		}
		subnet, err := ParseSubnet(n.Subnet)
		if err != nil {
			v.errf(at+".subnet", "%v", err)
			continue
		}
		pn := parsedNetwork{index: i, subnet: subnet}
		inside := func(key string, a netip.Addr) bool {
			switch {
			case !subnet.Contains(a):
				v.errf(key, "%s is outside the subnet %s", a, subnet)
			case a == subnet.Addr():
				v.errf(key, "%s is the network address of %s", a, subnet)
			case a == Broadcast(subnet):
				v.errf(key, "%s is the broadcast address of %s", a, subnet)
			default:
				return true
			}
			return false
		}
		if n.Pool != "" {
			first, last, err := ParsePool(n.Pool)
			if err != nil {
				v.errf(at+".pool", "%v", err)
			} else if inside(at+".pool", first) && inside(at+".pool", last) {
				pn.first, pn.last = first, last
				for _, server := range servers {
					if inPool(server.ip, first, last) {
						v.errf(at+".pool", "contains %s %s", server.what(false), server.ip)
					}
				}
			}
		}
		if n.Gateway != "" {
			gw, err := ParseIPv4(n.Gateway)
			if err != nil {
				v.errf(at+".gateway", "%v", err)
			} else if inside(at+".gateway", gw) {
				pn.gw = gw
				if pn.first.IsValid() && inPool(gw, pn.first, pn.last) {
					v.errf(at+".gateway", "%s is inside the pool %s", gw, n.Pool)
				}
			}
		}
		nets = append(nets, pn)
	}
	// Sorted by first address, overlapping networks are neighbours: one pass
	// finds every overlap.
	sorted := append([]parsedNetwork(nil), nets...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].subnet.Addr().Less(sorted[j].subnet.Addr()) })
	for i := 1; i < len(sorted); i++ {
		a, b := sorted[i-1], sorted[i]
		if a.subnet.Overlaps(b.subnet) {
			first, second := a, b
			if second.index < first.index {
				first, second = second, first
			}
			v.errf(fmt.Sprintf("networks[%d].subnet", second.index), "%s overlaps %s (%s)", second.subnet, v.path("networks[%d]", first.index), first.subnet)
		}
	}
	return sorted
}

// ipv6Only counts the networks without an IPv4 subnet.
func ipv6Only(inv *Inventory) int {
	n := 0
	for _, net := range inv.Networks {
		if net.IPv6Only() {
			n++
		}
	}
	return n
}

func inPool(a, first, last netip.Addr) bool {
	return !a.Less(first) && !last.Less(a)
}

// profileRef checks that name is a defined profile or the built-in local.
func (v *validator) profileRef(at, name string) bool {
	if _, ok := v.inv.Profiles[name]; !ok && name != LocalProfile {
		v.errf(at, "unknown profile %q%s", name, v.knownProfiles())
		return false
	}
	return true
}

// maxNamesListed is how many defined profiles a message about an unknown
// one lists: every host naming it gets the message.
const maxNamesListed = 8

func (v *validator) knownProfiles() string {
	switch n := len(v.names); {
	case n == 0:
		return " (no profiles are defined)"
	case n > maxNamesListed:
		return fmt.Sprintf(" (defined: %s and %d more)", strings.Join(v.names[:maxNamesListed], ", "), n-maxNamesListed)
	}
	return " (defined: " + strings.Join(v.names, ", ") + ")"
}

func (v *validator) profiles() {
	inv := v.inv
	if len(inv.Profiles) == 0 {
		v.errf("profiles", "required: at least one profile")
		return
	}
	if len(inv.Profiles) > MaxProfiles {
		v.errf("profiles", "%d profiles; at most %d are supported", len(inv.Profiles), MaxProfiles)
		return
	}
	v.inherit = inv.resolveInheritance(v.names)
	for _, cycle := range v.inherit.cycles {
		// Once per cycle, at its first member in file order.
		v.errf("profiles."+cycle[0]+".inherits", "inheritance cycle: %s", strings.Join(append(cycle, cycle[0]), " -> "))
	}
	for _, name := range v.names {
		p := inv.Profiles[name]
		if p == nil {
			p = &Profile{} // what an empty profile decodes to
		}
		at := "profiles." + name
		if !profileName.MatchString(name) {
			v.errf(at, "profile name %q: use letters, digits, . _ and -, starting with a letter or digit, at most 63 characters", name)
		}
		if name == LocalProfile {
			v.errf(at, "the name local is reserved for the built-in profile that boots the local disk")
			continue
		}
		resolvable := true
		if p.Inherits == LocalProfile {
			v.errf(at+".inherits", "the built-in local profile boots a disk and has nothing to inherit")
			resolvable = false
		} else if p.Inherits != "" {
			if !v.profileRef(at+".inherits", p.Inherits) {
				resolvable = false
			} else if v.inherit.onCycle[name] {
				resolvable = false
			}
		}
		if p.Label != "" {
			v.check(at+".label", checkText(p.Label))
		}
		if p.Kernel != "" {
			v.check(at+".kernel", checkFileRef(p.Kernel))
		}
		for i, f := range p.Initrd {
			v.check(fmt.Sprintf("%s.initrd[%d]", at, i), checkInitrd(f))
		}
		if p.Append != "" {
			v.check(at+".append", checkArgs(p.Append))
		}
		if p.AppendExtra != "" {
			v.check(at+".append_extra", checkArgs(p.AppendExtra))
		}
		v.archOwn(at, p)
		if p.EFI != "" {
			v.check(at+".efi", checkFileRef(p.EFI))
		}
		if p.Kind != "" && !contains(Kinds, p.Kind) {
			v.errf(at+".kind", "%q: want one of %s", p.Kind, strings.Join(Kinds, ", "))
		}
		if !resolvable {
			continue
		}
		r := v.resolved(name)
		if v.kind(at, r) {
			if r.Kernel == "" && r.ARM64.Kernel == "" {
				v.errf(at, "no kernel: set kernel (x86-64) or arm64.kernel here or in a profile it inherits")
			}
			v.archResolved(at, r)
		}
		if n := appendLineLen(r.Initrd, KernelArgs(r.Append, "")); n > MaxAppendLine {
			key := at + ".append"
			if p.AppendExtra != "" {
				key = at + ".append_extra"
			}
			v.errf(key, "the PXELINUX APPEND line would be %s; PXELINUX reads at most %d", appendBytes(n, r.Append), MaxAppendLine)
		}
		seen := map[string]string{}
		for _, f := range r.Initrd {
			if len(f) > MaxPathLen {
				continue // refused where it is written; not quoted again
			}
			base := path.Base(f)
			if other, dup := seen[base]; dup {
				v.errf(at+".initrd", "%s and %s share the file name %s, which iPXE uses to name the initrd", other, f, base)
			}
			seen[base] = f
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (v *validator) menu() {
	m := v.inv.Menu
	v.check("menu.title", checkText(m.Title))
	if t := *m.Timeout; t < 0 || t > MaxMenuTimeout {
		v.errf("menu.timeout", "%d is out of range: tenths of a second from 0 (wait forever) to %d", t, MaxMenuTimeout)
	}
	if m.Default != "" {
		v.profileRef("menu.default", m.Default)
	}
}

// hosts checks the hosts against nets (and an ip6 alone against nets6);
// when not every network parsed (complete is false), an address in none
// of them is not reported, since the broken network may be the one that
// holds it.
func (v *validator) hosts(nets []parsedNetwork, complete bool, nets6 []parsedNetwork6) {
	inv := v.inv
	servers := inv.serverAddrs()
	names := make(map[string]int, len(inv.Hosts))
	macs := make(map[string]string, len(inv.Hosts)) // MAC -> key path of its first mac
	ids := map[string]string{}                      // client id -> key path of its first client_id
	ips := make(map[netip.Addr]string, len(inv.Hosts))
	for i, h := range inv.Hosts {
		at := fmt.Sprintf("hosts[%d]", i)
		v.uniqueName(names, "hosts", i, "host", h.Name)
		if h.Interfaces != nil {
			if len(h.Interfaces) == 0 {
				v.errf(at+".interfaces", "an empty list: list the host's network interfaces, or give its mac instead")
			}
			for _, k := range []struct{ key, val string }{{"mac", h.MAC}, {"ip", h.IP}, {"ip6", h.IP6}} {
				if k.val != "" {
					v.errf(at+"."+k.key, "the host lists interfaces, which hold its MACs and IPs: give this %s to one of them instead", k.key)
				}
			}
		}
		var netProfiles []string // of the networks its provisioning interfaces are in
		provisions := false
		ifnames := map[string]string{}
		for _, nic := range h.NICs(i) {
			if nic.Index >= 0 && nic.Name != "" {
				if msg := checkNICName(nic.Name); msg != "" {
					v.errf(nic.Key+".name", "%s", msg)
				} else if other, dup := ifnames[strings.ToLower(nic.Name)]; dup {
					v.errf(nic.Key+".name", "the host has another interface of this name, %s (names are compared without case)", v.where(other))
				} else {
					ifnames[strings.ToLower(nic.Name)] = nic.Key + ".name"
				}
			}
			provisions = provisions || nic.Provisions()
			if nic.ClientID != "" {
				v.nicClientID(nic, ids)
			} else {
				v.nicMAC(nic, h.Interfaces == nil, macs)
			}
			if nic.IP == "" {
				if nic.ClientID != "" && nic.Provisions() {
					v.errf(nic.Key+".ip", "required with client_id: an InfiniBand interface's boot files are found by its fixed address, since none is named by a MAC")
				}
				if nic.Provisions() {
					// An ip6 alone: the profile of its subnet6's network.
					netProfiles = append(netProfiles, inv.network6Profile(nets6, nic.IP6))
				}
				continue
			}
			key := nic.Key + ".ip"
			ip, err := ParseIPv4(nic.IP)
			if err != nil {
				v.errf(key, "%v", err)
				continue
			}
			if i := slices.IndexFunc(servers, func(s serverAddr) bool { return s.ip == ip }); i >= 0 {
				v.errf(key, "%s is %s", ip, servers[i].what(true))
				continue
			}
			if other, dup := ips[ip]; dup {
				v.errf(key, "duplicate IP %s (also %s)", ip, v.also(key, other))
			} else {
				ips[ip] = key
			}
			n, ok := networkOf(nets, ip)
			switch {
			case !ok:
				// An interface that does not provision gets nothing
				// written: its address may be in a network pxegen does
				// not serve (storage, a BMC's).
				//
				// In a site's view, an address in another site's network
				// puts the host on two sites, which sites() reports.
				_, _, otherSite := inv.OtherSiteNetwork(ip)
				if complete && nic.Provisions() && !otherSite {
					v.errf(key, "%s is in none of the networks", ip)
				}
			case ip == n.subnet.Addr():
				v.errf(key, "%s is the network address of %s", ip, n.subnet)
			case ip == Broadcast(n.subnet):
				v.errf(key, "%s is the broadcast address of %s", ip, n.subnet)
			case ip == n.gw:
				v.errf(key, "%s is the gateway of %s", ip, v.path("networks[%d]", n.index))
			case n.first.IsValid() && inPool(ip, n.first, n.last):
				v.errf(key, "%s is inside the pool %s of %s; dhcpd could lease it to another client", ip, inv.Networks[n.index].Pool, v.path("networks[%d]", n.index))
			default:
				if nic.Provisions() {
					netProfiles = append(netProfiles, inv.Networks[n.index].Profile)
				}
			}
		}
		if len(h.Interfaces) > 0 && !provisions {
			v.errf(at+".interfaces", "none of the host's interfaces provisions (each says provision: false), so pxegen would write nothing for it: let the one its firmware boots from provision")
		}
		switch h.Boot {
		case "", "network":
		case "local":
			if h.Profile != "" && h.Profile != LocalProfile {
				v.errf(at+".boot", "boot: local and profile: %s contradict each other", h.Profile)
			}
		default:
			v.errf(at+".boot", "%q: want local or network", h.Boot)
		}
		if h.Profile != "" {
			v.profileRef(at+".profile", h.Profile)
		}
		if h.Append != "" {
			v.check(at+".append", checkArgs(h.Append))
			if boots := h.BootProfile(); boots != "" {
				netProfiles = []string{boots}
			} else if len(netProfiles) == 0 {
				// No address gave a network (each is reported): as
				// before, a host with no profile of its own boots none.
				netProfiles = []string{""}
			}
			seen := map[string]bool{}
			for _, boots := range netProfiles {
				if seen[boots] {
					continue
				}
				seen[boots] = true
				v.hostAppend(at, h, boots)
			}
		}
	}
	v.entryNames(names)
}

// hostAppend checks host h's append (at is its key path) for the profile
// it boots, boots, by its own entry or its network's.
func (v *validator) hostAppend(at string, h Host, boots string) {
	if boots == "" {
		v.errf(at+".append", "the host boots no profile (neither it nor its network names one), so there is nothing to append to")
	} else if boots == LocalProfile {
		v.errf(at+".append", "the host boots its local disk, which takes no kernel arguments")
	} else if _, ok := v.inv.Profiles[boots]; ok {
		r := v.resolved(boots)
		if n := appendLineLen(r.Initrd, KernelArgs(r.Append, h.Append)); n > MaxAppendLine {
			v.errf(at+".append", "the PXELINUX APPEND line would be %s with profile %s; PXELINUX reads at most %d", appendBytes(n, r.Append), boots, MaxAppendLine)
		}
	}
}

// nicMAC checks one interface's MAC, and records it in macs (MAC -> the
// key path of its first mention). own: the host's own mac, not a list.
func (v *validator) nicMAC(nic NIC, own bool, macs map[string]string) {
	key := nic.Key + ".mac"
	if nic.MAC == "" {
		if _, given := v.inv.nodes().pos[nic.Key+".interfaces"]; own && given {
			return // a list of interfaces that did not decode, reported
		}
		if own {
			v.errf(key, "required: the host's MAC, or interfaces, a list of its network interfaces")
		} else {
			v.errf(key, "required: the interface's MAC, or its client_id if it is an InfiniBand one")
		}
		return
	}
	mac, err := ParseMAC(nic.MAC)
	if err != nil {
		// Longer than any link-layer address but IPoIB's: a client id.
		if id, idErr := ParseClientID(nic.MAC); idErr == nil && len(id) > 3*8-1 {
			if own {
				v.errf(key, "%q is a client identifier, not a MAC: list the host's interfaces and give it to one as client_id", nic.MAC)
			} else {
				v.errf(key, "%q is a client identifier, not a MAC: give it as client_id", nic.MAC)
			}
			return
		}
		v.errf(key, "%v", err)
	} else if other, dup := macs[mac.String()]; dup {
		v.errf(key, "duplicate MAC %s (also %s)", mac, v.also(key, other))
	} else {
		macs[mac.String()] = key
	}
}

// nicClientID checks one interface's client_id, and records it in ids
// (client id -> the key path of its first mention).
func (v *validator) nicClientID(nic NIC, ids map[string]string) {
	key := nic.Key + ".client_id"
	if nic.MAC != "" {
		v.errf(key, "give mac or client_id, not both: client_id is for an InfiniBand interface, which has no MAC")
		return
	}
	id, err := ParseClientID(nic.ClientID)
	if err != nil {
		v.errf(key, "%v", err)
	} else if other, dup := ids[id]; dup {
		v.errf(key, "duplicate client id %s (also %s)", id, v.also(key, other))
	} else {
		ids[id] = key
	}
}

// entryNames checks the names of the DHCP host entries of the hosts'
// second and further provisioning interfaces (<host>-<interface>): each
// must be a valid name, and no other host's or entry's. names are the
// host names, lower-cased, and their places in Hosts.
func (v *validator) entryNames(names map[string]int) {
	entries := map[string]string{}
	for i, h := range v.inv.Hosts {
		if len(h.Interfaces) < 2 || checkHostName(h.Name) != "" {
			continue
		}
		own := map[string]bool{} // the host's interface names
		for _, nic := range h.NICs(i) {
			if nic.Entry == "" || nic.Entry == h.Name {
				continue
			}
			key := nic.Key + ".name"
			if nic.Name == "" {
				key = nic.Key
			} else if checkNICName(nic.Name) != "" || own[strings.ToLower(nic.Name)] {
				continue // reported
			}
			own[strings.ToLower(nic.Name)] = true
			lower := strings.ToLower(nic.Entry)
			if msg := checkHostName(nic.Entry); msg != "" {
				v.errf(key, "names this interface's DHCP host entry %s, which is no valid host name: %s", nic.Entry, msg)
			} else if j, dup := names[lower]; dup {
				v.errf(key, "names this interface's DHCP host entry %s, which is the name of host %s too (%s; names are compared without case): rename one", nic.Entry, v.inv.Hosts[j].Name, v.where(fmt.Sprintf("hosts[%d].name", j)))
			} else if other, dup := entries[lower]; dup {
				v.errf(key, "names this interface's DHCP host entry %s, which another interface's entry is named too (%s): rename one", nic.Entry, v.where(other))
			} else {
				entries[lower] = key
			}
		}
	}
}

// also is where for the value at other, from a message about the value
// at key: it says when an alias or merge key repeats the one value.
func (v *validator) also(key, other string) string {
	if v.inv.posOf(key) == v.inv.posOf(other) {
		return v.where(other) + ", which an alias or merge key repeats here"
	}
	return v.where(other)
}

// where names the value at key path p and its place in the file, for a
// message about another value.
func (v *validator) where(p string) string {
	pos := v.inv.posOf(p)
	return fmt.Sprintf("%s at %s:%d:%d", v.inv.origPath(p), v.inv.file, pos.Line, pos.Col)
}

// path is the file's key path of the key path the format gives: a site's
// view names its networks, hosts, server and pair by the view's.
func (v *validator) path(format string, args ...any) string {
	return v.inv.origPath(fmt.Sprintf(format, args...))
}

// networkOf finds the network containing ip in nets, which is sorted by
// address and free of overlaps.
func networkOf(nets []parsedNetwork, ip netip.Addr) (parsedNetwork, bool) {
	i := sort.Search(len(nets), func(i int) bool { return ip.Less(nets[i].subnet.Addr()) })
	if i > 0 && nets[i-1].subnet.Contains(ip) {
		return nets[i-1], true
	}
	return parsedNetwork{}, false
}

// KernelArgs joins a profile's arguments and a host's additions with single
// spaces, the form every boot file carries.
func KernelArgs(profileAppend, hostAppend string) string {
	return strings.Join(append(strings.Fields(profileAppend), strings.Fields(hostAppend)...), " ")
}

// appendBytes says how long an APPEND line of n bytes is, for a profile
// whose resolved append is args: resolving stops growing an append at
// maxResolvedAppend, and then n is only a lower bound.
func appendBytes(n int, args string) string {
	if len(args) == maxResolvedAppend {
		return fmt.Sprintf("more than %d bytes", maxResolvedAppend)
	}
	return fmt.Sprintf("%d bytes", n)
}

// appendLineLen is the length of the PXELINUX APPEND line for these initrds
// and arguments, as the pxelinux templates write it.
func appendLineLen(initrds []string, args string) int {
	n := len("  APPEND ")
	if len(initrds) > 0 {
		n += len("initrd=") + len(strings.Join(initrds, ",")) + 1
	}
	return n + len(args)
}

// relays checks the networks reached through a DHCP relay. A relay sends
// its requests to the server's address, so that address (each peer's, for
// an HA pair) must lie in a network the server is on and the inventory
// declares: dhcpd ignores every request that arrives on an interface with
// no subnet declaration, and dhcpd -t does not notice.
func (v *validator) relays(nets []parsedNetwork) {
	inv := v.inv
	var relayed []int
	for i, n := range inv.Networks {
		if n.Relay {
			relayed = append(relayed, i)
		}
	}
	if len(relayed) == 0 {
		return
	}
	for _, i := range relayed {
		n := inv.Networks[i]
		at := fmt.Sprintf("networks[%d]", i)
		if n.Gateway == "" {
			v.errf(at+".relay", "a relayed network needs its gateway: the relay agent's address there, which the server answers to (giaddr)")
		}
	}
	for _, s := range inv.serverAddrs() { // an invalid one is said where it is set
		a, where := s.ip, s.key
		home := -1
		for _, pn := range nets {
			if pn.subnet.Contains(a) {
				home = pn.index
			}
		}
		switch {
		case home < 0:
			if network, site, ok := inv.OtherSiteNetwork(a); ok {
				v.errf(fmt.Sprintf("networks[%d].relay", relayed[0]), "relays send requests to %s %s, which is in network %s, site %s's: dhcpd ignores requests that arrive on an interface with no subnet declaration, and a network is one site's: put this site's server on a network of its own site", where, a, network, site)
				continue
			}
			v.errf(fmt.Sprintf("networks[%d].relay", relayed[0]), "relays send requests to %s %s, which no network holds: declare the network the server is on (a pool is not needed): dhcpd ignores requests that arrive on an interface with no subnet declaration", where, a)
		case inv.Networks[home].Relay:
			v.errf(fmt.Sprintf("networks[%d].relay", home), "%s %s is in this network, so the server is on it: its clients reach it without a relay", where, a)
		}
	}
}

// uniqueName checks the name at list[i].name: an RFC 1123 label, unique
// regardless of case among the names recorded so far, where it goes.
func (v *validator) uniqueName(names map[string]int, list string, i int, kind, name string) {
	at := fmt.Sprintf("%s[%d].name", list, i)
	if msg := checkHostName(name); msg != "" {
		v.check(at, msg)
	} else if j, dup := names[strings.ToLower(name)]; dup {
		v.errf(at, "duplicate %s name %q (also %s; names are compared without case)", kind, name, v.also(at, fmt.Sprintf("%s[%d].name", list, j)))
	} else {
		names[strings.ToLower(name)] = i
	}
}
