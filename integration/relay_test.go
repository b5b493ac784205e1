//go:build integration

package integration

import (
	"strings"
	"testing"
)

// TestRelay boots a VM in a network the server is not on, whose router
// relays DHCP to it (dnsmasq's relay, in a namespace of its own), under
// each DHCP server: the server must choose the network by the relay's
// address, answer through it, and the chain's TFTP and HTTP cross the
// router.
func TestRelay(t *testing.T) {
	requireCommands(t, "qemu-system-x86_64", "dnsmasq")
	accelFor(t, false)
	for _, server := range dhcpServers {
		t.Run(server.target, func(t *testing.T) {
			t.Parallel()
			l := newLab(t, "testdata/relay.yaml", server)
			v := vm{name: "relayed-bios", mac: "52:54:00:41:00:02", network: "branch", want: "pxegen.profile=alpha",
				fetched: []string{"ipxe/boot-branch.ipxe", "ipxe/profiles/alpha.ipxe", "pxelinux.0", "pxelinux.cfg/0A2900", "test/vmlinuz"}}
			l.boot(t, v)
			// The request came through the relay, never straight to the server.
			if log := l.read("relay.log"); !strings.Contains(log, "DHCP relay at 10.41.0.1 -> 10.40.0.2") {
				t.Errorf("the relay's log shows no request relayed to the server:\n%s", tail(log, 10))
			}
			t.Logf("check relay %s: a VM behind the relay booted", server.target)
		})
	}
}
