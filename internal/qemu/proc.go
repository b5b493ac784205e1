package qemu

import "syscall"

// DieWithParent makes a child process get SIGKILL when the test process
// that started it dies, however it dies, so that no QEMU or daemon outlives
// a killed test run. (Linux: the signal follows the thread that started the
// child; Go keeps its threads for the life of the process.)
func DieWithParent() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
