package generate

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/pxegen/pxegen/inventory"
)

// kea-dhcp6.conf, built like kea-dhcp4.conf from typed structs.

type kea6File struct {
	Dhcp6 keaDhcp6 `json:"Dhcp6"`
}

type keaDhcp6 struct {
	InterfacesConfig     keaInterfaces     `json:"interfaces-config"`
	ControlSocket        keaControlSocket  `json:"control-socket"`
	LeaseDatabase        keaLeaseDatabase  `json:"lease-database"`
	OptionData           []keaOption       `json:"option-data,omitempty"`
	ClientClasses        []keaClass        `json:"client-classes"`
	ReservationsGlobal   bool              `json:"reservations-global"`
	ReservationsInSubnet bool              `json:"reservations-in-subnet"`
	Reservations         []kea6Reservation `json:"reservations,omitempty"`
	Subnet6              []kea6Subnet      `json:"subnet6"`
}

type kea6Subnet struct {
	ID                uint32      `json:"id"`
	Subnet            string      `json:"subnet"`
	Comment           string      `json:"comment"`
	Interface         string      `json:"interface,omitempty"`
	Pools             []keaPool   `json:"pools,omitempty"`
	PreferredLifetime int         `json:"preferred-lifetime"`
	ValidLifetime     int         `json:"valid-lifetime"`
	MinValidLifetime  int         `json:"min-valid-lifetime"`
	MaxValidLifetime  int         `json:"max-valid-lifetime"`
	OptionData        []keaOption `json:"option-data,omitempty"`
	keaAdditional
	Reservations []kea6Reservation `json:"reservations,omitempty"`
}

type kea6Reservation struct {
	HWAddress     string   `json:"hw-address"`
	IPAddresses   []string `json:"ip-addresses,omitempty"`
	Hostname      string   `json:"hostname"`
	ClientClasses []string `json:"client-classes,omitempty"`
}

// httpClientVendorClass6 is option 16 as UEFI HTTP boot sends it and
// wants it back (UEFI 2.x, 24.7): enterprise 343, then one
// length-prefixed item, HTTPClient.
var httpClientVendorClass6 = hex.EncodeToString(append([]byte{0, 0, 1, 0x57, 0, 10}, "HTTPClient"...))

// kea6Config builds kea-dhcp6.conf with what dnsmasq's DHCPv6 lines do.
func kea6Config(s *Site) ([]byte, error) {
	version, err := inventory.ParseKeaVersion(s.Targets.KeaVersion)
	if err != nil {
		return nil, err
	}
	var interfaces []string
	for _, n := range s.Networks6 {
		if n.V6.Interface != "" && !slices.Contains(interfaces, n.V6.Interface) {
			interfaces = append(interfaces, n.V6.Interface)
		}
	}
	if len(interfaces) == 0 {
		interfaces = []string{"*"}
	}
	d := keaDhcp6{
		InterfacesConfig: keaInterfaces{Interfaces: interfaces},
		ControlSocket:    keaControlSocket{Type: "unix", Name: s.Paths.Kea6ControlSocket},
		LeaseDatabase:    keaLeaseDatabase{Type: "memfile", LFCInterval: 3600},
		ClientClasses: []keaClass{
			{Name: keaClassIPXE, Comment: "iPXE itself (user class iPXE, option 15): it gets its network's boot script", Test: keaTest6IPXE},
		},
		ReservationsGlobal:   true,
		ReservationsInSubnet: true,
	}
	if s.Server.Domain != "" {
		d.OptionData = append(d.OptionData, keaOption{Name: "domain-search", Data: s.Server.Domain})
	}
	for _, l := range s.Arch6Types() {
		d.ClientClasses = append(d.ClientClasses, keaClass{Name: l.Tag, Comment: fmt.Sprintf("%s (option 61 = %d, first of its list)", l.Name, l.Code), Test: keaArch6Test(l)})
	}
	d.ClientClasses = append(d.ClientClasses, keaClass{Name: keaClassKnown, Comment: "given by the reservation of a host with a script of its own"})
	var required []string
	if s.KnownScript {
		d.ClientClasses = append(d.ClientClasses, keaClass{Name: keaClassKnownIPXE,
			Comment: "iPXE on such a host runs known.ipxe, which runs the host's own script and nothing else",
			Test:    keaTestKnownIPXE, OnlyIfRequired: true,
			OptionData: []keaOption{{Name: "bootfile-url", Data: s.Server6.KnownScriptURL}}})
		required = append(required, keaClassKnownIPXE)
	}
	ids := map[uint32]bool{}
	subnetOf := map[*Network]int{}
	for _, n := range s.Networks6 {
		v6 := n.V6
		profile := "the menu"
		if n.Profile != "" {
			profile = "profile " + n.Profile
		}
		class := v6.Tag + "-ipxe"
		d.ClientClasses = append(d.ClientClasses, keaClass{Name: class, Comment: "iPXE clients of network " + n.Name + " that no host entry with a script names",
			Test: keaTestNetIPXE, OnlyIfRequired: true, OptionData: []keaOption{{Name: "bootfile-url", Data: v6.BootScriptURL}}})
		netClasses := []string{class}
		for _, l := range v6.Loaders {
			c := keaClass{Name: v6.Tag + "-" + l.Tag, Comment: l.Name + " clients of network " + n.Name,
				Test: "member('" + l.Tag + "')", OnlyIfRequired: true, OptionData: []keaOption{{Name: "bootfile-url", Data: l.File}}}
			if l.HTTP {
				// UEFI HTTP boot: its vendor class echoed back.
				f := false
				c.OptionData = append(c.OptionData, keaOption{Code: dhcp6VendorClass, CSVFormat: &f, Data: httpClientVendorClass6, AlwaysSend: true})
			}
			d.ClientClasses = append(d.ClientClasses, c)
			netClasses = append(netClasses, c.Name)
		}
		sub := kea6Subnet{
			ID: subnet6ID(v6, ids), Subnet: v6.Subnet.String(), Interface: v6.Interface,
			Comment:           fmt.Sprintf("network %s: clients no host entry names boot %s", n.Name, profile),
			PreferredLifetime: n.LeaseTime / 2, ValidLifetime: n.LeaseTime, MinValidLifetime: n.MinLeaseTime, MaxValidLifetime: n.LeaseTime,
			keaAdditional: keaAdditional{RequireClientClasses: append(netClasses, required...)},
		}
		if v6.PoolFirst != "" {
			sub.Pools = []keaPool{{Pool: v6.PoolFirst + " - " + v6.PoolLast}}
		}
		if len(v6.DNS) > 0 {
			sub.OptionData = append(sub.OptionData, keaOption{Name: "dns-servers", Data: strings.Join(v6.DNS, ", ")})
		}
		subnetOf[n] = len(d.Subnet6)
		d.Subnet6 = append(d.Subnet6, sub)
	}
	for _, h := range s.Hosts6() {
		r := kea6Reservation{HWAddress: h.MAC, Hostname: h.HostName}
		if h.IP6 != "" {
			r.IPAddresses = []string{h.IP6}
		}
		if h.Profile != nil {
			r.ClientClasses = []string{keaClassKnown}
		}
		if h.Network6 == nil {
			d.Reservations = append(d.Reservations, r)
			continue
		}
		sub := &d.Subnet6[subnetOf[h.Network6]]
		sub.Reservations = append(sub.Reservations, r)
	}
	if version.AdditionalClasses() {
		onlyInAdditionalList(d.ClientClasses)
		for i := range d.Subnet6 {
			d.Subnet6[i].renamed()
		}
	}
	var buf bytes.Buffer
	buf.WriteString("// Generated by pxegen. Do not edit: the next render overwrites it.\n//\n")
	for _, line := range wrap(dhcp6Comment(s), 76) {
		buf.WriteString("// " + line + "\n")
	}
	buf.WriteString("// Kea picks a directly connected client's subnet by the interface it\n" +
		"// asked on, and knows hosts by the MAC it reads from their link-local\n" +
		"// address or DUID (mac-sources: any).\n")
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(kea6File{Dhcp6: d}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// subnet6ID is a hash of the prefix: stable when networks are reordered,
// so that Kea's leases stay with their subnet; never 0, which Kea
// reserves, and unique in the site (a clash takes the next free value).
func subnet6ID(v6 *Network6, used map[uint32]bool) uint32 {
	h := fnv.New32a()
	h.Write([]byte(v6.Subnet.String()))
	id := h.Sum32()
	for id == 0 || id == 1<<32-1 || used[id] {
		id++
	}
	used[id] = true
	return id
}

// wrap breaks text into lines of at most width bytes at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}
