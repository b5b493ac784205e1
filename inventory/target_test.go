package inventory

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestOnlyFor: an inventory refused only for what one DHCP server cannot
// do says so, for that server alone; any other problem makes it invalid
// for every server.
func TestOnlyFor(t *testing.T) {
	data, err := os.ReadFile("../golden/authoritative/inventory.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse("inventory.yaml", data, WithTargets(TargetKea, "")); err != nil {
		t.Fatalf("for Kea: %v", err)
	}
	_, err = Parse("inventory.yaml", data, WithTargets(TargetDnsmasq, ""))
	var list ErrorList
	if !errors.As(err, &list) || !list.OnlyFor(TargetDnsmasq) || list.OnlyFor(TargetDhcpd) {
		t.Fatalf("for dnsmasq: %v, want refused for dnsmasq only", err)
	}
	broken := strings.Replace(string(data), "lease_time: 120", "lease_time: 60", 1)
	_, err = Parse("inventory.yaml", []byte(broken), WithTargets(TargetDnsmasq, ""))
	if !errors.As(err, &list) || list.OnlyFor(TargetDnsmasq) {
		t.Fatalf("with a lease time below 120 s: %v, want refused for every server", err)
	}
	if (ErrorList{}).OnlyFor(TargetDnsmasq) {
		t.Fatal("an empty list refuses nothing")
	}
}
