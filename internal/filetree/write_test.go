package filetree

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestWriteLeavesUnchangedFilesAlone(t *testing.T) {
	dir := t.TempDir()
	tree := Tree{{Path: "a/one", Data: []byte("1\n")}, {Path: "a/b/two", Data: []byte("2\n")}}
	if _, err := Write(dir, tree); err != nil {
		t.Fatal(err)
	}
	before := statAll(t, dir, tree)
	time.Sleep(10 * time.Millisecond) // a rewrite would show in mtime
	tree[1].Data = []byte("two\n")
	sum, err := Write(dir, tree)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Summary{Written: []string{"a/b/two"}, Unchanged: []string{"a/one"}}, sum); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	after := statAll(t, dir, tree)
	if before[0] != after[0] {
		t.Errorf("unchanged a/one was touched: %+v -> %+v", before[0], after[0])
	}
	if before[1].ino == after[1].ino {
		t.Errorf("changed a/b/two kept its inode: not replaced by rename")
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "a/b/two")); string(got) != "two\n" {
		t.Errorf("a/b/two = %q", got)
	}
}

type stamp struct {
	ino   uint64
	mtime time.Time
}

func statAll(t *testing.T, dir string, tree Tree) []stamp {
	t.Helper()
	var out []stamp
	for _, f := range tree {
		info, err := os.Stat(filepath.Join(dir, f.Path))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, stamp{info.Sys().(*syscall.Stat_t).Ino, info.ModTime()})
	}
	return out
}

func TestWriteModesIgnoreUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	if _, err := Write(dir, Tree{{Path: "x/y/file", Data: []byte("data")}}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{"x": DirMode, "x/y": DirMode, "x/y/file": FileMode} {
		info, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", p, info.Mode().Perm(), want)
		}
	}
}

func TestWriteRefusesSymlinksAndLeavesTreeUntouched(t *testing.T) {
	outside := t.TempDir()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keep"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A directory link that leads out of the tree.
	if err := os.Symlink(outside, filepath.Join(dir, "escape")); err != nil {
		t.Fatal(err)
	}
	_, err := Write(dir, Tree{{Path: "keep", Data: []byte("new")}, {Path: "escape/file", Data: []byte("x")}})
	if err == nil {
		t.Fatal("Write through a symlink out of the tree succeeded")
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("wrote outside the tree: %v", entries)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "keep")); string(got) != "old" {
		t.Errorf("keep = %q after a failed Write, want the old content", got)
	}
	// A file that is a link, even one inside the tree, is not replaced.
	if err := os.Symlink("keep", filepath.Join(dir, "alias")); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, Tree{{Path: "alias", Data: []byte("x")}}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Write over a symlink: err = %v, want a refusal", err)
	}
}

func TestWriteRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	if _, err := Write(dir, Tree{{Path: "d/f", Data: []byte("1")}}); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "d", ".f"+tempMarker+"123-1")
	if err := os.WriteFile(stale, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(dir, Tree{{Path: "d/f", Data: []byte("1")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temp file survived a run: %v", err)
	}
}

func TestWriteFailureLeavesNoTemps(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "blocker"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// The first file stages fine; the second cannot, as its directory is a file.
	_, err := Write(dir, Tree{{Path: "a/ok", Data: []byte("x")}, {Path: "blocker/f", Data: []byte("y")}})
	if err == nil {
		t.Fatal("Write succeeded with a file in the way")
	}
	if _, err := os.Stat(filepath.Join(dir, "a", "ok")); !os.IsNotExist(err) {
		t.Errorf("a/ok was written although the run failed")
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "a"))
	for _, e := range entries {
		t.Errorf("left behind: a/%s", e.Name())
	}
}
