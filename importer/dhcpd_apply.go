package importer

import (
	"fmt"
	"net"
	"net/netip"
	"path"
	"strconv"
	"strings"

	"github.com/pxegen/pxegen/internal/dhcpdconf"
	"github.com/pxegen/pxegen/inventory"
)

// apply turns what the file says into networks, hosts and the server.
func (r *dhcpdReader) apply(global []*dhcpdconf.Statement) {
	im := r.im
	g := r.eval([][]*dhcpdconf.Statement{global}, clients[0])
	if s := g.set["next-server"]; s != nil {
		if ip, err := inventory.ParseIPv4(s.Arg(0).Text); err == nil {
			im.setServerIP(ip.String(), where(s))
		} else {
			im.notef(where(s), "%s: next-server by name; pxegen takes an address (--server-ip)", s.Text())
		}
	}
	if s := g.set["option domain-name"]; s != nil && im.inv.Server.Domain == "" {
		im.inv.Server.Domain = s.Arg(1).Text
		im.notes["server.domain"] = "from " + where(s)
	}
	r.params(g)
	for _, n := range r.nets {
		r.network(n, g)
	}
	for _, h := range r.hosts {
		r.host(h)
	}
}

// handled are the parameters import carries over, or which pxegen writes
// as they are.
func handled(key string, s *dhcpdconf.Statement) bool {
	switch key {
	case "next-server", "filename", "default-lease-time", "max-lease-time", "min-lease-time", "authoritative",
		"option routers", "option domain-name-servers", "option domain-name", "hardware", "fixed-address", "option host-name":
		return true
	case "ddns-update-style":
		return s.Arg(0).Is("none")
	case "allow booting", "allow bootp":
		return true // dhcpd's default, and pxegen's ranges are dynamic-bootp
	case "use-host-decl-names":
		return s.Arg(0).Is("on") || s.Arg(0).Is("true") // pxegen sends each host its name
	case "option ipxe.no-pxedhcp":
		return s.Arg(1).Text == "1" // pxegen sends it too
	}
	return false
}

// params reports the parameters of e that are neither handled nor
// options (which option() reports).
func (r *dhcpdReader) params(e env) {
	for _, key := range e.keys() {
		s := e.set[key]
		if !handled(key, s) && !strings.HasPrefix(key, "option ") {
			r.im.notef(where(s), "%s: not imported", s.Text())
		}
	}
	for s, why := range e.unknown {
		r.im.notef(where(s), "an if chain import cannot evaluate (%s): what it sets is not imported", why)
	}
}

// network turns a subnet into a network.
func (r *dhcpdReader) network(d *dnet, g env) {
	im := r.im
	e := r.eval(d.scopes, clients[0])
	r.params(e)
	n, fresh := im.network(d.prefix, d.shared, where(d.stmt)+comments(d.stmt))
	if !fresh {
		im.notef(where(d.stmt), "subnet %s is declared twice (also as network %s)", d.prefix, n.Name)
		return
	}
	i := im.nets[d.prefix]
	at := fmt.Sprintf("networks[%d]", i)
	if s := e.set["option routers"]; s != nil && len(values(s)) > 0 {
		vals := values(s)
		if ip, err := inventory.ParseIPv4(vals[0].Text); err == nil {
			n.Gateway = ip.String()
		} else {
			im.notef(where(s), "%s: a router by name; pxegen takes an address", s.Text())
		}
		if len(vals) > 1 {
			im.notef(where(s), "%s: pxegen gives one router, %s", s.Text(), vals[0].Text)
		}
	}
	if s := e.set["option domain-name-servers"]; s != nil {
		for _, v := range values(s) {
			if ip, err := inventory.ParseIPv4(v.Text); err == nil {
				n.DNS = append(n.DNS, ip.String())
			} else {
				im.notef(where(s), "%s: a DNS server by name (%s) is left out; pxegen takes addresses", s.Text(), v.Text)
			}
		}
	}
	if s := e.set["option subnet-mask"]; s != nil {
		if m, err := inventory.ParseIPv4(s.Arg(1).Text); err != nil || netip.PrefixFrom(d.prefix.Addr(), maskBits(m)) != d.prefix {
			im.notef(where(s), "%s: not the subnet's mask; pxegen sends the subnet's", s.Text())
		}
	}
	if s := e.set["option domain-name"]; s != nil && !e.same(g, "option domain-name") && s.Arg(1).Text != im.inv.Server.Domain {
		n.Options.DomainName = s.Arg(1).Text
	}
	r.pools(d, n)
	r.leases(e, n, at)
	switch s := e.set["authoritative"]; {
	case s == nil:
		no := false
		n.Authoritative = &no
		im.notes[at+".authoritative"] = "dhcpd's own default: the file does not say authoritative"
	case s.Keyword() == "not":
		no := false
		n.Authoritative = &no
	}
	r.options(e, &n.Options, nil)
	if s := e.set["next-server"]; s != nil {
		if ip, err := inventory.ParseIPv4(s.Arg(0).Text); err == nil {
			if im.inv.Server.IP == "" {
				im.setServerIP(ip.String(), where(s))
			} else if ip.String() != im.inv.Server.IP {
				n.NextServer = ip.String()
			}
		}
	} else {
		im.notef(where(d.stmt), "subnet %s: no next-server, so dhcpd answered 0.0.0.0; pxegen gives the boot server's address", d.prefix)
	}
	r.bootFiles(d, n, at)
}

// pools takes the subnet's first range as the network's pool.
func (r *dhcpdReader) pools(d *dnet, n *inventory.Network) {
	for i, s := range d.ranges {
		args := s.Words[1:]
		if len(args) > 0 && args[0].Is("dynamic-bootp") {
			args = args[1:]
		}
		if i > 0 {
			r.im.notef(where(s), "%s: pxegen gives a network one pool, %s", s.Text(), n.Pool)
			continue
		}
		switch len(args) {
		case 1:
			n.Pool = args[0].Text + "-" + args[0].Text
		case 2:
			n.Pool = args[0].Text + "-" + args[1].Text
		default:
			r.im.notef(where(s), "%s: a range import cannot read", s.Text())
		}
	}
}

// leases takes the lease times: pxegen's lease_time is what a client gets
// and the most it may ask for.
func (r *dhcpdReader) leases(e env, n *inventory.Network, at string) {
	def, max := e.set["default-lease-time"], e.set["max-lease-time"]
	num := func(s *dhcpdconf.Statement) (int, bool) {
		v, err := strconv.Atoi(s.Arg(0).Text)
		return v, err == nil
	}
	var lease int
	from := def // the statement lease comes from
	switch {
	case def != nil:
		v, ok := num(def)
		if !ok {
			r.im.notef(where(def), "%s: not a number of seconds", def.Text())
			return
		}
		lease = v
		if max != nil {
			if m, ok := num(max); ok && m != v {
				r.im.notef(where(max), "%s: pxegen's lease_time (%d) is also the most a client gets", max.Text(), v)
			}
		}
	case max != nil:
		m, ok := num(max)
		if !ok {
			return
		}
		lease, from = min(m, inventory.DefaultLeaseTime), max
		r.im.notef(where(max), "%s without default-lease-time: lease_time %d, what dhcpd gave a client that asked for none", max.Text(), lease)
	default:
		return
	}
	if s := e.set["min-lease-time"]; s != nil {
		r.im.notef(where(s), "%s: pxegen lets a client ask for as little as %d s", s.Text(), inventory.MinLeaseTime)
	}
	if lease < inventory.MinLeaseTime {
		r.im.notef(where(from), "a lease of %d s: pxegen gives at least %d s (dnsmasq grants no shorter lease)", lease, inventory.MinLeaseTime)
		lease = inventory.MinLeaseTime
	}
	if lease != inventory.DefaultLeaseTime {
		n.LeaseTime = &lease
	}
}

// options carries the options of e into o, except those set by the same
// statement in base (a host's network's).
func (r *dhcpdReader) options(e env, o *inventory.DHCPOptions, base *env) {
	for _, key := range e.keys() {
		s := e.set[key]
		name, ok := strings.CutPrefix(key, "option ")
		if !ok || base != nil && base.same(e, key) {
			continue
		}
		switch name {
		case "subnet-mask":
			continue // checked against the subnet in network
		case "routers", "domain-name-servers", "domain-name", "host-name":
			if base != nil && name != "domain-name" && name != "host-name" {
				r.im.notef(where(s), "%s: pxegen sets it per network, not per host", s.Text())
			}
			if base != nil && name == "domain-name" {
				o.DomainName = s.Arg(1).Text
			}
			continue
		case "ipxe.no-pxedhcp":
			if s.Arg(1).Text == "1" {
				continue
			}
		}
		r.option(s, name, o)
	}
}

// option carries one option statement into o, or reports why not.
func (r *dhcpdReader) option(s *dhcpdconf.Statement, name string, o *inventory.DHCPOptions) {
	im := r.im
	vals := values(s)
	text := func() []string {
		out := make([]string, len(vals))
		for i, v := range vals {
			out[i] = v.Text
		}
		return out
	}
	for _, n := range inventory.NamedOptions {
		if n.Dhcpd == name {
			if err := o.SetNamed(n.Key, text()); err != nil {
				im.notef(where(s), "%s: %v", s.Text(), err)
			}
			return
		}
	}
	if name == "vendor-encapsulated-options" {
		data, ok := optionBytes(vals)
		subs, ok2 := subOptions(data)
		if !ok || !ok2 {
			im.notef(where(s), "%s: vendor options import cannot read as sub-options", s.Text())
			return
		}
		o.Vendor = append(o.Vendor, subs...)
		return
	}
	code, typ, ok := 0, "", false
	if d, declared := r.decls[name]; declared && !strings.Contains(name, ".") {
		code = d.code
		typ, ok = pxegenType(d.typ)
		if !ok {
			im.notef(where(s), "%s: option %s is declared %s, a type pxegen does not write", s.Text(), name, d.typ)
			return
		}
	} else if c, std := dhcpdStandard[name]; std {
		code = c
		typ, ok = inventory.StandardOptionType(c)
	}
	if !ok {
		im.notef(where(s), "%s: an option import does not know; give it by code under options.custom", s.Text())
		return
	}
	if why := inventory.OwnOptionCode(code); why != "" {
		im.notef(where(s), "%s: option %d is %s", s.Text(), code, why)
		return
	}
	if std, ok := inventory.StandardOptionType(code); ok && std != typ {
		im.notef(where(s), "%s: option %d is %s, as every DHCP server reads it, not %s", s.Text(), code, std, typ)
		return
	}
	c := inventory.CodedOption{Code: &code, Type: typ}
	switch typ {
	case inventory.TypeHex:
		data, ok := optionBytes(vals)
		if !ok {
			im.notef(where(s), "%s: a value import cannot read", s.Text())
			return
		}
		c.Value = inventory.StringList{inventory.HexBytes(data)}
	case inventory.TypeBoolean:
		for _, v := range vals {
			switch v.Text {
			case "true", "on":
				c.Value = append(c.Value, "true")
			case "false", "off":
				c.Value = append(c.Value, "false")
			default:
				im.notef(where(s), "%s: %s is not a boolean", s.Text(), v.Text)
				return
			}
		}
	default:
		c.Value = text()
		if d, declared := r.decls[name]; declared && strings.HasPrefix(strings.TrimPrefix(d.typ, "array of "), "integer ") {
			// dhcpd's plain integer takes either sign: signed only if
			// a value needs it.
			for _, v := range c.Value {
				if strings.HasPrefix(v, "-") {
					c.Type = "int" + strings.TrimPrefix(c.Type, "uint")
				}
			}
		}
	}
	if msg := inventory.CheckOptionValues(c.Type, c.Value); msg != "" {
		im.notef(where(s), "%s: %s", s.Text(), msg)
		return
	}
	o.Custom = append(o.Custom, c)
}

// pxegenType is the option type pxegen writes for a dhcpd type, if any.
func pxegenType(t string) (string, bool) {
	t = strings.TrimPrefix(t, "array of ")
	switch t {
	case "ip-address":
		return inventory.TypeIPAddress, true
	case "unsigned integer 8", "unsigned integer 16", "unsigned integer 32":
		return "uint" + strings.TrimPrefix(t, "unsigned integer "), true
	case "signed integer 8", "signed integer 16", "signed integer 32":
		return "int" + t[strings.LastIndexByte(t, ' ')+1:], true
	case "integer 8", "integer 16", "integer 32":
		return "uint" + t[strings.LastIndexByte(t, ' ')+1:], true // signed when a value is negative
	case "boolean":
		return inventory.TypeBoolean, true
	case "text":
		return inventory.TypeText, true
	case "string":
		return inventory.TypeHex, true
	}
	return "", false
}

// optionBytes reads an option's data: a quoted string's bytes, or
// colon-separated hex.
func optionBytes(vals []dhcpdconf.Token) ([]byte, bool) {
	if len(vals) != 1 {
		return nil, false
	}
	if vals[0].Kind == dhcpdconf.String {
		return []byte(vals[0].Text), true
	}
	return hexWord(vals[0].Text)
}

// subOptions splits vendor options into sub-options, each as hex.
func subOptions(b []byte) ([]inventory.CodedOption, bool) {
	var out []inventory.CodedOption
	for len(b) > 0 {
		if len(b) < 2 || int(b[1])+2 > len(b) {
			return nil, false
		}
		code, data := int(b[0]), b[2:2+b[1]]
		if len(data) == 0 {
			return nil, false
		}
		out = append(out, inventory.CodedOption{Code: &code, Type: inventory.TypeHex, Value: inventory.StringList{inventory.HexBytes(data)}})
		b = b[2+len(data):]
	}
	return out, len(out) > 0
}

// bootFiles works out what each firmware gets in the network, as the if
// chains say, and carries it as pxegen's loaders or a boot_file.
func (r *dhcpdReader) bootFiles(d *dnet, n *inventory.Network, at string) {
	im := r.im
	files := map[string]string{}
	for _, c := range clients {
		e := r.eval(d.scopes, c)
		if len(e.unknown) > 0 {
			for s, why := range e.unknown {
				im.notef(where(s), "an if chain import cannot evaluate (%s): network %s keeps pxegen's loaders", why, n.Name)
			}
			return
		}
		files[c.name] = e.arg("filename")
	}
	im.bootMapping(files, n, at, where(d.stmt))
}

// bootMapping carries what each kind of client got in network n (files, by
// client name; "" for no boot file) as pxegen's loaders or a boot_file,
// and reports what pxegen gives otherwise.
func (im *importer) bootMapping(files map[string]string, n *inventory.Network, at, here string) {
	// A BIOS PXE ROM sends option 93 = 0 (RFC 4578): what it got is the
	// BIOS loader; pxegen gives a client that sends no option 93 the same.
	bios, uefi, arm := files["bios-arch0"], files["uefi"], files["arm64"]
	if s := files["ipxe"]; s != bios || s != "" {
		if s == bios && s != "" {
			im.notef(here, "network %s: iPXE got %s, as the plain PXE ROMs did; pxegen gives iPXE its boot script, ipxe/%s, which boots the network's profile or the menu", n.Name, s, path.Base(inventory.BootScript(n.Name)))
		} else if s != "" {
			im.notef(here, "network %s: iPXE got %s (%s); pxegen gives it its own boot script, ipxe/%s, which boots the network's profile or the menu", n.Name, s, kindOf(s), path.Base(inventory.BootScript(n.Name)))
		}
	}
	if h := files["uefi-http"]; h != "" {
		im.notef(here, "network %s: UEFI HTTP boot clients got %s; pxegen gives them http_url + bootloaders.uefi, or nothing in a Secure Boot network", n.Name, h)
	}
	if files["bios"] != bios {
		im.notef(here, "network %s: clients that send no option 93 got %s, BIOS PXE ROMs (93 = 0) %s; pxegen gives both %s", n.Name, orNothing(files["bios"]), orNothing(bios), orNothing(bios))
	}
	if files["uefi-arch9"] != uefi {
		im.notef(here, "network %s: x86-64 UEFI clients got %s (93 = 7) and %s (93 = 9); pxegen gives both %s", n.Name, orNothing(uefi), orNothing(files["uefi-arch9"]), orNothing(uefi))
	}
	if bios == "" && uefi == "" && arm == "" {
		im.notef(here, "network %s: no boot file for any firmware; pxegen gives its loaders", n.Name)
		return
	}
	if bios == uefi && (arm == bios || arm == "") {
		// One file whatever the firmware: the network's boot_file.
		if msg := inventory.CheckBootFile(bios); msg != "" {
			im.notef(here, "network %s: every PXE client got %s, which cannot be a boot_file: %s; pxegen gives its loaders", n.Name, bios, msg)
			return
		}
		n.BootFile = bios
		im.notes[at+".boot_file"] = fmt.Sprintf("every PXE client got it (%s); remove boot_file to give each firmware pxegen's own loader", kindOf(bios))
		if arm == "" {
			im.notef(here, "network %s: ARM64 clients got no boot file; with boot_file they get %s", n.Name, bios)
		}
		return
	}
	if bios != "" {
		im.loader("bios", bios, here)
	} else {
		im.notef(here, "network %s: BIOS clients got no boot file; pxegen gives them its BIOS loader", n.Name)
	}
	switch {
	case uefi == "":
		im.notef(here, "network %s: x86-64 UEFI clients got no boot file; pxegen gives them its UEFI loader", n.Name)
	case kindOf(uefi) == kindShim:
		im.loader("shim", uefi, here)
		n.SecureBoot = true
		im.notes[at+".secure_boot"] = "x86-64 UEFI clients got " + uefi + ", shim"
	default:
		im.loader("uefi", uefi, here)
	}
	switch {
	case arm == "":
	case arm == bios || arm == uefi:
		im.notef(here, "network %s: ARM64 clients got %s, an x86 loader; pxegen gives them none where arches lacks arm64", n.Name, arm)
	default:
		im.loader("arm64", arm, here)
		n.Arches = inventory.StringList{inventory.ArchX86_64, inventory.ArchARM64}
	}
}

// loader records the file a firmware gets, for bootloaders: the first
// network's wins.
func (im *importer) loader(kind, file, where string) {
	prev, ok := im.loaders[kind]
	if !ok {
		im.loaders[kind] = loaderSeen{file, where}
		var at *string
		b := &im.inv.Bootloaders
		switch kind {
		case "bios":
			at = &b.BIOS
		case "uefi":
			at = &b.UEFI
		case "shim":
			at = &b.Shim
		case "arm64":
			at = &b.ARM64
		}
		if def := defaultLoader(kind); file != def {
			*at = file
			im.notes["bootloaders."+kind] = "from " + where + " (" + kindOf(file) + ")"
		}
		return
	}
	if prev.file != file {
		im.notef(where, "the %s loader %s: pxegen gives every network one, %s (%s)", kind, file, prev.file, prev.where)
	}
}

func defaultLoader(kind string) string {
	switch kind {
	case "bios":
		return inventory.DefaultBIOSLoader
	case "uefi":
		return inventory.DefaultUEFILoader
	case "shim":
		return inventory.DefaultShim
	case "arm64":
		return inventory.DefaultARM64Loader
	}
	return ""
}

// The kinds of boot file import recognises by name.
const (
	kindIPXE     = "iPXE"
	kindPXELinux = "PXELINUX"
	kindShim     = "shim"
	kindGRUB     = "GRUB"
	kindScript   = "a script or file fetched by URL"
	kindOther    = "a boot program import does not know"
)

// kindOf says what a boot file is, by its name.
func kindOf(file string) string {
	base := strings.ToLower(path.Base(file))
	switch {
	case strings.Contains(file, "://"):
		return kindScript
	case strings.Contains(base, "ipxe") || strings.HasPrefix(base, "undionly") || strings.HasPrefix(base, "snponly") || base == "snp.efi":
		return kindIPXE
	case strings.HasSuffix(base, "pxelinux.0"):
		return kindPXELinux
	case strings.Contains(base, "shim"):
		return kindShim
	case strings.Contains(base, "grub") || base == "core.efi":
		return kindGRUB
	}
	return kindOther
}

func orNothing(s string) string {
	if s == "" {
		return "no boot file"
	}
	return s
}

// host turns a host declaration into a host.
func (r *dhcpdReader) host(h *dhost) {
	im := r.im
	here := where(h.stmt)
	body := h.scopes[len(h.scopes)-1]
	groups := h.scopes[1 : len(h.scopes)-1] // between the global scope and the host
	own := r.evalHost(h.scopes[:len(h.scopes)-1], body, clients[0])
	hw := own.set["hardware"]
	if hw == nil || !hw.Arg(0).Is("ethernet") {
		im.notef(here, "host %s: no hardware ethernet address; not imported", h.stmt.Arg(0).Text)
		return
	}
	mac, err := net.ParseMAC(hw.Arg(1).Text)
	if err != nil || len(mac) != 6 {
		im.notef(where(hw), "%s: not a MAC address; host not imported", hw.Text())
		return
	}
	// The host's network, by its address: its scopes come first, as dhcpd
	// runs the subnet's statements before the host's.
	var netScopes [][]*dhcpdconf.Statement
	var ip netip.Addr
	if s := own.set["fixed-address"]; s != nil && len(args(s)) > 0 {
		vals := args(s)
		a, err := inventory.ParseIPv4(vals[0].Text)
		if err != nil {
			im.notef(where(s), "%s: a fixed address by name; pxegen takes an address", s.Text())
		} else {
			ip = a
		}
		if len(vals) > 1 {
			im.notef(where(s), "%s: pxegen gives a host one address, %s", s.Text(), vals[0].Text)
		}
	}
	var dn *dnet
	if ip.IsValid() {
		for _, d := range r.nets {
			if d.prefix.Contains(ip) {
				dn = d
			}
		}
	}
	netScopes = h.scopes[:1]
	if dn != nil {
		netScopes = dn.scopes
	}
	scopes := append(append([][]*dhcpdconf.Statement(nil), netScopes...), withoutScopes(groups, netScopes)...)
	he := r.evalHost(scopes, body, clients[0])
	ne := r.eval(netScopes, clients[0])
	r.params(he)
	host, fresh := im.host(strings.ToLower(mac.String()), "from "+here+comments(h.stmt))
	if !fresh {
		im.notef(here, "host %s: MAC %s is already a host's; merged", h.stmt.Arg(0).Text, mac)
	}
	name := h.stmt.Arg(0).Text
	if s := he.set["option host-name"]; s != nil && s.Arg(1).Text != name {
		im.notef(where(s), "%s: pxegen sends the host's name, %s", s.Text(), name)
	}
	if s := he.set["use-host-decl-names"]; he.set["option host-name"] == nil && (s == nil || !handled("use-host-decl-names", s)) {
		im.notef(here, "host %s: dhcpd sent no host name; pxegen sends each host its name (option 12)", name)
	}
	if host.Name == "" {
		host.Name = im.hostName(name, here)
	}
	if ip.IsValid() {
		if host.IP != "" && host.IP != ip.String() {
			im.notef(where(own.set["fixed-address"]), "%s: the host had %s from an earlier block; pxegen gives it one address, %s", own.set["fixed-address"].Text(), host.IP, ip)
		}
		host.IP = ip.String()
	}
	r.options(he, &host.Options, &ne)
	r.hostBoot(host, scopes, body, netScopes, here)
}

// withoutScopes are the scopes of list not in already (a host declared in
// its own subnet has that subnet among its groups).
func withoutScopes(list, already [][]*dhcpdconf.Statement) [][]*dhcpdconf.Statement {
	var out [][]*dhcpdconf.Statement
	for _, s := range list {
		in := false
		for _, a := range already {
			in = in || len(s) > 0 && len(a) > 0 && &s[0] == &a[0]
		}
		if !in {
			out = append(out, s)
		}
	}
	return out
}

// hostBoot carries the host's own boot file and next-server, where they
// differ from its network's.
func (r *dhcpdReader) hostBoot(host *inventory.Host, scopes [][]*dhcpdconf.Statement, body []*dhcpdconf.Statement, netScopes [][]*dhcpdconf.Statement, here string) {
	im := r.im
	files := map[string]string{}
	var next *dhcpdconf.Statement
	differ := false
	for _, c := range clients {
		he, ne := r.evalHost(scopes, body, c), r.eval(netScopes, c)
		if len(he.unknown) > 0 {
			for s, why := range he.unknown {
				im.notef(where(s), "an if chain import cannot evaluate (%s): host %s keeps its network's boot files", why, host.Name)
			}
			return
		}
		if he.same(ne, "filename") {
			continue
		}
		switch {
		case c.ipxe:
			if f := he.arg("filename"); f != "" {
				im.notef(here, "host %s: iPXE got %s (%s); pxegen gives iPXE its own script: the host's (known.ipxe) when it has a profile, else its network's", host.Name, f, kindOf(f))
			}
		case c.http:
		default:
			differ = true
			files[c.name] = he.arg("filename")
			if !he.same(ne, "next-server") {
				next = he.set["next-server"]
			}
		}
	}
	if !differ {
		return
	}
	f := files["bios"]
	if f == "" {
		for _, c := range clients {
			if files[c.name] != "" {
				f = files[c.name]
				break
			}
		}
	}
	for name, other := range files {
		if other != f {
			im.notef(here, "host %s: its %s firmware got %s; pxegen gives the host one boot_file, %s", host.Name, name, orNothing(other), f)
		}
	}
	if f == "" {
		return
	}
	if msg := inventory.CheckBootFile(f); msg != "" {
		im.notef(here, "host %s: its boot file %s cannot be a boot_file: %s; it gets its network's", host.Name, f, msg)
		return
	}
	host.BootFile = f
	if next != nil {
		if ip, err := inventory.ParseIPv4(next.Arg(0).Text); err == nil {
			host.NextServer = ip.String()
		}
	}
}

// comments are a statement's own comments, the lines above it and the one
// after it, as further lines of a note.
func comments(s *dhcpdconf.Statement) string {
	var out string
	for _, c := range s.Comments {
		if c.Text != "" {
			out += "\n" + c.Text
		}
	}
	if s.Trailing != "" {
		out += "\n" + s.Trailing
	}
	return out
}

// maskBits is the prefix length of a netmask.
func maskBits(m netip.Addr) int {
	ones, _ := net.IPMask(m.AsSlice()).Size()
	return ones
}
