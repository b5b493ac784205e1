package inventory

import (
	"fmt"
	"strings"
)

// lengths checks every string field, and every list, against its limit
// before any other rule runs, and remembers the key paths that are too
// long: what the other rules would say there (quoting the value) is left
// out, since the value must change anyway.
func (v *validator) lengths() {
	inv := v.inv
	v.long = map[string]bool{}
	fits := func(p func() string, s string, limit int) {
		if len(s) > limit {
			v.tooLong(p(), fmt.Sprintf("longer than %d characters", limit))
		}
	}
	at := func(p string) func() string { return func() string { return p } }
	list := func(p string, l []string, limit, itemLimit int) {
		if len(l) > limit {
			v.tooLong(p, fmt.Sprintf("%d items; at most %d", len(l), limit))
			return
		}
		for i, s := range l {
			fits(func() string { return fmt.Sprintf("%s[%d]", p, i) }, s, itemLimit)
		}
	}
	s := inv.Server
	if !inv.serverFromPeer {
		fits(at("server.ip"), s.IP, MaxNameLen)
	}
	if inv.serverURLGiven {
		fits(at("server.http_url"), inv.fileHTTPURL, MaxPathLen)
	} else if !inv.serverFromPeer {
		fits(at("server.http_url"), s.HTTPURL, MaxPathLen)
	}
	fits(at("server.domain"), s.Domain, MaxDomainLen)
	list("server.interfaces", s.Interfaces, MaxInterfaces, MaxNameLen)
	fits(at("server.ip6"), s.IP6, MaxNameLen)
	fits(at("server.http_url6"), s.HTTPURL6, MaxPathLen)
	ha := func(prefix string, h *HA) {
		if h == nil {
			return
		}
		fits(at(prefix+"ha.mode"), h.Mode, MaxNameLen)
		if len(h.Peers) > MaxHAPeers {
			v.tooLong(prefix+"ha.peers", fmt.Sprintf("%d items; at most %d", len(h.Peers), MaxHAPeers))
			return
		}
		for i, p := range h.Peers {
			at := func(k string) func() string {
				return func() string { return fmt.Sprintf("%sha.peers[%d].%s", prefix, i, k) }
			}
			fits(at("name"), p.Name, MaxNameLen)
			fits(at("ip"), p.IP, MaxNameLen)
			fits(at("http_url"), p.HTTPURL, MaxPathLen)
		}
	}
	ha("", inv.HA)
	if inv.view == nil && len(inv.Sites) <= MaxSites {
		// A site's view checks its server and pair again, in its own
		// paths; the sites' own keys are checked here.
		for i, site := range inv.Sites {
			prefix := fmt.Sprintf("sites[%d].", i)
			fits(at(prefix+"name"), site.Name, MaxNameLen)
			fits(at(prefix+"server.ip"), site.Server.IP, MaxNameLen)
			fits(at(prefix+"server.http_url"), site.Server.HTTPURL, MaxPathLen)
			fits(at(prefix+"server.domain"), site.Server.Domain, MaxDomainLen)
			list(prefix+"server.interfaces", site.Server.Interfaces, MaxInterfaces, MaxNameLen)
			list(prefix+"networks", site.Networks, MaxNetworks, MaxNameLen)
			ha(prefix, site.HA)
		}
	}
	fits(at("targets.dhcp"), inv.Targets.DHCP, MaxNameLen)
	fits(at("targets.tftp"), inv.Targets.TFTP, MaxNameLen)
	fits(at("targets.kea_version"), inv.Targets.KeaVersion, MaxNameLen)
	p := inv.Paths
	for _, f := range []struct{ key, val string }{
		{"paths.dhcpd_conf", p.DhcpdConf}, {"paths.kea_conf", p.KeaConf}, {"paths.dnsmasq_conf", p.DnsmasqConf},
		{"paths.xinetd_tftp", p.XinetdTFTP}, {"paths.apache_conf", p.ApacheConf}, {"paths.boot_root", p.BootRoot},
		{"paths.manifest", p.Manifest}, {"paths.dhcpd_include", p.DhcpdInclude}, {"paths.kea_include", p.KeaInclude},
		{"paths.dnsmasq_include", p.DnsmasqInclude}, {"paths.dnsmasq_hosts", p.DnsmasqHosts},
		{"paths.dnsmasq_opts", p.DnsmasqOpts}, {"paths.dhcpd6_conf", p.Dhcpd6Conf}, {"paths.kea6_conf", p.Kea6Conf},
		{"paths.radvd_conf", p.RadvdConf},
	} {
		fits(at(f.key), f.val, MaxPathLen)
	}
	fits(at("paths.kea_control_socket"), p.KeaControlSocket, MaxSocketPathLen)
	fits(at("paths.kea6_control_socket"), p.Kea6ControlSocket, MaxSocketPathLen)
	fits(at("paths.kea_hooks"), p.KeaHooks, MaxPathLen)
	b := inv.Bootloaders
	for _, f := range []struct{ key, val string }{
		{"bootloaders.bios", b.BIOS}, {"bootloaders.uefi", b.UEFI}, {"bootloaders.pxelinux", b.PXELinux},
		{"bootloaders.arm64", b.ARM64}, {"bootloaders.shim", b.Shim}, {"bootloaders.grub_dir", b.GRUBDir},
	} {
		fits(at(f.key), f.val, MaxPathLen)
	}
	if len(b.Arch) > MaxArchLoaders {
		v.tooLong("bootloaders.arch", fmt.Sprintf("%d entries; at most %d", len(b.Arch), MaxArchLoaders))
	}
	for k, f := range b.Arch {
		fits(at("bootloaders.arch."+k), f, MaxPathLen)
	}
	for i, n := range inv.Networks {
		key := func(k string) func() string { return func() string { return fmt.Sprintf("networks[%d].%s", i, k) } }
		fits(key("name"), n.Name, MaxNameLen)
		fits(key("subnet"), n.Subnet, MaxNameLen)
		fits(key("gateway"), n.Gateway, MaxNameLen)
		fits(key("pool"), n.Pool, MaxNameLen)
		fits(key("subnet6"), n.Subnet6, MaxNameLen)
		fits(key("pool6"), n.Pool6, 2*MaxNameLen+1)
		fits(key("interface"), n.Interface, MaxNameLen)
		if len(n.DNS6) > 0 {
			list(key("dns6")(), n.DNS6, MaxDNSServers, MaxNameLen)
		}
		fits(key("profile"), n.Profile, MaxNameLen)
		fits(key("next_server"), n.NextServer, MaxNameLen)
		fits(key("boot_file"), n.BootFile, MaxPathLen)
		if len(n.DNS) > 0 {
			list(key("dns")(), n.DNS, MaxDNSServers, MaxNameLen)
		}
		if len(n.Arches) > 0 {
			list(key("arches")(), n.Arches, MaxArches, MaxNameLen)
		}
		v.optionLengths(fmt.Sprintf("networks[%d].options", i), n.Options, fits, list)
	}
	for _, name := range v.names {
		pr := own(inv.Profiles[name])
		key := func(k string) func() string { return func() string { return "profiles." + name + "." + k } }
		fits(key("inherits"), pr.Inherits, MaxNameLen)
		fits(key("label"), pr.Label, MaxTextLen)
		fits(key("kernel"), pr.Kernel, MaxPathLen)
		fits(key("kind"), pr.Kind, MaxNameLen)
		fits(key("efi"), pr.EFI, MaxPathLen)
		fits(key("append"), pr.Append, MaxAppendLine)
		fits(key("append_extra"), pr.AppendExtra, MaxAppendLine)
		if len(pr.Initrd) > 0 {
			list(key("initrd")(), pr.Initrd, MaxInitrds, MaxPathLen)
		}
		fits(key("arm64.kernel"), pr.ARM64.Kernel, MaxPathLen)
		if len(pr.ARM64.Initrd) > 0 {
			list(key("arm64.initrd")(), pr.ARM64.Initrd, MaxInitrds, MaxPathLen)
		}
	}
	m := inv.Menu
	fits(at("menu.title"), m.Title, MaxTextLen)
	fits(at("menu.default"), m.Default, MaxNameLen)
	for i, h := range inv.Hosts {
		if len(h.Name) <= MaxNameLen && len(h.MAC) <= MaxNameLen && len(h.IP) <= MaxNameLen &&
			len(h.Profile) <= MaxNameLen && len(h.Boot) <= MaxNameLen && len(h.Append) <= MaxAppendLine && len(h.Arch) <= MaxNameLen &&
			len(h.NextServer) <= MaxNameLen && len(h.BootFile) <= MaxPathLen && len(h.IP6) <= MaxNameLen {
			continue // the common case, without building a key path
		}
		key := func(k string) func() string { return func() string { return fmt.Sprintf("hosts[%d].%s", i, k) } }
		fits(key("name"), h.Name, MaxNameLen)
		fits(key("mac"), h.MAC, MaxNameLen)
		fits(key("ip"), h.IP, MaxNameLen)
		fits(key("ip6"), h.IP6, MaxNameLen)
		fits(key("profile"), h.Profile, MaxNameLen)
		fits(key("boot"), h.Boot, MaxNameLen)
		fits(key("append"), h.Append, MaxAppendLine)
		fits(key("arch"), h.Arch, MaxNameLen)
		fits(key("next_server"), h.NextServer, MaxNameLen)
		fits(key("boot_file"), h.BootFile, MaxPathLen)
	}
	for i, h := range inv.Hosts {
		if len(h.Interfaces) > MaxHostInterfaces {
			v.tooLong(fmt.Sprintf("hosts[%d].interfaces", i), fmt.Sprintf("%d interfaces; a host has at most %d", len(h.Interfaces), MaxHostInterfaces))
			continue
		}
		for j, n := range h.Interfaces {
			if len(n.Name) <= MaxNameLen && len(n.MAC) <= MaxNameLen && len(n.IP) <= MaxNameLen && len(n.ClientID) <= MaxClientIDLen && len(n.IP6) <= MaxNameLen {
				continue
			}
			key := func(k string) func() string {
				return func() string { return fmt.Sprintf("hosts[%d].interfaces[%d].%s", i, j, k) }
			}
			fits(key("name"), n.Name, MaxNameLen)
			fits(key("mac"), n.MAC, MaxNameLen)
			fits(key("client_id"), n.ClientID, MaxClientIDLen)
			fits(key("ip"), n.IP, MaxNameLen)
			fits(key("ip6"), n.IP6, MaxNameLen)
		}
	}
	for i, h := range inv.Hosts {
		if !h.Options.Empty() {
			v.optionLengths(fmt.Sprintf("hosts[%d].options", i), h.Options, fits, list)
		}
	}
}

// MaxOptionValueLen bounds one option value as written: 255 bytes in hex
// with colons between them.
const MaxOptionValueLen = 3*MaxOptionLen - 1

// optionLengths checks the lengths of one scope's options (at is its
// options key) with the helpers of lengths.
func (v *validator) optionLengths(at string, o DHCPOptions, fits func(func() string, string, int), list func(string, []string, int, int)) {
	key := func(k string) func() string { return func() string { return at + "." + k } }
	for _, n := range NamedOptions {
		vals := o.named(n.Key)
		switch {
		case len(vals) == 0:
		case n.List:
			limit := MaxNameLen
			if n.Type == typeDomainList {
				limit = MaxDomainLen
			}
			list(key(n.Key)(), vals, MaxOptionItems, limit)
		case n.Type == typeDomain:
			fits(key(n.Key), vals[0], MaxDomainLen)
		case n.Type == TypeText:
			fits(key(n.Key), vals[0], MaxOptionLen)
		}
	}
	for _, l := range []struct {
		key  string
		opts []CodedOption
	}{{"vendor", o.Vendor}, {"custom", o.Custom}} {
		if len(l.opts) > MaxOptionItems {
			v.tooLong(at+"."+l.key, fmt.Sprintf("%d options; at most %d", len(l.opts), MaxOptionItems))
			continue
		}
		for i, c := range l.opts {
			p := fmt.Sprintf("%s.%s[%d]", at, l.key, i)
			fits(func() string { return p + ".type" }, c.Type, MaxNameLen)
			list(p+".value", c.Value, MaxOptionItems, MaxOptionValueLen)
		}
	}
}

// tooLong records that the value at p is too long.
func (v *validator) tooLong(p, msg string) {
	v.long[p] = true
	v.errs = append(v.errs, &Error{File: v.inv.file, Pos: v.inv.posOf(p), Path: v.inv.origPath(p), Msg: msg})
}

// skip reports whether p is, or lies inside, a value too long to check.
func (v *validator) skip(p string) bool {
	if len(v.long) == 0 {
		return false
	}
	for {
		if v.long[p] {
			return true
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			return false
		}
		p = p[:i]
	}
}
