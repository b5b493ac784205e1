//go:build unix

package filetree

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// LockMode is how a plan holds the lock of its root for its whole life,
// from reading the tree to the end of Apply.
type LockMode int

// The lock modes. Render takes ExclusiveLock: two renders into one tree
// would delete each other's temporary files and leave a tree mixed from
// two inventories. Diff and dry runs take SharedLock, so that they never
// read a tree halfway through a render, and do not stop each other.
const (
	NoLock LockMode = iota
	SharedLock
	ExclusiveLock
)

// LockedError reports that another run holds the lock: the tree is being
// written (or, for a render, read by a diff).
type LockedError struct {
	Root   string
	Holder string // "pid 1234 (pxegen render -i site.yaml -o /)", or "another process"
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s is in use by another pxegen run, held by %s; try again when it has finished", e.Root, e.Holder)
}

// lock takes the lock of the root directory t holds: flock(2) on the
// directory itself. That needs no lock file: it works with --out /, on a
// read-only tree and on one never rendered, writes nothing, and offers
// nothing to replace with a link or a FIFO. The kernel drops it when the
// process ends, however it ends. It never waits: a run that finds the
// tree busy refuses, naming the holder.
func (t *dirTree) lock(root string, mode LockMode) error {
	if mode == NoLock {
		return nil
	}
	fd, err := t.fd(".")
	if err != nil {
		return err
	}
	how := unix.LOCK_SH
	if mode == ExclusiveLock {
		how = unix.LOCK_EX
	}
	// A holder that has just finished is gone from /proc/locks by the
	// time it is looked up: then the lock is free, and trying again takes
	// it.
	for try := 0; ; try++ {
		err = unix.Flock(fd, how|unix.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case err == unix.EINTR:
			continue
		case !errors.Is(err, unix.EWOULDBLOCK):
			return fmt.Errorf("lock %s: %w (pxegen locks the output directory with flock(2))", root, err)
		}
		if holder := lockHolder(fd); holder != "" || try == 3 {
			if holder == "" {
				holder = "another process"
			}
			return &LockedError{Root: root, Holder: holder}
		}
	}
}
