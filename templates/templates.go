// Package templates holds pxegen's embedded text templates, one directory
// per target. Each file is parsed under its path relative to this
// directory; `pxegen render --templates DIR` replaces files by that path.
package templates

import "embed"

// FS is the embedded template tree.
//
//go:embed dhcpd dnsmasq xinetd apache pxelinux grub ipxe
var FS embed.FS
