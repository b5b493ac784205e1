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
