package inventory

import (
	"errors"
	"strings"
	"testing"
)

// rtSites is two one-server sites and an HA site; each case below edits it.
const rtSites = `server:
  domain: example.org
sites:
  - name: hq
    server: {ip: 10.50.0.2}
    networks: [hq, branch]
  - name: br
    server: {ip: 10.52.0.2}
    networks: [br]
  - name: dc
    ha:
      peers: [{name: dc1, ip: 10.60.0.2}, {name: dc2, ip: 10.60.0.3}]
    networks: [dc]
networks:
  - {name: hq, subnet: 10.50.0.0/24, gateway: 10.50.0.1, pool: 10.50.0.100-10.50.0.199}
  - {name: branch, subnet: 10.51.0.0/24, gateway: 10.51.0.1, relay: true}
  - {name: br, subnet: 10.52.0.0/24, gateway: 10.52.0.1, pool: 10.52.0.100-10.52.0.199}
  - {name: dc, subnet: 10.60.0.0/24, pool: 10.60.0.100-10.60.0.199}
profiles:
  p: {kernel: p/linux}
hosts:
  - {name: desk1, mac: "52:54:00:50:00:01", ip: 10.50.0.11, profile: p}
`

func rtEdit(t *testing.T, edits ...string) string {
	t.Helper()
	doc := rtSites
	for i := 0; i+1 < len(edits); i += 2 {
		next := strings.Replace(doc, edits[i], edits[i+1], 1)
		if next == doc {
			t.Fatalf("%q is not in the inventory", edits[i])
		}
		doc = next
	}
	return doc
}

func rtErrors(t *testing.T, doc string, opts ...Option) string {
	t.Helper()
	_, err := Parse("sites.yaml", []byte(doc), opts...)
	if err == nil {
		return ""
	}
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("not an ErrorList: %v", err)
	}
	return err.Error()
}

func TestRTSitesValid(t *testing.T) {
	if got := rtErrors(t, rtSites); got != "" {
		t.Fatalf("the base inventory is refused:\n%s", got)
	}
}

// A site's own http_url is what its files carry: it must be checked even
// when the top-level server has one (which the site then no longer uses).
// Unchecked, a quote in it wrote dhcpd statements of the inventory's
// choosing into dhcpd.conf.
func TestRTSiteHTTPURLChecked(t *testing.T) {
	doc := rtEdit(t, "  domain: example.org\n", "  domain: example.org\n  http_url: http://boot.example.org/pxe/\n",
		"server: {ip: 10.50.0.2}", `server: {ip: 10.50.0.2, http_url: "http://10.50.0.2/pxe\"; option foo 1; x \"/"}`)
	got := rtErrors(t, doc)
	if !strings.Contains(got, "sites[0].server.http_url:") {
		t.Fatalf("a site's bad http_url is not refused:\n%s", got)
	}
}

// The top-level server is what every site's server shares: its http_url
// is a site's unless the site gives its own, as domain and interfaces are.
func TestRTSiteInheritsHTTPURL(t *testing.T) {
	doc := rtEdit(t, "  domain: example.org\n", "  domain: example.org\n  http_url: http://boot.example.org/pxe/\n")
	for _, site := range []string{"hq", "br"} {
		inv, err := Parse("sites.yaml", []byte(doc), WithSite(site))
		if err != nil {
			t.Fatal(err)
		}
		if inv.Server.HTTPURL != "http://boot.example.org/pxe/" {
			t.Errorf("--site %s: http_url %q, want the top-level server's", site, inv.Server.HTTPURL)
		}
	}
}
