package filetree

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

// Action is what applying a plan does to one file.
type Action string

// The actions.
const (
	Create    Action = "create"
	Update    Action = "update"
	Unchanged Action = "unchanged"
	Remove    Action = "remove"
)

// Change is one file's part of a plan.
type Change struct {
	Path   string `json:"path"`
	Action Action `json:"action"`
	SHA256 string `json:"sha256"` // of the new content; of the old for Remove
	Target string `json:"target,omitempty"`
	// OldSHA256 is the current content's hash, when the file exists.
	OldSHA256 string `json:"-"`
	Old       []byte `json:"-"` // nil when the file does not exist
	New       []byte `json:"-"` // nil for Remove
}

// Manifest records what pxegen wrote under an output root, so that a later
// run can tell its own files from everyone else's: it removes only files it
// wrote (and directories it created), and notices hand edits.
type Manifest struct {
	Version int               `json:"version"`
	Files   map[string]string `json:"files"`          // path -> sha256 of what pxegen wrote
	Dirs    []string          `json:"dirs,omitempty"` // directories pxegen created
	// Pending holds, while a run replaces files, each one's previous
	// sha256: a run killed halfway leaves some files old and some new,
	// and neither is a hand edit. It lives in a small file of its own
	// beside the manifest (pendingSuffix), so that a run writes the large
	// manifest once.
	Pending map[string][]string `json:"-"`
}

// pendingRecord is the file that holds a run's pending hashes.
type pendingRecord struct {
	Version int                 `json:"version"`
	Files   map[string][]string `json:"files"` // path -> the hashes it may have mid-run
}

// pendingSuffix names the file that holds a run's Pending hashes until the
// run completes.
const pendingSuffix = ".pending"

// wrote reports whether the content with hash h is what pxegen last wrote
// at path.
func (m Manifest) wrote(path string, h string) bool {
	if m.Files[path] == h {
		return true
	}
	for _, p := range m.Pending[path] {
		if p == h {
			return true
		}
	}
	return false
}

// PlanOptions are the choices of one run.
type PlanOptions struct {
	Manifest string // the manifest's path below the root; "" keeps none
	Prune    bool   // remove managed files the tree no longer has
	Force    bool   // overwrite or remove managed files edited by hand
	KeepOld  bool   // keep each file's current bytes in Change.Old, for a diff
}

// ConflictError lists managed files that were edited by hand, and files in
// the way that pxegen did not write. Nothing was written.
type ConflictError struct{ Paths []string }

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s changed since pxegen wrote it, or pxegen did not write it (edited by hand?); --force replaces or removes it anyway",
		strings.Join(e.Paths, ", "))
}

// Plan is what a render would do to the tree under Root. Changes holds
// every file of the tree and, with Prune, every file to remove, sorted by
// path; the manifest itself is not among them.
type Plan struct {
	Root    string
	Changes []Change
	opts    PlanOptions
	files   Tree // what Apply writes: created and updated files
	all     Tree // every file of the tree and the manifest, for the temp-file sweep
	prune   []string
	rmdirs  []string // created directories that pruning leaves empty, deepest first
	// The manifest while files are replaced, and after; nil when it does
	// not change.
	pending, manifest *File
}

// NewPlan compares tree with what is under root. It reads and writes
// nothing but the old manifest and the files tree names. It returns a
// *ConflictError when a managed file was edited by hand (unless Force).
func NewPlan(root string, tree Tree, opts PlanOptions) (*Plan, error) {
	p := &Plan{Root: root, opts: opts, all: append(Tree{{Path: opts.Manifest}}, tree...)}
	if opts.Manifest == "" {
		p.all = tree
	}
	r, err := os.OpenRoot(root)
	if errors.Is(err, fs.ErrNotExist) {
		r = nil // a new tree: everything is created
	} else if err != nil {
		return nil, fmt.Errorf("open %s: %w", root, err)
	}
	if r != nil {
		defer r.Close()
	}
	old, hasManifest, err := readManifest(r, opts.Manifest)
	if err != nil {
		return nil, err
	}
	if opts.Manifest != "" {
		// An earlier run was interrupted: what it was writing counts.
		if old.Pending, err = readPending(r, opts.Manifest+pendingSuffix); err != nil {
			return nil, err
		}
	}
	var dirs *dirRoots
	if r != nil {
		dirs = newDirRoots(r)
		defer dirs.close()
	}
	next := Manifest{Version: 1, Files: make(map[string]string, len(tree))}
	var conflicts []string
	inTree := make(map[string]bool, len(tree))
	// Read and compare in parallel, keeping hashes, not bytes: at 100,000
	// hosts the old tree would be a second copy of the new one.
	changes := make([]Change, len(tree))
	if err := parallel(len(tree), func(i int) error {
		f := tree[i]
		data, exists, err := readManaged(dirs, f.Path)
		if err != nil {
			return err
		}
		c := Change{Path: f.Path, Target: f.Target, New: f.Data, SHA256: sum(f.Data)}
		switch {
		case !exists:
			c.Action = Create
		case bytes.Equal(data, f.Data):
			c.Action, c.OldSHA256 = Unchanged, c.SHA256
		default:
			c.Action, c.OldSHA256 = Update, sum(data)
		}
		if opts.KeepOld {
			c.Old = data
		}
		changes[i] = c
		return nil
	}); err != nil {
		return nil, err
	}
	for i, f := range tree {
		inTree[f.Path] = true
		c := changes[i]
		// Once a manifest exists, a file pxegen would overwrite must be
		// what it wrote last time.
		if c.Action == Update && hasManifest && !old.wrote(f.Path, c.OldSHA256) && !opts.Force {
			conflicts = append(conflicts, f.Path)
		}
		next.Files[f.Path] = c.SHA256
		p.Changes = append(p.Changes, c)
		if c.Action != Unchanged {
			p.files = append(p.files, f)
		}
	}
	// Files pxegen wrote that the tree no longer has: removed with Prune,
	// otherwise still tracked so that a later --prune can remove them.
	stale := sortedKeys(old.Files)
	for _, path := range stale {
		if inTree[path] || path == opts.Manifest {
			continue
		}
		data, exists, err := readManaged(dirs, path)
		if err != nil {
			return nil, err
		}
		if !exists {
			continue
		}
		if !opts.Prune {
			next.Files[path] = old.Files[path]
			continue
		}
		if !old.wrote(path, sum(data)) && !opts.Force {
			conflicts = append(conflicts, path)
		}
		c := Change{Path: path, Action: Remove, SHA256: sum(data), OldSHA256: sum(data)}
		if opts.KeepOld {
			c.Old = data
		}
		p.Changes = append(p.Changes, c)
		p.prune = append(p.prune, path)
	}
	if len(conflicts) > 0 {
		return nil, &ConflictError{Paths: conflicts}
	}
	sort.Slice(p.Changes, func(i, j int) bool { return p.Changes[i].Path < p.Changes[j].Path })
	next.Dirs, p.rmdirs, err = plannedDirs(dirs, old.Dirs, p.files, p.prune)
	if err != nil {
		return nil, err
	}
	if opts.Manifest != "" {
		final, err := manifestFile(opts.Manifest, next)
		if err != nil {
			return nil, err
		}
		current, _, err := readManaged(dirs, opts.Manifest)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(current, final.Data) || old.Pending != nil {
			p.manifest = final
		}
		if len(p.files) > 0 || len(p.prune) > 0 {
			// During the run both the old and the new version of every
			// file it touches count as pxegen's own: the old from the
			// manifest, the new (or, for a removal, the old) from here.
			// A changed file's current bytes were accepted above, so they
			// stay accepted if this run is interrupted too; so does all an
			// earlier interrupted run accepted, until a run completes.
			pending := pendingRecord{Version: 1, Files: map[string][]string{}}
			add := func(path, h string) {
				for _, x := range pending.Files[path] {
					if x == h {
						return
					}
				}
				pending.Files[path] = append(pending.Files[path], h)
			}
			for _, path := range sortedKeys(old.Pending) {
				for _, h := range old.Pending[path] {
					add(path, h)
				}
			}
			for _, c := range p.Changes {
				if c.Action != Unchanged {
					add(c.Path, c.SHA256)
					if c.OldSHA256 != "" {
						add(c.Path, c.OldSHA256)
					}
				}
			}
			data, err := json.MarshalIndent(pending, "", "  ")
			if err != nil {
				return nil, err
			}
			p.pending = &File{Path: opts.Manifest + pendingSuffix, Data: append(data, '\n')}
		}
	}
	return p, nil
}

func manifestFile(path string, m Manifest) (*File, error) {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return &File{Path: path, Data: append(data, '\n')}, nil
}

// Apply carries the plan out in one batch (see Write): the manifest's
// pending record goes in first, then every new and changed file, then
// pruned files and the directories they leave empty are removed, then the
// final manifest goes in and the pending record goes. A run killed at any
// point leaves every file whole and known to the manifest.
func (p *Plan) Apply() error {
	// Temporary files of a killed run, wherever it had got to.
	if r, err := os.OpenRoot(p.Root); err == nil {
		dirs := newDirRoots(r)
		err = removeStaleTemps(dirs, p.all)
		dirs.close()
		r.Close()
		if err != nil {
			return err
		}
	}
	if len(p.files) == 0 && p.pending == nil && p.manifest == nil && len(p.prune) == 0 {
		return nil
	}
	b := batch{first: p.pending, last: p.manifest, between: p.removePruned, changed: true}
	for _, name := range append(append([]string{}, p.prune...), p.rmdirs...) {
		b.removedDirs = append(b.removedDirs, path.Dir(name))
	}
	if p.opts.Manifest != "" {
		b.cleanup = []string{p.opts.Manifest + pendingSuffix}
	}
	_, err := writeTree(p.Root, p.files, b)
	return err
}

func (p *Plan) removePruned() error {
	if len(p.prune) == 0 {
		return nil
	}
	r, err := os.OpenRoot(p.Root)
	if err != nil {
		return fmt.Errorf("open %s: %w", p.Root, err)
	}
	defer r.Close()
	for _, path := range p.prune {
		if err := r.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", path, err)
		}
	}
	for _, dir := range p.rmdirs {
		r.Remove(dir) // only if empty, which the plan expects
	}
	return nil
}

// Count returns how many changes have action a.
func (p *Plan) Count(a Action) int {
	n := 0
	for _, c := range p.Changes {
		if c.Action == a {
			n++
		}
	}
	return n
}

// Changed reports whether applying the plan changes any file other than
// the manifest.
func (p *Plan) Changed() bool {
	return p.Count(Create)+p.Count(Update)+p.Count(Remove) > 0
}

func readPending(r *os.Root, name string) (map[string][]string, error) {
	if r == nil {
		return nil, nil
	}
	data, err := r.ReadFile(name)
	if isNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	var rec pendingRecord
	if err := json.Unmarshal(data, &rec); err != nil || rec.Version != 1 {
		return nil, fmt.Errorf("%s is not a pxegen pending record (%v); move it away to start over", name, err)
	}
	return rec.Files, nil
}

func readManifest(r *os.Root, name string) (Manifest, bool, error) {
	m := Manifest{Files: map[string]string{}}
	if r == nil || name == "" {
		return m, false, nil
	}
	data, err := r.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("read manifest %s: %w", name, err)
	}
	if err := json.Unmarshal(data, &m); err != nil || m.Version != 1 || m.Files == nil {
		return m, false, fmt.Errorf("manifest %s is not a pxegen manifest (%v); move it away to start over", name, err)
	}
	return m, true, nil
}

// readManaged returns a file's bytes, refusing what pxegen must not
// replace: directories, links and other special files.
func readManaged(dirs *dirRoots, name string) ([]byte, bool, error) {
	if dirs == nil {
		return nil, false, nil
	}
	data, exists, err := dirs.readRegular(path.Dir(name), path.Base(name))
	if err != nil {
		return nil, false, fmt.Errorf("check %s: %w", name, err)
	}
	return data, exists, nil
}

// plannedDirs returns the directories the manifest records after the plan
// (those it recorded, plus those writing files creates, minus those pruning
// empties) and the ones to remove, deepest first.
func plannedDirs(dirs *dirRoots, recorded []string, writes Tree, prune []string) (keep, remove []string, err error) {
	tracked := map[string]bool{}
	for _, d := range recorded {
		tracked[d] = true
	}
	needed := map[string]bool{}
	for _, f := range writes {
		for d := path.Dir(f.Path); d != "." && !needed[d]; d = path.Dir(d) {
			needed[d] = true
			if !tracked[d] {
				if dirs == nil {
					tracked[d] = true // a new tree: created by this run
				} else if _, err := dirs.get(d); isNotExist(err) {
					tracked[d] = true
				}
			}
		}
	}
	removed := map[string]bool{}
	for _, p := range prune {
		removed[p] = true
	}
	all := sortedKeys(tracked)
	// Deepest first, so that a parent sees its emptied children.
	sort.Slice(all, func(i, j int) bool { return strings.Count(all[i], "/") > strings.Count(all[j], "/") })
	for _, d := range all {
		if needed[d] || dirs == nil || len(prune) == 0 {
			continue
		}
		names, err := readDirNames(dirs, d)
		if isNotExist(err) {
			delete(tracked, d) // gone: nothing to track
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		empty := true
		for _, n := range names {
			if !removed[path.Join(d, n)] {
				empty = false
				break
			}
		}
		if empty {
			remove = append(remove, d)
			removed[d] = true
			delete(tracked, d)
		}
	}
	return sortedKeys(tracked), remove, nil
}

func readDirNames(dirs *dirRoots, dir string) ([]string, error) {
	d, err := dirs.get(dir)
	if err != nil {
		return nil, err
	}
	h, err := d.Open(".")
	if err != nil {
		return nil, err
	}
	defer h.Close()
	return h.Readdirnames(-1)
}

func sum(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
