//go:build unix

package filetree

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// MaxFileSize bounds what pxegen reads: no file larger than this is read,
// compared, backed up or diffed. The largest file pxegen writes, the
// manifest of a 200,000-host inventory, is about 70 MB; a file past this
// bound at a path pxegen manages was not written by it (a sparse 1 TiB
// file costs nothing on disk and would exhaust memory).
const MaxFileSize = 256 << 20

// workers is how many files are worked on at once. Reading and checking
// files gains from more workers than cores (the work is system calls that
// wait); creating files in one directory does not (they queue on its lock),
// so the pool stays small. Measured in make bench.
var workers = min(2*runtime.GOMAXPROCS(0), 8)

// parallel calls f(0) ... f(n-1) on the worker pool and returns the error
// of the lowest index that failed, so that messages do not depend on
// scheduling.
func parallel(n int, f func(i int) error) error {
	var (
		next     atomic.Int64
		mu       sync.Mutex
		firstErr error
		firstAt  = n
		wg       sync.WaitGroup
	)
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if i < firstAt {
						firstAt, firstErr = i, err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// LinkError reports a symbolic link where pxegen would write, remove or
// read: in the path of a file, at any level below the root, or the file
// itself. pxegen never follows one, wherever it leads: with --out / a
// relative link inside the tree reaches the whole machine.
type LinkError struct {
	Path   string // below the root
	Target string // what the link points to
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("%s is a symbolic link (to %s); pxegen never writes, removes or reads through one (point the inventory's paths at the real location)",
		Escape(e.Path), Escape(e.Target))
}

// IrregularError reports a file pxegen will not read: not a regular file
// (a FIFO would block the read, a device would be read forever), or
// larger than MaxFileSize. pxegen writes neither.
type IrregularError struct {
	Path string
	What string // "a FIFO", "1099511627776 bytes, more than ..."
}

func (e *IrregularError) Error() string {
	return fmt.Sprintf("%s is %s; pxegen reads and replaces only regular files it could have written", Escape(e.Path), e.What)
}

// dirTree holds a root directory open, and each directory below it that
// has been used, by descriptor. Every directory is opened relative to its
// parent's descriptor with O_NOFOLLOW, so that no path below the root
// resolves through a symbolic link, and each file is then worked on by
// one name relative to its directory. The root itself is opened once, by
// the path given, and stays the same directory for the whole run.
type dirTree struct {
	mu   sync.Mutex
	open map[string]*os.File // "." is the root
	err  map[string]error
}

// openDirTree opens root, which must be a directory.
func openDirTree(root string) (*dirTree, error) {
	f, err := os.OpenFile(root, os.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		return nil, err
	}
	return &dirTree{open: map[string]*os.File{".": f}, err: map[string]error{}}, nil
}

// get returns the directory dir (slash-separated, relative, clean), or an
// error wrapping fs.ErrNotExist when it, or a parent, does not exist. A
// symbolic link anywhere on the way is a *LinkError, a file is an error
// saying so.
func (d *dirTree) get(dir string) (*os.File, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.getLocked(dir)
}

func (d *dirTree) getLocked(dir string) (*os.File, error) {
	if f, ok := d.open[dir]; ok {
		return f, nil
	}
	if err, ok := d.err[dir]; ok {
		return nil, err
	}
	parent, err := d.getLocked(path.Dir(dir))
	if err != nil {
		return nil, err
	}
	name := path.Base(dir)
	fd, err := unix.Openat(int(parent.Fd()), name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		err = classify(int(parent.Fd()), dir, name, err, true)
		d.err[dir] = err
		return nil, err
	}
	f := os.NewFile(uintptr(fd), dir)
	d.open[dir] = f
	return f, nil
}

// classify turns a failed open of name in the directory dirfd into an
// error that says what is there: nothing (wrapping fs.ErrNotExist), a
// link, or something that is not a directory (wantDir) or not a regular
// file.
func classify(dirfd int, full, name string, err error, wantDir bool) error {
	if errors.Is(err, unix.ENOENT) {
		return &fs.PathError{Op: "open", Path: full, Err: fs.ErrNotExist}
	}
	var st unix.Stat_t
	if unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
		switch {
		case st.Mode&unix.S_IFMT == unix.S_IFLNK:
			buf := make([]byte, 4096)
			n, _ := unix.Readlinkat(dirfd, name, buf)
			return &LinkError{Path: full, Target: string(buf[:max(n, 0)])}
		case wantDir && st.Mode&unix.S_IFMT != unix.S_IFDIR:
			return fmt.Errorf("%s: %s, where a directory must go", Escape(full), kind(uint32(st.Mode)))
		}
	}
	return fmt.Errorf("open %s: %w", Escape(full), err)
}

// kind names a file type for an error.
func kind(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return "a regular file"
	case unix.S_IFDIR:
		return "a directory"
	case unix.S_IFLNK:
		return "a symbolic link"
	case unix.S_IFIFO:
		return "a FIFO"
	case unix.S_IFSOCK:
		return "a socket"
	case unix.S_IFCHR:
		return "a character device"
	case unix.S_IFBLK:
		return "a block device"
	}
	return "not a regular file"
}

// forget drops what is known of dir and everything below it, after
// creating or removing it.
func (d *dirTree) forget(dir string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, f := range d.open {
		if k == dir || strings.HasPrefix(k, dir+"/") {
			f.Close()
			delete(d.open, k)
		}
	}
	for k := range d.err {
		if k == dir || strings.HasPrefix(k, dir+"/") {
			delete(d.err, k)
		}
	}
}

func (d *dirTree) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, f := range d.open {
		f.Close()
	}
	d.open = nil
}

// fd returns the descriptor of dir.
func (d *dirTree) fd(dir string) (int, error) {
	f, err := d.get(dir)
	if err != nil {
		return -1, err
	}
	return int(f.Fd()), nil
}

// names lists the entries of dir.
func (d *dirTree) names(dir string) ([]string, error) {
	dirfd, err := d.fd(dir)
	if err != nil {
		return nil, err
	}
	// A descriptor of its own: reading entries moves the offset.
	fd, err := unix.Openat(dirfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("read directory %s: %w", Escape(dir), err)
	}
	f := os.NewFile(uintptr(fd), dir)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("read directory %s: %w", Escape(dir), err)
	}
	return names, nil
}

// lstat describes name (one component) in dir without following it;
// exists is false when there is nothing there.
func (d *dirTree) lstat(dir, name string) (st unix.Stat_t, exists bool, err error) {
	dirfd, err := d.fd(dir)
	if isNotExist(err) {
		return st, false, nil
	}
	if err != nil {
		return st, false, err
	}
	err = unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return st, false, nil
	}
	return st, err == nil, err
}

// fileState is what inspect found at a path.
type fileState struct {
	exists bool
	same   bool   // it holds exactly the bytes asked about
	sum    string // sha256 of its content; "" when same (the caller knows it)
	marked bool   // its first bytes carry the mark
	mode   uint32 // its mode bits, as fstat gives them
	stat   Stat   // fstat's, taken before reading
	cached bool   // known by its stat data alone: not read, and marked is unknown
}

// smallFile is the size up to which a file is read in one piece; larger
// ones are streamed, so that no read holds more than this in memory.
const smallFile = 1 << 20

// inspect opens the regular file at p without following a link, compares
// it with want, hashes it unless it is the same, and looks for mark in its
// first bytes. It never reads what is not a regular file or is larger than
// MaxFileSize. Five system calls for a small file: at 100,000 hosts an
// unchanged render is mostly this.
func (d *dirTree) inspect(p string, want []byte, mark string) (fileState, error) {
	var st fileState
	if inspectHook != nil {
		inspectHook(p)
	}
	fd, fst, err := d.openRegular(p)
	if isNotExist(err) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	defer unix.Close(fd)
	size := fst.Size
	st.exists, st.mode, st.stat = true, uint32(fst.Mode), statOf(&fst)
	if size <= smallFile {
		data := make([]byte, size+1)
		n, err := readFull(fd, data)
		if err != nil {
			return st, fmt.Errorf("read %s: %w", Escape(p), err)
		}
		if n > int(size) {
			return st, fmt.Errorf("read %s: it grew while pxegen read it", Escape(p))
		}
		data = data[:n]
		st.same = want != nil && bytes.Equal(data, want)
		if !st.same {
			st.sum = sum(data)
		}
		st.marked = Marked(data, mark)
		return st, nil
	}
	h := sha256.New()
	buf := make([]byte, smallFile)
	same := want != nil && int64(len(want)) == size
	var read int64
	for {
		n, err := readFull(fd, buf)
		if err != nil {
			return st, fmt.Errorf("read %s: %w", Escape(p), err)
		}
		if read == 0 {
			st.marked = Marked(buf[:n], mark)
		}
		if same && !bytes.Equal(buf[:n], want[read:min(read+int64(n), int64(len(want)))]) {
			same = false
		}
		h.Write(buf[:n])
		read += int64(n)
		if read > size {
			return st, fmt.Errorf("read %s: it grew while pxegen read it", Escape(p))
		}
		if n < len(buf) {
			break
		}
	}
	st.same = same && read == int64(len(want))
	if !st.same {
		st.sum = hex.EncodeToString(h.Sum(nil))
	}
	return st, nil
}

// inspectHook, when not nil, is called with every path inspect reads: a
// test seam, to count them.
var inspectHook func(p string)

// fsNow returns the filesystem's time now, as the ctime of a file it
// creates in dir and removes at once: the time a file changed from now on
// gets at least. (A clock of the process would not do: a filesystem
// keeps coarser or finer time.) The name is a temporary file's, which a
// later run sweeps should a kill leave it.
func (d *dirTree) fsNow(dir string) (int64, error) {
	dirfd, err := d.fd(dir)
	if err != nil {
		return 0, err
	}
	// An unnamed file where the system has them: a named one, even
	// removed at once, changes the directory's mtime, and a run that
	// changes nothing must leave the directory as it was.
	if now, ok := unnamedFileNow(dirfd); ok {
		return now, nil
	}
	name := ".horizon" + tempMarker + strconv.Itoa(os.Getpid()) + "-0"
	fd, err := unix.Openat(dirfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	defer unix.Unlinkat(dirfd, name, 0)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, err
	}
	return st.Ctim.Nano(), nil
}

// readFile reads the regular file at p, refusing links, other kinds of
// file and sizes over MaxFileSize; exists is false when there is none.
func (d *dirTree) readFile(p string) (data []byte, exists bool, err error) {
	fd, fst, err := d.openRegular(p)
	if isNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	size := fst.Size
	defer unix.Close(fd)
	data = make([]byte, size+1)
	n, err := readFull(fd, data)
	if err != nil {
		return nil, false, fmt.Errorf("read %s: %w", Escape(p), err)
	}
	if n > int(size) {
		return nil, false, fmt.Errorf("read %s: it grew while pxegen read it", Escape(p))
	}
	return data[:n], true, nil
}

// openRegular opens p for reading: not through a link, not blocking on a
// FIFO, and only if fstat says it is a regular file of at most
// MaxFileSize bytes. A missing file or directory wraps fs.ErrNotExist.
func (d *dirTree) openRegular(p string) (fd int, st unix.Stat_t, err error) {
	dirfd, err := d.fd(path.Dir(p))
	if err != nil {
		return -1, st, err
	}
	name := path.Base(p)
	fd, err = unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return -1, st, classify(dirfd, p, name, err, false)
	}
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, st, fmt.Errorf("check %s: %w", Escape(p), err)
	}
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		unix.Close(fd)
		return -1, st, &IrregularError{Path: p, What: kind(uint32(st.Mode))}
	case st.Size > MaxFileSize:
		unix.Close(fd)
		return -1, st, &IrregularError{Path: p, What: fmt.Sprintf("%d bytes, more than any file pxegen writes (at most %d MiB)", st.Size, MaxFileSize>>20)}
	}
	return fd, st, nil
}

// statFile describes the file at p without following a link, as lstat(2)
// does; exists is false when there is nothing there. One system call: an
// unchanged file known to the manifest's stat cache costs only this.
func (d *dirTree) statFile(p string) (st unix.Stat_t, exists bool, err error) {
	return d.lstat(path.Dir(p), path.Base(p))
}

// readFull reads into buf until it is full or the file ends.
func readFull(fd int, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := unix.Read(fd, buf[n:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			break
		}
		n += m
	}
	return n, nil
}

// create makes a new regular file name in dir, failing if anything is
// there already.
func (d *dirTree) create(dir, name string, mode fs.FileMode) (*os.File, error) {
	dirfd, err := d.fd(dir)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Openat(dirfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(mode.Perm()))
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), path.Join(dir, name)), nil
}

// rename renames from to to, both names in dir. It never follows a link:
// a link at to is replaced, not written through.
func (d *dirTree) rename(dir, from, to string) error {
	dirfd, err := d.fd(dir)
	if err != nil {
		return err
	}
	return unix.Renameat(dirfd, from, dirfd, to)
}

// remove removes the file (or, with isDir, the empty directory) p. A link
// at p is removed itself, never what it points to.
func (d *dirTree) remove(p string, isDir bool) error {
	dirfd, err := d.fd(path.Dir(p))
	if err != nil {
		return err
	}
	flags := 0
	if isDir {
		flags = unix.AT_REMOVEDIR
	}
	err = unix.Unlinkat(dirfd, path.Base(p), flags)
	if errors.Is(err, unix.ENOENT) {
		return &fs.PathError{Op: "remove", Path: p, Err: fs.ErrNotExist}
	}
	if err == nil && isDir {
		d.forget(p)
	}
	return err
}

// mkdir creates the directory p, whose parent exists, with mode whatever
// the umask.
func (d *dirTree) mkdir(p string, mode fs.FileMode) error {
	parent, err := d.fd(path.Dir(p))
	if err != nil {
		return err
	}
	if err := unix.Mkdirat(parent, path.Base(p), uint32(mode.Perm())); err != nil {
		return err
	}
	d.forget(p)
	f, err := d.get(p)
	if err != nil {
		return err
	}
	return unix.Fchmod(int(f.Fd()), uint32(mode.Perm())) // the umask applied
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// markWindow is how far into a file its mark must start: the first lines.
const markWindow = 512

// Marked reports whether data carries mark in its first bytes: the line
// that shows pxegen wrote it. An empty mark marks everything.
func Marked(data []byte, mark string) bool {
	if mark == "" {
		return true
	}
	head := data[:min(len(data), markWindow+len(mark))]
	i := bytes.Index(head, []byte(mark))
	return i >= 0 && i <= markWindow
}
