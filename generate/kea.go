package generate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/pxegen/pxegen/inventory"
)

// The Kea target is built from typed structs and encoding/json rather than
// a text template: JSON escaping is then the encoder's job, and a field
// name typo is a compile error instead of a config Kea rejects.

type keaFile struct {
	Dhcp4 keaDhcp4 `json:"Dhcp4"`
}

type keaDhcp4 struct {
	InterfacesConfig keaInterfaces `json:"interfaces-config"`
	// ControlSocket takes commands: config-reload applies a new file
	// without a restart (Debian's unit has no reload).
	ControlSocket keaControlSocket `json:"control-socket"`
	// With ha: Kea's HA hook, with the lease commands it needs, and
	// multi-threading, under which the hook listens for its partner
	// itself (no control agent).
	MultiThreading       *keaMultiThreading `json:"multi-threading,omitempty"`
	HooksLibraries       []keaHook          `json:"hooks-libraries,omitempty"`
	LeaseDatabase        keaLeaseDatabase   `json:"lease-database"`
	NextServer           string             `json:"next-server"`
	OptionDef            []keaOptionDef     `json:"option-def"`
	OptionData           []keaOption        `json:"option-data"`
	ClientClasses        []keaClass         `json:"client-classes"`
	ReservationsGlobal   bool               `json:"reservations-global"`
	ReservationsInSubnet bool               `json:"reservations-in-subnet"`
	Reservations         []keaReservation   `json:"reservations,omitempty"`
	Subnet4              []keaSubnet        `json:"subnet4"`
}

type keaInterfaces struct {
	Interfaces []string `json:"interfaces"`
}

type keaControlSocket struct {
	Type string `json:"socket-type"`
	Name string `json:"socket-name"`
}

type keaLeaseDatabase struct {
	Type        string `json:"type"`
	LFCInterval int    `json:"lfc-interval"`
}

type keaOptionDef struct {
	Space       string `json:"space"`
	Name        string `json:"name"`
	Code        int    `json:"code"`
	Type        string `json:"type"`
	Encapsulate string `json:"encapsulate,omitempty"`
}

type keaOption struct {
	Space string `json:"space,omitempty"`
	Name  string `json:"name,omitempty"`
	// Code and CSVFormat false: an option by code, its data the bytes in
	// hex, as pxegen encodes them for every server (Kea refuses to
	// redefine a code it defines itself, and needs no definition for
	// bytes).
	Code       int    `json:"code,omitempty"`
	CSVFormat  *bool  `json:"csv-format,omitempty"`
	Data       string `json:"data,omitempty"`
	AlwaysSend bool   `json:"always-send,omitempty"`
	Comment    string `json:"comment,omitempty"`
}

type keaClass struct {
	Name    string `json:"name"`
	Comment string `json:"comment,omitempty"`
	Test    string `json:"test,omitempty"`
	// NextServer, with BootFileName: a boot_file's next-server.
	NextServer string `json:"next-server,omitempty"`
	// OnlyIfRequired: evaluated only for a subnet that lists the class
	// (require-client-classes), after Kea has chosen it. keaConfig renames
	// it for Kea 2.7.4 and later (see additionalClasses).
	OnlyIfRequired       bool        `json:"only-if-required,omitempty"`
	OnlyInAdditionalList bool        `json:"only-in-additional-list,omitempty"`
	BootFileName         string      `json:"boot-file-name,omitempty"`
	OptionData           []keaOption `json:"option-data,omitempty"`
}

type keaSubnet struct {
	ID               uint32      `json:"id"`
	Subnet           string      `json:"subnet"`
	Comment          string      `json:"comment"`
	Pools            []keaPool   `json:"pools,omitempty"`
	NextServer       string      `json:"next-server,omitempty"`
	ValidLifetime    int         `json:"valid-lifetime"`
	MinValidLifetime int         `json:"min-valid-lifetime"`
	MaxValidLifetime int         `json:"max-valid-lifetime"`
	Authoritative    bool        `json:"authoritative"`
	OptionData       []keaOption `json:"option-data,omitempty"`
	keaAdditional
	Reservations []keaReservation `json:"reservations,omitempty"`
}

// keaAdditional are the classes a subnet (of either family) has Kea
// evaluate once it has chosen the subnet, under Kea's names for them.
type keaAdditional struct {
	RequireClientClasses []string `json:"require-client-classes,omitempty"`
	// EvaluateAdditionalClasses is RequireClientClasses for Kea 2.7.4 and
	// later.
	EvaluateAdditionalClasses []string `json:"evaluate-additional-classes,omitempty"`
}

// renamed moves the list to Kea 2.7.4's name.
func (a *keaAdditional) renamed() {
	a.EvaluateAdditionalClasses, a.RequireClientClasses = a.RequireClientClasses, nil
}

type keaPool struct {
	Pool string `json:"pool"`
	// ClientClass, under HA load-balancing: the HA_<server> class of the
	// peer that allocates from this half, so the two never allocate one
	// address twice.
	ClientClass string `json:"client-class,omitempty"`
	// ClientClasses is ClientClass for Kea 2.7.5 and later.
	ClientClasses []string `json:"client-classes,omitempty"`
}

type keaMultiThreading struct {
	Enable bool `json:"enable-multi-threading"`
}

type keaHook struct {
	Library    string         `json:"library"`
	Parameters *keaHookParams `json:"parameters,omitempty"`
}

type keaHookParams struct {
	HighAvailability []keaHA `json:"high-availability"`
}

type keaHA struct {
	ThisServerName string `json:"this-server-name"`
	Mode           string `json:"mode"`
	// In milliseconds.
	HeartbeatDelay   int `json:"heartbeat-delay"`
	MaxResponseDelay int `json:"max-response-delay"`
	MaxAckDelay      int `json:"max-ack-delay"`
	// MaxUnackedClients 0: a partner silent for max-response-delay is
	// down, without waiting for clients it leaves unanswered: PXE ROMs
	// need not count the seconds field Kea judges that by.
	MaxUnackedClients int `json:"max-unacked-clients"`
	// RestrictCommands: the dedicated listener (multi-threading below)
	// binds this peer's address on the boot network, without
	// authentication; Kea before 3.0 answers every command there
	// (config-set, config-write, shutdown, lease4-wipe) unless this limits
	// it to those the partner sends.
	RestrictCommands bool                `json:"restrict-commands"`
	MultiThreading   keaHAMultiThreading `json:"multi-threading"`
	Peers            []keaHAPeer         `json:"peers"`
}

type keaHAMultiThreading struct {
	Enable            bool `json:"enable-multi-threading"`
	DedicatedListener bool `json:"http-dedicated-listener"`
	ListenerThreads   int  `json:"http-listener-threads"`
	ClientThreads     int  `json:"http-client-threads"`
}

type keaHAPeer struct {
	Name         string `json:"name"`
	URL          string `json:"url"`
	Role         string `json:"role"`
	AutoFailover bool   `json:"auto-failover"`
}

type keaReservation struct {
	HWAddress     string      `json:"hw-address,omitempty"`
	ClientID      string      `json:"client-id,omitempty"`
	IPAddress     string      `json:"ip-address,omitempty"`
	Hostname      string      `json:"hostname"`
	ClientClasses []string    `json:"client-classes,omitempty"`
	OptionData    []keaOption `json:"option-data,omitempty"`
}

// Client classes. Their tests exclude one another, so which class sets the
// boot file never depends on the order Kea evaluates them in. Each
// architecture type has a class, arch-<code>, that only sorts clients; a
// network's own classes, required by its subnet, give the boot files.
const (
	keaClassIPXE = "ipxe"
	// Clients that send no option 93, which get the BIOS loader.
	keaClassNoArch = "arch-none"
	// Classes a host's reservation gives it when its UEFI loader differs
	// from its network's.
	keaClassHostShim = "secure-boot-host"
	keaClassHostIPXE = "ipxe-uefi-host"
	// Required by every subnet: they give such a host its loader.
	keaClassHostShimLoader = keaClassHostShim + "-loader"
	keaClassHostIPXELoader = keaClassHostIPXE + "-loader"
	// A host's reservation gives it known-host when it has a script of its
	// own; required by every subnet, known-host-ipxe then gives its iPXE
	// known.ipxe instead of the network's boot script.
	keaClassKnown     = "known-host"
	keaClassKnownIPXE = keaClassKnown + "-ipxe"
	// The same for InfiniBand reservations (by client-id, which Kea's
	// default host-reservation-identifiers include): known-ip-host-ipxe
	// gives their iPXE known-ip.ipxe, which runs the script named by the
	// reserved address.
	keaClassKnownIP     = "known-ip-host"
	keaClassKnownIPIPXE = keaClassKnownIP + "-ipxe"
	// iPXE sends its user class raw ("iPXE"); RFC 3004 clients prefix each
	// class with its length. Both are accepted.
	keaTestIPXE        = "option[77].hex == 'iPXE' or option[77].hex == 0x0469505845"
	keaTestNoArch      = "not member('" + keaClassIPXE + "') and not option[93].exists"
	keaTestUEFI        = "(member('arch-7') or member('arch-9'))"
	keaTestKnownIPXE   = "member('" + keaClassIPXE + "') and member('" + keaClassKnown + "')"
	keaTestNetIPXE     = "member('" + keaClassIPXE + "') and not member('" + keaClassKnown + "')"
	keaTestKnownIPIPXE = "member('" + keaClassIPXE + "') and member('" + keaClassKnownIP + "')"
	keaTestNotKnownIP  = " and not member('" + keaClassKnownIP + "')"
	// The network's UEFI loader, unless the host's reservation overrides it.
	keaTestNotHostUEFI = " and not member('" + keaClassHostShim + "') and not member('" + keaClassHostIPXE + "')"
	// A host's reservation gives it own-boot-file when it has a boot_file:
	// its network's loaders then leave it to its own class.
	keaClassOwnBootFile   = "own-boot-file"
	keaTestNotOwnBootFile = " and not member('" + keaClassOwnBootFile + "')"
)

// keaTestNotHTTP is a test that none of the UEFI HTTP boot loaders'
// classes holds: a boot_file is for every other request.
func keaTestNotHTTP(loaders []Loader) string {
	t := ""
	for _, l := range loaders {
		if l.HTTP {
			t += " and not member('" + l.Tag + "')"
		}
	}
	return t
}

// keaMAC is a hardware address as a Kea expression's hex literal.
func keaMAC(mac string) string { return "0x" + strings.ReplaceAll(mac, ":", "") }

// keaHostTest is a Kea expression true for the requests of host entry h:
// by its MAC, or by the client identifier of an InfiniBand entry.
func keaHostTest(h *Host) string {
	if h.ClientID != "" {
		return "option[61].hex == 0x" + strings.ReplaceAll(h.ClientID, ":", "")
	}
	return "pkt4.mac == " + keaMAC(h.MAC)
}

// keaOptions are the Kea option-data of a scope's options.
func keaOptions(lines []OptionLine) []keaOption {
	var out []keaOption
	for _, l := range lines {
		out = append(out, l.kea)
	}
	return out
}

// keaArchTest sorts clients by the first type of option 93, which may
// hold a list (RFC 4578): dhcpd and dnsmasq here go by the first too.
func keaArchTest(l Loader) string {
	return "not member('" + keaClassIPXE + "') and substring(option[93].hex,0,2) == " + l.KeaHex
}

// keaConfig builds kea-dhcp4.conf with the dhcpd target's behaviour, for
// the Kea release targets.kea_version names.
func keaConfig(s *Site) ([]byte, error) {
	version, err := inventory.ParseKeaVersion(s.Targets.KeaVersion)
	if err != nil {
		return nil, err // Validate refuses this; guard against a skipped validation
	}
	interfaces := []string(s.Server.Interfaces)
	if len(interfaces) == 0 {
		interfaces = []string{"*"}
	}
	d := keaDhcp4{
		InterfacesConfig: keaInterfaces{Interfaces: interfaces},
		LeaseDatabase:    keaLeaseDatabase{Type: "memfile", LFCInterval: 3600},
		ControlSocket:    keaControlSocket{Type: "unix", Name: s.Paths.KeaControlSocket},
		NextServer:       s.Server.IP,
		// iPXE's encapsulated options, and no-pxedhcp: iPXE need not wait
		// for a ProxyDHCP offer, as this server answers everything.
		OptionDef: []keaOptionDef{
			{Space: "dhcp4", Name: "ipxe-encap-opts", Code: 175, Type: "empty", Encapsulate: "ipxe"},
			{Space: "ipxe", Name: "no-pxedhcp", Code: 176, Type: "uint8"},
		},
		OptionData: []keaOption{
			{Space: "dhcp4", Name: "ipxe-encap-opts"},
			{Space: "ipxe", Name: "no-pxedhcp", Data: "1"},
		},
		ClientClasses: []keaClass{
			{Name: keaClassIPXE, Comment: "iPXE itself: it gets its network's boot script (see the net-<network>-ipxe classes)", Test: keaTestIPXE},
		},
		// Hosts without a fixed address are known by MAC in every subnet.
		ReservationsGlobal:   true,
		ReservationsInSubnet: true,
		// Not null where every network is IPv6-only: Kea refuses null.
		Subnet4: []keaSubnet{},
	}
	if s.HA != nil {
		d.MultiThreading = &keaMultiThreading{Enable: true}
		d.HooksLibraries = keaHAHooks(s)
	}
	// The types every network's classes may name: those some network has
	// a loader for, and x86-64 UEFI, which hosts' own loaders test.
	types := append([]Loader(nil), s.ArchTypes...)
	for _, code := range []int{7, 9} {
		if !slices.ContainsFunc(types, func(l Loader) bool { return l.Code == code }) {
			types = append(types, newLoader(code, "", RunsIPXE))
		}
	}
	slices.SortFunc(types, func(a, b Loader) int { return a.Code - b.Code })
	for _, l := range types {
		d.ClientClasses = append(d.ClientClasses, keaClass{Name: l.Tag, Comment: fmt.Sprintf("%s (option 93 = %d, first of its list)", l.Name, l.Code), Test: keaArchTest(l)})
	}
	d.ClientClasses = append(d.ClientClasses,
		keaClass{Name: keaClassNoArch, Comment: "no option 93: a BIOS PXE ROM", Test: keaTestNoArch},
		keaClass{Name: keaClassHostShim, Comment: "given by a host's reservation: the Secure Boot chain, whatever its network's"},
		keaClass{Name: keaClassHostIPXE, Comment: "given by a host's reservation: the iPXE UEFI loader, whatever its network's"},
		keaClass{Name: keaClassHostShimLoader, Test: keaTestUEFI + " and member('" + keaClassHostShim + "')", OnlyIfRequired: true, BootFileName: s.Bootloaders.Shim},
		keaClass{Name: keaClassHostIPXELoader, Test: keaTestUEFI + " and member('" + keaClassHostIPXE + "')", OnlyIfRequired: true, BootFileName: s.Bootloaders.UEFI})
	required := []string{keaClassHostShimLoader, keaClassHostIPXELoader}
	// Defined even without such hosts: every network's iPXE class tests it.
	d.ClientClasses = append(d.ClientClasses, keaClass{Name: keaClassKnown, Comment: "given by the reservation of a host with a script of its own"})
	if s.OwnBootFiles {
		d.ClientClasses = append(d.ClientClasses, keaClass{Name: keaClassOwnBootFile, Comment: "given by the reservation of a host with a boot_file of its own"})
		for _, h := range s.Hosts {
			if h.BootFile == "" {
				continue
			}
			c := keaClass{Name: "host-" + h.Name + "-boot-file", Comment: "host " + h.Name + "'s boot_file: every request that is neither iPXE's nor UEFI HTTP boot's",
				Test: keaHostTest(h) + " and not member('" + keaClassIPXE + "')" + keaTestNotHTTP(s.HTTPArchTypes), OnlyIfRequired: true,
				BootFileName: h.BootFile, NextServer: h.NextServer}
			d.ClientClasses = append(d.ClientClasses, c)
			required = append(required, c.Name)
		}
	}
	if s.KnownScript {
		d.ClientClasses = append(d.ClientClasses, keaClass{Name: keaClassKnownIPXE,
			Comment: "iPXE on such a host runs known.ipxe, which runs the host's own script and nothing else",
			Test:    keaTestKnownIPXE, OnlyIfRequired: true, BootFileName: s.KnownScriptURL})
		required = append(required, keaClassKnownIPXE)
	}
	if s.KnownIPScript {
		d.ClientClasses = append(d.ClientClasses,
			keaClass{Name: keaClassKnownIP, Comment: "given by the reservation of an InfiniBand host entry (by client-id) with a script of its own"},
			keaClass{Name: keaClassKnownIPIPXE,
				Comment: "iPXE on such an entry runs known-ip.ipxe, which runs the script of its reserved address and nothing else",
				Test:    keaTestKnownIPIPXE, OnlyIfRequired: true, BootFileName: s.KnownIPScriptURL})
		required = append(required, keaClassKnownIPIPXE)
	}
	if s.Server.Domain != "" {
		d.OptionData = append(d.OptionData, keaOption{Name: "domain-name", Data: s.Server.Domain})
	}
	subnetOf := map[*Network]int{} // an index: appending moves the slice
	for _, n := range s.Networks4 {
		// A subnet's id is its network address: unique because subnets do
		// not overlap, and stable when networks are reordered, so Kea's
		// leases stay with their subnet.
		// Named net-<name>-..., so no network name can clash with the
		// classes above.
		class := "net-" + n.Name + "-ipxe"
		netIPXE := keaTestNetIPXE
		if s.KnownIPScript {
			netIPXE += keaTestNotKnownIP
		}
		profile := "the menu"
		if n.Profile != "" {
			profile = "profile " + n.Profile
		}
		// A required class is evaluated after Kea picks the subnet and the
		// host's reservation: that is how each network's iPXE clients get
		// their own boot script and its other clients their own loaders.
		d.ClientClasses = append(d.ClientClasses, keaClass{
			Name: class, Comment: "iPXE clients of network " + n.Name + " that no host entry with a script names", Test: netIPXE,
			OnlyIfRequired: true, BootFileName: n.BootScriptURL,
		})
		netClasses := []string{class}
		notOwn := ""
		if s.OwnBootFiles {
			notOwn = keaTestNotOwnBootFile
		}
		for _, l := range n.ArchLoaders {
			c := keaClass{Name: "net-" + n.Name + "-" + l.Tag, Comment: l.Name + " clients of network " + n.Name,
				Test: "member('" + l.Tag + "')", OnlyIfRequired: true, BootFileName: l.File}
			if l.Code == 7 || l.Code == 9 {
				c.Test += keaTestNotHostUEFI
			}
			if !l.HTTP {
				c.Test += notOwn // a host's boot_file leaves UEFI HTTP boot to its network
			}
			if l.HTTP {
				// UEFI HTTP boot: a full URL, and the vendor class echoed back.
				c.OptionData = []keaOption{{Name: "vendor-class-identifier", Data: "HTTPClient", AlwaysSend: true}}
			}
			d.ClientClasses = append(d.ClientClasses, c)
			netClasses = append(netClasses, c.Name)
		}
		switch {
		case n.BootFile != "":
			test := "not member('" + keaClassIPXE + "')" + keaTestNotHTTP(n.Loaders) + notOwn
			if s.UEFIHostOverrides {
				test += " and not (" + keaTestUEFI + " and (member('" + keaClassHostShim + "') or member('" + keaClassHostIPXE + "')))"
			}
			c := keaClass{Name: "net-" + n.Name + "-boot-file", Comment: "network " + n.Name + "'s boot_file: every request that is neither iPXE's nor UEFI HTTP boot's",
				Test: test, OnlyIfRequired: true, BootFileName: n.BootFile}
			d.ClientClasses = append(d.ClientClasses, c)
			netClasses = append(netClasses, c.Name)
		case n.BIOSLoader != "":
			c := keaClass{Name: "net-" + n.Name + "-" + keaClassNoArch, Comment: "BIOS PXE ROMs without option 93 in network " + n.Name,
				Test: "member('" + keaClassNoArch + "')" + notOwn, OnlyIfRequired: true, BootFileName: n.BIOSLoader}
			d.ClientClasses = append(d.ClientClasses, c)
			netClasses = append(netClasses, c.Name)
		}
		sub := keaSubnet{
			ID:               subnetID(n.Subnet),
			Subnet:           n.Subnet.String(),
			Comment:          fmt.Sprintf("network %s%s: clients no host entry names boot %s", n.Name, relayedBy(n), profile),
			ValidLifetime:    n.LeaseTime,
			MinValidLifetime: n.MinLeaseTime,
			MaxValidLifetime: n.LeaseTime,
			Authoritative:    n.Authoritative,
			keaAdditional:    keaAdditional{RequireClientClasses: append(netClasses, required...)},
		}
		if n.PoolFirst != "" {
			sub.Pools = []keaPool{{Pool: n.PoolFirst + " - " + n.PoolLast}}
			if s.HA != nil && s.HA.Mode == inventory.HALoadBalancing {
				sub.Pools = keaSplitPool(n.PoolFirst, n.PoolLast, s.HA)
				if version.ClientClassesList() {
					for i := range sub.Pools {
						sub.Pools[i].ClientClasses = []string{sub.Pools[i].ClientClass}
						sub.Pools[i].ClientClass = ""
					}
				}
			}
		}
		if n.Gateway != "" {
			sub.OptionData = append(sub.OptionData, keaOption{Name: "routers", Data: n.Gateway})
		}
		if len(n.DNS) > 0 {
			sub.OptionData = append(sub.OptionData, keaOption{Name: "domain-name-servers", Data: strings.Join(n.DNS, ", ")})
		}
		sub.OptionData = append(sub.OptionData, keaOptions(n.Options)...)
		if n.NextServer != s.Server.IP {
			sub.NextServer = n.NextServer
		}
		subnetOf[n] = len(d.Subnet4)
		d.Subnet4 = append(d.Subnet4, sub)
	}
	for _, h := range s.Hosts {
		r := keaReservation{HWAddress: h.MAC, ClientID: h.ClientID, IPAddress: h.IP, Hostname: h.HostName, OptionData: keaOptions(h.Options)}
		switch {
		case h.Profile == nil:
		case h.ClientID != "":
			r.ClientClasses = append(r.ClientClasses, keaClassKnownIP)
		default:
			r.ClientClasses = append(r.ClientClasses, keaClassKnown)
		}
		if h.BootFile != "" {
			r.ClientClasses = append(r.ClientClasses, keaClassOwnBootFile)
		}
		switch {
		case h.UEFILoader == "":
		case h.SecureBoot:
			r.ClientClasses = append(r.ClientClasses, keaClassHostShim)
		default:
			r.ClientClasses = append(r.ClientClasses, keaClassHostIPXE)
		}
		if h.Network == nil {
			d.Reservations = append(d.Reservations, r)
			continue
		}
		sub := &d.Subnet4[subnetOf[h.Network]]
		sub.Reservations = append(sub.Reservations, r)
	}
	shape := fmt.Sprintf("// For Kea before %s (targets.kea_version %s): classes evaluated once the\n"+
		"// subnet is chosen are only-if-required, and each subnet lists them in\n"+
		"// require-client-classes. Kea %s renamed both, deprecating these names.\n",
		inventory.KeaAdditionalClasses, s.Targets.KeaVersion, inventory.KeaAdditionalClasses)
	if version.AdditionalClasses() {
		additionalClasses(&d)
		shape = fmt.Sprintf("// For Kea %s and later (targets.kea_version %s): classes evaluated once the\n"+
			"// subnet is chosen are only-in-additional-list, and each subnet lists them\n"+
			"// in evaluate-additional-classes.\n", inventory.KeaAdditionalClasses, s.Targets.KeaVersion)
	}
	var buf bytes.Buffer
	buf.WriteString("// Generated by pxegen. Do not edit: the next render overwrites it.\n" +
		"//\n" +
		"// Plain PXE ROMs get an iPXE binary over TFTP from next-server, chosen by\n" +
		"// client architecture (option 93). iPXE itself (user class \"iPXE\") gets the\n" +
		"// HTTP URL of its network's boot script instead.\n//\n" + shape)
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // Kea reads JSON, not HTML: keep '&' in URLs readable
	if err := enc.Encode(keaFile{Dhcp4: d}); err != nil {
		return nil, err
	}
	if inc := s.Paths.KeaInclude; inc != "" {
		return keaInclude(buf.Bytes(), inc)
	}
	return buf.Bytes(), nil
}

// keaEnd is how the encoder ends the file: Dhcp4's last member, then the
// closing braces of Dhcp4 and of the file.
const keaEnd = "\n  }\n}\n"

// keaInclude adds the site's own file (paths.kea_include) to the end of
// Dhcp4: Kea reads <?include?> as the file's text in its place, so the
// file holds members of Dhcp4, "loggers": [...] and the like, which Kea
// refuses when they repeat one pxegen writes.
func keaInclude(data []byte, inc string) ([]byte, error) {
	if !bytes.HasSuffix(data, []byte(keaEnd)) {
		return nil, fmt.Errorf("kea: the encoded configuration does not end as expected")
	}
	body := data[:len(data)-len(keaEnd)]
	return fmt.Appendf(bytes.Clone(body), ",\n  // The site's own members of Dhcp4 (paths.kea_include). pxegen never\n"+
		"  // writes that file; pxegen verify checks it with this one.\n  <?include \"%s\"?>%s", inc, keaEnd), nil
}

// additionalClasses writes d for Kea 2.7.4 and later, which calls what
// only-if-required and require-client-classes did only-in-additional-list
// and evaluate-additional-classes, and deprecates the old names (to be
// refused by a later release).
func additionalClasses(d *keaDhcp4) {
	onlyInAdditionalList(d.ClientClasses)
	for i := range d.Subnet4 {
		d.Subnet4[i].renamed()
	}
}

// onlyInAdditionalList renames only-if-required for Kea 2.7.4 and later.
func onlyInAdditionalList(classes []keaClass) {
	for i := range classes {
		c := &classes[i]
		c.OnlyInAdditionalList, c.OnlyIfRequired = c.OnlyIfRequired, false
	}
}

// subnetID is the network address as a number. Validation refuses the
// 0.0.0.0 network, so the id is never Kea's reserved 0.
func subnetID(p netip.Prefix) uint32 { return ipv4Int(p.Addr()) }

// keaHAHooks loads the lease commands and the HA hook for s's pair: the
// same on both peers but for this-server-name.
func keaHAHooks(s *Site) []keaHook {
	h := s.HA
	primary, other := h.inOrder()
	// Three heartbeats fit in max-response-delay, at most 10 s apart.
	beat := max(1, min(10, h.MaxResponseDelay/3)) * 1000
	ha := keaHA{
		ThisServerName: h.This.Name, Mode: h.Mode,
		HeartbeatDelay: beat, MaxResponseDelay: h.MaxResponseDelay * 1000, MaxAckDelay: beat,
		RestrictCommands: true,
		MultiThreading:   keaHAMultiThreading{Enable: true, DedicatedListener: true},
		Peers: []keaHAPeer{
			{Name: primary.Name, URL: keaHAURL(primary, h.Port), Role: h.keaRole(true), AutoFailover: true},
			{Name: other.Name, URL: keaHAURL(other, h.Port), Role: h.keaRole(false), AutoFailover: true},
		},
	}
	dir := strings.TrimSuffix(s.Paths.KeaHooks, "/")
	return []keaHook{
		{Library: dir + "/libdhcp_lease_cmds.so"},
		{Library: dir + "/libdhcp_ha.so", Parameters: &keaHookParams{HighAvailability: []keaHA{ha}}},
	}
}

func keaHAURL(p inventory.Peer, port int) string {
	return fmt.Sprintf("http://%s:%d/", p.IP, port)
}

// keaSplitPool halves a pool between the peers of a load-balancing pair,
// the primary's half first. Validation leaves every pool two addresses
// at least.
func keaSplitPool(first, last string, h *HA) []keaPool {
	a, b := netip.MustParseAddr(first), netip.MustParseAddr(last)
	n := ipv4Int(b) - ipv4Int(a) + 1
	end := ipv4Addr(ipv4Int(a) + n/2 - 1)
	primary, other := h.inOrder()
	return []keaPool{
		{Pool: first + " - " + end.String(), ClientClass: "HA_" + primary.Name},
		{Pool: end.Next().String() + " - " + last, ClientClass: "HA_" + other.Name},
	}
}

func ipv4Int(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func ipv4Addr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
