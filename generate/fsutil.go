package generate

import (
	"errors"
	"io/fs"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
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
	root *os.Root
	mu   sync.Mutex
	open map[string]*os.Root
	err  map[string]error
}

func newDirRoots(root *os.Root) *dirRoots {
	return &dirRoots{root: root, open: map[string]*os.Root{}, err: map[string]error{}}
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
	for _, r := range d.open {
		r.Close()
	}
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
