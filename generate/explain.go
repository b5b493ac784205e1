package generate

import (
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/inventory"
)

// The client firmwares explain names, as --arch takes them; it also takes
// any option 93 value in decimal.
const (
	ArchBIOS      = "bios"       // option 93 = 0: a PXE ROM
	ArchUEFI      = "uefi"       // option 93 = 7: x86-64 UEFI PXE
	ArchUEFIHTTP  = "uefi-http"  // option 93 = 16: x86-64 UEFI HTTP boot
	ArchARM64     = "arm64"      // option 93 = 11: ARM64 UEFI PXE
	ArchARM64HTTP = "arm64-http" // option 93 = 19: ARM64 UEFI HTTP boot
)

// Arches lists the named --arch values.
var Arches = []string{ArchBIOS, ArchUEFI, ArchUEFIHTTP, ArchARM64, ArchARM64HTTP}

var archNames = map[string]int{ArchBIOS: 0, ArchUEFI: 7, ArchUEFIHTTP: 16, ArchARM64: 11, ArchARM64HTTP: 19}

// ArchCode returns the option 93 value an --arch value stands for.
func ArchCode(arch string) (int, error) {
	if code, ok := archNames[arch]; ok {
		return code, nil
	}
	if code, err := strconv.Atoi(arch); err == nil && code >= 0 && code <= 0xffff && strconv.Itoa(code) == arch {
		return code, nil
	}
	return 0, fmt.Errorf("arch %q: want one of %s, or an option 93 value (0 to 65535)", arch, strings.Join(Arches, ", "))
}

// Query is the client explain simulates.
type Query struct {
	// MAC is the client's MAC address, or the client identifier (option
	// 61) of an InfiniBand interface, which has no MAC.
	MAC  string
	IP   string // needed when the MAC is no host's with a fixed address
	Arch string
	// Family is the address family the client boots over: 4 (the
	// default) or 6, DHCPv6; an IPv6 IP implies 6.
	Family int
}

// Explanation is the whole boot chain of one client, step by step, as the
// rendered files make it happen.
type Explanation struct {
	Client Client `json:"client"`
	Steps  []Step `json:"steps"`
	Boots  Boot   `json:"boots"`
}

// Client is who asks: what the inventory knows about the MAC and address.
type Client struct {
	MAC string `json:"mac,omitempty"`
	// ClientID is the client identifier of an InfiniBand interface,
	// asked about instead of a MAC.
	ClientID string `json:"client_id,omitempty"`
	IP       string `json:"ip"`
	Arch     string `json:"arch"`
	Host     string `json:"host,omitempty"` // the host with this MAC
	// Interface is which of the host's interfaces has the MAC: its name,
	// or interfaces[N] for one without a name; empty for a host's own mac.
	Interface string `json:"interface,omitempty"`
	// Entry is the name of the interface's DHCP host entry, when it is
	// not the host's name (a host's second and further interfaces).
	Entry string `json:"entry,omitempty"`
	// Unprovisioned says whose interface the MAC is when that interface
	// does not provision: DHCP has no entry for it.
	Unprovisioned string `json:"unprovisioned,omitempty"`
	Network       string `json:"network"`
}

// Step is one hop of the chain.
type Step struct {
	Stage   string   `json:"stage"` // relay, dhcp, tftp, http, ipxe, pxelinux, shim, grub
	Summary string   `json:"summary"`
	Fetch   string   `json:"fetch,omitempty"` // the file (below boot_root) or URL this step loads
	Tried   []string `json:"tried,omitempty"` // names the loader looked for first, which do not exist
	Because string   `json:"because,omitempty"`
}

// Boot is what finally runs.
type Boot struct {
	Profile string   `json:"profile"`
	Local   bool     `json:"local,omitempty"` // the local disk, not a kernel
	Kernel  string   `json:"kernel,omitempty"`
	Initrds []string `json:"initrds,omitempty"`
	// Cmdline is the kernel command line, less what the loader adds itself
	// (PXELINUX and GRUB's BOOT_IMAGE=, the EFI stub's image name).
	Cmdline string `json:"cmdline,omitempty"`
	Via     string `json:"via"` // pxelinux, ipxe or grub; none; boot_file: a boot program of the site's own
	Because string `json:"because,omitempty"`
}

// QueryError is a question explain cannot answer from the inventory: an
// unknown MAC without an address, an address in no network.
type QueryError struct{ Msg string }

func (e *QueryError) Error() string { return e.Msg }

// explainer walks the chain over a rendered tree.
type explainer struct {
	site   *Site
	files  map[string][]byte // rendered files by path below boot_root
	q      Query
	code   int // option 93
	host   *Host
	hostAt string // key path of the host
	nicAt  string // key path of its interface with the MAC (the host's, for its own mac)
	who    string // the MAC, or "client id " and the client id
	// unprovisioned names the interface with the MAC when it does not
	// provision: DHCP has no entry for it.
	unprovisioned string
	net           *Network
	netAt         string
	hexIP         string
	explain       *Explanation
}

// Explain simulates what the client q boots from tree, the files that
// RenderSite rendered with site. Every loader's files are read back from
// the tree: PXELINUX and GRUB search it as they do, and the iPXE scripts
// are run as iPXE runs them, so the answer is what the files say, template
// overrides included. Which file DHCP names comes from the site.
func Explain(site *Site, tree filetree.Tree, q Query) (*Explanation, error) {
	code, err := ArchCode(q.Arch)
	if err != nil {
		return nil, &QueryError{err.Error()}
	}
	var id string // the client's MAC, or an InfiniBand client id
	mac, err := inventory.ParseMAC(q.MAC)
	if err == nil {
		id = mac.String()
	} else if cid, idErr := inventory.ParseClientID(q.MAC); idErr == nil {
		id, mac = cid, nil
	} else {
		return nil, &QueryError{err.Error() + "; nor is it an InfiniBand client identifier (hex octets separated by colons)"}
	}
	root := rel(site.Paths.BootRoot) + "/"
	x := &explainer{site: site, q: q, code: code, files: map[string][]byte{}}
	for _, f := range tree {
		if name, ok := strings.CutPrefix(f.Path, root); ok {
			x.files[name] = f.Data
		}
	}
	x.who = id
	if mac == nil {
		x.who = "client id " + id
	}
	for _, h := range site.Hosts {
		if mac != nil && h.MAC == id || mac == nil && h.ClientID == id {
			x.host, x.hostAt, x.nicAt = h, h.at, h.nicAt
		}
	}
	if x.host == nil {
		x.unprovisioned = unprovisioned(site.inv, id, mac == nil)
	}
	if q.Family == 6 || strings.Contains(q.IP, ":") {
		return x.explain6(id, mac == nil)
	}
	if q.Family != 0 && q.Family != 4 {
		return nil, &QueryError{fmt.Sprintf("family %d: want 4 or 6", q.Family)}
	}
	if err := x.locate(); err != nil {
		return nil, err
	}
	x.begin(id, mac == nil)
	if x.net.Relay {
		servers := site.inv.DHCPServers()
		x.step(Step{Stage: "relay", Summary: fmt.Sprintf("the relay agent at %s (giaddr) forwards every DHCP request of this network to %s, and the answers back; TFTP and HTTP are routed",
			x.net.Gateway, strings.Join(servers, " and ")), Because: x.where(x.netAt + ".relay")})
	}
	x.firmware()
	return x.explain, nil
}

// begin starts the explanation once the client's address and network
// are known: id is its MAC, or its client id (byClientID).
func (x *explainer) begin(id string, byClientID bool) {
	x.explain = &Explanation{Client: Client{IP: x.q.IP, Arch: x.q.Arch, Network: x.net.Name, Unprovisioned: x.unprovisioned}}
	if byClientID {
		x.explain.Client.ClientID = id
	} else {
		x.explain.Client.MAC = id
	}
	if x.host != nil {
		x.explain.Client.Host, x.explain.Client.Interface = x.host.HostName, x.host.iface
		if x.host.Name != x.host.HostName {
			x.explain.Client.Entry = x.host.Name
		}
	}
}

// unprovisioned names the interface of inv with the MAC id (the client
// id id, for byClientID) when it does not provision, with the line that
// says so; "" when there is none.
func unprovisioned(inv *inventory.Inventory, id string, byClientID bool) string {
	if inv == nil {
		return ""
	}
	for i, h := range inv.Hosts {
		for _, nic := range h.NICs(i) {
			if nic.Provisions() {
				continue
			}
			if byClientID {
				if c, err := inventory.ParseClientID(nic.ClientID); err != nil || c != id {
					continue
				}
			} else if m, err := inventory.ParseMAC(nic.MAC); err != nil || m.String() != id {
				continue
			}
			name := nic.Name
			if name == "" {
				name = fmt.Sprintf("interfaces[%d]", nic.Index)
			}
			return fmt.Sprintf("interface %s of host %s, which does not provision (%s): DHCP has no entry for it", name, h.Name, inv.Where(nic.Key+".provision"))
		}
	}
	return ""
}

// hostName names the host whose entry matched, with the interface when
// it has several.
func (x *explainer) hostName() string {
	if x.host.iface == "" {
		return x.host.HostName
	}
	return x.host.HostName + " (interface " + x.host.iface + ")"
}

// locate finds the client's address and network.
func (x *explainer) locate() error {
	ip := x.q.IP
	if x.host != nil && x.host.IP != "" {
		if ip != "" && ip != x.host.IP {
			return &QueryError{fmt.Sprintf("host %s has the fixed address %s, so DHCP never gives it %s", x.hostName(), x.host.IP, ip)}
		}
		ip = x.host.IP
	}
	if ip == "" {
		what := "is no host's"
		if x.host != nil {
			what = "belongs to host " + x.hostName() + ", which has no fixed address"
		}
		if x.unprovisioned != "" {
			what = "is " + x.unprovisioned
		}
		if mac, err := inventory.ParseMAC(x.q.MAC); err == nil && x.host == nil && x.unprovisioned == "" {
			if host, site, ok := x.site.inv.OtherSiteHost(mac.String()); ok {
				return &QueryError{fmt.Sprintf("%s is host %s's, of site %s, whose server answers it: explain it with --site %s", x.q.MAC, host, site, site)}
			}
		}
		return &QueryError{fmt.Sprintf("%s %s: give --ip, the address it gets, so explain knows its network", x.who, what)}
	}
	addr, err := inventory.ParseIPv4(ip)
	if err != nil {
		return &QueryError{err.Error()}
	}
	x.q.IP = addr.String()
	x.hexIP = hexIP(addr)
	for i, n := range x.site.Networks {
		if n.Subnet.Contains(addr) {
			x.net, x.netAt = n, fmt.Sprintf("networks[%d]", i)
		}
	}
	if x.net == nil {
		if network, site, ok := x.site.inv.OtherSiteNetwork(addr); ok {
			return &QueryError{fmt.Sprintf("%s is in network %s, site %s's, whose server answers it: explain it with --site %s", addr, network, site, site)}
		}
		return &QueryError{fmt.Sprintf("%s is in no network of the inventory, so no DHCP server of it answers", addr)}
	}
	return nil
}

func (x *explainer) where(p string) string { return x.site.inv.Where(p) }

func (x *explainer) step(s Step) { x.explain.Steps = append(x.explain.Steps, s) }

// firmware is the first DHCP exchange, by client architecture: the
// network's loader for its type, or the host's own x86-64 UEFI loader.
func (x *explainer) firmware() {
	s := x.site
	server := fmt.Sprintf("%s (network %s, %s)", s.Targets.DHCP, x.net.Name, x.net.Subnet)
	t := archType(x.code)
	about := fmt.Sprintf("option 93 = %d (%s)", t.Code, t.Name)
	if t.Code == 0 {
		about = "option 93 absent or 0 (BIOS PXE ROM)"
	}
	fixed := ""
	if x.host != nil && x.host.IP != "" {
		fixed = fmt.Sprintf(", fixed address %s for host %s", x.host.IP, x.hostName())
	}
	loader, ok := x.net.Loader(t.Code)
	because := x.where(x.netAt)
	if x.net.SecureBoot && (t.Code == 7 || t.Code == 9 || t.Code == 16) {
		because = x.where(x.netAt + ".secure_boot")
	}
	if _, mapped := s.Bootloaders.Arch[strconv.Itoa(t.Code)]; mapped {
		because = x.where("bootloaders.arch." + strconv.Itoa(t.Code))
	}
	if x.host != nil && x.host.UEFILoader != "" && (t.Code == 7 || t.Code == 9) {
		runs := RunsIPXE
		if x.host.SecureBoot {
			runs = RunsShim
		}
		loader, ok, because = newLoader(t.Code, x.host.UEFILoader, runs), true, x.where(x.hostAt+".secure_boot")
	}
	nextServer := x.net.NextServer
	if x.net.NextServer != s.Server.IP {
		because = x.where(x.netAt + ".next_server")
	}
	// A boot_file, the host's or else its network's, is for every request
	// that is neither iPXE's nor UEFI HTTP boot's; a host's own UEFI loader
	// still beats its network's boot_file.
	own := ""
	switch {
	case t.HTTP:
	case x.host != nil && x.host.BootFile != "":
		own, because = x.host.BootFile, x.where(x.hostAt+".boot_file")
		if x.host.NextServer != "" {
			nextServer = x.host.NextServer
		}
	case x.net.BootFile != "" && !(x.host != nil && x.host.UEFILoader != "" && (t.Code == 7 || t.Code == 9)):
		own, because = x.net.BootFile, x.where(x.netAt+".boot_file")
	}
	if own != "" {
		x.step(Step{Stage: "dhcp", Summary: fmt.Sprintf("%s answers %s: next-server %s, boot file %s (boot_file)%s", server, about, nextServer, own, fixed), Because: because})
		x.step(Step{Stage: "tftp", Summary: "the firmware fetches " + own + " over TFTP from " + nextServer + " and runs it: a boot program of the site's own, which pxegen did not write and does not follow", Fetch: own})
		x.explain.Boots = Boot{Via: "boot_file", Because: because}
		return
	}
	if !ok {
		why := fmt.Sprintf("pxegen has no loader for it in network %s (arches: %s)", x.net.Name, strings.Join(x.netArches(), ", "))
		if x.net.SecureBoot && t.Code == 16 {
			why = "in a Secure Boot network: iPXE is unsigned, and Debian's signed GRUB finds no config when started by HTTP boot; such machines PXE boot instead"
		} else if t.Code == 19 {
			why = "Debian's GRUB, which ARM64 machines run, finds no config when started by HTTP boot; ARM64 machines PXE boot instead"
		}
		x.step(Step{Stage: "dhcp", Summary: fmt.Sprintf("%s answers %s with no boot file%s: %s", server, about, fixed, why), Because: because})
		x.explain.Boots = Boot{Via: "none", Because: because}
		return
	}
	if t.HTTP {
		about += ", option 60 HTTPClient echoed back"
	}
	x.step(Step{Stage: "dhcp", Summary: fmt.Sprintf("%s answers %s: next-server %s, boot file %s%s", server, about, nextServer, loader.File, fixed), Because: because})
	stage, from := "tftp", "over TFTP from "+nextServer
	if t.HTTP {
		stage, from = "http", "over HTTP"
	}
	x.step(Step{Stage: stage, Summary: "the firmware fetches " + loader.File + " " + from + " and runs it", Fetch: loader.File})
	switch loader.Runs {
	case RunsShim:
		x.shim()
	case RunsGRUB:
		x.grub()
	default:
		x.ipxe()
	}
}

// netArches lists the CPU architectures of the client's network.
func (x *explainer) netArches() []string {
	var a []string
	if x.net.X86 {
		a = append(a, inventory.ArchX86_64)
	}
	if x.net.ARM64 {
		a = append(a, inventory.ArchARM64)
	}
	return a
}

// cpu is the client's CPU architecture, as the scripts and GRUB configs
// tell them apart: ARM64, or else the x86-64 kernels'.
func (x *explainer) cpu() string {
	if archType(x.code).CPU == inventory.ArchARM64 {
		return inventory.ArchARM64
	}
	return inventory.ArchX86_64
}

// ipxe is the iPXE stage: DHCP again, which names known.ipxe (or, for an
// InfiniBand entry, known-ip.ipxe) for a host with a script of its own and
// the network's boot script for everyone else; then the scripts
// themselves, as rendered, run as iPXE runs them.
func (x *explainer) ipxe() {
	if x.host != nil && x.host.Profile != nil {
		x.step(Step{Stage: "dhcp", Summary: fmt.Sprintf("iPXE asks again with user class iPXE; the entry of host %s gives it boot file %s", x.hostName(), x.host.KnownURL),
			Fetch: x.below(x.host.KnownURL), Because: x.where(x.nicAt)})
		x.runIPXE(x.host.KnownURL)
		return
	}
	x.step(Step{Stage: "dhcp", Summary: fmt.Sprintf("iPXE asks again with user class iPXE: boot file %s", x.net.BootScriptURL),
		Fetch: x.net.BootScript, Because: x.where(x.netAt)})
	x.runIPXE(x.net.BootScriptURL)
}

// below is the path below boot_root that url fetches from the server,
// which serves boot_root at http_url; "" for any other URL.
func (x *explainer) below(url string) string {
	if p, ok := strings.CutPrefix(url, x.site.Server.HTTPURL); ok {
		return p
	}
	if p, ok := strings.CutPrefix(url, x.site.Server6.HTTPURL); ok && x.site.IPv6 {
		return p
	}
	return ""
}

// localBoot says how iPXE boots the local disk on a firmware, as the
// scripts' local block does it.
func localBoot(arch string) string {
	if arch == ArchBIOS {
		return "sanboot --drive 0x80 boots the first hard disk's boot sector (if there is no disk, iPXE exits and the BIOS may go on to its next device)"
	}
	return "exit 1 hands an error back to the firmware, which goes on to its next boot option"
}

func profileName(p *Profile) string {
	if p.Local {
		return "its local disk"
	}
	return "profile " + p.Name
}

// shim is the Secure Boot chain: shim, GRUB, GRUB's search.
func (x *explainer) shim() {
	grub := path.Join(path.Dir(x.site.Bootloaders.Shim), "grubx64.efi")
	x.step(Step{Stage: "shim", Summary: "shim (signed by Microsoft's UEFI CA) loads and verifies " + grub + " from its own directory over TFTP", Fetch: grub})
	dir := x.site.Bootloaders.GRUBDir
	x.search("grub", dir+"/grub.cfg-", dir+"/grub.cfg", x.parseGRUB)
}

// grub is GRUB run directly by the firmware (ARM64 machines): its search.
func (x *explainer) grub() {
	dir := x.site.Bootloaders.GRUBDir
	x.search("grub", dir+"/grub.cfg-", dir+"/grub.cfg", x.parseGRUB)
}

// search looks for the client's file as PXELINUX and GRUB do: prefix then
// 01-<mac>, the hex IP shortened one digit at a time, then fallback.
func (x *explainer) search(stage, prefix, fallback string, parse func([]byte) (Boot, bool)) {
	var names []string
	if x.explain.Client.MAC != "" {
		// An InfiniBand client is known by no MAC file.
		names = append(names, prefix+"01-"+strings.ReplaceAll(x.explain.Client.MAC, ":", "-"))
	}
	for n := len(x.hexIP); n >= 1; n-- {
		names = append(names, prefix+x.hexIP[:n])
	}
	names = append(names, fallback)
	for i, name := range names {
		data, ok := x.files[name]
		if !ok {
			continue
		}
		b, ok := parse(data)
		if !ok {
			x.step(Step{Stage: stage, Summary: fmt.Sprintf("%s finds %s, but it names nothing to boot", stage, name), Fetch: name, Tried: names[:i]})
			return
		}
		b.Via = stage
		b.Because = x.profileWhere(b.Profile)
		menu := ""
		because := x.where(x.netAt + ".profile") // a hex prefix of the network
		switch {
		case i == 0 && x.explain.Client.MAC != "":
			because = x.where(x.nicAt)
		case i == len(names)-1:
			menu = fmt.Sprintf(", the menu: after its timeout it boots %s", b.Profile)
			because = x.where("menu.default")
		case x.host != nil && x.host.HexIP == x.hexIP && name == prefix+x.hexIP:
			because = x.where(x.nicAt)
		}
		x.step(Step{Stage: stage, Summary: fmt.Sprintf("%s looks for this client's file and finds %s%s", stage, name, menu), Fetch: name, Tried: names[:i], Because: because})
		if b.Local && stage == "grub" {
			loaders := x.site.LocalLoaders
			if x.cpu() == inventory.ArchARM64 {
				loaders = x.site.LocalLoadersARM64
			}
			x.step(Step{Stage: stage, Summary: "GRUB chainloads the first EFI loader it finds on a local disk (" + strings.Join(loaders, ", ") + "): its exit would stop the firmware at its boot menu"})
		}
		x.explain.Boots = b
		return
	}
	x.step(Step{Stage: stage, Summary: stage + " finds none of its files: nothing boots", Tried: names})
}

func (x *explainer) profileWhere(name string) string {
	if name == inventory.LocalProfile {
		return ""
	}
	return x.where("profiles." + name)
}

var (
	pxelinuxDefault = regexp.MustCompile(`(?m)^(?:ONTIMEOUT|DEFAULT) (\S+)$`)
	grubDefault     = regexp.MustCompile(`(?m)^set default=(\S+)$`)
	grubQuotedWord  = regexp.MustCompile(`'([^']*)'`)
)

// parsePXELinux reads what a pxelinux.cfg file boots when no key is
// pressed: its ONTIMEOUT (or DEFAULT) label.
func parsePXELinux(data []byte) (Boot, bool) {
	m := pxelinuxDefault.FindSubmatch(data)
	if m == nil {
		return Boot{}, false
	}
	label := string(m[1])
	b := Boot{Profile: label}
	in := false
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if name, ok := strings.CutPrefix(line, "LABEL "); ok {
			in = name == label
			continue
		}
		if !in {
			continue
		}
		switch {
		case line == "LOCALBOOT 0":
			b.Local = true
		case strings.HasPrefix(line, "LINUX "), strings.HasPrefix(line, "PXE "):
			_, b.Kernel, _ = strings.Cut(line, " ")
		case strings.HasPrefix(line, "APPEND "):
			b.Cmdline = strings.TrimPrefix(line, "APPEND ")
			for _, w := range strings.Fields(b.Cmdline) {
				if list, ok := strings.CutPrefix(w, "initrd="); ok {
					b.Initrds = strings.Split(list, ",")
				}
			}
		}
	}
	return b, b.Local || b.Kernel != ""
}

// parseGRUB reads what a GRUB config boots when no key is pressed: the
// menu entry whose --id is its default, on the client's CPU where the
// entry chooses by $grub_cpu.
func (x *explainer) parseGRUB(data []byte) (Boot, bool) {
	m := grubDefault.FindSubmatch(data)
	if m == nil {
		return Boot{}, false
	}
	id := string(m[1])
	b := Boot{Profile: strings.TrimPrefix(id, GRUBIDPrefix)}
	in := false
	// branch is "" outside a CPU test, else the CPU of the lines read.
	branch := ""
	for _, line := range strings.Split(string(data), "\n") {
		words := grubQuotedWord.FindAllStringSubmatch(line, -1)
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "menuentry "):
			in, branch = len(words) == 2 && words[1][1] == id, ""
		case !in:
		case trimmed == `if [ "$grub_cpu" = arm64 ]; then`:
			branch = inventory.ArchARM64
		case trimmed == "else" && branch != "":
			branch = inventory.ArchX86_64
		case trimmed == "fi" && branch != "":
			branch = ""
		case branch != "" && branch != x.cpu():
		case strings.HasPrefix(trimmed, `chainloader "$loader"`):
			b.Local = true
		case (strings.HasPrefix(trimmed, "linux ") || strings.HasPrefix(trimmed, "chainloader ")) && len(words) > 0:
			// A kernel, or a memtest or chain profile's EFI program.
			b.Kernel = words[0][1]
			var args []string
			for _, w := range words[1:] {
				args = append(args, w[1])
			}
			b.Cmdline = strings.Join(args, " ")
		case strings.HasPrefix(trimmed, "initrd "):
			for _, w := range words {
				b.Initrds = append(b.Initrds, w[1])
			}
		}
	}
	return b, b.Local || b.Kernel != ""
}

// WriteText prints the explanation for a person: the client, one numbered
// line per step with the inventory line behind it, then what boots.
func (e *Explanation) WriteText(w io.Writer) error {
	c := e.Client
	who := "an unknown client"
	switch {
	case c.Host != "" && c.Interface != "":
		who = "host " + c.Host + ", interface " + c.Interface
	case c.Host != "":
		who = "host " + c.Host
	case c.Unprovisioned != "":
		who += ": " + c.Unprovisioned
	}
	var b strings.Builder
	id := c.MAC
	if c.ClientID != "" {
		id = "client id " + c.ClientID
	}
	fmt.Fprintf(&b, "%s (%s) at %s in network %s, firmware %s\n", id, who, c.IP, c.Network, c.Arch)
	for i, s := range e.Steps {
		fmt.Fprintf(&b, "%2d. %-8s %s\n", i+1, s.Stage, s.Summary)
		if len(s.Tried) > 0 {
			fmt.Fprintf(&b, "    %-8s tried first, not there: %s\n", "", strings.Join(s.Tried, " "))
		}
		if s.Because != "" {
			fmt.Fprintf(&b, "    %-8s decided by %s\n", "", s.Because)
		}
	}
	switch boot := e.Boots; {
	case boot.Local:
		fmt.Fprintf(&b, "boots: the local disk (profile %s, via %s)\n", boot.Profile, boot.Via)
	case boot.Via == "boot_file":
		fmt.Fprintf(&b, "boots: whatever the site's own boot file boots\n")
	case boot.Kernel == "":
		fmt.Fprintf(&b, "boots: nothing\n")
	default:
		fmt.Fprintf(&b, "boots: profile %s via %s\n  kernel  %s\n", boot.Profile, boot.Via, boot.Kernel)
		for _, f := range boot.Initrds {
			fmt.Fprintf(&b, "  initrd  %s\n", f)
		}
		fmt.Fprintf(&b, "  cmdline %s\n", boot.Cmdline)
		if boot.Because != "" {
			fmt.Fprintf(&b, "  profile defined at %s\n", boot.Because)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
