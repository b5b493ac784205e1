package generate_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/golden"
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
	cases := golden.Glob(t, "../golden/*/out")
	for _, out := range cases {
		inv, err := inventory.Load(filepath.Join(filepath.Dir(out), "inventory.yaml"), inventory.KeepPositions())
		if err != nil {
			t.Fatal(err)
		}
		site, tree, err := engine.RenderSite(inv)
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
				e, err := generate.Explain(site, tree, generate.Query{MAC: h.MAC, IP: ip, Arch: arch})
				if err != nil {
					t.Errorf("%s: host %s, %s: %v", out, h.Name, arch, err)
					continue
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
