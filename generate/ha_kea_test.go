package generate_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/inventory"
)

const haPair = `targets: {dhcp: DHCP}
ha:
  mode: MODE
  peers:
    - {name: pxe1, ip: 10.1.1.2}
    - {name: pxe2, ip: 10.1.1.3}
networks:
  - {name: lab, subnet: 10.1.1.0/24POOL}
profiles:
  p: {kernel: k}
hosts:
  - {name: h, mac: "52:54:00:00:00:01", ip: 10.1.1.11, profile: p}
`

// renderHA renders haPair for peer and returns the DHCP server's file.
func renderHA(t *testing.T, dhcp, mode, pool, peer string) string {
	t.Helper()
	doc := strings.NewReplacer("DHCP", dhcp, "MODE", mode, "POOL", pool).Replace(haPair)
	inv, err := inventory.Parse("inventory.yaml", []byte(doc), inventory.WithPeer(peer))
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
	name := "dhcpd.conf"
	if strings.HasPrefix(dhcp, "kea") {
		name = "kea-dhcp4.conf"
	}
	for _, f := range tree {
		if strings.HasSuffix(f.Path, "/"+name) {
			return string(f.Data)
		}
	}
	t.Fatalf("no %s in the tree", name)
	return ""
}

// TestKeaHARestrictsCommands: the HA hook's dedicated listener binds the
// peer's address on the boot network, where the machines being installed
// are, and has no authentication. Kea before 3.0 accepts every command
// there (config-set, config-write, shutdown, lease4-wipe...) unless
// restrict-commands limits it to those the partner sends.
func TestKeaHARestrictsCommands(t *testing.T) {
	for _, peer := range []string{"pxe1", "pxe2"} {
		conf := renderHA(t, "kea", "hot-standby", ", pool: 10.1.1.100-10.1.1.200", peer)
		var lines []string
		for _, l := range strings.Split(conf, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "//") {
				lines = append(lines, l)
			}
		}
		var c struct {
			Dhcp4 struct {
				Hooks []struct {
					Library    string
					Parameters struct {
						HA []map[string]any `json:"high-availability"`
					}
				} `json:"hooks-libraries"`
			}
		}
		if err := json.Unmarshal([]byte(strings.Join(lines, "\n")), &c); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, h := range c.Dhcp4.Hooks {
			for _, ha := range h.Parameters.HA {
				found = true
				if ha["restrict-commands"] != true {
					t.Errorf("--peer %s: restrict-commands is %v, want true", peer, ha["restrict-commands"])
				}
			}
		}
		if !found {
			t.Fatalf("--peer %s: no high-availability section", peer)
		}
	}
}

// TestKeaHAPoolClassesByVersion: Kea 2.7.5 replaced a pool's client-class
// (one name) with client-classes (a list), deprecating the old name (its
// ChangeLog, entry 2307; Kea 3.0 logs DHCPSRV_CLIENT_CLASS_DEPRECATED):
// the halves of a load-balancing pool name their peer's HA_ class in the
// shape targets.kea_version reads.
func TestKeaHAPoolClassesByVersion(t *testing.T) {
	for _, tc := range []struct{ version, want, not string }{
		{"2.2", `"client-class": "HA_pxe1"`, `"client-classes": [` + "\n" + `              "HA_`},
		{"2.7.4", `"client-class": "HA_pxe1"`, `"client-classes": [` + "\n" + `              "HA_`},
		{"2.7.5", "\"client-classes\": [\n              \"HA_pxe1\"\n            ]", `"client-class": "HA_`},
		{"3.0", "\"client-classes\": [\n              \"HA_pxe2\"\n            ]", `"client-class": "HA_`},
	} {
		conf := renderHA(t, "kea, kea_version: \""+tc.version+"\"", "load-balancing", ", pool: 10.1.1.100-10.1.1.200", "pxe2")
		if !strings.Contains(conf, tc.want) || strings.Contains(conf, tc.not) {
			t.Errorf("kea_version %s: want %q and not %q in:\n%s", tc.version, tc.want, tc.not, conf)
		}
	}
}
