package inventory

import (
	"strings"
	"testing"
)

// The messages of a site's view name the file's key paths in their text
// too, not the view's.
func TestRTSiteMessagesNameFilePaths(t *testing.T) {
	doc := rtEdit(t, "{name: dc1, ip: 10.60.0.2}, {name: dc2, ip: 10.60.0.3}", "{name: dc1, ip: 10.60.0.2}, {name: dc1, ip: 10.60.0.2}")
	got := rtErrors(t, doc)
	for _, want := range []string{`sites[2].ha.peers[1].name: "dc1" is also sites[2].ha.peers[0]`, `sites[2].ha.peers[1].ip: 10.60.0.2 is also sites[2].ha.peers[0]'s`} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}
