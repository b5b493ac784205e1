// Package sitegen generates large, valid inventories for benchmarks: one
// boot server, a /12 of /20 networks (a third of them with a profile),
// a few profiles, and hosts spread over the networks.
package sitegen

import (
	"bytes"
	"fmt"
)

// Site returns an inventory of n hosts. version is written into every
// host's kernel arguments, so two versions differ in every host file.
func Site(n int, version string) []byte {
	var b bytes.Buffer
	b.Grow(n * 110)
	b.WriteString("server:\n  ip: 10.0.0.1\n  domain: bench.example\nnetworks:\n")
	nets := n/3000 + 1
	for i := 0; i < nets; i++ {
		fmt.Fprintf(&b, "  - name: net%d\n    subnet: 10.%d.%d.0/20\n", i, 16+i/16, (i%16)*16)
		if i%3 == 0 {
			b.WriteString("    profile: rescue\n")
		}
	}
	b.WriteString(`profiles:
  debian:
    label: Install Debian
    kernel: debian/linux
    initrd: debian/initrd.gz
    append: auto=true priority=critical url=http://10.0.0.1/preseed.cfg
  rescue:
    inherits: debian
    label: Rescue
    append: rescue/enable=true
  memtest:
    label: Memory test
    kernel: memtest86+.bin
menu:
  default: debian
hosts:
`)
	for i := 0; i < n; i++ {
		net := i % nets
		host := i/nets + 1 // 1..4094 inside a /20
		ip := fmt.Sprintf("10.%d.%d.%d", 16+net/16, (net%16)*16+host/256, host%256)
		fmt.Fprintf(&b, "  - {name: host%d, mac: \"52:54:%02x:%02x:%02x:%02x\", ip: %s, profile: debian, append: v=%s}\n",
			i, byte(i>>24), byte(i>>16), byte(i>>8), byte(i), ip, version)
	}
	return b.Bytes()
}
