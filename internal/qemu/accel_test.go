package qemu

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestChooseForced(t *testing.T) {
	// A probe that cannot run: a forced choice must not try it.
	p := Probe{Binary: "/nonexistent/qemu", Timeout: time.Second}
	for _, forced := range []string{KVM, TCG} {
		a, err := Choose(context.Background(), p, forced, "/nonexistent/kvm")
		if err != nil || a.Name != forced || !strings.Contains(a.Why, EnvAccel) {
			t.Errorf("forced %s: got %v, %v", forced, a, err)
		}
	}
	if _, err := Choose(context.Background(), p, "hvf", "/dev/kvm"); err == nil || !strings.Contains(err.Error(), EnvAccel) {
		t.Errorf("an unknown forced accelerator was accepted: %v", err)
	}
}

func TestChooseWithoutKVMDevice(t *testing.T) {
	p := Probe{Binary: "/nonexistent/qemu", Timeout: time.Second}
	a, err := Choose(context.Background(), p, "", filepath.Join(t.TempDir(), "kvm"))
	if err != nil || a.Name != TCG || !strings.Contains(a.Why, "no usable") {
		t.Errorf("got %v, %v; want TCG for a missing device", a, err)
	}
}

// TestFailure: what QEMU says when KVM fails is told apart from a guest
// that simply failed to boot.
func TestFailure(t *testing.T) {
	for _, tc := range []struct{ out, want string }{
		{"qemu-system-x86_64: warning: host doesn't support requested feature: CPUID.01H:ECX.pni [bit 0]\nKVM internal error. Suberror: 1\nextra data[0]: 0x1\nEAX=00000000",
			"KVM internal error. Suberror: 1"},
		{"qemu-system-x86_64: System Management Mode not supported by this hypervisor.\n",
			"qemu-system-x86_64: System Management Mode not supported by this hypervisor."},
		{"Could not access KVM kernel module: No such file or directory\nqemu-system-x86_64: failed to initialize kvm: No such file or directory\n",
			"Could not access KVM kernel module: No such file or directory"},
		{"qemu-system-x86_64: terminating on signal 15 from pid 4191\n", ""},
		{"", ""},
	} {
		if got := Failure(tc.out); got != tc.want {
			t.Errorf("Failure(%q) = %q, want %q", tc.out, got, tc.want)
		}
	}
}

// ovmf returns the firmware the suite boots, skipping (or failing, under
// PXEGEN_INTEGRATION=1) where QEMU or OVMF is missing.
func ovmf(t *testing.T) Probe {
	t.Helper()
	bin, err := exec.LookPath("qemu-system-x86_64")
	code := "/usr/share/OVMF/OVMF_CODE_4M.fd"
	if _, serr := os.Stat(code); err != nil || serr != nil {
		if os.Getenv("PXEGEN_INTEGRATION") == "1" {
			t.Fatalf("needs qemu-system-x86_64 and %s (make deps installs them)", code)
		}
		t.Skipf("needs qemu-system-x86_64 and %s", code)
	}
	return Probe{Binary: bin, Code: code, Vars: strings.Replace(code, "CODE", "VARS", 1), Timeout: time.Minute}
}

// TestProbeBoots is the probe's positive control: under software
// emulation, which runs anywhere, the real firmware reaches the marker.
// Without it, TestChooseFallsBack could pass with a probe that never
// passes.
func TestProbeBoots(t *testing.T) {
	p := ovmf(t)
	if took, err := p.Run(context.Background(), TCG); err != nil {
		t.Fatalf("OVMF under TCG: %v", err)
	} else {
		t.Logf("OVMF under TCG reached %q in %v", probeMarker, took)
	}
}

// TestChooseFallsBack points the KVM probe at a firmware that cannot
// start (an image of zeros): whether this machine's KVM works or not, the
// choice must be TCG, with the reason. /dev/null stands in for the KVM
// device so that the probe runs even where /dev/kvm is missing (QEMU then
// fails to open KVM, which is a probe failure too).
func TestChooseFallsBack(t *testing.T) {
	p := ovmf(t)
	bad := filepath.Join(t.TempDir(), "zeros.fd")
	if err := os.WriteFile(bad, make([]byte, 4<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	p.Code, p.Timeout = bad, 5*time.Second
	a, err := Choose(context.Background(), p, "", os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != TCG || !strings.Contains(a.Why, "KVM could not run OVMF (zeros.fd") {
		t.Fatalf("got %v; want TCG because KVM could not run the firmware", a)
	}
	t.Logf("chose %v", a)
}
