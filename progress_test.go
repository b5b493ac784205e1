//go:build linux

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/pxegen/pxegen/internal/sitegen"
)

// TestProgress: render of a large tree draws its progress on stderr when
// that is a terminal (a pseudo-terminal here), and prints nothing on
// stderr when it is a pipe, or with --format json on a terminal.
func TestProgress(t *testing.T) {
	old := progressDelay
	progressDelay = 0 // draw at the first tick, however small the tree
	defer func() { progressDelay = old }()
	dir := t.TempDir()
	inv := filepath.Join(dir, "site.yaml")
	if err := os.WriteFile(inv, sitegen.Site(300, "a"), 0o644); err != nil {
		t.Fatal(err)
	}
	render := func(stderr *os.File, out string, args ...string) {
		t.Helper()
		args = append([]string{"render", "-i", inv, "-o", filepath.Join(dir, out)}, args...)
		if code := runCLI(args, io.Discard, stderr); code != exitOK {
			t.Fatalf("render: exit %d", code)
		}
	}

	onTerminal := func(out string, args ...string) string {
		master, slave := openPTY(t)
		defer master.Close()
		read := make(chan string)
		go func() {
			data, _ := io.ReadAll(master) // until the slave side is closed
			read <- string(data)
		}()
		render(slave, out, args...)
		slave.Close()
		return <-read
	}
	tty := onTerminal("tty")
	if !strings.Contains(tty, "pxegen: writing ") || !strings.Contains(tty, "/9") {
		t.Errorf("render on a terminal drew no count of the files written: %q", tty)
	}
	if !strings.HasSuffix(tty, "\r\x1b[K") {
		t.Errorf("the progress line was not cleared at the end: %q", tty)
	}
	if got := onTerminal("tty-json", "--format", "json"); got != "" {
		t.Errorf("render --format json drew on the terminal: %q", got)
	}

	read := make(chan string)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		data, _ := io.ReadAll(r)
		read <- string(data)
	}()
	render(w, "pipe")
	w.Close()
	if piped := <-read; piped != "" {
		t.Errorf("render printed on a pipe: %q", piped)
	}
}

// openPTY opens a pseudo-terminal pair: what is written to slave is read
// from master.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	if slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0); err != nil {
		t.Fatal(err)
	}
	return master, slave
}
