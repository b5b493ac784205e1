package verify

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"

	"github.com/pxegen/pxegen/inventory"
)

var keaRelease = regexp.MustCompile(`^\d+\.\d+\.\d+`)

// KeaVersion checks that the installed Kea reads the configuration shape
// targets.kea_version (want) selects: Kea 2.7.4 renamed only-if-required
// and require-client-classes, which it deprecates, and older releases do
// not know the new names. `kea-dhcp4 -t` catches the second case and not
// the first, which a later Kea will refuse: this check says which
// kea_version to set either way.
func KeaVersion(ctx context.Context, want string) Result {
	r := Result{Check: "kea-version"}
	bin, err := exec.LookPath("kea-dhcp4")
	if err != nil {
		r.Status, r.Detail = Skipped, "kea-dhcp4 is not installed (Debian: kea-dhcp4-server)"
		return r
	}
	wanted, err := inventory.ParseKeaVersion(want)
	if err != nil {
		r.Status, r.Detail = Failed, err.Error()
		return r
	}
	out, err := dieWithParent(exec.CommandContext(ctx, bin, "-v")).Output()
	text := strings.TrimSpace(string(out))
	installed, perr := inventory.ParseKeaVersion(keaRelease.FindString(text))
	if err != nil || perr != nil {
		r.Status, r.Detail = Failed, fmt.Sprintf("kea-dhcp4 -v printed %q: cannot tell its version (%v)", text, err)
		return r
	}
	if installed.AdditionalClasses() == wanted.AdditionalClasses() {
		r.Status, r.Detail = Passed, fmt.Sprintf("kea-dhcp4 -v: %s, which reads what targets.kea_version %s writes", text, want)
		return r
	}
	set := fmt.Sprintf("set targets.kea_version: \"%d.%d\" (or check where the boot server's Kea runs)", installed.Major, installed.Minor)
	r.Status = Failed
	if installed.AdditionalClasses() {
		r.Detail = fmt.Sprintf("targets.kea_version is %s, but this kea-dhcp4 is %s, which deprecates only-if-required and require-client-classes (a later Kea refuses them): %s", want, text, set)
	} else {
		r.Detail = fmt.Sprintf("targets.kea_version is %s, but this kea-dhcp4 is %s, which does not know only-in-additional-list and evaluate-additional-classes: %s", want, text, set)
	}
	return r
}
