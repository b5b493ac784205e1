package filetree

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// coarseMount mounts a small ext4 with 128-byte inodes, whose timestamps
// tick once a second (as older mke2fs made small filesystems, and as
// ext2/3 and some network filesystems do), at dir.
func coarseMount(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a filesystem with one-second timestamps needs root")
	}
	for _, c := range []string{"mkfs.ext4", "mount", "umount"} {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("%s is not installed (e2fsprogs, mount)", c)
		}
	}
	img := filepath.Join(t.TempDir(), "coarse.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 16<<20); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", "-I", "128", img).CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4: %v\n%s", err, out)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-o", "loop", img, dir).CombinedOutput(); err != nil {
		t.Skipf("cannot loop-mount here: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
}

// earlyInASecond waits until the start of a second, so that what the test
// does next falls in one second of a coarse clock.
func earlyInASecond() {
	for time.Now().Nanosecond() > 100e6 {
		time.Sleep(5 * time.Millisecond)
	}
}

func wantEdited(t *testing.T, root string, tree Tree, what string) {
	t.Helper()
	p, err := NewPlan(root, tree, PlanOptions{Manifest: testManifest, Lock: ExclusiveLock, Mark: "# pxegen"})
	var conflict *ConflictError
	if !errors.As(err, &conflict) || len(conflict.Conflicts) != 1 || conflict.Conflicts[0] != (Conflict{"srv/h1", Edited}) {
		if p != nil {
			t.Errorf("%s: srv/h1 is %s, want it refused as edited (%v)", what, actions(p)["srv/h1"], err)
			p.Close()
		} else {
			t.Errorf("%s: %v, want srv/h1 refused as edited", what, err)
		}
	}
}

// TestStatCacheOnCoarseTimestamps: where timestamps tick once a second, a
// same-size edit in the second pxegen wrote the file in keeps its size,
// mtime and (rewritten in place, or removed and made again) its inode.
// The cache must not record such a file as pxegen's: neither from the run
// that wrote it, nor when the tree's files are on another filesystem than
// the manifest, whose clock ticks finer.
func TestStatCacheOnCoarseTimestamps(t *testing.T) {
	edit := []byte("# pxegen\nhost X\n") // the size of "host 1"
	tree := statTree(3)
	for _, how := range []string{"in place", "removed and made again"} {
		change := func(name string) {
			if how != "in place" {
				os.Remove(name)
			}
			if err := os.WriteFile(name, edit, 0o644); err != nil {
				t.Error(err)
			}
		}
		t.Run("during the writing run, "+how, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "root")
			coarseMount(t, root)
			afterRenamesHook = func() { change(filepath.Join(root, "srv/h1")) }
			defer func() { afterRenamesHook = nil }()
			earlyInASecond()
			apply(t, root, tree, PlanOptions{Mark: "# pxegen"})
			afterRenamesHook = nil
			wantEdited(t, root, tree, "edited after the renames")
		})
		t.Run("after the run, files on a coarser filesystem, "+how, func(t *testing.T) {
			root := t.TempDir()
			coarseMount(t, filepath.Join(root, "srv"))
			earlyInASecond()
			apply(t, root, tree, PlanOptions{Mark: "# pxegen"})
			change(filepath.Join(root, "srv/h1"))
			time.Sleep(1100 * time.Millisecond) // the next run, later
			wantEdited(t, root, tree, "edited in the second it was written")
		})
	}
}
