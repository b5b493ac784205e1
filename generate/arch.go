package generate

import (
	"fmt"
	"sort"

	"github.com/pxegen/pxegen/inventory"
)

// ArchType is a client system architecture type, option 93 (RFC 4578 and
// IANA's registry): which CPU the firmware runs and whether it boots over
// HTTP (UEFI HTTP boot, which takes a URL and needs option 60 HTTPClient
// echoed) rather than TFTP.
type ArchType struct {
	Code int
	CPU  string // x86_64, arm64, or another name pxegen has no kernels for
	HTTP bool
	Name string
}

// archTypes are the types pxegen names; any other code is a PXE type of
// an unknown CPU.
var archTypes = map[int]ArchType{
	0:  {0, inventory.ArchX86_64, false, "BIOS PXE"},
	6:  {6, "ia32", false, "IA32 UEFI PXE"},
	7:  {7, inventory.ArchX86_64, false, "x86-64 UEFI PXE"},
	9:  {9, inventory.ArchX86_64, false, "x86-64 UEFI PXE"},
	10: {10, "arm32", false, "ARM32 UEFI PXE"},
	11: {11, inventory.ArchARM64, false, "ARM64 UEFI PXE"},
	15: {15, "ia32", true, "IA32 UEFI HTTP boot"},
	16: {16, inventory.ArchX86_64, true, "x86-64 UEFI HTTP boot"},
	18: {18, "arm32", true, "ARM32 UEFI HTTP boot"},
	19: {19, inventory.ArchARM64, true, "ARM64 UEFI HTTP boot"},
}

// archType returns the type with code.
func archType(code int) ArchType {
	if t, ok := archTypes[code]; ok {
		return t
	}
	return ArchType{Code: code, CPU: "unknown", Name: fmt.Sprintf("option 93 = %d", code)}
}

// The chains a loader runs.
const (
	RunsIPXE = "ipxe" // iPXE, then pxegen's iPXE scripts
	RunsGRUB = "grub" // GRUB, then its configs under grub_dir
	RunsShim = "shim" // shim, which runs GRUB
)

// Loader is what DHCP gives clients of one architecture type in one
// network: a boot file (a URL for HTTP boot) and the chain it runs.
type Loader struct {
	ArchType
	File string // as DHCP sends it: a path below boot_root, or a URL
	Runs string
	// Hex is the code as a 16-bit value for dhcpd and dnsmasq (00:07),
	// KeaHex as Kea writes it (0x0007), Tag the dnsmasq tag and Kea class
	// suffix (arch-7).
	Hex, KeaHex, Tag string
}

func newLoader(code int, file, runs string) Loader {
	return Loader{ArchType: archType(code), File: file, Runs: runs,
		Hex: fmt.Sprintf("%02x:%02x", code>>8, code&0xff), KeaHex: fmt.Sprintf("0x%04x", code), Tag: fmt.Sprintf("arch-%d", code)}
}

// networkLoaders are the loaders of one network, by code, sorted: the
// defaults for the CPU architectures it lists, then bootloaders.arch,
// which adds iPXE builds for other types or takes a default away.
//   - x86_64: 0 gets the BIOS loader; 7 and 9 the UEFI loader, or shim in
//     a Secure Boot network; 16 the UEFI loader over HTTP, but nothing in a
//     Secure Boot network, since Debian's GRUB cannot boot from UEFI HTTP
//     boot (it finds no config) and iPXE is unsigned.
//   - arm64: 11 gets GRUB (bootloaders.arm64); 19 nothing, for the same
//     reason.
func (s *Site) networkLoaders(n *Network, arches []string, uefi string) []Loader {
	byCode := map[int]Loader{}
	has := func(a string) bool {
		for _, x := range arches {
			if x == a {
				return true
			}
		}
		return false
	}
	if has(inventory.ArchX86_64) {
		byCode[0] = newLoader(0, s.Bootloaders.BIOS, RunsIPXE)
		runs := RunsIPXE
		if n.SecureBoot {
			runs = RunsShim
		} else {
			byCode[16] = newLoader(16, s.Server.HTTPURL+s.Bootloaders.UEFI, RunsIPXE)
		}
		byCode[7] = newLoader(7, uefi, runs)
		byCode[9] = newLoader(9, uefi, runs)
	}
	if has(inventory.ArchARM64) {
		byCode[11] = newLoader(11, s.Bootloaders.ARM64, RunsGRUB)
	}
	for _, code := range s.Bootloaders.ArchCodes() {
		if n.SecureBoot && (code == 7 || code == 9 || code == 16) {
			continue // the signed chain, whatever the map says
		}
		file := s.Bootloaders.Arch[fmt.Sprint(code)]
		if file == "" {
			delete(byCode, code)
			continue
		}
		if archType(code).HTTP {
			file = s.Server.HTTPURL + file
		}
		byCode[code] = newLoader(code, file, RunsIPXE)
	}
	codes := make([]int, 0, len(byCode))
	for c := range byCode {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	out := make([]Loader, len(codes))
	for i, c := range codes {
		out[i] = byCode[c]
	}
	return out
}

// Loader returns the network's loader for architecture type code, if any.
func (n *Network) Loader(code int) (Loader, bool) {
	for _, l := range n.Loaders {
		if l.Code == code {
			return l, true
		}
	}
	return Loader{}, false
}
