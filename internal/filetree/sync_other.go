//go:build unix && !linux

package filetree

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// syncFile makes a staged file's data durable. Without Linux's syncfs
// there is no cheap way to flush a whole filesystem and wait for it
// (sync(2) need not wait), so each file is fsynced: slower, as safe.
func syncFile(f *os.File) error { return f.Sync() }

// syncTree makes the new names and removals in the directories touched
// durable, by an fsync of each directory.
func syncTree(t *dirTree, touched []string) error {
	seen := map[string]bool{}
	for _, d := range touched {
		if seen[d] {
			continue
		}
		seen[d] = true
		fd, err := t.fd(d)
		if isNotExist(err) {
			continue // removed by this run
		}
		if err == nil {
			err = unix.Fsync(fd)
		}
		if err != nil {
			return fmt.Errorf("sync %s: %w", Escape(d), err)
		}
	}
	return nil
}

// unnamedFileNow: no O_TMPFILE here; fsNow makes a named file.
func unnamedFileNow(int) (int64, bool) { return 0, false }
