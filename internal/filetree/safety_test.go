package filetree

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLockKeepsOneWriterAndNoReaderDuringIt(t *testing.T) {
	root := t.TempDir()
	tree := Tree{{Path: "a", Data: []byte("a\n")}}
	plan := func(mode LockMode) (*Plan, error) {
		return NewPlan(root, tree, PlanOptions{Manifest: testManifest, Lock: mode})
	}
	w, err := plan(ExclusiveLock)
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []LockMode{ExclusiveLock, SharedLock} {
		var locked *LockedError
		if _, err := plan(mode); !errors.As(err, &locked) {
			t.Errorf("lock mode %d while a writer holds the tree: err = %v, want a LockedError", mode, err)
		}
	}
	w.Close()
	r1, err := plan(SharedLock)
	if err != nil {
		t.Fatal(err)
	}
	defer r1.Close()
	r2, err := plan(SharedLock)
	if err != nil {
		t.Errorf("a second reader: %v", err)
	} else {
		r2.Close()
	}
	var locked *LockedError
	if _, err := plan(ExclusiveLock); !errors.As(err, &locked) {
		t.Errorf("a writer while a reader holds the tree: err = %v, want a LockedError", err)
	}
	if err := r1.Apply(); err == nil {
		t.Errorf("Apply of a plan with a shared lock succeeded")
	}
}

func TestTreeMayNotHoldBookkeeping(t *testing.T) {
	for _, path := range []string{
		testManifest,
		testManifest + PendingSuffix,
		testManifest + BackupSuffix + "/20250101T000000Z/etc/x",
		"etc/.x.pxegen-tmp-12-3",
		"../etc/passwd",
		"/etc/passwd",
		"etc/./x",
		"etc/x\n",
	} {
		root := t.TempDir()
		p, err := NewPlan(root, Tree{{Path: path, Data: []byte("x")}}, PlanOptions{Manifest: testManifest, Lock: ExclusiveLock})
		if err == nil {
			p.Close()
			t.Errorf("a tree holding %q was accepted", path)
		}
		if entries, _ := os.ReadDir(root); len(entries) != 0 {
			t.Errorf("refusing %q left %v", path, entries)
		}
	}
}

func TestFilesWithoutTheMark(t *testing.T) {
	const mark = "made by the test"
	root := t.TempDir()
	tree := Tree{{Path: "etc/a", Data: []byte("# " + mark + "\na\n")}}
	opts := PlanOptions{Mark: mark}
	if _, err := NewPlan(root, Tree{{Path: "etc/b", Data: []byte("b\n")}}, PlanOptions{Manifest: testManifest, Mark: mark}); err == nil {
		t.Errorf("a tree file without the mark was accepted")
	}
	apply(t, root, tree, opts)
	// The manifest lists the file with its current hash, but its content
	// has lost the mark: it is not replaced without Force, and with Prune
	// it is never removed, not even with Force.
	os.WriteFile(filepath.Join(root, "etc/a"), []byte("a\n"), 0o644)
	data, _ := os.ReadFile(filepath.Join(root, testManifest))
	os.WriteFile(filepath.Join(root, testManifest), []byte(strings.Replace(string(data), sum([]byte("# "+mark+"\na\n")), sum([]byte("a\n")), 1)), 0o644)
	next := Tree{{Path: "etc/a", Data: []byte("# " + mark + "\nA\n")}}
	var conflict *ConflictError
	if _, err := NewPlan(root, next, PlanOptions{Manifest: testManifest, Mark: mark}); !errors.As(err, &conflict) || conflict.Conflicts[0].Reason != NotWritten {
		t.Errorf("replacing an unmarked file the manifest lists: err = %v, want %q", err, NotWritten)
	}
	for _, force := range []bool{false, true} {
		p := apply(t, root, Tree{{Path: "etc/other", Data: []byte("# " + mark + "\n")}}, PlanOptions{Mark: mark, Prune: true, Force: force})
		if _, err := os.Stat(filepath.Join(root, "etc/a")); err != nil {
			t.Fatalf("force=%v: prune removed an unmarked file: %v", force, err)
		}
		if force && (len(p.Untracked) != 0 || p.Count(Remove) != 0) {
			t.Errorf("force=%v: the unmarked file is still tracked: untracked %v", force, p.Untracked)
		} else if !force && (len(p.Untracked) != 1 || p.Untracked[0] != "etc/a") {
			t.Errorf("force=%v: untracked %v, want etc/a", force, p.Untracked)
		}
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"srv/tftp/pxelinux.cfg/01-aa": "srv/tftp/pxelinux.cfg/01-aa",
		"a\x1b[31mb":                  `a\x1b[31mb`,
		"bell\a, cr\r, del\x7f":       `bell\x07, cr\x0d, del\x7f`,
		"c1 \u009b31m":                `c1 \u009b31m`,
		"raw \x9b31m":                 `raw \x9b31m`,
		"bidi \u202eevil":             `bidi \u202eevil`,
		"tab\tnewline\n":              `tab\x09newline\x0a`,
		"ünïcödé":                     "ünïcödé",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
	if got := escapeText("keep\ttabs\nand newlines\x1b\n"); got != "keep\ttabs\nand newlines\\x1b\n" {
		t.Errorf("escapeText: %q", got)
	}
}

// TestBookkeepingThroughLinks: the manifest and its pending record are
// read and replaced like any file, never through a link, even one that
// stays inside the root.
func TestBookkeepingThroughLinks(t *testing.T) {
	for _, at := range []string{testManifest, testManifest + PendingSuffix} {
		root := t.TempDir()
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(at)), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(root, "elsewhere"), []byte(`{"version": 1, "files": {}}`), 0o644)
		if err := os.Symlink("../../../elsewhere", filepath.Join(root, at)); err != nil {
			t.Fatal(err)
		}
		p, err := NewPlan(root, Tree{{Path: "a", Data: []byte("a")}}, PlanOptions{Manifest: testManifest, Lock: ExclusiveLock})
		var link *LinkError
		if !errors.As(err, &link) || link.Path != at {
			t.Errorf("%s is a link: err = %v, want a LinkError naming it", at, err)
		}
		if err == nil {
			p.Close()
		}
		if data, _ := os.ReadFile(filepath.Join(root, "elsewhere")); string(data) != `{"version": 1, "files": {}}` {
			t.Errorf("the link's target was changed: %q", data)
		}
	}
}
