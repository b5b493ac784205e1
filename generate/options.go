package generate

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/pxegen/pxegen/inventory"
)

// OptionLine is one of the site's DHCP options (see inventory.DHCPOptions)
// as each server's file writes it. Every value was validated by its type
// and holds no character any of these syntaxes treats specially.
type OptionLine struct {
	Code int
	// About names the option for a comment: its inventory key, or its code
	// and type.
	About string
	// Dhcpd is the whole statement: option ntp-servers 10.1.1.5, 10.1.1.6;
	Dhcpd string
	// Dnsmasq is a dhcp-option value, tags first:
	// tag:net-lab,option:ntp-server,10.1.1.5,10.1.1.6
	Dnsmasq string
	kea     keaOption
}

// OptionDecl is dhcpd's declaration of an option the site sets by code:
// option NAME code CODE = TYPE;
type OptionDecl struct {
	Name string
	Code int
	Type string
}

// optionName is the name pxegen declares for an option by code in
// dhcpd.conf: no name dhcpd has starts with pxegen-.
func optionName(code int) string { return fmt.Sprintf("pxegen-option-%d", code) }

// dhcpdTypes are dhcpd's names for the option types. Every type that takes
// a list is declared an array: one element encodes as the plain value.
var dhcpdTypes = map[string]string{
	inventory.TypeIPAddress: "array of ip-address",
	inventory.TypeUint8:     "array of unsigned integer 8",
	inventory.TypeUint16:    "array of unsigned integer 16",
	inventory.TypeUint32:    "array of unsigned integer 32",
	inventory.TypeInt8:      "array of signed integer 8",
	inventory.TypeInt16:     "array of signed integer 16",
	inventory.TypeInt32:     "array of signed integer 32",
	inventory.TypeBoolean:   "array of boolean",
	inventory.TypeText:      "text",
	inventory.TypeHex:       "string",
}

// hostOptionTag is the dnsmasq tag a host's dhcp-host sets for each option
// code it sets itself, so that its network's option of that code does not
// match: when two tagged options of one code both match, dnsmasq picks by
// the order of its list (2.90 picks the host's, which comes later in the
// file), and the tag keeps the answer from resting on that.
func hostOptionTag(code int) string { return fmt.Sprintf("host-option-%d", code) }

// optionLines renders the options of one scope. tags are the dnsmasq tags
// that select the scope's clients; overridden, the codes some host sets
// itself (for a network's lines).
func optionLines(opts inventory.DHCPOptions, tags []string, overridden map[int]bool) []OptionLine {
	var out []OptionLine
	for _, o := range opts.List() {
		l := OptionLine{Code: o.Code}
		t := append([]string(nil), tags...)
		if overridden[o.Code] {
			t = append(t, "tag:!"+hostOptionTag(o.Code))
		}
		prefix := strings.Join(t, ",") + ","
		switch {
		case o.Named != nil:
			n := o.Named
			l.About = n.Key
			l.Dhcpd = "option " + n.Dhcpd + " " + dhcpdValues(o) + ";"
			name := n.Dnsmasq
			if name == "" {
				l.Dnsmasq = prefix + strconv.Itoa(o.Code) + "," + strings.Join(o.Values, ",")
			} else {
				l.Dnsmasq = prefix + "option:" + name + "," + strings.Join(o.Values, ",")
			}
			l.kea = keaOption{Name: n.Kea, Data: strings.Join(o.Values, ", ")}
		case o.Type == inventory.TypeVendor:
			wire := o.Wire()
			l.About = "vendor options"
			l.Dhcpd = "option vendor-encapsulated-options " + inventory.HexBytes(wire) + ";"
			l.Dnsmasq = prefix + strconv.Itoa(o.Code) + "," + dnsmasqBytes(wire)
			l.kea = keaOption{Code: o.Code, Space: "dhcp4", CSVFormat: new(false), Data: inventory.HexBytes(wire),
				Comment: "vendor-encapsulated options: " + subOptionsAbout(o.Sub)}
		default:
			wire := o.Wire()
			l.About = fmt.Sprintf("option %d (%s)", o.Code, o.Type)
			l.Dhcpd = "option " + optionName(o.Code) + " " + dhcpdValues(o) + ";"
			if inventory.DnsmasqTyped(o.Code) {
				l.Dnsmasq = prefix + strconv.Itoa(o.Code) + "," + dnsmasqTypedValues(o)
			} else {
				l.Dnsmasq = prefix + strconv.Itoa(o.Code) + "," + dnsmasqBytes(wire)
			}
			l.kea = keaOption{Code: o.Code, Space: "dhcp4", CSVFormat: new(false), Data: inventory.HexBytes(wire),
				Comment: fmt.Sprintf("option %d, %s: %s", o.Code, o.Type, strings.Join(o.Values, ", "))}
		}
		out = append(out, l)
	}
	return out
}

// subOptionsAbout describes vendor sub-options for a comment.
func subOptionsAbout(subs []inventory.DHCPOption) string {
	parts := make([]string, len(subs))
	for i, s := range subs {
		parts[i] = fmt.Sprintf("%d, %s: %s", s.Code, s.Type, strings.Join(s.Values, ", "))
	}
	return strings.Join(parts, "; ")
}

// dhcpdValues writes an option's values as dhcpd reads them: text and
// domain names quoted, hex as colon-separated bytes, the rest as written.
func dhcpdValues(o inventory.DHCPOption) string {
	vals := make([]string, len(o.Values))
	for i, v := range o.Values {
		switch o.Type {
		case inventory.TypeText, "domain", "domain-list":
			vals[i] = `"` + v + `"`
		case inventory.TypeHex:
			vals[i] = strings.ToLower(v)
		default:
			vals[i] = v
		}
	}
	return strings.Join(vals, ", ")
}

// dnsmasqTypedValues writes the values of an option dnsmasq reads by its
// own type (inventory.DnsmasqTyped), as that type: addresses and numbers
// as written, booleans as 1 or 0.
func dnsmasqTypedValues(o inventory.DHCPOption) string {
	vals := make([]string, len(o.Values))
	for i, v := range o.Values {
		switch v {
		case "true":
			v = "1"
		case "false":
			v = "0"
		}
		vals[i] = v
	}
	return strings.Join(vals, ",")
}

// dnsmasqBytes writes an option's bytes for dnsmasq, which guesses the type
// of an option it does not define from how the value looks: hex with
// colons is bytes, but one byte of hex (0a) is a string, so a single byte
// is written in decimal, which dnsmasq encodes in one byte when it fits.
func dnsmasqBytes(b []byte) string {
	if len(b) == 1 {
		return strconv.Itoa(int(b[0]))
	}
	return inventory.HexBytes(b)
}

// optionDecls are the declarations dhcpd needs for the options set by code
// anywhere in the site, by code. Validation allows one type per code.
func optionDecls(inv *inventory.Inventory) []OptionDecl {
	types := map[int]string{}
	add := func(o inventory.DHCPOptions) {
		for _, opt := range o.List() {
			if opt.Named == nil && opt.Type != inventory.TypeVendor {
				types[opt.Code] = opt.Type
			}
		}
	}
	for _, n := range inv.Networks {
		add(n.Options)
	}
	for _, h := range inv.Hosts {
		add(h.Options)
	}
	decls := make([]OptionDecl, 0, len(types))
	for code, t := range types {
		decls = append(decls, OptionDecl{Name: optionName(code), Code: code, Type: dhcpdTypes[t]})
	}
	sort.Slice(decls, func(i, j int) bool { return decls[i].Code < decls[j].Code })
	return decls
}
