package inventory

import (
	"strings"
	"testing"
)

// Every site's server address is a static one: no other site's pool may
// lease it, no host have it, and no two sites share one.
func TestRTOtherSitesServerAddress(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edits []string
		want  string
	}{
		{"in another site's pool", []string{"server: {ip: 10.52.0.2}", "server: {ip: 10.50.0.150}"}, "networks[0].pool: contains sites[1].server.ip 10.50.0.150, site br's boot server's address"},
		{"a host's address", []string{"server: {ip: 10.52.0.2}", "server: {ip: 10.50.0.50}", "ip: 10.50.0.11, profile", "ip: 10.50.0.50, profile"}, "hosts[0].ip: 10.50.0.50 is sites[1].server.ip, site br's boot server's address"},
		{"in an HA site's pool", []string{"server: {ip: 10.52.0.2}", "server: {ip: 10.60.0.150}"}, "networks[3].pool: contains sites[1].server.ip 10.60.0.150, site br's boot server's address"},
		{"a peer in another site's pool", []string{"ip: 10.60.0.3}", "ip: 10.52.0.150}"}, "networks[2].pool: contains sites[2].ha.peers[1].ip 10.52.0.150, site dc's boot server's address"},
		{"two sites, one server", []string{"server: {ip: 10.52.0.2}", "server: {ip: 10.50.0.2}"}, "sites[1].server.ip: 10.50.0.2 is also sites[0].server.ip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := rtErrors(t, rtEdit(t, tc.edits...))
			if !strings.Contains(got, tc.want) {
				t.Errorf("got\n%s\nwant an error containing %q", got, tc.want)
			}
		})
	}
}
