package generate

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pxegen/pxegen/inventory"
)

func TestHexPrefixes(t *testing.T) {
	for _, tc := range []struct {
		subnet string
		want   []string
	}{
		{"10.1.1.0/24", []string{"0A0101"}},
		{"10.16.0.0/20", []string{"0A100"}},
		{"10.8.0.0/22", []string{"0A0800", "0A0801", "0A0802", "0A0803"}},
		{"192.168.7.64/26", []string{"C0A8074", "C0A8075", "C0A8076", "C0A8077"}},
		{"10.0.0.0/8", []string{"0A"}},
		{"10.0.0.0/9", []string{"0A0", "0A1", "0A2", "0A3", "0A4", "0A5", "0A6", "0A7"}},
		{"192.168.1.8/30", []string{"C0A80108", "C0A80109", "C0A8010A", "C0A8010B"}},
	} {
		got := hexPrefixes(netip.MustParsePrefix(tc.subnet))
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("hexPrefixes(%s) (-want +got):\n%s", tc.subnet, diff)
		}
	}
}

// TestHexPrefixesCoverExactly checks, address by address, that PXELINUX's
// search (the hex IP shortened one digit at a time) meets one of a
// subnet's files for every address inside it and for none outside.
func TestHexPrefixesCoverExactly(t *testing.T) {
	for _, s := range []string{"10.1.0.0/22", "10.1.0.0/21", "10.1.1.0/25", "10.1.1.0/27", "10.1.1.4/30"} {
		subnet := netip.MustParsePrefix(s)
		files := map[string]bool{}
		for _, name := range hexPrefixes(subnet) {
			files[name] = true
		}
		lo := subnet.Addr().As4()
		start := netip.AddrFrom4([4]byte{lo[0], lo[1], 0, 0})
		for a, i := start, 0; i < 1<<17; a, i = a.Next(), i+1 {
			hex := hexIP(a)
			found := false
			for n := 8; n >= 1; n-- {
				if files[hex[:n]] {
					found = true
					break
				}
			}
			if found != subnet.Contains(a) {
				t.Fatalf("%s: address %s matched=%v, inside=%v", s, a, found, subnet.Contains(a))
			}
		}
	}
}

// TestHTTPListen: Apache gets a Listen for http_url's port only where
// Debian's ports.conf has none (80 for http, 443 for https); a second
// Listen for one port stops Apache. (The inventory refuses https on 80 and
// http on 443, which ports.conf has for the other protocol.)
func TestHTTPListen(t *testing.T) {
	for url, want := range map[string]string{
		"http://10.1.1.1/pxe/":           "",
		"http://10.1.1.1:80/pxe/":        "",
		"http://10.1.1.1:8080/pxe/":      "8080",
		"https://boot.example/pxe/":      "",
		"https://boot.example:443/pxe/":  "",
		"https://boot.example:8443/pxe/": "8443 https",
	} {
		if got := httpListen(url); got != want {
			t.Errorf("httpListen(%s) = %q, want %q", url, got, want)
		}
	}
}

// TestHTTPBootTypes: generate sends a URL to exactly the architecture
// types whose boot file names the inventory measures as URLs.
func TestHTTPBootTypes(t *testing.T) {
	for code := 0; code < 64; code++ {
		if archType(code).HTTP != inventory.HTTPBoot(code) {
			t.Errorf("option 93 = %d: HTTP boot %v here, %v in inventory", code, archType(code).HTTP, inventory.HTTPBoot(code))
		}
	}
}
