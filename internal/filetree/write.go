package filetree

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
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
// its inode and mtime. All access goes through os.Root, so no symbolic
// link can lead a write out of dir. Files are worked on in parallel.
func Write(dir string, tree Tree) (Summary, error) {
	return writeTree(dir, tree, batch{})
}

// batch orders a write around tree: first is renamed into place before any
// file of tree and last after all of them (the manifest's pending record
// and the manifest itself), between runs after tree's renames, and cleanup
// is removed at the end. One sync before the renames and one after serve
// the whole batch.
type batch struct {
	first, last *File
	between     func() error
	cleanup     []string
	// removedDirs are the directories between removes files from, for
	// syncTree where directories are synced one by one.
	removedDirs []string
	// changed says every file is known to differ from what is on disk (a
	// plan has just compared them), so they are not read again.
	changed bool
}

func writeTree(dir string, tree Tree, b batch) (Summary, error) {
	var sum Summary
	// The batch's own files go through the same checks and staging.
	nTree := len(tree)
	if b.first != nil {
		tree = append(Tree{*b.first}, tree...)
	}
	if b.last != nil {
		tree = append(append(Tree{}, tree...), *b.last)
	}
	offset := 0
	if b.first != nil {
		offset = 1
	}
	inTree := func(i int) bool { return i >= offset && i < offset+nTree }
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return sum, fmt.Errorf("create output directory: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return sum, fmt.Errorf("open output directory: %w", err)
	}
	defer root.Close()
	dirs := newDirRoots(root)
	defer dirs.close()

	// Before writing a byte: every directory can be made, and no file
	// that must be replaced is a link, a directory or a device.
	missing, err := missingDirs(dirs, tree)
	if err != nil {
		return sum, err
	}
	same := make([]bool, len(tree))
	err = parallel(len(tree), func(i int) error {
		if b.changed {
			return nil
		}
		d, err := dirs.get(path.Dir(tree[i].Path))
		if isNotExist(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("check %s: %w", tree[i].Path, err)
		}
		same[i], err = unchanged(d, tree[i])
		return err
	})
	if err != nil {
		return sum, err
	}
	if err := removeStaleTemps(dirs, tree); err != nil {
		return sum, err
	}
	var changed []int
	for i, f := range tree {
		if !same[i] {
			changed = append(changed, i)
		} else if inTree(i) {
			sum.Unchanged = append(sum.Unchanged, f.Path)
		}
	}
	if len(changed) == 0 {
		if len(b.cleanup) == 0 {
			return sum, nil
		}
		return sum, finish(root, dirs, b, nil)
	}
	for _, d := range missing {
		if err := root.Mkdir(d, DirMode); err != nil && !errors.Is(err, fs.ErrExist) {
			return sum, fmt.Errorf("create directory %s: %w", d, err)
		}
		if err := root.Chmod(d, DirMode); err != nil { // the umask applied
			return sum, fmt.Errorf("create directory %s: %w", d, err)
		}
		dirs.forget(d)
	}

	temps := make([]string, len(changed))
	abort := func() {
		parallel(len(changed), func(j int) error {
			if temps[j] != "" {
				if d, err := dirs.get(path.Dir(tree[changed[j]].Path)); err == nil {
					d.Remove(temps[j])
				}
			}
			return nil
		})
	}
	pid := strconv.Itoa(os.Getpid())
	err = parallel(len(changed), func(j int) error {
		f := tree[changed[j]]
		d, err := dirs.get(path.Dir(f.Path))
		if err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
		tmp := "." + path.Base(f.Path) + tempMarker + pid + "-" + strconv.Itoa(j)
		out, err := d.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, FileMode)
		if err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
		temps[j] = tmp
		_, err = out.Write(f.Data)
		if err == nil {
			err = out.Chmod(FileMode) // the umask applied at create
		}
		if err == nil {
			err = syncFile(out)
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
		return nil
	})
	// One sync makes every staged file durable before any becomes
	// visible.
	touched := changedDirs(tree, changed)
	if err == nil {
		err = syncTree(dirs, touched)
	}
	if err != nil {
		abort()
		return sum, err
	}
	rename := func(j int) error {
		f := tree[changed[j]]
		d, err := dirs.get(path.Dir(f.Path))
		if err == nil {
			err = d.Rename(temps[j], path.Base(f.Path))
		}
		if err != nil {
			return fmt.Errorf("replace %s: %w", f.Path, err)
		}
		temps[j] = ""
		return nil
	}
	// The batch's first file, then tree in parallel, then its last.
	var firstJ, lastJ = -1, -1
	var middle []int
	for j, i := range changed {
		switch {
		case b.first != nil && i == 0:
			firstJ = j
		case b.last != nil && i == len(tree)-1:
			lastJ = j
		default:
			middle = append(middle, j)
		}
	}
	if firstJ >= 0 {
		err = rename(firstJ)
	}
	if err == nil {
		err = parallel(len(middle), func(k int) error { return rename(middle[k]) })
	}
	if err == nil && b.between != nil {
		err = b.between()
	}
	if err == nil && lastJ >= 0 {
		err = rename(lastJ)
	}
	if err != nil {
		abort()
		return sum, err
	}
	for _, i := range changed {
		if inTree(i) {
			sum.Written = append(sum.Written, tree[i].Path)
		}
	}
	return sum, finish(root, dirs, b, touched)
}

// finish removes the batch's cleanup files and makes the renames and
// removals durable.
func finish(root *os.Root, dirs *dirRoots, b batch, touched []string) error {
	for _, name := range b.cleanup {
		if err := root.Remove(name); err != nil && !isNotExist(err) {
			return fmt.Errorf("remove %s: %w", name, err)
		}
		touched = append(touched, path.Dir(name))
	}
	touched = append(touched, b.removedDirs...)
	return syncTree(dirs, touched)
}

// changedDirs lists the directories of tree's files at the indexes
// changed, once each.
func changedDirs(tree Tree, changed []int) []string {
	seen := map[string]bool{}
	var out []string
	for _, i := range changed {
		if d := path.Dir(tree[i].Path); !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// missingDirs returns the directories tree needs that do not exist yet,
// parents first, after checking that none is blocked by a file.
func missingDirs(dirs *dirRoots, tree Tree) ([]string, error) {
	need := map[string]bool{}
	for _, f := range tree {
		for d := path.Dir(f.Path); d != "." && !need[d]; d = path.Dir(d) {
			need[d] = true
		}
	}
	list := make([]string, 0, len(need))
	for d := range need {
		list = append(list, d)
	}
	sort.Strings(list) // parents before children
	var missing []string
	gone := map[string]bool{}
	for _, d := range list {
		if gone[path.Dir(d)] {
			gone[d] = true
			missing = append(missing, d)
			continue
		}
		info, err := dirs.root.Lstat(d)
		switch {
		case isNotExist(err):
			gone[d] = true
			missing = append(missing, d)
		case err != nil:
			return nil, fmt.Errorf("check directory %s: %w", d, err)
		case info.Mode()&fs.ModeSymlink != 0:
			// A link to a directory inside the tree is followed (os.Root
			// refuses one that leads out).
			if _, err := dirs.get(d); err != nil {
				return nil, fmt.Errorf("check directory %s: %w", d, err)
			}
		case !info.IsDir():
			return nil, fmt.Errorf("create directory %s: a file of that name is in the way", d)
		}
	}
	return missing, nil
}

// unchanged reports whether f's path already holds exactly f's bytes. It
// refuses paths that are directories or symbolic links: replacing those
// would destroy something pxegen did not write.
func unchanged(d *os.Root, f File) (bool, error) {
	name := path.Base(f.Path)
	info, err := d.Lstat(name)
	if isNotExist(err) {
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
	old, err := d.ReadFile(name)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", f.Path, err)
	}
	if !bytes.Equal(old, f.Data) {
		return false, nil
	}
	if info.Mode().Perm() != FileMode {
		if err := d.Chmod(name, FileMode); err != nil {
			return false, fmt.Errorf("chmod %s: %w", f.Path, err)
		}
	}
	return true, nil
}

// removeStaleTemps deletes pxegen's temporary files, left by a killed run,
// from the existing directories of tree's files.
func removeStaleTemps(dirs *dirRoots, tree Tree) error {
	seen := map[string]bool{}
	var list []string
	for _, f := range tree {
		if d := path.Dir(f.Path); !seen[d] {
			seen[d] = true
			list = append(list, d)
		}
	}
	return parallel(len(list), func(i int) error {
		d, err := dirs.get(list[i])
		if isNotExist(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read directory %s: %w", list[i], err)
		}
		dh, err := d.Open(".")
		if err != nil {
			return fmt.Errorf("read directory %s: %w", list[i], err)
		}
		names, err := dh.Readdirnames(-1)
		dh.Close()
		if err != nil {
			return fmt.Errorf("read directory %s: %w", list[i], err)
		}
		for _, name := range names {
			if isTemp(name) {
				if err := d.Remove(name); err != nil && !isNotExist(err) {
					return fmt.Errorf("remove stale %s: %w", path.Join(list[i], name), err)
				}
			}
		}
		return nil
	})
}

// isTemp reports whether name is one of pxegen's temporary files.
func isTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, tempMarker)
}
