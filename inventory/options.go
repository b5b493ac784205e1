package inventory

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// DHCPOptions are the DHCP options a site sets on a network or a host,
// beyond what pxegen writes itself (routers, DNS servers, the boot file):
// the options pxegen names, typed, and any other by code with a type.
// Each value is validated by its type, and every DHCP server gets the same
// bytes: a host's options replace its network's, code by code. A client
// gets an option when it asks for it (option 55), as every server does.
type DHCPOptions struct {
	TimeOffset         *int       `yaml:"time_offset"`          // 2: seconds east of UTC, signed
	TimeServers        StringList `yaml:"time_servers"`         // 4: RFC 868 time servers
	LogServers         StringList `yaml:"log_servers"`          // 7
	DomainName         string     `yaml:"domain_name"`          // 15: replaces server.domain here
	RootPath           string     `yaml:"root_path"`            // 17
	MTU                *int       `yaml:"mtu"`                  // 26: interface MTU, 68 to 65535
	NTPServers         StringList `yaml:"ntp_servers"`          // 42
	NetBIOSNameServers StringList `yaml:"netbios_name_servers"` // 44
	NetBIOSNodeType    *int       `yaml:"netbios_node_type"`    // 46: 1, 2, 4 or 8
	DomainSearch       StringList `yaml:"domain_search"`        // 119: the DNS search list
	// Vendor are the sub-options of option 43 (vendor-encapsulated
	// options), each by code with a type: what a vendor's clients (IP
	// phones, access points) read there.
	Vendor []CodedOption `yaml:"vendor"`
	// Custom are options by code with a type, for any option pxegen does
	// not name.
	Custom []CodedOption `yaml:"custom"`
}

// CodedOption is an option, or a vendor sub-option, given by its code and
// the type of its value.
type CodedOption struct {
	Code *int   `yaml:"code"` // required; a pointer, so that a missing code is told from 0
	Type string `yaml:"type"`
	// Value is one value, or for ip-address, integer and boolean types a
	// list of them (an array).
	Value StringList `yaml:"value"`
}

// code is the option's code, or -1 when none is given.
func (c CodedOption) code() int {
	if c.Code == nil {
		return -1
	}
	return *c.Code
}

// The value types of options by code. Each encodes as DHCP carries it:
// addresses as 4 bytes, integers big-endian in their width, booleans as
// one byte 0 or 1, text as its bytes, hex as the bytes it spells.
const (
	TypeIPAddress = "ip-address"
	TypeUint8     = "uint8"
	TypeUint16    = "uint16"
	TypeUint32    = "uint32"
	TypeInt8      = "int8"
	TypeInt16     = "int16"
	TypeInt32     = "int32"
	TypeBoolean   = "boolean"
	TypeText      = "text"
	TypeHex       = "hex"
	// The types of named options only.
	typeDomain     = "domain"
	typeDomainList = "domain-list"
)

// OptionTypes lists the types an option by code may have.
var OptionTypes = []string{TypeIPAddress, TypeUint8, TypeUint16, TypeUint32, TypeInt8, TypeInt16, TypeInt32, TypeBoolean, TypeText, TypeHex}

// NamedOption is an option pxegen knows by name, and what each DHCP server
// calls it.
type NamedOption struct {
	Key      string // the inventory's key under options:
	Code     int
	Type     string
	List     bool  // one value or a list
	Min, Max int64 // for integers
	// The option's name in dhcpd.conf and Kea's option-data, and in
	// dnsmasq's dhcp-option (option:NAME; empty: dnsmasq has no name for
	// it, and takes the code).
	Dhcpd, Kea, Dnsmasq string
}

// NamedOptions are the options pxegen names, by code: those all three
// servers carry with the same meaning.
var NamedOptions = []NamedOption{
	{Key: "time_offset", Code: 2, Type: TypeInt32, Min: -1 << 31, Max: 1<<31 - 1, Dhcpd: "time-offset", Kea: "time-offset", Dnsmasq: "time-offset"},
	{Key: "time_servers", Code: 4, Type: TypeIPAddress, List: true, Dhcpd: "time-servers", Kea: "time-servers"},
	{Key: "log_servers", Code: 7, Type: TypeIPAddress, List: true, Dhcpd: "log-servers", Kea: "log-servers", Dnsmasq: "log-server"},
	{Key: "domain_name", Code: 15, Type: typeDomain, Dhcpd: "domain-name", Kea: "domain-name", Dnsmasq: "domain-name"},
	{Key: "root_path", Code: 17, Type: TypeText, Dhcpd: "root-path", Kea: "root-path", Dnsmasq: "root-path"},
	{Key: "mtu", Code: 26, Type: TypeUint16, Min: 68, Max: 65535, Dhcpd: "interface-mtu", Kea: "interface-mtu", Dnsmasq: "mtu"},
	{Key: "ntp_servers", Code: 42, Type: TypeIPAddress, List: true, Dhcpd: "ntp-servers", Kea: "ntp-servers", Dnsmasq: "ntp-server"},
	{Key: "netbios_name_servers", Code: 44, Type: TypeIPAddress, List: true, Dhcpd: "netbios-name-servers", Kea: "netbios-name-servers", Dnsmasq: "netbios-ns"},
	{Key: "netbios_node_type", Code: 46, Type: TypeUint8, Min: 1, Max: 8, Dhcpd: "netbios-node-type", Kea: "netbios-node-type", Dnsmasq: "netbios-nodetype"},
	{Key: "domain_search", Code: 119, Type: typeDomainList, List: true, Dhcpd: "domain-search", Kea: "domain-search", Dnsmasq: "domain-search"},
}

// VendorOptionCode is option 43, which carries the vendor sub-options.
const VendorOptionCode = 43

// MaxOptionLen is the most one option carries: its length is one byte.
// Longer options would have to be split (RFC 3396), which the servers do
// differently or not at all.
const MaxOptionLen = 255

// MaxOptionItems bounds a list of option values, and the custom and
// vendor options of one scope.
const MaxOptionItems = 32

// reservedCodes are the option codes pxegen writes or the DHCP exchange
// itself uses: no site may set them, by name or by code. Each says why.
var reservedCodes = map[int]string{
	0:   "pad, not an option",
	1:   "the subnet mask, which pxegen writes from the subnet",
	3:   "routers: set the network's gateway",
	6:   "domain name servers: set the network's dns",
	12:  "the host name, which pxegen writes from the host's name",
	28:  "the broadcast address, which the subnet decides (dnsmasq sends its own and takes no other)",
	43:  "vendor-encapsulated options: set them under vendor",
	50:  "the requested address, which only a client sends",
	51:  "the lease time: set the network's lease_time",
	52:  "option overload, which the DHCP server decides",
	53:  "the DHCP message type",
	54:  "the server identifier, which the DHCP server decides",
	55:  "the parameter request list, which only a client sends",
	56:  "the DHCP message text, which the DHCP server decides",
	57:  "the maximum message size, which only a client sends",
	58:  "the renewal time, which the DHCP server derives from the lease time",
	59:  "the rebinding time, which the DHCP server derives from the lease time",
	60:  "the vendor class, which pxegen sets for UEFI HTTP boot",
	61:  "the client identifier, which only a client sends",
	66:  "the TFTP server name: set next_server",
	67:  "the boot file name: set boot_file",
	77:  "the user class, which pxegen tests for iPXE",
	81:  "the client FQDN, which dynamic DNS updates use",
	82:  "the relay agent information, which only a relay sends",
	93:  "the client architecture, which pxegen tests for the loader",
	94:  "the client network interface, which only a client sends",
	97:  "the client machine identifier, which only a client sends",
	118: "the subnet selection, which only a client or relay sends",
	175: "iPXE's encapsulated options, which pxegen writes",
	208: "PXELINUX's magic, which would change how pxegen's PXELINUX files are found",
	209: "PXELINUX's configuration file, which would replace pxegen's search",
	210: "PXELINUX's path prefix, which pxegen's iPXE scripts set",
	211: "PXELINUX's reboot time",
	255: "end, not an option",
}

// standardTypes are the types RFC 2132 (and RFC 4280, 4833, 5859, 8925)
// gives the codes the DHCP servers define themselves: an option by code
// on one of them must have that type, or the servers would disagree
// (dnsmasq refuses anything but addresses for an address option, Kea
// checks the bytes against its own definition). A free-form option, whose
// layout the servers leave to the site (120, 121, 125), is not listed.
var standardTypes = map[int]string{
	5: TypeIPAddress, 8: TypeIPAddress, 9: TypeIPAddress, 10: TypeIPAddress, 11: TypeIPAddress,
	13: TypeUint16, 14: TypeText, 16: TypeIPAddress, 18: TypeText, 19: TypeBoolean, 20: TypeBoolean,
	21: TypeIPAddress, 22: TypeUint16, 23: TypeUint8, 24: TypeUint32, 25: TypeUint16, 27: TypeBoolean,
	29: TypeBoolean, 30: TypeBoolean, 31: TypeBoolean, 32: TypeIPAddress, 33: TypeIPAddress,
	34: TypeBoolean, 35: TypeUint32, 36: TypeBoolean, 37: TypeUint8, 38: TypeUint32, 39: TypeBoolean,
	40: TypeText, 41: TypeIPAddress, 45: TypeIPAddress, 47: TypeText, 48: TypeIPAddress, 49: TypeIPAddress,
	62: TypeText, 64: TypeText, 65: TypeIPAddress, 68: TypeIPAddress, 69: TypeIPAddress, 70: TypeIPAddress,
	71: TypeIPAddress, 72: TypeIPAddress, 73: TypeIPAddress, 74: TypeIPAddress, 75: TypeIPAddress,
	76: TypeIPAddress, 100: TypeText, 101: TypeText, 108: TypeUint32, 150: TypeIPAddress,
	// Kea's own definitions (RFC 2241, 2242, 2610, 3679, 4280, 5192,
	// 5417, 6731): Kea reads the bytes by these types and refuses a
	// configuration whose bytes do not fit.
	85: TypeIPAddress, 86: TypeText, 87: TypeText, 89: TypeIPAddress, 91: TypeUint32, 92: TypeIPAddress,
	98: TypeText, 112: TypeIPAddress, 113: TypeText, 116: TypeUint8, 117: TypeUint16, 136: TypeIPAddress,
	138: TypeIPAddress,
}

// dnsmasqTyped are the codes of standardTypes that dnsmasq defines with a
// fixed type (dnsmasq --help dhcp): it reads their values by that type,
// where it guesses the type of any other option from how the value looks.
var dnsmasqTyped = map[int]bool{
	9: true, 13: true, 16: true, 18: true, 19: true, 20: true, 21: true, 22: true, 23: true, 27: true,
	31: true, 32: true, 33: true, 34: true, 35: true, 36: true, 37: true, 38: true, 40: true, 41: true,
	45: true, 48: true, 49: true, 64: true, 65: true, 68: true, 69: true, 70: true, 71: true, 74: true,
	100: true, 101: true, 108: true, 150: true,
}

// DnsmasqTyped reports whether dnsmasq reads option code by a type of its
// own, the one the option must have: its values are then written as
// dnsmasq reads that type, not as raw bytes.
func DnsmasqTyped(code int) bool { return dnsmasqTyped[code] }

// namedByCode returns the named option with code, if pxegen names one.
func namedByCode(code int) (NamedOption, bool) {
	for _, o := range NamedOptions {
		if o.Code == code {
			return o, true
		}
	}
	return NamedOption{}, false
}

// DHCPOption is one option set on a network or host, resolved: its code, type
// and values, and the named option it is, if any.
type DHCPOption struct {
	Code   int
	Type   string // one of OptionTypes, or domain and domain-list for named options; "vendor" for option 43
	Named  *NamedOption
	Values []string     // as written, one per item; for vendor, empty
	Sub    []DHCPOption // vendor sub-options
	Key    string       // the key path below the scope: options.ntp_servers, options.custom[2]
}

// TypeVendor is the type of option 43 built from vendor sub-options.
const TypeVendor = "vendor"

// List returns the options set, sorted by code: named ones, the vendor
// sub-options as option 43, and those by code. It assumes validation has
// passed; a value that does not parse is left out of the encoding only.
func (o DHCPOptions) List() []DHCPOption {
	var out []DHCPOption
	for i := range NamedOptions {
		n := &NamedOptions[i]
		vals := o.named(n.Key)
		if len(vals) == 0 {
			continue
		}
		out = append(out, DHCPOption{Code: n.Code, Type: n.Type, Named: n, Values: vals, Key: "options." + n.Key})
	}
	if len(o.Vendor) > 0 {
		v := DHCPOption{Code: VendorOptionCode, Type: TypeVendor, Key: "options.vendor"}
		for i, s := range o.Vendor {
			v.Sub = append(v.Sub, DHCPOption{Code: s.code(), Type: s.Type, Values: s.Value, Key: fmt.Sprintf("options.vendor[%d]", i)})
		}
		out = append(out, v)
	}
	for i, c := range o.Custom {
		out = append(out, DHCPOption{Code: c.code(), Type: c.Type, Values: c.Value, Key: fmt.Sprintf("options.custom[%d]", i)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Empty reports whether no option is set.
func (o DHCPOptions) Empty() bool { return len(o.List()) == 0 }

// named returns the values of the named option key, as text.
func (o DHCPOptions) named(key string) []string {
	num := func(p *int) []string {
		if p == nil {
			return nil
		}
		return []string{strconv.Itoa(*p)}
	}
	str := func(s string) []string {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	switch key {
	case "time_offset":
		return num(o.TimeOffset)
	case "time_servers":
		return o.TimeServers
	case "log_servers":
		return o.LogServers
	case "domain_name":
		return str(o.DomainName)
	case "root_path":
		return str(o.RootPath)
	case "mtu":
		return num(o.MTU)
	case "ntp_servers":
		return o.NTPServers
	case "netbios_name_servers":
		return o.NetBIOSNameServers
	case "netbios_node_type":
		return num(o.NetBIOSNodeType)
	case "domain_search":
		return o.DomainSearch
	}
	return nil
}

// Wire is the option's value as DHCP carries it, without code and length.
// Domain lists are encoded uncompressed (RFC 1035 labels); dhcpd and
// dnsmasq compress option 119, which a client decodes to the same list.
func (o DHCPOption) Wire() []byte {
	if o.Type == TypeVendor {
		var b []byte
		for _, s := range o.Sub {
			w := s.Wire()
			b = append(b, byte(s.Code), byte(len(w)))
			b = append(b, w...)
		}
		return b
	}
	var b []byte
	for _, v := range o.Values {
		w, _ := encodeValue(o.Type, v)
		b = append(b, w...)
	}
	return b
}

// intWidths are the byte widths of the integer types, and whether they
// are signed.
var intWidths = map[string]struct {
	bytes  int
	signed bool
}{
	TypeUint8: {1, false}, TypeUint16: {2, false}, TypeUint32: {4, false},
	TypeInt8: {1, true}, TypeInt16: {2, true}, TypeInt32: {4, true},
}

// IntegerType reports whether t is one of the integer types.
func IntegerType(t string) bool { _, ok := intWidths[t]; return ok }

var (
	decimalSyntax = regexp.MustCompile(`^-?(0|[1-9][0-9]{0,19})$`)
	hexSyntax     = regexp.MustCompile(`^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})*$`)
)

// optionTextChars is what option text may hold besides letters and
// digits: it lands in a dhcpd quoted string, a dnsmasq field and Kea's
// JSON, so no quote, backslash, comma, #, ;, space, $ or brace.
const optionTextChars charset = "._:/=+@%!?&*~()[]-"

// encodeValue encodes one value of type t, or says why it cannot.
func encodeValue(t, v string) ([]byte, string) {
	switch {
	case t == TypeIPAddress:
		a, err := ParseIPv4(v)
		if err != nil {
			return nil, err.Error()
		}
		if a.IsUnspecified() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) || a.IsMulticast() {
			return nil, fmt.Sprintf("%s is not a host's address", a)
		}
		b := a.As4()
		return b[:], ""
	case IntegerType(t):
		w := intWidths[t]
		if !decimalSyntax.MatchString(v) {
			return nil, fmt.Sprintf("%q is not a decimal integer", v)
		}
		n, err := strconv.ParseInt(v, 10, 64)
		lo, hi := int64(0), int64(1)<<(8*w.bytes)-1
		if w.signed {
			lo, hi = -int64(1)<<(8*w.bytes-1), int64(1)<<(8*w.bytes-1)-1
		}
		if err != nil || n < lo || n > hi {
			return nil, fmt.Sprintf("%s is out of range for %s: %d to %d", v, t, lo, hi)
		}
		b := make([]byte, 8)
		binary.BigEndian.PutUint64(b, uint64(n))
		return b[8-w.bytes:], ""
	case t == TypeBoolean:
		switch v {
		case "true":
			return []byte{1}, ""
		case "false":
			return []byte{0}, ""
		}
		return nil, fmt.Sprintf("%q is not a boolean: want true or false", v)
	case t == TypeText:
		if v == "" {
			return nil, "empty text: leave the option out instead"
		}
		if bad := optionTextChars.bad(v); bad != "" {
			return nil, fmt.Sprintf("%q contains %s; option text may use letters, digits and %s", v, bad, spaced(optionTextChars))
		}
		return []byte(v), ""
	case t == TypeHex:
		if !hexSyntax.MatchString(v) {
			return nil, fmt.Sprintf("%q is not hex: want bytes as two hex digits each, separated by colons (01:a0:ff)", v)
		}
		b, _ := hex.DecodeString(strings.ReplaceAll(v, ":", ""))
		return b, ""
	case t == typeDomain:
		if msg := checkDomain(v); msg != "" {
			return nil, msg
		}
		return []byte(v), ""
	case t == typeDomainList:
		if msg := checkDomain(v); msg != "" {
			return nil, msg
		}
		var b []byte
		for _, label := range strings.Split(v, ".") {
			b = append(b, byte(len(label)))
			b = append(b, label...)
		}
		return append(b, 0), ""
	}
	return nil, fmt.Sprintf("unknown type %q", t)
}

// HexBytes writes b as dhcpd and dnsmasq read hex: two lower-case digits
// a byte, separated by colons.
func HexBytes(b []byte) string {
	parts := make([]string, len(b))
	for i, c := range b {
		parts[i] = fmt.Sprintf("%02x", c)
	}
	return strings.Join(parts, ":")
}

// optionScope is where options are set: a network or a host, for messages.
type optionScope struct {
	at   string // networks[0], hosts[3]
	opts DHCPOptions
}

// options checks every network's and host's options: each value by its
// type, codes pxegen owns or names refused, each option within 255 bytes,
// and, since dhcpd declares a code's type once for the whole file, one
// type per code across the inventory.
func (v *validator) options() {
	inv := v.inv
	var scopes []optionScope
	for i, n := range inv.Networks {
		scopes = append(scopes, optionScope{fmt.Sprintf("networks[%d]", i), n.Options})
	}
	for i, h := range inv.Hosts {
		if !h.Options.Empty() {
			scopes = append(scopes, optionScope{fmt.Sprintf("hosts[%d]", i), h.Options})
		}
	}
	types := map[int]struct{ typ, at string }{}
	for _, s := range scopes {
		o := s.opts
		if v.skip(s.at+".options.custom") || v.skip(s.at+".options.vendor") {
			continue // too many to check
		}
		codes := map[int]string{}
		for _, opt := range o.List() {
			p := s.at + "." + opt.Key
			ok := v.optionValue(s.at, opt)
			if opt.Named != nil || opt.Type == TypeVendor {
				codes[opt.Code] = p
				if ok {
					if n := len(opt.Wire()); n > MaxOptionLen {
						v.errf(p, "%d bytes; a DHCP option holds at most %d", n, MaxOptionLen)
					}
				}
				continue
			}
			if !v.optionCode(p, opt.Code, false) || !v.standardType(p, opt) || !v.standardSingle(p, opt) {
				continue
			}
			if prev, dup := codes[opt.Code]; dup {
				v.errf(p+".code", "option %d is also set at %s", opt.Code, prev)
				continue
			}
			codes[opt.Code] = p
			if !ok {
				continue
			}
			if n := len(opt.Wire()); n > MaxOptionLen {
				v.errf(p+".value", "%d bytes; a DHCP option holds at most %d", n, MaxOptionLen)
			}
			if t, seen := types[opt.Code]; seen && t.typ != opt.Type {
				v.errf(p+".type", "%s, but option %d is %s at %s: dhcpd declares one type per option code for the whole file", opt.Type, opt.Code, t.typ, t.at)
			} else if !seen {
				types[opt.Code] = struct{ typ, at string }{opt.Type, p}
			}
		}
		if len(o.Vendor) > 0 {
			seen := map[int]int{}
			for i, sub := range o.Vendor {
				p := fmt.Sprintf("%s.options.vendor[%d]", s.at, i)
				if !v.optionCode(p, sub.code(), true) {
					continue
				}
				if j, dup := seen[sub.code()]; dup {
					v.errf(p+".code", "sub-option %d is also vendor[%d]", sub.code(), j)
				}
				seen[sub.code()] = i
			}
		}
	}
}

// optionCode checks an option's code (or a vendor sub-option's).
func (v *validator) optionCode(p string, code int, sub bool) bool {
	if code == -1 {
		v.errf(p+".code", "required: an option code from 1 to 254")
		return false
	}
	if code < 1 || code > 254 {
		v.errf(p+".code", "%d: want an option code from 1 to 254", code)
		return false
	}
	if sub {
		return true
	}
	if why, ok := reservedCodes[code]; ok {
		v.errf(p+".code", "option %d is %s", code, why)
		return false
	}
	if n, ok := namedByCode(code); ok {
		v.errf(p+".code", "option %d is %s: set it by that name under options", code, n.Key)
		return false
	}
	return true
}

// standardType checks that an option by code on a code the servers define
// themselves has the type they give it.
func (v *validator) standardType(p string, o DHCPOption) bool {
	want, ok := standardTypes[o.Code]
	if !ok || o.Type == want || !contains(OptionTypes, o.Type) {
		return true
	}
	v.errf(p+".type", "%s, but option %d is %s in RFC 2132 and its successors, as every DHCP server reads it", o.Type, o.Code, want)
	return false
}

// standardLists are the codes of standardTypes whose value is a list
// though their type is no address: the path MTU plateau table (25) and
// the name service search order (117), lists of uint16. Every other number or boolean the servers define is one
// value, and dnsmasq, reading its own type there, refuses a list.
var standardLists = map[int]bool{25: true, 117: true}

// standardSingle checks that an option by code on a code the servers
// define as one number or boolean is given one value.
func (v *validator) standardSingle(p string, o DHCPOption) bool {
	want, ok := standardTypes[o.Code]
	if !ok || want == TypeIPAddress || standardLists[o.Code] || len(o.Values) < 2 {
		return true
	}
	v.errf(p+".value", "%d values, but option %d is one %s in RFC 2132 and its successors (dnsmasq refuses a list there)", len(o.Values), o.Code, want)
	return false
}

// optionValue checks the values of one option of the scope at (a network
// or host) against its type, and reports whether they all encode.
func (v *validator) optionValue(at string, o DHCPOption) bool {
	if o.Type == TypeVendor {
		ok := true
		for _, s := range o.Sub {
			ok = v.optionValue(at, s) && ok
		}
		return ok
	}
	p := at + "." + o.Key
	valueAt := p
	if o.Named == nil {
		valueAt = p + ".value"
		if !contains(OptionTypes, o.Type) {
			if o.Type == "" {
				v.errf(p+".type", "required: one of %s", strings.Join(OptionTypes, ", "))
			} else {
				v.errf(p+".type", "%q: want one of %s", o.Type, strings.Join(OptionTypes, ", "))
			}
			return false
		}
	}
	switch {
	case v.skip(valueAt):
		return false // too long, and refused
	case len(o.Values) == 0:
		v.errf(valueAt, "required")
		return false
	case len(o.Values) > 1 && (o.Type == TypeText || o.Type == TypeHex || o.Type == typeDomain || o.Named != nil && !o.Named.List):
		v.errf(valueAt, "%d values; a %s option takes one", len(o.Values), o.Type)
		return false
	}
	ok := true
	for i, val := range o.Values {
		vp := valueAt
		if len(o.Values) > 1 || o.Named != nil && o.Named.List {
			vp = fmt.Sprintf("%s[%d]", valueAt, i)
		}
		if v.skip(vp) {
			ok = false
			continue
		}
		if _, msg := encodeValue(o.Type, val); msg != "" {
			v.errf(vp, "%s", msg)
			ok = false
			continue
		}
		if o.Named != nil && IntegerType(o.Type) {
			n, _ := strconv.ParseInt(val, 10, 64)
			if n < o.Named.Min || n > o.Named.Max {
				v.errf(vp, "%d is out of range: %d to %d", n, o.Named.Min, o.Named.Max)
				ok = false
			} else if o.Named.Key == "netbios_node_type" && n != 1 && n != 2 && n != 4 && n != 8 {
				v.errf(vp, "%d: want 1 (B-node), 2 (P-node), 4 (M-node) or 8 (H-node)", n)
				ok = false
			}
		}
	}
	return ok
}

// overrides checks next_server and boot_file on networks and hosts.
func (v *validator) overrides() {
	inv := v.inv
	nextServer := func(p, s string) {
		if _, msg := encodeValue(TypeIPAddress, s); msg != "" {
			v.errf(p, "%s", msg)
		}
	}
	for i, n := range inv.Networks {
		at := fmt.Sprintf("networks[%d]", i)
		if n.NextServer != "" {
			nextServer(at+".next_server", n.NextServer)
		}
		if n.BootFile != "" {
			v.check(at+".boot_file", checkBootFile(n.BootFile))
			if n.SecureBoot {
				v.errf(at+".boot_file", "boot_file replaces every PXE loader here, so the Secure Boot chain (secure_boot: true) would never run; set one or the other")
			}
		}
	}
	for i, h := range inv.Hosts {
		at := fmt.Sprintf("hosts[%d]", i)
		if h.NextServer != "" {
			nextServer(at+".next_server", h.NextServer)
			if h.BootFile == "" {
				v.errf(at+".next_server", "a host's next_server goes with its boot_file: pxegen's own loaders are on its network's next-server")
			}
		}
		if h.BootFile != "" {
			v.check(at+".boot_file", checkBootFile(h.BootFile))
			if h.SecureBoot != nil {
				v.errf(at+".boot_file", "boot_file replaces the host's PXE loader, so its secure_boot would choose nothing; set one or the other")
			}
		}
	}
}

// checkBootFile checks a boot file name DHCP sends as it is: a clean path,
// relative (to the TFTP server's root) or absolute, of safe characters,
// that fits the BOOTP file field.
func checkBootFile(s string) string {
	if len(s) > MaxBootFileLen {
		return fmt.Sprintf("%d bytes; DHCP's boot file field holds at most %d", len(s), MaxBootFileLen)
	}
	if strings.HasPrefix(s, "/") {
		return checkAbsPath(s)
	}
	return checkRelPath(s)
}

var dhcpOptionsType = reflect.TypeOf(DHCPOptions{})

// ownOptions are the names, as the servers and RFC 2132 write them, of
// options the inventory sets elsewhere: where to set each instead.
var ownOptions = map[string]string{
	"routers": "the network's gateway", "router": "the network's gateway",
	"domain-name-servers": "the network's dns", "dns-server": "the network's dns", "dns": "the network's dns",
	"host-name": "the host's name", "hostname": "the host's name",
	"filename": "boot_file", "bootfile-name": "boot_file", "boot-file-name": "boot_file",
	"next-server": "next_server", "tftp-server-name": "next_server",
	"lease-time": "the network's lease_time", "dhcp-lease-time": "the network's lease_time",
	"default-lease-time": "the network's lease_time", "max-lease-time": "the network's lease_time",
	"authoritative":               "the network's authoritative",
	"vendor-encapsulated-options": "vendor, by sub-option",
}

// unknownOption says why name is no option pxegen knows, and what to
// write instead.
func unknownOption(name string) string {
	key := strings.ReplaceAll(strings.ToLower(name), "-", "_")
	for _, n := range NamedOptions {
		if name == n.Dhcpd || name == n.Kea || name == n.Dnsmasq || key == n.Key || "option:"+n.Dnsmasq == name {
			return fmt.Sprintf("%q is option %d, which pxegen names %s", name, n.Code, n.Key)
		}
	}
	if where, ok := ownOptions[strings.ToLower(name)]; ok {
		return fmt.Sprintf("%q is not set under options: set %s", name, where)
	}
	keys := make([]string, len(NamedOptions))
	for i, n := range NamedOptions {
		keys[i] = n.Key
	}
	return fmt.Sprintf("no DHCP option pxegen names %q (it names %s, vendor and custom): give any other option by code under custom, as {code: N, type: T, value: V}",
		name, strings.Join(keys, ", "))
}

// StandardOptionType returns the type every DHCP server reads option code
// with (see standardTypes), if the servers define it themselves.
func StandardOptionType(code int) (string, bool) {
	t, ok := standardTypes[code]
	return t, ok
}

// OwnOptionCode says why no site may set option code by code: pxegen
// writes it, the exchange uses it, or pxegen names it ("" when it may).
func OwnOptionCode(code int) string {
	if why, ok := reservedCodes[code]; ok {
		return why
	}
	if n, ok := namedByCode(code); ok {
		return "named " + n.Key + " under options"
	}
	return ""
}

// SetNamed sets the named option key (an inventory key of NamedOptions)
// to values, as written, if they are values of its type; it leaves o as
// it was and says why when they are not.
func (o *DHCPOptions) SetNamed(key string, values []string) error {
	var n *NamedOption
	for i := range NamedOptions {
		if NamedOptions[i].Key == key {
			n = &NamedOptions[i]
		}
	}
	if n == nil {
		return fmt.Errorf("no option named %s", key)
	}
	if len(values) == 0 || len(values) > 1 && !n.List {
		return fmt.Errorf("%s takes %s", key, map[bool]string{true: "a list", false: "one value"}[n.List])
	}
	for _, v := range values {
		if _, msg := encodeValue(n.Type, v); msg != "" {
			return fmt.Errorf("%s: %s", key, msg)
		}
		if IntegerType(n.Type) {
			if i, _ := strconv.ParseInt(v, 10, 64); i < n.Min || i > n.Max {
				return fmt.Errorf("%s: %d is out of range: %d to %d", key, i, n.Min, n.Max)
			}
		}
	}
	num := func() (*int, error) {
		v, err := strconv.Atoi(values[0])
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a number", key, values[0])
		}
		return &v, nil
	}
	var err error
	switch key {
	case "time_offset":
		o.TimeOffset, err = num()
	case "time_servers":
		o.TimeServers = values
	case "log_servers":
		o.LogServers = values
	case "domain_name":
		o.DomainName = values[0]
	case "root_path":
		o.RootPath = values[0]
	case "mtu":
		o.MTU, err = num()
	case "ntp_servers":
		o.NTPServers = values
	case "netbios_name_servers":
		o.NetBIOSNameServers = values
	case "netbios_node_type":
		o.NetBIOSNodeType, err = num()
	case "domain_search":
		o.DomainSearch = values
	}
	return err
}

// CheckOptionValues says why values are not an option of type typ (one of
// OptionTypes), "" when they are: each value encodes, one value for text
// and hex, and at most MaxOptionLen bytes in all.
func CheckOptionValues(typ string, values []string) string {
	if !contains(OptionTypes, typ) {
		return fmt.Sprintf("%q is not an option type", typ)
	}
	if len(values) == 0 || len(values) > MaxOptionItems || len(values) > 1 && (typ == TypeText || typ == TypeHex) {
		return fmt.Sprintf("%d values for a %s option", len(values), typ)
	}
	n := 0
	for _, v := range values {
		b, msg := encodeValue(typ, v)
		if msg != "" {
			return msg
		}
		n += len(b)
	}
	if n > MaxOptionLen {
		return fmt.Sprintf("%d bytes; a DHCP option holds at most %d", n, MaxOptionLen)
	}
	return ""
}

// CheckBootFile says why s cannot be a boot_file, "" when it can.
func CheckBootFile(s string) string { return checkBootFile(s) }
