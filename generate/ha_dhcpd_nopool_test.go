package generate_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDhcpdFailoverWithoutPools: dhcpd refuses to start with a failover
// peer that no pool names ("has no referring pools"); a pair whose
// networks have no pool has no leases to share, and both answer every
// host entry without one.
func TestDhcpdFailoverWithoutPools(t *testing.T) {
	for _, peer := range []string{"pxe1", "pxe2"} {
		conf := renderHA(t, "dhcpd", "hot-standby", "", peer)
		if strings.Contains(conf, "failover peer") {
			t.Errorf("--peer %s: a failover peer with no pool:\n%s", peer, conf)
		}
		if _, err := exec.LookPath("dhcpd"); err != nil {
			continue
		}
		dir := t.TempDir()
		file := filepath.Join(dir, "dhcpd.conf")
		if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("dhcpd", "-4", "-t", "-cf", file, "-lf", filepath.Join(dir, "leases")).CombinedOutput(); err != nil {
			t.Errorf("--peer %s: dhcpd -t: %v\n%s", peer, err, out)
		}
	}
}
