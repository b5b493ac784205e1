//go:build unix

package filetree

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"
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
	// Backup is where the file's current content is kept when Force
	// replaces or removes a file pxegen did not write or that was edited
	// by hand: the same path below the run's backup directory.
	Backup string `json:"backup,omitempty"`
	// OldSHA256 is the current content's hash, when the file exists.
	OldSHA256 string `json:"-"`
	New       []byte `json:"-"` // nil for Remove and Unchanged
}

// Manifest records what pxegen wrote under an output root, so that a later
// run can tell its own files from everyone else's: it removes only files it
// wrote (and directories it created), and notices hand edits.
type Manifest struct {
	Version int               `json:"version"`
	Files   map[string]string `json:"files"`          // path -> sha256 of what pxegen wrote
	Dirs    []string          `json:"dirs,omitempty"` // directories pxegen created
	// Stat is the stat cache: for a file last changed before the run
	// that recorded it, what lstat(2) said of it then. A file that still
	// gives exactly that holds the content Files records, and a run that
	// would leave it unchanged need not read it (see Stat).
	Stat map[string]Stat `json:"-"`
	// exists says the manifest was read from disk.
	exists bool
	// Pending holds, while a run replaces files, each one's previous
	// sha256: a run killed halfway leaves some files old and some new,
	// and neither is a hand edit. It lives in a small file of its own
	// beside the manifest (PendingSuffix), so that a run writes the large
	// manifest once.
	Pending map[string][]string `json:"-"`
}

// pendingRecord is the file that holds a run's pending hashes.
type pendingRecord struct {
	Version int                 `json:"version"`
	Files   map[string][]string `json:"files"`          // path -> the hashes it may have mid-run
	Dirs    []string            `json:"dirs,omitempty"` // directories the run creates
}

// The names of pxegen's bookkeeping beside the manifest: the pending
// record of a run in progress, and the directory that keeps the files
// --force took over.
const (
	PendingSuffix = ".pending"
	BackupSuffix  = ".backup"
)

// Bookkeeping reports why p, a path below the root, must not be a file
// pxegen renders when its manifest is at manifest: "" when it may. Such a
// file would be replaced or removed by pxegen's own bookkeeping: the
// pending record is removed at the end of every run, backups live below
// the backup directory, and temporary names are swept.
func Bookkeeping(manifest, p string) string {
	switch {
	case manifest != "" && p == manifest+PendingSuffix:
		return "pxegen's pending record (the manifest's path + " + PendingSuffix + ")"
	case manifest != "" && (p == manifest+BackupSuffix || strings.HasPrefix(p, manifest+BackupSuffix+"/")):
		return "in pxegen's backup directory (the manifest's path + " + BackupSuffix + ")"
	case isTemp(path.Base(p)):
		return "a name pxegen's temporary files use (." + "NAME" + tempMarker + "PID-N)"
	}
	return ""
}

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
	// Force replaces files pxegen did not write and removes (with Prune)
	// its files edited by hand, keeping each one's content in a backup
	// directory beside the manifest. It never removes a file that does
	// not carry Mark.
	Force bool
	// Mark is the text every file of the tree carries in its first bytes
	// (see Marked), and so every file pxegen wrote. A file without it is
	// never replaced (without Force) or removed, whatever the manifest
	// says. "" switches the check off.
	Mark string
	// Lock is how the plan holds the root's lock until Close. Apply needs
	// ExclusiveLock; with it, NewPlan creates the root if it is missing.
	Lock LockMode
	// Meter, if not nil, counts the files compared and written, for a
	// progress line on a terminal.
	Meter Meter
}

// Meter counts the files of a long step: Begin names the step and how
// many files it has, Add (called from any goroutine) counts those done.
type Meter interface {
	Begin(step string, total int)
	Add(n int)
}

// Conflict is a file the plan would replace or remove that pxegen may not
// touch without Force.
type Conflict struct {
	Path   string
	Reason string
}

// The reasons for a conflict.
const (
	NotWritten = "pxegen did not write it"
	Edited     = "edited since pxegen wrote it"
)

// ConflictError lists the files in the way: managed files edited by hand,
// and files pxegen did not write (no manifest entry, or no mark). Nothing
// was written.
type ConflictError struct{ Conflicts []Conflict }

func (e *ConflictError) Error() string {
	parts := make([]string, len(e.Conflicts))
	for i, c := range e.Conflicts {
		parts[i] = Escape(c.Path) + " (" + c.Reason + ")"
	}
	return "files in the way: " + strings.Join(parts, ", ") + "; --force replaces them, keeping a backup of each"
}

// Plan is what a render would do to the tree under Root. Changes holds
// every file of the tree and, with Prune, every file to remove, sorted by
// path; the manifest itself is not among them. A plan holds the root open
// (and locked) until Close.
type Plan struct {
	Root    string
	Changes []Change
	// Untracked lists files the manifest (or a killed run's pending
	// record) named that the tree no longer has and whose content does
	// not carry the mark, or that are not regular files: pxegen did not
	// write them as they are, so they are left alone, and forgotten.
	Untracked []string
	// BackupDir is where Force keeps the files it takes over, below Root:
	// a directory that mirrors the tree. Empty when nothing is taken over.
	BackupDir string
	opts      PlanOptions
	t         *dirTree // nil when the root does not exist
	madeRoot  bool
	files     Tree // what Apply writes: created and updated files
	backups   []File
	prune     []string
	rmdirs    []string // created directories that pruning leaves empty, deepest first
	sweep     []string // directories where a killed run may have left temporary files
	// The manifest while files are replaced, and after; nil when it does
	// not change.
	pending, manifest *File
	// next is the manifest the run leaves, before the stat data of the
	// files it writes is added.
	next Manifest
	// settled are the directories whose files the run may record stat
	// data of once written (see settle).
	settled map[string]bool
}

// checkPath refuses what cannot be a path below the root: absolute, not
// clean, "..", or holding control characters.
func checkPath(p string) error {
	if p == "" || p == "." || path.IsAbs(p) || path.Clean(p) != p || p == ".." || strings.HasPrefix(p, "../") ||
		strings.IndexFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return fmt.Errorf("%q is not a clean relative path", p)
	}
	return nil
}

// NewPlan compares tree with what is under root. It reads and writes
// nothing but the old manifest, its pending record and the files tree and
// the manifest name, and never follows a symbolic link below root. It
// returns a *ConflictError for files it may not touch without Force, and
// a *LockedError when another run holds the root. Close releases it.
func NewPlan(root string, tree Tree, opts PlanOptions) (_ *Plan, err error) {
	p := &Plan{Root: root, opts: opts}
	defer func() {
		if err != nil {
			p.Close()
			if p.madeRoot {
				os.Remove(root) // only if empty
			}
		}
	}()
	if err := checkTree(tree, opts); err != nil {
		return nil, err
	}
	if opts.Lock == ExclusiveLock {
		if p.madeRoot, err = mkdirRoot(root); err != nil {
			return nil, err
		}
	}
	p.t, err = openDirTree(root)
	if isNotExist(err) && opts.Lock != ExclusiveLock {
		p.t = nil // a new tree: everything is created
	} else if err != nil {
		return nil, fmt.Errorf("open %s: %w", root, err)
	} else if err := p.t.lock(root, opts.Lock); err != nil {
		return nil, err
	}

	old, err := p.readManifest()
	if err != nil {
		return nil, err
	}
	var pendingDirs []string
	if opts.Manifest != "" {
		// An earlier run was interrupted: what it was writing counts.
		if old.Pending, pendingDirs, err = p.readPending(); err != nil {
			return nil, err
		}
	}

	next := Manifest{Version: 1, Files: make(map[string]string, len(tree)), Stat: make(map[string]Stat, len(old.Stat))}
	p.Changes = make([]Change, 0, len(tree))
	var conflicts []Conflict
	inTree := make(map[string]bool, len(tree))
	// Stat data is recorded only for files last changed before now, as
	// the filesystem tells time: a file changed later (by this run, or by
	// anyone while it reads) is read again by the next run.
	horizons := p.horizons(dirsOf(tree))
	// Read and compare in parallel, keeping hashes, not bytes: at 100,000
	// hosts the old tree would be a second copy of the new one. A file
	// the stat cache vouches for, whose content is to stay as the
	// manifest records it, is not read at all.
	states := make([]fileState, len(tree))
	sums := make([]string, len(tree))
	if opts.Meter != nil && p.t != nil {
		opts.Meter.Begin("comparing", len(tree))
	}
	if err := parallel(len(tree), func(i int) error {
		sums[i] = sum(tree[i].Data)
		if p.t == nil {
			return nil
		}
		var err error
		if states[i], err = p.t.cached(tree[i].Path, sums[i], old); err != nil || !states[i].cached {
			states[i], err = p.t.inspect(tree[i].Path, tree[i].Data, opts.Mark)
		}
		if opts.Meter != nil {
			opts.Meter.Add(1)
		}
		return err
	}); err != nil {
		return nil, err
	}
	for i, f := range tree {
		inTree[f.Path] = true
		st := states[i]
		c := Change{Path: f.Path, Target: f.Target, New: f.Data, SHA256: sums[i]}
		switch {
		case !st.exists:
			c.Action = Create
		case st.same:
			// Its bytes are not kept: at 100,000 hosts an unchanged run
			// would hold the whole tree for nothing.
			c.Action, c.OldSHA256, c.New = Unchanged, c.SHA256, nil
			if st.cached || st.stat.before(horizons[path.Dir(f.Path)]) {
				next.Stat[f.Path] = st.stat
			}
		default:
			c.Action, c.OldSHA256 = Update, st.sum
			// A file pxegen replaces must be what it wrote there, and show
			// it: recorded in the manifest (or a killed run's pending
			// record) and marked.
			if reason := ours(old, f.Path, st); reason != "" {
				conflicts = append(conflicts, Conflict{f.Path, reason})
			}
		}
		next.Files[f.Path] = c.SHA256
		p.Changes = append(p.Changes, c)
		if c.Action != Unchanged {
			p.files = append(p.files, f)
		}
	}

	staleConflicts, err := p.planStale(old, inTree, &next)
	if err != nil {
		return nil, err
	}
	conflicts = append(conflicts, staleConflicts...)
	if len(conflicts) > 0 && !opts.Force {
		sort.Slice(conflicts, func(i, j int) bool { return conflicts[i].Path < conflicts[j].Path })
		return nil, &ConflictError{Conflicts: conflicts}
	}
	sort.Slice(p.Changes, func(i, j int) bool { return p.Changes[i].Path < p.Changes[j].Path })
	if err := p.planBackups(conflicts); err != nil {
		return nil, err
	}
	next.Dirs, p.rmdirs, err = p.plannedDirs(append(old.Dirs, pendingDirs...))
	if err != nil {
		return nil, err
	}
	p.sweep = p.sweepDirs(tree, old)
	if opts.Manifest != "" {
		if err := p.planManifest(next, old); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// cached reports a file as the same as the content with hash h, without
// reading it, when the manifest's stat cache vouches for it: the manifest
// says pxegen wrote h there, and lstat gives exactly the stat data
// recorded with it. Anything else, or a file a killed run may have been
// replacing, leaves it to inspect. Used only where h is the content the
// run wants, so that a file the run would replace is always read.
func (d *dirTree) cached(p, h string, old Manifest) (fileState, error) {
	s, ok := old.Stat[p]
	if !ok || old.Files[p] != h || len(old.Pending[p]) > 0 {
		return fileState{}, nil
	}
	st, exists, err := d.statFile(p)
	if err != nil || !exists || st.Mode&unix.S_IFMT != unix.S_IFREG || statOf(&st) != s {
		return fileState{}, nil // inspect says what is there
	}
	return fileState{exists: true, same: true, cached: true, mode: uint32(st.Mode), stat: s}, nil
}

// horizon returns the time now of the filesystem dir is on, for a run
// that writes a manifest; 0 (no stat data recorded) otherwise, or if it
// cannot tell. Each directory's own: a tree may span filesystems whose
// timestamps tick differently (one second on some), and a file's times
// mean something only against its own filesystem's clock.
func (p *Plan) horizon(dir string) int64 {
	var h int64
	if p.t != nil && p.opts.Manifest != "" && p.opts.Lock == ExclusiveLock {
		h, _ = p.t.fsNow(dir)
	}
	if horizonHook != nil {
		h = horizonHook(h)
	}
	return h
}

// horizons is horizon for each of dirs.
func (p *Plan) horizons(dirs []string) map[string]int64 {
	h := make(map[string]int64, len(dirs))
	for _, d := range dirs {
		h[d] = p.horizon(d)
	}
	return h
}

// after waits until dir's filesystem clock is past t, and returns its
// time then; 0 if it is not by deadline, or cannot tell.
func (p *Plan) after(dir string, t int64, deadline time.Time) int64 {
	for {
		h := p.horizon(dir)
		if h == 0 || h > t {
			return h
		}
		if time.Now().After(deadline) {
			return 0
		}
		time.Sleep(time.Millisecond)
	}
}

// horizonHook, when not nil, replaces a run's horizon: a test seam.
var horizonHook func(int64) int64

// planStale plans the files pxegen wrote that the tree no longer has, as
// the manifest and a killed run's pending record know them: removed with
// Prune, otherwise still tracked in next so that a later --prune can
// remove them. Files that are not pxegen's as they are now (no mark, not a
// regular file) are never removed: they are left alone and forgotten.
func (p *Plan) planStale(old Manifest, inTree map[string]bool, next *Manifest) ([]Conflict, error) {
	opts := p.opts
	var conflicts []Conflict
	var stale []string
	for _, path := range sortedKeys(old.Files) {
		if !inTree[path] {
			stale = append(stale, path)
		}
	}
	for _, path := range sortedKeys(old.Pending) {
		if _, inManifest := old.Files[path]; !inManifest && !inTree[path] {
			stale = append(stale, path)
		}
	}
	sort.Strings(stale)
	staleStates := make([]fileState, len(stale))
	staleErrs := make([]error, len(stale))
	parallel(len(stale), func(i int) error {
		if p.t != nil && !p.bookkeeping(stale[i]) {
			staleStates[i], staleErrs[i] = p.t.inspect(stale[i], nil, opts.Mark)
		}
		return nil
	})
	for i, path := range stale {
		st, err := staleStates[i], staleErrs[i]
		var irregular *IrregularError
		switch {
		case p.bookkeeping(path):
			continue // the manifest or its pending record: never a managed file
		case errors.As(err, &irregular):
			// A FIFO, a device, a directory, a huge file: pxegen wrote no
			// such thing there. Left alone, and no longer tracked.
			p.Untracked = append(p.Untracked, path)
			continue
		case err != nil && opts.Prune:
			return nil, err
		case err != nil:
			// Left alone; tracked as before, if the manifest knew it.
			if h, ok := old.Files[path]; ok {
				next.Files[path] = h
			}
			continue
		case !st.exists:
			continue
		}
		if !st.marked {
			// Not pxegen's content: never removed, whatever the manifest
			// says (even with Force), and no longer tracked.
			p.Untracked = append(p.Untracked, path)
			continue
		}
		reason := ours(old, path, st)
		if !opts.Prune {
			// Tracked with the hash pxegen wrote: a hand edit stays one.
			switch h, inManifest := old.Files[path]; {
			case reason == "":
				next.Files[path] = st.sum
			case inManifest:
				next.Files[path] = h
			case len(old.Pending[path]) > 0:
				next.Files[path] = old.Pending[path][0]
			}
			continue
		}
		if reason != "" {
			conflicts = append(conflicts, Conflict{path, reason})
		}
		p.Changes = append(p.Changes, Change{Path: path, Action: Remove, SHA256: st.sum, OldSHA256: st.sum})
		p.prune = append(p.prune, path)
	}
	return conflicts, nil
}

// checkTree refuses trees that could not be written safely: paths that
// are not clean and relative, or that pxegen's own bookkeeping would
// replace or remove, and files without the mark (a later run would not
// know them as pxegen's).
func checkTree(tree Tree, opts PlanOptions) error {
	if opts.Manifest != "" {
		if err := checkPath(opts.Manifest); err != nil {
			return fmt.Errorf("manifest: %w", err)
		}
	}
	for _, f := range tree {
		if err := checkPath(f.Path); err != nil {
			return err
		}
		if f.Path == opts.Manifest {
			return fmt.Errorf("%s is the manifest's path", Escape(f.Path))
		}
		if why := Bookkeeping(opts.Manifest, f.Path); why != "" {
			return fmt.Errorf("%s is %s", Escape(f.Path), why)
		}
		if !Marked(f.Data, opts.Mark) {
			return fmt.Errorf("%s does not carry %q in its first %d bytes: a later run could not tell it from a file pxegen did not write", Escape(f.Path), opts.Mark, markWindow)
		}
	}
	return nil
}

// ours says why the file at path, as st describes it, is not one pxegen
// may replace or remove without Force: "" when it may.
func ours(old Manifest, path string, st fileState) string {
	_, inManifest := old.Files[path]
	_, inPending := old.Pending[path]
	switch {
	case !inManifest && !inPending:
		return NotWritten
	case !old.wrote(path, st.sum):
		return Edited
	case !st.marked:
		return NotWritten // the manifest says so, the content does not
	}
	return ""
}

// bookkeeping reports whether path is the manifest or its pending record.
func (p *Plan) bookkeeping(path string) bool {
	m := p.opts.Manifest
	return m != "" && (path == m || Bookkeeping(m, path) != "")
}

// planBackups prepares, for each conflict Force overrides, a copy of the
// file's current content in a new backup directory.
func (p *Plan) planBackups(conflicts []Conflict) error {
	if len(conflicts) == 0 || p.opts.Manifest == "" {
		return nil
	}
	base := p.opts.Manifest + BackupSuffix
	stamp := time.Now().UTC().Format("20060102T150405Z")
	p.BackupDir = path.Join(base, stamp)
	for n := 2; ; n++ {
		_, exists, err := p.t.lstat(base, path.Base(p.BackupDir))
		if err != nil {
			return fmt.Errorf("check %s: %w", Escape(p.BackupDir), err)
		}
		if !exists {
			break
		}
		p.BackupDir = path.Join(base, fmt.Sprintf("%s-%d", stamp, n))
	}
	index := map[string]int{}
	for i, c := range p.Changes {
		index[c.Path] = i
	}
	for _, c := range conflicts {
		data, _, err := p.t.readFile(c.Path)
		if err != nil {
			return err
		}
		i := index[c.Path]
		if sum(data) != p.Changes[i].OldSHA256 {
			return fmt.Errorf("back up %s: it changed while pxegen read the tree; run again", Escape(c.Path))
		}
		p.Changes[i].Backup = path.Join(p.BackupDir, c.Path)
		p.backups = append(p.backups, File{Path: p.Changes[i].Backup, Data: data})
	}
	return nil
}

// sweepDirs lists every directory a killed run could have left temporary
// files in: those of the tree, of the files the manifest and the pending
// record name, the directories the manifest records, and the manifest's.
func (p *Plan) sweepDirs(tree Tree, old Manifest) []string {
	dirs := map[string]bool{}
	for _, f := range tree {
		dirs[path.Dir(f.Path)] = true
	}
	for f := range old.Files {
		dirs[path.Dir(f)] = true
	}
	for f := range old.Pending {
		dirs[path.Dir(f)] = true
	}
	for _, d := range old.Dirs {
		dirs[d] = true
	}
	if p.opts.Manifest != "" {
		dirs[path.Dir(p.opts.Manifest)] = true
	}
	return sortedKeys(dirs)
}

// planManifest prepares the final manifest and, when the run changes any
// file, the pending record that goes in first.
func (p *Plan) planManifest(next, old Manifest) error {
	p.next = next
	if len(p.files) > 0 {
		// Apply makes it once the files are in place (finalManifest).
		p.manifest = &File{Path: p.opts.Manifest}
		return p.planPending(next, old)
	}
	// A manifest that says what it said is not written again: at 100,000
	// hosts encoding it is much of an unchanged run's cost.
	if !old.exists || old.Pending != nil || !maps.Equal(old.Files, next.Files) ||
		!maps.Equal(old.Stat, next.Stat) || !slices.Equal(old.Dirs, next.Dirs) {
		final, err := manifestFile(p.opts.Manifest, next)
		if err != nil {
			return err
		}
		p.manifest = final
	}
	return p.planPending(next, old)
}

// planPending prepares the pending record that goes in first when the run
// changes any file.
func (p *Plan) planPending(next, old Manifest) error {
	if len(p.files) == 0 && len(p.prune) == 0 {
		return nil
	}
	// During the run both the old and the new version of every file it
	// touches count as pxegen's own: the old from the manifest, the new
	// (or, for a removal, the old) from here. A changed file's current
	// bytes were accepted above, so they stay accepted if this run is
	// interrupted too; so does all an earlier interrupted run accepted,
	// until a run completes. The directories it creates are recorded too,
	// so that a later run knows them as pxegen's.
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
	pending.Dirs = next.Dirs
	// Compact: a fresh render's record names every file.
	data, err := json.Marshal(pending)
	if err != nil {
		return err
	}
	p.pending = &File{Path: p.opts.Manifest + PendingSuffix, Data: append(data, '\n')}
	return nil
}

func manifestFile(path string, m Manifest) (*File, error) {
	data, err := encodeManifest(m)
	if err != nil {
		return nil, err
	}
	return &File{Path: path, Data: data}, nil
}

// Apply carries the plan out in one batch (see the package doc): the
// pending record goes in first, then every new and changed file, then
// pruned files and the directories they leave empty are removed, then the
// final manifest goes in and the pending record goes. Backups of files
// Force takes over are written and synced before anything is replaced. A
// run killed at any point leaves every file whole and known to the
// manifest; a run that fails before the renames leaves the tree as it was.
func (p *Plan) Apply() error {
	if p.opts.Lock != ExclusiveLock || p.t == nil {
		return errors.New("apply a plan: it was made without the exclusive lock")
	}
	if len(p.files) == 0 && p.pending == nil && p.manifest == nil && len(p.prune) == 0 {
		return removeStaleTemps(p.t, p.sweep)
	}
	b := batch{first: p.pending, last: p.manifest, between: p.removePruned, changed: true, backups: p.backups, sweep: p.sweep, meter: p.opts.Meter}
	if p.opts.Manifest != "" && len(p.files) > 0 {
		// The manifest goes in last with the stat data of the files this
		// run writes, so that the next run need not read them either.
		b.last, b.final, b.beforeRenames = nil, p.finalManifest, p.settle
	}
	for _, name := range append(append([]string{}, p.prune...), p.rmdirs...) {
		b.touched = append(b.touched, path.Dir(name))
	}
	if p.opts.Manifest != "" {
		b.cleanup = []string{p.opts.Manifest + PendingSuffix}
	}
	_, err := writeTree(p.t, p.files, b)
	if err != nil && p.madeRoot {
		p.t.close()
		p.t = nil
		os.Remove(p.Root) // only if empty, as a failed run leaves it
	}
	return err
}

// settle runs before the renames of a run that writes a manifest: it
// waits, in each directory the run writes in, until the filesystem's
// clock is past the mtime of every file the run staged there. A change
// made to one of them after it is renamed into place then gets a later
// mtime, even where timestamps tick once a second and even if it keeps
// the size and reuses the inode, and finalManifest sees it. Directories
// whose clock does not move on within a second are left unsettled: their
// files get no stat data.
func (p *Plan) settle(written []staged) {
	latest := map[string]int64{}
	for _, w := range written {
		d := path.Dir(w.Path)
		latest[d] = max(latest[d], w.id.mtime)
	}
	p.settled = map[string]bool{}
	deadline := time.Now().Add(time.Second)
	for _, d := range sortedKeys(latest) {
		p.settled[d] = p.after(d, latest[d], deadline) > 0
	}
}

// finalManifest is the planned manifest with the stat data of the files
// the run wrote, as far as they can be trusted: its directory settled
// before the renames (see settle), the file at its path still the one the
// run wrote (device, inode, size and mtime as fstat gave them when it was
// written, so not changed since the renames), and last changed before a
// time its filesystem's clock passed after every rename, so that any later
// change shows in its ctime.
func (p *Plan) finalManifest(written []staged) (*File, error) {
	next := p.next
	if afterRenamesHook != nil {
		afterRenamesHook()
	}
	dirs := map[string]bool{}
	for _, w := range written {
		dirs[path.Dir(w.Path)] = true
	}
	// The next tick after the renames, in each directory.
	horizons := map[string]int64{}
	deadline := time.Now().Add(time.Second)
	for _, d := range sortedKeys(dirs) {
		if p.settled[d] {
			if first := p.horizon(d); first > 0 {
				horizons[d] = p.after(d, first, deadline)
			}
		}
	}
	stats := make([]Stat, len(written))
	parallel(len(written), func(i int) error {
		w := written[i]
		horizon := horizons[path.Dir(w.Path)]
		if horizon == 0 {
			return nil // no stat data: the next run reads the file
		}
		st, exists, err := p.t.statFile(w.Path)
		if err == nil && exists && st.Mode&unix.S_IFMT == unix.S_IFREG && idOf(&st) == w.id {
			if s := statOf(&st); s.before(horizon) {
				stats[i] = s
			}
		}
		return nil
	})
	for i, w := range written {
		if stats[i] != (Stat{}) {
			next.Stat[w.Path] = stats[i]
		}
	}
	return manifestFile(p.opts.Manifest, next)
}

// afterRenamesHook, when not nil, runs once a run's files are in place,
// before it records their stat data: a test seam.
var afterRenamesHook func()

// Close releases the root and its lock.
func (p *Plan) Close() {
	if p.t != nil {
		p.t.close()
		p.t = nil
	}
}

func (p *Plan) removePruned() error {
	for _, path := range p.prune {
		if err := p.t.remove(path, false); err != nil && !isNotExist(err) {
			return fmt.Errorf("remove %s: %w", Escape(path), err)
		}
	}
	for _, dir := range p.rmdirs {
		p.t.remove(dir, true) // only if empty, which the plan expects
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

// readPending reads a killed run's pending record, if there is one.
func (p *Plan) readPending() (map[string][]string, []string, error) {
	name := p.opts.Manifest + PendingSuffix
	if p.t == nil {
		return nil, nil, nil
	}
	data, exists, err := p.t.readFile(name)
	if err != nil {
		return nil, nil, fmt.Errorf("read pending record: %w", err)
	}
	if !exists {
		return nil, nil, nil
	}
	var rec pendingRecord
	if err := json.Unmarshal(data, &rec); err != nil || rec.Version != 1 || rec.Files == nil {
		return nil, nil, fmt.Errorf("%s is not a pxegen pending record (%v); move it away to start over", Escape(name), err)
	}
	if err := checkPaths(name, sortedKeys(rec.Files), rec.Dirs); err != nil {
		return nil, nil, err
	}
	return rec.Files, rec.Dirs, nil
}

func (p *Plan) readManifest() (Manifest, error) {
	m := Manifest{Files: map[string]string{}}
	name := p.opts.Manifest
	if p.t == nil || name == "" {
		return m, nil
	}
	data, exists, err := p.t.readFile(name)
	if err != nil {
		return m, fmt.Errorf("read manifest: %w", err)
	}
	if !exists {
		return m, nil
	}
	m, err = decodeManifest(data)
	if err != nil {
		return Manifest{Files: map[string]string{}}, fmt.Errorf("manifest %s is not a pxegen manifest (%v); move it away to start over", Escape(name), err)
	}
	m.exists = true
	if err := checkPaths(name, sortedKeys(m.Files), m.Dirs); err != nil {
		return m, err
	}
	return m, nil
}

// checkPaths refuses a manifest or pending record that names a path
// pxegen could not have written.
func checkPaths(from string, files, dirs []string) error {
	for _, f := range append(append([]string{}, files...), dirs...) {
		if err := checkPath(f); err != nil {
			return fmt.Errorf("%s lists %s, not a path pxegen writes; move it away to start over", Escape(from), Escape(fmt.Sprintf("%q", f)))
		}
	}
	return nil
}

// plannedDirs returns the directories the manifest records after the plan
// (those it recorded, plus those writing files creates, minus those pruning
// empties) and the ones to remove, deepest first. Only directories pxegen
// created are ever removed, and only when pruning leaves them empty.
func (p *Plan) plannedDirs(recorded []string) (keep, remove []string, err error) {
	tracked := map[string]bool{}
	for _, d := range recorded {
		tracked[d] = true
	}
	needed := map[string]bool{}
	for _, f := range p.files {
		for d := path.Dir(f.Path); d != "." && !needed[d]; d = path.Dir(d) {
			needed[d] = true
			if !tracked[d] {
				if p.t == nil {
					tracked[d] = true // a new tree: created by this run
				} else if _, err := p.t.get(d); isNotExist(err) {
					tracked[d] = true
				}
			}
		}
	}
	removed := map[string]bool{}
	for _, f := range p.prune {
		removed[f] = true
	}
	all := sortedKeys(tracked)
	// Deepest first, so that a parent sees its emptied children.
	sort.SliceStable(all, func(i, j int) bool { return strings.Count(all[i], "/") > strings.Count(all[j], "/") })
	for _, d := range all {
		if needed[d] || p.t == nil || len(p.prune) == 0 {
			continue
		}
		names, err := p.t.names(d)
		var link *LinkError
		if isNotExist(err) || errors.As(err, &link) {
			delete(tracked, d) // gone, or not pxegen's: nothing to track
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
