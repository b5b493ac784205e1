package generate

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/pxegen/pxegen/inventory"
)

// Reference is a file that the rendered tree makes clients fetch and that
// pxegen does not write: a loader, a PXELINUX module, a kernel, an initrd
// or an EFI program. They are the sysadmin's to put under boot_root.
type Reference struct {
	// Path is below boot_root; URL is set instead for a file fetched
	// from elsewhere, which pxegen cannot look for.
	Path string `json:"path,omitempty"`
	URL  string `json:"url,omitempty"`
	// Uses says what fetches it and which inventory key names it, for
	// each use, sorted.
	Uses []string `json:"uses"`
}

// The modules PXELINUX loads from its path prefix (http_url, which the
// iPXE scripts set): its core, and the menu of pxelinux.cfg/default with
// the library it needs.
var pxelinuxModules = []string{"ldlinux.c32", "menu.c32", "libutil.c32"}

// References lists every file the site's tree references, sorted by path
// and then URL, each once with all its uses.
func (s *Site) References() []Reference {
	byKey := map[string]*Reference{}
	add := func(file, use string) {
		if file == "" {
			return
		}
		r := Reference{Path: file}
		switch {
		case strings.HasPrefix(file, s.Server.HTTPURL):
			// Over HTTP from boot_root, as Apache serves it.
			r.Path = strings.TrimPrefix(file, s.Server.HTTPURL)
		case strings.HasPrefix(file, "http://") || strings.HasPrefix(file, "https://"):
			r = Reference{URL: file}
		}
		key := r.Path + "\x00" + r.URL
		if byKey[key] == nil {
			byKey[key] = &r
		}
		if !slices.Contains(byKey[key].Uses, use) {
			byKey[key].Uses = append(byKey[key].Uses, use)
		}
	}
	bios := false
	for _, n := range s.Networks {
		for _, l := range n.Loaders {
			add(l.File, fmt.Sprintf("%s loader (%s)", l.Name, s.loaderKey(l)))
			if l.Code == 0 {
				bios = true
			}
			if l.Runs == RunsShim {
				// shim loads GRUB from its own directory, by this name.
				add(path.Join(path.Dir(l.File), "grubx64.efi"), "GRUB, which shim ("+l.File+") loads from its own directory")
			}
		}
	}
	for _, n := range s.Networks6 {
		for _, l := range n.V6.Loaders {
			add(s.Bootloaders.UEFI, fmt.Sprintf("%s loader over IPv6 (%s)", l.Name, l.File))
		}
	}
	for _, h := range s.Hosts {
		// A host whose secure_boot differs from its network's gets its
		// own UEFI loader in its DHCP entry.
		if h.UEFILoader != "" {
			add(h.UEFILoader, "x86-64 UEFI PXE loader of host "+h.Name+" (secure_boot)")
			if h.SecureBoot {
				add(path.Join(path.Dir(h.UEFILoader), "grubx64.efi"), "GRUB, which shim ("+h.UEFILoader+") loads from its own directory")
			}
		}
	}
	if bios {
		add(s.Bootloaders.PXELinux, "PXELINUX, which iPXE chains on BIOS (bootloaders.pxelinux)")
		for _, m := range pxelinuxModules {
			add(m, "PXELINUX module, fetched from http_url")
		}
	}
	resolved := s.inv.ResolvedProfiles()
	for _, p := range s.Profiles {
		if p.Local {
			continue
		}
		r := resolved[p.Name]
		what := "kernel"
		switch r.Kind {
		case inventory.KindMemtest:
			what = "BIOS image"
		case inventory.KindChain:
			what = "BIOS PXE program"
		}
		add(r.Kernel, fmt.Sprintf("%s of profile %s", what, p.Name))
		add(r.EFI, fmt.Sprintf("UEFI program of profile %s", p.Name))
		for _, f := range r.Initrd {
			add(f, fmt.Sprintf("initrd of profile %s", p.Name))
		}
		add(r.ARM64.Kernel, fmt.Sprintf("ARM64 kernel of profile %s", p.Name))
		for _, f := range r.ARM64.Initrd {
			add(f, fmt.Sprintf("ARM64 initrd of profile %s", p.Name))
		}
	}
	out := make([]Reference, 0, len(byKey))
	for _, r := range byKey {
		sort.Strings(r.Uses)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].URL < out[j].URL
	})
	return out
}

// loaderKey is the inventory key that names a loader.
func (s *Site) loaderKey(l Loader) string {
	if _, ok := s.Bootloaders.Arch[fmt.Sprint(l.Code)]; ok {
		return fmt.Sprintf("bootloaders.arch.%d", l.Code)
	}
	switch {
	case l.Code == 0:
		return "bootloaders.bios"
	case l.Code == 11:
		return "bootloaders.arm64"
	case l.Runs == RunsShim:
		return "bootloaders.shim"
	}
	return "bootloaders.uefi"
}
