package importer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIncludedBytesBounded: a file that includes one big file many times
// (no loop, each include a sibling of the last) is bounded by the bytes
// read in all, not only by the count of includes: each of the 256
// includes may be a file of MaxSourceSize.
func TestIncludedBytesBounded(t *testing.T) {
	defer func(n int) { maxIncludeBytes = n }(maxIncludeBytes)
	maxIncludeBytes = 64 << 10
	dir := t.TempDir()
	big := "# filler\n" + strings.Repeat("option domain-name \"lab.example\";\n", 1<<10) // 35 KiB
	if err := os.WriteFile(filepath.Join(dir, "big.conf"), []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	top := "subnet 10.1.1.0 netmask 255.255.255.0 { range 10.1.1.100 10.1.1.200; }\n" + strings.Repeat("include \"big.conf\";\n", 10)
	if err := os.WriteFile(filepath.Join(dir, "dhcpd.conf"), []byte(top), 0o644); err != nil {
		t.Fatal(err)
	}
	bigDnsmasq := strings.Repeat("dhcp-option=option:domain-name,lab.example\n", 1<<10) // 43 KiB
	if err := os.WriteFile(filepath.Join(dir, "big.dnsmasq"), []byte(bigDnsmasq), 0o644); err != nil {
		t.Fatal(err)
	}
	topDnsmasq := "dhcp-range=10.1.1.100,10.1.1.200,255.255.255.0\n" + strings.Repeat("conf-file=big.dnsmasq\n", 10)
	if err := os.WriteFile(filepath.Join(dir, "top.dnsmasq"), []byte(topDnsmasq), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, src := range []Sources{
		{Dhcpd: []string{filepath.Join(dir, "dhcpd.conf")}, ServerIP: "10.1.1.1"},
		{Dnsmasq: []string{filepath.Join(dir, "top.dnsmasq")}, ServerIP: "10.1.1.1"},
	} {
		res, err := Import(src, "site.yaml")
		if err != nil {
			t.Fatal(err)
		}
		var over int
		for _, n := range res.Notes {
			if strings.Contains(n.Msg, "read in all") {
				over++
			}
		}
		if over == 0 {
			t.Errorf("10 includes of 35 KiB read with a bound of 64 KiB in all; notes: %v", res.Notes)
		}
	}
}
