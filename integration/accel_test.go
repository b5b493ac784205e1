//go:build integration

package integration

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pxegen/pxegen/internal/qemu"
)

// The accelerator is chosen once per test run for each kind of guest:
// plain (SeaBIOS, and OVMF without SMM) and SMM (OVMF with Secure Boot).
// SeaBIOS prints nothing on the serial console for a probe to see, and a
// KVM that runs OVMF runs SeaBIOS too, so BIOS guests follow the plain
// choice.
var accels struct {
	once   [2]sync.Once
	chosen [2]qemu.Accel
	err    [2]error
}

// accelProbeTimeout bounds the KVM probe: OVMF reaches its boot manager
// in a second or two under KVM; a KVM that cannot run it fails at once or
// hangs.
const accelProbeTimeout = 30 * time.Second

// ovmfImages are the firmware images a UEFI guest boots, with Secure Boot
// (smm) or without.
func ovmfImages(t *testing.T, smm bool) (code, varsTemplate string) {
	t.Helper()
	code = firstExisting("/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_CODE.fd")
	require(t, code != "", "OVMF (Debian: ovmf)")
	varsTemplate = strings.Replace(code, "CODE", "VARS", 1)
	if smm {
		// Secure Boot needs SMM, and Microsoft's keys, which signed shim.
		code = strings.Replace(code, ".fd", ".secboot.fd", 1)
		varsTemplate = strings.Replace(varsTemplate, ".fd", ".ms.fd", 1)
	}
	return code, varsTemplate
}

// accelFor returns the accelerator for guests with or without SMM,
// probing on first use, and logs the choice and why.
func accelFor(t *testing.T, smm bool) qemu.Accel {
	t.Helper()
	requireCommands(t, "qemu-system-x86_64")
	i := 0
	if smm {
		i = 1
	}
	code, vars := ovmfImages(t, smm)
	accels.once[i].Do(func() {
		p := qemu.Probe{Binary: "qemu-system-x86_64", Code: code, Vars: vars, SMM: smm, Timeout: accelProbeTimeout}
		accels.chosen[i], accels.err[i] = qemu.Choose(context.Background(), p, os.Getenv(qemu.EnvAccel), "/dev/kvm")
		if accels.err[i] == nil {
			kind := map[bool]string{false: "BIOS and UEFI guests", true: "Secure Boot (SMM) guests"}[smm]
			t.Logf("check accel: %s run under %s", kind, accels.chosen[i])
		}
	})
	if accels.err[i] != nil {
		t.Fatal(accels.err[i])
	}
	return accels.chosen[i]
}

// vmTimeout bounds one boot: 25-50 s under software emulation on a loaded
// machine, a few seconds under KVM.
func vmTimeout(a qemu.Accel) time.Duration {
	if a.Name == qemu.KVM {
		return 2 * time.Minute
	}
	return 5 * time.Minute
}
