//go:build integration

package integration

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pxegen/pxegen/inventory"
)

// TestOptionsAnswer runs dhcpd, Kea and dnsmasq in turn on golden/options,
// the site's own DHCP settings, and asks each as clients do (busybox's
// udhcpc, asking for the options with -O): every option must come back as
// the inventory writes it (a host's own replacing its network's), the
// next-server and boot file of a network's and a host's boot_file as
// written, pxegen's own answers (iPXE, UEFI HTTP boot, a host's Secure
// Boot) where a boot_file leaves them; and all three servers must give
// the same answers.
func TestOptionsAnswer(t *testing.T) {
	requireCommands(t, "busybox")
	got := map[string]map[string]map[string]string{} // server, probe, variable: value
	for _, server := range dhcpServers {
		t.Run(server.target, func(t *testing.T) {
			requireCommands(t, server.commands...)
			got[server.target] = optionsAnswer(t, server)
		})
	}
	// The same answers from each, beyond what the probes name: what a
	// server adds of its own (renewal times, its broadcast address, the
	// client id Kea echoes) and the pool address it picks aside.
	own := map[string]bool{"ip": true, "opt53": true, "opt58": true, "opt59": true, "opt61": true, "broadcast": true, "serverid": true}
	for probe, want := range got[inventory.TargetDhcpd] {
		for server, answers := range got {
			var differ []string
			for _, k := range union(want, answers[probe]) {
				if !own[k] && want[k] != answers[probe][k] {
					differ = append(differ, fmt.Sprintf("%s: dhcpd %q, %s %q", k, want[k], server, answers[probe][k]))
				}
			}
			if len(differ) > 0 {
				t.Errorf("check options %s: %s answers otherwise than dhcpd: %s", probe, server, strings.Join(differ, "; "))
			}
		}
	}
	if len(got) == len(dhcpServers) {
		t.Logf("check options: dhcpd, Kea and dnsmasq answer every probe alike")
	}
}

// union is the keys of a and b, sorted.
func union(a, b map[string]string) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range []map[string]string{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func optionsAnswer(t *testing.T, server dhcpServer) map[string]map[string]string {
	m := newMiniLab(t, "options-"+server.target, "../golden/options/inventory.yaml", inventory.WithTargets(server.target, inventory.TargetXinetd))
	client := m.clientNetworks()
	m.startDHCP(server)
	ask := func(codes ...int) []string {
		var args []string
		for _, c := range codes {
			args = append(args, "-O", fmt.Sprint(c))
		}
		return args
	}
	pxe := func(code int) []string {
		return []string{"-V", fmt.Sprintf("PXEClient:Arch:%05d:UNDI:003016", code), "-x", fmt.Sprintf("0x5d:%04x", code)}
	}
	ipxe := []string{"-x", "0x4d:69505845", "-x", "0x5d:0000"}
	http := []string{"-V", "HTTPClient:Arch:00016:UNDI:003001", "-x", "0x5d:0010", "-O", "60"}
	office := ask(2, 4, 15, 19, 26, 42, 43, 46, 119, 121, 150, 224, 225, 252)
	legacy := ask(7, 15, 17, 44, 224, 226)
	const url = "http://10.20.0.1/pxe/"
	answers := map[string]map[string]string{}
	for _, p := range []struct {
		name, network, mac string
		args               []string
		want               map[string]string
	}{
		{"office", "office", "52:54:00:20:01:01", office, map[string]string{
			// time_offset -18000, which udhcpc prints unsigned.
			"timezone": fmt.Sprint(uint32(0xffffb9b0)), "opt4": "0a140001", "domain": "site.example", "opt19": "00", "mtu": "9000",
			"ntpsrv": "10.20.0.1 10.20.0.2", "opt43": "01040a140005020473697465", "opt46": "08", "search": "site.example corp.example",
			"staticroutes": "10.21.0.0/24 10.20.0.254", "opt150": "0a1400050a140006", "opt224": "07", "opt225": "deadbeef",
			"wpad": "http://wpad.site.example/wpad.dat", "siaddr": "10.20.0.1", "boot_file": "undionly.kpxe"}},
		// A host's own options replace its network's, code by code.
		{"office-host", "office", "52:54:00:20:00:01", office, map[string]string{
			"ip": "10.20.0.21", "ntpsrv": "10.20.0.9", "opt43": "01040a140009", "wpad": "http://wpad.site.example/phones.dat",
			"mtu": "9000", "opt224": "07", "domain": "site.example"}},
		{"legacy", "legacy", "52:54:00:20:01:02", legacy, map[string]string{
			"opt7": "0a150002", "domain": "legacy.site.example", "rootpath": "10.21.0.2:/srv/nfsroot", "wins": "10.21.0.3",
			"opt224": "010203", "opt226": "fffe", "siaddr": "10.21.0.2", "boot_file": "pxelinux.0"}},
		// The network's boot_file, whatever option 93 says; iPXE and UEFI
		// HTTP boot still get pxegen's.
		{"legacy-uefi", "legacy", "52:54:00:20:01:03", pxe(7), map[string]string{"siaddr": "10.21.0.2", "boot_file": "pxelinux.0"}},
		{"legacy-arm64", "legacy", "52:54:00:20:01:04", pxe(11), map[string]string{"siaddr": "10.21.0.2", "boot_file": "pxelinux.0"}},
		{"legacy-ipxe", "legacy", "52:54:00:20:01:05", ipxe, map[string]string{"siaddr": "10.21.0.2", "boot_file": url + "ipxe/boot-legacy.ipxe"}},
		{"legacy-http", "legacy", "52:54:00:20:01:06", http, map[string]string{"boot_file": url + "snponly.efi", "vendor": "HTTPClient"}},
		// A host's own UEFI loader beats its network's boot_file.
		{"legacy-signed-uefi", "legacy", "52:54:00:20:00:04", pxe(7), map[string]string{"ip": "10.21.0.24", "siaddr": "10.21.0.2", "boot_file": "shimx64.efi"}},
		{"legacy-signed-bios", "legacy", "52:54:00:20:00:04", pxe(0), map[string]string{"ip": "10.21.0.24", "boot_file": "pxelinux.0"}},
		{"legacy-known-ipxe", "legacy", "52:54:00:20:00:05", ipxe, map[string]string{"ip": "10.21.0.25", "boot_file": url + "ipxe/known.ipxe"}},
		// A host's boot_file and its next-server.
		{"host-boot-file", "office", "52:54:00:20:00:02", pxe(0), map[string]string{"ip": "10.20.0.22", "siaddr": "10.20.0.30", "boot_file": "boot/x64/wdsnbp.com"}},
		{"host-boot-file-uefi", "office", "52:54:00:20:00:02", pxe(9), map[string]string{"siaddr": "10.20.0.30", "boot_file": "boot/x64/wdsnbp.com"}},
		{"host-boot-file-ipxe", "office", "52:54:00:20:00:02", ipxe, map[string]string{"siaddr": "10.20.0.1", "boot_file": url + "ipxe/known.ipxe"}},
		{"host-boot-file-http", "office", "52:54:00:20:00:02", http, map[string]string{"boot_file": url + "snponly.efi", "vendor": "HTTPClient"}},
		// Without a fixed address: the next-server of the network it is in.
		{"roaming-boot-file-office", "office", "52:54:00:20:00:03", pxe(0), map[string]string{"siaddr": "10.20.0.1", "boot_file": "/images/roamer.0"}},
		{"roaming-boot-file-legacy", "legacy", "52:54:00:20:00:03", pxe(7), map[string]string{"siaddr": "10.21.0.2", "boot_file": "/images/roamer.0"}},
	} {
		got := m.udhcpcEnv(client[p.network], p.mac, p.args...)
		answers[p.name] = got
		var wrong []string
		for _, k := range union(p.want, nil) {
			if got[k] != p.want[k] {
				wrong = append(wrong, fmt.Sprintf("%s %q, want %q", k, got[k], p.want[k]))
			}
		}
		if len(wrong) > 0 {
			t.Errorf("check %s options %s: %s\n%s:\n%s", server.target, p.name, strings.Join(wrong, "; "), server.target, tail(m.read(server.log), 20))
			continue
		}
		t.Logf("check %s options %s: %d values as written", server.target, p.name, len(p.want))
	}
	return answers
}

// udhcpcEnv asks for a lease on the client's interface iface as mac, with
// udhcpc's options, and returns the variables udhcpc gave its script: the
// answer, decoded (ntpsrv, search, boot_file, ...), or optNN in hex for an
// option udhcpc has no name for.
func (m *miniLab) udhcpcEnv(iface, mac string, options ...string) map[string]string {
	t := m.t
	c := m.ns + "-c"
	script := filepath.Join(m.work, "udhcpc-env.sh")
	// Only udhcpc's own variables, which are lower case, and a marker.
	if err := os.WriteFile(script, []byte("#!/bin/sh\n[ \"$1\" = bound ] || exit 0\nenv | grep '^[a-z][a-z0-9_]*=' | sed 's/^/answer: /'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, "ip", "-n", c, "link", "set", iface, "address", mac)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"netns", "exec", c, "busybox", "udhcpc", "-i", iface, "-n", "-q", "-f", "-t", "5", "-s", script}, options...)
	out, _ := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	env := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if kv, ok := strings.CutPrefix(line, "answer: "); ok {
			k, v, _ := strings.Cut(kv, "=")
			if k != "interface" {
				env[k] = v
			}
		}
	}
	if len(env) == 0 {
		t.Errorf("udhcpc as %s got no answer:\n%s", mac, out)
	}
	return env
}
