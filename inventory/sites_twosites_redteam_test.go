package inventory

import "testing"

// A host with NICs in two sites is one error: each site's view, which has
// the host, must not add that its other NIC is in none of the networks.
func TestRTHostOnTwoSitesOnce(t *testing.T) {
	doc := rtEdit(t, `{name: desk1, mac: "52:54:00:50:00:01", ip: 10.50.0.11, profile: p}`,
		`{name: desk1, profile: p, interfaces: [{mac: "52:54:00:50:00:01", ip: 10.50.0.11}, {mac: "52:54:00:50:00:02", ip: 10.52.0.11}]}`)
	want := "sites.yaml:22:5: hosts[0]: its addresses are in networks of sites hq and br: a host is one site's"
	if got := rtErrors(t, doc); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
