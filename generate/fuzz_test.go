package generate

import (
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/internal/golden"
	"github.com/pxegen/pxegen/inventory"
)

// fuzzInventory is a valid inventory with every string field a user
// controls replaced by a fuzzed value. The second profile, named by a
// fuzzed key, comes in by a merge key, copies the first's fields by
// another and extends its arguments (append_extra); the host boots it
// through an alias of that key: values reached through anchors, aliases
// and merge keys must be checked like the rest.
const fuzzInventory = `server:
  ip: 10.1.1.1
  http_url: %s
  domain: %s
networks:
  - name: %s
    subnet: 10.1.1.0/24
    profile: p1
profiles:
  p1: &p1
    label: %s
    kernel: %s
    initrd: %s
    append: %s
  <<:
    &p2 %s:
      <<: *p1
      inherits: p1
      append_extra: %s
menu:
  title: %s
hosts:
  - name: %s
    mac: %s
    ip: 10.1.1.20
    append: %s
    profile: *p2
`

// FuzzRender puts arbitrary strings into every field. Whatever validates
// must render files whose every line parses as its target's syntax: no
// value may end a string, open a block or start a directive or command.
func FuzzRender(f *testing.F) {
	f.Add("http://10.1.1.1/pxe/", "lab.example", "lab", "Linux", "linux/vmlinuz", "linux/initrd.img", "ip=dhcp", "p2", "quiet", "Menu", "node01", "52:54:00:12:34:56", "console=ttyS0")
	f.Add("https://boot.example.org/boot/", "example.org", "net-1", "Install (x86_64) [v2]", "https://m.example.org/k?a=1&b=2", "a.img", "ks=http://h/ks?a=1&b=2 rd.x=[1]", "p.2", "rd.y=(2)", "A: b", "a1", "AA-BB-CC-DD-EE-FE", "a=b c=d")
	f.Add("http://10.1.1.1/pxe/", "lab.example", "lab", "p1", "k", "i", "", "1-rescue", "", "p1", "n1", "52:54:00:12:34:56", "")
	f.Add("http://x/\"; filename \"evil", "a\nb", "l;", "L\nKERNEL x", "k\" ", "${x}", "a || b", "p#", "x\nAPPEND y", "t\x00", "n{", "00:00:00:00:00:00", "\\")
	engine, err := New("")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, url, domain, network, label, kernel, initrd, args, profile, extra, title, host, mac, hostArgs string) {
		q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
		doc := fmt.Sprintf(fuzzInventory, q(url), q(domain), q(network), q(label), q(kernel), q(initrd), q(args),
			q(profile), q(extra), q(title), q(host), q(mac), q(hostArgs))
		// The same inventory for each DHCP server: a value that one target
		// would accept must be safe in all of them.
		// And with the network on Secure Boot, so that GRUB files are written.
		secure := strings.Replace(doc, "    profile: p1\n", "    profile: p1\n    secure_boot: true\n", 1)
		// And with some of the values in the site's own DHCP settings
		// too: boot files, option text, domain names and include files.
		options := strings.Replace(doc, "    profile: p1\n", fmt.Sprintf("    profile: p1\n    boot_file: %s\n    options:\n      root_path: %s\n      domain_search: [%s]\n      custom: [{code: 224, type: text, value: %s}]\n",
			q(kernel), q(extra), q(domain), q(label)), 1)
		options = strings.Replace(options, "networks:\n", fmt.Sprintf("paths: {dhcpd_include: %s, kea_include: %s, dnsmasq_include: %s}\nnetworks:\n",
			q("/etc/"+kernel), q("/etc/"+initrd), q("/var/"+kernel)), 1)
		options = strings.Replace(options, "    profile: *p2\n", fmt.Sprintf("    profile: *p2\n    boot_file: %s\n    options: {custom: [{code: 225, type: text, value: %s}]}\n", q(initrd), q(hostArgs)), 1)
		for _, dhcp := range inventory.DHCPTargets {
			for _, doc := range []string{doc, secure, options} {
				fuzzOne(t, engine, doc, dhcp)
			}
		}
	})
}

// fuzzOne renders doc for the DHCP server, if it is valid, and checks
// every line of every file.
func fuzzOne(t *testing.T, engine *Engine, doc, dhcp string) {
	inv, err := inventory.Parse("f.yaml", []byte(doc), inventory.WithTargets(dhcp, ""))
	if err != nil {
		return
	}
	tree, err := engine.Render(inv)
	if err != nil {
		t.Fatalf("a valid inventory failed to render for %s: %v", dhcp, err)
	}
	for _, f := range tree {
		if msg := checkSyntax(inv, f); msg != "" {
			t.Fatalf("%s: %s\n%s", f.Path, msg, f.Data)
		}
	}
}

// TestRenderedSyntax runs the syntax checks on every golden tree, so that
// the checkers themselves are known to accept what pxegen writes.
func TestRenderedSyntax(t *testing.T) {
	engine, err := New("")
	if err != nil {
		t.Fatal(err)
	}
	cases := golden.Glob(t, "../golden/*/out")
	for _, out := range cases {
		inv, err := inventory.Load(filepath.Join(filepath.Dir(out), "inventory.yaml"), inventory.WithPeer(golden.Peer(t, filepath.Dir(out))), inventory.WithSite(golden.Site(t, filepath.Dir(out))))
		if err != nil {
			t.Fatal(err)
		}
		tree, err := engine.Render(inv)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range tree {
			if msg := checkSyntax(inv, f); msg != "" {
				t.Errorf("%s: %s: %s", out, f.Path, msg)
			}
		}
	}
}

// TestSyntaxCheckersReject proves the checkers can fail.
func TestSyntaxCheckersReject(t *testing.T) {
	for name, c := range map[string]struct {
		check func(string) string
		text  string
	}{
		"dhcpd quote":         {checkDhcpd, "option domain-name \"a\"; filename \"evil\";\n"},
		"dhcpd comment":       {checkDhcpd, "next-server 10.1.1.1; # x\n"},
		"dhcpd brace":         {checkDhcpd, "host a {\n}\n}\n"},
		"dhcpd directive":     {checkDhcpd, "deny booting;\n"},
		"pxelinux directive":  {checkPXELinux, "LABEL a\n  KERNEL k\n  KERNEL evil\n"},
		"pxelinux unknown":    {checkPXELinux, "LABEL a\n  KERNEL k\nINCLUDE evil\n"},
		"ipxe expansion":      {checkIPXE, "#!ipxe\necho ${evil}\n"},
		"ipxe operator":       {checkIPXE, "#!ipxe\nkernel k a || shell\n"},
		"ipxe command":        {checkIPXE, "#!ipxe\nshell\n"},
		"ipxe quote":          {checkIPXE, "#!ipxe\necho \"x\"\n"},
		"ipxe menu option":    {checkIPXE, "#!ipxe\nmenu --delete x\n"},
		"ipxe initrd option":  {checkIPXE, "#!ipxe\ninitrd --name -x http://h/-x\n"},
		"apache directive":    {checkApache, "Alias /pxe/ \"/srv/tftp/\"\nScriptAlias /x \"/\"\n"},
		"xinetd attribute":    {checkXinetd, "service tftp\n{\n\tserver_args\t= -s /srv # x\n}\n"},
		"xinetd second block": {checkXinetd, "service tftp\n{\n}\nservice evil\n{\n}\n"},
		"dnsmasq directive":   {checkDnsmasq, "dhcp-host=52:54:00:00:00:01,a\ndhcp-script=/tmp/x\n"},
		"dnsmasq extra field": {checkDnsmasq, "dhcp-host=52:54:00:00:00:01,10.1.1.1,a,ignore\n"},
		"dnsmasq comment":     {checkDnsmasq, "tftp-root=/srv/tftp # x\n"},
		"dnsmasq boot fields": {checkDnsmasq, "dhcp-boot=tag:ipxe,http://x/a,b,,10.1.1.1\n"},
		"grub unquoted":       {checkGRUB, "menuentry 'a' --id 'a' {\n\tlinux '/k' a;reboot\n}\n"},
		"grub quote":          {checkGRUB, "menuentry 'a' --id 'a' {\n\tlinux '/k' 'a'b'\n}\n"},
		"grub command":        {checkGRUB, "menuentry 'a' --id 'a' {\n\tinsmod evil\n}\n"},
		"grub brace":          {checkGRUB, "menuentry 'a' --id 'a' {\n}\n}\n"},
		"grub default title":  {checkGRUB, "set default=pxegen~b\nmenuentry 'pxegen~b' --id 'pxegen~a' {\n}\nmenuentry 'b' --id 'pxegen~b' {\n}\n"},
		"grub title option":   {checkGRUB, "menuentry '--id=x' --id 'pxegen~a' {\n}\n"},
		"kea invalid":         {func(s string) string { return checkKea(s, "Dhcp4") }, "// x\n{\"Dhcp4\": {\"a\": 1}\n"},
		"kea second server":   {func(s string) string { return checkKea(s, "Dhcp4") }, "{\"Dhcp4\": {}, \"Dhcp6\": {}}\n"},
		"kea6 as kea4":        {func(s string) string { return checkKea(s, "Dhcp6") }, "{\"Dhcp4\": {}}\n"},
		"dnsmasq two ip6":     {checkDnsmasq, "dhcp-host=52:54:00:00:00:01,[2001:db8::1],[2001:db8::2],a\n"},
		"radvd statement":     {checkRadvd, "interface eth0\n{\n\tAdvSendAdvert on; AdvManagedFlag off;\n};\n"},
		"radvd brace":         {checkRadvd, "interface eth0\n{\n};\n};\n"},
	} {
		if c.check(c.text) == "" {
			t.Errorf("%s: accepted", name)
		}
	}
}

// checkSyntax checks f by the syntax of the file it is.
func checkSyntax(inv *inventory.Inventory, f filetree.File) string {
	text := string(f.Data)
	for _, r := range text {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return fmt.Sprintf("control character %U", r)
		}
	}
	root := strings.TrimPrefix(inv.Paths.BootRoot, "/")
	switch {
	case f.Path == rel(inv.Paths.DhcpdConf):
		return checkDhcpd(text)
	case f.Path == rel(inv.Paths.KeaConf):
		return checkKea(text, "Dhcp4")
	case f.Path == rel(inv.Paths.Kea6Conf):
		return checkKea(text, "Dhcp6")
	case f.Path == rel(inv.Paths.Dhcpd6Conf):
		return checkDhcpd(text)
	case f.Path == rel(inv.Paths.RadvdConf):
		return checkRadvd(text)
	case f.Path == rel(inv.Paths.DnsmasqConf):
		return checkDnsmasq(text)
	case f.Path == rel(inv.Paths.DnsmasqHosts):
		return checkDnsmasqFile(text, "dhcp-host")
	case f.Path == rel(inv.Paths.DnsmasqOpts):
		return checkDnsmasqFile(text, "dhcp-option")
	case f.Path == rel(inv.Paths.XinetdTFTP):
		return checkXinetd(text)
	case f.Path == rel(inv.Paths.ApacheConf):
		return checkApache(text)
	case strings.HasPrefix(f.Path, path.Join(root, inv.Bootloaders.GRUBDir, "grub.cfg")),
		f.Path == path.Join(root, inv.Bootloaders.GRUBDir, "x86_64-efi", "grub.cfg"),
		f.Path == path.Join(root, inv.Bootloaders.GRUBDir, "arm64-efi", "grub.cfg"):
		return checkGRUB(text)
	case strings.HasPrefix(f.Path, root+"/pxelinux.cfg/"):
		return checkPXELinux(text)
	case strings.HasPrefix(f.Path, root+"/ipxe/") && path.Ext(f.Path) == ".ipxe":
		return checkIPXE(text)
	}
	return "a file no checker knows"
}

var (
	dhcpdString  = regexp.MustCompile(`"[^"\\]*"`)
	dhcpdKeyword = regexp.MustCompile(`^(ddns-update-style|include|next-server|option|subnet|range|failover peer|primary|secondary|address|port|peer address|peer port|max-response-delay|max-unacked-updates|load balance max seconds|mclt|split|pool|default-lease-time|max-lease-time|min-lease-time|authoritative|not authoritative|if|} elsif|} else|}|host|hardware|fixed-address|filename|subnet6|range6|fixed-address6|preferred-lifetime)( |;|$)`)
)

// checkDhcpd: every line is blank, a whole-line comment, or one statement
// that starts with a keyword pxegen writes and ends the way statements and
// blocks do; strings hold no quote or backslash; braces balance.
func checkDhcpd(text string) string {
	depth := 0
	for i, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		bare := dhcpdString.ReplaceAllString(l, `""`)
		switch {
		case strings.ContainsAny(bare[:len(bare)-1], `;#\`) || strings.Count(bare, `"`)%2 != 0:
			return fmt.Sprintf("line %d: %q holds a second statement, a comment or a broken string", i+1, line)
		case !dhcpdKeyword.MatchString(bare):
			return fmt.Sprintf("line %d: %q starts with no keyword pxegen writes", i+1, line)
		case !strings.HasSuffix(bare, ";") && !strings.HasSuffix(bare, "{") && bare != "}":
			return fmt.Sprintf("line %d: %q does not end a statement or block", i+1, line)
		}
		depth += strings.Count(bare, "{") - strings.Count(bare, "}")
		if depth < 0 {
			return fmt.Sprintf("line %d: unbalanced }", i+1)
		}
	}
	if depth != 0 {
		return "unbalanced braces"
	}
	return ""
}

var pxelinuxDirective = regexp.MustCompile(`^(UI|PROMPT|MENU TITLE|MENU LABEL|MENU DEFAULT|TIMEOUT|ONTIMEOUT|DEFAULT|LABEL|LINUX|PXE|LOCALBOOT|APPEND)( |$)`)

// checkPXELinux: every line is a directive pxegen writes, and each LABEL
// has exactly one LINUX, PXE or LOCALBOOT and at most one APPEND.
func checkPXELinux(text string) string {
	labels, kernels, appends := 0, 0, 0
	for i, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(line)
		if l == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !pxelinuxDirective.MatchString(l) {
			return fmt.Sprintf("line %d: %q is no directive pxegen writes", i+1, line)
		}
		switch strings.Fields(l)[0] {
		case "LABEL":
			labels++
			if kernels != labels-1 || appends > labels-1 {
				return fmt.Sprintf("line %d: a label without exactly one LINUX, PXE or LOCALBOOT", i+1)
			}
		case "LINUX", "PXE", "LOCALBOOT":
			kernels++
		case "APPEND":
			appends++
		}
	}
	if kernels != labels || appends > labels {
		return fmt.Sprintf("%d labels, %d LINUX, PXE or LOCALBOOT and %d APPEND lines", labels, kernels, appends)
	}
	return ""
}

var (
	ipxeCommand   = regexp.MustCompile(`^(iseq|set|chain|kernel|initrd|boot|echo|exit|imgfetch|menu|item|choose|goto|sanboot|sleep)( |$)`)
	ipxeExpansion = regexp.MustCompile(`\$\{[^}]*\}`)
	ipxeLabel     = regexp.MustCompile(`^:[a-z]+[0-9]*$`)
)

// checkIPXE: a script of commands pxegen writes, whose only setting
// expansions are its own, with no quoting, escapes or comments inside a
// line, and || or && only where the templates put them.
func checkIPXE(text string) string {
	lines := strings.Split(text, "\n")
	if lines[0] != "#!ipxe" {
		return "no #!ipxe first line"
	}
	for i, line := range lines[1:] {
		if line == "" || strings.HasPrefix(line, "# ") || ipxeLabel.MatchString(line) {
			continue
		}
		if !ipxeCommand.MatchString(line) {
			return fmt.Sprintf("line %d: %q is no command pxegen writes", i+2, line)
		}
		for _, x := range ipxeExpansion.FindAllString(line, -1) {
			if x != "${platform}" && x != "${buildarch}" && x != "${netX/mac:hexhyp}" && x != "${netX/ip}" && x != "${profile}" {
				return fmt.Sprintf("line %d: expands %s", i+2, x)
			}
		}
		bare := ipxeExpansion.ReplaceAllString(line, "")
		if strings.ContainsAny(bare, `$"'\#{}`) {
			return fmt.Sprintf("line %d: %q holds iPXE quoting, expansion or a comment", i+2, line)
		}
		words := strings.Fields(bare)
		// iPXE's getopt reads options until the first word that does not
		// start with -, and an option's value must not start with - either.
		if cmd := words[0]; (cmd == "menu" || cmd == "item") && len(words) > 1 && strings.HasPrefix(words[1], "-") ||
			cmd == "initrd" && len(words) > 2 && words[1] == "--name" && strings.HasPrefix(words[2], "-") {
			return fmt.Sprintf("line %d: %q has a word iPXE reads as an option", i+2, line)
		}
		for j, w := range words {
			if w != "||" && w != "&&" {
				continue
			}
			// "|| goto label", "&& goto label ||", "&& exit 1 ||", or a
			// trailing "||".
			rest := words[j+1:]
			if !(len(rest) == 0 && w == "||" || len(rest) >= 2 && (rest[0] == "goto" || w == "&&" && rest[0] == "exit")) {
				return fmt.Sprintf("line %d: %q uses %s where pxegen does not", i+2, line, w)
			}
		}
	}
	return ""
}

var apacheLine = regexp.MustCompile(`^(Listen [1-9][0-9]*( https)?|Alias /[^" ]* "/[^" ]*/"|<Directory "/[^" ]*/">|\tOptions None|\tAllowOverride None|\tRequire all granted|</Directory>)$`)

// checkApache: exactly the directives pxegen writes, with clean quoted paths.
func checkApache(text string) string {
	for i, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !apacheLine.MatchString(line) {
			return fmt.Sprintf("line %d: %q is no directive pxegen writes", i+1, line)
		}
	}
	return ""
}

// dnsmasqFields is how many comma-separated fields each option pxegen
// writes has, not counting tag: and set: fields.
var dnsmasqFields = map[string][2]int{
	"interface": {1, 1}, "domain": {1, 1}, "dhcp-userclass": {1, 1}, "dhcp-match": {1, 2},
	"dhcp-option": {1, inventory.MaxOptionItems + 1}, "dhcp-option-force": {2, 2}, "dhcp-boot": {1, 3}, "dhcp-range": {4, 4}, "dhcp-host": {2, 3},
	"enable-tftp": {0, 0}, "tftp-root": {1, 1}, "dhcp-authoritative": {0, 0}, "conf-file": {1, 1},
	"dhcp-hostsfile": {1, 1}, "dhcp-optsfile": {1, 1}, "enable-ra": {0, 0}, "ra-param": {3, 3},
}

// checkDnsmasqFile checks a dhcp-hostsfile or dhcp-optsfile, whose lines
// are the values of option key's lines, as checkDnsmasq checks those.
func checkDnsmasqFile(text, key string) string {
	var conf strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			line = key + "=" + line
		}
		conf.WriteString(line + "\n")
	}
	return checkDnsmasq(conf.String())
}

// checkDnsmasq: every line is blank, a comment, or one option pxegen
// writes with a value free of comment, quote and space characters and
// with as many fields as that option takes, so no value can add a field
// or an option.
func checkDnsmasq(text string) string {
	for i, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, _ := strings.Cut(line, "=")
		limits, ok := dnsmasqFields[key]
		if !ok {
			return fmt.Sprintf("line %d: %q is no option pxegen writes", i+1, line)
		}
		if strings.ContainsAny(value, "#\"\\ \t") {
			return fmt.Sprintf("line %d: %q holds a comment, quote or space character", i+1, line)
		}
		n, ip6 := 0, 0
		if value != "" {
			for _, field := range strings.Split(value, ",") {
				switch {
				case strings.HasPrefix(field, "tag:"), strings.HasPrefix(field, "set:"):
				case key == "dhcp-host" && strings.HasPrefix(field, "[") && strings.HasSuffix(field, "]"):
					ip6++ // a host's IPv6 address, beside its IPv4 one
				default:
					n++
				}
			}
		}
		if ip6 > 1 {
			return fmt.Sprintf("line %d: %q has %d IPv6 addresses, want one at most", i+1, line, ip6)
		}
		if n < limits[0] || n > limits[1] {
			return fmt.Sprintf("line %d: %q has %d fields, want %d to %d", i+1, line, n, limits[0], limits[1])
		}
		if key == "dhcp-boot" && n != 3 {
			return fmt.Sprintf("line %d: %q: a boot file, an empty server name and an address", i+1, line)
		}
	}
	return ""
}

var (
	grubQuoted = `'[^']*'`
	grubLine   = regexp.MustCompile(`^(source \$prefix/grub\.cfg|if \[ -z "\$pxegen_searched" \]; then|\tset pxegen_searched=1|\texport pxegen_searched|\tnormal|fi|` +
		`set timeout=-?[0-9]+|set default=pxegen~[A-Za-z0-9._-]+|\texit|` +
		// The local entry: chainload the first EFI loader found on a disk.
		`\t+for loader in( '/[A-Za-z0-9/._-]+')+; do|\t+if search --no-floppy --set=root --file "\$loader"; then|` +
		`\t+echo "pxegen: booting the local disk: \$loader"|\t+chainloader "\$loader"|\t+boot|\t+fi|\t+done|` +
		`\techo 'pxegen: no local disk holds an EFI loader; leaving GRUB'|` +
		// Where ARM64 machines boot too: the kernel by CPU.
		`\tif \[ "\$grub_cpu" = arm64 \]; then|\telse|\t\techo 'pxegen: profile [A-Za-z0-9._-]+ has no (arm64|x86-64) kernel'|` +
		`\t+echo 'pxegen: profile [A-Za-z0-9._-]+ has nothing for x86-64 UEFI'|\t+chainloader( ` + grubQuoted + `)+|` +
		`menuentry ` + grubQuoted + ` --id ` + grubQuoted + ` \{|\t+linux( ` + grubQuoted + `)+|\t+initrd( ` + grubQuoted + `)+)$`)
)

// checkGRUB: every line is blank, a comment, or one of the commands
// pxegen writes, each argument single-quoted (GRUB expands nothing there);
// menu entry braces balance; no title starts with - (menuentry would read
// an option); and `set default` selects, in every GRUB, the entry whose id
// it names.
func checkGRUB(text string) string {
	depth := 0
	var def string
	var titles, ids []string
	for i, line := range strings.Split(text, "\n") {
		switch {
		case line == "" || strings.HasPrefix(strings.TrimSpace(line), "#"):
		case line == "}":
			depth--
			if depth < 0 {
				return fmt.Sprintf("line %d: unbalanced }", i+1)
			}
		case grubLine.MatchString(line):
			if strings.HasPrefix(line, "menuentry ") {
				depth++
				words := grubWord.FindAllStringSubmatch(line, -1)
				titles, ids = append(titles, words[0][1]), append(ids, words[1][1])
				if strings.HasPrefix(words[0][1], "-") {
					return fmt.Sprintf("line %d: a title GRUB reads as an option", i+1)
				}
			}
			if v, ok := strings.CutPrefix(line, "set default="); ok {
				def = v
			}
		default:
			return fmt.Sprintf("line %d: %q is no command pxegen writes", i+1, line)
		}
	}
	if depth != 0 {
		return "unbalanced braces"
	}
	want := -1
	for i, id := range ids {
		if id == def {
			want = i
		}
	}
	if up, fedora := grubDefaultEntry(def, titles, ids); def != "" && (want < 0 || up != want || fedora != want) {
		return fmt.Sprintf("set default=%s names entry %d, but GRUB picks entry %d (upstream) or %d (Fedora)", def, want, up, fedora)
	}
	return ""
}

var grubWord = regexp.MustCompile(`'([^']*)'`)

// TestGRUBDefaultEntry checks the model of GRUB's default against what its
// source does with the values that once broke pxegen's menus.
func TestGRUBDefaultEntry(t *testing.T) {
	titles, ids := []string{"a", "1-rescue", "Rescue"}, []string{"a", "b", "1-rescue"}
	for _, c := range []struct {
		value            string
		upstream, fedora int
	}{
		{"1-rescue", 1, 2}, // a number first upstream; an id first in Fedora
		{"b", 1, 1},
		{"a", 0, 0},
		{"0x2", 2, 2},
		{"010", -1, -1}, // octal 8: no such entry
		{"nope", -1, -1},
	} {
		up, fedora := grubDefaultEntry(c.value, titles, ids)
		if up != c.upstream || fedora != c.fedora {
			t.Errorf("default=%s: entries %d and %d, want %d and %d", c.value, up, fedora, c.upstream, c.fedora)
		}
	}
}

// grubDefaultEntry is the menu entry that GRUB boots by default for `set
// default=value`, as grub-core/normal/menu.c get_entry_number reads it:
// upstream GRUB (2.06 to 2.14, Debian's) takes a value that starts with a
// number as a position, whatever follows, and else the first entry whose
// title or id equals it; Fedora's GRUB tries ids, then titles, then a
// whole number. -1: no entry (GRUB boots the first).
func grubDefaultEntry(value string, titles, ids []string) (upstream, fedora int) {
	upstream, fedora = -1, -1
	if n, rest, ok := grubStrtoul(value); ok {
		upstream = n
		if rest == "" {
			fedora = n
		}
	} else {
		for i := range titles {
			if titles[i] == value || ids[i] == value {
				upstream = i
				break
			}
		}
	}
	for i := len(titles) - 1; i >= 0; i-- {
		if titles[i] == value {
			fedora = i
		}
	}
	for i := len(ids) - 1; i >= 0; i-- {
		if ids[i] == value {
			fedora = i
		}
	}
	if upstream >= len(titles) {
		upstream = -1
	}
	if fedora >= len(titles) {
		fedora = -1
	}
	return upstream, fedora
}

// grubStrtoul is GRUB's grub_strtoul(s, &end, 0): a number in base 10, 16
// after 0x or 8 after a 0, and what follows it; ok is false when no digit
// was read.
func grubStrtoul(s string) (n int, rest string, ok bool) {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	base := 10
	if strings.HasPrefix(s, "0x") {
		base, s = 16, s[2:]
	} else if len(s) > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '7' {
		base = 8
	}
	i := 0
	for ; i < len(s); i++ {
		c := s[i] | 0x20 // lower case, as grub_tolower
		d := int(s[i] - '0')
		if c >= 'a' && c <= 'z' {
			d = int(c-'a') + 10
		} else if d < 0 || d > 9 {
			break
		}
		if d >= base {
			break
		}
		n = min(n*base+d, 1<<30)
		ok = true
	}
	return n, s[i:], ok
}

// checkKea: comment lines, then one JSON document holding only Dhcp4.
func checkKea(text, top string) string {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(golden.KeaJSON(text), &doc); err != nil {
		return "not JSON: " + err.Error()
	}
	if len(doc) != 1 || doc[top] == nil {
		return fmt.Sprintf("want only %s at the top, got %d keys", top, len(doc))
	}
	return ""
}

var radvdLine = regexp.MustCompile(`^(interface [A-Za-z0-9._-]{1,15}|\tprefix [0-9a-f:]+/[0-9]+|\t*[{]|\t*};|\t+Adv[A-Za-z]+ (on|off|[0-9]+);|\t+(Min|Max)RtrAdvInterval [0-9]+;)$`)

// checkRadvd: every line is blank, a comment, or one of the statements
// pxegen writes; braces balance.
func checkRadvd(text string) string {
	depth := 0
	for i, line := range strings.Split(text, "\n") {
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case !radvdLine.MatchString(line):
			return fmt.Sprintf("line %d: %q is no statement pxegen writes", i+1, line)
		case strings.HasSuffix(line, "{"):
			depth++
		case strings.HasSuffix(line, "};"):
			if depth--; depth < 0 {
				return fmt.Sprintf("line %d: unbalanced }", i+1)
			}
		}
	}
	if depth != 0 {
		return "unbalanced braces"
	}
	return ""
}

var xinetdAttr = regexp.MustCompile(`^\t[a-z_]+\t+= [^#"{}]+$`)

// checkXinetd: one service block of attribute lines.
func checkXinetd(text string) string {
	blocks := 0
	for i, line := range strings.Split(text, "\n") {
		switch {
		case line == "" || strings.HasPrefix(line, "#"), line == "{", line == "}":
		case strings.HasPrefix(line, "service "):
			blocks++
		case !xinetdAttr.MatchString(line):
			return fmt.Sprintf("line %d: %q is no attribute line", i+1, line)
		}
	}
	if blocks != 1 {
		return fmt.Sprintf("%d service blocks", blocks)
	}
	return ""
}
