package filetree

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestIrregularFilesAreNeverRead puts what is not a regular file of sane
// size where pxegen reads: at a file it would replace, at the manifest and
// at the pending record. Planning must refuse each with an error naming
// it, promptly, without reading it into memory or blocking on it.
func TestIrregularFilesAreNeverRead(t *testing.T) {
	sparse := func(t *testing.T, path string) {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(1 << 40); err != nil { // 1 TiB, no blocks
			t.Skipf("cannot make a sparse file: %v", err)
		}
	}
	fifo := func(t *testing.T, path string) {
		if err := syscall.Mkfifo(path, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			// Release a reader that blocked on it, if the test failed.
			if fd, err := syscall.Open(path, syscall.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				syscall.Close(fd)
			}
		})
	}
	for _, tc := range []struct {
		name string
		at   string
		make func(*testing.T, string)
		want string
	}{
		{"sparse 1 TiB file to replace", "srv/x/h1", sparse, "srv/x/h1"},
		{"sparse 1 TiB manifest", testManifest, sparse, testManifest},
		{"sparse 1 TiB pending record", testManifest + ".pending", sparse, testManifest + ".pending"},
		{"FIFO to replace", "srv/x/h1", fifo, "srv/x/h1"},
		{"FIFO manifest", testManifest, fifo, testManifest},
		{"FIFO pending record", testManifest + ".pending", fifo, testManifest + ".pending"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			tree := Tree{{Path: "srv/x/h1", Data: []byte("1\n")}}
			if err := os.MkdirAll(filepath.Join(root, filepath.Dir(tc.at)), 0o755); err != nil {
				t.Fatal(err)
			}
			tc.make(t, filepath.Join(root, tc.at))
			done := make(chan error, 1)
			go func() {
				p, err := NewPlan(root, tree, PlanOptions{Manifest: testManifest, Lock: SharedLock})
				if err == nil {
					p.Close()
				}
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("NewPlan: err = %v, want a refusal naming %s", err, tc.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("NewPlan is still reading %s after 10 s", tc.at)
			}
		})
	}
}
