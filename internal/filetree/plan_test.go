package filetree

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const testManifest = "var/lib/pxegen/manifest.json"

func apply(t *testing.T, root string, tree Tree, opts PlanOptions) *Plan {
	t.Helper()
	opts.Manifest, opts.Lock = testManifest, ExclusiveLock
	p, err := NewPlan(root, tree, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Apply(); err != nil {
		t.Fatal(err)
	}
	return p
}

func actions(p *Plan) map[string]Action {
	m := map[string]Action{}
	for _, c := range p.Changes {
		m[c.Path] = c.Action
	}
	return m
}

func TestPlanActionsAndUnchangedRerun(t *testing.T) {
	root := t.TempDir()
	tree := Tree{{Path: "etc/a.conf", Data: []byte("a\n"), Target: "dhcpd"}, {Path: "srv/x/h1", Data: []byte("1\n"), Target: "pxelinux"}}
	p := apply(t, root, tree, PlanOptions{})
	if diff := cmp.Diff(map[string]Action{"etc/a.conf": Create, "srv/x/h1": Create}, actions(p)); diff != "" {
		t.Errorf("first run (-want +got):\n%s", diff)
	}
	if p.Changes[0].Target != "dhcpd" {
		t.Errorf("change of etc/a.conf lost its target: %+v", p.Changes[0])
	}
	again, err := NewPlan(root, tree, PlanOptions{Manifest: testManifest})
	if err != nil {
		t.Fatal(err)
	}
	again.Close()
	if again.Changed() || len(again.files) != 0 {
		t.Errorf("an unchanged re-run plans work: changed=%v files=%d", again.Changed(), len(again.files))
	}
	tree[1].Data = []byte("2\n")
	p = apply(t, root, tree, PlanOptions{})
	if diff := cmp.Diff(map[string]Action{"etc/a.conf": Unchanged, "srv/x/h1": Update}, actions(p)); diff != "" {
		t.Errorf("changed host (-want +got):\n%s", diff)
	}
}

func TestPruneRemovesOnlyWhatPxegenWrote(t *testing.T) {
	root := t.TempDir()
	// A directory that existed before pxegen, with a file of the admin's.
	if err := os.MkdirAll(filepath.Join(root, "srv/x"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "srv/x/admin-file"), []byte("mine"), 0o644)
	apply(t, root, Tree{{Path: "srv/x/keep", Data: []byte("k")}, {Path: "srv/x/gone", Data: []byte("g")}, {Path: "srv/new/deep/gone2", Data: []byte("g")}}, PlanOptions{})

	next := Tree{{Path: "srv/x/keep", Data: []byte("k")}}
	// Without --prune, stale files stay, and stay tracked.
	p := apply(t, root, next, PlanOptions{})
	if p.Count(Remove) != 0 {
		t.Fatalf("removed without --prune")
	}
	p = apply(t, root, next, PlanOptions{Prune: true})
	if diff := cmp.Diff(map[string]Action{"srv/x/keep": Unchanged, "srv/x/gone": Remove, "srv/new/deep/gone2": Remove}, actions(p)); diff != "" {
		t.Errorf("prune (-want +got):\n%s", diff)
	}
	for path, want := range map[string]bool{"srv/x/keep": true, "srv/x/admin-file": true, "srv/x/gone": false, "srv/new": false, "srv/x": true} {
		if _, err := os.Stat(filepath.Join(root, path)); (err == nil) != want {
			t.Errorf("%s exists=%v, want %v", path, err == nil, want)
		}
	}
}

func TestHandEditsAreRefused(t *testing.T) {
	root := t.TempDir()
	apply(t, root, Tree{{Path: "etc/a.conf", Data: []byte("a\n")}, {Path: "srv/h1", Data: []byte("1\n")}}, PlanOptions{})
	os.WriteFile(filepath.Join(root, "etc/a.conf"), []byte("a\n# local tweak\n"), 0o644)
	os.WriteFile(filepath.Join(root, "srv/h1"), []byte("edited\n"), 0o644)
	os.WriteFile(filepath.Join(root, "srv/admin"), []byte("not ours\n"), 0o644)

	next := Tree{{Path: "etc/a.conf", Data: []byte("b\n")}, {Path: "srv/admin", Data: []byte("ours now\n")}}
	_, err := NewPlan(root, next, PlanOptions{Manifest: testManifest, Prune: true})
	var conflict *ConflictError
	if !errors.As(err, &conflict) {
		t.Fatalf("err = %v, want a ConflictError", err)
	}
	want := []Conflict{{"etc/a.conf", Edited}, {"srv/admin", NotWritten}, {"srv/h1", Edited}}
	if diff := cmp.Diff(want, conflict.Conflicts); diff != "" {
		t.Errorf("conflicts (-want +got):\n%s", diff)
	}
	// --force takes them over, keeping each old file in the backup
	// directory, at its own path below it.
	p := apply(t, root, next, PlanOptions{Prune: true, Force: true})
	if data, _ := os.ReadFile(filepath.Join(root, "etc/a.conf")); string(data) != "b\n" {
		t.Errorf("--force did not replace the edited file: %q", data)
	}
	if _, err := os.Stat(filepath.Join(root, "srv/h1")); !os.IsNotExist(err) {
		t.Errorf("--force --prune did not remove the edited srv/h1")
	}
	if !strings.HasPrefix(p.BackupDir, testManifest+BackupSuffix+"/") {
		t.Fatalf("backup directory %q", p.BackupDir)
	}
	for path, old := range map[string]string{"etc/a.conf": "a\n# local tweak\n", "srv/h1": "edited\n", "srv/admin": "not ours\n"} {
		backup := filepath.Join(root, p.BackupDir, path)
		data, err := os.ReadFile(backup)
		if err != nil || string(data) != old {
			t.Errorf("backup of %s: %q, %v; want %q", path, data, err, old)
		}
		if info, err := os.Stat(backup); err == nil && info.Mode().Perm() != 0o600 {
			t.Errorf("backup of %s has mode %v, want 0600", path, info.Mode().Perm())
		}
	}
	for _, c := range p.Changes {
		if want := map[string]bool{"etc/a.conf": true, "srv/admin": true, "srv/h1": true}[c.Path]; want != (c.Backup == p.BackupDir+"/"+c.Path) {
			t.Errorf("change %s: backup %q", c.Path, c.Backup)
		}
	}
}
