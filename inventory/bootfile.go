package inventory

import (
	"fmt"
	"strconv"
)

// MaxBootFileLen is the longest boot file name DHCP can send: the BOOTP
// file field holds 128 bytes, a NUL-terminated string (RFC 2131). Past it
// the servers disagree: dhcpd fills all 128 bytes and cuts a longer name
// short without a word, Kea takes 128 and refuses the configuration past
// that, dnsmasq keeps the NUL and cuts the field at 127, sending the whole
// name as option 67 only to a client that asks for it.
const MaxBootFileLen = 127

// The iPXE scripts DHCP names by URL below http_url: generate writes them
// under these names, and the boot file rule measures them.
const (
	// KnownScript is what DHCP names for iPXE on a host with a script of
	// its own.
	KnownScript = "ipxe/known.ipxe"
	// KnownIPScript is the same for an InfiniBand interface, whose own
	// script is named by its fixed address, not by a MAC (see
	// HostIPScript).
	KnownIPScript = "ipxe/known-ip.ipxe"
)

// HostIPScript is the script of the InfiniBand interface with the fixed
// address ip, which KnownIPScript fetches by iPXE's ${netX/ip}.
func HostIPScript(ip string) string { return "ipxe/hosts/ip-" + ip + ".ipxe" }

// HTTPBoot reports whether the client architecture type code (option 93)
// is a UEFI HTTP boot one, whose loader DHCP names by URL below http_url
// (RFC 4578 and IANA's registry: 15 IA32, 16 x86-64, 18 ARM32, 19 ARM64).
func HTTPBoot(code int) bool { return code == 15 || code == 16 || code == 18 || code == 19 }

// BootScript is the script DHCP names for the iPXE clients of a network
// that no host entry with a script names.
func BootScript(network string) string { return "ipxe/boot-" + network + ".ipxe" }

// bootFiles checks every name a DHCP server sends in the BOOTP file field
// against MaxBootFileLen: the loaders named by path, and the URLs built
// from http_url (iPXE's scripts, HTTP boot's loaders), each refused once
// at the key to shorten, naming the longest.
func (v *validator) bootFiles() {
	inv := v.inv
	tooLong := func(n int) string {
		return fmt.Sprintf("%d bytes; DHCP's boot file field holds at most %d (dhcpd would cut it short without a word, Kea refuses it, dnsmasq cuts it too unless the client asks for option 67)", n, MaxBootFileLen)
	}
	b := inv.Bootloaders
	for _, l := range []struct{ key, val string }{
		{"bootloaders.bios", b.BIOS}, {"bootloaders.uefi", b.UEFI},
		{"bootloaders.arm64", b.ARM64}, {"bootloaders.shim", b.Shim},
	} {
		if len(l.val) > MaxBootFileLen {
			v.errf(l.key, "DHCP sends it as the boot file name: %s", tooLong(len(l.val)))
		}
	}
	base := inv.Server.HTTPURL
	for _, k := range sortedKeys(b.Arch) {
		code, err := strconv.Atoi(k)
		f := b.Arch[k]
		switch {
		case err != nil || f == "":
			// Not a type (refused where the map is checked), or none.
		case HTTPBoot(code) && base != "" && len(base)+len(f) > MaxBootFileLen && len(f) <= MaxBootFileLen:
			v.errf("bootloaders.arch."+k, "DHCP gives type %d's HTTP boot clients the boot file http_url + this, which is %s: shorten http_url or this path", code, tooLong(len(base)+len(f)))
		case len(f) > MaxBootFileLen:
			v.errf("bootloaders.arch."+k, "DHCP sends it as the boot file name: %s", tooLong(len(f)))
		}
	}
	if base == "" {
		return // required, and refused where it is checked
	}
	if ipv6Only(inv) == len(inv.Networks) {
		return // no DHCPv4 answer at all; DHCPv6's option 59 has no such field
	}
	longest, or := KnownScript, ""
	if inv.hasClientIDs() {
		longest = KnownIPScript
	}
	for i, n := range inv.Networks {
		if v.skip(fmt.Sprintf("networks[%d].name", i)) || n.IPv6Only() {
			continue // too long to quote, and refused; or no DHCPv4 here
		}
		if s := BootScript(n.Name); len(s) > len(longest) {
			longest, or = s, " or network "+n.Name+"'s name"
		}
	}
	if n := len(base) + len(longest); n > MaxBootFileLen {
		v.errf("server.http_url", "DHCP gives iPXE the boot file http_url + %s, which is %s: shorten http_url (to at most %d bytes)%s",
			longest, tooLong(n), MaxBootFileLen-len(longest), or)
	}
	if n := len(base) + len(b.UEFI); n > MaxBootFileLen && len(b.UEFI) <= MaxBootFileLen {
		v.errf("server.http_url", "DHCP gives UEFI HTTP boot clients the boot file http_url + bootloaders.uefi, which is %s: shorten http_url or bootloaders.uefi", tooLong(n))
	}
}

// hasClientIDs reports whether some host has an InfiniBand interface,
// named by a client_id.
func (inv *Inventory) hasClientIDs() bool {
	for _, h := range inv.Hosts {
		for _, n := range h.Interfaces {
			if n.ClientID != "" {
				return true
			}
		}
	}
	return false
}
