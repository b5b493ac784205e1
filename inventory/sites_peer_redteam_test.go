package inventory

import (
	"strings"
	"testing"
)

// --peer names a peer of the site being rendered: on a site without a
// pair, say so, naming the site.
func TestRTPeerOnSiteWithoutHA(t *testing.T) {
	got := rtErrors(t, rtSites, WithSite("hq"), WithPeer("dc1"))
	if !strings.Contains(got, "--peer dc1: site hq has no ha section") {
		t.Errorf("got\n%s", got)
	}
}

// --peer without --site names no site's pair: check, which then runs every
// site, told each one-server site it had no ha section.
func TestRTPeerWithoutSite(t *testing.T) {
	got := rtErrors(t, rtSites, WithPeer("dc1"))
	if !strings.Contains(got, "sites: --peer dc1: a peer is one of a site's pair: give --site too") {
		t.Errorf("got\n%s", got)
	}
}
