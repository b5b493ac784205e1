package generate_test

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/filetree"
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
		inv, err := inventory.Load(filepath.Join(filepath.Dir(out), "inventory.yaml"), inventory.KeepPositions(), inventory.WithPeer(golden.Peer(t, filepath.Dir(out))), inventory.WithSite(golden.Site(t, filepath.Dir(out))))
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
		for i, h := range inv.Hosts {
			for _, nic := range h.NICs(i) {
				if !nic.Provisions() {
					continue
				}
				ip := nic.IP
				if ip == "" {
					ip = inv.Networks[0].Pool[:strings.IndexByte(inv.Networks[0].Pool+"-", '-')]
					if ip == "" {
						continue
					}
				}
				explainHost(t, out, site, tree, inv, root, rendered, h, nic, ip)
			}
		}
	}
}

// explainHost is TestExplainEveryHost for one interface of host h, at ip.
func explainHost(t *testing.T, out string, site *generate.Site, tree filetree.Tree, inv *inventory.Inventory, root string, rendered map[string]bool, h inventory.Host, nic inventory.NIC, ip string) {
	t.Helper()
	h.IP = nic.IP // what bootFile reads: h is a copy
	for _, arch := range generate.Arches {
		id := nic.MAC
		if nic.ClientID != "" {
			id = nic.ClientID // an InfiniBand interface: explain takes its client id
		}
		e, err := generate.Explain(site, tree, generate.Query{MAC: id, IP: ip, Arch: arch})
		if err != nil {
			t.Errorf("%s: host %s, %s: %v", out, h.Name, arch, err)
			continue
		}
		iface := nic.Name
		if iface == "" && nic.Index >= 0 {
			iface = fmt.Sprintf("interfaces[%d]", nic.Index)
		}
		if e.Client.Host != h.Name || e.Client.Interface != iface {
			t.Errorf("%s: MAC %s, %s: explain names host %q interface %q, want %q %q", out, nic.MAC, arch, e.Client.Host, e.Client.Interface, h.Name, iface)
		}
		if e.Boots.Via == "boot_file" {
			if !bootFile(inv, h, ip, arch) {
				t.Errorf("%s: host %s, %s: explain says it gets a boot_file, but neither it nor its network has one for it", out, h.Name, arch)
			}
			continue
		} else if bootFile(inv, h, ip, arch) {
			t.Errorf("%s: host %s, %s: explain says it boots via %s, but its boot_file replaces the loader", out, h.Name, arch, e.Boots.Via)
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

// TestExplainSeveralNICs: explain knows a host by any of its MACs, says
// which interface matched, and cites that interface's line; a MAC of an
// interface that does not provision is a client DHCP has no entry for.
func TestExplainSeveralNICs(t *testing.T) {
	const site = `server: {ip: 10.1.1.1}
networks:
  - {name: lab, subnet: 10.1.1.0/24, pool: 10.1.1.100-10.1.1.200}
profiles:
  alpha: {kernel: k/alpha}
  beta: {kernel: k/beta}
menu: {default: beta}
hosts:
  - {name: first, mac: 52:54:00:00:00:01, ip: 10.1.1.5, profile: beta}
  - name: node
    profile: alpha
    interfaces:
      - {name: eth0, mac: 52:54:00:00:00:0a, ip: 10.1.1.10}
      - {name: eth1, mac: 52:54:00:00:00:0b, provision: false}
      - {mac: 52:54:00:00:00:0c, ip: 10.1.1.12}
`
	inv, err := inventory.Parse("site.yaml", []byte(site), inventory.KeepPositions())
	if err != nil {
		t.Fatal(err)
	}
	engine, err := generate.New("")
	if err != nil {
		t.Fatal(err)
	}
	s, tree, err := engine.RenderSite(inv)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mac, ip, iface, profile, line string
	}{
		{"52:54:00:00:00:0a", "", "eth0", "alpha", "site.yaml:13:9"},
		{"52:54:00:00:00:0c", "", "interfaces[2]", "alpha", "site.yaml:15:9"},
	} {
		for _, arch := range []string{generate.ArchBIOS, generate.ArchUEFI} {
			e, err := generate.Explain(s, tree, generate.Query{MAC: tc.mac, IP: tc.ip, Arch: arch})
			if err != nil {
				t.Fatalf("%s %s: %v", tc.mac, arch, err)
			}
			if e.Client.Host != "node" || e.Client.Interface != tc.iface || e.Boots.Profile != tc.profile {
				t.Errorf("%s %s: host %q interface %q boots %q, want node %q %q", tc.mac, arch, e.Client.Host, e.Client.Interface, e.Boots.Profile, tc.iface, tc.profile)
			}
			cited := false
			for _, step := range e.Steps {
				cited = cited || step.Because == tc.line
			}
			if !cited {
				t.Errorf("%s %s: no step cites the interface at %s: %+v", tc.mac, arch, tc.line, e.Steps)
			}
			var text strings.Builder
			if err := e.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if want := "(host node, interface "; !strings.Contains(text.String(), want) {
				t.Errorf("%s %s: the text does not say %q:\n%s", tc.mac, arch, want, text.String())
			}
		}
	}
	_, err = generate.Explain(s, tree, generate.Query{MAC: "52:54:00:00:00:0b", Arch: generate.ArchBIOS})
	if err == nil || !strings.Contains(err.Error(), "interface eth1 of host node") || !strings.Contains(err.Error(), "does not provision") {
		t.Errorf("a MAC that does not provision, without --ip: got %v, want an error that says whose it is and that it does not provision", err)
	}
	e, err := generate.Explain(s, tree, generate.Query{MAC: "52:54:00:00:00:0b", IP: "10.1.1.150", Arch: generate.ArchBIOS})
	if err != nil {
		t.Fatal(err)
	}
	if e.Client.Host != "" || e.Boots.Profile != "beta" || !strings.Contains(e.Client.Unprovisioned, "interface eth1 of host node") {
		t.Errorf("a MAC that does not provision: host %q, boots %q, unprovisioned %q; want no host entry, the menu's beta, and whose interface it is", e.Client.Host, e.Boots.Profile, e.Client.Unprovisioned)
	}
}

// bootFile reports whether a boot_file (the host's, or its network's when
// the host's own secure_boot does not choose the loader) answers the
// host, at ip, on the firmware arch: any but UEFI HTTP boot.
func bootFile(inv *inventory.Inventory, h inventory.Host, ip, arch string) bool {
	if arch == generate.ArchUEFIHTTP || arch == generate.ArchARM64HTTP {
		return false
	}
	if h.BootFile != "" {
		return true
	}
	// A host's own UEFI loader: where its secure_boot differs from its
	// network's (false, beside a boot_file), or anywhere when it has no
	// fixed address.
	if h.SecureBoot != nil && (*h.SecureBoot || h.IP == "") && arch == generate.ArchUEFI {
		return false
	}
	a, _ := inventory.ParseIPv4(ip)
	for _, n := range inv.Networks {
		if p, err := inventory.ParseSubnet(n.Subnet); err == nil && p.Contains(a) {
			return n.BootFile != ""
		}
	}
	return false
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
		if n.IPv6Only() || !netip.MustParsePrefix(n.Subnet).Contains(addr) {
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

// TestExplainRunsTheRenderedScripts: explain follows the iPXE scripts as
// rendered, so an override that changes what they do changes its answer,
// and a script that loops ends it instead of hanging it.
func TestExplainRunsTheRenderedScripts(t *testing.T) {
	const site = `server: {ip: 10.1.1.1}
networks:
  - {name: lab, subnet: 10.1.1.0/24, pool: 10.1.1.100-10.1.1.200}
profiles:
  alpha: {kernel: k/alpha}
  beta: {kernel: k/beta}
hosts:
  - {name: node, mac: 52:54:00:00:00:0a, ip: 10.1.1.10, profile: alpha}
`
	const mark = "#!ipxe\n# " + generate.Mark + "\n"
	node := generate.Query{MAC: "52:54:00:00:00:0a", Arch: generate.ArchUEFI}
	unknown := generate.Query{MAC: "52:54:00:00:00:99", IP: "10.1.1.150", Arch: generate.ArchUEFI}
	for name, tc := range map[string]struct {
		template, text string
		q              generate.Query
		want           generate.Boot
	}{
		"another kernel": {"ipxe/entry.ipxe.tmpl", mark + "kernel http://10.1.1.1/pxe/other {{.KernelLine}}\nboot\n", node,
			generate.Boot{Profile: "alpha", Kernel: "http://10.1.1.1/pxe/other", Via: "ipxe"}},
		"the menu's other default": {"ipxe/menu.ipxe.tmpl", mark + "choose --timeout 1000 --default beta profile || goto failed\n" +
			"chain --replace --autofree {{.Server.HTTPURL}}ipxe/profiles/${profile}.ipxe || goto failed\n:failed\nexit 1\n", unknown,
			generate.Boot{Profile: "beta", Kernel: "http://10.1.1.1/pxe/k/beta", Via: "ipxe"}},
		"known hosts boot their disks": {"ipxe/known.ipxe.tmpl", mark + "exit 1\n", node,
			generate.Boot{Local: true, Via: "ipxe"}},
		"a loop": {"ipxe/boot.ipxe.tmpl", mark + ":again\ngoto again\n", unknown, generate.Boot{}},
	} {
		t.Run(name, func(t *testing.T) {
			inv, err := inventory.Parse("site.yaml", []byte(site), inventory.KeepPositions())
			if err != nil {
				t.Fatal(err)
			}
			engine, err := generate.New(writeOverrides(t, map[string]string{tc.template: tc.text}))
			if err != nil {
				t.Fatal(err)
			}
			s, tree, err := engine.RenderSite(inv)
			if err != nil {
				t.Fatal(err)
			}
			e, err := generate.Explain(s, tree, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			got := e.Boots
			got.Because = ""
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("boots (-want +got):\n%s", diff)
			}
		})
	}
}
