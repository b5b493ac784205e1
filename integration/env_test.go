//go:build integration

// Package integration serves rendered trees with the real daemons (ISC
// dhcpd, xinetd with tftpd-hpa, Apache) inside a network namespace the test
// creates, and boots QEMU VMs, BIOS and UEFI, from them. Run it with
// `make integration` as root after `make deps`. With PXEGEN_INTEGRATION=1
// a missing tool is a failure, not a skip.
package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// require skips the test, or fails it under PXEGEN_INTEGRATION=1, unless ok.
func require(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("PXEGEN_INTEGRATION") == "1" {
		t.Fatalf("the integration suite needs %s (make deps installs it)", what)
	}
	t.Skipf("needs %s; set PXEGEN_INTEGRATION=1 to make this a failure", what)
}

func requireCommands(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		_, err := exec.LookPath(n)
		require(t, err == nil, "the command "+n)
	}
}

func requireRoot(t *testing.T) {
	t.Helper()
	require(t, os.Geteuid() == 0, "root (network namespaces, tap devices, bind mounts)")
}

// run runs a command and fails the test with its output if it fails.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// firstExisting returns the first of paths that exists.
func firstExisting(paths ...string) string {
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// cacheDir holds what is expensive to fetch (the kernel) between runs:
// $PXEGEN_CACHE, else .cache/integration in the repository.
func cacheDir(t *testing.T) string {
	dir := os.Getenv("PXEGEN_CACHE")
	if dir == "" {
		// The repository's .cache, which git ignores; tests run in
		// integration/.
		dir = filepath.Join("..", ".cache", "integration")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

var assetsMu sync.Mutex

// debFile returns one file of a Debian package, downloaded once with
// apt-get download and cached under name: the first that matches the glob
// inside the package. pkg may name an architecture (busybox-static:arm64),
// which make deps adds to dpkg. A package named by a metapackage's
// dependency (the kernel) is found through it.
func debFile(t *testing.T, name, pkg, glob string) string {
	t.Helper()
	assetsMu.Lock()
	defer assetsMu.Unlock()
	cached := filepath.Join(cacheDir(t), name)
	if _, err := os.Stat(cached); err == nil {
		return cached
	}
	requireCommands(t, "apt-cache", "apt-get", "dpkg")
	tmp := t.TempDir()
	cmd := exec.Command("apt-get", "download", pkg)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		// The package lists may be stale or missing (a new machine).
		run(t, "apt-get", "update", "-qq")
		cmd = exec.Command("apt-get", "download", pkg)
		cmd.Dir = tmp
		if out2, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("apt-get download %s: %v\n%s\n%s", pkg, err, out, out2)
		}
	}
	debs, _ := filepath.Glob(filepath.Join(tmp, "*.deb"))
	if len(debs) != 1 {
		t.Fatalf("apt-get download %s left %v", pkg, debs)
	}
	run(t, "dpkg", "-x", debs[0], filepath.Join(tmp, "x"))
	files, _ := filepath.Glob(filepath.Join(tmp, "x", glob))
	if len(files) == 0 {
		t.Fatalf("%s holds no %s", debs[0], glob)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(cached), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cached+".tmp", data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(cached+".tmp", cached); err != nil {
		t.Fatal(err)
	}
	return cached
}

// kernelPackage is the versioned kernel package a metapackage depends on
// (linux-image-amd64 -> linux-image-6.1.0-NN-amd64).
func kernelPackage(t *testing.T, meta string) string {
	t.Helper()
	deps := run(t, "apt-cache", "depends", meta)
	m := regexp.MustCompile(`Depends: (linux-image-\S+)`).FindStringSubmatch(deps)
	if m == nil {
		run(t, "apt-get", "update", "-qq")
		deps = run(t, "apt-cache", "depends", meta)
		if m = regexp.MustCompile(`Depends: (linux-image-\S+)`).FindStringSubmatch(deps); m == nil {
			t.Fatalf("cannot tell which kernel package %s depends on:\n%s", meta, deps)
		}
	}
	return m[1]
}

// kernel returns Debian's x86-64 kernel.
func kernel(t *testing.T) string {
	if cached := filepath.Join(cacheDir(t), "vmlinuz"); fileExists(cached) {
		return cached
	}
	return debFile(t, "vmlinuz", kernelPackage(t, "linux-image-amd64"), "boot/vmlinuz-*")
}

// arm64Assets are what the ARM64 VMs boot: Debian's arm64 kernel (an
// uncompressed Image), a static busybox for their initrd, and Debian's
// signed GRUB, for the network (grubnetaa64) and for the disk.
type arm64Assets struct {
	kernel, busybox, netGRUB, diskGRUB string
}

func arm64Files(t *testing.T) arm64Assets {
	if !fileExists(filepath.Join(cacheDir(t), "arm64", "vmlinuz")) {
		requireCommands(t, "dpkg")
		out, _ := exec.Command("dpkg", "--print-foreign-architectures").Output()
		require(t, strings.Contains(string(out), "arm64"), "dpkg's arm64 architecture, for ARM64 packages (make deps adds it)")
	}
	return arm64Assets{
		kernel:   debFile(t, "arm64/vmlinuz", strings.TrimSuffix(kernelPackage(t, "linux-image-arm64:arm64"), ":arm64")+":arm64", "boot/vmlinuz-*"),
		busybox:  debFile(t, "arm64/busybox", "busybox-static:arm64", "bin/busybox"),
		netGRUB:  debFile(t, "arm64/grubnetaa64.efi", "grub-efi-arm64-signed:arm64", "usr/lib/grub/arm64-efi-signed/grubnetaa64.efi.signed"),
		diskGRUB: debFile(t, "arm64/grubaa64.efi", "grub-efi-arm64-signed:arm64", "usr/lib/grub/arm64-efi-signed/grubaa64.efi.signed"),
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// initrd builds the test initrd at dest: a static busybox (the host's,
// or the one given) and testdata/init.
func initrd(t *testing.T, dest, busybox string) {
	requireCommands(t, "cpio", "gzip")
	if busybox == "" {
		busybox = "/bin/busybox"
		out, _ := exec.Command("file", "-L", busybox).Output()
		if len(out) > 0 {
			require(t, bytes.Contains(out, []byte("statically linked")), "a static /bin/busybox (Debian: busybox-static)")
		}
	}
	root := t.TempDir()
	for _, d := range []string{"bin", "proc", "dev"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, busybox, filepath.Join(root, "bin", "busybox"), 0o755)
	copyFile(t, "testdata/init", filepath.Join(root, "init"), 0o755)
	cmd := exec.Command("sh", "-c", "find . | cpio -o -H newc --quiet | gzip -1 > "+dest)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build initrd: %v\n%s", err, out)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(to, mode); err != nil {
		t.Fatal(err)
	}
}

// tail returns the last n non-empty lines of s, cleaned of terminal escapes.
func tail(s string, n int) string {
	s = regexp.MustCompile(`\x1b\[[0-9;]*[A-Za-z]`).ReplaceAllString(s, "")
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r", "\n"), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, "    "+strings.TrimRight(l, " "))
		}
	}
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("    ... (%d lines before)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	if len(lines) == 0 {
		return "    (nothing)"
	}
	return strings.Join(lines, "\n")
}

// disks are the VMs' disk images: each one's boot code prints a marker,
// PXEGEN-DISK: bios or uefi, on the serial console and powers off.
type disks struct {
	bios  string // a raw image whose boot sector is testdata/disk/mbr.asm
	uefi  string // a directory QEMU serves as a FAT disk (fat:DIR)
	arm64 string // the same for ARM64: Debian's signed GRUB as BOOTAA64.EFI
}

// buildDisks builds the disk images in dir. The UEFI disk boots as an
// installed system does under Secure Boot: shim as the removable-media
// loader \EFI\BOOT\BOOTX64.EFI, Debian's signed GRUB beside it, and a
// grub.cfg that prints the marker and powers off.
func buildDisks(t *testing.T, dir string, arm64 bool) disks {
	requireCommands(t, "nasm")
	d := disks{bios: filepath.Join(dir, "bios.img"), uefi: filepath.Join(dir, "esp")}
	if arm64 {
		d.arm64 = filepath.Join(dir, "esp-arm64")
		boot := filepath.Join(d.arm64, "EFI", "BOOT")
		copyFile(t, arm64Files(t).diskGRUB, filepath.Join(boot, "BOOTAA64.EFI"), 0o644)
		writeGRUBMarker(t, d.arm64, "arm64")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mbr := filepath.Join(dir, "mbr.bin")
	run(t, "nasm", "-f", "bin", "-o", mbr, "testdata/disk/mbr.asm")
	sector, err := os.ReadFile(mbr)
	if err != nil {
		t.Fatal(err)
	}
	image := make([]byte, 1<<20)
	copy(image, sector)
	if err := os.WriteFile(d.bios, image, 0o644); err != nil {
		t.Fatal(err)
	}
	shim := firstExisting("/usr/lib/shim/shimx64.efi.signed")
	grub := firstExisting("/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed")
	require(t, shim != "" && grub != "", "shim-signed's and grub-efi-amd64-signed's loaders")
	boot := filepath.Join(d.uefi, "EFI", "BOOT")
	copyFile(t, shim, filepath.Join(boot, "BOOTX64.EFI"), 0o644)
	copyFile(t, grub, filepath.Join(boot, "grubx64.efi"), 0o644)
	writeGRUBMarker(t, d.uefi, "uefi")
	return d
}

// writeGRUBMarker gives the ESP at esp a grub.cfg that prints the disk's
// marker and powers off. Debian's GRUB reads $prefix/grub.cfg
// (\EFI\debian) if that exists, else the one beside itself.
func writeGRUBMarker(t *testing.T, esp, marker string) {
	cfg := "echo \"PXEGEN-DISK: " + marker + "\"\nhalt\n"
	for _, p := range []string{filepath.Join(esp, "EFI", "BOOT", "grub.cfg"), filepath.Join(esp, "EFI", "debian", "grub.cfg")} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
