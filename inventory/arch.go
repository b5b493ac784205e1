package inventory

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// archCode is an option 93 value written as pxegen names it: decimal, no
// leading zeros, at most 65535 (the option is 16 bits).
var archCode = regexp.MustCompile(`^(0|[1-9][0-9]{0,4})$`)

// ArchCodes returns the option 93 values of bootloaders.arch, sorted.
func (b Bootloaders) ArchCodes() []int {
	codes := make([]int, 0, len(b.Arch))
	for k := range b.Arch {
		if c, err := strconv.Atoi(k); err == nil {
			codes = append(codes, c)
		}
	}
	sort.Ints(codes)
	return codes
}

// ServesARM64 reports whether some network boots ARM64 machines.
func (inv *Inventory) ServesARM64() bool {
	for _, n := range inv.Networks {
		if n.HasArch(ArchARM64) {
			return true
		}
	}
	return false
}

// arches checks the CPU architectures: the loader map, what each network
// and host names, and that every profile a machine of an architecture
// boots unattended has a kernel for it.
func (v *validator) arches(nets []parsedNetwork) {
	inv := v.inv
	for _, k := range sortedKeys(inv.Bootloaders.Arch) {
		at := "bootloaders.arch." + k
		code, err := strconv.Atoi(k)
		if !archCode.MatchString(k) || err != nil || code > 0xffff {
			v.errf(at, "%q is not a client architecture: want an option 93 value, 0 to 65535, in decimal", k)
			continue
		}
		if f := inv.Bootloaders.Arch[k]; f != "" {
			v.check(at, checkRelPath(f))
		}
	}
	for i, n := range inv.Networks {
		at := fmt.Sprintf("networks[%d]", i)
		seen := map[string]bool{}
		for j, a := range n.Arches {
			p := fmt.Sprintf("%s.arches[%d]", at, j)
			switch {
			case !contains(CPUArches, a):
				v.errf(p, "%q: want one of %s", a, strings.Join(CPUArches, ", "))
			case seen[a]:
				v.errf(p, "%s is listed twice", a)
			}
			seen[a] = true
		}
		for _, a := range n.Arches {
			if n.Profile != "" {
				v.kernelFor(at+".profile", n.Profile, a, "network "+n.Name+" boots "+a+" machines (arches)")
			} else if inv.Menu.Default != "" {
				v.kernelFor(at+".arches", inv.Menu.Default, a, "network "+n.Name+" boots "+a+" machines (arches), and its clients get the menu, whose default is "+inv.Menu.Default)
			}
		}
	}
	for i, h := range inv.Hosts {
		if h.Arch == "" {
			continue
		}
		at := fmt.Sprintf("hosts[%d]", i)
		if !contains(CPUArches, h.Arch) {
			v.errf(at+".arch", "%q: want one of %s", h.Arch, strings.Join(CPUArches, ", "))
			continue
		}
		// Each provisioning interface boots in its own network.
		profiles := map[string]bool{}
		reported := map[string]bool{}
		for _, nic := range h.NICs(i) {
			profile := h.BootProfile()
			if ip, err := ParseIPv4(nic.IP); err == nil && nic.Provisions() {
				if n, ok := networkOf(nets, ip); ok {
					net := inv.Networks[n.index]
					if !net.HasArch(h.Arch) && !reported[net.Name] {
						reported[net.Name] = true
						v.errf(at+".arch", "%s machines get no loader in network %s, whose arches are %s", h.Arch, net.Name, strings.Join(net.Arches, ", "))
					}
					if profile == "" {
						profile = net.Profile
					}
				}
			}
			if profile != "" && !profiles[profile] {
				profiles[profile] = true
				v.kernelFor(at+".arch", profile, h.Arch, "host "+h.Name+" is "+h.Arch)
			}
		}
	}
}

// kernelFor reports, at p, that profile (a name that may be unknown: that
// is reported elsewhere) has no kernel for CPU architecture a.
func (v *validator) kernelFor(p, profile, a, why string) {
	if profile == LocalProfile {
		return
	}
	if _, ok := v.inv.Profiles[profile]; !ok || v.inherit.onCycle[profile] {
		return
	}
	r := v.resolved(profile)
	if r.Kernel == "" && r.ARM64.Kernel == "" {
		return // no kernel at all: said at the profile
	}
	if r.KernelFor(a) == "" {
		key := "kernel"
		if a == ArchARM64 {
			key = "arm64.kernel"
		}
		v.errf(p, "%s, but profile %s has no %s kernel: set %s in it or a profile it inherits", why, profile, a, key)
	}
}

// archOwn checks a profile's ARM64 kernel and initrds where they are
// written.
func (v *validator) archOwn(at string, p *Profile) {
	if p.ARM64.Kernel != "" {
		v.check(at+".arm64.kernel", checkFileRef(p.ARM64.Kernel))
	}
	for i, f := range p.ARM64.Initrd {
		v.check(fmt.Sprintf("%s.arm64.initrd[%d]", at, i), checkInitrd(f))
	}
}

// archResolved checks a profile's ARM64 boot with inheritance applied:
// initrds need a kernel, and names that iPXE can tell apart.
func (v *validator) archResolved(at string, r Profile) {
	if len(r.ARM64.Initrd) > 0 && r.ARM64.Kernel == "" {
		v.errf(at+".arm64.initrd", "initrds without an arm64.kernel to boot them")
	}
	seen := map[string]string{}
	for _, f := range r.ARM64.Initrd {
		if len(f) > MaxPathLen {
			continue
		}
		base := path.Base(f)
		if other, dup := seen[base]; dup {
			v.errf(at+".arm64.initrd", "%s and %s share the file name %s, which iPXE uses to name the initrd", other, f, base)
		}
		seen[base] = f
	}
}

// sortedKeys returns m's keys in order.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// arm64GRUB checks what GRUB, which ARM64 machines run, must fetch: their
// kernels and initrds, over TFTP or plain HTTP on port 80.
func (v *validator) arm64GRUB() {
	if !v.inv.ServesARM64() {
		return
	}
	for _, name := range v.names {
		p := v.inv.Profiles[name]
		if p == nil {
			continue
		}
		v.check("profiles."+name+".arm64.kernel", strings.Replace(grubFetchable(p.ARM64.Kernel), "Secure Boot clients", "ARM64 machines", 1))
		for i, f := range p.ARM64.Initrd {
			v.check(fmt.Sprintf("profiles.%s.arm64.initrd[%d]", name, i), strings.Replace(grubFetchable(f), "Secure Boot clients", "ARM64 machines", 1))
		}
	}
}

// kind checks what a profile of a standalone kind (memtest, chain) may
// hold, and reports whether the profile is a linux one, whose kernel
// rules then apply.
func (v *validator) kind(at string, r Profile) bool {
	switch r.Kind {
	case KindLinux:
		if r.EFI != "" {
			v.errf(at+".efi", "efi is for kind memtest or chain; a linux profile boots its kernel on BIOS and UEFI alike")
		}
		return true
	case KindMemtest, KindChain:
		if r.Kernel == "" && r.EFI == "" {
			v.errf(at, "no file to boot: set kernel (BIOS) or efi (UEFI) here or in a profile it inherits")
		}
		if len(r.Initrd) > 0 {
			v.errf(at+".initrd", "a %s profile boots no initrd", r.Kind)
		}
		if r.ARM64.Kernel != "" || len(r.ARM64.Initrd) > 0 {
			v.errf(at+".arm64", "a %s profile boots x86-64 machines only", r.Kind)
		}
	}
	return false
}
