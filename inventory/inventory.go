// Package inventory is pxegen's model of a network-boot site: the YAML
// inventory's types, loading with positions, defaults, and validation.
// It is the only package that reads YAML.
package inventory

import (
	"fmt"
	"sort"

	"go.yaml.in/yaml/v3"
)

// Inventory is one site: the boot server, its networks, boot profiles and
// known hosts. Obtain it from Load or Parse, which apply defaults and
// validate; a zero Inventory is not usable.
type Inventory struct {
	Server      Server              `yaml:"server"`
	Targets     Targets             `yaml:"targets"`
	Paths       Paths               `yaml:"paths"`
	Bootloaders Bootloaders         `yaml:"bootloaders"`
	Networks    []Network           `yaml:"networks"`
	Profiles    map[string]*Profile `yaml:"profiles"`
	Menu        Menu                `yaml:"menu"`
	Hosts       []Host              `yaml:"hosts"`
	// HA, when set, makes this inventory a pair of DHCP servers.
	HA *HA `yaml:"ha"`
	// Sites, when set, are several boot servers, each serving its own
	// networks; server.ip and ha are then each site's.
	Sites []Site `yaml:"sites"`

	file          string     // name used in error messages
	root          *yaml.Node // the parsed document, until the inventory is valid
	index         *nodeIndex // positions, built from root at the first error
	profileOrder  []string   // profile names in file order
	keepPositions bool       // keep root after a successful load (KeepPositions)
	peer          string     // the HA peer being rendered (WithPeer)
	site          string     // the site being rendered (WithSite)
	view          *siteView  // set in a site's inventory: where it came from
	serverIPGiven bool       // the file sets server.ip (refused with ha)
	// serverFromPeer: server.ip, and server.http_url unless the file sets
	// it, come from an HA peer, where they are checked.
	serverFromPeer, serverURLGiven bool
	// fileHTTPURL is server.http_url as the file gives it, before a peer's
	// own replaces it: the other peer's, when it has none.
	fileHTTPURL string
}

// Server is the boot server itself.
type Server struct {
	IP      string `yaml:"ip"`       // next-server, host of the default HTTPURL
	HTTPURL string `yaml:"http_url"` // where Apache serves BootRoot; ends with "/"
	Domain  string `yaml:"domain"`   // option domain-name
	// Interfaces the DHCP server answers on (Kea's interfaces-config,
	// dnsmasq's interface=); empty: all. dhcpd takes them on its command
	// line instead.
	Interfaces StringList `yaml:"interfaces"`
	// IP6 is the boot server's IPv6 address, required when a network has
	// a subnet6: IPv6 clients fetch their loader over TFTP from it, and
	// HTTPURL6's default host is it.
	IP6 string `yaml:"ip6"`
	// HTTPURL6 is where IPv6 clients fetch from Apache: http_url's path
	// and port on [ip6] unless set.
	HTTPURL6 string `yaml:"http_url6"`
}

// Targets chooses the daemons pxegen writes for. The Apache snippet is
// always written; switching DHCP servers is a change of one key.
type Targets struct {
	DHCP string `yaml:"dhcp"` // dhcpd (default), kea or dnsmasq
	TFTP string `yaml:"tftp"` // xinetd (default, starting tftpd-hpa) or dnsmasq
	// KeaVersion is the Kea release the boot server runs (MAJOR.MINOR or
	// MAJOR.MINOR.PATCH, default DefaultKeaVersion): Kea 2.7.4 renamed the
	// settings that evaluate a class after the subnet is chosen (see
	// KeaAdditionalClasses), and pxegen writes the names it reads.
	KeaVersion string `yaml:"kea_version"`
}

// The DHCP and TFTP servers pxegen can write for.
const (
	TargetDhcpd   = "dhcpd"
	TargetKea     = "kea"
	TargetDnsmasq = "dnsmasq"
	TargetXinetd  = "xinetd"
)

// DHCPTargets and TFTPTargets list the accepted values, in the order the
// documentation gives them.
var (
	DHCPTargets = []string{TargetDhcpd, TargetKea, TargetDnsmasq}
	TFTPTargets = []string{TargetXinetd, TargetDnsmasq}
)

// UsesDnsmasq reports whether the dnsmasq drop-in is written.
func (t Targets) UsesDnsmasq() bool { return t.DHCP == TargetDnsmasq || t.TFTP == TargetDnsmasq }

// Paths are where the generated files live on the boot server. The output
// tree mirrors them below --out.
type Paths struct {
	DhcpdConf string `yaml:"dhcpd_conf"`
	KeaConf   string `yaml:"kea_conf"`
	// The DHCPv6 servers' files, written when a network has a subnet6:
	// dhcpd -6 and kea-dhcp6 each read their own; radvd's when a network
	// has ra and dnsmasq, which advertises itself, is not the server.
	Dhcpd6Conf        string `yaml:"dhcpd6_conf"`
	Kea6Conf          string `yaml:"kea6_conf"`
	Kea6ControlSocket string `yaml:"kea6_control_socket"`
	RadvdConf         string `yaml:"radvd_conf"`
	DnsmasqConf       string `yaml:"dnsmasq_conf"` // a drop-in under /etc/dnsmasq.d
	// dnsmasq's host entries and their options, files it rereads on
	// SIGHUP (dhcp-hostsfile, dhcp-optsfile): a host's change is a
	// reload, not a restart. Never under dnsmasq_conf's directory,
	// every file of which Debian's dnsmasq reads as configuration.
	DnsmasqHosts string `yaml:"dnsmasq_hosts"`
	DnsmasqOpts  string `yaml:"dnsmasq_opts"`
	// KeaControlSocket is the UNIX socket kea-dhcp4 takes commands on:
	// config-reload applies a new file without a restart.
	KeaControlSocket string `yaml:"kea_control_socket"`
	// KeaHooks is the directory of Kea's hook libraries: with ha, Kea
	// loads its HA and lease commands hooks from there.
	KeaHooks   string `yaml:"kea_hooks"`
	XinetdTFTP string `yaml:"xinetd_tftp"`
	ApacheConf string `yaml:"apache_conf"`
	BootRoot   string `yaml:"boot_root"`
	Manifest   string `yaml:"manifest"` // what pxegen wrote, for prune and hand-edit checks
	// A file of the site's own that the DHCP server's configuration
	// includes, per server, since each reads its own syntax: dhcpd's
	// include, Kea's <?include?> inside Dhcp4, dnsmasq's conf-file.
	// Optional; pxegen never writes, replaces or removes it.
	DhcpdInclude   string `yaml:"dhcpd_include"`
	KeaInclude     string `yaml:"kea_include"`
	DnsmasqInclude string `yaml:"dnsmasq_include"`
}

// Include returns the site's include file for the DHCP server target,
// and the key it is set at, or "" when there is none.
func (p Paths) Include(target string) (path, key string) {
	switch target {
	case TargetDhcpd:
		return p.DhcpdInclude, "paths.dhcpd_include"
	case TargetKea:
		return p.KeaInclude, "paths.kea_include"
	case TargetDnsmasq:
		return p.DnsmasqInclude, "paths.dnsmasq_include"
	}
	return "", ""
}

// Bootloaders are file names relative to BootRoot.
type Bootloaders struct {
	BIOS     string `yaml:"bios"`     // for option 93 = 0 (or absent)
	UEFI     string `yaml:"uefi"`     // for option 93 = 7 or 9, and over HTTP for 16
	PXELinux string `yaml:"pxelinux"` // chained by iPXE on BIOS
	// ARM64 is the GRUB that ARM64 UEFI PXE clients (option 93 = 11)
	// get in networks whose arches list arm64 (Debian's signed
	// grubnetaa64.efi; Debian packages no iPXE for ARM64). It reads the
	// same configs under GRUBDir as the Secure Boot chain.
	ARM64 string `yaml:"arm64"`
	// The Secure Boot chain: the signed shim, which loads grubx64.efi from
	// its own directory, and the directory GRUB reads its configs from
	// (its prefix: /grub for Debian's signed grubnetx64.efi).
	Shim    string `yaml:"shim"`
	GRUBDir string `yaml:"grub_dir"`
	// Arch gives other client architectures (option 93 values, in
	// decimal) an iPXE build of their own, which goes on with pxegen's
	// iPXE scripts; for an HTTP boot type (15, 16, 18, 19) it is fetched
	// from http_url. An empty value takes a type's default away. A type
	// with no loader gets no boot file, never a loader for another CPU.
	Arch map[string]string `yaml:"arch"`
}

// Network is one DHCP subnet.
type Network struct {
	Name    string     `yaml:"name"`
	Subnet  string     `yaml:"subnet"`
	Gateway string     `yaml:"gateway"`
	DNS     StringList `yaml:"dns"`
	Pool    string     `yaml:"pool"`
	// Relay: the network's clients reach the DHCP server through a relay
	// agent (a router's helper address) at Gateway, not on a network the
	// server is on. Its answers go back to the relay; TFTP and HTTP are
	// routed.
	Relay bool `yaml:"relay"`
	// LeaseTime is the lease every DHCP server gives, in seconds; a client
	// may ask for less, down to MinLeaseTime. Nil until defaults apply:
	// DefaultLeaseTime.
	LeaseTime *int   `yaml:"lease_time"`
	Profile   string `yaml:"profile"` // what unknown clients here boot
	// SecureBoot gives the network's x86-64 UEFI PXE clients the signed
	// chain (shim, then GRUB) instead of iPXE.
	SecureBoot bool `yaml:"secure_boot"`
	// Authoritative: the DHCP server answers a client that asks for an
	// address it did not give (one that moved networks) with a NAK, so
	// the client starts over at once, instead of ignoring it. Nil until
	// defaults apply: true, as dhcpd.conf(5) says a server that alone
	// serves its networks should be. false leaves such clients to another
	// DHCP server on the network.
	Authoritative *bool `yaml:"authoritative"`
	// Arches are the CPU architectures that boot here (x86_64, arm64;
	// default x86_64): each gets its loaders, and the network's profile
	// (or the menu's default) must have a kernel for each.
	Arches StringList `yaml:"arches"`
	// NextServer is the next-server (the BOOTP siaddr, where PXE ROMs
	// fetch their boot file over TFTP) of every answer here, instead of
	// server.ip.
	NextServer string `yaml:"next_server"`
	// BootFile replaces the loaders pxegen gives by client architecture:
	// every request here that is neither iPXE's nor UEFI HTTP boot's gets
	// this file, whatever option 93 says. iPXE still gets its boot script.
	BootFile string `yaml:"boot_file"`
	// Options are the site's own DHCP options for the network.
	Options DHCPOptions `yaml:"options"`

	// Subnet6 is the network's IPv6 prefix, served by DHCPv6: with Subnet
	// the network is dual stack; without it, IPv6-only.
	Subnet6 string `yaml:"subnet6"`
	// Pool6 is the DHCPv6 range FIRST-LAST for clients no host entry
	// names an ip6 for.
	Pool6 string     `yaml:"pool6"`
	DNS6  StringList `yaml:"dns6"`
	// RA: the boot server sends the router advertisements that tell
	// firmware to ask DHCPv6 (managed and other-config flags set, router
	// lifetime 0: it is no router), on Interface. Leave it off where the
	// network's router advertises, with its managed flag on.
	RA        bool   `yaml:"ra"`
	Interface string `yaml:"interface"`
}

// IPv6Only reports whether the network has no IPv4 subnet, only Subnet6.
func (n Network) IPv6Only() bool { return n.Subnet == "" && n.Subnet6 != "" }

// Profile is something a machine can boot: a kernel, initrds and a command
// line. Inherits names a profile whose fields fill the ones left empty.
type Profile struct {
	Inherits string `yaml:"inherits"`
	Label    string `yaml:"label"`
	// Kind is what the profile boots: linux (default), a kernel with
	// initrds; memtest, a standalone image such as memtest86+, with a file
	// per firmware (Kernel for BIOS, loaded by the Linux boot protocol;
	// EFI for UEFI); chain, another network boot program (Kernel a PXE one
	// for BIOS, EFI an EFI one).
	Kind   string     `yaml:"kind"`
	Kernel string     `yaml:"kernel"` // for x86-64 (BIOS and UEFI; BIOS only for memtest and chain)
	EFI    string     `yaml:"efi"`    // memtest and chain: the x86-64 UEFI file
	Initrd StringList `yaml:"initrd"`
	Append string     `yaml:"append"` // replaces the append it inherits
	// AppendExtra is added after the append the profile has, its own or
	// the one it inherits: how an inheriting profile extends its parent's
	// arguments instead of repeating them. A resolved profile (see
	// ResolvedProfile) carries it inside Append.
	AppendExtra string `yaml:"append_extra"`
	// ARM64 is the kernel and initrds ARM64 machines boot, with the same
	// arguments; a profile without one boots no ARM64 machine.
	ARM64 ArchBoot `yaml:"arm64"`
}

// ArchBoot is a kernel and initrds for one CPU architecture.
type ArchBoot struct {
	Kernel string     `yaml:"kernel"`
	Initrd StringList `yaml:"initrd"`
}

// Menu is the boot menu that clients see when neither a host entry nor
// their network names a profile.
type Menu struct {
	Title   string `yaml:"title"`
	Timeout *int   `yaml:"timeout"` // tenths of a second, as PXELINUX counts; 0 waits forever
	Default string `yaml:"default"`
}

// Host is one known machine.
type Host struct {
	Name string `yaml:"name"`
	// MAC and IP are the host's one network interface; a host with
	// several lists them in Interfaces instead, never both.
	MAC string `yaml:"mac"`
	IP  string `yaml:"ip"`
	// IP6 is the host's fixed IPv6 address, given by DHCPv6 to its MAC.
	IP6 string `yaml:"ip6"`
	// Interfaces are the host's network interfaces, when it has more
	// than one (see NICs).
	Interfaces []Interface `yaml:"interfaces"`

	Profile string `yaml:"profile"`
	Append  string `yaml:"append"` // added after the profile's append
	Boot    string `yaml:"boot"`   // "local": boot the local disk; "network" (default): a profile
	// SecureBoot, when set, overrides the network's secure_boot.
	SecureBoot *bool `yaml:"secure_boot"`
	// Arch is the host's CPU architecture (x86_64 or arm64), when given:
	// its profile must have a kernel for it, and its network must list it.
	Arch string `yaml:"arch"`
	// BootFile replaces what the host's firmware gets from DHCP, for
	// every request that is neither iPXE's nor UEFI HTTP boot's: its own
	// network boot program instead of pxegen's loader (or its network's
	// boot_file). iPXE on the host still gets known.ipxe or its network's
	// boot script. NextServer, which needs BootFile, is the next-server
	// that comes with it.
	BootFile   string `yaml:"boot_file"`
	NextServer string `yaml:"next_server"`
	// Options are the host's own DHCP options: each replaces the one of
	// the same code its network sets.
	Options DHCPOptions `yaml:"options"`
}

// Interface is one network interface of a host. A bond is not one: PXE
// firmware boots from a member, so each member is listed with its own MAC.
type Interface struct {
	// Name (eth0, eno1) is optional: it names the interface's DHCP host
	// entry (see NIC.Entry) and what explain reports.
	Name string `yaml:"name"`
	// MAC, or ClientID for an InfiniBand (IPoIB) interface, which has no
	// 6-byte MAC: its firmware asks DHCP with a client identifier
	// (option 61, RFC 4390) instead. An interface has exactly one.
	MAC      string `yaml:"mac"`
	ClientID string `yaml:"client_id"`
	IP       string `yaml:"ip"` // optional, as a host's ip; required with ClientID
	IP6      string `yaml:"ip6"`
	// Provision: the interface gets a DHCP host entry and boot files, so
	// the host boots its profile from it. Nil means true: every listed
	// interface provisions unless it says provision: false.
	Provision *bool `yaml:"provision"`
}

// Provisions reports whether the interface gets DHCP entries and boot
// files.
func (i Interface) Provisions() bool { return i.Provision == nil || *i.Provision }

// NIC is one network interface of a host as validation and the
// generators see it: one of Interfaces, or the host's own mac and ip.
type NIC struct {
	Interface
	// Key is the key path of the interface's mapping, hosts[N] for the
	// host's own mac and ip or hosts[N].interfaces[M].
	Key string
	// Index is the interface's place in Interfaces, -1 for the host's own.
	Index int
	// Entry is the name of the interface's DHCP host entry, unique in the
	// inventory: the host's name for its first provisioning interface,
	// <host>-<name> (or <host>-<index> for one without a name) for the
	// others; empty for an interface that does not provision.
	Entry string
}

// NICs returns the host's network interfaces, in file order, with the
// names of their DHCP host entries; i is the host's place in Hosts. An
// empty list of interfaces (which Validate refuses) gives none.
func (h Host) NICs(i int) []NIC {
	at := fmt.Sprintf("hosts[%d]", i)
	if h.Interfaces == nil {
		return []NIC{{Interface: Interface{MAC: h.MAC, IP: h.IP, IP6: h.IP6}, Key: at, Index: -1, Entry: h.Name}}
	}
	nics := make([]NIC, len(h.Interfaces))
	first := true
	for j, iface := range h.Interfaces {
		n := NIC{Interface: iface, Key: fmt.Sprintf("%s.interfaces[%d]", at, j), Index: j}
		switch {
		case !iface.Provisions():
		case first:
			n.Entry, first = h.Name, false
		case iface.Name != "":
			n.Entry = h.Name + "-" + iface.Name
		default:
			n.Entry = fmt.Sprintf("%s-%d", h.Name, j)
		}
		nics[j] = n
	}
	return nics
}

// The CPU architectures a network, host or profile can name.
const (
	ArchX86_64 = "x86_64"
	ArchARM64  = "arm64"
)

// CPUArches lists them in the order the documentation gives them.
var CPUArches = []string{ArchX86_64, ArchARM64}

// HasArch reports whether the network boots machines of CPU architecture a.
func (n Network) HasArch(a string) bool { return contains(n.Arches, a) }

// The kinds of profile.
const (
	KindLinux   = "linux"
	KindMemtest = "memtest"
	KindChain   = "chain"
)

// Kinds lists them.
var Kinds = []string{KindLinux, KindMemtest, KindChain}

// KernelFor is what the profile boots on CPU architecture a: its kernel,
// or for x86-64 its EFI file where it has no kernel ("" if none).
func (p Profile) KernelFor(a string) string {
	if a == ArchARM64 {
		return p.ARM64.Kernel
	}
	if p.Kernel == "" {
		return p.EFI
	}
	return p.Kernel
}

// LocalProfile is the built-in profile that boots the machine's own disk.
// Hosts (`boot: local` or `profile: local`), networks and the menu may name
// it; an inventory cannot define a profile of that name.
const LocalProfile = "local"

// LocalLabel is the built-in local profile's menu text.
const LocalLabel = "Boot from local disk"

// BootProfile returns the profile h boots by its own entry: the built-in
// local profile for `boot: local`, else its profile key (possibly empty).
func (h Host) BootProfile() string {
	if h.Boot == "local" {
		return LocalProfile
	}
	return h.Profile
}

// UsesSecureBoot reports whether h boots the signed chain on x86-64 UEFI
// PXE, given whether its network does.
func (h Host) UsesSecureBoot(network bool) bool {
	if h.SecureBoot != nil {
		return *h.SecureBoot
	}
	return network
}

// StringList accepts either one string or a list of strings.
type StringList []string

// UnmarshalYAML implements yaml.Unmarshaler. It only widens a scalar into
// a one-element list; it decodes no struct, so strict decoding is kept.
func (l *StringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		var s string
		if err := n.Decode(&s); err != nil {
			return err
		}
		*l = StringList{s}
		return nil
	case yaml.SequenceNode:
		var ss []string
		if err := n.Decode(&ss); err != nil {
			return err
		}
		*l = ss
		return nil
	}
	return &yaml.TypeError{Errors: []string{
		fmt.Sprintf("line %d: cannot unmarshal %s into a string or a list of strings", n.Line, n.ShortTag()),
	}}
}

// Defaults for optional settings.
const (
	DefaultDhcpdConf  = "/etc/dhcp/dhcpd.conf"
	DefaultKeaConf    = "/etc/kea/kea-dhcp4.conf"
	DefaultDhcpd6Conf = "/etc/dhcp/dhcpd6.conf"
	DefaultKea6Conf   = "/etc/kea/kea-dhcp6.conf"
	DefaultRadvdConf  = "/etc/radvd.conf"
	// Debian's own kea-dhcp6.conf names this socket.
	DefaultKea6ControlSocket = "/run/kea/kea6-ctrl-socket"
	DefaultDnsmasqConf       = "/etc/dnsmasq.d/pxegen.conf"
	DefaultDnsmasqHosts      = "/etc/pxegen/dnsmasq.hosts"
	DefaultDnsmasqOpts       = "/etc/pxegen/dnsmasq.opts"
	// Debian's own kea-dhcp4.conf names this socket; the unit makes /run/kea.
	DefaultKeaControlSocket = "/run/kea/kea4-ctrl-socket"
	// DefaultKeaHooks is where Debian's Kea packages put its hooks on
	// amd64 (another architecture sets paths.kea_hooks).
	DefaultKeaHooks   = "/usr/lib/x86_64-linux-gnu/kea/hooks"
	DefaultXinetdTFTP = "/etc/xinetd.d/tftp"
	DefaultApacheConf = "/etc/apache2/conf-available/pxegen.conf"
	DefaultBootRoot   = "/srv/tftp"
	DefaultManifest   = "/var/lib/pxegen/manifest.json"
	DefaultBIOSLoader = "undionly.kpxe"
	// snponly.efi, not ipxe.efi: Debian 12's ipxe.efi (a 2019 iPXE) hangs
	// when a script exits back to the firmware, so a machine told to boot
	// its local disk never got there; snponly.efi, which drives the NIC
	// through the firmware's own network driver, returns.
	DefaultUEFILoader     = "snponly.efi"
	DefaultPXELinuxLoader = "pxelinux.0"
	DefaultARM64Loader    = "grubaa64.efi"
	DefaultShim           = "shimx64.efi"
	DefaultGRUBDir        = "grub"
	DefaultMenuTitle      = "pxegen"
	DefaultMenuTimeout    = 100
	// DefaultLeaseTime is the lease_time pxegen writes for every DHCP
	// server when the inventory sets none: dhcpd's own default, so that
	// the default target answers as it always has. Kea's (7200) and
	// dnsmasq's (3600) differ, so it is always written out.
	DefaultLeaseTime = 43200
)

// MinLeaseTime is the shortest lease, in seconds, any client gets, and so
// the shortest lease_time: dnsmasq never grants less (src/rfc2131.c), and
// pxegen tells dhcpd (min-lease-time) and Kea (min-valid-lifetime) the
// same, so a client that asks for a shorter lease gets the same answer
// from all three.
const MinLeaseTime = 120

// applyDefaults fills every optional setting left empty. It runs before
// Validate, so the validator sees exactly what will be rendered.
func (inv *Inventory) applyDefaults() {
	setDefault(&inv.Targets.DHCP, TargetDhcpd)
	setDefault(&inv.Targets.TFTP, TargetXinetd)
	setDefault(&inv.Targets.KeaVersion, DefaultKeaVersion)
	setDefault(&inv.Paths.DhcpdConf, DefaultDhcpdConf)
	setDefault(&inv.Paths.KeaConf, DefaultKeaConf)
	setDefault(&inv.Paths.Dhcpd6Conf, DefaultDhcpd6Conf)
	setDefault(&inv.Paths.Kea6Conf, DefaultKea6Conf)
	setDefault(&inv.Paths.Kea6ControlSocket, DefaultKea6ControlSocket)
	setDefault(&inv.Paths.RadvdConf, DefaultRadvdConf)
	setDefault(&inv.Paths.DnsmasqConf, DefaultDnsmasqConf)
	setDefault(&inv.Paths.DnsmasqHosts, DefaultDnsmasqHosts)
	setDefault(&inv.Paths.DnsmasqOpts, DefaultDnsmasqOpts)
	setDefault(&inv.Paths.KeaControlSocket, DefaultKeaControlSocket)
	setDefault(&inv.Paths.KeaHooks, DefaultKeaHooks)
	setDefault(&inv.Paths.XinetdTFTP, DefaultXinetdTFTP)
	setDefault(&inv.Paths.ApacheConf, DefaultApacheConf)
	setDefault(&inv.Paths.BootRoot, DefaultBootRoot)
	setDefault(&inv.Paths.Manifest, DefaultManifest)
	setDefault(&inv.Bootloaders.BIOS, DefaultBIOSLoader)
	setDefault(&inv.Bootloaders.UEFI, DefaultUEFILoader)
	setDefault(&inv.Bootloaders.PXELinux, DefaultPXELinuxLoader)
	setDefault(&inv.Bootloaders.ARM64, DefaultARM64Loader)
	setDefault(&inv.Bootloaders.Shim, DefaultShim)
	setDefault(&inv.Bootloaders.GRUBDir, DefaultGRUBDir)
	inv.serverIPGiven = inv.Server.IP != ""
	inv.serverURLGiven = inv.Server.HTTPURL != ""
	inv.fileHTTPURL = inv.Server.HTTPURL
	inv.applyHADefaults()
	if inv.Server.HTTPURL == "" && inv.Server.IP != "" {
		inv.Server.HTTPURL = "http://" + inv.Server.IP + "/pxe/"
	}
	inv.applyIPv6Defaults()
	setDefault(&inv.Menu.Title, DefaultMenuTitle)
	if inv.Menu.Timeout == nil {
		t := DefaultMenuTimeout
		inv.Menu.Timeout = &t
	}
	if inv.Menu.Default == "" && len(inv.profileOrder) > 0 {
		inv.Menu.Default = inv.profileOrder[0]
	}
	for name, p := range inv.Profiles {
		if p == nil {
			inv.Profiles[name] = &Profile{}
		}
	}
	for i := range inv.Networks {
		n := &inv.Networks[i]
		if n.LeaseTime == nil {
			t := DefaultLeaseTime
			n.LeaseTime = &t
		}
		if n.Authoritative == nil {
			yes := true
			n.Authoritative = &yes
		}
		if len(n.Arches) == 0 {
			n.Arches = StringList{ArchX86_64}
		}
	}
}

func setDefault(s *string, def string) {
	if *s == "" {
		*s = def
	}
}

// ProfileNames returns the profile names in the order the file lists them
// (once merge keys are expanded), then, sorted, any that Profiles holds and
// the file did not list: whatever is in Profiles is validated and rendered.
func (inv *Inventory) ProfileNames() []string {
	names := append([]string(nil), inv.profileOrder...)
	if len(names) == len(inv.Profiles) {
		return names
	}
	listed := make(map[string]bool, len(names))
	for _, n := range names {
		listed[n] = true
	}
	var extra []string
	for n := range inv.Profiles {
		if !listed[n] {
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	return append(names, extra...)
}

// Source returns the file name the inventory was loaded from.
func (inv *Inventory) Source() string { return inv.file }
