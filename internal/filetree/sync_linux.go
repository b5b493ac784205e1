package filetree

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// syncFile is called on each staged file before it is closed. On Linux it
// does nothing: one syncfs (syncTree) covers every staged file at once,
// where an fsync each would cost ten times the writes (on ext4 each one
// commits the whole journal).
func syncFile(*os.File) error { return nil }

// syncTree makes durable everything written under the root so far: data,
// new names and removals. On Linux that is one syncfs(2) per filesystem
// the directories touched (and the root) are on: with --out / the boot
// tree and /etc may be on different ones.
func syncTree(t *dirTree, touched []string) error {
	done := map[uint64]bool{}
	for _, d := range append([]string{"."}, touched...) {
		fd, err := t.fd(d)
		if isNotExist(err) {
			continue // removed by this run
		}
		if err != nil {
			return fmt.Errorf("sync %s: %w", Escape(d), err)
		}
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			return fmt.Errorf("sync %s: %w", Escape(d), err)
		}
		if done[uint64(st.Dev)] {
			continue
		}
		done[uint64(st.Dev)] = true
		if err := unix.Syncfs(fd); err != nil {
			return fmt.Errorf("sync %s: %w", Escape(d), err)
		}
	}
	return nil
}

// unnamedFileNow returns the filesystem's time now in dirfd's filesystem:
// the ctime of a file made with O_TMPFILE, which has no name and so leaves
// the directory untouched. ok is false where the filesystem has none.
func unnamedFileNow(dirfd int) (now int64, ok bool) {
	fd, err := unix.Openat(dirfd, ".", unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return 0, false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return 0, false
	}
	return st.Ctim.Nano(), true
}
