package inventory

import (
	"strings"
	"testing"
)

// Two problems at one key path are two problems: the per-site check
// kept only the first it met at each path.
func TestRTSiteProblemsAtOnePath(t *testing.T) {
	t.Run("both peers in the pool", func(t *testing.T) {
		doc := rtEdit(t, "{name: dc1, ip: 10.60.0.2}, {name: dc2, ip: 10.60.0.3}", "{name: dc1, ip: 10.60.0.120}, {name: dc2, ip: 10.60.0.130}")
		got := rtErrors(t, doc)
		for _, want := range []string{"contains sites[2].ha.peers[0] dc1's address 10.60.0.120", "contains sites[2].ha.peers[1] dc2's address 10.60.0.130"} {
			if !strings.Contains(got, want) {
				t.Errorf("missing %q in:\n%s", want, got)
			}
		}
	})
	t.Run("relay without gateway, server in no network", func(t *testing.T) {
		doc := rtEdit(t, "server: {ip: 10.50.0.2}", "server: {ip: 10.49.0.2}",
			"{name: branch, subnet: 10.51.0.0/24, gateway: 10.51.0.1, relay: true}", "{name: branch, subnet: 10.51.0.0/24, relay: true}")
		got := rtErrors(t, doc)
		for _, want := range []string{"a relayed network needs its gateway", "relays send requests to sites[0].server.ip 10.49.0.2, which no network holds"} {
			if !strings.Contains(got, want) {
				t.Errorf("missing %q in:\n%s", want, got)
			}
		}
	})
}

// One problem is one message, even when the whole and a site's view both
// see it in their own words.
func TestRTSiteServerIPOnce(t *testing.T) {
	for _, tc := range []struct{ from, to, want string }{
		{"server: {ip: 10.50.0.2}", "server: {domain: x.example.org}", "sites.yaml:5:13: sites[0].server.ip: required: the site's boot server's IPv4 address (or an HA pair, sites[0].ha)"},
		{"  - name: dc\n", "  - name: dc\n    server: {ip: 10.60.0.9}\n", "sites.yaml:11:18: sites[2].server.ip: with ha, each peer's ip is its own server address: leave the site's server.ip out"},
	} {
		if got := rtErrors(t, rtEdit(t, tc.from, tc.to)); got != tc.want {
			t.Errorf("got\n%s\nwant\n%s", got, tc.want)
		}
	}
}
