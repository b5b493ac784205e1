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

var kernelOnce sync.Mutex

// kernel returns a Debian kernel, downloaded once from the package that
// linux-image-amd64 depends on and cached.
func kernel(t *testing.T) string {
	kernelOnce.Lock()
	defer kernelOnce.Unlock()
	cached := filepath.Join(cacheDir(t), "vmlinuz")
	if _, err := os.Stat(cached); err == nil {
		return cached
	}
	requireCommands(t, "apt-cache", "apt-get", "dpkg")
	deps := run(t, "apt-cache", "depends", "linux-image-amd64")
	m := regexp.MustCompile(`Depends: (linux-image-\S+)`).FindStringSubmatch(deps)
	if m == nil {
		run(t, "apt-get", "update", "-qq")
		deps = run(t, "apt-cache", "depends", "linux-image-amd64")
		if m = regexp.MustCompile(`Depends: (linux-image-\S+)`).FindStringSubmatch(deps); m == nil {
			t.Fatalf("cannot tell which kernel package linux-image-amd64 depends on:\n%s", deps)
		}
	}
	tmp := t.TempDir()
	cmd := exec.Command("apt-get", "download", m[1])
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("apt-get download %s: %v\n%s", m[1], err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(tmp, "*.deb"))
	if len(debs) != 1 {
		t.Fatalf("apt-get download %s left %v", m[1], debs)
	}
	run(t, "dpkg", "-x", debs[0], filepath.Join(tmp, "x"))
	images, _ := filepath.Glob(filepath.Join(tmp, "x", "boot", "vmlinuz-*"))
	if len(images) != 1 {
		t.Fatalf("%s holds no single kernel: %v", debs[0], images)
	}
	data, err := os.ReadFile(images[0])
	if err != nil {
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

// initrd builds the test initrd: a static busybox and testdata/init.
func initrd(t *testing.T, dest string) {
	requireCommands(t, "cpio", "gzip")
	busybox := "/bin/busybox"
	out, _ := exec.Command("file", "-L", busybox).Output()
	if len(out) > 0 {
		require(t, bytes.Contains(out, []byte("statically linked")), "a static /bin/busybox (Debian: busybox-static)")
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
	bios string // a raw image whose boot sector is testdata/disk/mbr.asm
	uefi string // a directory QEMU serves as a FAT disk (fat:DIR)
}

// buildDisks builds the disk images in dir. The UEFI disk boots as an
// installed system does under Secure Boot: shim as the removable-media
// loader \EFI\BOOT\BOOTX64.EFI, Debian's signed GRUB beside it, and a
// grub.cfg that prints the marker and powers off.
func buildDisks(t *testing.T, dir string) disks {
	requireCommands(t, "nasm")
	d := disks{bios: filepath.Join(dir, "bios.img"), uefi: filepath.Join(dir, "esp")}
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
	// Debian's GRUB reads $prefix/grub.cfg (\EFI\debian) if that exists,
	// else the one beside itself.
	cfg := "echo \"PXEGEN-DISK: uefi\"\nhalt\n"
	for _, p := range []string{filepath.Join(boot, "grub.cfg"), filepath.Join(d.uefi, "EFI", "debian", "grub.cfg")} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return d
}
