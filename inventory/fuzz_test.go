package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rogpeppe/go-internal/txtar"
	"go.yaml.in/yaml/v3"

	"github.com/pxegen/pxegen/internal/golden"
)

// FuzzLoad feeds arbitrary bytes to Parse, and the same document rewritten
// with anchors, aliases (as values and as keys) and merge keys, chosen by
// rewrite. Parse must not panic or hang; every refusal must be an
// ErrorList whose every line names the file (a value with a newline must
// not forge a line of its own); an accepted inventory must validate again,
// and every profile anything can name must pass the field checks. pxegen
// must decode what yaml.v3's own decoder decodes, and the rewritten
// document must mean the same: accepted or refused alike, to the same
// inventory or with errors at the same key paths.
func FuzzLoad(f *testing.F) {
	seeds := golden.Glob(f, "../golden/*/inventory.yaml")
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		for rewrite := range uint64(3) {
			f.Add(data, rewrite)
		}
	}
	hostile := golden.Glob(f, "../golden/hostile/*.txtar")
	for _, h := range hostile {
		ar, err := txtar.ParseFile(h)
		if err != nil || len(ar.Files) == 0 {
			f.Fatalf("%s: %v, or no inventory in it", h, err)
		}
		f.Add(ar.Files[0].Data, uint64(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, rewrite uint64) {
		inv, err := Parse("f.yaml", data)
		checkParsed(t, inv, err)
		if msg := agreesWithYAML(data); msg != "" {
			t.Fatal(msg)
		}
		same, ok := anchorize(data, rewrite)
		if !ok {
			return
		}
		inv2, err2 := Parse("f.yaml", same)
		checkParsed(t, inv2, err2)
		if msg := agreesWithYAML(same); msg != "" {
			t.Fatalf("rewritten:\n%s\n%s", same, msg)
		}
		switch {
		case (err == nil) != (err2 == nil):
			t.Fatalf("the document is accepted or refused depending on how it is written:\n%s\n(err = %v)\n%s\n(err = %v)", data, err, same, err2)
		case err == nil:
			if diff := cmp.Diff(inv, inv2, cmpopts.IgnoreUnexported(Inventory{}), cmp.AllowUnexported(HA{})); diff != "" {
				t.Fatalf("the rewritten document means another inventory (-plain +rewritten):\n%s\n%s", diff, same)
			}
			if diff := cmp.Diff(inv.ProfileNames(), inv2.ProfileNames()); diff != "" {
				t.Fatalf("the rewritten document lists the profiles in another order:\n%s\n%s", diff, same)
			}
		default:
			if a, b := errorPaths(err), errorPaths(err2); a != b {
				t.Fatalf("the rewritten document has errors elsewhere:\n%s\n%v\n%s\n%v", data, err, same, err2)
			}
		}
	})
}

// checkParsed checks what Parse returned for any input.
func checkParsed(t *testing.T, inv *Inventory, err error) {
	t.Helper()
	if err != nil {
		var list ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("Parse returned %T, not an ErrorList: %v", err, err)
		}
		for _, line := range strings.Split(err.Error(), "\n") {
			if !strings.HasPrefix(line, "f.yaml") {
				t.Fatalf("an error line does not name the file: %q", line)
			}
		}
		return
	}
	if err := inv.Validate(); err != nil {
		t.Fatalf("an accepted inventory does not validate again: %v", err)
	}
	if msg := everyProfileChecked(inv); msg != "" {
		t.Fatal(msg)
	}
}

// everyProfileChecked checks, apart from the validator's own walk, that
// every profile in the inventory (however the file brought it in) and
// every profile anything names passed the field checks.
func everyProfileChecked(inv *Inventory) string {
	names := inv.ProfileNames()
	if len(names) != len(inv.Profiles) {
		return fmt.Sprintf("ProfileNames lists %d profiles, Profiles holds %d", len(names), len(inv.Profiles))
	}
	for name, p := range inv.Profiles {
		msgs := []string{checkName(name)}
		if p.Label != "" {
			msgs = append(msgs, checkText(p.Label))
		}
		if p.Kernel != "" {
			msgs = append(msgs, checkFileRef(p.Kernel))
		}
		for _, f := range p.Initrd {
			msgs = append(msgs, checkInitrd(f))
		}
		msgs = append(msgs, checkArgs(p.Append), checkArgs(p.AppendExtra))
		for _, m := range msgs {
			if m != "" {
				return fmt.Sprintf("accepted profile %q fails a check: %s", name, m)
			}
		}
		if _, ok := inv.Profiles[p.Inherits]; p.Inherits != "" && !ok {
			return fmt.Sprintf("accepted profile %q inherits the unknown %q", name, p.Inherits)
		}
		// Something to boot: an x86-64 kernel, or a memtest or chain
		// profile's EFI file alone, or an ARM64 kernel alone.
		if r := inv.ResolvedProfile(name); r.KernelFor(ArchX86_64) == "" && r.ARM64.Kernel == "" {
			return fmt.Sprintf("accepted profile %q has no kernel", name)
		}
	}
	refs := []string{inv.Menu.Default}
	for _, n := range inv.Networks {
		refs = append(refs, n.Profile)
	}
	for _, h := range inv.Hosts {
		refs = append(refs, h.Profile)
		if m := checkHostName(h.Name); m != "" {
			return fmt.Sprintf("accepted host %q fails a check: %s", h.Name, m)
		}
	}
	for _, r := range refs {
		if _, ok := inv.Profiles[r]; r != "" && r != LocalProfile && !ok {
			return fmt.Sprintf("an accepted inventory names the unknown profile %q", r)
		}
	}
	return ""
}

func checkName(name string) string {
	if !profileName.MatchString(name) || name == LocalProfile {
		return "not a profile name"
	}
	return ""
}

// errorPaths lists the key paths of an ErrorList's errors, sorted and
// once each: a rewritten document reports the same problems, though not
// at the same lines.
func errorPaths(err error) string {
	var list ErrorList
	errors.As(err, &list)
	seen := map[string]bool{}
	for _, e := range list {
		seen[e.Path] = true
	}
	paths := make([]string, 0, len(seen))
	for p := range seen {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return strings.Join(paths, "\n")
}

// anchorize rewrites a document that uses no anchors, aliases or merge
// keys into one that means the same and uses them, as a person sharing
// settings would: repeated scalars become an anchor and aliases (as values
// and as keys), repeated mappings aliases, and leading entries of a
// mapping move under a merge key (<<), as one mapping, a list of two, or
// an alias to an earlier merged mapping of the same entries. ok is false
// when data is not such a document.
func anchorize(data []byte, rewrite uint64) (out []byte, ok bool) {
	var doc, extra yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil || len(doc.Content) != 1 || !errors.Is(dec.Decode(&extra), io.EOF) {
		return nil, false
	}
	plain, dups := true, false
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.AliasNode || n.Anchor != "" || n.Kind == yaml.ScalarNode && n.Value == "<<" {
			plain = false
		}
		// Comments mean nothing, and yaml.v3 can write one where it ends
		// the line a new anchor needed (a document that does not parse).
		n.HeadComment, n.LineComment, n.FootComment = "", "", ""
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
			// yaml.v3 writes an empty null (a key without a value) as '',
			// a string: write it as ~ instead.
			n.Value, n.Style = "~", 0
		}
		if n.Kind == yaml.MappingNode {
			keys := map[string]bool{}
			for i := 0; i < len(n.Content); i += 2 {
				dups = dups || keys[n.Content[i].Value]
				keys[n.Content[i].Value] = true
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
	if !plain {
		return nil, false
	}
	r := &rewriter{rng: rand.New(rand.NewPCG(rewrite, rewrite>>32)), seen: map[string]*yaml.Node{}, merged: map[string]*yaml.Node{},
		// A duplicate key is reported where it is written: once, if the
		// mapping holding it were shared.
		scalarsOnly: dups}
	doc.Content[0] = r.node(doc.Content[0])
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, false
	}
	return out, true
}

type rewriter struct {
	rng         *rand.Rand
	scalarsOnly bool // alias scalars only; share and merge no mapping
	anchors     int
	seen        map[string]*yaml.Node // earlier nodes by their canonical form
	merged      map[string]*yaml.Node // earlier merge sources by their canonical form
}

// alias returns an alias to an earlier node equal to n, anchoring it, or
// nil.
func (r *rewriter) alias(n *yaml.Node) *yaml.Node {
	key := canonical(n)
	prev, ok := r.seen[key]
	if !ok {
		r.seen[key] = n
		return nil
	}
	if r.rng.IntN(3) == 0 {
		return nil
	}
	if prev.Anchor == "" {
		r.anchors++
		prev.Anchor = fmt.Sprintf("a%d", r.anchors)
	}
	return &yaml.Node{Kind: yaml.AliasNode, Value: prev.Anchor, Alias: prev}
}

// node rewrites n, in document order, so that an anchor always comes
// before its aliases.
func (r *rewriter) node(n *yaml.Node) *yaml.Node {
	if n.Kind == yaml.ScalarNode || n.Kind == yaml.MappingNode && len(n.Content) > 0 && !r.scalarsOnly {
		if a := r.alias(n); a != nil {
			return a
		}
	}
	switch n.Kind {
	case yaml.SequenceNode:
		for i, c := range n.Content {
			n.Content[i] = r.node(c)
		}
	case yaml.MappingNode:
		// Entries under a merge key are rewritten where they end up.
		keys := map[string]bool{}
		for i := 0; i < len(n.Content); i += 2 {
			keys[n.Content[i].Value] = true
		}
		k := 0
		if len(n.Content) > 0 && len(keys)*2 == len(n.Content) && !r.scalarsOnly && r.rng.IntN(3) == 0 {
			k = 1 + r.rng.IntN(len(n.Content)/2)
		}
		front := r.merge(n.Content[:2*k])
		for i := 2 * k; i < len(n.Content); i++ {
			n.Content[i] = r.node(n.Content[i])
		}
		if front != nil {
			n.Content = append(front, n.Content[2*k:]...)
		}
	}
	return n
}

// merge moves entries under a merge key, or returns nil for none.
func (r *rewriter) merge(entries []*yaml.Node) []*yaml.Node {
	if len(entries) == 0 {
		return nil
	}
	mergeKey := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!merge", Value: "<<"}
	src := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: entries}
	key := canonical(src)
	if prev, ok := r.merged[key]; ok && r.rng.IntN(2) == 0 {
		if prev.Anchor == "" {
			r.anchors++
			prev.Anchor = fmt.Sprintf("a%d", r.anchors)
		}
		return []*yaml.Node{mergeKey, {Kind: yaml.AliasNode, Value: prev.Anchor, Alias: prev}}
	}
	var value *yaml.Node
	if len(entries) >= 4 && r.rng.IntN(2) == 0 {
		// A list of two mappings: the first's keys win, and they are
		// distinct anyway.
		cut := 2 * (1 + r.rng.IntN(len(entries)/2-1))
		first := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: append([]*yaml.Node(nil), entries[:cut]...)}
		second := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: append([]*yaml.Node(nil), entries[cut:]...)}
		r.rewriteEntries(first)
		r.rewriteEntries(second)
		value = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{first, second}}
	} else {
		src.Content = append([]*yaml.Node(nil), entries...)
		r.rewriteEntries(src)
		r.merged[key] = src
		value = src
	}
	return []*yaml.Node{mergeKey, value}
}

func (r *rewriter) rewriteEntries(m *yaml.Node) {
	for i := range m.Content {
		m.Content[i] = r.node(m.Content[i])
	}
}

// canonical is a node's meaning as a string, for finding equal nodes.
func canonical(n *yaml.Node) string {
	var b strings.Builder
	var w func(n *yaml.Node)
	w = func(n *yaml.Node) {
		fmt.Fprintf(&b, "%d%s%q(", n.Kind, n.ShortTag(), n.Value)
		for _, c := range n.Content {
			w(c)
		}
		b.WriteString(")")
	}
	w(n)
	return b.String()
}
