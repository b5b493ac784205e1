package filetree

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// countReads makes inspect count the files it reads, by path, until the
// test ends.
func countReads(t *testing.T) func() map[string]int {
	t.Helper()
	var mu sync.Mutex
	reads := map[string]int{}
	inspectHook = func(p string) {
		mu.Lock()
		reads[p]++
		mu.Unlock()
	}
	t.Cleanup(func() { inspectHook = nil })
	return func() map[string]int {
		mu.Lock()
		defer mu.Unlock()
		got := reads
		reads = map[string]int{}
		return got
	}
}

func statTree(n int) Tree {
	var tree Tree
	for i := 0; i < n; i++ {
		tree = append(tree, File{Path: "srv/h" + strconv.Itoa(i), Data: []byte("# pxegen\nhost " + strconv.Itoa(i) + "\n")})
	}
	return tree
}

// settle waits until the filesystem clock has moved past everything
// written so far, so that the next run may record it in its stat cache.
func settle() { time.Sleep(30 * time.Millisecond) }

func readManifestFile(t *testing.T, root string) manifestJSON {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, testManifest))
	if err != nil {
		t.Fatal(err)
	}
	var m manifestJSON
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// manifestUnchanged fails the test if the manifest under root is no
// longer the file before names.
func manifestUnchanged(t *testing.T, root string, before os.FileInfo, what string) {
	t.Helper()
	if after, err := os.Stat(filepath.Join(root, testManifest)); err != nil || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("%s rewrote the manifest (%v)", what, err)
	}
}

func manifestInfo(t *testing.T, root string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(filepath.Join(root, testManifest))
	if err != nil {
		t.Fatal(err)
	}
	return fi
}

func TestStatCacheSkipsUnchangedFiles(t *testing.T) {
	root := t.TempDir()
	tree := statTree(20)
	reads := countReads(t)
	apply(t, root, tree, PlanOptions{Mark: "# pxegen"})
	// The run that wrote the files records them as it left them, so the
	// run after it, the one every Ansible or CI run makes, reads nothing
	// and writes nothing, not even the manifest.
	if m := readManifestFile(t, root); len(m.Stat) != len(tree) {
		t.Errorf("the run that wrote the files recorded stat data for %d of them, want %d", len(m.Stat), len(tree))
	}
	reads()
	before := manifestInfo(t, root)
	apply(t, root, tree, PlanOptions{Mark: "# pxegen"})
	if got := reads(); len(got) != 0 {
		t.Errorf("the first re-render read %v, want nothing", got)
	}
	manifestUnchanged(t, root, before, "the first re-render")

	tree[3].Data = []byte("# pxegen\nhost 3 changed\n")
	p := apply(t, root, tree, PlanOptions{Mark: "# pxegen"})
	if got := reads(); len(got) != 1 || got["srv/h3"] != 1 {
		t.Errorf("a one-file change read %v, want only srv/h3", got)
	}
	if a := actions(p); a["srv/h3"] != Update || a["srv/h4"] != Unchanged || p.Count(Unchanged) != len(tree)-1 {
		t.Errorf("actions: %v", a)
	}
	if data, _ := os.ReadFile(filepath.Join(root, "srv/h3")); string(data) != string(tree[3].Data) {
		t.Errorf("srv/h3 holds %q", data)
	}
	before = manifestInfo(t, root)
	apply(t, root, tree, PlanOptions{Mark: "# pxegen"})
	if got := reads(); len(got) != 0 {
		t.Errorf("the re-render after a one-file change read %v, want nothing", got)
	}
	manifestUnchanged(t, root, before, "the re-render after a one-file change")
}

// TestStatCacheOfWrittenFilesSeesEditsDuringTheRun: a file changed after
// the run put it in place, before it recorded its stat data, is not
// recorded as the run's: the next run reads it and refuses it.
func TestStatCacheOfWrittenFilesSeesEditsDuringTheRun(t *testing.T) {
	tree := statTree(3)
	for _, how := range []string{"in place", "renamed over", "grown"} {
		t.Run(how, func(t *testing.T) {
			root := t.TempDir()
			name := filepath.Join(root, "srv/h1")
			afterRenamesHook = func() {
				edit := []byte("# pxegen\nhost X\n")
				switch how {
				case "in place":
					time.Sleep(20 * time.Millisecond) // a later mtime
				case "renamed over":
					os.Remove(name)
				case "grown":
					edit = append(edit, '!')
				}
				if err := os.WriteFile(name, edit, 0o644); err != nil {
					t.Error(err)
				}
			}
			apply(t, root, tree, PlanOptions{Mark: "# pxegen"})
			afterRenamesHook = nil
			if m := readManifestFile(t, root); m.Stat["srv/h1"] != "" || len(m.Stat) != len(tree)-1 {
				t.Errorf("stat data recorded: %v, want all but srv/h1's", m.Stat)
			}
			_, err := NewPlan(root, tree, PlanOptions{Manifest: testManifest, Lock: ExclusiveLock, Mark: "# pxegen"})
			var conflict *ConflictError
			if !errors.As(err, &conflict) || len(conflict.Conflicts) != 1 || conflict.Conflicts[0] != (Conflict{"srv/h1", Edited}) {
				t.Errorf("an edit during the writing run: %v, want it refused as edited", err)
			}
		})
	}
}

// TestStatCacheOfWrittenFilesSeesLaterEdits: a file the run wrote and
// recorded, edited right after the run (in the same clock tick, keeping
// its size and mtime), is read and refused, not trusted.
func TestStatCacheOfWrittenFilesSeesLaterEdits(t *testing.T) {
	tree := statTree(3)
	root := t.TempDir()
	apply(t, root, tree, PlanOptions{Mark: "# pxegen"})
	name := filepath.Join(root, "srv/h1")
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte("# pxegen\nhost X\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(name, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	reads := countReads(t)
	_, err = NewPlan(root, tree, PlanOptions{Manifest: testManifest, Lock: ExclusiveLock, Mark: "# pxegen"})
	var conflict *ConflictError
	if !errors.As(err, &conflict) || len(conflict.Conflicts) != 1 || conflict.Conflicts[0] != (Conflict{"srv/h1", Edited}) {
		t.Errorf("an edit right after the writing run: %v, want it refused as edited", err)
	}
	if reads()["srv/h1"] != 1 {
		t.Error("the edited file was not read")
	}
}

// cached renders tree twice, so that every file is in the stat cache.
func cached(t *testing.T, tree Tree) string {
	t.Helper()
	root := t.TempDir()
	apply(t, root, tree, PlanOptions{Mark: "# pxegen"})
	settle()
	apply(t, root, tree, PlanOptions{Mark: "# pxegen"})
	if m := readManifestFile(t, root); len(m.Stat) != len(tree) {
		t.Fatalf("stat data for %d files, want %d", len(m.Stat), len(tree))
	}
	settle()
	return root
}

func TestStatCacheSeesEditsThatKeepSizeAndMtime(t *testing.T) {
	tree := statTree(3)
	for _, how := range []string{"in place", "renamed over"} {
		t.Run(how, func(t *testing.T) {
			root := cached(t, tree)
			name := filepath.Join(root, "srv/h1")
			fi, err := os.Stat(name)
			if err != nil {
				t.Fatal(err)
			}
			edit := []byte("# pxegen\nhost X\n") // the same size as "host 1"
			if len(edit) != len(tree[1].Data) {
				t.Fatal("the edit must keep the size")
			}
			if how == "in place" {
				err = os.WriteFile(name, edit, 0o644)
			} else {
				if err = os.WriteFile(name+".new", edit, 0o644); err == nil {
					err = os.Rename(name+".new", name)
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			// touch -d: the old mtime back.
			if err := os.Chtimes(name, fi.ModTime(), fi.ModTime()); err != nil {
				t.Fatal(err)
			}
			_, err = NewPlan(root, tree, PlanOptions{Manifest: testManifest, Lock: ExclusiveLock, Mark: "# pxegen"})
			var conflict *ConflictError
			if !errors.As(err, &conflict) || len(conflict.Conflicts) != 1 || conflict.Conflicts[0] != (Conflict{"srv/h1", Edited}) {
				t.Fatalf("a hand edit with the old size and mtime: %v, want it refused as edited", err)
			}
		})
	}
}

func TestStatCacheRacyClean(t *testing.T) {
	if !(Stat{Mtime: 1, Ctime: 1}).before(2) || (Stat{Mtime: 1, Ctime: 2}).before(2) || (Stat{Mtime: 2, Ctime: 1}).before(2) || (Stat{Mtime: 1, Ctime: 1}).before(0) {
		t.Error("before: only a file changed strictly before the horizon, and never without one")
	}
	tree := statTree(2)
	root := t.TempDir()
	apply(t, root, tree, PlanOptions{Mark: "# pxegen"})
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(root, "srv/h0"), &st); err != nil {
		t.Fatal(err)
	}
	// A run whose horizon falls in the tick srv/h0 last changed in: the
	// file could change again in that tick and keep its stat data.
	for _, c := range []struct {
		horizon int64
		want    bool
	}{{st.Ctim.Nano(), false}, {st.Ctim.Nano() + 1, true}} {
		forgetStatData(t, root)
		horizonHook = func(int64) int64 { return c.horizon }
		apply(t, root, tree, PlanOptions{Mark: "# pxegen"})
		horizonHook = nil
		if _, got := readManifestFile(t, root).Stat["srv/h0"]; got != c.want {
			t.Errorf("horizon %d, file changed at %d: stat data recorded %v, want %v", c.horizon, st.Ctim.Nano(), got, c.want)
		}
	}
}

func TestForgedStatDataCannotCauseOverwrite(t *testing.T) {
	const admins = "# pxegen\nthe admin's own\n"
	tree := statTree(2)
	root := cached(t, tree)
	name := filepath.Join(root, "srv/h1")
	// The admin replaces a managed file with one of their own, and
	// someone forges the manifest's stat data to match it.
	// It carries the mark, so only its hash tells it from pxegen's.
	if err := os.WriteFile(name, []byte(admins), 0o644); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(name, &st); err != nil {
		t.Fatal(err)
	}
	m := readManifestFile(t, root)
	m.Stat["srv/h1"] = statOf(&st).String()
	data, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(root, testManifest), data, 0o644); err != nil {
		t.Fatal(err)
	}
	reads := countReads(t)
	next := append(Tree{}, tree...)
	next[1].Data = []byte("# pxegen\nhost 1 new\n")
	p, err := NewPlan(root, next, PlanOptions{Manifest: testManifest, Lock: ExclusiveLock, Mark: "# pxegen"})
	if err == nil {
		p.Close()
	}
	var conflict *ConflictError
	if !errors.As(err, &conflict) {
		t.Errorf("replacing a file the forged stat data vouches for: %v, want a conflict", err)
	}
	if reads()["srv/h1"] == 0 {
		t.Error("a file the run would replace was not read")
	}
	// Pruned: refused as a hand edit, not removed.
	_, err = NewPlan(root, tree[:1], PlanOptions{Manifest: testManifest, Lock: ExclusiveLock, Mark: "# pxegen", Prune: true})
	if !errors.As(err, &conflict) {
		t.Errorf("pruning a file the forged stat data vouches for: %v, want a conflict", err)
	}
	if got, _ := os.ReadFile(name); string(got) != admins {
		t.Errorf("the admin's file now holds %q", got)
	}
}

// forgetStatData rewrites the manifest under root without its stat data,
// as a pxegen from before the stat cache wrote it.
func forgetStatData(t *testing.T, root string) {
	t.Helper()
	m := readManifestFile(t, root)
	m.Stat = nil
	data, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(root, testManifest), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestManifestWithoutStatDataStillLoads(t *testing.T) {
	tree := statTree(4)
	root := cached(t, tree)
	forgetStatData(t, root)
	reads := countReads(t)
	p := apply(t, root, tree, PlanOptions{Mark: "# pxegen"})
	if p.Changed() || len(reads()) != len(tree) {
		t.Errorf("a manifest of before the stat cache: changed=%v; every file must be read", p.Changed())
	}
	if m := readManifestFile(t, root); len(m.Stat) != len(tree) {
		t.Errorf("stat data for %d files after the run, want %d", len(m.Stat), len(tree))
	}
}
