/*
Pxegen turns one YAML inventory of hosts and boot profiles into every file
a network-boot server needs: the DHCP server's configuration (ISC dhcpd,
Kea or dnsmasq), the xinetd TFTP stanza, the Apache snippet, and the
PXELINUX, GRUB and iPXE files. It validates the whole inventory first,
renders every file in memory, and writes nothing unless all of that
succeeded. See README.md for the inventory and the files.

Usage:

	pxegen COMMAND [flags] [INVENTORY]

The commands are:

	render   validate, render every file in memory, then write the
	         changed ones under --out, each replaced atomically
	diff     show what render would change under --root, as a unified
	         diff
	check    validate the inventory and render it in memory; write nothing
	verify   run the daemons' own checks on a private rendering, check
	         that --out holds it, and that its boot_root holds every
	         loader, kernel and initrd the tree references
	explain  walk one client's boot chain through the rendered files
	relays   list the DHCP relays the relayed networks need: each relay
	         agent and the servers it forwards to
	import   write an inventory from what a site runs today: a
	         dhcpd.conf, dnsmasq configuration, a CSV of hosts, a NetBox
	         export
	schema   print a JSON Schema of the inventory, for editors
	completion bash|zsh
	         print the completion script for bash or zsh
	man      print the manual page, in roff
	version  print the version (also pxegen --version)
	help     print the commands, or one command's flags (pxegen help
	         COMMAND, or pxegen COMMAND --help)

Flags follow the command, before or after the inventory; -- ends them.
Every command but import, schema, completion, man and version reads the
inventory: the argument, or -i FILE
(the two may not disagree), else $PXEGEN_INVENTORY, else ./pxegen.yaml;
"-" reads it from standard input. These commands take:

	-i, --inventory FILE
		The inventory.
	--templates DIR
		Replace each embedded template with the file of the same
		relative path under DIR; a file with no embedded twin is an
		error.
	--target NAME
		Write for DHCP server NAME (dhcpd, kea or dnsmasq), whatever
		the inventory's targets.dhcp says.
	--tftp NAME
		Serve TFTP with NAME (xinetd or dnsmasq), whatever the
		inventory's targets.tftp says.
	--site NAME
		Render for the site NAME (sites[].name): its server, its
		networks and their hosts. Required to render an inventory with
		sites; check without it checks every site.
	--peer NAME
		Render for the server NAME of the inventory's HA pair
		(ha.peers, or the site's): its address is the server's.
		Required to render an inventory with ha; check without it
		checks the pair.

render takes:

	-o, --out DIR
		Write the tree under DIR (required).
	--prune
		Remove the files pxegen wrote that the inventory no longer
		produces.
	--force
		Replace or remove files in the way (not written by pxegen, or
		edited since), keeping a backup of each.
	--dry-run
		Say what would be written, removed and reloaded; write nothing.
	--verify
		Run the daemons' own checks on a staging copy first; write
		nothing if one fails.
	--strict
		With --verify: a check skipped because its daemon is not
		installed fails too.
	--format FORMAT
		text (the default), or json: one JSON document on stdout, and
		any error as one line of JSON on stderr.

diff takes:

	--root DIR
		Compare with the tree under DIR, which must exist (required;
		/ on the boot server).
	--prune
		Show the files render --prune would remove.
	--stat
		One line per file and a summary instead of the diff.

verify takes:

	-o, --out DIR
		The rendered tree to compare (required).
	--strict
		A skipped check fails too.
	--format FORMAT
		text or json, as for render.

explain takes:

	--mac MAC
		The client's MAC address (required): any of a host's
		interfaces; explain says which one matched. For an
		InfiniBand interface, its client id (client_id).
	--ip ADDRESS
		The address it gets, needed unless the MAC is a host's with a
		fixed address. An IPv6 address explains a boot over IPv6.
	--arch ARCH
		Its firmware: bios, uefi (the default), uefi-http or arm64.
	--family FAMILY
		4 (the default) or 6: the address family it boots over. With
		6, DHCPv6 answers, by option 61, and the host's ip6 stands for
		--ip.
	--format FORMAT
		text or json, as for render.

relays takes:

	--format FORMAT
		text or json, as for render.

import reads no inventory: it writes one, to stdout (or -o FILE, which
must not exist yet), each entry saying where it came from, and on stderr
each thing it could not carry over, with its file and line. It exits 1
when the inventory it wrote does not validate, saying why. It takes:

	--dhcpd FILE
		An ISC dhcpd.conf, with the files it includes.
	--dnsmasq FILE
		A dnsmasq configuration: dhcp-range, dhcp-host, dhcp-boot,
		dhcp-option.
	--csv FILE
		Hosts, a line each: mac,name,ip[,profile].
	--netbox FILE
		NetBox's REST API JSON: devices, interfaces, IP addresses and
		(NetBox 4.2 and later) MAC addresses.
	--netbox-tag TAG
		The tag of the interface each NetBox device boots from.
	--server-ip ADDRESS
		The boot server's address, where no source gives it.
	-o, --out FILE
		Write the inventory to FILE instead of stdout.

Each source flag may be given more than once.

Exit codes:

	0  success
	1  the inventory or a template override is invalid; nothing was written
	2  bad usage, reading or writing a file failed (a link or a file
	   that is not regular in the way, another run holding the tree),
	   or an interrupt (Ctrl-C, SIGTERM) stopped the run before it wrote
	3  verify or render --verify: a daemon rejected a generated file,
	   the tree is not what the inventory renders or lacks a loader,
	   kernel or initrd it references (verify), or, with --strict, a
	   check was skipped; nothing was written
	4  render: a file it would replace or remove was not written by
	   pxegen or was edited by hand; nothing was written

diff exits as diff(1) does: 0 if nothing would change, 1 if something
would, 2 on any error.

A first Ctrl-C (or SIGTERM) stops pxegen at the next safe point: the
daemons' checks are killed and their staging copy removed, and nothing is
written (a render already replacing files finishes). A second one kills
it at once, which the output tree survives too: see Failure safety in
README.md.
*/
package main
