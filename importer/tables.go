package importer

// dhcpdStandard are dhcpd's names (dhcp-options(5)) for the standard
// options pxegen carries by code, with the type every server gives them
// (inventory.StandardOptionType): an option pxegen does not name is
// imported under options.custom.
var dhcpdStandard = map[string]int{
	"ien116-name-servers": 5, "cookie-servers": 8, "lpr-servers": 9, "impress-servers": 10,
	"resource-location-servers": 11, "boot-size": 13, "merit-dump": 14, "swap-server": 16,
	"extensions-path": 18, "ip-forwarding": 19, "non-local-source-routing": 20, "policy-filter": 21,
	"max-dgram-reassembly": 22, "default-ip-ttl": 23, "path-mtu-aging-timeout": 24,
	"path-mtu-plateau-table": 25, "all-subnets-local": 27, "perform-mask-discovery": 29,
	"mask-supplier": 30, "router-discovery": 31, "router-solicitation-address": 32, "static-routes": 33,
	"trailer-encapsulation": 34, "arp-cache-timeout": 35, "ieee802-3-encapsulation": 36,
	"default-tcp-ttl": 37, "tcp-keepalive-interval": 38, "tcp-keepalive-garbage": 39, "nis-domain": 40,
	"nis-servers": 41, "netbios-dd-server": 45, "netbios-scope": 47, "font-servers": 48,
	"x-display-manager": 49, "nwip-domain": 62, "nisplus-domain": 64, "nisplus-servers": 65,
	"mobile-ip-home-agent": 68, "smtp-server": 69, "pop-server": 70, "nntp-server": 71, "www-server": 72,
	"finger-server": 73, "irc-server": 74, "streettalk-server": 75, "streettalk-directory-assistance-server": 76,
	"pcode": 100, "tcode": 101,
}
