package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/golden"
	"github.com/pxegen/pxegen/internal/sitegen"
	"github.com/pxegen/pxegen/inventory"
)

var (
	killRuns = flag.Int("kill-runs", 10, "how many times TestKillDuringRender kills pxegen render")
	killSeed = flag.Int64("kill-seed", 0, "the seed of TestKillDuringRender's kill times (0: a new one, logged)")
)

var (
	buildOnce sync.Once
	binaryDir string // removed by TestMain once the tests have run
	binary    string
	buildErr  error
)

// pxegenBinary builds the command once per test run, for tests that must
// kill a real process.
func pxegenBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binaryDir, buildErr = os.MkdirTemp("", "pxegen-bin-")
		if buildErr != nil {
			return
		}
		binary = filepath.Join(binaryDir, "pxegen")
		if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

func renderTree(t *testing.T, name, doc string) map[string]string {
	t.Helper()
	inv, err := inventory.Parse(name, []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	engine, err := generate.New("")
	if err != nil {
		t.Fatal(err)
	}
	tree, err := engine.Render(inv)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, f := range tree {
		m[f.Path] = string(f.Data)
	}
	return m
}

// TestKillDuringRender kills `pxegen render` with SIGKILL while it
// rewrites a large tree, alternating between two versions, and checks
// after every kill that each file is its complete old or complete new
// version. Every other kill lands at a random moment of the run; the
// others just after the renames begin (when a first file is replaced),
// and at least one must leave a tree of old and new files, or the test
// has not tested the renames. A final run must then leave exactly the new
// tree and no temporary file.
func TestKillDuringRender(t *testing.T) {
	bin := pxegenBinary(t)
	dir := t.TempDir()
	versions := map[string]string{"a": string(sitegen.Site(1000, "a")), "b": string(sitegen.Site(1000, "b"))}
	trees := map[string]map[string]string{}
	for v, doc := range versions {
		path := filepath.Join(dir, v+".yaml")
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		trees[v] = renderTree(t, v+".yaml", doc)
	}
	out := filepath.Join(dir, "out")
	start := time.Now()
	if b, err := exec.Command(bin, "render", "-i", filepath.Join(dir, "a.yaml"), "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("first render: %v\n%s", err, b)
	}
	// A full rewrite takes about this long; kills land anywhere in it.
	window := 2 * time.Since(start)
	seed := *killSeed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	t.Logf("seed %d (-kill-seed %d repeats these kill times)", seed, seed)
	rng := rand.New(rand.NewSource(seed))
	// The first files the renames replace (they go in path order, several
	// at a time), whose replacement shows that the renames have begun:
	// files from anywhere in the tree may be replaced only near the end,
	// too late for a kill on a loaded machine.
	var changed []string
	for p := range trees["a"] {
		if trees["a"][p] != trees["b"][p] {
			changed = append(changed, p)
		}
	}
	sort.Strings(changed)
	var samples []string
	for _, p := range changed[:min(32, len(changed))] {
		samples = append(samples, filepath.Join(out, p))
	}
	mixed := 0
	// The runs asked for, then, on a loaded machine where none of those
	// landed during the renames, more aimed ones until one does: the
	// renames must be tested, but when a kill lands is up to the scheduler.
	extra := 0
	for i := 0; i < *killRuns || mixed == 0 && extra < 4**killRuns; i++ {
		aimedOnly := i >= *killRuns
		if aimedOnly {
			extra++
		}
		v := []string{"b", "a"}[i%2]
		cmd := exec.Command(bin, "render", "-i", filepath.Join(dir, v+".yaml"), "-o", out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var kill <-chan time.Time
		stop := make(chan struct{})
		switch {
		case i%2 == 0 && aimedOnly:
			// No kill: the other version, rendered whole, gives the next
			// aimed run files to replace. Skipping it instead left each
			// aimed run nothing to rename once one had finished.
		case i%2 == 0:
			kill = time.After(time.Duration(rng.Int63n(int64(window))))
		default:
			kill = afterRenamesBegin(samples, stop)
		}
		select {
		case err := <-done:
			// It finished before the kill: after an interrupted run it
			// must neither fail nor mistake a half-replaced tree for
			// hand edits.
			if err != nil {
				t.Fatalf("render after an interrupted run: %v", err)
			}
		case <-kill:
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
		}
		close(stop)
		olds, news := checkOldOrNew(t, out, trees["a"], trees["b"])
		if olds > 0 && news > 0 {
			mixed++
		}
	}
	t.Logf("%d kills, %d of them during the renames (a tree of old and new files, each one whole)", *killRuns+extra/2, mixed)
	if mixed == 0 {
		t.Errorf("no kill landed during the renames, so they went untested (seed %d)", seed)
	}
	if b, err := exec.Command(bin, "render", "-i", filepath.Join(dir, "b.yaml"), "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("render after the kills: %v\n%s", err, b)
	}
	got := golden.ReadTree(t, out)
	for p := range got {
		if _, ok := trees["b"][p]; !ok && p != "var/lib/pxegen/manifest.json" {
			t.Errorf("left behind: %s", p)
		}
	}
	for p, want := range trees["b"] {
		if got[p] != want {
			t.Errorf("%s is not the new version after a complete run", p)
		}
	}
}

// afterFileAppears fires delay after path comes into being, unless stop
// is closed first. It polls, as another process makes the file.
func afterFileAppears(path string, delay time.Duration, stop <-chan struct{}) <-chan time.Time {
	c := make(chan time.Time, 1)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := os.Lstat(path); err == nil {
				time.Sleep(delay)
				c <- time.Now()
				return
			}
			time.Sleep(100 * time.Microsecond)
		}
	}()
	return c
}

// afterRenamesBegin fires as soon as one of files is replaced (another
// inode at its path), unless stop is closed first: a kill then lands
// while the other renames are still to come, however loaded the machine
// and however long the run took to stage its files. It polls, as another
// process renames.
func afterRenamesBegin(files []string, stop <-chan struct{}) <-chan time.Time {
	c := make(chan time.Time, 1)
	inodes := make([]uint64, len(files))
	for i, f := range files {
		var st syscall.Stat_t
		if syscall.Lstat(f, &st) == nil {
			inodes[i] = st.Ino
		}
	}
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			for i, f := range files {
				var st syscall.Stat_t
				if syscall.Lstat(f, &st) == nil && st.Ino != inodes[i] {
					c <- time.Now()
					return
				}
			}
			time.Sleep(50 * time.Microsecond)
		}
	}()
	return c
}

// checkOldOrNew fails unless every file of the tree is whole: byte for byte
// version a or version b. It counts files of each version (a file the same
// in both counts as neither).
func checkOldOrNew(t *testing.T, out string, a, b map[string]string) (inA, inB int) {
	t.Helper()
	for p, wantA := range a {
		data, err := os.ReadFile(filepath.Join(out, p))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		got := string(data)
		switch {
		case got == wantA && got == b[p]:
		case got == wantA:
			inA++
		case got == b[p]:
			inB++
		default:
			t.Fatalf("%s is neither the old nor the new version (%d bytes): a killed render left it half-written", p, len(got))
		}
	}
	return inA, inB
}

// TestConcurrentRenders starts several renders of different inventories
// into one tree at once, round after round. Each must either succeed or
// refuse, naming the run that holds the tree; afterwards the tree must be
// wholly one inventory's, with a manifest that agrees, and no temporary
// file or pending record left.
func TestConcurrentRenders(t *testing.T) {
	bin := pxegenBinary(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	const manifest = "var/lib/pxegen/manifest.json"
	var invs []string
	var trees []map[string]string
	for i, v := range []string{"a", "b", "c", "d"} {
		doc := string(sitegen.Site(200+100*i, v))
		path := filepath.Join(dir, v+".yaml")
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		invs = append(invs, path)
		trees = append(trees, renderTree(t, v+".yaml", doc))
	}
	refused := 0
	defer func() { t.Logf("%d renders refused because another held the tree", refused) }()
	for round := 0; round < 3; round++ {
		type result struct {
			err    error
			stderr string
		}
		results := make([]result, len(invs))
		var wg sync.WaitGroup
		for i, inv := range invs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var stderr bytes.Buffer
				cmd := exec.Command(bin, "render", "-i", inv, "-o", out, "--prune")
				cmd.Stderr = &stderr
				results[i] = result{cmd.Run(), stderr.String()}
			}()
		}
		wg.Wait()
		ok := 0
		for i, r := range results {
			switch {
			case r.err == nil:
				ok++
			case strings.Contains(r.stderr, "held by pid "):
				refused++
			default:
				t.Errorf("round %d: render of %s failed without naming the run holding the tree: %v\n%s", round, invs[i], r.err, r.stderr)
			}
		}
		if ok == 0 {
			t.Errorf("round %d: no render succeeded", round)
		}
		got := golden.ReadTree(t, out)
		which := -1
		for i, tree := range trees {
			if got["etc/dhcp/dhcpd.conf"] == tree["etc/dhcp/dhcpd.conf"] {
				which = i
			}
		}
		if which < 0 {
			t.Fatalf("round %d: dhcpd.conf is no inventory's", round)
		}
		var m struct{ Files map[string]string }
		if err := json.Unmarshal([]byte(got[manifest]), &m); err != nil {
			t.Fatalf("round %d: manifest: %v", round, err)
		}
		want := trees[which]
		for p, data := range got {
			if p != manifest && want[p] != data {
				t.Errorf("round %d: %s is not %s's", round, p, invs[which])
			}
		}
		for p, data := range want {
			if got[p] != data {
				t.Errorf("round %d: %s is missing or not %s's", round, p, invs[which])
			}
			if m.Files[p] != sha(data) {
				t.Errorf("round %d: the manifest does not record %s as written", round, p)
			}
		}
		if len(m.Files) != len(want) {
			t.Errorf("round %d: the manifest records %d files, the tree has %d", round, len(m.Files), len(want))
		}
		if t.Failed() {
			return
		}
	}
}

// withTmpfs mounts a tmpfs of the given size for the test; it needs root.
func withTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size+",mode=0755"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// snapshot reads every file under dir with its inode, to prove a failed
// run changed nothing.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, _ := d.Info()
		entry := fmt.Sprintf("dir %v", info.Mode())
		if !d.IsDir() {
			data, _ := os.ReadFile(p)
			entry = fmt.Sprintf("ino %d %v %q", info.Sys().(*syscall.Stat_t).Ino, info.Mode(), data)
		}
		m[p] = entry
		return nil
	})
	return m
}

func renderExpectFailure(t *testing.T, inventoryPath, out, want string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runCLI([]string{"render", "-i", inventoryPath, "-o", out}, &stdout, &stderr)
	if code != exitError {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitError, stdout.String(), stderr.String())
	}
	if !strings.Contains(stderr.String(), want) {
		t.Fatalf("stderr does not say %q:\n%s", want, stderr.String())
	}
}

// TestFullDisk fills a small tmpfs mid-run: a clear error, and the tree as
// it was, temporary files included.
func TestFullDisk(t *testing.T) {
	out := withTmpfs(t, "1m")
	dir := t.TempDir()
	small, large := filepath.Join(dir, "small.yaml"), filepath.Join(dir, "large.yaml")
	os.WriteFile(small, sitegen.Site(10, "a"), 0o644)
	os.WriteFile(large, sitegen.Site(3000, "b"), 0o644)
	var stdout, stderr bytes.Buffer
	if code := runCLI([]string{"render", "-i", small, "-o", out}, &stdout, &stderr); code != exitOK {
		t.Fatalf("render of the small site: exit %d\n%s", code, stderr.String())
	}
	before := snapshot(t, out)
	renderExpectFailure(t, large, out, "no space left on device")
	if diff := diffSnapshots(before, snapshot(t, out)); diff != "" {
		t.Fatalf("a run that hit a full disk changed the tree:\n%s", diff)
	}

	// Into an empty filesystem: the directories the run made go too.
	empty := withTmpfs(t, "1m")
	before = snapshot(t, empty)
	renderExpectFailure(t, large, empty, "no space left on device")
	if diff := diffSnapshots(before, snapshot(t, empty)); diff != "" {
		t.Fatalf("a first run that hit a full disk left things behind:\n%s", diff)
	}
}

// TestReadOnlyOutput renders into a read-only filesystem: a clear error and
// nothing changed.
func TestReadOnlyOutput(t *testing.T) {
	out := withTmpfs(t, "8m")
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	os.WriteFile(a, sitegen.Site(5, "a"), 0o644)
	os.WriteFile(b, sitegen.Site(5, "b"), 0o644)
	var stdout, stderr bytes.Buffer
	if code := runCLI([]string{"render", "-i", a, "-o", out}, &stdout, &stderr); code != exitOK {
		t.Fatalf("first render: exit %d\n%s", code, stderr.String())
	}
	if err := syscall.Mount("", out, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Skipf("cannot remount read-only: %v", err)
	}
	before := snapshot(t, out)
	renderExpectFailure(t, b, out, "read-only file system")
	if diff := diffSnapshots(before, snapshot(t, out)); diff != "" {
		t.Fatalf("a failed run changed a read-only tree:\n%s", diff)
	}
}

func diffSnapshots(a, b map[string]string) string {
	var diffs []string
	for p, v := range a {
		if b[p] != v {
			diffs = append(diffs, "changed or removed: "+p)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			diffs = append(diffs, "added: "+p)
		}
	}
	return strings.Join(diffs, "\n")
}
