package generate_test

// Red-team tests for the IPv6 change (eb6eeaa..124acc2); see
// /work/redteam-v6-report.md.

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/golden"
	"github.com/pxegen/pxegen/inventory"
)

func redteamRender(t *testing.T, doc string) map[string]string {
	t.Helper()
	inv, err := inventory.Parse("inventory.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	engine, err := generate.New("")
	if err != nil {
		t.Fatal(err)
	}
	tree, err := engine.Render(inv)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range tree {
		out[f.Path] = string(f.Data)
	}
	return out
}

// An inventory whose networks are all IPv6-only (README: "a network may
// have subnet6 without subnet") renders kea-dhcp4.conf with
// "subnet4": null, which kea-dhcp4 -t refuses ("syntax error, unexpected
// null, expecting ["): its restart or config-reload fails.
func TestRedteamIPv6OnlyKeaDhcp4(t *testing.T) {
	doc := `targets: {dhcp: kea}
server: {ip: 10.1.0.1, ip6: "2001:db8:1::1"}
networks:
  - {name: v6, subnet6: "2001:db8:1::/64", pool6: "2001:db8:1::100-2001:db8:1::1ff", ra: true, interface: eth1, profile: p}
profiles: {p: {kernel: k}}
hosts:
  - {name: a, mac: "00:16:3e:00:00:01", ip6: "2001:db8:1::10", profile: p}
`
	for path, text := range redteamRender(t, doc) {
		if !strings.HasSuffix(path, "kea-dhcp4.conf") {
			continue
		}
		var conf struct {
			Dhcp4 map[string]json.RawMessage
		}
		if err := json.Unmarshal(golden.KeaJSON(text), &conf); err != nil {
			t.Fatal(err)
		}
		if s := string(conf.Dhcp4["subnet4"]); s == "null" {
			t.Errorf("%s: \"subnet4\": null, which kea-dhcp4 refuses; want [] (or no kea-dhcp4.conf)", path)
		}
	}
}
