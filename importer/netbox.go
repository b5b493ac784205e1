package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"

	"github.com/pxegen/pxegen/inventory"
)

// NetBox's REST API returns lists as {"count": N, "results": [...]},
// each object with its own "url" (/api/dcim/devices/12/). Import reads
// devices, interfaces, IP addresses and, from NetBox 4.2, MAC addresses,
// which are objects of their own there: an interface has a
// primary_mac_address and mac_addresses, where before it had one
// mac_address. A file may hold one list, or an array of objects.

type nbRef struct {
	ID         int    `json:"id"`
	Name       string `json:"name"`
	Address    string `json:"address"`
	MACAddress string `json:"mac_address"`
}

type nbTag struct {
	Name string `json:"name"`
	Slug string `json:"slug"`
}

type nbObject struct {
	ID   int    `json:"id"`
	URL  string `json:"url"`
	Name string `json:"name"`
	// Devices.
	PrimaryIP4   *nbRef         `json:"primary_ip4"`
	DeviceType   any            `json:"device_type"`
	CustomFields map[string]any `json:"custom_fields"`
	// Interfaces.
	Device       *nbRef          `json:"device"`
	MACAddress   json.RawMessage `json:"mac_address"` // a string before 4.2; read-only there after
	PrimaryMAC   *nbRef          `json:"primary_mac_address"`
	MACAddresses []nbRef         `json:"mac_addresses"`
	Tags         []nbTag         `json:"tags"`
	// IP and MAC addresses.
	Address            string `json:"address"`
	AssignedObjectType string `json:"assigned_object_type"`
	AssignedObjectID   int    `json:"assigned_object_id"`

	where string
}

// kind is what NetBox object o is, by its URL or, without one, its fields.
func (o *nbObject) kind() string {
	for _, k := range []string{"/dcim/devices/", "/dcim/interfaces/", "/ipam/ip-addresses/", "/dcim/mac-addresses/"} {
		if strings.Contains(o.URL, k) {
			return strings.Trim(k[strings.LastIndex(k[:len(k)-1], "/"):], "/")
		}
	}
	switch {
	case o.DeviceType != nil:
		return "devices"
	case o.Device != nil:
		return "interfaces"
	case o.Address != "":
		return "ip-addresses"
	case o.AssignedObjectType != "" && len(o.MACAddress) > 0:
		return "mac-addresses"
	}
	return ""
}

// macString is the MAC address a mac_address field holds.
func macString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return ""
}

// readNetBox reads the objects of one file, each with its line.
func readNetBox(path string) ([]*nbObject, error) {
	src, err := readSource(path)
	if err != nil {
		return nil, err
	}
	lineAt := func(off int64) int { return bytes.Count([]byte(src[:off]), []byte("\n")) + 1 }
	dec := json.NewDecoder(strings.NewReader(src))
	bad := func(err error) error { return fmt.Errorf("import %s: not NetBox's JSON: %w", path, err) }
	tok, err := dec.Token()
	if err != nil {
		return nil, bad(err)
	}
	// Into the list: the top-level array, or the results of a response.
	if tok == json.Delim('{') {
		for {
			k, err := dec.Token()
			if err != nil {
				return nil, bad(err)
			}
			if k == json.Delim('}') {
				return nil, fmt.Errorf("import %s: no results list", path)
			}
			if k == "results" {
				break
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, bad(err)
			}
		}
		if tok, err = dec.Token(); err != nil {
			return nil, bad(err)
		}
	}
	if tok != json.Delim('[') {
		return nil, fmt.Errorf("import %s: want a list of NetBox objects", path)
	}
	var out []*nbObject
	for dec.More() {
		// The offset of the object itself, past the comma and spaces.
		start := dec.InputOffset()
		for start < int64(len(src)) && strings.IndexByte(", \t\r\n", src[start]) >= 0 {
			start++
		}
		o := &nbObject{}
		if err := dec.Decode(o); err != nil {
			if err == io.EOF {
				break
			}
			return nil, bad(err)
		}
		o.where = fmt.Sprintf("%s:%d", path, lineAt(start))
		out = append(out, o)
	}
	return out, nil
}

// netbox imports the devices of the files: each device one host, by the
// interface it boots from (the one tagged tag, else the one with its
// primary IPv4 address, else its only interface with a MAC address),
// that interface's MAC (its primary MAC, or its only one) and IPv4
// address. Wherever the choice is not one, it says so and imports
// nothing for the device rather than guess, except that several
// interfaces tagged tag are all the host's (see netboxInterfaces).
func (im *importer) netbox(paths []string, tag string) error {
	byKind := map[string][]*nbObject{}
	for _, p := range paths {
		objs, err := readNetBox(p)
		if err != nil {
			return err
		}
		for _, o := range objs {
			k := o.kind()
			if k == "" {
				im.notef(o.where, "an object import does not know (not a device, interface, IP address or MAC address)")
				continue
			}
			byKind[k] = append(byKind[k], o)
		}
	}
	ifaces := map[int][]*nbObject{} // by device id
	for _, o := range byKind["interfaces"] {
		ifaces[o.Device.ID] = append(ifaces[o.Device.ID], o)
	}
	ips := map[int][]*nbObject{} // IPv4 addresses by interface id
	for _, o := range byKind["ip-addresses"] {
		if o.AssignedObjectType == "dcim.interface" && !strings.Contains(o.Address, ":") {
			ips[o.AssignedObjectID] = append(ips[o.AssignedObjectID], o)
		}
	}
	macs := map[int][]string{} // MAC address objects by interface id
	for _, o := range byKind["mac-addresses"] {
		if o.AssignedObjectType == "dcim.interface" {
			macs[o.AssignedObjectID] = append(macs[o.AssignedObjectID], macString(o.MACAddress))
		}
	}
	devices := byKind["devices"]
	sort.SliceStable(devices, func(i, j int) bool { return devices[i].Name < devices[j].Name })
	for _, d := range devices {
		im.netboxDevice(d, ifaces[d.ID], ips, macs, tag)
	}
	return nil
}

func tagged(tags []nbTag, tag string) bool {
	for _, t := range tags {
		if t.Slug == tag || t.Name == tag {
			return true
		}
	}
	return false
}

func (im *importer) netboxDevice(d *nbObject, ifaces []*nbObject, ips map[int][]*nbObject, macs map[int][]string, tag string) {
	name := d.Name
	if name == "" {
		im.notef(d.where, "device %d has no name: not imported", d.ID)
		return
	}
	// The interface it boots from.
	var chosen []*nbObject
	how := ""
	switch {
	case tag != "":
		for _, i := range ifaces {
			if tagged(i.Tags, tag) {
				chosen = append(chosen, i)
			}
		}
		how = "tagged " + tag
	case d.PrimaryIP4 != nil:
		for _, i := range ifaces {
			for _, ip := range ips[i.ID] {
				if ip.ID == d.PrimaryIP4.ID {
					chosen = append(chosen, i)
				}
			}
		}
		how = "holding its primary IPv4 address"
	}
	if len(chosen) == 0 && tag == "" {
		for _, i := range ifaces {
			if len(interfaceMACs(i, macs)) > 0 {
				chosen = append(chosen, i)
			}
		}
		how = "with a MAC address"
	}
	switch {
	case len(chosen) == 0:
		im.notef(d.where, "device %s: no interface %s: not imported", name, how)
		return
	case len(chosen) > 1 && tag != "":
		// Tagged: it boots from any of them (a bond's members, say).
		im.netboxInterfaces(d, chosen, ips, macs)
		return
	case len(chosen) > 1:
		names := make([]string, len(chosen))
		for i, c := range chosen {
			names[i] = c.Name
		}
		im.notef(d.where, "device %s: %d interfaces %s (%s): not imported rather than guess; tag the one it boots from (--netbox-tag)", name, len(chosen), how, strings.Join(names, ", "))
		return
	}
	iface := chosen[0]
	hw, addr, ok := im.netboxAddresses(d, iface, ips, macs)
	if !ok {
		return
	}
	here := fmt.Sprintf("%s (device %s, interface %s)", d.where, name, iface.Name)
	if i, ok := im.hosts[strings.ToLower(hw.String())]; ok && len(im.inv.Hosts[i].Interfaces) > 0 {
		im.notef(d.where, "device %s: MAC %s is an interface of host %s: not imported", name, hw, im.inv.Hosts[i].Name)
		return
	}
	h, fresh := im.host(strings.ToLower(hw.String()), "from "+here)
	if !fresh {
		im.notef(d.where, "device %s: MAC %s is already a host's; merged", name, hw)
	}
	if h.Name == "" {
		h.Name = im.hostName(name, d.where)
	}
	if addr != nil {
		im.hostAddress(h, addr.Address, addr.where)
	}
	if p, ok := d.CustomFields["pxegen_profile"].(string); ok && p != "" {
		h.Profile = p
		im.profile(p, d.where)
	}
}

// netboxAddresses are the MAC address of interface iface of device d
// (its primary MAC, or its only one) and its IPv4 address (the device's
// primary, where on this interface, or its only one; nil if none); ok is
// false, and a note says why, when it has no one MAC.
func (im *importer) netboxAddresses(d, iface *nbObject, ips map[int][]*nbObject, macs map[int][]string) (hw net.HardwareAddr, addr *nbObject, ok bool) {
	name := d.Name
	var mac string
	switch all := interfaceMACs(iface, macs); {
	case iface.PrimaryMAC != nil && iface.PrimaryMAC.MACAddress != "":
		mac = iface.PrimaryMAC.MACAddress
	case len(all) == 1:
		mac = all[0]
	case len(all) > 1:
		im.notef(iface.where, "device %s, interface %s: %d MAC addresses and none primary (%s): not imported rather than guess", name, iface.Name, len(all), strings.Join(all, ", "))
		return nil, nil, false
	default:
		im.notef(iface.where, "device %s, interface %s: no MAC address: not imported", name, iface.Name)
		return nil, nil, false
	}
	hw, err := net.ParseMAC(mac)
	if err != nil || len(hw) != 6 {
		im.notef(iface.where, "device %s: %q is not a MAC address: not imported", name, mac)
		return nil, nil, false
	}
	candidates := ips[iface.ID]
	for _, ip := range candidates {
		if d.PrimaryIP4 != nil && ip.ID == d.PrimaryIP4.ID {
			addr = ip
		}
	}
	if addr == nil && len(candidates) == 1 {
		addr = candidates[0]
	}
	if addr == nil && len(candidates) > 1 {
		im.notef(iface.where, "device %s, interface %s: %d IPv4 addresses and none primary: the host gets no fixed address", name, iface.Name, len(candidates))
	}
	return hw, addr, true
}

// netboxInterfaces imports device d, which boots from any of the tagged
// interfaces chosen, as one host with those interfaces. An interface
// without one MAC, or whose MAC another host has, is left out, saying
// so; a host an earlier source made with one of the MACs takes the
// device's interfaces, its own address going to its interface.
func (im *importer) netboxInterfaces(d *nbObject, chosen []*nbObject, ips map[int][]*nbObject, macs map[int][]string) {
	type nic struct {
		iface *nbObject
		mac   string
		addr  *nbObject
	}
	var nics []nic
	var names []string
	for _, iface := range chosen {
		hw, addr, ok := im.netboxAddresses(d, iface, ips, macs)
		if !ok {
			continue
		}
		nics = append(nics, nic{iface, strings.ToLower(hw.String()), addr})
		names = append(names, iface.Name)
	}
	if len(nics) == 0 {
		return
	}
	here := fmt.Sprintf("%s (device %s, interfaces %s)", d.where, d.Name, strings.Join(names, ", "))
	// The host: one an earlier source made with one of the MACs, else new.
	index := -1
	for _, n := range nics {
		if i, ok := im.hosts[n.mac]; ok {
			index = i
			break
		}
	}
	var h *inventory.Host
	if index < 0 {
		h, _ = im.host(nics[0].mac, "from "+here)
		index = im.hosts[nics[0].mac]
	} else {
		h = &im.inv.Hosts[index]
		im.notes[fmt.Sprintf("hosts[%d]", index)] += ", " + here
		im.notef(d.where, "device %s: MAC %s is already a host's; merged", d.Name, h.MAC)
	}
	if h.Name == "" {
		h.Name = im.hostName(d.Name, d.where)
	}
	own := struct{ MAC, IP string }{h.MAC, h.IP} // what an earlier source gave it
	h.MAC, h.IP = "", ""
	used := map[string]bool{}
	for _, n := range nics {
		if i, ok := im.hosts[n.mac]; ok && i != index {
			im.notef(n.iface.where, "device %s, interface %s: MAC %s is host %s's: left out of %s", d.Name, n.iface.Name, n.mac, im.inv.Hosts[i].Name, d.Name)
			continue
		}
		im.hosts[n.mac] = index
		iface := inventory.Interface{Name: interfaceName(n.iface.Name, used), MAC: n.mac}
		if n.mac == own.MAC {
			iface.IP = own.IP
		}
		if n.addr != nil {
			// hostAddress checks and records the address on a host.
			tmp := inventory.Host{IP: iface.IP}
			im.hostAddress(&tmp, n.addr.Address, n.addr.where)
			iface.IP = tmp.IP
		}
		h.Interfaces = append(h.Interfaces, iface)
	}
	if p, ok := d.CustomFields["pxegen_profile"].(string); ok && p != "" {
		h.Profile = p
		im.profile(p, d.where)
	}
}

// interfaceName makes a NetBox interface name one pxegen takes for a
// host's interface (letters, digits, inner hyphens, at most 15), unique
// in used regardless of case; "" when nothing of it is left.
func interfaceName(name string, used map[string]bool) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0:
			b.WriteByte('-')
		}
	}
	out := b.String()
	if len(out) > 15 {
		out = out[:15]
	}
	out = strings.Trim(out, "-")
	if out == "" || used[out] {
		return ""
	}
	used[out] = true
	return out
}

// interfaceMACs are the MAC addresses of an interface: NetBox 4.2's MAC
// objects (listed on the interface, or assigned to it), else its own
// mac_address.
func interfaceMACs(i *nbObject, macs map[int][]string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(m string) {
		if m != "" && !seen[strings.ToLower(m)] {
			seen[strings.ToLower(m)] = true
			out = append(out, m)
		}
	}
	for _, m := range i.MACAddresses {
		add(m.MACAddress)
	}
	for _, m := range macs[i.ID] {
		add(m)
	}
	if len(out) == 0 {
		add(macString(i.MACAddress))
	}
	return out
}
