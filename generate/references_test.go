package generate

import (
	"slices"
	"strings"
	"testing"

	"github.com/pxegen/pxegen/inventory"
)

// TestReferences: every file a client fetches and pxegen does not write
// is listed once, below boot_root or as a URL: each network's loaders by
// architecture (GRUB beside shim, in shim's directory), PXELINUX and its
// modules only where BIOS clients boot, an HTTP boot loader by its path,
// and every profile's kernels, initrds and EFI programs; never the local
// profile.
func TestReferences(t *testing.T) {
	const site = `
server: {ip: 10.1.1.1}
bootloaders: {shim: efi/shimx64.efi, arch: {"19": arm/http.efi}}
networks:
  - {name: arm, subnet: 10.2.2.0/24, arches: [arm64], profile: deb}
  - {name: sb, subnet: 10.3.3.0/24, secure_boot: true, profile: deb}
profiles:
  deb: {kernel: d/linux, initrd: [d/initrd.gz, "http://10.9.9.9/extra.img"], arm64: {kernel: d/arm/linux, initrd: d/arm/initrd.gz}}
  mt: {kind: memtest, kernel: mt/x64.bin, efi: mt/x64.efi}
hosts:
  - {name: disk, mac: "52:54:00:00:00:01", boot: local}
  - {name: plain, mac: "52:54:00:00:00:02", ip: 10.3.3.5, secure_boot: false, profile: deb}
`
	inv, err := inventory.Parse("site.yaml", []byte(site))
	if err != nil {
		t.Fatal(err)
	}
	e, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	s, _, err := e.RenderSite(inv)
	if err != nil {
		t.Fatal(err)
	}
	var paths, urls []string
	for _, r := range s.References() {
		if len(r.Uses) == 0 {
			t.Errorf("%s%s: no use", r.Path, r.URL)
		}
		if r.URL != "" {
			urls = append(urls, r.URL)
			continue
		}
		paths = append(paths, r.Path)
	}
	want := []string{"arm/http.efi", "d/arm/initrd.gz", "d/arm/linux", "d/initrd.gz", "d/linux", "efi/grubx64.efi", "efi/shimx64.efi",
		"grubaa64.efi", "ldlinux.c32", "libutil.c32", "menu.c32", "mt/x64.bin", "mt/x64.efi", "pxelinux.0", "snponly.efi", "undionly.kpxe"}
	if !slices.Equal(paths, want) {
		t.Errorf("references below boot_root:\n got %s\nwant %s", strings.Join(paths, " "), strings.Join(want, " "))
	}
	if !slices.Equal(urls, []string{"http://10.9.9.9/extra.img"}) {
		t.Errorf("references by URL: %v", urls)
	}

	// Without BIOS clients (nor the host that needs iPXE), no PXELINUX.
	const armOnly = `
server: {ip: 10.1.1.1}
networks: [{name: arm, subnet: 10.2.2.0/24, arches: [arm64], profile: deb}]
profiles: {deb: {kernel: d/linux, arm64: {kernel: d/arm/linux}}}
`
	if inv, err = inventory.Parse("site.yaml", []byte(armOnly)); err != nil {
		t.Fatal(err)
	}
	if s, _, err = e.RenderSite(inv); err != nil {
		t.Fatal(err)
	}
	for _, r := range s.References() {
		if strings.HasSuffix(r.Path, ".c32") || r.Path == "pxelinux.0" || r.Path == "undionly.kpxe" {
			t.Errorf("an ARM64-only site references %s", r.Path)
		}
	}
}
