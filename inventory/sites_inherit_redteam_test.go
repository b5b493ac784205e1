package inventory

import (
	"testing"
)

// What a site inherits from the top-level server is checked once, where
// the file says it: not once more per site, at the site's line.
func TestRTSiteInheritedServerOnce(t *testing.T) {
	doc := rtEdit(t, "  domain: example.org\n", "  domain: \"bad domain\"\n  interfaces: [\"eth0 x\"]\n")
	got := rtErrors(t, doc)
	want := `sites.yaml:2:11: server.domain: "bad domain" is not a domain name: dot-separated labels of letters, digits and inner hyphens
sites.yaml:3:16: server.interfaces[0]: "eth0 x" is not an interface name: letters, digits, . _ and -, at most 15 characters`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}
