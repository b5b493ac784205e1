package inventory

import (
	"strings"
	"testing"
)

// Each site's dnsmasq serves only that site's networks: their
// authoritative settings must agree within a site, not across sites.
func TestRTDnsmasqAuthoritativePerSite(t *testing.T) {
	// dnsmasq has no HA pair: dc is one server here.
	noHA := []string{"    ha:\n      peers: [{name: dc1, ip: 10.60.0.2}, {name: dc2, ip: 10.60.0.3}]\n", "    server: {ip: 10.60.0.2}\n"}
	doc := rtEdit(t, noHA[0], noHA[1], "profiles:", "targets: {dhcp: dnsmasq}\nprofiles:",
		"pool: 10.52.0.100-10.52.0.199}", "pool: 10.52.0.100-10.52.0.199, authoritative: false}")
	if got := rtErrors(t, doc); got != "" {
		t.Errorf("refused:\n%s", got)
	}
	doc = rtEdit(t, noHA[0], noHA[1], "profiles:", "targets: {dhcp: dnsmasq}\nprofiles:",
		"gateway: 10.51.0.1, relay: true}", "gateway: 10.51.0.1, relay: true, authoritative: false}")
	if got := rtErrors(t, doc); !strings.Contains(got, "networks[1].authoritative: not authoritative, but networks[0] (hq) is authoritative") {
		t.Errorf("a mix within one site is not refused, or not named by the file's paths:\n%s", got)
	}
}
