package inventory

import (
	"errors"
	"strings"
	"testing"
)

func TestSiteViews(t *testing.T) {
	doc := sitesInventory + "hosts:\n  - {name: h1, mac: \"52:54:00:00:00:01\", ip: 10.2.2.10}\n  - {name: roam, mac: \"52:54:00:00:00:02\"}\n"
	for _, tc := range []struct {
		site, peer, ip, domain, network string
		hosts                           []string
	}{
		{"hq", "", "10.1.1.1", "hq.example", "hq", []string{"roam"}},
		{"dc", "b", "10.2.2.3", "lab.example", "dc", []string{"h1", "roam"}},
	} {
		inv, err := Parse("sites.yaml", []byte(doc), WithSite(tc.site), WithPeer(tc.peer), KeepPositions())
		if err != nil {
			t.Fatalf("--site %s: %v", tc.site, err)
		}
		var hosts []string
		for _, h := range inv.Hosts {
			hosts = append(hosts, h.Name)
		}
		if inv.SiteName() != tc.site || inv.Server.IP != tc.ip || inv.Server.Domain != tc.domain || len(inv.Networks) != 1 || inv.Networks[0].Name != tc.network || strings.Join(hosts, " ") != strings.Join(tc.hosts, " ") {
			t.Errorf("--site %s: site %q, server %+v, networks %v, hosts %v", tc.site, inv.SiteName(), inv.Server, inv.Networks, hosts)
		}
		if inv.NeedsSite() {
			t.Errorf("--site %s: still needs a site", tc.site)
		}
		// The view's key paths name the file's lines: dc's network is the
		// file's second.
		if got, want := inv.Where("networks[0].name"), map[string]string{"hq": "sites.yaml:12:12", "dc": "sites.yaml:13:12"}[tc.site]; got != want {
			t.Errorf("--site %s: networks[0].name is at %s, want %s", tc.site, got, want)
		}
	}
	inv, err := Parse("sites.yaml", []byte(doc))
	if err != nil || !inv.NeedsSite() {
		t.Fatalf("without --site: %v, needs a site: %v", err, inv != nil && inv.NeedsSite())
	}
}

func TestSiteRefusals(t *testing.T) {
	for _, tc := range []struct{ name, from, to, site, want string }{
		{"server ip", "server: {domain: lab.example}", "server: {ip: 10.1.1.1}", "", "sites.yaml:1:14: server.ip: with sites, each site has its server"},
		{"top-level ha", "networks:\n", "ha: {peers: [{name: x, ip: 10.1.1.5}, {name: y, ip: 10.1.1.6}]}\nnetworks:\n", "", "ha: with sites, an HA pair is a site's"},
		{"unknown network", "networks: [hq]", "networks: [hq, nowhere]", "", "sites[0].networks[1]: unknown network \"nowhere\""},
		{"two sites", "networks: [dc]", "networks: [dc, hq]", "", "sites[1].networks[1]: network \"hq\" is also hq's: a network is one site's"},
		{"no site", "networks: [dc]", "networks: []", "", "networks[1].name: network \"dc\" is no site's"},
		{"same name", "name: dc", "name: HQ", "", "sites[1].name: duplicate site name \"HQ\""},
		{"no server", "server: {ip: 10.1.1.1, http_url: \"http://10.1.1.1/pxe/\", domain: hq.example, interfaces: [eth0]}", "server: {domain: hq.example}", "", "sites[0].server.ip: required: the site's boot server's IPv4 address"},
		{"unknown site", "", "", "lab", "sites: --site lab: not a site here; the sites are hq, dc"},
		// What depends on a site's server is checked in its view, and
		// named by the file's own key paths.
		{"server in its pool", "{name: dc, subnet: 10.2.2.0/24}", "{name: dc, subnet: 10.2.2.0/24, pool: 10.2.2.2-10.2.2.50}", "", "sites.yaml:13:43: networks[1].pool: contains sites[1].ha.peers[0] a's address 10.2.2.2"},
		{"bad peer ip", "ip: 10.2.2.3", "ip: 10.2.2.300", "", "sites[1].ha.peers[1].ip:"},
		{"host on both", "profiles:", "hosts:\n  - name: two\n    interfaces: [{mac: \"52:54:00:00:00:08\", ip: 10.1.1.8}, {mac: \"52:54:00:00:00:09\", ip: 10.2.2.9}]\nprofiles:", "", "hosts[0]: its addresses are in networks of sites hq and dc: a host is one site's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := strings.Replace(sitesInventory, tc.from, tc.to, 1)
			if doc == sitesInventory && tc.from != "" {
				t.Fatalf("%q is not in the inventory", tc.from)
			}
			_, err := Parse("sites.yaml", []byte(doc), WithSite(tc.site))
			var list ErrorList
			if !errors.As(err, &list) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v\nwant an error containing %q", err, tc.want)
			}
		})
	}
	if _, err := Parse("inventory.yaml", []byte(relayInventory), WithSite("hq")); err == nil || !strings.Contains(err.Error(), "--site hq: the inventory has no sites") {
		t.Errorf("--site without sites: %v", err)
	}
}
