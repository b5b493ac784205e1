package inventory

import "testing"

// A site whose networks are missing or all unknown is reported at its
// networks; its empty view must not add that the file has no networks.
func TestRTSiteWithoutNetworks(t *testing.T) {
	for _, tc := range []struct{ to, want string }{
		{"networks: []", "sites.yaml:9:15: sites[1].networks: required: the names of the networks this site's server serves"},
		{"networks: [nope]", `sites.yaml:9:16: sites[1].networks[0]: unknown network "nope"` + "\n" +
			`sites.yaml:17:12: networks[2].name: network "br" is no site's: list it in the networks of the site whose server serves it`},
	} {
		doc := rtEdit(t, "networks: [br]", tc.to)
		if tc.to == "networks: []" {
			doc = rtEdit(t, "networks: [br]", tc.to, "  - {name: br, subnet: 10.52.0.0/24, gateway: 10.52.0.1, pool: 10.52.0.100-10.52.0.199}\n", "")
		}
		if got := rtErrors(t, doc); got != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.to, got, tc.want)
		}
	}
}
