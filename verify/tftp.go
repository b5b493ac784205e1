package verify

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/pxegen/pxegen/inventory"
)

// machine is what TFTPPort inspects: files below root ("/" on the boot
// server, a directory in tests) and systemctl's answer for a unit.
type machine struct {
	root string
	// unitEnabled is `systemctl is-enabled UNIT`'s answer: enabled (or
	// enabled-runtime) means the service starts at boot; ok is false when
	// systemctl could not say.
	unitEnabled func(ctx context.Context, unit string) (state string, ok bool)
}

// thisMachine is the machine pxegen runs on.
var thisMachine = machine{root: "/", unitEnabled: systemctlIsEnabled}

func systemctlIsEnabled(ctx context.Context, unit string) (string, bool) {
	bin, err := exec.LookPath("systemctl")
	if err != nil {
		return "", false
	}
	// Without a running systemd it still answers for SysV scripts,
	// through systemd-sysv-install; the state is its last line.
	out, _ := dieWithParent(exec.CommandContext(ctx, bin, "is-enabled", unit)).Output()
	lines := strings.Fields(strings.TrimSpace(string(out)))
	if len(lines) == 0 {
		return "", false
	}
	return lines[len(lines)-1], true
}

// tftpPort is UDP port 69 as /proc/net/udp writes it.
const tftpPort = "0045"

// TFTPPort checks that the TFTP server the inventory names (targets.tftp)
// can have UDP port 69 on this machine, the boot server: Debian's
// tftpd-hpa package enables a standalone in.tftpd service that binds it
// too, and then whichever starts second cannot, so that TFTP is served, if
// at all, by a daemon and from a directory pxegen did not configure. It
// fails when that service is enabled, or when anything but the inventory's
// server (xinetd, with the in.tftpd it starts; or dnsmasq) listens on the
// port, and says how to fix it. Seeing which process owns a socket needs
// root.
func TFTPPort(ctx context.Context, tftp string) Result {
	return thisMachine.tftpPort(ctx, tftp)
}

func (m machine) tftpPort(ctx context.Context, tftp string) Result {
	r := Result{Check: "tftp-port"}
	ours := "xinetd's tftp stanza (paths.xinetd_tftp)"
	fix := "keep the package, whose in.tftpd xinetd starts, and stop its own service: systemctl disable --now tftpd-hpa"
	if tftp == inventory.TargetDnsmasq {
		ours = "dnsmasq's TFTP (enable-tftp in paths.dnsmasq_conf)"
		fix = "stop it: systemctl disable --now tftpd-hpa, and remove xinetd's tftp stanza if there is one"
	}
	var problems []string
	state, known := m.unitEnabled(ctx, "tftpd-hpa")
	if !known {
		state = m.sysvEnabled("tftpd-hpa")
	}
	if state == "enabled" || state == "enabled-runtime" {
		problems = append(problems, fmt.Sprintf("tftpd-hpa's own service is %s: at boot it runs in.tftpd standalone on UDP port 69 (as /etc/default/tftpd-hpa says), which %s needs too, and whichever starts second cannot bind it; %s", state, ours, fix))
	}
	owners, err := m.udpOwners(tftpPort)
	if err != nil {
		r.Status, r.Detail = Failed, fmt.Sprintf("cannot read which sockets listen on UDP port 69: %v", err)
		return r
	}
	for _, o := range owners {
		switch {
		case o.comm == "":
			problems = append(problems, "something listens on UDP port 69, and only root can see what: run verify as root")
		case tftp == inventory.TargetXinetd && (o.comm == "xinetd" || o.comm == "in.tftpd" && o.parent == "xinetd"),
			tftp == inventory.TargetDnsmasq && o.comm == "dnsmasq":
		default:
			problems = append(problems, fmt.Sprintf("%s (pid %d) listens on UDP port 69, which %s needs: stop it (for tftpd-hpa's own in.tftpd: systemctl disable --now tftpd-hpa)", o.describe(), o.pid, ours))
		}
	}
	if len(problems) > 0 {
		r.Status, r.Detail = Failed, strings.Join(problems, "; ")
		return r
	}
	r.Status = Passed
	r.Detail = "tftpd-hpa's own service is not enabled, and nothing else listens on UDP port 69"
	if len(owners) > 0 {
		r.Detail = "tftpd-hpa's own service is not enabled, and only " + ours + " listens on UDP port 69"
	}
	return r
}

// sysvEnabled is a SysV init script's state where systemctl cannot say:
// enabled when a start link for it is in a multi-user runlevel.
func (m machine) sysvEnabled(name string) string {
	for _, level := range []string{"2", "3", "4", "5"} {
		links, _ := filepath.Glob(filepath.Join(m.root, "etc", "rc"+level+".d", "S[0-9][0-9]"+name))
		if len(links) > 0 {
			return "enabled"
		}
	}
	return "disabled"
}

// owner is a process holding a socket.
type owner struct {
	pid    int
	comm   string // empty: not readable
	parent string // the parent process's comm
}

func (o owner) describe() string {
	if o.parent != "" {
		return fmt.Sprintf("%s, started by %s,", o.comm, o.parent)
	}
	return o.comm
}

// udpOwners finds the processes with a UDP socket bound to the hex port
// (any address, IPv4 or IPv6), in this network namespace. A socket no
// readable process holds is an owner without a comm.
func (m machine) udpOwners(port string) ([]owner, error) {
	inodes := map[string]bool{}
	for _, table := range []string{"udp", "udp6"} {
		data, err := os.ReadFile(filepath.Join(m.root, "proc", "net", table))
		if os.IsNotExist(err) && table == "udp6" {
			continue // no IPv6
		}
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Scan() // the header
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) < 10 {
				continue
			}
			_, p, _ := strings.Cut(f[1], ":")
			if strings.EqualFold(p, port) {
				inodes[f[9]] = true
			}
		}
	}
	if len(inodes) == 0 {
		return nil, nil
	}
	found := map[string]bool{}
	var out []owner
	procs, _ := filepath.Glob(filepath.Join(m.root, "proc", "[0-9]*"))
	for _, p := range procs {
		pid, err := strconv.Atoi(filepath.Base(p))
		if err != nil {
			continue
		}
		fds, _ := os.ReadDir(filepath.Join(p, "fd"))
		holds := false
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(p, "fd", fd.Name()))
			inode, ok := strings.CutPrefix(link, "socket:[")
			inode = strings.TrimSuffix(inode, "]")
			if err == nil && ok && inodes[inode] {
				found[inode], holds = true, true
			}
		}
		if holds {
			out = append(out, owner{pid: pid, comm: m.comm(pid), parent: m.comm(m.ppid(pid))})
		}
	}
	for inode := range inodes {
		if !found[inode] {
			out = append(out, owner{})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].pid < out[j].pid })
	return out, nil
}

func (m machine) comm(pid int) string {
	if pid <= 0 {
		return ""
	}
	data, _ := os.ReadFile(filepath.Join(m.root, "proc", strconv.Itoa(pid), "comm"))
	return strings.TrimSpace(string(data))
}

func (m machine) ppid(pid int) int {
	data, _ := os.ReadFile(filepath.Join(m.root, "proc", strconv.Itoa(pid), "status"))
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "PPid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// Host runs the checks of the machine pxegen runs on, which only mean
// something on the boot server: when out, the tree verify or render
// --verify is given, is this machine's root. Otherwise there are none (not
// skipped ones, which --strict would count against a staging tree).
func Host(ctx context.Context, inv *inventory.Inventory, out string) []Result {
	if abs, err := filepath.Abs(out); err != nil || abs != "/" {
		return nil
	}
	return []Result{TFTPPort(ctx, inv.Targets.TFTP)}
}
