package generate_test

import (
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/inventory"
)

// TestExplainEveryHost asks explain about every host of every golden case
// on every firmware: each answer ends in a boot, every file a step fetches
// from boot_root is one pxegen rendered or a loader the user installs, and
// the profile and command line are the host's own.
func TestExplainEveryHost(t *testing.T) {
	engine, err := generate.New("")
	if err != nil {
		t.Fatal(err)
	}
	cases, _ := filepath.Glob("../golden/*/out")
	for _, out := range cases {
		inv, err := inventory.Load(filepath.Join(filepath.Dir(out), "inventory.yaml"), inventory.KeepPositions())
		if err != nil {
			t.Fatal(err)
		}
		tree, err := engine.Render(inv)
		if err != nil {
			t.Fatal(err)
		}
		rendered := map[string]bool{}
		for _, f := range tree {
			rendered[f.Path] = true
		}
		root := strings.TrimPrefix(inv.Paths.BootRoot, "/")
		for _, h := range inv.Hosts {
			ip := h.IP
			if ip == "" {
				ip = inv.Networks[0].Pool[:strings.IndexByte(inv.Networks[0].Pool+"-", '-')]
				if ip == "" {
					continue
				}
			}
			for _, arch := range generate.Arches {
				e, err := generate.Explain(inv, tree, generate.Query{MAC: h.MAC, IP: ip, Arch: arch})
				if err != nil {
					t.Errorf("%s: host %s, %s: %v", out, h.Name, arch, err)
					continue
				}
				if want := servedArch(inv, ip, arch); e.Boots.Via == "none" {
					if want {
						t.Errorf("%s: host %s, %s: explain says it gets no boot file, but its network serves it", out, h.Name, arch)
					}
					continue
				} else if !want {
					t.Errorf("%s: host %s, %s: explain says it boots via %s, but its network has no loader for it", out, h.Name, arch, e.Boots.Via)
				}
				if !e.Boots.Local && e.Boots.Kernel == "" {
					t.Errorf("%s: host %s, %s: boots nothing", out, h.Name, arch)
				}
				for _, s := range e.Steps {
					if s.Fetch == "" || strings.Contains(s.Fetch, "://") || s.Stage == "tftp" || s.Stage == "shim" || s.Fetch == inv.Bootloaders.PXELinux {
						continue // a URL, or a loader binary the user installs
					}
					if !rendered[root+"/"+s.Fetch] {
						t.Errorf("%s: host %s, %s: step %q fetches %s, which pxegen did not render", out, h.Name, arch, s.Summary, s.Fetch)
					}
				}
				if want := h.BootProfile(); want != "" && e.Boots.Profile != want {
					t.Errorf("%s: host %s, %s: boots profile %q, want %q", out, h.Name, arch, e.Boots.Profile, want)
				}
				if h.Append != "" && !e.Boots.Local && !strings.HasSuffix(e.Boots.Cmdline, h.Append) {
					t.Errorf("%s: host %s, %s: command line %q lacks the host's own %q", out, h.Name, arch, e.Boots.Cmdline, h.Append)
				}
			}
		}
	}
}

// servedArch says, from the inventory alone, whether a client of arch at
// ip gets a boot file: its network boots that CPU, Secure Boot networks
// serve no UEFI HTTP boot, nothing serves ARM64 HTTP boot (GRUB cannot
// start from it), and bootloaders.arch adds or takes away types.
func servedArch(inv *inventory.Inventory, ip, arch string) bool {
	code, _ := generate.ArchCode(arch)
	if f, ok := inv.Bootloaders.Arch[strconv.Itoa(code)]; ok {
		return f != ""
	}
	addr := netip.MustParseAddr(ip)
	for _, n := range inv.Networks {
		if !netip.MustParsePrefix(n.Subnet).Contains(addr) {
			continue
		}
		switch code {
		case 0, 7, 9:
			return n.HasArch(inventory.ArchX86_64)
		case 16:
			return n.HasArch(inventory.ArchX86_64) && !n.SecureBoot
		case 11:
			return n.HasArch(inventory.ArchARM64)
		}
		return false
	}
	return false
}
