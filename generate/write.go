package generate

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Modes of everything pxegen writes, whatever the umask: the daemons and
// the TFTP server, which may run as nobody, must be able to read them.
const (
	FileMode fs.FileMode = 0o644
	DirMode  fs.FileMode = 0o755
)

// tempMarker is in the name of every temporary file, so that a later run
// can find and remove the ones a killed run left behind.
const tempMarker = ".pxegen-tmp-"

// Summary says what Write did, by path.
type Summary struct {
	Written   []string
	Unchanged []string
}

// Write makes the tree under dir hold exactly the bytes of tree, for the
// files tree names; other files are left alone.
//
// Every file is replaced atomically: written to a temporary file in its own
// directory, then renamed over the old one, so a reader (or a daemon
// reloading) sees the complete old or the complete new file. All temporary
// files are written before any is renamed, and one filesystem sync between
// the two phases makes the new data durable before it becomes visible; a
// failure before the renames removes the temporary files and leaves the
// tree as it was. A file whose bytes are unchanged is not touched, keeping
// its inode and mtime. All access goes through an os.Root, so no symbolic
// link can lead a write out of dir.
func Write(dir string, tree Tree) (Summary, error) {
	var sum Summary
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return sum, fmt.Errorf("create output directory: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return sum, fmt.Errorf("open output directory: %w", err)
	}
	defer root.Close()

	// Plan: find what changed, refusing anything we must not replace,
	// before writing a byte.
	var changed []File
	for _, f := range tree {
		same, err := unchanged(root, f)
		if err != nil {
			return sum, err
		}
		if same {
			sum.Unchanged = append(sum.Unchanged, f.Path)
		} else {
			changed = append(changed, f)
		}
	}
	w := &writer{root: root, made: map[string]bool{}}
	if err := w.removeStaleTemps(tree); err != nil {
		return sum, err
	}
	if len(changed) == 0 {
		return sum, nil
	}
	for _, f := range changed {
		if err := w.stage(f); err != nil {
			w.abort()
			return sum, err
		}
	}
	if err := syncfs(dir); err != nil {
		w.abort()
		return sum, err
	}
	for i, f := range changed {
		if err := root.Rename(w.temps[i], f.Path); err != nil {
			w.abort()
			return sum, fmt.Errorf("replace %s: %w", f.Path, err)
		}
		sum.Written = append(sum.Written, f.Path)
	}
	// Make the renames themselves durable.
	return sum, syncfs(dir)
}

// unchanged reports whether f's path already holds exactly f's bytes. It
// refuses paths that are directories or symbolic links: replacing those
// would destroy something pxegen did not write.
func unchanged(root *os.Root, f File) (bool, error) {
	info, err := root.Lstat(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("check %s: %w", f.Path, err)
	}
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		return false, fmt.Errorf("check %s: is a symbolic link; pxegen replaces only regular files", f.Path)
	case !info.Mode().IsRegular():
		return false, fmt.Errorf("check %s: is not a regular file", f.Path)
	case info.Size() != int64(len(f.Data)):
		return false, nil
	}
	old, err := root.ReadFile(f.Path)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", f.Path, err)
	}
	if !bytes.Equal(old, f.Data) {
		return false, nil
	}
	if info.Mode().Perm() != FileMode {
		if err := root.Chmod(f.Path, FileMode); err != nil {
			return false, fmt.Errorf("chmod %s: %w", f.Path, err)
		}
	}
	return true, nil
}

// writer stages temporary files and can remove them all again.
type writer struct {
	root  *os.Root
	temps []string
	made  map[string]bool // directories known to exist
	seq   int
}

func (w *writer) stage(f File) error {
	dir := path.Dir(f.Path)
	if err := w.mkdirAll(dir); err != nil {
		return err
	}
	w.seq++
	tmp := path.Join(dir, "."+path.Base(f.Path)+tempMarker+strconv.Itoa(os.Getpid())+"-"+strconv.Itoa(w.seq))
	out, err := w.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
	if err != nil {
		return fmt.Errorf("write %s: %w", f.Path, err)
	}
	w.temps = append(w.temps, tmp)
	_, err = out.Write(f.Data)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = w.root.Chmod(tmp, FileMode) // the umask applied at create
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", f.Path, err)
	}
	return nil
}

// mkdirAll creates dir and its parents with DirMode, whatever the umask.
func (w *writer) mkdirAll(dir string) error {
	if dir == "." || w.made[dir] {
		return nil
	}
	if err := w.mkdirAll(path.Dir(dir)); err != nil {
		return err
	}
	info, err := w.root.Stat(dir)
	switch {
	case err == nil && !info.IsDir():
		return fmt.Errorf("create directory %s: a file of that name is in the way", dir)
	case errors.Is(err, fs.ErrNotExist):
		if err := w.root.Mkdir(dir, DirMode); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create directory %s: %w", dir, err)
		}
		if err := w.root.Chmod(dir, DirMode); err != nil {
			return fmt.Errorf("create directory %s: %w", dir, err)
		}
	case err != nil:
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	w.made[dir] = true
	return nil
}

// removeStaleTemps deletes the temporary files that an interrupted run left
// in the directories of tree.
func (w *writer) removeStaleTemps(tree Tree) error {
	return removeStaleTemps(w.root, tree)
}

// removeStaleTemps deletes pxegen's temporary files from the directories
// of tree's files.
func removeStaleTemps(root *os.Root, tree Tree) error {
	seen := map[string]bool{}
	for _, f := range tree {
		dir := path.Dir(f.Path)
		if seen[dir] {
			continue
		}
		seen[dir] = true
		d, err := root.Open(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read directory %s: %w", dir, err)
		}
		names, err := d.Readdirnames(-1)
		d.Close()
		if err != nil {
			return fmt.Errorf("read directory %s: %w", dir, err)
		}
		for _, name := range names {
			if isTemp(name) {
				if err := root.Remove(path.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return fmt.Errorf("remove stale %s: %w", path.Join(dir, name), err)
				}
			}
		}
	}
	return nil
}

// abort removes every temporary file staged so far.
func (w *writer) abort() {
	for _, t := range w.temps {
		w.root.Remove(t)
	}
}

func syncfs(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := unix.Syncfs(int(d.Fd())); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// isTemp reports whether name is one of pxegen's temporary files.
func isTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, tempMarker)
}
