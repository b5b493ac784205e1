//go:build integration

package integration

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/inventory"
	"github.com/pxegen/pxegen/verify"
)

// miniLab is a network namespace running one daemon on a rendered tree,
// with boot_root bind-mounted at its configured path in the daemon's own
// mount namespace: less than a lab (no TFTP, no VMs), for probes of one
// daemon.
type miniLab struct {
	t    *testing.T
	ns   string
	work string // readable by the daemons' users
	out  string // the rendered tree
	inv  *inventory.Inventory
	cmd  *exec.Cmd
}

// newMiniLab renders inventoryPath (with the options) into a work
// directory and creates the namespace, with lo up.
func newMiniLab(t *testing.T, name, inventoryPath string, opts ...inventory.Option) *miniLab {
	t.Helper()
	requireRoot(t)
	requireCommands(t, "ip", "unshare", "busybox")
	inv, err := inventory.Load(inventoryPath, opts...)
	if err != nil {
		t.Fatal(err)
	}
	engine, err := generate.New("")
	if err != nil {
		t.Fatal(err)
	}
	tree, err := engine.Render(inv)
	if err != nil {
		t.Fatal(err)
	}
	work, err := os.MkdirTemp("", "pxegen-integration-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(work, 0o755)
	m := &miniLab{t: t, ns: fmt.Sprintf("pxegen-it-%s-%d", name, os.Getpid()), work: work, out: filepath.Join(work, "out"), inv: inv}
	t.Cleanup(m.close)
	if _, err := filetree.Write(m.out, tree); err != nil {
		t.Fatal(err)
	}
	sweepOnce.Do(sweepNamespaces)
	run(t, "ip", "netns", "add", m.ns)
	run(t, "ip", "-n", m.ns, "link", "set", "lo", "up")
	return m
}

// rendered is where the server file at abs sits in the rendered tree.
func (m *miniLab) rendered(abs string) string {
	return filepath.Join(m.out, strings.TrimPrefix(abs, "/"))
}

// start runs the shell line daemon in the namespace, in a PID namespace
// that dies with the test, with the rendered boot_root at its path, and
// waits until ready says it serves.
func (m *miniLab) start(daemon string, env []string, ready func() bool) {
	t := m.t
	if err := os.MkdirAll(m.inv.Paths.BootRoot, 0o755); err != nil { // the mount point
		t.Fatal(err)
	}
	script := fmt.Sprintf("set -e\nmount --bind %s %s\n%s\n", m.rendered(m.inv.Paths.BootRoot), m.inv.Paths.BootRoot, daemon)
	cmd := exec.Command("ip", "netns", "exec", m.ns, "unshare", "--pid", "--fork", "--kill-child", "bash", "-c", script)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	log, err := os.Create(filepath.Join(m.work, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	m.cmd = cmd
	for deadline := time.Now().Add(20 * time.Second); !ready(); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the daemon did not come up in 20s:\n%s", tail(m.read("server.log"), 20))
		}
	}
}

func (m *miniLab) read(name string) string {
	data, _ := os.ReadFile(filepath.Join(m.work, name))
	return string(data)
}

func (m *miniLab) close() {
	if m.cmd != nil && m.cmd.Process != nil {
		syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
		m.cmd.Wait()
	}
	killNamespace(m.ns)
	if m.t.Failed() {
		m.t.Logf("files kept for inspection in %s", m.work)
		return
	}
	os.RemoveAll(m.work)
}

// TestApachePort serves an http_url with a port (testdata/port.yaml) with
// Apache configured as Debian's is, its ports.conf listening on 80, and
// the rendered snippet: a file must be fetched on the URL's port, and
// port 80 must still answer.
func TestApachePort(t *testing.T) {
	requireCommands(t, "apache2")
	m := newMiniLab(t, "apache", "testdata/port.yaml")
	run(t, "ip", "-n", m.ns, "addr", "add", m.inv.Server.IP+"/32", "dev", "lo")
	conf := filepath.Join(m.work, "apache2.conf")
	if err := os.WriteFile(conf, []byte(verify.ApacheServerConfig(m.work, "", m.rendered(m.inv.Paths.ApacheConf))), 0o644); err != nil {
		t.Fatal(err)
	}
	url := m.inv.Server.HTTPURL + "ipxe/menu.ipxe"
	// busybox wget, not -T: with a timeout it crashes on a refused connection.
	wget := func(args ...string) *exec.Cmd {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		t.Cleanup(cancel)
		return exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", m.ns, "busybox", "wget", "-q"}, args...)...)
	}
	m.start("exec apache2 -DFOREGROUND -f "+conf, verify.ApacheEnv(m.work), func() bool {
		return strings.Contains(m.read("error.log"), "resuming normal operations")
	})
	got, err := wget("-O", "-", url).CombinedOutput()
	want, _ := os.ReadFile(filepath.Join(m.rendered(m.inv.Paths.BootRoot), "ipxe/menu.ipxe"))
	if err != nil || !bytes.Equal(got, want) || len(want) == 0 {
		t.Fatalf("check apache-port: GET %s: %v (%d bytes, want %d): %.200s\nerror.log:\n%s", url, err, len(got), len(want), got, tail(m.read("error.log"), 10))
	}
	t.Logf("check apache-port: GET %s: the rendered file (%d bytes)", url, len(got))
	// Debian's own listener still answers (a 404 is an answer).
	out, _ := wget("-S", "-O", "/dev/null", "http://"+m.inv.Server.IP+"/").CombinedOutput()
	if !strings.Contains(string(out), "HTTP/1.1") {
		t.Fatalf("check apache-port: port 80 does not answer:\n%s", out)
	}
	t.Logf("check apache-port: port 80 still answers")
}
