package generate_test

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/internal/golden"
	"github.com/pxegen/pxegen/inventory"
)

var update = flag.Bool("update", false, "rewrite the golden files under ../golden from what the code produces")

// TestGolden renders every golden/<case>/inventory.yaml and compares the
// result with golden/<case>/out (a valid inventory) or golden/<case>/stderr
// (the errors of an invalid one).
//
// A case whose golden/<case>/base names another case (the same site for
// another DHCP server) keeps only the daemons' files in its out/, where
// the integration suite runs the daemons on them: the files below
// boot_root must be byte for byte those the base case renders, which the
// base's own out/ holds.
func TestGolden(t *testing.T) {
	dirs := golden.Glob(t, "../golden/*/inventory.yaml")
	engine, err := generate.New("")
	if err != nil {
		t.Fatal(err)
	}
	for _, invPath := range dirs {
		dir := filepath.Dir(invPath)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			data, err := os.ReadFile(invPath)
			if err != nil {
				t.Fatal(err)
			}
			// Errors name the file as the user typed it.
			inv, loadErr := inventory.Parse("inventory.yaml", data, inventory.WithPeer(golden.Peer(t, dir)), inventory.WithSite(golden.Site(t, dir)))
			stderrPath := filepath.Join(dir, "stderr")
			if loadErr != nil {
				var list inventory.ErrorList
				if !errors.As(loadErr, &list) {
					t.Fatalf("Parse returned %T, want an ErrorList: %v", loadErr, loadErr)
				}
				compareFile(t, stderrPath, loadErr.Error()+"\n")
				return
			}
			if _, err := os.Stat(stderrPath); err == nil {
				t.Fatalf("%s expects errors, but the inventory is valid", stderrPath)
			}
			tree, err := engine.Render(inv)
			if err != nil {
				t.Fatal(err)
			}
			// Render promises a tree sorted by path, each path once.
			for i := 1; i < len(tree); i++ {
				if tree[i-1].Path >= tree[i].Path {
					t.Fatalf("Render's tree is not sorted by path: %s before %s", tree[i-1].Path, tree[i].Path)
				}
			}
			again, err := engine.Render(inv)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(treeMap(tree), treeMap(again)); diff != "" {
				t.Fatalf("two renders of one inventory differ (-first +second):\n%s", diff)
			}
			if base := baseCase(t, dir); base != "" {
				tree = withoutSharedFiles(t, engine, inv, tree, base)
			}
			// Write for real, so that the golden tree is what lands on disk.
			out := t.TempDir()
			if _, err := filetree.Write(out, tree); err != nil {
				t.Fatal(err)
			}
			got := golden.ReadTree(t, out)
			goldenOut := filepath.Join(dir, "out")
			if *update {
				if err := os.RemoveAll(goldenOut); err != nil {
					t.Fatal(err)
				}
				if _, err := filetree.Write(goldenOut, tree); err != nil {
					t.Fatal(err)
				}
				return
			}
			if diff := cmp.Diff(golden.ReadTree(t, goldenOut), got); diff != "" {
				t.Errorf("rendered tree differs from %s (-want +got):\n%s\nrun `make golden` to update, then read the diff", goldenOut, diff)
			}
		})
	}
}

// baseCase is the case named in dir/base, or "" if there is no such file.
func baseCase(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "base"))
	if errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// withoutSharedFiles checks that the files of tree below boot_root are
// exactly those the base case renders there, and returns the others.
func withoutSharedFiles(t *testing.T, engine *generate.Engine, inv *inventory.Inventory, tree filetree.Tree, base string) filetree.Tree {
	t.Helper()
	baseInv, err := inventory.Load(filepath.Join("../golden", base, "inventory.yaml"), inventory.WithPeer(golden.Peer(t, filepath.Join("../golden", base))), inventory.WithSite(golden.Site(t, filepath.Join("../golden", base))))
	if err != nil {
		t.Fatalf("base case %s: %v", base, err)
	}
	baseTree, err := engine.Render(baseInv)
	if err != nil {
		t.Fatalf("base case %s: %v", base, err)
	}
	if baseInv.Paths.BootRoot != inv.Paths.BootRoot {
		t.Fatalf("base case %s has another boot_root", base)
	}
	root := strings.TrimPrefix(inv.Paths.BootRoot, "/") + "/"
	split := func(tree filetree.Tree) (boot map[string]string, rest filetree.Tree) {
		boot = map[string]string{}
		for _, f := range tree {
			if strings.HasPrefix(f.Path, root) {
				boot[f.Path] = string(f.Data)
			} else {
				rest = append(rest, f)
			}
		}
		return boot, rest
	}
	boot, rest := split(tree)
	baseBoot, _ := split(baseTree)
	if diff := cmp.Diff(baseBoot, boot); diff != "" {
		t.Fatalf("the files below %s differ from base case %s's (-%s +this case):\n%s\nthis case cannot share them: remove its base file and run `make golden`", root, base, base, diff)
	}
	return rest
}

// splitServerFiles splits tree into the DHCP and TFTP servers' own files
// (dhcpd.conf, Kea's, the dnsmasq drop-in, the xinetd stanza) and the
// others, which the README promises are the same whichever servers the
// site uses.
func splitServerFiles(inv *inventory.Inventory, tree filetree.Tree) (others map[string]string, servers filetree.Tree) {
	server := map[string]bool{}
	for _, p := range []string{inv.Paths.DhcpdConf, inv.Paths.KeaConf, inv.Paths.DnsmasqConf, inv.Paths.DnsmasqHosts, inv.Paths.DnsmasqOpts, inv.Paths.XinetdTFTP,
		inv.Paths.Kea6Conf, inv.Paths.Dhcpd6Conf, inv.Paths.RadvdConf} {
		server[strings.TrimPrefix(p, "/")] = true
	}
	others = map[string]string{}
	for _, f := range tree {
		if server[f.Path] {
			servers = append(servers, f)
		} else {
			others[f.Path] = string(f.Data)
		}
	}
	return others, servers
}

func compareFile(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `make golden` to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s\nrun `make golden` to update, then read the diff", path, diff)
	}
}

func treeMap(tree filetree.Tree) map[string]string {
	m := map[string]string{}
	for _, f := range tree {
		m[f.Path] = string(f.Data)
	}
	return m
}

// TestTargetsChangeOnlyServerFiles: whichever DHCP and TFTP servers a site
// uses, every other file (the Apache snippet, the PXELINUX, GRUB and iPXE
// files) is the same, byte for byte, as the README promises. This is
// what lets golden cases for other servers share their base's files.
func TestTargetsChangeOnlyServerFiles(t *testing.T) {
	engine, err := generate.New("")
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range golden.Glob(t, "../golden/*/out") {
		invPath := filepath.Join(filepath.Dir(out), "inventory.yaml")
		var first map[string]string
		var firstTargets string
		for _, dhcp := range inventory.DHCPTargets {
			for _, tftp := range inventory.TFTPTargets {
				inv, err := inventory.Load(invPath, inventory.WithTargets(dhcp, tftp), inventory.WithPeer(golden.Peer(t, filepath.Dir(out))), inventory.WithSite(golden.Site(t, filepath.Dir(out))))
				if list, ok := errors.AsType[inventory.ErrorList](err); ok && list.OnlyFor(dhcp) {
					continue // a case for the other servers (golden/authoritative)
				}
				if err != nil {
					t.Fatal(err)
				}
				tree, err := engine.Render(inv)
				if err != nil {
					t.Fatal(err)
				}
				others, _ := splitServerFiles(inv, tree)
				targets := "--target " + dhcp + " --tftp " + tftp
				if first == nil {
					first, firstTargets = others, targets
					continue
				}
				if diff := cmp.Diff(first, others); diff != "" {
					t.Errorf("%s: the files that are no DHCP or TFTP server's differ between %s and %s (-first +second):\n%s", invPath, firstTargets, targets, diff)
				}
			}
		}
	}
}
