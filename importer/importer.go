// Package importer turns what a site runs today into a pxegen inventory:
// an ISC dhcpd.conf, dnsmasq's dhcp-range, dhcp-host and dhcp-boot lines,
// a CSV of hosts, and NetBox's REST API export of devices, interfaces and
// addresses. The inventory it writes is deterministic and commented, each
// entry saying where it came from; everything it could not carry over is
// a Note naming the file and line. It validates what it wrote as any
// inventory is validated.
package importer

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/inventory"
)

// Sources are the files to import, by kind, each in the order given.
type Sources struct {
	Dhcpd   []string // dhcpd.conf files (each follows its own includes)
	Dnsmasq []string // dnsmasq configuration files
	CSV     []string // mac,name,ip[,profile] files
	NetBox  []string // JSON from NetBox's REST API: devices, interfaces, IP addresses, MAC addresses
	// NetBoxTag names the tag (slug or name) of the interface a device
	// boots from; without it, the interface with the device's primary
	// IPv4 address, or its only interface with a MAC address.
	NetBoxTag string
	// ServerIP is the boot server's address, when the sources do not say
	// it (dhcpd's next-server, dnsmasq's dhcp-boot server).
	ServerIP string
}

// Note is something the import could not carry over, or carried over
// otherwise than it was written, and where it was written.
type Note struct {
	Where string // FILE:LINE, or FILE
	Msg   string
}

func (n Note) String() string { return n.Where + ": " + n.Msg }

// Result is an import: the inventory file and what it could not carry.
type Result struct {
	YAML  []byte
	Notes []Note
	// Err is the inventory's own problems, as an inventory.ErrorList
	// naming lines of YAML, when it does not validate.
	Err error
}

// MaxSourceSize bounds each file read.
const MaxSourceSize = inventory.MaxFileSize

// Import reads the sources and writes the inventory, named name in its
// own errors. An error is a source that cannot be read or parsed.
func Import(src Sources, name string) (*Result, error) {
	im := newImporter()
	for _, f := range src.Dhcpd {
		if err := im.dhcpd(f); err != nil {
			return nil, err
		}
	}
	for _, f := range src.Dnsmasq {
		if err := im.dnsmasq(f); err != nil {
			return nil, err
		}
	}
	for _, f := range src.CSV {
		if err := im.csv(f); err != nil {
			return nil, err
		}
	}
	if len(src.NetBox) > 0 {
		if err := im.netbox(src.NetBox, src.NetBoxTag); err != nil {
			return nil, err
		}
	}
	if src.ServerIP != "" {
		im.setServerIP(src.ServerIP, "--server-ip")
	}
	im.finish()
	sortNotes(im.report)
	var all []string
	for _, l := range [][]string{src.Dhcpd, src.Dnsmasq, src.CSV, src.NetBox} {
		all = append(all, l...)
	}
	data, err := inventory.Marshal(im.inv, im.header(all), im.notes)
	if err != nil {
		return nil, err
	}
	r := &Result{YAML: data, Notes: im.report}
	if _, err := inventory.Parse(name, data); err != nil {
		if _, ok := errors.AsType[inventory.ErrorList](err); !ok {
			return nil, err
		}
		r.Err = err
	}
	return r, nil
}

// importer gathers the inventory from every source.
type importer struct {
	inv      *inventory.Inventory
	notes    inventory.Notes
	report   []Note
	reported map[Note]bool
	nets     map[netip.Prefix]int // index in inv.Networks
	hosts    map[string]int       // by MAC, index in inv.Hosts
	profiles map[string]string    // name: where first named
	serverAt string               // where server.ip came from
	// loaders are the boot files seen per firmware, for bootloaders.
	loaders map[string]loaderSeen
}

type loaderSeen struct {
	file, where string
}

func newImporter() *importer {
	return &importer{inv: &inventory.Inventory{}, notes: inventory.Notes{}, reported: map[Note]bool{},
		nets: map[netip.Prefix]int{}, hosts: map[string]int{}, profiles: map[string]string{}, loaders: map[string]loaderSeen{}}
}

// notef reports something not carried over, once. Its text quotes the
// sources, which may hold anything: control characters are escaped, so
// that each note is one line, on a terminal and in the inventory's header.
func (im *importer) notef(where, format string, args ...any) {
	n := Note{Where: filetree.Escape(where), Msg: filetree.Escape(fmt.Sprintf(format, args...))}
	if !im.reported[n] {
		im.reported[n] = true
		im.report = append(im.report, n)
	}
}

// setServerIP sets server.ip, or reports a second, different one.
func (im *importer) setServerIP(ip, where string) {
	switch im.inv.Server.IP {
	case "":
		im.inv.Server.IP, im.serverAt = ip, where
		im.notes["server.ip"] = "from " + where
	case ip:
	default:
		im.notef(where, "the boot server is also given as %s (%s): kept %s", ip, im.serverAt, im.inv.Server.IP)
	}
}

// network returns the network of prefix, creating it, named name (made
// unique) when new.
func (im *importer) network(prefix netip.Prefix, name, where string) (*inventory.Network, bool) {
	if i, ok := im.nets[prefix]; ok {
		return &im.inv.Networks[i], false
	}
	if name == "" {
		a := prefix.Addr().As4()
		name = fmt.Sprintf("net-%d-%d-%d-%d", a[0], a[1], a[2], a[3])
	}
	name = im.uniqueNetwork(name)
	im.inv.Networks = append(im.inv.Networks, inventory.Network{Name: name, Subnet: prefix.String()})
	i := len(im.inv.Networks) - 1
	im.nets[prefix] = i
	im.notes[fmt.Sprintf("networks[%d]", i)] = "from " + where
	return &im.inv.Networks[i], true
}

func (im *importer) uniqueNetwork(name string) string {
	taken := func(n string) bool {
		for _, net := range im.inv.Networks {
			if strings.EqualFold(net.Name, n) {
				return true
			}
		}
		return false
	}
	unique := name
	for i := 2; taken(unique); i++ {
		unique = fmt.Sprintf("%s-%d", name, i)
	}
	return unique
}

// networkOf returns the index of the network holding ip, or -1.
func (im *importer) networkOf(ip netip.Addr) int {
	for p, i := range im.nets {
		if p.Contains(ip) {
			return i
		}
	}
	return -1
}

// host returns the host with mac, creating it when new; where says where
// this source names it.
func (im *importer) host(mac, where string) (*inventory.Host, bool) {
	if i, ok := im.hosts[mac]; ok {
		im.notes[fmt.Sprintf("hosts[%d]", i)] += ", " + where
		return &im.inv.Hosts[i], false
	}
	im.inv.Hosts = append(im.inv.Hosts, inventory.Host{MAC: mac})
	i := len(im.inv.Hosts) - 1
	im.hosts[mac] = i
	im.notes[fmt.Sprintf("hosts[%d]", i)] = where
	return &im.inv.Hosts[i], true
}

// hostName makes name an RFC 1123 label pxegen accepts, unique among the
// hosts, and reports any change.
func (im *importer) hostName(name, where string) string {
	orig := name
	if i := strings.IndexByte(name, '.'); i > 0 {
		name = name[:i] // a fully qualified name: its first label
	}
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case 'a' <= r && r <= 'z' || '0' <= r && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0:
			b.WriteByte('-')
		}
	}
	name = strings.Trim(b.String(), "-")
	for strings.Contains(name, "--") {
		name = strings.ReplaceAll(name, "--", "-")
	}
	if len(name) > 50 {
		name = strings.TrimRight(name[:50], "-")
	}
	if name == "" || dnsmasqWord(name) {
		name = "host-" + name
		name = strings.TrimRight(name, "-")
	}
	unique := name
	for i := 2; im.hostNameTaken(unique); i++ {
		unique = fmt.Sprintf("%s-%d", name, i)
	}
	if unique != orig {
		im.notef(where, "host name %q is %s in the inventory (an RFC 1123 label, unique)", orig, unique)
	}
	return unique
}

// dnsmasqWord reports whether dnsmasq's dhcp-host reads name as something
// other than a name (see inventory's host name rule).
func dnsmasqWord(name string) bool {
	if name == "ignore" || name == "infinite" {
		return true
	}
	digits := strings.TrimRight(name, "smhdw")
	if len(name)-len(digits) > 1 || digits == "" {
		return false
	}
	for _, r := range digits {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (im *importer) hostNameTaken(name string) bool {
	for _, h := range im.inv.Hosts {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

// profile records a profile name a source asks for.
func (im *importer) profile(name, where string) {
	if _, ok := im.profiles[name]; !ok {
		im.profiles[name] = where
	}
}

// placeholderProfile is the profile import writes when no source names
// one: an inventory needs one, and no source says what machines boot
// beyond the first loader.
const placeholderProfile = "install"

// finish completes the inventory: the profiles, and what no source said.
func (im *importer) finish() {
	inv := im.inv
	if inv.Server.IP == "" {
		im.notef("import", "no source gives the boot server's address (dhcpd's next-server, dnsmasq's dhcp-boot): give --server-ip")
	}
	names := make([]string, 0, len(im.profiles))
	for n := range im.profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		names = []string{placeholderProfile}
		im.profiles[placeholderProfile] = ""
	}
	inv.Profiles = map[string]*inventory.Profile{}
	arm64 := false
	for _, n := range inv.Networks {
		arm64 = arm64 || n.HasArch(inventory.ArchARM64)
	}
	for _, n := range names {
		inv.Profiles[n] = &inventory.Profile{Kernel: n + "/vmlinuz"}
		if arm64 {
			inv.Profiles[n].ARM64.Kernel = n + "/arm64/vmlinuz"
		}
		why := "named by " + im.profiles[n]
		if im.profiles[n] == "" {
			why = "a placeholder: no source names a profile, and an inventory needs one"
		}
		im.notes["profiles."+n] = why + "\nTODO: no source says what it boots: set its kernel, initrd and append"
		im.notef("profiles."+n, "its kernel is a placeholder (%s/vmlinuz): no source says what it boots", n)
	}
	for i, n := range inv.Networks {
		if n.Profile == "" {
			continue
		}
		if _, ok := inv.Profiles[n.Profile]; !ok {
			im.notef(fmt.Sprintf("networks[%d]", i), "profile %s is unknown", n.Profile)
		}
	}
}

// header is the comment at the top of the inventory: what it came from,
// and what it could not carry.
func (im *importer) header(sources []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Imported by pxegen import from %s.\n", strings.Join(sources, ", "))
	b.WriteString("Each entry says where it came from. Read it, and pxegen diff against\nthe live tree, before the first render.\n")
	if len(im.report) > 0 {
		fmt.Fprintf(&b, "\nNot carried over, or carried over otherwise (%d):\n", len(im.report))
		for _, n := range im.report {
			fmt.Fprintf(&b, "  %s\n", n)
		}
	}
	return b.String()
}

// readSource reads a source file, bounded.
func readSource(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("import %s: %w", path, err)
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("import %s: not a regular file", path)
	}
	if info.Size() > MaxSourceSize {
		return "", fmt.Errorf("import %s: larger than %d MiB", path, MaxSourceSize>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("import %s: %w", path, err)
	}
	return string(data), nil
}

// sortNotes orders notes by file, then line, then message, whatever order
// the import found them in.
func sortNotes(notes []Note) {
	key := func(n Note) (string, int, string) {
		file, rest := n.Where, ""
		if i := strings.IndexByte(file, ' '); i >= 0 {
			file, rest = file[:i], file[i:]
		}
		if i := strings.LastIndexByte(file, ':'); i >= 0 {
			if line, err := strconv.Atoi(file[i+1:]); err == nil {
				return file[:i], line, rest + n.Msg
			}
		}
		return file, 0, rest + n.Msg
	}
	sort.SliceStable(notes, func(i, j int) bool {
		fi, li, mi := key(notes[i])
		fj, lj, mj := key(notes[j])
		if fi != fj {
			return fi < fj
		}
		if li != lj {
			return li < lj
		}
		return mi < mj
	})
}
