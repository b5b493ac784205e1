package inventory

import (
	"strings"
	"testing"
)

// A relaying site's server on another site's network: declaring that
// network, as the message said, is impossible (a network is one site's),
// so the message says whose it is.
func TestRTRelayServerOnOtherSitesNetwork(t *testing.T) {
	doc := rtEdit(t, "server: {ip: 10.52.0.2}\n    networks: [br]", "server: {ip: 10.50.0.60}\n    networks: [br]",
		"{name: br, subnet: 10.52.0.0/24, gateway: 10.52.0.1, pool: 10.52.0.100-10.52.0.199}", "{name: br, subnet: 10.52.0.0/24, gateway: 10.52.0.1, relay: true, pool: 10.52.0.100-10.52.0.199}")
	got := rtErrors(t, doc)
	want := "networks[2].relay: relays send requests to sites[1].server.ip 10.50.0.60, which is in network hq, site hq's"
	if !strings.Contains(got, want) {
		t.Errorf("got\n%s\nwant an error containing %q", got, want)
	}
}
