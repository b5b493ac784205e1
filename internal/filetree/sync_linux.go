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
// new names and removals. On Linux that is one syncfs of the root's
// filesystem; touched (the directories written to) is for other systems.
func syncTree(dirs *dirRoots, touched []string) error {
	fd, err := dirs.fd(".")
	if err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	if err := unix.Syncfs(fd); err != nil {
		return fmt.Errorf("sync: %w", err)
	}
	return nil
}
