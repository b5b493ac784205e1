package inventory

import (
	"fmt"
	"regexp"
	"strconv"
)

// KeaVersion is a Kea release, as targets.kea_version and `kea-dhcp4 -v`
// write it.
type KeaVersion struct{ Major, Minor, Patch int }

// Kea releases whose configuration pxegen writes differently.
var (
	// MinKeaVersion is the oldest Kea pxegen writes for, and tests with:
	// Debian 12's.
	MinKeaVersion = KeaVersion{2, 2, 0}
	// KeaAdditionalClasses is the release that replaced only-if-required
	// and require-client-classes with only-in-additional-list and
	// evaluate-additional-classes, deprecating the old names, which later
	// releases are to refuse (Kea's ChangeLog, entry 2303).
	KeaAdditionalClasses = KeaVersion{2, 7, 4}
	// KeaClientClassesList is the release that replaced the client-class
	// of a pool (one name) with client-classes (a list), deprecating the
	// old name (Kea's ChangeLog, entry 2307; Kea 3.0 logs
	// DHCPSRV_CLIENT_CLASS_DEPRECATED for it).
	KeaClientClassesList = KeaVersion{2, 7, 5}
)

// DefaultKeaVersion is targets.kea_version when the inventory sets none:
// the Kea Debian 12 ships.
const DefaultKeaVersion = "2.2"

var keaVersionSyntax = regexp.MustCompile(`^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})(?:\.(0|[1-9][0-9]{0,3}))?$`)

// ParseKeaVersion parses MAJOR.MINOR or MAJOR.MINOR.PATCH; a missing
// patch is 0.
func ParseKeaVersion(s string) (KeaVersion, error) {
	m := keaVersionSyntax.FindStringSubmatch(s)
	if m == nil {
		return KeaVersion{}, fmt.Errorf("%q is not a Kea version: want MAJOR.MINOR or MAJOR.MINOR.PATCH, as kea-dhcp4 -v prints it (2.2, 2.6.1, 3.0)", s)
	}
	var v KeaVersion
	v.Major, _ = strconv.Atoi(m[1])
	v.Minor, _ = strconv.Atoi(m[2])
	if m[3] != "" {
		v.Patch, _ = strconv.Atoi(m[3])
	}
	return v, nil
}

// Less reports whether v is an earlier release than w.
func (v KeaVersion) Less(w KeaVersion) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	if v.Minor != w.Minor {
		return v.Minor < w.Minor
	}
	return v.Patch < w.Patch
}

func (v KeaVersion) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// AdditionalClasses reports whether v reads only-in-additional-list and
// evaluate-additional-classes, the names pxegen then writes.
func (v KeaVersion) AdditionalClasses() bool { return !v.Less(KeaAdditionalClasses) }

// ClientClassesList reports whether v reads a pool's client-classes list,
// which pxegen then writes instead of client-class.
func (v KeaVersion) ClientClassesList() bool { return !v.Less(KeaClientClassesList) }

// keaVersion checks targets.kea_version, whatever the DHCP target: --target
// kea must not turn a valid inventory into an invalid one.
func (v *validator) keaVersion() {
	s := v.inv.Targets.KeaVersion
	ver, err := ParseKeaVersion(s)
	switch {
	case err != nil:
		v.errf("targets.kea_version", "%v", err)
	case ver.Less(MinKeaVersion):
		v.errf("targets.kea_version", "%s: pxegen writes for Kea %d.%d and later", s, MinKeaVersion.Major, MinKeaVersion.Minor)
	}
}
