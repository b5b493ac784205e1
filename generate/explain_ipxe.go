package generate

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// explain runs the iPXE scripts pxegen rendered, as iPXE would on the
// client's platform, rather than say what the inventory meant them to do:
// a template override that boots another kernel is what explain reports.
// pxegen's scripts use a small part of iPXE's language (commands joined by
// && and ||, labels and goto, settings expanded as ${name}); explain runs
// that part and assumes that every fetch succeeds of a file pxegen
// rendered, or of a kernel or initrd.

// maxIPXECommands stops a script that loops.
const maxIPXECommands = 10000

// ipxeScript is one rendered script: its commands, one per line, and
// where each label points.
type ipxeScript struct {
	path   string // below boot_root
	lines  []string
	labels map[string]int
	// chose is the menu item a choose in this script picked, and after
	// how long.
	chose *ipxeChoice
}

type ipxeChoice struct {
	timeoutMS int
	item      string
}

func parseIPXE(path string, data []byte) *ipxeScript {
	sc := &ipxeScript{path: path, labels: map[string]int{}}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		switch label, isLabel := strings.CutPrefix(line, ":"); {
		case line == "", strings.HasPrefix(line, "#"):
		case isLabel:
			sc.labels[label] = len(sc.lines)
		default:
			sc.lines = append(sc.lines, line)
		}
	}
	return sc
}

// count is how many lines of the script run cmd.
func (sc *ipxeScript) count(cmd string) int {
	n := 0
	for _, line := range sc.lines {
		if strings.HasPrefix(line, cmd+" ") {
			n++
		}
	}
	return n
}

// option is the value of --opt on the first line that runs cmd.
func (sc *ipxeScript) option(cmd, opt string) string {
	for _, line := range sc.lines {
		if w := strings.Fields(line); len(w) > 0 && w[0] == cmd {
			opts, _ := ipxeOptions(w[1:])
			return opts[opt]
		}
	}
	return ""
}

// ipxeOptions splits a command's arguments into its --options, with their
// values, and the rest. iPXE reads options up to the first word that is
// not one.
func ipxeOptions(args []string) (opts map[string]string, rest []string) {
	opts = map[string]string{}
	for i := 0; i < len(args); i++ {
		name, ok := strings.CutPrefix(args[i], "--")
		if !ok {
			return opts, args[i:]
		}
		if n, v, ok := strings.Cut(name, "="); ok {
			opts[n] = v
			continue
		}
		switch name {
		case "name", "timeout", "default", "drive", "menu", "filename", "retry":
			if i+1 < len(args) {
				opts[name] = args[i+1]
				i++
			}
		default:
			opts[name] = ""
		}
	}
	return opts, nil
}

// ipxeEnd is how a script ends.
type ipxeEnd int

const (
	ipxeReturned ipxeEnd = iota // it ran to its end: a chain of it returns
	ipxeFailed                  // a command failed and nothing caught it
	ipxeDone                    // the client boots (or explain can follow it no further)
)

// ipxeFlow is what one command or line does to the flow of its script.
type ipxeFlow struct {
	ok    bool
	jump  string // a label to go to
	ended bool   // the script ends with end
	end   ipxeEnd
}

// ipxeRun is one client running the scripts.
type ipxeRun struct {
	x        *explainer
	origin   string            // scheme and host of the URL DHCP gave: what iPXE resolves a bare path against
	settings map[string]string // what ${name} expands to
	images   map[string]string // imgfetch --name NAME: the URL fetched
	commands int
	kernel   string
	args     []string
	initrds  []string
	// afterPXELinux: PXELINUX returned to iPXE (LOCALBOOT).
	afterPXELinux bool
}

// runIPXE runs the script at url, the one DHCP named, and what it chains.
func (x *explainer) runIPXE(url string) {
	platform, buildarch := "efi", x.cpu()
	if x.code == 0 {
		platform, buildarch = "pcbios", "i386"
	}
	r := &ipxeRun{x: x, origin: urlOrigin(url), images: map[string]string{}, settings: map[string]string{
		"platform":        platform,
		"buildarch":       buildarch,
		"netX/mac:hexhyp": strings.ReplaceAll(x.explain.Client.MAC, ":", "-"),
		// What DHCP gave: the fixed address, for a known InfiniBand entry.
		"netX/ip": x.q.IP,
	}}
	path := x.below(url)
	if _, ok := x.files[path]; !ok {
		x.step(Step{Stage: "ipxe", Summary: fmt.Sprintf("iPXE fetches %s, which pxegen did not render: nothing boots", url)})
		return
	}
	if r.run(path, 0) != ipxeDone {
		x.step(Step{Stage: "ipxe", Summary: "the scripts end without booting: iPXE gives up, and the firmware goes on to its next boot option"})
	}
}

// run runs the script at path (below boot_root).
func (r *ipxeRun) run(path string, depth int) ipxeEnd {
	sc := parseIPXE(path, r.x.files[path])
	for pc := 0; pc < len(sc.lines); {
		line := sc.lines[pc]
		pc++
		f := r.line(sc, line, depth)
		switch {
		case f.ended:
			return f.end
		case f.jump != "":
			next, ok := sc.labels[f.jump]
			if !ok {
				return ipxeFailed // iPXE's goto fails
			}
			pc = next
		case !f.ok:
			return ipxeFailed
		}
	}
	return ipxeReturned
}

// line runs one line: commands joined by && (run the next if this one
// succeeded) and || (if it failed). A trailing || ignores a failure.
func (r *ipxeRun) line(sc *ipxeScript, line string, depth int) ipxeFlow {
	ok := true
	op := ""
	var words []string
	flush := func() (ipxeFlow, bool) {
		defer func() { words = nil }()
		run := op == "" || op == "&&" && ok || op == "||" && !ok
		switch {
		case !run:
		case len(words) == 0:
			ok = true // "cmd ||": its failure is caught
		default:
			f := r.command(sc, words, depth)
			if f.ended || f.jump != "" {
				return f, true
			}
			ok = f.ok
		}
		return ipxeFlow{}, false
	}
	for _, w := range strings.Fields(line) {
		if w != "&&" && w != "||" {
			words = append(words, w)
			continue
		}
		if f, stop := flush(); stop {
			return f
		}
		op = w
	}
	if f, stop := flush(); stop {
		return f
	}
	return ipxeFlow{ok: ok}
}

// urlOrigin is a URL's scheme and host: http://[2001:db8::1]:8080.
func urlOrigin(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	return scheme + "://" + host
}

var ipxeSetting = regexp.MustCompile(`\$\{([^}]*)\}`)

func (r *ipxeRun) expand(s string) string {
	return ipxeSetting.ReplaceAllStringFunc(s, func(m string) string { return r.settings[m[2:len(m)-1]] })
}

// command runs one command, with its arguments.
func (r *ipxeRun) command(sc *ipxeScript, words []string, depth int) ipxeFlow {
	x := r.x
	if r.commands++; r.commands > maxIPXECommands {
		x.step(Step{Stage: "ipxe", Summary: fmt.Sprintf("%s runs more than %d commands: explain stops here", sc.path, maxIPXECommands)})
		return ipxeFlow{ended: true, end: ipxeDone}
	}
	for i := range words {
		words[i] = r.expand(words[i])
	}
	opts, args := ipxeOptions(words[1:])
	switch words[0] {
	case "imgfetch", "chain", "kernel", "initrd":
		// A path without a host: iPXE resolves it against the URL of
		// the script it runs, which came from DHCP's URL's server.
		if len(args) > 0 && strings.HasPrefix(args[0], "/") {
			args[0] = r.origin + args[0]
		}
	}
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	switch words[0] {
	case "iseq":
		return ipxeFlow{ok: len(args) == 2 && args[0] == args[1]}
	case "goto":
		return ipxeFlow{jump: arg(0)}
	case "set":
		r.settings[arg(0)] = strings.Join(args[min(1, len(args)):], " ")
	case "echo", "sleep", "menu", "item":
	case "choose":
		// The menu as it boots when no key is pressed.
		ms, _ := strconv.Atoi(opts["timeout"])
		sc.chose = &ipxeChoice{timeoutMS: ms, item: opts["default"]}
		r.settings[arg(0)] = opts["default"]
	case "imgfetch":
		url := arg(0)
		if _, ok := x.files[x.below(url)]; !ok {
			return ipxeFlow{ok: false}
		}
		r.images[opts["name"]] = url
	case "chain":
		url := arg(0)
		if fetched, ok := r.images[url]; ok {
			url = fetched
		}
		_, replace := opts["replace"]
		return r.chain(sc, url, args[min(1, len(args)):], replace, depth)
	case "kernel":
		r.kernel, r.args, r.initrds = arg(0), args[min(1, len(args)):], nil
	case "initrd":
		r.initrds = append(r.initrds, arg(0))
	case "boot":
		if r.kernel == "" {
			return ipxeFlow{ok: false}
		}
		profile := r.profileOf(sc.path)
		x.explain.Boots = Boot{Profile: profile, Kernel: r.kernel, Initrds: r.initrds, Cmdline: strings.Join(r.args, " "),
			Via: "ipxe", Because: x.profileWhere(profile)}
		return ipxeFlow{ended: true, end: ipxeDone}
	case "sanboot":
		return r.local(sc, ArchBIOS)
	case "exit":
		return r.local(sc, ArchUEFI)
	default:
		x.step(Step{Stage: "ipxe", Summary: fmt.Sprintf("%s runs %s, which explain does not model: it assumes it succeeds", sc.path, words[0])})
	}
	return ipxeFlow{ok: true}
}

// chain runs url: a script pxegen rendered, PXELINUX, or another program
// (a memtest or chain profile's), which boots with args.
func (r *ipxeRun) chain(sc *ipxeScript, url string, args []string, replace bool, depth int) ipxeFlow {
	x, s := r.x, r.x.site
	to := x.below(url)
	_, rendered := x.files[to]
	switch {
	case to == s.Bootloaders.PXELinux:
		x.step(Step{Stage: "ipxe", Summary: fmt.Sprintf("on BIOS iPXE chains PXELINUX %s with option 210 = %s", url, r.settings["210:string"]),
			Fetch: s.Bootloaders.PXELinux})
		x.search("pxelinux", "pxelinux.cfg/", "pxelinux.cfg/default", parsePXELinux)
		if x.explain.Boots.Local {
			// LOCALBOOT returns to the script that chained PXELINUX.
			r.afterPXELinux = true
			return ipxeFlow{ok: true}
		}
		return ipxeFlow{ended: true, end: ipxeDone}
	case rendered && depth < 16:
		x.step(r.chainStep(sc, to))
		switch r.run(to, depth+1) {
		case ipxeDone:
			return ipxeFlow{ended: true, end: ipxeDone}
		case ipxeFailed:
			return ipxeFlow{ok: false}
		}
		if replace {
			// The script that chained is gone: iPXE does not go back to it.
			return ipxeFlow{ended: true, end: ipxeReturned}
		}
		return ipxeFlow{ok: true}
	case rendered:
		x.step(Step{Stage: "ipxe", Summary: fmt.Sprintf("%s chains %s, more than 16 scripts deep: explain stops here", sc.path, to)})
	case r.program(url):
		profile := r.profileOf(sc.path)
		x.step(Step{Stage: "ipxe", Summary: fmt.Sprintf("%s runs the program %s of profile %s", sc.path, url, profile)})
		x.explain.Boots = Boot{Profile: profile, Kernel: url, Cmdline: strings.Join(args, " "), Via: "ipxe", Because: x.profileWhere(profile)}
	default:
		x.step(Step{Stage: "ipxe", Summary: fmt.Sprintf("%s chains %s, which pxegen did not render: explain cannot follow it", sc.path, url)})
	}
	return ipxeFlow{ended: true, end: ipxeDone}
}

// chainStep says what it means that the script from chains the script to.
func (r *ipxeRun) chainStep(from *ipxeScript, to string) Step {
	x := r.x
	step := Step{Stage: "ipxe", Summary: fmt.Sprintf("%s chains %s", from.path, to), Fetch: to}
	switch {
	case from.chose != nil:
		step.Summary = fmt.Sprintf("the menu's timeout (%d tenths of a second) passes: it runs %s", from.chose.timeoutMS/100, to)
		step.Because = x.where("menu.default")
	case x.host != nil && from.path == x.below(x.host.KnownURL) && to == x.hostScript():
		step.Summary = fmt.Sprintf("%s runs the host's own script %s: host %s boots %s (if it cannot be fetched, after %d tries, the local disk; never another profile)",
			from.path, to, x.hostName(), profileName(x.host.Profile), from.count("imgfetch"))
		step.Because = x.where(x.nicAt)
	case from.path == x.net.BootScript && to == "ipxe/menu.ipxe":
		menu := parseIPXE(to, x.files[to])
		step.Summary = fmt.Sprintf("%s runs the menu, since the network names no profile: default %s", from.path, menu.option("choose", "default"))
		step.Because = x.where("menu.default")
	case from.path == x.net.BootScript && strings.HasPrefix(to, "ipxe/profiles/"):
		step.Summary = fmt.Sprintf("%s runs the network's profile: %s", from.path, to)
		step.Because = x.where(x.netAt + ".profile")
	}
	return step
}

// local is the client booting its local disk: sanboot boots the BIOS's
// first disk, exit hands the boot back to the firmware.
func (r *ipxeRun) local(sc *ipxeScript, how string) ipxeFlow {
	x := r.x
	summary := "iPXE boots the local disk: " + localBoot(how)
	if r.afterPXELinux {
		summary = "PXELINUX's LOCALBOOT returns to iPXE, which boots the local disk: " + localBoot(how)
	}
	x.step(Step{Stage: "ipxe", Summary: summary})
	if !x.explain.Boots.Local {
		x.explain.Boots = Boot{Profile: r.profileOf(sc.path), Local: true, Via: "ipxe"}
	}
	return ipxeFlow{ended: true, end: ipxeDone}
}

// profileOf is the profile a script boots, by whose script it is: a
// profile's own, or a host's.
func (r *ipxeRun) profileOf(path string) string {
	if name, ok := strings.CutPrefix(path, "ipxe/profiles/"); ok {
		return strings.TrimSuffix(name, ".ipxe")
	}
	for _, h := range r.x.site.Hosts {
		if h.Profile != nil && path == h.Script {
			return h.Profile.Name
		}
	}
	return ""
}

// hostScript is the client's host's own script.
func (x *explainer) hostScript() string { return x.host.Script }

// program reports whether url is the EFI program of a memtest or chain
// profile, which iPXE runs rather than a script.
func (r *ipxeRun) program(url string) bool {
	for _, p := range r.x.site.Profiles {
		if p.EFIURL != "" && p.EFIURL == url {
			return true
		}
	}
	return false
}
