package inventory

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Every string in the inventory ends up inside a dhcpd.conf quoted string,
// a PXELINUX line, an iPXE command, an Apache directive or an xinetd
// attribute. pxegen never escapes for those syntaxes: each field has an
// allow-list that leaves out every character one of them treats specially,
// and anything else is refused at validation. In particular:
//
//   - dhcpd: no `"` or `\` (they end or escape a quoted string), no `;`, `{`,
//     `}` or `#` (statement, block and comment syntax);
//   - PXELINUX: no newline or control character (each directive is a line);
//   - iPXE: no `$` (setting expansion), no quotes or `\`, no `#`, and no
//     `||` or `&&` as a word (command operators);
//   - dnsmasq: no `,` in anything it reads as one field (names, tags, paths,
//     the boot script URL, whose base URL takes no query), no `#`, no
//     newline; Kea's JSON is written by encoding/json, which escapes;
//   - Apache and xinetd: paths are absolute and made of [A-Za-z0-9._/+-] only,
//     so a path can never carry a space, a quote or a second directive.
var (
	hostLabel      = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	networkName    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$`)
	profileName    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)
	clientIDSyntax = regexp.MustCompile(`^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})+$`)
	macSyntax      = regexp.MustCompile(`^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){4}$`)
	portSyntax     = regexp.MustCompile(`^[1-9][0-9]{0,4}$`)
	nicName        = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,13}[A-Za-z0-9])?$`)
	ifaceSyntax    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,14}$`)
)

// A charset is the punctuation a field allows besides ASCII letters and
// digits.
type charset string

const (
	textChars    charset = " ._,:()/+=@!?[]-"
	segmentChars charset = "._+~-"
	urlChars     charset = "._~:/+=,%?&-"
	urlPathChars charset = "._~/+-"
	argChars     charset = " ._,:/=+@%!?&*~()[]-"
)

// bad returns a description of the first character of s that c does not
// allow, or "" when s is clean.
func (c charset) bad(s string) string {
	for _, r := range s {
		if r < 0x80 && ('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune(string(c), r)) {
			continue
		}
		switch {
		case r == '\n':
			return "a newline"
		case r < 0x20 || r == 0x7f:
			return fmt.Sprintf("control character %U", r)
		case r == ' ':
			return "a space"
		case r > 0x7e:
			return fmt.Sprintf("non-ASCII character %q", r)
		}
		return fmt.Sprintf("%q", r)
	}
	return ""
}

// MaxAppendLine is the longest line PXELINUX reads; the APPEND line that
// carries initrd= and the kernel arguments must fit in it.
const MaxAppendLine = 4095

// dnsmasqLease is what dnsmasq's dhcp-host reads as a lease time rather
// than a host name: digits, with at most one unit letter after them
// (src/option.c, case 'G'). "ignore" and "infinite" are its keywords.
var dnsmasqLease = regexp.MustCompile(`^[0-9]+[smhdwSMHDW]?$`)

// checkHostName checks a host name: an RFC 1123 label that every DHCP
// server reads as a name. The same inventory must work for every target,
// so what dnsmasq would read as something else is refused for all.
func checkHostName(s string) string {
	switch {
	case s == "":
		return "required"
	case len(s) > 63:
		return "longer than 63 characters (an RFC 1123 label)"
	case !hostLabel.MatchString(s):
		return fmt.Sprintf("%q is not an RFC 1123 label: letters, digits and inner hyphens only", s)
	case strings.EqualFold(s, "ignore"):
		return fmt.Sprintf("%q is a keyword in dnsmasq's dhcp-host line, where it means: never answer this machine", s)
	case strings.EqualFold(s, "infinite"):
		return fmt.Sprintf("%q is a keyword in dnsmasq's dhcp-host line, where it sets the lease time", s)
	case dnsmasqLease.MatchString(s):
		return fmt.Sprintf("%q reads as a lease time in dnsmasq's dhcp-host line: a name must not be digits with at most one s, m, h, d or w after them", s)
	}
	return ""
}

// checkNICName checks the name of a host's interface, which names its
// DHCP host entry: Linux's limit of 15 bytes, and the characters of a
// host name, so that <host>-<interface> is one.
func checkNICName(s string) string {
	if nicName.MatchString(s) {
		return ""
	}
	return fmt.Sprintf("%q is not a name for a host's interface: letters, digits and inner hyphens, at most 15 characters (it names the interface's DHCP host entry, <host>-<interface>)", s)
}

// checkInterface checks a network interface name: Linux allows at most 15
// bytes, and these characters keep it one word in every syntax.
func checkInterface(s string) string {
	if ifaceSyntax.MatchString(s) {
		return ""
	}
	return fmt.Sprintf("%q is not an interface name: letters, digits, . _ and -, at most 15 characters", s)
}

// checkDomain checks a DNS domain name: dot-separated RFC 1123 labels.
func checkDomain(s string) string {
	if len(s) > 253 {
		return "longer than 253 characters"
	}
	for _, label := range strings.Split(s, ".") {
		if !hostLabel.MatchString(label) {
			return fmt.Sprintf("%q is not a domain name: dot-separated labels of letters, digits and inner hyphens", s)
		}
	}
	return ""
}

// checkText checks menu text: a restricted set of printable ASCII that no
// target syntax treats specially.
func checkText(s string) string {
	switch {
	case s == "":
		return "must not be empty"
	case len(s) > 80:
		return "longer than 80 characters"
	case textChars.bad(s) != "":
		return "contains " + textChars.bad(s) + "; menu text may use letters, digits, spaces and " + spaced(textChars[1:])
	case strings.HasPrefix(strings.TrimLeft(s, " "), "-"):
		// iPXE's menu takes options before its title (and splits words at
		// spaces); GRUB's menuentry takes them anywhere: --id, --users,
		// --source.
		return "starts with -, which iPXE's menu and GRUB's menuentry read as an option"
	}
	return ""
}

// checkRelPath checks a path relative to boot_root: clean, local, and made
// of safe characters only.
func checkRelPath(s string) string {
	if s == "" {
		return "required"
	}
	if strings.HasPrefix(s, "/") {
		return fmt.Sprintf("%q is absolute; want a path relative to boot_root", s)
	}
	for _, seg := range strings.Split(s, "/") {
		switch {
		case seg == "..":
			return fmt.Sprintf("%q leaves boot_root (..)", s)
		case seg == "." || seg == "":
			return fmt.Sprintf("%q is not a clean path (empty or . component)", s)
		case segmentChars.bad(seg) != "":
			return fmt.Sprintf("%q contains %s; path components may use letters, digits and %s", s, segmentChars.bad(seg), spaced(segmentChars))
		}
	}
	return ""
}

// checkFileRef checks a kernel or initrd: a relative path or an http(s) URL.
func checkFileRef(s string) string {
	if strings.Contains(s, "://") {
		return checkURL(s, false)
	}
	return checkRelPath(s)
}

// checkInitrd checks an initrd: a file reference without a comma, since
// PXELINUX reads initrd=a,b as two initrds where iPXE and GRUB fetch one,
// and whose file name, which iPXE names it by, is not an option.
func checkInitrd(s string) string {
	if msg := checkFileRef(s); msg != "" {
		return msg
	}
	if strings.Contains(s, ",") {
		return fmt.Sprintf("%q contains a comma, which PXELINUX reads as the end of one initrd and the start of another", s)
	}
	if strings.HasPrefix(path.Base(s), "-") {
		return fmt.Sprintf("%q: the file name starts with -, which iPXE reads as an option where it names the initrd (initrd --name)", s)
	}
	return ""
}

// checkURL checks an absolute http or https URL. A base URL (http_url) must
// end with "/" and carry no query.
func checkURL(s string, base bool) string {
	if bad := urlChars.bad(s); bad != "" {
		return fmt.Sprintf("%q contains %s; URLs may use letters, digits and %s", s, bad, spaced(urlChars))
	}
	// Every rule after this one, and every template, tells http from
	// https by the scheme as written; url.Parse would lower its case.
	scheme, _, _ := strings.Cut(s, "://")
	if scheme != "http" && scheme != "https" {
		if strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https") {
			return fmt.Sprintf("%q: write the scheme in lower case, http or https", s)
		}
		return fmt.Sprintf("%q: scheme must be http or https", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Sprintf("%q is not a URL: %v", s, err)
	}
	if u.Host == "" || u.User != nil || u.Opaque != "" {
		return fmt.Sprintf("%q: want scheme://host[:port]/path", s)
	}
	if host := u.Hostname(); net.ParseIP(host) == nil && checkDomain(host) != "" {
		return fmt.Sprintf("%q: host %q is neither an IPv4 address nor a domain name", s, host)
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); !portSyntax.MatchString(port) || err != nil || n > 65535 {
			return fmt.Sprintf("%q: port %s is not a port number from 1 to 65535", s, port)
		}
	}
	if !strings.HasPrefix(u.Path, "/") && !(u.Path == "" && !base) {
		return fmt.Sprintf("%q: want a path after the host", s)
	}
	for _, seg := range strings.Split(u.Path, "/") {
		if seg == ".." || seg == "." {
			return fmt.Sprintf("%q: path contains %q", s, seg)
		}
	}
	if base {
		if u.RawQuery != "" || strings.Contains(s, "?") || u.Fragment != "" {
			return fmt.Sprintf("%q: a base URL takes no query", s)
		}
		if strings.Contains(s, "%") {
			// Apache's Alias takes the path as written, iPXE and
			// clients send it decoded: the two would not meet.
			return fmt.Sprintf("%q: a base URL takes no %%-escapes", s)
		}
		if u.Path == "/" {
			return fmt.Sprintf("%q: the path must not be /: Apache's Alias / would serve the boot tree in place of the whole web server", s)
		}
		// The snippet adds a Listen for any other port: on these, Debian's
		// ports.conf already listens for the other protocol, and Apache
		// refuses a second Listen for one port.
		if scheme == "https" && u.Port() == "80" {
			return fmt.Sprintf("%q: port 80 is where Debian's Apache serves plain http (ports.conf): serve https on another port", s)
		}
		if scheme == "http" && u.Port() == "443" {
			return fmt.Sprintf("%q: port 443 is where Debian's Apache serves https (ports.conf, with mod_ssl): serve plain http on another port", s)
		}
		if strings.Contains(u.Path, "//") {
			return fmt.Sprintf("%q: the path has an empty segment (//)", s)
		}
		if !strings.HasSuffix(u.Path, "/") {
			return fmt.Sprintf("%q must end with /", s)
		}
		if urlPathChars.bad(u.Path) != "" || path.Clean(u.Path)+"/" != u.Path && u.Path != "/" {
			return fmt.Sprintf("%q: the path must be clean and use only letters, digits and . _ ~ / + -", s)
		}
	}
	return ""
}

// checkAbsPath checks a path on the boot server.
func checkAbsPath(s string) string {
	if !strings.HasPrefix(s, "/") {
		return fmt.Sprintf("%q is not absolute", s)
	}
	if s == "/" {
		return "must not be /"
	}
	if strings.HasSuffix(s, "/") || path.Clean(s) != s {
		return fmt.Sprintf("%q is not a clean path (want %q)", s, strings.TrimSuffix(path.Clean(s), "/"))
	}
	for _, seg := range strings.Split(s[1:], "/") {
		if bad := segmentChars.bad(seg); bad != "" {
			return fmt.Sprintf("%q contains %s; path components may use letters, digits and %s", s, bad, spaced(segmentChars))
		}
	}
	return ""
}

// checkArgs checks kernel arguments. Words are separated by spaces; the
// caller joins them with single spaces.
func checkArgs(s string) string {
	if bad := argChars.bad(s); bad != "" {
		return "contains " + bad + "; kernel arguments may use letters, digits, spaces and " + spaced(argChars[1:])
	}
	for _, w := range strings.Fields(s) {
		switch {
		case w == "&&":
			return `contains the word "&&", an iPXE command operator`
		case strings.HasPrefix(w, "initrd="):
			return "contains initrd=: list initrds under the profile's initrd key"
		}
	}
	return ""
}

// ParseMAC parses a MAC address written aa:bb:cc:dd:ee:ff or AA-BB-CC-DD-EE-FF
// and refuses addresses no network card has: all-zero, broadcast and
// multicast.
func ParseMAC(s string) (net.HardwareAddr, error) {
	if !macSyntax.MatchString(s) || strings.ContainsRune(s, ':') && strings.ContainsRune(s, '-') {
		return nil, fmt.Errorf("%q is not a MAC address: want six hex octets separated by : or -", s)
	}
	mac, err := net.ParseMAC(strings.ReplaceAll(s, "-", ":"))
	if err != nil {
		return nil, fmt.Errorf("%q is not a MAC address: %v", s, err)
	}
	switch {
	case mac.String() == "00:00:00:00:00:00":
		return nil, fmt.Errorf("%s is the all-zero MAC address", mac)
	case mac.String() == "ff:ff:ff:ff:ff:ff":
		return nil, fmt.Errorf("%s is the broadcast MAC address", mac)
	case mac[0]&1 == 1:
		return nil, fmt.Errorf("%s is a multicast MAC address (lowest bit of the first octet set)", mac)
	}
	return mac, nil
}

// ParseClientID parses a DHCP client identifier (option 61) as an
// inventory writes it: 2 to 255 octets, each two hex digits, with colons
// between them. It returns it lower-cased, as dhcpd, Kea and dnsmasq are
// given it; nothing but hex digits and colons gets through.
func ParseClientID(s string) (string, error) {
	if len(s) > MaxClientIDLen || !clientIDSyntax.MatchString(s) {
		return "", fmt.Errorf("%q is not a client identifier: want 2 to 255 octets, each two hex digits, separated by colons (ff:00:00:00:00:00:02:00:00:02:c9:00:...)", s)
	}
	return strings.ToLower(s), nil
}

// ParseIPv4 parses a dotted-quad IPv4 address with no prefix length and no
// leading zeros.
func ParseIPv4(s string) (netip.Addr, error) {
	if strings.Contains(s, "/") {
		return netip.Addr{}, fmt.Errorf("%q has a prefix length; want a plain IPv4 address", s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return netip.Addr{}, fmt.Errorf("%q is not an IPv4 address (dotted quad, no leading zeros)", s)
	}
	return a, nil
}

// ParseSubnet parses an IPv4 network in CIDR form with no host bits set.
func ParseSubnet(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("%q is not an IPv4 subnet in CIDR form (10.1.1.0/24)", s)
	}
	if p.Masked() != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set; the subnet is %s", s, p.Masked())
	}
	if p.Bits() < 8 || p.Bits() > 30 {
		return netip.Prefix{}, fmt.Errorf("%q: prefix length must be between 8 and 30", s)
	}
	if p.Addr().As4()[0] == 0 {
		return netip.Prefix{}, fmt.Errorf("%q: 0.0.0.0/8 means \"this network\" and cannot be served", s)
	}
	return p, nil
}

// ParsePool parses a dynamic range "FIRST-LAST".
func ParsePool(s string) (first, last netip.Addr, err error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return first, last, fmt.Errorf("%q is not a range: want FIRST-LAST", s)
	}
	if first, err = ParseIPv4(strings.TrimSpace(a)); err != nil {
		return first, last, err
	}
	if last, err = ParseIPv4(strings.TrimSpace(b)); err != nil {
		return first, last, err
	}
	if last.Less(first) {
		return first, last, fmt.Errorf("%q is out of order: %s comes after %s", s, first, last)
	}
	return first, last, nil
}

// Broadcast returns the last address of p.
func Broadcast(p netip.Prefix) netip.Addr {
	a := p.Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v |= host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// spaced lists the characters of c for an error message.
func spaced(c charset) string {
	return strings.Join(strings.Split(string(c), ""), " ")
}
