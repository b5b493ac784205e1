//go:build integration

package integration

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pxegen/pxegen/inventory"
)

// haStates are what each DHCP server's log says as an HA pair moves: both
// serving together, the standby serving alone once the primary died, and
// the primary back (after it has taken its partner's leases).
type haStates struct {
	together, alone, back *regexp.Regexp
}

var failoverStates = map[string]haStates{
	inventory.TargetDhcpd: {
		together: regexp.MustCompile(`failover peer pxegen: I move from \S+ to normal`),
		alone:    regexp.MustCompile(`failover peer pxegen: I move from normal to communications-interrupted`),
		back:     regexp.MustCompile(`failover peer pxegen: I move from \S+ to normal`),
	},
	inventory.TargetKea: {
		together: regexp.MustCompile(`transitions from \S+ to HOT-STANDBY state`),
		alone:    regexp.MustCompile(`transitions from \S+ to PARTNER-DOWN state`),
		back:     regexp.MustCompile(`transitions from \S+ to HOT-STANDBY state`),
	},
}

// TestFailover proves an HA pair pxegen renders from one inventory with
// the daemons themselves: two boot servers, each in its own network
// namespace with its DHCP server (dhcpd's failover, or Kea's HA hook),
// TFTP and Apache on its own rendered tree, on one virtual network. A VM
// boots while both serve; the primary is killed, whole; a second VM
// boots through the standby; the primary comes back and must learn the
// lease the standby gave while it was down.
func TestFailover(t *testing.T) {
	requireCommands(t, "qemu-system-x86_64")
	accelFor(t, false)
	for _, server := range dhcpServers {
		states, ok := failoverStates[server.target]
		if !ok {
			continue // dnsmasq has no failover: validation refuses ha for it
		}
		t.Run(server.target, func(t *testing.T) {
			t.Parallel()
			failover(t, server, states)
		})
	}
}

func failover(t *testing.T, server dhcpServer, states haStates) {
	primary := newPeerLab(t, "testdata/ha.yaml", server, "pxe1")
	standby := newPeerLab(t, "testdata/ha.yaml", server, "pxe2")
	// One network: a veth pair joins the two labs' bridges.
	run(t, "ip", "-n", primary.ns, "link", "add", "ha0", "type", "veth", "peer", "name", "ha1", "netns", standby.ns)
	run(t, "ip", "-n", primary.ns, "link", "set", "ha0", "master", primary.bridges["lab"], "up")
	run(t, "ip", "-n", standby.ns, "link", "set", "ha1", "master", standby.bridges["lab"], "up")
	for _, l := range []*lab{primary, standby} {
		waitLog(t, l, states.together, 3*time.Minute, "the pair to serve together", primary, standby)
	}
	if server.target == inventory.TargetDhcpd {
		// The secondary serves new clients alone from the free leases the
		// primary has handed it: wait until it holds some.
		waitLog(t, primary, regexp.MustCompile(`balanc\w* pool .* backup [1-9]`), time.Minute, "the pool to be balanced", primary, standby)
	}

	// While both serve, a client may be answered by either: dhcpd's
	// secondary answers one whose secs field is past load balance max
	// seconds (iPXE's, on a slow machine), and serves its chain itself.
	primary.partners = []*lab{standby}
	first := vm{name: "failover-both", uefi: true, mac: "52:54:00:20:01:01", network: "lab",
		want: "pxegen.profile=alpha", fetched: []string{"ipxe/boot-lab.ipxe", "ipxe/profiles/alpha.ipxe", "test/vmlinuz"}}
	primary.boot(t, first)
	primary.partners = nil

	primary.kill()
	t.Logf("check failover %s: killed the primary (pxe1): DHCP, TFTP and Apache", server.target)
	waitLog(t, standby, states.alone, 2*time.Minute, "the standby to serve alone", standby)

	second := vm{name: "failover-standby", mac: "52:54:00:20:01:02", network: "lab",
		want: "pxegen.profile=alpha", fetched: []string{"ipxe/boot-lab.ipxe", "ipxe/profiles/alpha.ipxe", "pxelinux.0", "test/vmlinuz"}}
	standby.boot(t, second)
	if ips := primary.leasedIPs(second.mac); len(ips) > 0 {
		t.Fatalf("the dead primary acknowledged %s: %v", second.mac, ips)
	}
	if !strings.Contains(strings.Join(standby.requests(standby.leasedIPs(second.mac)), "\n"), "/pxe/test/vmlinuz 200") {
		t.Fatalf("the standby's Apache did not serve %s its kernel", second.mac)
	}

	primary.start()
	waitLog(t, primary, states.back, 3*time.Minute, "the primary to rejoin", primary, standby)
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(strings.ToLower(primaryLeases(t, primary)), second.mac) {
		if time.Now().After(deadline) {
			t.Fatalf("the primary, back, does not hold the lease the standby gave %s while it was down:\n%s\nprimary's log:\n%s",
				second.mac, tail(primaryLeases(t, primary), 20), tail(primary.read(primary.dhcp.log), 20))
		}
		time.Sleep(time.Second)
	}
	t.Logf("check failover %s: the primary, back, holds the lease the standby gave %s", server.target, second.mac)
}

// waitLog waits until l's DHCP server log matches re, or fails showing the
// labs' logs.
func waitLog(t *testing.T, l *lab, re *regexp.Regexp, limit time.Duration, what string, labs ...*lab) {
	t.Helper()
	for deadline := time.Now().Add(limit); !re.MatchString(l.read(l.dhcp.log)); time.Sleep(500 * time.Millisecond) {
		if time.Now().After(deadline) {
			var logs []string
			for _, o := range labs {
				logs = append(logs, fmt.Sprintf("%s (%s):\n%s", o.inv.Server.IP, o.dhcp.log, tail(o.read(o.dhcp.log), 25)))
			}
			t.Fatalf("waited %v for %s (%s in %s's log)\n%s", limit, what, re, l.inv.Server.IP, strings.Join(logs, "\n"))
		}
	}
	t.Logf("check failover %s: %s (%s)", l.dhcp.target, what, re)
}

// primaryLeases is the lease database of l's DHCP server: dhcpd's lease
// file, or Kea's memfile, which lives in Kea's own mount namespace.
func primaryLeases(t *testing.T, l *lab) string {
	t.Helper()
	if l.dhcp.target == inventory.TargetDhcpd {
		return l.read("dhcpd.leases")
	}
	pid := daemonIn(t, l.work, "kea-dhcp4")
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/root/var/lib/kea/kea-leases4.csv", pid))
	return string(data)
}
