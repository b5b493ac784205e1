// Package qemu chooses the accelerator the integration suite runs its VMs
// under. KVM is much faster than TCG, software emulation, but a machine can
// have /dev/kvm and still be unable to run the guests: nested hypervisors
// that stop OVMF with a "KVM internal error", or that refuse System
// Management Mode, which Secure Boot firmware needs. So KVM is chosen only
// after it has booted a tiny guest the suite already has: OVMF with no
// disk and no network, until its boot manager reports on the serial
// console.
package qemu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The accelerators, as QEMU's -accel names them.
const (
	KVM = "kvm"
	TCG = "tcg"
)

// EnvAccel forces an accelerator: kvm or tcg. Empty means choose by probe.
const EnvAccel = "PXEGEN_QEMU_ACCEL"

// Accel is the accelerator chosen for a kind of guest, and why.
type Accel struct {
	Name string // KVM or TCG
	Why  string
}

func (a Accel) String() string { return a.Name + " (" + a.Why + ")" }

// Probe is a tiny guest: OVMF with no disk and no network, which prints its
// boot manager's progress (BdsDxe) on the serial console within seconds.
type Probe struct {
	Binary string // qemu-system-x86_64
	Code   string // the OVMF code image
	Vars   string // its variable store template, copied for the run
	// SMM runs the guest as Secure Boot VMs run: q35 with smm=on and the
	// flash in secure mode. Some hypervisors that run plain OVMF refuse it.
	SMM     bool
	Timeout time.Duration // how long KVM may take to reach the marker
}

// probeMarker is what OVMF's boot manager prints on the serial console
// once the firmware has come up, whichever firmware build and boot options.
const probeMarker = "BdsDxe:"

// Describe names the probe guest for messages.
func (p Probe) Describe() string {
	if p.SMM {
		return "OVMF with SMM (" + filepath.Base(p.Code) + ", q35,smm=on)"
	}
	return "OVMF (" + filepath.Base(p.Code) + ", q35)"
}

// Choose picks the accelerator for guests like p's: the one forced by
// forced (the value of EnvAccel) if set; otherwise KVM if kvmDevice can be
// opened and KVM boots the probe guest; otherwise TCG. It returns an error
// only for a forced value it does not know.
func Choose(ctx context.Context, p Probe, forced, kvmDevice string) (Accel, error) {
	switch forced {
	case KVM, TCG:
		return Accel{forced, EnvAccel + "=" + forced}, nil
	case "":
	default:
		return Accel{}, fmt.Errorf("%s=%q: want %s or %s", EnvAccel, forced, KVM, TCG)
	}
	f, err := os.OpenFile(kvmDevice, os.O_RDWR, 0)
	if err != nil {
		return Accel{TCG, fmt.Sprintf("no usable %s: %v", kvmDevice, err)}, nil
	}
	f.Close()
	took, err := p.Run(ctx, KVM)
	if err != nil {
		return Accel{TCG, fmt.Sprintf("KVM could not run %s: %v", p.Describe(), err)}, nil
	}
	return Accel{KVM, fmt.Sprintf("KVM booted %s to its boot manager in %v", p.Describe(), took.Round(100*time.Millisecond))}, nil
}

// Run boots the probe guest under accel until the firmware reports on the
// serial console, and returns how long that took; an error says why it did
// not get there (QEMU's own complaint where it made one).
func (p Probe) Run(ctx context.Context, accel string) (time.Duration, error) {
	dir, err := os.MkdirTemp("", "pxegen-accel-probe-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	vars := filepath.Join(dir, "vars.fd")
	data, err := os.ReadFile(p.Vars)
	if err != nil {
		return 0, fmt.Errorf("read the variable store: %w", err)
	}
	if err := os.WriteFile(vars, data, 0o644); err != nil {
		return 0, err
	}
	serial := filepath.Join(dir, "serial")
	machine := "q35"
	var args []string
	if p.SMM {
		machine = "q35,smm=on"
		args = append(args, "-global", "driver=cfi.pflash01,property=secure,value=on")
	}
	args = append(args, "-accel", accel, "-machine", machine, "-m", "256", "-display", "none",
		"-no-reboot", "-nic", "none", "-serial", "file:"+serial,
		"-drive", "if=pflash,format=raw,readonly=on,file="+p.Code,
		"-drive", "if=pflash,format=raw,file="+vars)
	ctx, cancel := context.WithTimeout(ctx, p.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.Binary, args...)
	cmd.SysProcAttr = DieWithParent()
	var out Output
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stop := func() {
		cmd.Process.Kill()
		<-done
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			// QEMU ended before the marker: it refused the machine (SMM) or
			// the accelerator, and said why.
			return 0, fmt.Errorf("qemu exited (%v) before the firmware started: %s", err, qemuComplaint(out.String()))
		case <-ctx.Done():
			stop()
			text, _ := os.ReadFile(serial)
			why := fmt.Sprintf("the firmware printed no %q within %v", probeMarker, p.Timeout)
			if complaint := Failure(out.String()); complaint != "" {
				why += ": " + complaint
			} else if len(bytes.TrimSpace(text)) == 0 {
				why += " (nothing at all on the serial console)"
			}
			return 0, errors.New(why)
		case <-tick.C:
			text, _ := os.ReadFile(serial)
			if bytes.Contains(text, []byte(probeMarker)) {
				took := time.Since(start)
				stop()
				return took, nil
			}
			// A failed KVM leaves QEMU running, stuck: no need to wait.
			if complaint := Failure(out.String()); complaint != "" {
				stop()
				return 0, errors.New(complaint)
			}
		}
	}
}

// kvmFailures are what QEMU prints when KVM, not the guest, has failed.
var kvmFailures = []string{
	"KVM internal error",
	"System Management Mode not supported",
	"kvm run failed",
	"KVM: entry failed",
	"failed to initialize kvm",
	"Could not access KVM kernel module",
}

// Failure returns the line of QEMU's output that says the accelerator
// failed, or "" when there is none: a guest that fails this way says
// nothing about the files it was booting.
func Failure(qemuOutput string) string {
	for _, line := range strings.Split(qemuOutput, "\n") {
		for _, f := range kvmFailures {
			if strings.Contains(line, f) {
				return strings.TrimSpace(line)
			}
		}
	}
	return ""
}

// qemuComplaint is the gist of QEMU's output: its accelerator failure if
// any, else its last non-warning line.
func qemuComplaint(out string) string {
	if f := Failure(out); f != "" {
		return f
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" && !strings.Contains(l, "warning:") {
			return l
		}
	}
	return "no message"
}

// Output collects a QEMU process's output while it runs, so that its
// complaints can be read before it ends.
type Output struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Output) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *Output) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
