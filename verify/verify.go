// Package verify runs the real daemons' own checks on a rendered tree:
// dhcpd's syntax check, Apache's, and xinetd started on the stanza in an
// empty network namespace. A check whose daemon is not installed is
// skipped, and says so. Rendered runs them on a private copy of an
// in-memory tree; Tree checks that a directory holds that tree.
package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/inventory"
)

// Status is the outcome of one check.
type Status string

// The outcomes.
const (
	Passed  Status = "passed"
	Failed  Status = "failed"
	Skipped Status = "skipped"
)

// Result is what one check found.
type Result struct {
	Check  string `json:"check"` // dhcpd, kea, dnsmasq, apache, xinetd; tree for Tree
	Status Status `json:"status"`
	// Detail is the command run, the reason for a skip, or what failed:
	// the command, then the daemon's own lines that say why, each on a
	// line of its own.
	Detail string `json:"detail"`
}

// Run checks the files inv's targets produce in the tree under root, whose
// files sit at their server paths below it (as pxegen render lays them out).
func Run(ctx context.Context, root string, inv *inventory.Inventory) []Result {
	targets, paths := inv.Targets, inv.Paths
	// Absolute, since Apache resolves a relative Include against its
	// ServerRoot, not the working directory.
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	at := func(abs string) string { return filepath.Join(root, strings.TrimPrefix(abs, "/")) }
	var results []Result
	switch targets.DHCP {
	case inventory.TargetDhcpd:
		results = append(results, Dhcpd(ctx, at(paths.DhcpdConf)))
	case inventory.TargetKea:
		results = append(results, Kea(ctx, at(paths.KeaConf), inv.Server.Interfaces), KeaVersion(ctx, targets.KeaVersion))
	}
	if inv.HasIPv6() {
		switch targets.DHCP {
		case inventory.TargetDhcpd:
			results = append(results, Dhcpd6(ctx, at(paths.Dhcpd6Conf)))
		case inventory.TargetKea:
			results = append(results, Kea6(ctx, at(paths.Kea6Conf), ipv6Interfaces(inv)))
		}
		if targets.DHCP != inventory.TargetDnsmasq && inv.HasRA() {
			results = append(results, Radvd(ctx, at(paths.RadvdConf)))
		}
	}
	if targets.UsesDnsmasq() {
		results = append(results, dnsmasqTree(ctx, at, paths))
	}
	results = append(results, Apache(ctx, at(paths.ApacheConf)))
	if targets.TFTP == inventory.TargetXinetd {
		results = append(results, Xinetd(ctx, at(paths.XinetdTFTP)))
	}
	return results
}

// Rendered writes tree into a temporary directory only this user can
// enter and runs Run there. The daemons, run as root, never read a file
// anyone else could have written: an appended LoadModule line in a tree
// others can write would run their code.
//
// The one file of the site's own the DHCP server reads, its include
// (paths.dhcpd_include and the like), is read from the tree under site,
// at its path on the server (with site /, the boot server's own file), and
// checked (the include check): a regular file, reached through no link,
// owned by root or by this user and writable by no one else, as a file a
// daemon run as root reads must be. It is then copied into the staging
// directory, and the staging copy of the DHCP server's configuration
// names that copy instead: the daemon checks the whole, as it will read
// it. An include that fails its check is not given to the daemon, whose
// check is then skipped.
func Rendered(ctx context.Context, inv *inventory.Inventory, tree filetree.Tree, site string) ([]Result, error) {
	staging, err := os.MkdirTemp("", "pxegen-staging-") // mode 0700
	if err != nil {
		return nil, fmt.Errorf("create staging directory: %w", err)
	}
	defer os.RemoveAll(staging)
	if _, err := filetree.Write(staging, tree); err != nil {
		return nil, err
	}
	var results []Result
	dhcp := inv.Targets.DHCP
	if inc, key := inv.Paths.Include(dhcp); inc != "" {
		r := Include(site, inc, key)
		results = append(results, r)
		if r.Status == Passed {
			if err := stageInclude(staging, inv, site, inc); err != nil {
				return nil, err
			}
		} else {
			dhcp = "" // the daemon gets no file that failed its check
		}
	}
	checked := *inv
	if dhcp == "" {
		results = append(results, Result{Check: inv.Targets.DHCP, Status: Skipped, Detail: "its configuration includes a file that failed the include check"})
		if checked.Targets.DHCP == inventory.TargetDnsmasq {
			checked.Targets.TFTP = "" // the same drop-in
		}
		checked.Targets.DHCP = ""
	}
	results = append(results, Run(ctx, staging, &checked)...)
	if err := ctx.Err(); err != nil {
		// Interrupted: the checks were killed, so their results say nothing.
		return nil, fmt.Errorf("verify: %w", context.Cause(ctx))
	}
	for i := range results {
		// Name files by their place in the tree, not the temporary copy.
		results[i].Detail = strings.ReplaceAll(results[i].Detail, staging+string(os.PathSeparator), "")
	}
	return results, nil
}

// Include checks the site's include file inc, read from the tree under
// site at its server path: there, a regular file reached through no
// link, owned by root or by this user, and writable by no one else.
func Include(site, inc, key string) Result {
	r := Result{Check: "include"}
	where := filepath.Join(site, inc)
	f, err := filetree.ReadOwned(site, strings.TrimPrefix(inc, "/"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		r.Status, r.Detail = Failed, fmt.Sprintf("%s (%s), which the DHCP server's configuration includes, does not exist", where, key)
	case err != nil:
		r.Status, r.Detail = Failed, fmt.Sprintf("%s (%s): %v", where, key, err)
	case f.UID != 0 && int(f.UID) != os.Geteuid():
		r.Status, r.Detail = Failed, fmt.Sprintf("%s (%s) is owned by uid %d: a file the DHCP server reads as root must be root's or yours", where, key, f.UID)
	case f.Mode&0o022 != 0:
		r.Status, r.Detail = Failed, fmt.Sprintf("%s (%s) is writable by its group or others (mode %04o): a file the DHCP server reads as root must be writable by its owner only", where, key, f.Mode)
	default:
		r.Status, r.Detail = Passed, fmt.Sprintf("%s (%s): %d bytes, mode %04o", where, key, len(f.Data), f.Mode)
	}
	return r
}

// stageInclude copies the include inc from the tree under site into the
// staging tree at its server path, and makes the staged configuration of
// the DHCP server name the copy.
func stageInclude(staging string, inv *inventory.Inventory, site, inc string) error {
	f, err := filetree.ReadOwned(site, strings.TrimPrefix(inc, "/"))
	if err != nil {
		return err
	}
	copied := filepath.Join(staging, inc)
	if err := os.MkdirAll(filepath.Dir(copied), 0o700); err != nil {
		return fmt.Errorf("stage %s: %w", inc, err)
	}
	if err := os.WriteFile(copied, f.Data, 0o600); err != nil {
		return fmt.Errorf("stage %s: %w", inc, err)
	}
	conf, from, to := "", `"`+inc+`"`, `"`+copied+`"`
	switch inv.Targets.DHCP {
	case inventory.TargetDhcpd:
		conf = inv.Paths.DhcpdConf
	case inventory.TargetKea:
		conf = inv.Paths.KeaConf
	case inventory.TargetDnsmasq:
		conf, from, to = inv.Paths.DnsmasqConf, "\nconf-file="+inc+"\n", "\nconf-file="+copied+"\n"
	}
	confPath := filepath.Join(staging, conf)
	data, err := os.ReadFile(confPath)
	if err != nil {
		return fmt.Errorf("stage %s: %w", conf, err)
	}
	return os.WriteFile(confPath, bytes.ReplaceAll(data, []byte(from), []byte(to)), 0o644)
}

// Tree checks that the tree under dir holds exactly the files of tree:
// the daemons vouch for pxegen's rendering, and this check says whether
// dir is it. It reads dir as render does, following no link and reading
// no irregular file, under a shared lock.
func Tree(dir string, tree filetree.Tree) (Result, error) {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return Result{}, fmt.Errorf("verify %s: not a directory (render into it first)", dir)
	}
	// Force, without a manifest: a comparison, not a takeover.
	plan, err := filetree.NewPlan(dir, tree, filetree.PlanOptions{Force: true, Lock: filetree.SharedLock})
	if err != nil {
		return Result{}, err
	}
	defer plan.Close()
	var differ []string
	for _, c := range plan.Changes {
		switch c.Action {
		case filetree.Create:
			differ = append(differ, filetree.Escape(c.Path)+" is missing")
		case filetree.Update:
			differ = append(differ, filetree.Escape(c.Path)+" is not what the inventory renders")
		}
	}
	if len(differ) == 0 {
		return Result{Check: "tree", Status: Passed, Detail: fmt.Sprintf("%s holds the %d files the inventory renders", dir, len(tree))}, nil
	}
	const most = 5
	if len(differ) > most {
		differ = append(differ[:most], fmt.Sprintf("and %d more", len(differ)-most))
	}
	return Result{Check: "tree", Status: Failed,
		Detail: strings.Join(differ, "; ") + " (the daemons checked pxegen's rendering, not these files; pxegen diff shows them)"}, nil
}

// Kea runs `kea-dhcp4 -t conf`, which parses the configuration and checks
// it as the server would load it, without opening sockets or leases. It
// also insists that each named interface exists, which on a build host it
// need not: with named interfaces the check runs in an empty network
// namespace holding interfaces of those names (root and unshare).
func Kea(ctx context.Context, conf string, interfaces []string) Result {
	return kea(ctx, "kea", "kea-dhcp4", "kea-dhcp4 is not installed (Debian: kea-dhcp4-server)", conf, interfaces)
}

// Kea6 is Kea's check for kea-dhcp6.conf.
func Kea6(ctx context.Context, conf string, interfaces []string) Result {
	return kea(ctx, "kea6", "kea-dhcp6", "kea-dhcp6 is not installed (Debian: kea-dhcp6-server)", conf, interfaces)
}

// ipv6Interfaces are the interfaces kea-dhcp6.conf names: the IPv6
// networks' own.
func ipv6Interfaces(inv *inventory.Inventory) []string {
	var out []string
	for _, n := range inv.Networks {
		if n.Subnet6 != "" && n.Interface != "" && !slices.Contains(out, n.Interface) {
			out = append(out, n.Interface)
		}
	}
	return out
}

func kea(ctx context.Context, check, name, missing, conf string, interfaces []string) Result {
	if len(interfaces) == 0 {
		return command(ctx, check, name, missing, "-t", conf)
	}
	r := Result{Check: check}
	bin, err := exec.LookPath(name)
	if err != nil {
		r.Status, r.Detail = Skipped, missing
		return r
	}
	unshare, err := exec.LookPath("unshare")
	ip, ipErr := exec.LookPath("ip")
	if err != nil || ipErr != nil || os.Geteuid() != 0 {
		r.Status, r.Detail = Skipped, "Kea's check needs the interfaces it names; making them in an empty network namespace needs root, unshare and ip"
		return r
	}
	script := ""
	for i, name := range interfaces { // validated: letters, digits, . _ -
		// veth, since not every kernel has the dummy module.
		script += fmt.Sprintf("%s link add %s type veth peer name pxegen%d && %s link set %s up && ", ip, name, i, ip, name)
	}
	script += `exec "$0" -t "$1"`
	out, err := daemon(exec.CommandContext(ctx, unshare, "--net", "--", "sh", "-c", script, bin, conf)).CombinedOutput()
	return finish(r, fmt.Sprintf("%s -t %s in a network namespace with interfaces %s", name, conf, strings.Join(interfaces, ", ")), out, err)
}

// dnsmasqTree checks the drop-in with the host and option files it names,
// which `dnsmasq --test` does not read (dnsmasq reads them once started):
// their lines go into a copy of the drop-in as the dhcp-host and
// dhcp-option lines they stand for, so that dnsmasq checks every one, and
// a line dnsmasq names in the copy is named in the file it came from.
func dnsmasqTree(ctx context.Context, at func(string) string, paths inventory.Paths) Result {
	conf := at(paths.DnsmasqConf)
	data, err := os.ReadFile(conf)
	if err != nil {
		return Result{Check: "dnsmasq", Status: Failed, Detail: err.Error()}
	}
	files := map[string]struct{ file, key string }{
		"dhcp-hostsfile=" + paths.DnsmasqHosts: {paths.DnsmasqHosts, "dhcp-host="},
		"dhcp-optsfile=" + paths.DnsmasqOpts:   {paths.DnsmasqOpts, "dhcp-option="},
	}
	type origin struct {
		file string
		line int
	}
	var whole bytes.Buffer
	var origins []origin
	inlined := false
	for i, line := range strings.Split(string(data), "\n") {
		f, ok := files[line]
		if !ok {
			whole.WriteString(line + "\n")
			origins = append(origins, origin{paths.DnsmasqConf, i + 1})
			continue
		}
		lines, err := os.ReadFile(at(f.file))
		if err != nil {
			return Result{Check: "dnsmasq", Status: Failed, Detail: fmt.Sprintf("%s names %s: %v", paths.DnsmasqConf, f.file, err)}
		}
		for j, l := range strings.Split(string(lines), "\n") {
			if l != "" && l[0] != '#' {
				l = f.key + l
			}
			whole.WriteString(l + "\n")
			origins = append(origins, origin{f.file, j + 1})
		}
		inlined = true
	}
	if !inlined {
		return Dnsmasq(ctx, conf)
	}
	copied := conf + ".inlined"
	if err := os.WriteFile(copied, whole.Bytes(), 0o600); err != nil {
		return Result{Check: "dnsmasq", Status: Failed, Detail: err.Error()}
	}
	defer os.Remove(copied)
	r := Dnsmasq(ctx, copied)
	r.Detail = regexp.MustCompile(`line ([0-9]+) of `+regexp.QuoteMeta(copied)).ReplaceAllStringFunc(r.Detail, func(m string) string {
		n, _ := strconv.Atoi(strings.Fields(m)[1])
		if n < 1 || n > len(origins) {
			return m
		}
		return fmt.Sprintf("line %d of %s", origins[n-1].line, origins[n-1].file)
	})
	r.Detail = strings.ReplaceAll(r.Detail, copied, conf+" with "+paths.DnsmasqHosts+" and "+paths.DnsmasqOpts+" inlined")
	return r
}

// Dnsmasq runs `dnsmasq --test` on the drop-in alone.
func Dnsmasq(ctx context.Context, conf string) Result {
	return command(ctx, "dnsmasq", "dnsmasq", "dnsmasq is not installed (Debian: dnsmasq-base)", "--test", "--conf-file="+conf)
}

// Dhcpd runs `dhcpd -t -cf conf`.
func Dhcpd(ctx context.Context, conf string) Result {
	return command(ctx, "dhcpd", "dhcpd", "dhcpd is not installed (Debian: isc-dhcp-server)", "-t", "-cf", conf)
}

// Dhcpd6 runs `dhcpd -6 -t -cf conf`.
func Dhcpd6(ctx context.Context, conf string) Result {
	return command(ctx, "dhcpd6", "dhcpd", "dhcpd is not installed (Debian: isc-dhcp-server)", "-6", "-t", "-cf", conf)
}

// Radvd runs `radvd --configtest`, which parses the file.
func Radvd(ctx context.Context, conf string) Result {
	return command(ctx, "radvd", "radvd", "radvd is not installed (Debian: radvd)", "--configtest", "--config", conf)
}

// command is a check that is one command run on the file: bin with args,
// skipped with the reason missing when bin is not installed.
func command(ctx context.Context, check, bin, missing string, args ...string) Result {
	r := Result{Check: check}
	path, err := exec.LookPath(bin)
	if err != nil {
		r.Status, r.Detail = Skipped, missing
		return r
	}
	out, err := daemon(exec.CommandContext(ctx, path, args...)).CombinedOutput()
	return finish(r, bin+" "+strings.Join(args, " "), out, err)
}

// Apache runs `apache2 -t` on a minimal server configuration that loads the
// modules Debian enables by default and includes the snippet, as
// a2enconf would.
func Apache(ctx context.Context, snippet string) Result {
	r := Result{Check: "apache"}
	bin, err := exec.LookPath("apache2")
	if err != nil {
		r.Status, r.Detail = Skipped, "apache2 is not installed"
		return r
	}
	dir, conf, err := scratch("apache", "apache2.conf", func(dir string) string {
		return ApacheServerConfig(dir, "", snippet)
	})
	if err != nil {
		r.Status, r.Detail = Failed, err.Error()
		return r
	}
	defer os.RemoveAll(dir)
	cmd := daemon(exec.CommandContext(ctx, bin, "-t", "-f", conf))
	cmd.Env = ApacheEnv(dir)
	out, err := cmd.CombinedOutput()
	return finish(r, fmt.Sprintf("apache2 -t with Include %s", snippet), out, err)
}

// ApacheServerConfig is a minimal Debian Apache configuration that keeps its
// runtime files in dir, listens on listen and includes snippet. With
// listen empty it listens where this machine's Apache does, including its
// ports.conf as Debian's apache2.conf does: a snippet's Listen for a port
// that file already has is then refused, as it would be on the server.
func ApacheServerConfig(dir, listen, snippet string) string {
	listener := "IncludeOptional /etc/apache2/ports.conf"
	if listen != "" {
		listener = "Listen " + listen
	}
	return fmt.Sprintf(`ServerRoot /etc/apache2
ServerName pxegen-verify
IncludeOptional /etc/apache2/mods-enabled/*.load
IncludeOptional /etc/apache2/mods-enabled/*.conf
User www-data
Group www-data
%s
PidFile %s/apache2.pid
DefaultRuntimeDir %s
ErrorLog %s/error.log
LogFormat "%%a %%U %%>s" pxegen
CustomLog %s/access.log pxegen
Include %s
`, listener, dir, dir, dir, dir, snippet)
}

// ApacheEnv is the environment Debian's apache2 expects, pointing at dir.
func ApacheEnv(dir string) []string {
	return append(os.Environ(), "APACHE_RUN_DIR="+dir, "APACHE_LOCK_DIR="+dir, "APACHE_LOG_DIR="+dir,
		"APACHE_PID_FILE="+dir+"/apache2.pid", "APACHE_RUN_USER=www-data", "APACHE_RUN_GROUP=www-data")
}

// XinetdConfig is an xinetd.conf that logs to dir and includes the stanza's
// directory, as Debian's /etc/xinetd.conf includes /etc/xinetd.d.
func XinetdConfig(dir, stanzaDir string) string {
	return fmt.Sprintf("defaults\n{\n\tlog_type = FILE %s/services.log\n\tlog_on_success = HOST PID\n\tlog_on_failure = HOST\n}\nincludedir %s\n", dir, stanzaDir)
}

var xinetdStarted = regexp.MustCompile(`Started working: (\d+) available service`)

// Xinetd starts xinetd on the stanza inside an empty network namespace
// (so it can bind port 69 without touching the host's network) and reads
// its log for a started service and no error. xinetd's own parse has no
// dry-run mode: starting it is the only check it offers.
func Xinetd(ctx context.Context, stanza string) Result {
	r := Result{Check: "xinetd"}
	bin, err := exec.LookPath("xinetd")
	if err != nil {
		r.Status, r.Detail = Skipped, "xinetd is not installed"
		return r
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil || os.Geteuid() != 0 {
		r.Status, r.Detail = Skipped, "starting xinetd in its own network namespace needs root and unshare"
		return r
	}
	dir, conf, err := scratch("xinetd", "xinetd.conf", func(dir string) string {
		return XinetdConfig(dir, filepath.Dir(stanza))
	})
	if err != nil {
		r.Status, r.Detail = Failed, err.Error()
		return r
	}
	defer os.RemoveAll(dir)
	log := filepath.Join(dir, "xinetd.log")
	cmd := daemon(exec.CommandContext(ctx, unshare, "--net", "--", bin, "-dontfork", "-f", conf, "-pidfile", filepath.Join(dir, "pid"), "-filelog", log))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		r.Status, r.Detail = Failed, err.Error()
		return r
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	desc := "xinetd -dontfork on " + stanza + " in an empty network namespace"
	deadline := time.After(10 * time.Second)
	for {
		select {
		case err := <-done:
			logText, _ := os.ReadFile(log)
			return finish(r, desc, append(logText, stderr.Bytes()...), fmt.Errorf("xinetd exited early: %v", err))
		case <-deadline:
			cmd.Process.Kill()
			<-done
			logText, _ := os.ReadFile(log)
			return finish(r, desc, logText, fmt.Errorf("xinetd did not report started services within 10s"))
		case <-time.After(100 * time.Millisecond):
		}
		logText, _ := os.ReadFile(log)
		if m := xinetdStarted.FindSubmatch(logText); m != nil {
			cmd.Process.Kill()
			<-done
			var err error
			switch {
			case bytes.Contains(logText, []byte("ERROR")) || bytes.Contains(logText, []byte("WARNING")):
				err = fmt.Errorf("xinetd reported problems")
			case string(m[1]) == "0":
				err = fmt.Errorf("xinetd started no service from the stanza")
			}
			return finish(r, desc, logText, err)
		}
	}
}

// scratch makes a temporary directory for a daemon's check holding one
// configuration file, whose content may name the directory. The caller
// removes the directory.
func scratch(daemon, name string, content func(dir string) string) (dir, file string, err error) {
	dir, err = os.MkdirTemp("", "pxegen-verify-"+daemon+"-")
	if err != nil {
		return "", "", err
	}
	file = filepath.Join(dir, name)
	if err := os.WriteFile(file, []byte(content(dir)), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", "", err
	}
	return dir, file, nil
}

// daemon prepares the command of a check: it dies with pxegen
// (dieWithParent), and once ctx is done (Ctrl-C) it is killed and waited
// for a second at most, even if a child it started holds its output open.
func daemon(cmd *exec.Cmd) *exec.Cmd {
	cmd.WaitDelay = time.Second
	return dieWithParent(cmd)
}

// chatter matches the lines of a daemon's output that say nothing about
// the file: dhcpd's banner, the settings it reports and its plea to read
// its bug-reporting notes; xinetd's DEBUG and NOTICE lines.
var chatter = regexp.MustCompile(`^(Internet Systems Consortium DHCP Server |Copyright [0-9]|All rights reserved\.$|For info, please visit |` +
	`If you think you have received this message|than a configuration issue please read|bugs on either our web page|` +
	`before submitting a bug\.|process and the information we find helpful|exiting\.$|Config file: |Database file: |PID file: )|` +
	`: (DEBUG|NOTICE): `)

// finish fills in a result from a command's output and error; on failure
// the detail keeps the daemon's own lines, which say what is wrong
// (dhcpd's "Can't open /etc/dhcp/local.conf"), less its chatter.
func finish(r Result, desc string, out []byte, err error) Result {
	if err == nil {
		r.Status, r.Detail = Passed, desc
		return r
	}
	r.Status = Failed
	var keep []string
	for _, line := range strings.Split(string(out), "\n") {
		if line = strings.TrimSpace(line); line != "" && !chatter.MatchString(line) {
			keep = append(keep, line)
		}
	}
	// The first complaints say what is wrong; the rest usually follow from them.
	const maxLines = 10
	if len(keep) > maxLines {
		keep = append(keep[:maxLines], fmt.Sprintf("... and %d more lines", len(keep)-maxLines))
	}
	r.Detail = fmt.Sprintf("%s: %v", desc, err)
	if len(keep) > 0 {
		r.Detail += "\n" + strings.Join(keep, "\n")
	}
	return r
}

// Files checks that every file the tree references (loaders, PXELINUX's
// modules, kernels, initrds and EFI programs) is a regular file under
// bootRoot, the real boot_root below --out: pxegen writes none of them,
// and a client that cannot fetch one does not boot. A link is a failure
// too: pxegen's Apache snippet follows none (Options None), and tftpd-hpa
// -s resolves an absolute one inside its root. Files given by URL are
// counted, not fetched.
func Files(bootRoot string, refs []generate.Reference) Result {
	r := Result{Check: "files"}
	if info, err := os.Stat(bootRoot); err != nil || !info.IsDir() {
		r.Status = Failed
		r.Detail = fmt.Sprintf("boot_root %s is not a directory: none of the %d files the tree references is there", bootRoot, len(refs))
		return r
	}
	var problems []string
	local, urls := 0, 0
	for _, ref := range refs {
		if ref.Path == "" {
			urls++
			continue
		}
		local++
		if why := fileProblem(bootRoot, ref.Path); why != "" {
			problems = append(problems, fmt.Sprintf("%s %s: %s", filetree.Escape(ref.Path), why, strings.Join(ref.Uses, "; ")))
		}
	}
	byURL := ""
	if urls > 0 {
		byURL = fmt.Sprintf(" (%d more by URL, not checked)", urls)
	}
	if len(problems) == 0 {
		r.Status, r.Detail = Passed, fmt.Sprintf("the %d files the tree references are under %s%s", local, bootRoot, byURL)
		return r
	}
	r.Status = Failed
	r.Detail = fmt.Sprintf("%d of the %d files the tree references are not ready under %s%s:\n%s",
		len(problems), local, bootRoot, byURL, strings.Join(problems, "\n"))
	return r
}

// fileProblem says what is wrong with rel below root for a client: "" if
// it is a regular file reached without a link.
func fileProblem(root, rel string) string {
	p := root
	parts := strings.Split(rel, "/")
	for i, part := range parts {
		p = filepath.Join(p, part)
		info, err := os.Lstat(p)
		switch {
		case os.IsNotExist(err):
			return "is missing"
		case err != nil:
			return "cannot be read (" + err.Error() + ")"
		case info.Mode()&os.ModeSymlink != 0:
			if i < len(parts)-1 {
				return "is reached through a symbolic link (" + filepath.Join(parts[:i+1]...) + "), which Apache does not follow under pxegen's snippet: copy, hard-link or bind-mount instead"
			}
			return "is a symbolic link, which Apache does not follow under pxegen's snippet: copy or hard-link it instead"
		case i < len(parts)-1 && !info.IsDir():
			return "is missing (" + filepath.Join(parts[:i+1]...) + " is not a directory)"
		case i == len(parts)-1 && !info.Mode().IsRegular():
			return "is not a regular file"
		}
	}
	return ""
}
