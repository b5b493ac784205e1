package importer

import (
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/pxegen/pxegen/inventory"
)

// A dnsmasq configuration is one option a line, NAME=VALUE or NAME, its
// value a comma-separated list whose tag:NAME fields select clients and
// set:NAME fields give them tags. Import reads dhcp-range, dhcp-host,
// dhcp-boot and dhcp-option, and the dhcp-match and dhcp-userclass lines
// that tag clients by firmware, evaluated for each kind of client as
// dnsmasq would.

// dmLine is one option line of a dnsmasq file.
type dmLine struct {
	key    string
	fields []string // the value, split at commas
	where  string   // FILE:LINE
}

// tags splits a line's fields into tag: conditions, set: tags and the
// rest.
func (l dmLine) tags() (cond, set, rest []string) {
	for _, f := range l.fields {
		switch {
		case strings.HasPrefix(f, "tag:"):
			cond = append(cond, f[4:])
		case strings.HasPrefix(f, "net:"): // the old spelling
			cond = append(cond, f[4:])
		case strings.HasPrefix(f, "set:"):
			set = append(set, f[4:])
		default:
			rest = append(rest, f)
		}
	}
	return cond, set, rest
}

// matches reports whether a client with tags has every tag of cond (and
// none of the tag:!NAME ones).
func matches(cond []string, tags map[string]bool) bool {
	for _, c := range cond {
		if neg, ok := strings.CutPrefix(c, "!"); ok {
			if tags[neg] {
				return false
			}
		} else if !tags[c] {
			return false
		}
	}
	return true
}

// dmReader gathers one dnsmasq configuration.
type dmReader struct {
	im       *importer
	lines    []dmLine
	depth    int
	incs     includes
	ranges   []dmRange
	hostTags map[string][]string // set: tags of dhcp-host lines, by MAC
}

type dmRange struct {
	line   dmLine
	tags   []string // set: tags
	prefix netip.Prefix
	net    int // index in the inventory
}

func (im *importer) dnsmasq(path string) error {
	r := &dmReader{im: im, hostTags: map[string][]string{}}
	if err := r.read(path, ""); err != nil {
		return err
	}
	r.apply()
	return nil
}

// errNotRead is a conf-file that is not read: a loop, or one include too many.
type errNotRead string

func (e errNotRead) Error() string { return string(e) }

// dnsmasqUncomment cuts a comment off line as dnsmasq does: a # at the
// start of the line or after white space, outside double quotes, begins
// one ("h2 # spare" is host h2, not "h2 # spare").
func dnsmasqUncomment(line string) string {
	quoted, white := false, true
	for i, r := range line {
		switch {
		case r == '"':
			quoted = !quoted
			white = false
		case quoted:
		case r == ' ' || r == '\t':
			white = true
		case r == '#' && white:
			return line[:i]
		default:
			white = false
		}
	}
	return line
}

// hostFiles are the options that name a file of option lines without
// their key (dnsmasq rereads them on SIGHUP), and the key of their lines.
var hostFiles = map[string]string{"dhcp-hostsfile": "dhcp-host", "dhcp-optsfile": "dhcp-option"}

// read reads path's lines, following conf-file, dhcp-hostsfile and
// dhcp-optsfile. Each line of path is an option with key, when key is not
// "": the lines of a dhcp-hostsfile or dhcp-optsfile.
func (r *dmReader) read(path, key string) error {
	if why := r.incs.enter(path); why != "" {
		return errNotRead(why)
	}
	defer r.incs.leave()
	src, err := readSource(path)
	if err != nil {
		return err
	}
	if why := r.incs.size(path, len(src)); why != "" {
		return errNotRead(why)
	}
	for i, text := range strings.Split(src, "\n") {
		text = strings.TrimSpace(dnsmasqUncomment(text))
		if text == "" {
			continue
		}
		k, value, _ := strings.Cut(text, "=")
		if key != "" {
			k, value = key, text
		}
		l := dmLine{key: strings.TrimSpace(k), where: fmt.Sprintf("%s:%d", path, i+1)}
		if value != "" {
			for _, f := range strings.Split(value, ",") {
				f = strings.TrimSpace(f)
				if len(f) >= 2 && f[0] == '"' && f[len(f)-1] == '"' {
					f = f[1 : len(f)-1] // dnsmasq's quoting of a string value
				}
				l.fields = append(l.fields, f)
			}
		}
		if lineKey, ok := hostFiles[l.key]; (l.key == "conf-file" || ok) && len(l.fields) == 1 {
			p := l.fields[0]
			if !filepath.IsAbs(p) {
				p = filepath.Join(filepath.Dir(path), p)
			}
			if r.depth >= maxIncludeDepth {
				r.im.notef(l.where, "conf-file nested more than %d deep; %s not read", maxIncludeDepth, p)
				continue
			}
			r.depth++
			err := r.read(p, lineKey)
			r.depth--
			if loop, ok := err.(errNotRead); ok {
				r.im.notef(l.where, "%s=%s: %s", l.key, l.fields[0], string(loop))
			} else if err != nil {
				r.im.notef(l.where, "%s=%s: %v; not imported", l.key, l.fields[0], err)
			} else if lineKey != "" {
				r.im.notef(l.where, "%s=%s: its lines are imported as %s lines", l.key, l.fields[0], lineKey)
			} else {
				r.im.notef(l.where, "conf-file=%s: its options are imported as if written here, and pxegen writes no conf-file of it (paths.dnsmasq_include includes a file of the site's own)", l.fields[0])
			}
			continue
		}
		r.lines = append(r.lines, l)
	}
	return nil
}

// apply turns the lines into networks, hosts and boot files.
func (r *dmReader) apply() {
	im := r.im
	authoritative := false
	for _, l := range r.lines {
		switch l.key {
		case "dhcp-authoritative":
			authoritative = true
		case "domain":
			if len(l.fields) > 0 && im.inv.Server.Domain == "" {
				im.inv.Server.Domain = l.fields[0]
				im.notes["server.domain"] = "from " + l.where
			}
			if len(l.fields) > 1 {
				im.notef(l.where, "domain=%s: a domain for some addresses only is not imported", strings.Join(l.fields, ","))
			}
		case "interface":
			im.inv.Server.Interfaces = append(im.inv.Server.Interfaces, l.fields...)
		case "tftp-root":
			if len(l.fields) > 0 && l.fields[0] != inventory.DefaultBootRoot {
				im.inv.Paths.BootRoot = l.fields[0]
				im.notes["paths.boot_root"] = "from " + l.where
			}
		case "dhcp-range":
			r.dhcpRange(l)
		case "dhcp-host", "dhcp-boot", "dhcp-option", "dhcp-option-force", "dhcp-match", "dhcp-userclass", "dhcp-vendorclass":
		case "enable-tftp", "port", "bind-interfaces", "bind-dynamic", "except-interface", "no-dhcp-interface":
			if l.key == "port" || l.key == "except-interface" || l.key == "no-dhcp-interface" {
				im.notef(l.where, "%s: not imported", l.text())
			}
		default:
			im.notef(l.where, "%s: not imported", l.text())
		}
	}
	for _, rg := range r.ranges {
		n := &im.inv.Networks[rg.net]
		a := authoritative
		n.Authoritative = &a
		if !authoritative {
			im.notes[fmt.Sprintf("networks[%d].authoritative", rg.net)] = "dnsmasq's own default: the file does not say dhcp-authoritative"
		}
	}
	for _, l := range r.lines {
		switch l.key {
		case "dhcp-option", "dhcp-option-force":
			r.option(l)
		case "dhcp-host":
			r.host(l)
		}
	}
	for _, rg := range r.ranges {
		n := &im.inv.Networks[rg.net]
		if n.Gateway == "" {
			im.notef(rg.line.where, "network %s: no router option, so dnsmasq gave its own address as router; pxegen gives none without a gateway", n.Name)
		}
		if len(n.DNS) == 0 {
			im.notef(rg.line.where, "network %s: no dns-server option, so dnsmasq gave itself as DNS server; pxegen gives none without dns", n.Name)
		}
		r.bootFiles(rg)
	}
}

func (l dmLine) text() string {
	if len(l.fields) == 0 {
		return l.key
	}
	return l.key + "=" + strings.Join(l.fields, ",")
}

// dhcpRange reads dhcp-range=[tag:..][set:..]START,END|static[,MASK][,LEASE].
func (r *dmReader) dhcpRange(l dmLine) {
	im := r.im
	cond, set, rest := l.tags()
	if len(cond) > 0 {
		im.notef(l.where, "%s: a range for tagged clients only is not imported", l.text())
		return
	}
	if len(rest) > 0 && strings.HasPrefix(rest[0], "interface:") {
		rest = rest[1:]
	}
	if len(rest) < 2 {
		im.notef(l.where, "%s: a range import cannot read", l.text())
		return
	}
	start, err := inventory.ParseIPv4(rest[0])
	if err != nil {
		im.notef(l.where, "%s: not an IPv4 range (IPv6 is not imported)", l.text())
		return
	}
	mode := rest[1]
	var end netip.Addr
	i := 2
	switch mode {
	case "static", "proxy":
		if mode == "proxy" {
			im.notef(l.where, "%s: proxy DHCP is not imported: pxegen's server answers everything", l.text())
			return
		}
	default:
		if end, err = inventory.ParseIPv4(mode); err != nil {
			im.notef(l.where, "%s: a range import cannot read", l.text())
			return
		}
	}
	bits := 24
	if i < len(rest) {
		if m, err := inventory.ParseIPv4(rest[i]); err == nil {
			ones, _ := net.IPMask(m.AsSlice()).Size()
			bits = ones
			i++
		} else {
			im.notef(l.where, "%s: no netmask, which dnsmasq takes from the interface: /24 assumed", l.text())
		}
	} else {
		im.notef(l.where, "%s: no netmask, which dnsmasq takes from the interface: /24 assumed", l.text())
	}
	prefix := netip.PrefixFrom(start, bits).Masked()
	name := ""
	if len(set) > 0 {
		name = strings.TrimPrefix(set[0], "net-")
	}
	n, fresh := im.network(prefix, name, l.where)
	idx := im.nets[prefix]
	if !fresh {
		im.notef(l.where, "%s: a second range in network %s is not imported: pxegen gives a network one pool", l.text(), n.Name)
		return
	}
	if end.IsValid() {
		n.Pool = start.String() + "-" + end.String()
	}
	if i < len(rest) {
		if secs, ok := dnsmasqLease(rest[i]); ok {
			if secs < inventory.MinLeaseTime {
				im.notef(l.where, "a lease of %d s: pxegen gives at least %d s", secs, inventory.MinLeaseTime)
				secs = inventory.MinLeaseTime
			}
			n.LeaseTime = &secs
		} else {
			im.notef(l.where, "%s: the lease time %s is not imported", l.text(), rest[i])
		}
	} else {
		secs := 3600 // dnsmasq's own default
		n.LeaseTime = &secs
		im.notes[fmt.Sprintf("networks[%d].lease_time", idx)] = "dnsmasq's own default: the range gives none"
	}
	r.ranges = append(r.ranges, dmRange{line: l, tags: set, prefix: prefix, net: idx})
}

var leaseSyntax = regexp.MustCompile(`^([0-9]+)([smhdw]?)$`)

// dnsmasqLease reads a lease time: seconds, or a number with a unit.
func dnsmasqLease(s string) (int, bool) {
	m := leaseSyntax.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, false
	}
	mult := map[string]int{"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m[2]]
	if n > inventory.MaxLeaseTime/mult {
		return 0, false
	}
	return n * mult, true
}

// networksTagged are the networks a dhcp-option's or dhcp-boot's tags
// select: where the tags name a range's tag, the networks whose range
// tags satisfy them; else every network.
func (r *dmReader) networksTagged(cond []string) []int {
	named := false
	for _, c := range cond {
		named = named || r.rangeTag(strings.TrimPrefix(c, "!"))
	}
	var out []int
	for _, rg := range r.ranges {
		tags := map[string]bool{}
		for _, t := range rg.tags {
			tags[t] = true
		}
		if !named || matches(cond, tags) {
			out = append(out, rg.net)
		}
	}
	return out
}

// rangeTag reports whether tag is set by a dhcp-range.
func (r *dmReader) rangeTag(tag string) bool {
	for _, rg := range r.ranges {
		for _, t := range rg.tags {
			if t == tag {
				return true
			}
		}
	}
	return false
}

// option reads dhcp-option=[tag:..]OPTION,VALUES for the networks its
// tags select.
func (r *dmReader) option(l dmLine) {
	im := r.im
	cond, _, rest := l.tags()
	for _, c := range cond {
		if !r.rangeTag(strings.TrimPrefix(c, "!")) {
			if c == "ipxe" && len(rest) > 0 && strings.HasPrefix(rest[0], "encap:175") {
				return // iPXE's no-pxedhcp, which pxegen writes too
			}
			im.notef(l.where, "%s: an option for clients tagged %s only is not imported", l.text(), c)
			return
		}
	}
	if len(rest) == 0 {
		return
	}
	name, vals := rest[0], rest[1:]
	code := -1
	if n, ok := strings.CutPrefix(name, "option:"); ok {
		name = n
		for c, dn := range dnsmasqNames {
			if dn == n {
				code = c
			}
		}
	} else if c, err := strconv.Atoi(name); err == nil {
		code = c
	}
	nets := r.networksTagged(cond)
	switch {
	case len(nets) > 0:
	case len(r.ranges) == 0:
		im.notef(l.where, "%s: no dhcp-range gives it a network: not imported", l.text())
	default:
		im.notef(l.where, "%s: its tags match no dhcp-range, so it reaches no imported network: not imported", l.text())
	}
	for _, i := range nets {
		n := &im.inv.Networks[i]
		switch code {
		case 3:
			if len(vals) > 0 {
				n.Gateway = vals[0]
			}
			if len(vals) > 1 {
				im.notef(l.where, "%s: pxegen gives one router, %s", l.text(), vals[0])
			}
		case 6:
			n.DNS = append(inventory.StringList(nil), vals...)
		default:
			carryOption(im, l.where, l.text(), code, vals, &n.Options)
		}
	}
}

// carryOption carries an option given by code (and its values as text)
// into o, or reports why not.
func carryOption(im *importer, where, text string, code int, vals []string, o *inventory.DHCPOptions) {
	if code < 0 {
		im.notef(where, "%s: an option import does not know; give it by code under options.custom", text)
		return
	}
	for _, n := range inventory.NamedOptions {
		if n.Code == code {
			if err := o.SetNamed(n.Key, vals); err != nil {
				im.notef(where, "%s: %v", text, err)
			}
			return
		}
	}
	if why := inventory.OwnOptionCode(code); why != "" {
		im.notef(where, "%s: option %d is %s", text, code, why)
		return
	}
	typ, ok := inventory.StandardOptionType(code)
	if !ok {
		im.notef(where, "%s: dnsmasq guesses the type of option %d from its value; give it by code under options.custom with its type", text, code)
		return
	}
	if typ == inventory.TypeBoolean {
		for i, v := range vals {
			vals[i] = map[string]string{"1": "true", "0": "false"}[v]
		}
	}
	if msg := inventory.CheckOptionValues(typ, vals); msg != "" {
		im.notef(where, "%s: %s", text, msg)
		return
	}
	c := code
	o.Custom = append(o.Custom, inventory.CodedOption{Code: &c, Type: typ, Value: vals})
}

// dnsmasqNames are dnsmasq's names (dnsmasq --help dhcp) of the options
// import reads by name.
var dnsmasqNames = map[int]string{
	2: "time-offset", 3: "router", 6: "dns-server", 7: "log-server", 15: "domain-name", 17: "root-path", 26: "mtu",
	42: "ntp-server", 44: "netbios-ns", 46: "netbios-nodetype", 119: "domain-search", 9: "lpr-server", 16: "swap-server",
	18: "extension-path", 19: "ip-forward-enable", 23: "default-ttl", 35: "arp-timeout", 40: "nis-domain", 41: "nis-server",
	69: "smtp-server", 70: "pop3-server", 100: "posix-timezone", 101: "tzdb-timezone", 150: "tftp-server-address",
	66: "tftp-server", 67: "bootfile-name", 60: "vendor-class", 121: "classless-static-route",
}

// host reads dhcp-host=MAC[,set:..][,IP][,NAME][,LEASE].
func (r *dmReader) host(l dmLine) {
	im := r.im
	cond, set, rest := l.tags()
	if len(cond) > 0 {
		im.notef(l.where, "%s: a host for tagged clients only is not imported", l.text())
		return
	}
	var mac, ip, name string
	for _, f := range rest {
		switch {
		case f == "ignore":
			im.notef(l.where, "%s: a host dnsmasq ignores is not imported", l.text())
			return
		case strings.HasPrefix(f, "id:"):
			im.notef(l.where, "%s: a host by client id is not imported", l.text())
			return
		case isMAC(f):
			if mac != "" {
				im.notef(l.where, "%s: pxegen gives a host one MAC, %s", l.text(), mac)
				continue
			}
			mac = f
		case func() bool { _, err := inventory.ParseIPv4(f); return err == nil }():
			ip = f
		case f == "infinite" || leaseSyntax.MatchString(f):
			im.notef(l.where, "%s: a host's own lease time is not imported: pxegen gives its network's", l.text())
		default:
			name = f
		}
	}
	if mac == "" {
		im.notef(l.where, "%s: no MAC address; not imported", l.text())
		return
	}
	hw, _ := net.ParseMAC(mac)
	h, fresh := im.host(hw.String(), "from "+l.where)
	if !fresh {
		im.notef(l.where, "%s: MAC %s is already a host's; merged", l.text(), hw)
	}
	if h.Name == "" {
		if name == "" {
			name = "host-" + strings.ReplaceAll(hw.String(), ":", "")
			im.notef(l.where, "%s: no host name; named %s", l.text(), name)
		}
		h.Name = im.hostName(name, l.where)
	}
	if ip != "" && h.IP == "" {
		h.IP = ip
	}
	for _, t := range set {
		r.hostTags[h.MAC] = append(r.hostTags[h.MAC], t)
	}
}

func isMAC(s string) bool {
	hw, err := net.ParseMAC(s)
	return err == nil && len(hw) == 6 && strings.Count(s, ":")+strings.Count(s, "-") == 5
}

// clientTags are the tags the dhcp-match, dhcp-userclass and
// dhcp-vendorclass lines give client c; unknown, the tags set by tests
// import cannot evaluate.
func (r *dmReader) clientTags(c client) (tags map[string]bool, unknown map[string]string) {
	tags, unknown = map[string]bool{}, map[string]string{}
	for _, l := range r.lines {
		_, set, rest := l.tags()
		if len(set) == 0 || len(rest) == 0 {
			continue
		}
		on := false
		switch l.key {
		case "dhcp-userclass":
			data, _ := c.option(77)
			on = strings.Contains(string(data), rest[0])
		case "dhcp-vendorclass":
			data, _ := c.option(60)
			on = strings.Contains(string(data), strings.TrimPrefix(rest[0], "enterprise:"))
		case "dhcp-match":
			opt := strings.TrimPrefix(rest[0], "option:")
			code := -1
			switch opt {
			case "client-arch", "93":
				code = 93
			case "user-class", "77":
				code = 77
			case "175":
				code = 175
			}
			data, sent := c.option(code)
			switch {
			case code < 0:
				for _, t := range set {
					unknown[t] = l.where + ": " + l.text()
				}
				continue
			case len(rest) == 1:
				on = sent
			case code == 93:
				want, ok := archValue(rest[1])
				on = ok && sent && len(data) == 2 && int(data[0])<<8|int(data[1]) == want
				if !ok {
					for _, t := range set {
						unknown[t] = l.where + ": " + l.text()
					}
					continue
				}
			default:
				on = sent && strings.Contains(string(data), rest[1])
			}
		default:
			continue
		}
		if on {
			for _, t := range set {
				tags[t] = true
			}
		}
	}
	return tags, unknown
}

// archValue reads a client architecture in a dhcp-match: decimal, or hex
// (00:07).
func archValue(s string) (int, bool) {
	if b, ok := hexWord(s); ok && len(b) == 2 {
		return int(b[0])<<8 | int(b[1]), true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// boot is the dhcp-boot line a client with tags gets, as dnsmasq picks
// it: of the lines whose tags all match, the last in the file, else the
// last line without tags (dnsmasq keeps its lines in a list it prepends
// to, and takes the first that matches).
func (r *dmReader) boot(tags map[string]bool, unknown map[string]string) (line *dmLine, why string) {
	var tagged, plain *dmLine
	for i := range r.lines {
		l := &r.lines[i]
		if l.key != "dhcp-boot" {
			continue
		}
		cond, _, _ := l.tags()
		for _, c := range cond {
			if w, ok := unknown[strings.TrimPrefix(c, "!")]; ok {
				return nil, "a tag set by a test import cannot evaluate (" + w + ")"
			}
		}
		switch {
		case len(cond) == 0:
			plain = l
		case matches(cond, tags):
			tagged = l
		}
	}
	if tagged != nil {
		return tagged, ""
	}
	return plain, ""
}

// bootFiles works out what each firmware gets in the range's network, and
// what each host with tags of its own gets.
func (r *dmReader) bootFiles(rg dmRange) {
	im := r.im
	n := &im.inv.Networks[rg.net]
	at := fmt.Sprintf("networks[%d]", rg.net)
	files := map[string]string{}
	var next string
	for _, c := range clients {
		tags, unknown := r.clientTags(c)
		for _, t := range rg.tags {
			tags[t] = true
		}
		l, why := r.boot(tags, unknown)
		if why != "" {
			im.notef(rg.line.where, "network %s, %s clients: %s", n.Name, c.name, why)
			if l == nil {
				return
			}
		}
		if l == nil {
			continue
		}
		_, _, rest := l.tags()
		files[c.name] = rest[0]
		if !c.ipxe && len(rest) > 2 && rest[2] != "" && next == "" {
			next = rest[2]
		}
	}
	switch ip, err := inventory.ParseIPv4(next); {
	case next == "":
		if len(files) > 0 {
			im.notef(rg.line.where, "network %s: dhcp-boot names no server address, so dnsmasq gave its own; pxegen gives the boot server's", n.Name)
		}
	case err != nil:
		im.notef(rg.line.where, "network %s: the boot server %s is not an address", n.Name, next)
	case im.inv.Server.IP == "":
		im.setServerIP(ip.String(), rg.line.where)
	case ip.String() != im.inv.Server.IP:
		n.NextServer = ip.String()
	}
	im.bootMapping(files, n, at, rg.line.where)
	// Hosts whose own tags give them another boot file.
	for i, h := range im.inv.Hosts {
		tags := r.hostTags[h.MAC]
		ip, err := inventory.ParseIPv4(h.IP)
		if len(tags) == 0 || err != nil || !rg.prefix.Contains(ip) {
			continue
		}
		own := ""
		for _, c := range clients {
			if c.ipxe || c.http {
				continue
			}
			ct, unknown := r.clientTags(c)
			for _, t := range append(append([]string(nil), rg.tags...), tags...) {
				ct[t] = true
			}
			ct["known"] = true
			l, _ := r.boot(ct, unknown)
			if l == nil {
				continue
			}
			_, _, rest := l.tags()
			if rest[0] != files[c.name] && own == "" {
				if msg := inventory.CheckBootFile(rest[0]); msg != "" {
					im.notef(l.where, "host %s: its boot file %s cannot be a boot_file: %s", h.Name, rest[0], msg)
					break
				}
				own = rest[0]
				im.inv.Hosts[i].BootFile = own
				im.notes[fmt.Sprintf("hosts[%d]", i)] += "; boot_file from " + l.where
			}
		}
	}
}
