//go:build unix

package filetree

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strconv"

	"golang.org/x/sys/unix"
)

// Modes of everything pxegen writes, whatever the umask: the daemons and
// the TFTP server, which may run as nobody, must be able to read them.
// Backups of files pxegen took over may hold secrets (a dhcpd.conf with
// DDNS keys), so only their owner reads them.
const (
	FileMode       fs.FileMode = 0o644
	DirMode        fs.FileMode = 0o755
	backupFileMode fs.FileMode = 0o600
	backupDirMode  fs.FileMode = 0o700
)

// tempMarker is in the name of every temporary file, so that a later run
// can find and remove the ones a killed run left behind.
const tempMarker = ".pxegen-tmp-"

// tempName matches the temporary files pxegen makes: "." + the file's
// name + tempMarker + pid + "-" + a counter.
var tempName = regexp.MustCompile(`^\..+\.pxegen-tmp-[0-9]+-[0-9]+$`)

// isTemp reports whether name is one of pxegen's temporary files.
func isTemp(name string) bool { return tempName.MatchString(name) }

// Summary says what Write did, by path.
type Summary struct {
	Written   []string
	Unchanged []string
}

// Write makes the tree under dir hold exactly the bytes of tree, for the
// files tree names; other files are left alone. It keeps no manifest and
// takes no lock: it is for directories of one's own (a staging copy).
//
// Every file is replaced atomically: written to a temporary file in its own
// directory, then renamed over the old one, so a reader (or a daemon
// reloading) sees the complete old or the complete new file. All temporary
// files are written before any is renamed, and one filesystem sync between
// the two phases makes the new data durable before it becomes visible; a
// failure before the renames removes the temporary files and the
// directories the run made, and leaves the tree as it was. A file whose
// bytes are unchanged is not touched, keeping its inode and mtime. No
// symbolic link below dir is followed. Files are worked on in parallel.
func Write(dir string, tree Tree) (Summary, error) {
	for _, f := range tree {
		if err := checkPath(f.Path); err != nil {
			return Summary{}, err
		}
	}
	made, err := mkdirRoot(dir)
	if err != nil {
		return Summary{}, err
	}
	t, err := openDirTree(dir)
	if err != nil {
		return Summary{}, fmt.Errorf("open output directory: %w", err)
	}
	defer t.close()
	sum, err := writeTree(t, tree, batch{sweep: dirsOf(tree)})
	if err != nil && made {
		os.Remove(dir) // only if empty, as a failed run leaves it
	}
	return sum, err
}

// mkdirRoot creates the output directory if it does not exist, and says
// whether it did.
func mkdirRoot(dir string) (bool, error) {
	if _, err := os.Stat(dir); err == nil {
		return false, nil
	}
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return false, fmt.Errorf("create output directory: %w", err)
	}
	return true, nil
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
	// backups are copies of files this batch replaces or removes, written
	// (and synced) before any rename.
	backups []File
	// sweep lists the directories to clear of a killed run's temporary
	// files before writing.
	sweep []string
	// touched lists the directories between removes files from, for
	// syncTree where directories are synced one by one.
	touched []string
	// changed says every file is known to differ from what is on disk (a
	// plan has just compared them), so they are not read again.
	changed bool
	// meter, if not nil, counts the files written.
	meter Meter
	// final, if not nil, makes the batch's last file once every other
	// file is in place, from what fstat said of each file of tree the
	// batch wrote, just after writing it (a manifest that records stat
	// data of the files written). It is used instead of last.
	final func(written []staged) (*File, error)
	// beforeRenames, if not nil, runs once every file is staged and
	// synced, before any is renamed into place, with the same list.
	beforeRenames func(written []staged)
}

// staged is a file of tree a batch wrote, and what fstat said of its
// temporary file once written and synced: the same inode, size and mtime
// are at the file's path after the rename unless someone changed it.
type staged struct {
	Path string
	id   fileID
}

// fileID is what of a file's stat data a rename leaves as it was: kept for
// each file a batch writes (at 100,000 hosts, 300,000 of them), so small.
type fileID struct {
	dev, ino    uint64
	size, mtime int64
}

func idOf(st *unix.Stat_t) fileID {
	return fileID{dev: uint64(st.Dev), ino: st.Ino, size: st.Size, mtime: st.Mtim.Nano()}
}

func writeTree(t *dirTree, tree Tree, b batch) (Summary, error) {
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

	// Before writing a byte: every directory can be made, and no file
	// that must be replaced is a link, a directory or a device.
	missing, err := missingDirs(t, tree, b.backups)
	if err != nil {
		return sum, err
	}
	same := make([]bool, len(tree))
	err = parallel(len(tree), func(i int) error {
		if b.changed {
			return nil
		}
		st, err := t.inspect(tree[i].Path, tree[i].Data, "")
		if err != nil {
			return err
		}
		same[i] = st.same
		if st.same && st.mode&0o7777 != uint32(FileMode) {
			dirfd, err := t.fd(path.Dir(tree[i].Path))
			if err == nil {
				err = unix.Fchmodat(dirfd, path.Base(tree[i].Path), uint32(FileMode), 0)
			}
			if err != nil {
				return fmt.Errorf("chmod %s: %w", Escape(tree[i].Path), err)
			}
		}
		return nil
	})
	if err != nil {
		return sum, err
	}
	if err := removeStaleTemps(t, b.sweep); err != nil {
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
		return sum, finish(t, b, nil)
	}

	// From here on a failure undoes what the run did, as far as it got:
	// temporary files, backups (while nothing was replaced) and the
	// directories it made.
	var made []string
	temps := make([]string, len(changed))
	ids := make([]fileID, len(changed))
	var backedUp []string
	replaced := false
	abort := func(err error) (Summary, error) {
		parallel(len(changed), func(j int) error {
			if temps[j] != "" {
				t.remove(path.Join(path.Dir(tree[changed[j]].Path), temps[j]), false)
			}
			return nil
		})
		if !replaced {
			for _, p := range backedUp {
				t.remove(p, false)
			}
		}
		for i := len(made) - 1; i >= 0; i-- {
			t.remove(made[i], true) // only if empty: a replaced file keeps its directory
		}
		return sum, err
	}
	for _, d := range missing {
		mode := DirMode
		if d.backup {
			mode = backupDirMode
		}
		if err := t.mkdir(d.path, mode); err != nil && !errors.Is(err, unix.EEXIST) {
			return abort(fmt.Errorf("create directory %s: %w", Escape(d.path), err))
		}
		made = append(made, d.path)
	}
	for _, f := range b.backups {
		backedUp = append(backedUp, f.Path)
		if _, err := writeNew(t, path.Dir(f.Path), path.Base(f.Path), f.Data, backupFileMode); err != nil {
			return abort(fmt.Errorf("back up to %s: %w", Escape(f.Path), err))
		}
	}

	pid := strconv.Itoa(os.Getpid())
	if b.meter != nil {
		b.meter.Begin("writing", len(changed))
	}
	err = parallel(len(changed), func(j int) error {
		f := tree[changed[j]]
		tmp := "." + path.Base(f.Path) + tempMarker + pid + "-" + strconv.Itoa(j)
		temps[j] = tmp
		st, err := writeNew(t, path.Dir(f.Path), tmp, f.Data, FileMode)
		ids[j] = idOf(&st)
		if err != nil {
			if errors.Is(err, unix.EEXIST) {
				temps[j] = "" // not ours
			}
			return fmt.Errorf("write %s: %w", Escape(f.Path), err)
		}
		if b.meter != nil {
			b.meter.Add(1)
		}
		return nil
	})
	if b.meter != nil {
		// The sync and the renames: no count, but the line stays up.
		b.meter.Begin("replacing", 0)
	}
	// One sync makes every staged file (and backup) durable before any
	// becomes visible.
	touched := changedDirs(tree, changed)
	if err == nil {
		err = syncTree(t, append(touched, dirsOfPaths(backedUp)...))
	}
	if err != nil {
		return abort(err)
	}
	var written []staged
	if b.final != nil || b.beforeRenames != nil {
		written = make([]staged, 0, len(changed))
		for j, i := range changed {
			if inTree(i) {
				written = append(written, staged{tree[i].Path, ids[j]})
			}
		}
	}
	if b.beforeRenames != nil {
		b.beforeRenames(written)
	}
	rename := func(j int) error {
		f := tree[changed[j]]
		if err := t.rename(path.Dir(f.Path), temps[j], path.Base(f.Path)); err != nil {
			return fmt.Errorf("replace %s: %w", Escape(f.Path), err)
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
	replaced = true
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
	if err == nil && b.final != nil {
		err = writeFinal(t, b.final, written, len(changed))
	}
	if err != nil {
		return abort(err)
	}
	for _, i := range changed {
		if inTree(i) {
			sum.Written = append(sum.Written, tree[i].Path)
		}
	}
	return sum, finish(t, b, touched)
}

// writeFinal makes the batch's final file from the files of tree it wrote
// and puts it in place: staged, synced, renamed.
// n numbers its temporary file after the batch's others.
func writeFinal(t *dirTree, final func([]staged) (*File, error), written []staged, n int) error {
	f, err := final(written)
	if err != nil || f == nil {
		return err
	}
	dir, name := path.Dir(f.Path), path.Base(f.Path)
	tmp := "." + name + tempMarker + strconv.Itoa(os.Getpid()) + "-" + strconv.Itoa(n)
	if _, err := writeNew(t, dir, tmp, f.Data, FileMode); err != nil {
		if !errors.Is(err, unix.EEXIST) {
			t.remove(path.Join(dir, tmp), false)
		}
		return fmt.Errorf("write %s: %w", Escape(f.Path), err)
	}
	// Its data durable before it is visible, as the batch's other files.
	if err := syncTree(t, []string{dir}); err != nil {
		t.remove(path.Join(dir, tmp), false)
		return err
	}
	if err := t.rename(dir, tmp, name); err != nil {
		t.remove(path.Join(dir, tmp), false)
		return fmt.Errorf("replace %s: %w", Escape(f.Path), err)
	}
	return nil
}

// writeNew creates name in dir, which must not exist, and writes data to
// it with mode whatever the umask. It returns what fstat says of the file
// once written and synced.
func writeNew(t *dirTree, dir, name string, data []byte, mode fs.FileMode) (unix.Stat_t, error) {
	var st unix.Stat_t
	out, err := t.create(dir, name, mode)
	if err != nil {
		return st, err
	}
	_, err = out.Write(data)
	if err == nil {
		err = out.Chmod(mode) // the umask applied at create
	}
	if err == nil {
		err = syncFile(out)
	}
	if err == nil {
		err = unix.Fstat(int(out.Fd()), &st)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return st, err
}

// finish removes the batch's cleanup files and makes the renames and
// removals durable.
func finish(t *dirTree, b batch, touched []string) error {
	for _, name := range b.cleanup {
		if err := t.remove(name, false); err != nil && !isNotExist(err) {
			return fmt.Errorf("remove %s: %w", Escape(name), err)
		}
		touched = append(touched, path.Dir(name))
	}
	return syncTree(t, append(touched, b.touched...))
}

// changedDirs lists the directories of tree's files at the indexes
// changed, once each.
func changedDirs(tree Tree, changed []int) []string {
	paths := make([]string, len(changed))
	for j, i := range changed {
		paths[j] = tree[i].Path
	}
	return dirsOfPaths(paths)
}

// dirsOf lists the directories of tree's files, once each.
func dirsOf(tree Tree) []string {
	paths := make([]string, len(tree))
	for i, f := range tree {
		paths[i] = f.Path
	}
	return dirsOfPaths(paths)
}

func dirsOfPaths(paths []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range paths {
		if d := path.Dir(p); !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// newDir is a directory a write must create.
type newDir struct {
	path   string
	backup bool // for backups: private
}

// missingDirs returns the directories tree and backups need that do not
// exist yet, parents first. A link or a file where a directory must be is
// an error.
func missingDirs(t *dirTree, tree Tree, backups []File) ([]newDir, error) {
	need := map[string]bool{} // path -> for backups
	add := func(p string, backup bool) {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if b, ok := need[d]; ok && (b == backup || !b) {
				return
			}
			need[d] = backup
		}
	}
	for _, f := range tree {
		add(f.Path, false)
	}
	for _, f := range backups {
		add(f.Path, true)
	}
	list := make([]string, 0, len(need))
	for d := range need {
		list = append(list, d)
	}
	sort.Strings(list) // parents before children
	var missing []newDir
	for _, d := range list {
		_, err := t.get(d)
		switch {
		case isNotExist(err):
			missing = append(missing, newDir{d, need[d]})
		case err != nil:
			return nil, err
		}
	}
	return missing, nil
}

// removeStaleTemps deletes pxegen's temporary files, left by a killed run,
// from those of dirs that exist. It follows no link: a directory that is
// one is not looked into.
func removeStaleTemps(t *dirTree, dirs []string) error {
	return parallel(len(dirs), func(i int) error {
		names, err := t.names(dirs[i])
		var link *LinkError
		if isNotExist(err) || errors.As(err, &link) {
			return nil
		}
		if err != nil {
			return err
		}
		for _, name := range names {
			if !isTemp(name) {
				continue
			}
			st, exists, err := t.lstat(dirs[i], name)
			if err != nil || !exists || st.Mode&unix.S_IFMT != unix.S_IFREG {
				continue
			}
			if err := t.remove(path.Join(dirs[i], name), false); err != nil && !isNotExist(err) {
				return fmt.Errorf("remove stale %s: %w", Escape(path.Join(dirs[i], name)), err)
			}
		}
		return nil
	})
}
