package filetree

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

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

// dirRoots opens each directory below a root once, as an os.Root of its
// own, so that work on a file resolves one name instead of walking its
// whole path; opening through the parent root keeps every symbolic link
// from leading out of the tree.
type dirRoots struct {
	root  *os.Root
	mu    sync.Mutex
	open  map[string]*os.Root
	err   map[string]error
	files map[string]*os.File // directories opened for their descriptor
}

func newDirRoots(root *os.Root) *dirRoots {
	return &dirRoots{root: root, open: map[string]*os.Root{}, err: map[string]error{}, files: map[string]*os.File{}}
}

// fd returns a descriptor of the directory dir, opened through its root,
// for system calls on single names inside it.
func (d *dirRoots) fd(dir string) (int, error) {
	r, err := d.get(dir)
	if err != nil {
		return -1, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if f, ok := d.files[dir]; ok {
		return int(f.Fd()), nil
	}
	f, err := r.Open(".")
	if err != nil {
		return -1, err
	}
	d.files[dir] = f
	return int(f.Fd()), nil
}

// readRegular reads the regular file name (one path component) in the
// directory dir. It never follows a symbolic link, refuses anything but a
// regular file, and reports a missing file as exists == false. Four system
// calls: at 100,000 hosts an unchanged render is mostly this.
func (d *dirRoots) readRegular(dir, name string) (data []byte, exists bool, err error) {
	dirfd, err := d.fd(dir)
	if isNotExist(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	switch {
	case err == unix.ENOENT:
		return nil, false, nil
	case err == unix.ELOOP:
		return nil, false, errors.New("is a symbolic link; pxegen replaces only regular files")
	case err != nil:
		return nil, false, err
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, false, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, false, errors.New("is not a regular file")
	}
	data = make([]byte, 0, st.Size+1)
	for {
		n, err := unix.Read(fd, data[len(data):cap(data)])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		if n == 0 {
			return data, true, nil
		}
		data = data[:len(data)+n]
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)] // it grew while we read
		}
	}
}

// get returns the directory dir (slash-separated, relative), or nil and
// fs.ErrNotExist when it does not exist.
func (d *dirRoots) get(dir string) (*os.Root, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if r, ok := d.open[dir]; ok {
		return r, nil
	}
	if err, ok := d.err[dir]; ok {
		return nil, err
	}
	var r *os.Root
	var err error
	if dir == "." {
		r, err = d.root.OpenRoot(".")
	} else {
		r, err = d.root.OpenRoot(dir)
	}
	if err != nil {
		d.err[dir] = err
		return nil, err
	}
	d.open[dir] = r
	return r, nil
}

// forget drops what is known of dir, after creating it.
func (d *dirRoots) forget(dir string) {
	d.mu.Lock()
	delete(d.err, dir)
	d.mu.Unlock()
}

func (d *dirRoots) close() {
	for _, f := range d.files {
		f.Close()
	}
	for _, r := range d.open {
		r.Close()
	}
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
