package generate

import (
	"fmt"
	"path"
	"strings"

	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/inventory"
)

// A target is one consumer of generated files (a daemon or a boot loader):
// the templates it uses and the files they produce. A new daemon is a new
// target added to targets, not a change to the others.
type target struct {
	name  string
	files func(s *Site) []output
	// reload is the daemon that reads this target's files only when it
	// starts or reloads; nil for files read at every boot.
	reload *Reload
}

// Reload names a daemon that must reload or restart to see a changed file.
type Reload struct {
	Daemon  string `json:"daemon"`
	Service string `json:"service"` // the Debian service name, for systemctl
	// Action is what makes the daemon read its files: a systemctl verb,
	// "reload" where Debian's unit can reload (xinetd, Apache, and dnsmasq
	// for its host files, which it rereads on SIGHUP), else "restart"
	// (dhcpd has no reload; dnsmasq rereads nothing else); or
	// "config-reload", Kea's command sent to its control socket, which
	// applies the new file without dropping the state a restart would
	// reload (Debian's Kea unit has no reload).
	Action string `json:"action"`
	// Socket is Kea's control socket, for config-reload.
	Socket string `json:"socket,omitempty"`
	Path   string `json:"path"` // the changed file that calls for Action, as on the server
	// Paths are all the daemon's changed files.
	Paths []string `json:"paths"`
}

// actionRank orders a daemon's actions: a restart rereads everything a
// reload would, and a stopped daemon reads nothing.
var actionRank = map[string]int{"reload": 1, "config-reload": 1, "restart": 2, "stop": 3}

// removedReload is what a daemon needs when --prune removes its file at
// path, which happens when the inventory no longer uses it (targets
// changed): a DHCP server that is no longer the site's stops, for two
// must never answer one network; dnsmasq, which may serve DNS too,
// restarts without pxegen's drop-in; xinetd reloads without the tftp
// service.
func removedReload(paths inventory.Paths, path string) *Reload {
	switch "/" + path {
	case paths.DhcpdConf:
		return &Reload{Daemon: "dhcpd", Service: "isc-dhcp-server", Action: "stop"}
	case paths.KeaConf:
		return &Reload{Daemon: "kea-dhcp4", Service: "kea-dhcp4-server", Action: "stop"}
	case paths.DnsmasqConf:
		return &Reload{Daemon: "dnsmasq", Service: "dnsmasq", Action: "restart"}
	case paths.DnsmasqHosts, paths.DnsmasqOpts:
		return &Reload{Daemon: "dnsmasq", Service: "dnsmasq", Action: "reload"}
	case paths.XinetdTFTP:
		return &Reload{Daemon: "xinetd", Service: "xinetd", Action: "reload"}
	case paths.Kea6Conf:
		return &Reload{Daemon: "kea-dhcp6", Service: "kea-dhcp6-server", Action: "stop"}
	case paths.Dhcpd6Conf:
		return &Reload{Daemon: "dhcpd", Service: "isc-dhcp-server", Action: "restart"}
	case paths.RadvdConf:
		return &Reload{Daemon: "radvd", Service: "radvd", Action: "stop"}
	}
	return nil
}

// Reloads lists the daemons whose own files a plan's changes create,
// update or remove, once each, with the paths as on the server; PXELINUX,
// GRUB and iPXE files are read at every boot and need none. A daemon with
// a file that needs a restart and one a reload would do gets the restart.
func Reloads(paths inventory.Paths, changes []filetree.Change) []Reload {
	var out []Reload
	at := map[string]int{} // service -> index in out
	for _, c := range changes {
		var found []*Reload
		switch c.Action {
		case filetree.Create, filetree.Update:
			for _, t := range targets {
				if t.name == c.Target && t.reload != nil {
					found = append(found, t.reload)
				}
			}
		case filetree.Remove:
			if r := removedReload(paths, c.Path); r != nil {
				found = append(found, r)
			}
		}
		for _, daemon := range found {
			r := *daemon
			r.Path = "/" + c.Path
			if r.Action == "config-reload" {
				r.Socket = paths.KeaControlSocket
			}
			i, seen := at[r.Service]
			if !seen {
				at[r.Service] = len(out)
				r.Paths = []string{r.Path}
				out = append(out, r)
				continue
			}
			r.Paths = append(out[i].Paths, r.Path)
			if actionRank[r.Action] <= actionRank[out[i].Action] {
				r.Action, r.Path, r.Socket = out[i].Action, out[i].Path, out[i].Socket
			}
			out[i] = r
		}
	}
	return out
}

// ReloadNote is a plan summary's word on the daemons to reload.
func ReloadNote(reloads []Reload) string {
	if len(reloads) == 0 {
		return "; no daemon needs a reload"
	}
	names := make([]string, len(reloads))
	for i, r := range reloads {
		names[i] = r.Action + " " + r.Daemon
	}
	return "; " + strings.Join(names, ", ")
}

// output is one file to render: its path below the output root, the
// template and the data it is executed with; or, for a file built from
// typed structs rather than text, the function that encodes it.
type output struct {
	path     string
	template string
	data     any
	encode   func() ([]byte, error)
}

// targets lists every target pxegen renders, in a fixed order.
var targets = []target{
	{"dhcpd", dhcpdFiles, &Reload{Daemon: "dhcpd", Service: "isc-dhcp-server", Action: "restart"}},
	{"kea", keaFiles, &Reload{Daemon: "kea-dhcp4", Service: "kea-dhcp4-server", Action: "config-reload"}},
	{"dnsmasq", dnsmasqFiles, &Reload{Daemon: "dnsmasq", Service: "dnsmasq", Action: "restart"}},
	{"dnsmasq-hosts", dnsmasqHostFiles, &Reload{Daemon: "dnsmasq", Service: "dnsmasq", Action: "reload"}},
	{"xinetd", xinetdFiles, &Reload{Daemon: "xinetd", Service: "xinetd", Action: "reload"}},
	{"kea6", kea6Files, &Reload{Daemon: "kea-dhcp6", Service: "kea-dhcp6-server", Action: "restart"}},
	{"dhcpd6", dhcpd6Files, &Reload{Daemon: "dhcpd", Service: "isc-dhcp-server", Action: "restart"}},
	{"radvd", radvdFiles, &Reload{Daemon: "radvd", Service: "radvd", Action: "reload"}},
	{"apache", apacheFiles, &Reload{Daemon: "apache", Service: "apache2", Action: "reload"}},
	{"pxelinux", pxelinuxFiles, nil},
	{"grub", grubFiles, nil},
	{"ipxe", ipxeFiles, nil},
}

// rel turns an absolute server path into a path below the output root, so
// that the tree mirrors the server: `rsync -a out/ /` deploys it.
func rel(abs string) string { return strings.TrimPrefix(abs, "/") }

func dhcpdFiles(s *Site) []output {
	if s.Targets.DHCP != inventory.TargetDhcpd {
		return nil
	}
	return []output{{path: rel(s.Paths.DhcpdConf), template: "dhcpd/dhcpd.conf.tmpl", data: s}}
}

func keaFiles(s *Site) []output {
	if s.Targets.DHCP != inventory.TargetKea {
		return nil
	}
	return []output{{path: rel(s.Paths.KeaConf), encode: func() ([]byte, error) { return keaConfig(s) }}}
}

// dnsmasqFiles writes one drop-in holding whichever of DHCP and TFTP the
// inventory gives dnsmasq.
func dnsmasqFiles(s *Site) []output {
	if !s.Targets.UsesDnsmasq() {
		return nil
	}
	return []output{{path: rel(s.Paths.DnsmasqConf), template: "dnsmasq/pxegen.conf.tmpl", data: s}}
}

// dnsmasqHostFiles writes the hosts and their options into the files the
// drop-in names (dhcp-hostsfile, dhcp-optsfile), which dnsmasq rereads on
// SIGHUP.
func dnsmasqHostFiles(s *Site) []output {
	if s.Targets.DHCP != inventory.TargetDnsmasq || len(s.Hosts) == 0 {
		return nil
	}
	return []output{
		{path: rel(s.Paths.DnsmasqHosts), template: "dnsmasq/hosts.tmpl", data: s},
		{path: rel(s.Paths.DnsmasqOpts), template: "dnsmasq/opts.tmpl", data: s},
	}
}

func xinetdFiles(s *Site) []output {
	if s.Targets.TFTP != inventory.TargetXinetd {
		return nil
	}
	return []output{{path: rel(s.Paths.XinetdTFTP), template: "xinetd/tftp.tmpl", data: s}}
}

func apacheFiles(s *Site) []output {
	return []output{{path: rel(s.Paths.ApacheConf), template: "apache/pxegen.conf.tmpl", data: s}}
}

// entry is the data of a file that boots one profile: a host's, or the
// default of a network's unknown clients.
type entry struct {
	Site       *Site
	About      string // one line saying whom the file is for
	Profile    *Profile
	Args       string // the kernel arguments: the profile's, then a host's own
	AppendLine string // PXELINUX APPEND
	KernelLine string // iPXE kernel arguments
	// ARM64KernelLine is the same for the profile's ARM64 kernel.
	ARM64KernelLine string
}

func newEntry(s *Site, about string, p *Profile, args string) entry {
	e := entry{Site: s, About: about, Profile: p, Args: args, AppendLine: appendLine(p.Initrds, args), KernelLine: kernelLine(p.Initrds, args)}
	if p.ARM64 != nil {
		e.ARM64KernelLine = kernelLine(p.ARM64.Initrds, args)
	}
	return e
}

func hostAbout(h *Host) string {
	id := h.MAC
	if h.ClientID != "" {
		id = "client id " + h.ClientID
	}
	about := fmt.Sprintf("host %s (%s", h.HostName, id)
	if h.Interface != "" {
		about = fmt.Sprintf("host %s (%s %s", h.HostName, h.Interface, id)
	}
	if h.IP != "" {
		about += ", " + h.IP
	}
	if h.Profile.Local {
		return about + ") boots from its local disk"
	}
	return about + ") boots profile " + h.Profile.Name
}

// pxelinuxFiles writes what PXELINUX searches for, in its order: 01-<mac>,
// the hex IP shortened one digit at a time, then default. A known host gets
// its MAC and hex IP files; a network with a profile gets the hex prefixes
// that cover its subnet; everyone else falls through to the menu.
func pxelinuxFiles(s *Site) []output {
	dir := path.Join(rel(s.Paths.BootRoot), "pxelinux.cfg")
	outs := []output{{path: path.Join(dir, "default"), template: "pxelinux/default.tmpl", data: s}}
	// PXELINUX runs only on x86 BIOS.
	return append(outs, searchedFiles(s, dir+"/", "pxelinux/entry.tmpl",
		func(h *Host) bool { return h.Arch != inventory.ArchARM64 }, func(n *Network) bool { return n.X86 })...)
}

// grubFiles writes what GRUB searches for when it runs from the network, in
// the same order as PXELINUX and under the same names with a grub.cfg-
// prefix, for the clients that run GRUB (the signed chain, and ARM64
// machines): grub.cfg-01-<mac>, grub.cfg-<hex IP> shortened, then
// grub.cfg, which holds the menu. Before grub.cfg, Debian's signed images
// run <platform>/grub.cfg if there is one (x86_64-efi, arm64-efi): pxegen
// writes that too, for each GRUB that runs, so that one an installer left
// cannot win.
func grubFiles(s *Site) []output {
	if !s.SecureBoot && !s.ARM64 {
		return nil
	}
	dir := path.Join(rel(s.Paths.BootRoot), s.Bootloaders.GRUBDir)
	outs := []output{{path: path.Join(dir, "grub.cfg"), template: "grub/grub.cfg.tmpl", data: s}}
	for _, p := range []struct {
		runs     bool
		platform string
	}{{s.SecureBoot, "x86_64-efi"}, {s.ARM64, "arm64-efi"}} {
		if p.runs {
			outs = append(outs, output{path: path.Join(dir, p.platform, "grub.cfg"), template: "grub/platform.cfg.tmpl", data: struct{ Platform string }{p.platform}})
		}
	}
	return append(outs, searchedFiles(s, path.Join(dir, "grub.cfg-"), "grub/entry.cfg.tmpl",
		func(h *Host) bool { return h.GRUB }, func(n *Network) bool { return n.SecureBoot || n.ARM64 })...)
}

// searchedFiles are the per-machine files a loader that searches by MAC
// and hex IP finds, named prefix+"01-<mac>" and prefix+"<hex>": for each
// host that boots a profile (and that host wants), its MAC and hex IP; for
// each network with a profile (and that network wants), the hex prefixes
// that cover its subnet, except one a host's own file already is.
func searchedFiles(s *Site, prefix, tmpl string, host func(*Host) bool, network func(*Network) bool) []output {
	var outs []output
	hostFiles := map[string]bool{}
	for _, h := range s.Hosts {
		if h.Profile == nil || !host(h) {
			continue
		}
		e := newEntry(s, hostAbout(h), h.Profile, h.Args)
		// An InfiniBand entry has no MAC: its hex IP file alone finds it.
		if h.MACHyphen != "" {
			outs = append(outs, output{path: prefix + "01-" + h.MACHyphen, template: tmpl, data: e})
		}
		if h.HexIP != "" {
			outs = append(outs, output{path: prefix + h.HexIP, template: tmpl, data: e})
			hostFiles[h.HexIP] = true
		}
	}
	for _, n := range s.Networks4 {
		if n.Profile == "" || !network(n) {
			continue
		}
		p := s.profiles[n.Profile]
		about := fmt.Sprintf("clients of network %s (%s) that no host entry names boot profile %s", n.Name, n.Subnet, p.Name)
		for _, name := range hexPrefixes(n.Subnet) {
			// In a /29 or /30 a prefix is a whole address; a host's own
			// file for it wins.
			if !hostFiles[name] {
				outs = append(outs, output{path: prefix + name, template: tmpl, data: newEntry(s, about, p, p.Args)})
			}
		}
	}
	return outs
}

// knownScript is the data of ipxe/known.ipxe, which DHCP gives the hosts
// that have their own script: it fetches that script, Tries times at most,
// RetrySeconds apart, then boots the local disk. ByIP: ipxe/known-ip.ipxe,
// which InfiniBand entries get, fetching the script named by the address.
type knownScript struct {
	Site         *Site
	Tries        int
	RetrySeconds int
	ByIP         bool
}

// bootScript is the data of a network's boot script.
type bootScript struct {
	Site        *Site
	Network     *Network
	FallbackURL string
}

// ipxeFiles writes the scripts iPXE runs: per network the one DHCP names
// for clients no host entry names, which runs the network's profile or the
// menu; known.ipxe, which DHCP names for hosts with a script of their own
// and which runs it; per host and per profile a script that boots it; and
// the menu.
func ipxeFiles(s *Site) []output {
	root := rel(s.Paths.BootRoot)
	outs := []output{{path: path.Join(root, "ipxe/menu.ipxe"), template: "ipxe/menu.ipxe.tmpl", data: s}}
	if s.KnownScript {
		outs = append(outs, output{path: path.Join(root, inventory.KnownScript), template: "ipxe/known.ipxe.tmpl", data: knownScript{s, 3, 5, false}})
	}
	if s.KnownIPScript {
		outs = append(outs, output{path: path.Join(root, inventory.KnownIPScript), template: "ipxe/known.ipxe.tmpl", data: knownScript{s, 3, 5, true}})
	}
	for _, n := range s.Networks {
		fallback := s.IPXEBase + "ipxe/menu.ipxe"
		if n.Profile != "" {
			fallback = s.IPXEBase + "ipxe/profiles/" + n.Profile + ".ipxe"
		}
		outs = append(outs, output{path: path.Join(root, n.BootScript), template: "ipxe/boot.ipxe.tmpl", data: bootScript{s, n, fallback}})
	}
	for _, p := range s.Profiles {
		about := "profile " + p.Name + ", for clients whose network names it and for the menu"
		outs = append(outs, output{path: path.Join(root, "ipxe/profiles", p.Name+".ipxe"), template: "ipxe/entry.ipxe.tmpl", data: newEntry(s, about, p, p.Args)})
	}
	for _, h := range s.Hosts {
		if h.Profile == nil {
			continue
		}
		outs = append(outs, output{path: path.Join(root, h.Script), template: "ipxe/entry.ipxe.tmpl", data: newEntry(s, hostAbout(h), h.Profile, h.Args)})
	}
	return outs
}
