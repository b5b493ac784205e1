package filetree

import (
	"bytes"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// lockHolder names the processes holding a flock on the file fd is open
// on, from /proc/locks, with their command lines; "" when it finds none.
func lockHolder(fd int) string {
	var st unix.Stat_t
	locks, err := os.ReadFile("/proc/locks")
	if err != nil || unix.Fstat(fd, &st) != nil {
		return "another process"
	}
	var holders []string
	for _, line := range strings.Split(string(locks), "\n") {
		// 1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF
		// (a process waiting for the lock has "->" after the number).
		f := strings.Fields(line)
		if len(f) < 6 || f[1] != "FLOCK" {
			continue
		}
		id := strings.Split(f[5], ":")
		if len(id) != 3 {
			continue
		}
		major, err1 := strconv.ParseUint(id[0], 16, 32)
		minor, err2 := strconv.ParseUint(id[1], 16, 32)
		ino, err3 := strconv.ParseUint(id[2], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil ||
			uint32(major) != unix.Major(uint64(st.Dev)) || uint32(minor) != unix.Minor(uint64(st.Dev)) || ino != uint64(st.Ino) {
			continue
		}
		pid := f[4]
		if pid == strconv.Itoa(os.Getpid()) {
			continue
		}
		holder := "pid " + pid
		if cmd, err := os.ReadFile("/proc/" + pid + "/cmdline"); err == nil && len(cmd) > 0 {
			cmd = bytes.TrimRight(cmd, "\x00")
			text := string(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '}))
			if len(text) > 200 {
				text = text[:200] + "..."
			}
			holder += " (" + Escape(text) + ")"
		}
		holders = append(holders, holder)
	}
	return strings.Join(holders, ", ")
}
