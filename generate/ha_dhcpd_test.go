package generate_test

import (
	"regexp"
	"testing"
)

// TestDhcpdHotStandbySplit: dhcpd.conf(5): split 256 makes the primary
// responsible for all clients; 255 leaves the secondary one bucket in 256.
func TestDhcpdHotStandbySplit(t *testing.T) {
	conf := renderHA(t, "dhcpd", "hot-standby", ", pool: 10.1.1.100-10.1.1.200", "pxe1")
	if !regexp.MustCompile(`(?m)^  split 256;$`).MatchString(conf) {
		t.Errorf("hot-standby primary has no split 256:\n%s", conf)
	}
	conf = renderHA(t, "dhcpd", "load-balancing", ", pool: 10.1.1.100-10.1.1.200", "pxe1")
	if !regexp.MustCompile(`(?m)^  split 128;$`).MatchString(conf) {
		t.Errorf("load-balancing primary has no split 128:\n%s", conf)
	}
}
