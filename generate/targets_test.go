package generate

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/inventory"
)

func TestReloadsFollowTheChangedDaemonFiles(t *testing.T) {
	paths := inventory.Paths{KeaControlSocket: "/run/kea/kea4-ctrl-socket"}
	changes := []filetree.Change{
		{Path: "etc/dhcp/dhcpd.conf", Action: filetree.Update, Target: "dhcpd"},
		{Path: "etc/xinetd.d/tftp", Action: filetree.Unchanged, Target: "xinetd"},
		{Path: "etc/apache2/conf-available/pxegen.conf", Action: filetree.Create, Target: "apache"},
		{Path: "etc/kea/kea-dhcp4.conf", Action: filetree.Remove, Target: "kea"},
		{Path: "srv/tftp/pxelinux.cfg/default", Action: filetree.Update, Target: "pxelinux"},
		{Path: "srv/tftp/ipxe/menu.ipxe", Action: filetree.Create, Target: "ipxe"},
	}
	want := []Reload{
		{Daemon: "dhcpd", Service: "isc-dhcp-server", Action: "restart", Path: "/etc/dhcp/dhcpd.conf", Paths: []string{"/etc/dhcp/dhcpd.conf"}},
		{Daemon: "apache", Service: "apache2", Action: "reload", Path: "/etc/apache2/conf-available/pxegen.conf", Paths: []string{"/etc/apache2/conf-available/pxegen.conf"}},
	}
	if diff := cmp.Diff(want, Reloads(paths, changes)); diff != "" {
		t.Errorf("reloads (-want +got):\n%s", diff)
	}
	if got := ReloadNote(Reloads(paths, changes)); got != "; restart dhcpd, reload apache" {
		t.Errorf("note = %q", got)
	}
	if got := ReloadNote(nil); got != "; no daemon needs a reload" {
		t.Errorf("note without reloads = %q", got)
	}
}

// TestReloadsOncePerDaemon: dnsmasq rereads its host files on SIGHUP, so a
// change to them alone is a reload; with its drop-in changed too it is one
// restart, whichever file comes first. Kea's file is a config-reload
// through its control socket. A DHCP server whose file --prune removes
// stops; dnsmasq restarts.
func TestReloadsOncePerDaemon(t *testing.T) {
	paths := inventory.Paths{KeaControlSocket: "/run/kea/kea4-ctrl-socket", KeaConf: "/etc/kea/kea-dhcp4.conf",
		DnsmasqConf: "/etc/dnsmasq.d/pxegen.conf", DnsmasqHosts: "/etc/pxegen/dnsmasq.hosts", DnsmasqOpts: "/etc/pxegen/dnsmasq.opts"}
	// A removed file, as a plan gives it: no target (the manifest keeps none).
	removed := func(c filetree.Change) filetree.Change { return filetree.Change{Path: c.Path, Action: filetree.Remove} }
	conf := filetree.Change{Path: "etc/dnsmasq.d/pxegen.conf", Action: filetree.Update, Target: "dnsmasq"}
	hosts := filetree.Change{Path: "etc/pxegen/dnsmasq.hosts", Action: filetree.Update, Target: "dnsmasq-hosts"}
	opts := filetree.Change{Path: "etc/pxegen/dnsmasq.opts", Action: filetree.Create, Target: "dnsmasq-hosts"}
	kea := filetree.Change{Path: "etc/kea/kea-dhcp4.conf", Action: filetree.Update, Target: "kea"}
	for _, c := range []struct {
		name    string
		changes []filetree.Change
		want    []Reload
	}{
		{"host files", []filetree.Change{hosts, opts}, []Reload{{Daemon: "dnsmasq", Service: "dnsmasq", Action: "reload",
			Path: "/etc/pxegen/dnsmasq.hosts", Paths: []string{"/etc/pxegen/dnsmasq.hosts", "/etc/pxegen/dnsmasq.opts"}}}},
		{"drop-in last", []filetree.Change{hosts, conf}, []Reload{{Daemon: "dnsmasq", Service: "dnsmasq", Action: "restart",
			Path: "/etc/dnsmasq.d/pxegen.conf", Paths: []string{"/etc/pxegen/dnsmasq.hosts", "/etc/dnsmasq.d/pxegen.conf"}}}},
		{"drop-in first", []filetree.Change{conf, opts}, []Reload{{Daemon: "dnsmasq", Service: "dnsmasq", Action: "restart",
			Path: "/etc/dnsmasq.d/pxegen.conf", Paths: []string{"/etc/dnsmasq.d/pxegen.conf", "/etc/pxegen/dnsmasq.opts"}}}},
		{"kea", []filetree.Change{kea}, []Reload{{Daemon: "kea-dhcp4", Service: "kea-dhcp4-server", Action: "config-reload",
			Socket: "/run/kea/kea4-ctrl-socket", Path: "/etc/kea/kea-dhcp4.conf", Paths: []string{"/etc/kea/kea-dhcp4.conf"}}}},
		// --prune after targets.dhcp changed from dnsmasq to Kea: dnsmasq
		// restarts without pxegen's drop-in; after Kea to dhcpd, Kea stops.
		{"dnsmasq's files removed", []filetree.Change{kea, removed(hosts), removed(conf)}, []Reload{
			{Daemon: "kea-dhcp4", Service: "kea-dhcp4-server", Action: "config-reload",
				Socket: "/run/kea/kea4-ctrl-socket", Path: "/etc/kea/kea-dhcp4.conf", Paths: []string{"/etc/kea/kea-dhcp4.conf"}},
			{Daemon: "dnsmasq", Service: "dnsmasq", Action: "restart",
				Path: "/etc/dnsmasq.d/pxegen.conf", Paths: []string{"/etc/pxegen/dnsmasq.hosts", "/etc/dnsmasq.d/pxegen.conf"}}}},
		{"Kea's file removed", []filetree.Change{removed(kea)}, []Reload{{Daemon: "kea-dhcp4", Service: "kea-dhcp4-server", Action: "stop",
			Path: "/etc/kea/kea-dhcp4.conf", Paths: []string{"/etc/kea/kea-dhcp4.conf"}}}},
		{"a file no daemon reads removed", []filetree.Change{removed(filetree.Change{Path: "srv/tftp/pxelinux.cfg/default"})}, nil},
	} {
		if diff := cmp.Diff(c.want, Reloads(paths, c.changes)); diff != "" {
			t.Errorf("%s: reloads (-want +got):\n%s", c.name, diff)
		}
	}
}
