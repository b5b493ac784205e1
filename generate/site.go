package generate

import (
	"fmt"
	"net/netip"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/pxegen/pxegen/inventory"
)

// Site is the data every template sees: the inventory with defaults
// applied, inheritance flattened, addresses normalised and URLs built.
// Overriding templates may use any exported field.
type Site struct {
	// Source is the inventory's file name, without directories. The
	// embedded templates leave it out, so that the same inventory under
	// another name renders the same bytes.
	Source   string
	Server   inventory.Server
	Targets  inventory.Targets
	HTTPPath string // the path part of Server.HTTPURL, e.g. /pxe/
	// HTTPListen is the Apache Listen argument for Server.HTTPURL's port,
	// or empty where Debian's ports.conf already listens: port 80 for
	// http, 443 for https (with mod_ssl). "8080", or "8443 https".
	HTTPListen  string
	PXELinuxURL string // where iPXE fetches PXELINUX
	// KnownScriptURL is what DHCP gives iPXE on a host that has its own
	// script: ipxe/known.ipxe, which runs that script and nothing else.
	// KnownScript: some host has one, so known.ipxe is written.
	KnownScriptURL string
	KnownScript    bool
	// KnownIPScriptURL is the same for InfiniBand entries, known by a
	// client id: ipxe/known-ip.ipxe, which runs the script named by the
	// address DHCP gave them. KnownIPScript: some such entry has one.
	KnownIPScriptURL string
	KnownIPScript    bool
	HTTPBootURL      string // the loader UEFI HTTP boot clients (arch 16) get
	SecureBoot       bool   // some network or host uses the shim and GRUB chain
	// ARM64 is whether some network boots ARM64 machines: scripts and GRUB
	// configs then choose a kernel by CPU, and GRUB configs are written.
	ARM64 bool
	// ArchTypes are the architecture types some network has a loader for,
	// by code: the classes and tags DHCP sorts clients into.
	ArchTypes []Loader
	// UEFIHostOverrides: some host's UEFI loader differs from its network's.
	UEFIHostOverrides bool
	// Authoritative: every network is. dnsmasq's dhcp-authoritative holds
	// for all of them; validation refuses a mix for dnsmasq.
	Authoritative bool
	// OptionDecls declare, for dhcpd, the options the site sets by code.
	OptionDecls []OptionDecl
	// OwnBootFiles: some host has a boot_file of its own, which its
	// network's loaders must then leave to it.
	OwnBootFiles bool
	// HTTPArchTypes are the UEFI HTTP boot types among ArchTypes: a
	// boot_file is for every other request.
	HTTPArchTypes []Loader
	// HA, when set, is the pair of DHCP servers this render is one of;
	// HAPeerName names dhcpd's failover peer.
	HA          *HA
	HAPeerName  string
	Paths       inventory.Paths
	Bootloaders inventory.Bootloaders
	// Networks are all networks, in file order; Networks4 those with an
	// IPv4 subnet, which the DHCPv4 servers serve, and Networks6 those
	// with a subnet6.
	Networks             []*Network
	Networks4, Networks6 []*Network
	// IPv6 is whether some network has a subnet6; Server6 is then the
	// server's side of it.
	IPv6    bool
	Server6 Server6
	// IPXEBase is what iPXE scripts put before a path below boot_root:
	// http_url, or with IPv6 only its path, which iPXE resolves against
	// the URL of the script it runs, so that a client stays with the
	// server address (and family) it came by.
	IPXEBase string
	Profiles []*Profile // in file order
	Menu     Menu
	Hosts    []*Host
	// LocalLoaders are the EFI loaders GRUB looks for on the local disks
	// to boot one (it cannot hand the boot back to the firmware): the
	// removable-media path first, then the common installed ones; for
	// x86-64, and LocalLoadersARM64 for ARM64.
	LocalLoaders      []string
	LocalLoadersARM64 []string

	profiles map[string]*Profile
	inv      *inventory.Inventory // for Explain's citations
}

// localLoaders is Site.LocalLoaders.
var localLoaders = []string{
	"/EFI/BOOT/BOOTX64.EFI",
	"/EFI/debian/shimx64.efi",
	"/EFI/ubuntu/shimx64.efi",
	"/EFI/fedora/shimx64.efi",
	"/EFI/redhat/shimx64.efi",
	"/EFI/Microsoft/Boot/bootmgfw.efi",
}

// localLoadersARM64 is Site.LocalLoadersARM64.
var localLoadersARM64 = []string{
	"/EFI/BOOT/BOOTAA64.EFI",
	"/EFI/debian/shimaa64.efi",
	"/EFI/ubuntu/shimaa64.efi",
	"/EFI/fedora/shimaa64.efi",
	"/EFI/redhat/shimaa64.efi",
}

// Network is one DHCP subnet as the templates need it.
type Network struct {
	// IPv4: the network has an IPv4 subnet (the fields below up to V6);
	// one without is IPv6-only. V6 is its IPv6 side, nil without one.
	IPv4          bool
	V6            *Network6
	Name          string
	Tag           string // dnsmasq's tag for the network's clients
	Subnet        netip.Prefix
	Address       string // network address
	Netmask       string // dotted quad
	Gateway       string
	DNS           []string
	PoolFirst     string
	PoolLast      string
	LeaseTime     int    // seconds: what a client gets, and the most it may ask for
	MinLeaseTime  int    // the least a client may ask for: inventory.MinLeaseTime
	Profile       string // what unknown clients boot; empty: the menu
	BootScript    string // relative to boot_root
	BootScriptURL string // what DHCP gives iPXE clients here
	SecureBoot    bool   // x86-64 UEFI PXE clients get the shim and GRUB chain
	UEFILoader    string // what x86-64 UEFI PXE clients here get: shim or the iPXE loader
	// Authoritative: the server NAKs a request for an address it did not
	// give here, rather than leave it to another server.
	Authoritative bool
	// Loaders are what DHCP gives each architecture type here, by code; a
	// type not among them gets no boot file. BIOSLoader is for clients
	// that send no option 93 at all (empty where x86_64 does not boot).
	Loaders    []Loader
	BIOSLoader string
	X86, ARM64 bool // the CPU architectures that boot here
	// NextServer is the next-server of every answer here: the network's
	// next_server, or the server's address.
	NextServer string
	// BootFile, when set, replaces the loaders of every request that is
	// neither iPXE's nor UEFI HTTP boot's (HTTPLoaders keeps those).
	BootFile    string
	HTTPLoaders []Loader
	// ArchLoaders are the loaders DHCP chooses by option 93 here: all of
	// Loaders, or with a BootFile only HTTPLoaders.
	ArchLoaders []Loader
	// Options are the network's own DHCP options.
	Options []OptionLine
	// Relay: clients here reach the DHCP server through the relay agent
	// at Gateway (Site.Relays lists what each relay must forward to).
	Relay bool
}

// Profile is a bootable kernel with inheritance applied, or the built-in
// profile that boots the local disk (Local).
type Profile struct {
	Name       string
	Local      bool
	Label      string
	Kernel     string // as PXELINUX reads it: relative to its path prefix, or a URL
	KernelURL  string // absolute, for iPXE
	Initrds    []Initrd
	Args       string // kernel arguments, single-spaced
	AppendLine string // PXELINUX APPEND: initrd=... and Args
	GRUBKernel string // as GRUB reads it: /path on the TFTP root, or (http,host)/path
	// GRUBID is the menu entry's --id, which `set default` names: see
	// GRUBIDPrefix.
	GRUBID string
	// Kind is linux, memtest or chain (see inventory.Profile). For the
	// last two, Kernel is the BIOS file and EFIURL and EFIGRUB name the
	// x86-64 UEFI one, for iPXE and for GRUB; empty when there is none.
	Kind            string
	EFIURL, EFIGRUB string
	// ARM64 is what ARM64 machines boot, with the same Args; nil when the
	// profile has no ARM64 kernel. The fields above are for x86-64; their
	// Kernel is empty when the profile has no x86-64 kernel.
	ARM64 *ArchKernel
}

// ArchKernel is a kernel and initrds for one CPU architecture other than
// x86-64.
type ArchKernel struct {
	KernelURL  string // absolute, for iPXE
	GRUBKernel string
	Initrds    []Initrd
}

// GRUBIDPrefix starts every GRUB menu entry id. GRUB reads `set default=`
// as a menu position when it starts with a digit (1-rescue is entry 1),
// and else picks the first entry whose title or id equals it
// (grub-core/normal/menu.c, get_entry_number): the prefix keeps an id from
// starting with a digit, and its ~, which menu text never holds, keeps any
// title from equalling it.
const GRUBIDPrefix = "pxegen~"

// Initrd is one initial ramdisk of a profile.
type Initrd struct {
	GRUB string // as GRUB reads it
	Path string // as PXELINUX reads it
	URL  string // absolute, for iPXE
	Name string // the image name iPXE gives it, passed as initrd=NAME on UEFI
}

// Menu is the boot menu.
type Menu struct {
	Title       string
	Timeout     int // tenths of a second; 0 waits forever
	TimeoutMS   int // the same for iPXE
	Default     string
	GRUBDefault string // the default entry's GRUB id
}

// Host is one DHCP host entry: a known machine's one network interface
// that provisions. A machine with several such interfaces has an entry
// for each, every one booting the same profile.
type Host struct {
	// Name names the entry (dhcpd's host declaration, dnsmasq's tags,
	// Kea's classes), unique in the site: the machine's name for its
	// first provisioning interface, <machine>-<interface> for the others
	// (see inventory.NIC). HostName is the machine's own name, which DHCP
	// gives it as its host name whichever interface asks.
	Name, HostName string
	// Interface is the interface's name in the inventory, or "" when it
	// has none (the host's own mac, or an unnamed interface).
	Interface string
	MAC       string // aa:bb:cc:dd:ee:ff; empty for an InfiniBand entry
	MACHyphen string // aa-bb-cc-dd-ee-ff, as PXELINUX and iPXE name files
	// ClientID, for an InfiniBand (IPoIB) interface, is the client
	// identifier (option 61) DHCP knows it by, lower-case hex octets with
	// colons; it has no MAC, so its files are named by its IP, which it
	// always has.
	ClientID string
	// KnownURL is what DHCP gives the entry's iPXE when it has a script of
	// its own (the site's KnownScriptURL, or KnownIPScriptURL for an
	// InfiniBand entry); Script is that script, below the boot root.
	KnownURL, Script string
	IP               string // empty when the host has no fixed address
	HexIP            string // the IP as PXELINUX's 8 upper-case hex digits
	Network          *Network
	// IP6 is the host's fixed IPv6 address, empty when it has none;
	// Network6 the network whose subnet6 holds it.
	IP6      string
	Network6 *Network
	Profile  *Profile // nil: the host boots like an unknown client
	Args     string   // profile arguments then the host's own
	// SecureBoot is whether the host boots the signed chain on x86-64 UEFI
	// PXE; UEFILoader, when not empty, is the loader its own DHCP entry
	// gives it because that differs from its network's, or because it has
	// no fixed address, so no known network, and its own secure_boot.
	SecureBoot bool
	UEFILoader string
	// GRUB is whether GRUB may run on this host, so that it needs its own
	// grub.cfg-01-<mac>: it boots the signed chain, or it has no fixed
	// address (any network may hold it) and some network does, or it may
	// be an ARM64 machine in a network that boots them.
	GRUB bool
	Arch string // x86_64, arm64, or "" when the inventory does not say
	// BootFile, when set, is what the host's firmware gets instead of a
	// loader, for every request that is neither iPXE's nor UEFI HTTP
	// boot's; NextServer, when set, comes with it.
	BootFile, NextServer string
	// Options are the host's own DHCP options, which replace its
	// network's of the same code.
	Options []OptionLine
	// DnsmasqSets are the tags the host's dhcp-host line sets, beyond
	// known-host and the UEFI loader's: host-<name> for its own options
	// and boot file, own-boot-file, and host-option-<code> for each code
	// it sets.
	DnsmasqSets []string
	// DnsmasqBoot are its boot file's dhcp-boot lines: one, or one per
	// network when it has no fixed address and the networks' next-servers
	// differ.
	DnsmasqBoot []DnsmasqBoot

	// at and nicAt are the key paths of the host and of the interface
	// (the host's, for its own mac), for explain's citations; iface is
	// what explain calls the interface: its name, interfaces[N] for an
	// unnamed one, "" for the host's own mac.
	at, nicAt, iface string
}

// DnsmasqBoot is one dhcp-boot line of a host's own boot file: the tags
// that select it, beyond the host's, and the next-server.
type DnsmasqBoot struct {
	Tags       string // "tag:net-lab," or ""
	NextServer string
}

// newSite builds the template data from a validated inventory.
func newSite(inv *inventory.Inventory) (*Site, error) {
	s := &Site{
		Source:            path.Base(inv.Source()),
		Server:            inv.Server,
		Targets:           inv.Targets,
		Paths:             inv.Paths,
		Bootloaders:       inv.Bootloaders,
		profiles:          map[string]*Profile{},
		LocalLoaders:      localLoaders,
		LocalLoadersARM64: localLoadersARM64,
		ARM64:             inv.ServesARM64(),
		inv:               inv,
	}
	if inv.NeedsSite() {
		var names []string
		for _, s := range inv.Sites {
			names = append(names, s.Name)
		}
		return nil, inventory.ErrorList{{File: inv.Source(), Path: "sites", Msg: fmt.Sprintf(
			"the inventory has several sites (%s), each with its own server: say which this render is for with --site NAME", strings.Join(names, ", "))}}
	}
	if inv.HA != nil {
		ha, err := newHA(inv)
		if err != nil {
			return nil, err
		}
		s.HA, s.HAPeerName = ha, DhcpdFailoverPeer
	}
	s.HTTPPath = urlPath(inv.Server.HTTPURL)
	s.IPXEBase = s.Server.HTTPURL
	if inv.HasIPv6() {
		s.IPXEBase = s.HTTPPath
	}
	s.HTTPListen = httpListen(inv.Server.HTTPURL)
	s.PXELinuxURL = s.Server.HTTPURL + inv.Bootloaders.PXELinux
	s.KnownScriptURL = s.Server.HTTPURL + inventory.KnownScript
	s.KnownIPScriptURL = s.Server.HTTPURL + inventory.KnownIPScript
	s.HTTPBootURL = s.Server.HTTPURL + inv.Bootloaders.UEFI
	resolved := inv.ResolvedProfiles()
	for _, name := range inv.ProfileNames() {
		p := s.profile(name, resolved[name])
		s.Profiles = append(s.Profiles, p)
		s.profiles[name] = p
	}
	if usesLocal(inv) {
		// Last in the menu, and only where something boots it.
		p := &Profile{Name: inventory.LocalProfile, Local: true, Label: inventory.LocalLabel, GRUBID: GRUBIDPrefix + inventory.LocalProfile}
		s.Profiles = append(s.Profiles, p)
		s.profiles[p.Name] = p
	}
	s.Authoritative = true
	for _, n := range inv.Networks {
		s.Authoritative = s.Authoritative && *n.Authoritative
	}
	s.OptionDecls = optionDecls(inv)
	overridden := map[int]bool{} // codes some host sets itself
	for _, h := range inv.Hosts {
		for _, o := range h.Options.List() {
			overridden[o.Code] = true
		}
		s.OwnBootFiles = s.OwnBootFiles || h.BootFile != ""
	}
	s.Menu = Menu{Title: inv.Menu.Title, Timeout: *inv.Menu.Timeout, TimeoutMS: *inv.Menu.Timeout * 100, Default: inv.Menu.Default,
		GRUBDefault: GRUBIDPrefix + inv.Menu.Default}
	for _, n := range inv.Networks {
		if n.IPv6Only() {
			net := &Network{Name: n.Name, Tag: "net-" + n.Name, Profile: n.Profile, LeaseTime: *n.LeaseTime,
				MinLeaseTime: inventory.MinLeaseTime, BootScript: inventory.BootScript(n.Name), X86: true}
			net.BootScriptURL = s.Server.HTTPURL + net.BootScript
			s.Networks = append(s.Networks, net)
			continue
		}
		subnet, err := inventory.ParseSubnet(n.Subnet)
		if err != nil {
			return nil, err // Validate refuses this; guard against a skipped validation
		}
		net := &Network{
			IPv4:          true,
			Name:          n.Name,
			Tag:           "net-" + n.Name,
			Subnet:        subnet,
			Address:       subnet.Addr().String(),
			Netmask:       netmask(subnet.Bits()),
			Gateway:       n.Gateway,
			DNS:           n.DNS,
			LeaseTime:     *n.LeaseTime,
			MinLeaseTime:  inventory.MinLeaseTime,
			Profile:       n.Profile,
			SecureBoot:    n.SecureBoot,
			UEFILoader:    s.uefiLoader(n.SecureBoot),
			Authoritative: *n.Authoritative,
			NextServer:    s.Server.IP,
			Relay:         n.Relay,
			BootFile:      n.BootFile,
		}
		if n.NextServer != "" {
			net.NextServer = n.NextServer
		}
		net.Options = optionLines(n.Options, []string{"tag:" + net.Tag}, overridden)
		s.SecureBoot = s.SecureBoot || n.SecureBoot
		if n.Pool != "" {
			first, last, err := inventory.ParsePool(n.Pool)
			if err != nil {
				return nil, err
			}
			net.PoolFirst, net.PoolLast = first.String(), last.String()
		}
		net.BootScript = inventory.BootScript(n.Name)
		net.BootScriptURL = s.Server.HTTPURL + net.BootScript
		net.X86, net.ARM64 = n.HasArch(inventory.ArchX86_64), n.HasArch(inventory.ArchARM64)
		net.Loaders = s.networkLoaders(net, n.Arches, net.UEFILoader)
		if l, ok := net.Loader(0); ok {
			net.BIOSLoader = l.File
		}
		for _, l := range net.Loaders {
			if l.HTTP {
				net.HTTPLoaders = append(net.HTTPLoaders, l)
			}
		}
		net.ArchLoaders = net.Loaders
		if net.BootFile != "" {
			net.ArchLoaders = net.HTTPLoaders
		}
		s.Networks = append(s.Networks, net)
		s.Networks4 = append(s.Networks4, net)
	}
	if err := s.ipv6(inv); err != nil {
		return nil, err
	}
	seen := map[int]bool{}
	for _, n := range s.Networks {
		for _, l := range n.Loaders {
			if !seen[l.Code] {
				seen[l.Code] = true
				s.ArchTypes = append(s.ArchTypes, l)
			}
		}
	}
	sort.Slice(s.ArchTypes, func(i, j int) bool { return s.ArchTypes[i].Code < s.ArchTypes[j].Code })
	for _, l := range s.ArchTypes {
		if l.HTTP {
			s.HTTPArchTypes = append(s.HTTPArchTypes, l)
		}
	}
	anySecureNetwork := s.SecureBoot
	for i, h := range inv.Hosts {
		for _, nic := range h.NICs(i) {
			if !nic.Provisions() {
				continue // nothing is written for it
			}
			host, err := s.host(h, fmt.Sprintf("hosts[%d]", i), nic, anySecureNetwork)
			if err != nil {
				return nil, err
			}
			s.Hosts = append(s.Hosts, host)
		}
	}
	return s, nil
}

// host builds the DHCP host entry of one provisioning interface of h.
func (s *Site) host(h inventory.Host, at string, nic inventory.NIC, anySecureNetwork bool) (*Host, error) {
	host := &Host{Name: nic.Entry, HostName: h.Name, Interface: nic.Name, at: at, nicAt: nic.Key, iface: nic.Name}
	if nic.ClientID != "" {
		id, err := inventory.ParseClientID(nic.ClientID)
		if err != nil {
			return nil, err
		}
		if nic.IP == "" {
			// Validate refuses this; guard against a skipped validation.
			return nil, fmt.Errorf("host %s: client_id %s without an ip", h.Name, id)
		}
		host.ClientID = id
	} else {
		mac, err := inventory.ParseMAC(nic.MAC)
		if err != nil {
			return nil, err
		}
		host.MAC, host.MACHyphen = mac.String(), strings.ReplaceAll(mac.String(), ":", "-")
		host.KnownURL, host.Script = s.KnownScriptURL, "ipxe/hosts/"+host.MACHyphen+".ipxe"
	}
	if nic.Name == "" && nic.Index >= 0 {
		host.iface = fmt.Sprintf("interfaces[%d]", nic.Index)
	}
	if nic.IP != "" {
		ip, err := inventory.ParseIPv4(nic.IP)
		if err != nil {
			return nil, err
		}
		host.IP, host.HexIP = ip.String(), hexIP(ip)
		host.Network = s.networkOf(ip)
		if host.ClientID != "" {
			host.KnownURL, host.Script = s.KnownIPScriptURL, inventory.HostIPScript(host.IP)
		}
	}
	if nic.IP6 != "" {
		ip, err := inventory.ParseIPv6(nic.IP6)
		if err != nil {
			return nil, err
		}
		host.IP6 = ip.String()
		host.Network6 = s.network6Of(ip)
	}
	profile := h.BootProfile()
	if profile == "" && host.Network != nil {
		profile = host.Network.Profile
	}
	if profile == "" && host.Network == nil && host.Network6 != nil {
		profile = host.Network6.Profile
	}
	switch {
	case host.Network == nil && h.SecureBoot != nil:
		// No fixed address, so its network is whichever it lands in:
		// its own setting must reach DHCP in every one.
		host.SecureBoot = *h.SecureBoot
		host.UEFILoader = s.uefiLoader(host.SecureBoot)
		s.UEFIHostOverrides = true
	case host.Network == nil:
		host.SecureBoot = false // unless its network's chain is signed
		host.GRUB = anySecureNetwork
	default:
		host.SecureBoot = h.UsesSecureBoot(host.Network.SecureBoot)
		if host.SecureBoot != host.Network.SecureBoot {
			host.UEFILoader = s.uefiLoader(host.SecureBoot)
			s.UEFIHostOverrides = true
		}
	}
	host.Arch = h.Arch
	s.hostOverrides(host, h)
	// An ARM64 machine runs GRUB: any host that may be one, in a
	// network (or, without an address, a site) that boots them.
	mayBeARM64 := h.Arch != inventory.ArchX86_64 && (host.Network != nil && host.Network.ARM64 || host.Network == nil && s.ARM64)
	host.GRUB = host.GRUB || host.SecureBoot || mayBeARM64
	s.SecureBoot = s.SecureBoot || host.SecureBoot
	if profile != "" {
		if host.ClientID != "" {
			s.KnownIPScript = true
		} else {
			s.KnownScript = true
		}
		host.Profile = s.profiles[profile]
		if host.Profile == nil {
			// Validate refuses this; guard against a skipped validation.
			return nil, fmt.Errorf("host %s: unknown profile %q", h.Name, profile)
		}
		host.Args = inventory.KernelArgs(host.Profile.Args, h.Append)
	}
	return host, nil
}

// hostOverrides fills in the host's own boot file and options, and the
// dnsmasq tags and lines they need.
func (s *Site) hostOverrides(host *Host, h inventory.Host) {
	host.BootFile, host.NextServer = h.BootFile, h.NextServer
	own := "host-" + host.Name
	host.Options = optionLines(h.Options, []string{"tag:" + own}, nil)
	if len(host.Options) > 0 || host.BootFile != "" {
		host.DnsmasqSets = append(host.DnsmasqSets, own)
	}
	if host.BootFile != "" {
		host.DnsmasqSets = append(host.DnsmasqSets, "own-boot-file")
	}
	for _, o := range host.Options {
		host.DnsmasqSets = append(host.DnsmasqSets, hostOptionTag(o.Code))
	}
	if host.BootFile == "" {
		return
	}
	switch {
	case host.NextServer != "":
		host.DnsmasqBoot = []DnsmasqBoot{{NextServer: host.NextServer}}
	case host.Network != nil:
		host.DnsmasqBoot = []DnsmasqBoot{{Tags: "tag:" + host.Network.Tag + ",", NextServer: host.Network.NextServer}}
	default:
		// Whichever network it lands in gives the next-server, as dhcpd's
		// subnet does for a host without one of its own.
		if len(s.Networks4) == 0 {
			return // IPv6-only: boot_file is DHCPv4's
		}
		same := true
		for _, n := range s.Networks4 {
			same = same && n.NextServer == s.Networks4[0].NextServer
		}
		if same {
			host.DnsmasqBoot = []DnsmasqBoot{{NextServer: s.Networks4[0].NextServer}}
			return
		}
		for _, n := range s.Networks4 {
			host.DnsmasqBoot = append(host.DnsmasqBoot, DnsmasqBoot{Tags: "tag:" + n.Tag + ",", NextServer: n.NextServer})
		}
	}
}

// uefiLoader is the loader x86-64 UEFI PXE clients get.
func (s *Site) uefiLoader(secureBoot bool) string {
	if secureBoot {
		return s.Bootloaders.Shim
	}
	return s.Bootloaders.UEFI
}

func (s *Site) profile(name string, r inventory.Profile) *Profile {
	p := &Profile{Name: name, Label: r.Label, Kernel: r.Kernel, KernelURL: s.url(r.Kernel), GRUBKernel: grubPath(r.Kernel),
		Args: inventory.KernelArgs(r.Append, ""), GRUBID: GRUBIDPrefix + name}
	for _, f := range r.Initrd {
		p.Initrds = append(p.Initrds, Initrd{GRUB: grubPath(f), Path: f, URL: s.url(f), Name: path.Base(f)})
	}
	p.AppendLine = appendLine(p.Initrds, p.Args)
	p.Kind = r.Kind
	if r.EFI != "" {
		p.EFIURL, p.EFIGRUB = s.url(r.EFI), grubPath(r.EFI)
	}
	if r.ARM64.Kernel != "" {
		a := &ArchKernel{KernelURL: s.url(r.ARM64.Kernel), GRUBKernel: grubPath(r.ARM64.Kernel)}
		for _, f := range r.ARM64.Initrd {
			a.Initrds = append(a.Initrds, Initrd{GRUB: grubPath(f), Path: f, URL: s.url(f), Name: path.Base(f)})
		}
		p.ARM64 = a
	}
	return p
}

// usesLocal reports whether anything names the built-in local profile.
func usesLocal(inv *inventory.Inventory) bool {
	if inv.Menu.Default == inventory.LocalProfile {
		return true
	}
	for _, n := range inv.Networks {
		if n.Profile == inventory.LocalProfile {
			return true
		}
	}
	for _, h := range inv.Hosts {
		if h.BootProfile() == inventory.LocalProfile {
			return true
		}
	}
	return false
}

// grubPath is a kernel or initrd as GRUB names it: a boot_root path on the
// TFTP server GRUB came from, or an http URL as GRUB's (http,host) device.
// Validation refuses https where GRUB runs.
func grubPath(p string) string {
	rest, ok := strings.CutPrefix(p, "http://")
	if !ok {
		return "/" + p
	}
	host, file, _ := strings.Cut(rest, "/")
	return "(http," + host + ")/" + file
}

// url makes a boot_root-relative path a URL for iPXE: under IPXEBase;
// URLs pass.
func (s *Site) url(p string) string {
	if strings.Contains(p, "://") {
		return p
	}
	return s.IPXEBase + p
}

func (s *Site) networkOf(ip netip.Addr) *Network {
	for _, n := range s.Networks4 {
		if n.Subnet.Contains(ip) {
			return n
		}
	}
	return nil
}

// appendLine is PXELINUX's APPEND argument: initrds first, comma-separated
// as PXELINUX expects, then the kernel arguments.
func appendLine(initrds []Initrd, args string) string {
	var words []string
	if len(initrds) > 0 {
		paths := make([]string, len(initrds))
		for i, f := range initrds {
			paths[i] = f.Path
		}
		words = append(words, "initrd="+strings.Join(paths, ","))
	}
	if args != "" {
		words = append(words, args)
	}
	return strings.Join(words, " ")
}

// kernelLine is the iPXE kernel command's arguments on UEFI: the EFI stub
// finds each initrd by the name iPXE gave it.
func kernelLine(initrds []Initrd, args string) string {
	var words []string
	for _, f := range initrds {
		words = append(words, "initrd="+f.Name)
	}
	if args != "" {
		words = append(words, args)
	}
	return strings.Join(words, " ")
}

// httpListen is what Apache must Listen on to serve the URL u, beyond
// what Debian's ports.conf has: nothing for the scheme's own port.
func httpListen(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return "" // validated
	}
	switch port := parsed.Port(); {
	case port == "", parsed.Scheme == "http" && port == "80", parsed.Scheme == "https" && port == "443":
		return ""
	case parsed.Scheme == "https":
		return port + " https"
	default:
		return port
	}
}

func urlPath(u string) string {
	rest := u[strings.Index(u, "://")+3:]
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[i:]
	}
	return "/"
}

func netmask(bits int) string {
	m := ^uint32(0) << (32 - bits)
	return fmt.Sprintf("%d.%d.%d.%d", m>>24, m>>16&0xff, m>>8&0xff, m&0xff)
}

// hexIP is an IPv4 address as PXELINUX names its config file: eight
// upper-case hex digits.
func hexIP(ip netip.Addr) string {
	a := ip.As4()
	return fmt.Sprintf("%02X%02X%02X%02X", a[0], a[1], a[2], a[3])
}

// hexPrefixes returns the smallest set of PXELINUX config file names that
// covers exactly subnet. PXELINUX tries the client's hex IP, then drops one
// hex digit (four bits) per try, so a prefix of k digits covers a /4k: a
// subnet whose length is not a multiple of four needs 2^(4k-bits) files of
// k = ceil(bits/4) digits, never a shorter name that would reach past it.
func hexPrefixes(subnet netip.Prefix) []string {
	bits := subnet.Bits()
	digits := (bits + 3) / 4
	a := subnet.Addr().As4()
	base := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	n := 1 << (digits*4 - bits)
	names := make([]string, n)
	for i := range names {
		v := base + uint32(i)<<(32-digits*4)
		names[i] = fmt.Sprintf("%08X", v)[:digits]
	}
	return names
}
