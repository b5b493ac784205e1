package verify

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes a daemon started for a check get SIGKILL if pxegen
// dies first (killed, or Ctrl-C), so that no xinetd is left running.
func dieWithParent(cmd *exec.Cmd) *exec.Cmd {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	return cmd
}
