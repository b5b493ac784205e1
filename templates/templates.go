// Package templates holds pxegen's embedded text templates, one directory
// per target. Each file is parsed under its path relative to this
// directory; `pxegen render --templates DIR` replaces files by that path.
// A file whose name starts with _ is a partial: it only defines templates
// that the others use (helm's convention), and renders no file itself.
package templates

import "embed"

// FS is the embedded template tree.
//
// all: keeps the _partials, which embed would otherwise leave out.
//
//go:embed all:dhcpd all:dnsmasq all:xinetd all:apache all:pxelinux all:grub all:ipxe all:radvd
var FS embed.FS
