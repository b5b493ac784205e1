package inventory

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// fullInventory is a valid inventory that sets every string field.
const fullInventory = `server:
  ip: 10.1.1.1
  http_url: http://10.1.1.1/pxe/
  domain: lab.example
  interfaces: [eth1]
  ip6: 2001:db8:1::1
  http_url6: http://[2001:db8:1::1]/pxe/
targets: {dhcp: dnsmasq, tftp: dnsmasq, kea_version: "2.6"}
paths:
  dhcpd_conf: /etc/dhcp/dhcpd.conf
  kea_conf: /etc/kea/kea-dhcp4.conf
  dnsmasq_conf: /etc/dnsmasq.d/pxegen.conf
  xinetd_tftp: /etc/xinetd.d/tftp
  apache_conf: /etc/apache2/conf-available/pxegen.conf
  boot_root: /srv/tftp
  manifest: /var/lib/pxegen/manifest.json
  dhcpd_include: /etc/dhcp/site.conf
  kea_include: /etc/kea/site.json
  dnsmasq_include: /etc/dnsmasq-site.conf
  dnsmasq_hosts: /etc/pxegen/dnsmasq.hosts
  dnsmasq_opts: /etc/pxegen/dnsmasq.opts
  kea_control_socket: /run/kea/kea4-ctrl-socket
  kea_hooks: /usr/lib/x86_64-linux-gnu/kea/hooks
  dhcpd6_conf: /etc/dhcp/dhcpd6.conf
  kea6_conf: /etc/kea/kea-dhcp6.conf
  kea6_control_socket: /run/kea/kea6-ctrl-socket
  radvd_conf: /etc/radvd.conf
bootloaders:
  bios: undionly.kpxe
  uefi: ipxe.efi
  pxelinux: pxelinux.0
  arm64: ipxe-arm64.efi
  shim: shimx64.efi
  grub_dir: grub
  arch: {"6": ipxe-ia32.efi}
networks:
  - name: lab
    subnet: 10.1.1.0/24
    gateway: 10.1.1.254
    dns: [10.1.1.1]
    pool: 10.1.1.100-10.1.1.200
    profile: q
    arches: [x86_64, arm64]
    next_server: 10.1.1.2
    boot_file: pxelinux.0
    subnet6: 2001:db8:1::/64
    pool6: 2001:db8:1::100-2001:db8:1::1ff
    dns6: [2001:db8:1::53]
    ra: true
    interface: eth1
    options:
      time_servers: [10.1.1.1]
      log_servers: [10.1.1.1]
      domain_name: lab.example
      root_path: /srv/root
      ntp_servers: [10.1.1.1]
      netbios_name_servers: [10.1.1.1]
      domain_search: [lab.example]
      vendor: [{code: 1, type: text, value: [x]}]
      custom: [{code: 224, type: text, value: [x]}]
  - {name: lab4, subnet: 10.2.2.0/24}
profiles:
  p: {label: P, kernel: k, initrd: [i], append: quiet, append_extra: splash, arm64: {kernel: ka, initrd: [ia]}}
  q: {inherits: p}
  m: {kind: memtest, kernel: mt.bin, efi: mt.efi}
menu: {title: Menu, default: p}
hosts:
  - {name: n1, mac: "52:54:00:00:00:01", ip: 10.1.1.5, ip6: "2001:db8:1::5", profile: p, append: x=1, arch: arm64}
  - {name: n2, mac: "52:54:00:00:00:02", boot: local}
  - name: n3
    mac: "52:54:00:00:00:03"
    ip: 10.2.2.5
    boot_file: pxelinux.0
    next_server: 10.1.1.2
    options:
      time_servers: [10.1.1.1]
      log_servers: [10.1.1.1]
      domain_name: lab.example
      root_path: /srv/root
      ntp_servers: [10.1.1.1]
      netbios_name_servers: [10.1.1.1]
      domain_search: [lab.example]
      vendor: [{code: 1, type: text, value: [x]}]
      custom: [{code: 224, type: text, value: [x]}]
  - {name: n4, interfaces: [{name: eth0, mac: "52:54:00:00:00:04", ip: 10.1.1.6, ip6: "2001:db8:1::6"}, {client_id: "ff:00:00:00:00:00:02:00:00:02:c9:00:00:02:c9:03:00:12:34:56", provision: false}]}
`

// fieldLimits is the most each string field of fullInventory may hold,
// and, for lists, how many items.
var fieldLimits = map[string]int{
	"server.ip": MaxNameLen, "server.http_url": MaxPathLen, "server.domain": MaxDomainLen,
	"server.interfaces[0]": MaxNameLen, "server.interfaces": MaxInterfaces,
	"targets.dhcp": MaxNameLen, "targets.tftp": MaxNameLen, "targets.kea_version": MaxNameLen,
	"paths.dhcpd_conf": MaxPathLen, "paths.kea_conf": MaxPathLen, "paths.dnsmasq_conf": MaxPathLen,
	"paths.xinetd_tftp": MaxPathLen, "paths.apache_conf": MaxPathLen, "paths.boot_root": MaxPathLen,
	"paths.manifest": MaxPathLen, "paths.dhcpd_include": MaxPathLen, "paths.kea_include": MaxPathLen,
	"paths.dnsmasq_include": MaxPathLen, "paths.dnsmasq_hosts": MaxPathLen, "paths.dnsmasq_opts": MaxPathLen,
	"paths.kea_control_socket": MaxSocketPathLen, "paths.kea_hooks": MaxPathLen,
	"bootloaders.bios": MaxPathLen, "bootloaders.uefi": MaxPathLen, "bootloaders.pxelinux": MaxPathLen,
	"bootloaders.arm64": MaxPathLen, "bootloaders.shim": MaxPathLen, "bootloaders.grub_dir": MaxPathLen,
	"bootloaders.arch.6": MaxPathLen, "networks[0].arches": MaxArches, "networks[0].arches[0]": MaxNameLen,
	"profiles.p.arm64.kernel": MaxPathLen, "profiles.p.arm64.initrd[0]": MaxPathLen, "profiles.p.arm64.initrd": MaxInitrds,
	"hosts[0].arch": MaxNameLen, "profiles.m.kind": MaxNameLen, "profiles.m.efi": MaxPathLen,
	"networks[0].name": MaxNameLen, "networks[0].subnet": MaxNameLen, "networks[0].gateway": MaxNameLen,
	"networks[0].dns[0]": MaxNameLen, "networks[0].dns": MaxDNSServers, "networks[0].pool": MaxNameLen,
	"networks[0].profile": MaxNameLen,
	"profiles.q.inherits": MaxNameLen, "profiles.p.label": MaxTextLen, "profiles.p.kernel": MaxPathLen,
	"profiles.p.initrd[0]": MaxPathLen, "profiles.p.initrd": MaxInitrds, "profiles.p.append": MaxAppendLine,
	"profiles.p.append_extra": MaxAppendLine, "menu.title": MaxTextLen, "menu.default": MaxNameLen,
	"hosts[0].name": MaxNameLen, "hosts[0].mac": MaxNameLen, "hosts[0].ip": MaxNameLen,
	"hosts[0].profile": MaxNameLen, "hosts[0].append": MaxAppendLine, "hosts[1].boot": MaxNameLen,
	"networks[0].next_server": MaxNameLen, "networks[0].boot_file": MaxPathLen,
	"hosts[2].next_server": MaxNameLen, "hosts[2].boot_file": MaxPathLen,
	"hosts[3].interfaces": MaxHostInterfaces, "hosts[3].interfaces[0].name": MaxNameLen,
	"hosts[3].interfaces[0].mac": MaxNameLen, "hosts[3].interfaces[0].ip": MaxNameLen,
	"hosts[3].interfaces[1].client_id": MaxClientIDLen,
	"server.ip6":                       MaxNameLen, "server.http_url6": MaxPathLen, "paths.dhcpd6_conf": MaxPathLen, "paths.kea6_conf": MaxPathLen,
	"paths.kea6_control_socket": MaxSocketPathLen, "paths.radvd_conf": MaxPathLen, "networks[0].subnet6": MaxNameLen,
	"networks[0].pool6": 2*MaxNameLen + 1, "networks[0].dns6": MaxDNSServers, "networks[0].dns6[0]": MaxNameLen,
	"networks[0].interface": MaxNameLen, "hosts[0].ip6": MaxNameLen, "hosts[3].interfaces[0].ip6": MaxNameLen,
}

// optionLimits are fieldLimits' entries for one scope's options, at the
// key path at.
// haLimits are the HA pair's fields, checked on haInventory: with ha,
// fullInventory's server.ip is refused.
var haLimits = map[string]int{
	"ha.mode": MaxNameLen, "ha.peers": MaxHAPeers, "ha.peers[0].name": MaxNameLen, "ha.peers[0].ip": MaxNameLen,
	"ha.peers[0].http_url": MaxPathLen,
}

// sitesInventory has two sites, one an HA pair.
const sitesInventory = `server: {domain: lab.example}
sites:
  - name: hq
    server: {ip: 10.1.1.1, http_url: "http://10.1.1.1/pxe/", domain: hq.example, interfaces: [eth0]}
    networks: [hq]
  - name: dc
    ha:
      mode: hot-standby
      peers: [{name: a, ip: 10.2.2.2, http_url: "http://10.2.2.2/pxe/"}, {name: b, ip: 10.2.2.3}]
    networks: [dc]
networks:
  - {name: hq, subnet: 10.1.1.0/24}
  - {name: dc, subnet: 10.2.2.0/24}
profiles:
  p: {kernel: k}
`

// sitesLimits are the sites' fields, checked on sitesInventory.
var sitesLimits = map[string]int{
	"sites": MaxSites, "sites[0].name": MaxNameLen, "sites[0].server.ip": MaxNameLen, "sites[0].server.http_url": MaxPathLen,
	"sites[0].server.domain": MaxDomainLen, "sites[0].server.interfaces": MaxInterfaces, "sites[0].server.interfaces[0]": MaxNameLen,
	"sites[0].networks": MaxNetworks, "sites[0].networks[0]": MaxNameLen,
	"sites[1].ha.mode": MaxNameLen, "sites[1].ha.peers": MaxHAPeers, "sites[1].ha.peers[0].name": MaxNameLen,
	"sites[1].ha.peers[0].ip": MaxNameLen, "sites[1].ha.peers[0].http_url": MaxPathLen,
}

func optionLimits(at string) map[string]int {
	m := map[string]int{}
	for _, k := range []string{"time_servers", "log_servers", "ntp_servers", "netbios_name_servers"} {
		m[at+"."+k], m[at+"."+k+"[0]"] = MaxOptionItems, MaxNameLen
	}
	m[at+".domain_search"], m[at+".domain_search[0]"] = MaxOptionItems, MaxDomainLen
	m[at+".domain_name"], m[at+".root_path"] = MaxDomainLen, MaxOptionLen
	for _, l := range []string{"vendor", "custom"} {
		m[at+"."+l+"[0].type"] = MaxNameLen
		m[at+"."+l+"[0].value"], m[at+"."+l+"[0].value[0]"] = MaxOptionItems, MaxOptionValueLen
	}
	return m
}

func init() {
	for _, at := range []string{"networks[0].options", "hosts[2].options"} {
		for k, v := range optionLimits(at) {
			fieldLimits[k] = v
		}
	}
}

// TestFieldLimits gives each string field, and each list, one character or
// item more than its limit: each must be refused at its own key, with a
// message that names the limit and does not repeat the value.
func TestFieldLimits(t *testing.T) {
	if _, err := Parse("full.yaml", []byte(fullInventory)); err != nil {
		t.Fatalf("the base inventory is invalid: %v", err)
	}
	all := map[string]int{}
	for path, limit := range fieldLimits {
		all[path] = limit
	}
	for path, limit := range haLimits {
		all[path] = limit
	}
	for path, limit := range sitesLimits {
		all[path] = limit
	}
	if _, err := Parse("sites.yaml", []byte(sitesInventory)); err != nil {
		t.Fatalf("the sites inventory is invalid: %v", err)
	}
	for path, limit := range all {
		base := fullInventory
		if _, ok := haLimits[path]; ok {
			base = haInventory
		}
		if _, ok := sitesLimits[path]; ok {
			base = sitesInventory
		}
		t.Run(path, func(t *testing.T) {
			var doc yaml.Node
			if err := yaml.Unmarshal([]byte(base), &doc); err != nil {
				t.Fatal(err)
			}
			n := nodeAt(t, doc.Content[0], path)
			long := strings.Repeat("a", limit+1)
			if n.Kind == yaml.SequenceNode {
				n.Content = nil
				for i := 0; i <= limit; i++ {
					n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprintf("a%d", i)})
				}
			} else {
				n.Tag, n.Style, n.Value = "!!str", 0, long
			}
			data, err := yaml.Marshal(&doc)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Parse("full.yaml", data)
			var list ErrorList
			if !asErrorList(err, &list) {
				t.Fatalf("accepted %d characters or items (err = %v)", limit+1, err)
			}
			found := false
			for _, e := range list {
				if e.Path == path && strings.Contains(e.Msg, fmt.Sprint(limit)) {
					found = true
				}
			}
			if !found {
				t.Errorf("no error at %s naming the limit %d:\n%.2000s", path, limit, err)
			}
			if strings.Contains(err.Error(), long) || len(err.Error()) > 2000 {
				t.Errorf("the messages repeat the value:\n%.300s", err)
			}
		})
	}
}

// TestFieldLimitsCoverSchema: every string field of the inventory has a
// limit in fieldLimits, so a new field cannot be added without one.
func TestFieldLimitsCoverSchema(t *testing.T) {
	var missing []string
	var walk func(t reflect.Type, path string)
	walk = func(typ reflect.Type, path string) {
		if typ == stringListType {
			for _, p := range []string{path, path + "[0]"} {
				if !limited(concrete(p)) {
					missing = append(missing, p)
				}
			}
			return
		}
		switch typ.Kind() {
		case reflect.Pointer:
			walk(typ.Elem(), path)
		case reflect.Struct:
			for name, i := range yamlFields(typ) {
				p := name
				if path != "" {
					p = path + "." + name
				}
				walk(typ.Field(i).Type, p)
			}
		case reflect.Slice:
			walk(typ.Elem(), path+"[0]")
		case reflect.Map:
			walk(typ.Elem(), path+".*")
		case reflect.String:
			if !limited(concrete(path)) {
				missing = append(missing, path)
			}
		}
	}
	walk(reflect.TypeOf(Inventory{}), "")
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("string fields without a limit in fieldLimits: %s", strings.Join(missing, ", "))
	}
}

// concrete names a schema path (profiles.*.kernel) as fieldLimits does.
func concrete(p string) string {
	switch p {
	case "profiles.*.inherits":
		return "profiles.q.inherits"
	case "hosts[0].boot":
		return "hosts[1].boot"
	}
	if p == "hosts[0].interfaces[0].client_id" {
		return "hosts[3].interfaces[1].client_id" // the InfiniBand one
	}
	if strings.HasPrefix(p, "hosts[0].interfaces") {
		return "hosts[3]" + strings.TrimPrefix(p, "hosts[0]")
	}
	if strings.HasPrefix(p, "hosts[0].options") || strings.HasPrefix(p, "hosts[0].next_server") || strings.HasPrefix(p, "hosts[0].boot_file") {
		return "hosts[2]" + strings.TrimPrefix(p, "hosts[0]")
	}
	switch p {
	case "bootloaders.arch.*":
		return "bootloaders.arch.6"
	}
	switch p {
	case "profiles.*.kind", "profiles.*.efi":
		return strings.ReplaceAll(p, "profiles.*", "profiles.m")
	}
	return strings.ReplaceAll(p, "profiles.*", "profiles.p")
}

// nodeAt finds the node at a key path such as networks[0].dns[0].
func nodeAt(t *testing.T, n *yaml.Node, path string) *yaml.Node {
	t.Helper()
	for _, part := range strings.Split(path, ".") {
		key, index, _ := strings.Cut(part, "[")
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				n, found = n.Content[i+1], true
				break
			}
		}
		if !found {
			t.Fatalf("no %s in %s", key, path)
		}
		if index != "" {
			var i int
			fmt.Sscanf(index, "%d]", &i)
			n = n.Content[i]
		}
	}
	return n
}

func asErrorList(err error, list *ErrorList) bool {
	l, ok := err.(ErrorList)
	*list = l
	return ok
}

// TestDnsmasqHostFilesOnlyForDnsmasq: dnsmasq's host files are written
// only when dnsmasq answers DHCP, so another server's inventory is never
// refused over where they would go.
func TestDnsmasqHostFilesOnlyForDnsmasq(t *testing.T) {
	const site = "paths: {dnsmasq_conf: /etc/pxegen/dnsmasq.conf}\nnetworks: [{name: lab, subnet: 10.1.1.0/24}]\n" +
		"server: {ip: 10.1.1.1}\nprofiles: {p: {kernel: k}}\n"
	for _, dhcp := range []string{TargetDhcpd, TargetKea} {
		if _, err := Parse("site.yaml", []byte("targets: {dhcp: "+dhcp+"}\n"+site)); err != nil {
			t.Errorf("with %s: %v", dhcp, err)
		}
	}
	if _, err := Parse("site.yaml", []byte("targets: {dhcp: dnsmasq}\n"+site)); err == nil {
		t.Error("with dnsmasq: host files in the drop-in's directory accepted")
	}
}

// limited reports whether a field's limit is tested.
func limited(p string) bool {
	_, full := fieldLimits[p]
	_, ha := haLimits[p]
	_, sites := sitesLimits[strings.Replace(p, "sites[0].ha", "sites[1].ha", 1)]
	return full || ha || sites
}
