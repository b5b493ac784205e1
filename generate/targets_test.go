package generate

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pxegen/pxegen/internal/filetree"
)

func TestReloadsFollowTheChangedDaemonFiles(t *testing.T) {
	changes := []filetree.Change{
		{Path: "etc/dhcp/dhcpd.conf", Action: filetree.Update, Target: "dhcpd"},
		{Path: "etc/xinetd.d/tftp", Action: filetree.Unchanged, Target: "xinetd"},
		{Path: "etc/apache2/conf-available/pxegen.conf", Action: filetree.Create, Target: "apache"},
		{Path: "etc/kea/kea-dhcp4.conf", Action: filetree.Remove, Target: "kea"},
		{Path: "srv/tftp/pxelinux.cfg/default", Action: filetree.Update, Target: "pxelinux"},
		{Path: "srv/tftp/ipxe/menu.ipxe", Action: filetree.Create, Target: "ipxe"},
	}
	want := []Reload{
		{Daemon: "dhcpd", Service: "isc-dhcp-server", Action: "restart", Path: "/etc/dhcp/dhcpd.conf"},
		{Daemon: "apache", Service: "apache2", Action: "reload", Path: "/etc/apache2/conf-available/pxegen.conf"},
	}
	if diff := cmp.Diff(want, Reloads(changes)); diff != "" {
		t.Errorf("reloads (-want +got):\n%s", diff)
	}
	if got := ReloadNote(Reloads(changes)); got != "; restart dhcpd, reload apache" {
		t.Errorf("note = %q", got)
	}
	if got := ReloadNote(nil); got != "; no daemon needs a reload" {
		t.Errorf("note without reloads = %q", got)
	}
}
