package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestTooManyHosts refuses one host too many before decoding them, also
// when a merge key brings the hosts in.
func TestTooManyHosts(t *testing.T) {
	for _, c := range []struct{ name, head, indent, want string }{
		{"plain", "hosts:\n", "", "big.yaml:5:1: hosts: 200001 hosts; at most 200000 are supported"},
		{"merged", "<<:\n  hosts:\n", "  ", "big.yaml:6:3: hosts: 200001 hosts; at most 200000 are supported"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			b.WriteString("server: {ip: 10.1.1.1}\nnetworks: [{name: lab, subnet: 10.1.1.0/24}]\nprofiles: {p: {kernel: k}}\n")
			b.WriteString(c.head)
			for i := 0; i <= MaxHosts; i++ {
				b.WriteString(c.indent + "- {}\n")
			}
			_, err := Parse("big.yaml", b.Bytes())
			if err == nil || err.Error() != c.want {
				t.Fatalf("err = %.300v, want %s", err, c.want)
			}
		})
	}
}

func TestFileTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.yaml")
	if err := os.WriteFile(path, bytes.Repeat([]byte("# padding\n"), MaxFileSize/10+1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	var list ErrorList
	if !errors.As(err, &list) || !strings.Contains(err.Error(), "file is larger than 32 MiB") {
		t.Fatalf("err = %v, want a size refusal", err)
	}
}

// TestAliasBombMemory refuses the hostile corpus's alias bombs without
// expanding them: the allocation stays far below what one expansion of a
// billion-laughs document would take.
func TestAliasBombMemory(t *testing.T) {
	type bomb struct {
		data   []byte
		maxMiB uint64
	}
	var merge strings.Builder
	merge.WriteString("x: &big {")
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&merge, "k%d: 0, ", i)
	}
	merge.WriteString("}\nhosts: [" + strings.Repeat("{<<: *big}, ", 2000) + "]\n")
	docs := map[string]bomb{
		// 100 KB repeated through aliases inside a list, which escaped
		// yaml.v3's alias guard.
		"alias-list": {[]byte("server: {ip: 10.1.1.1}\nnetworks: [{name: lab, subnet: 10.1.1.0/24}]\nprofiles: {p: {kernel: k, initrd: [&s " +
			strings.Repeat("a", 100<<10) + strings.Repeat(", *s", 1000) + "]}}\n"), 16},
		// A mapping of 3,000 keys merged into 2,000 others: 50 KB that
		// would copy 6,000,000 entries. The copying stops at the limit,
		// MaxExpandedNodes entries of two pointers.
		"merge": {[]byte(merge.String()), 2 * MaxExpandedNodes * 16 >> 20},
	}
	for _, name := range []string{"alias-bomb", "alias-bomb-hosts"} {
		ar, err := txtar.ParseFile("../golden/hostile/" + name + ".txtar")
		if err != nil {
			t.Fatal(err)
		}
		docs[name] = bomb{ar.Files[0].Data, 16}
	}
	for name, doc := range docs {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Parse("bomb.yaml", doc.data)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatalf("%s was accepted", name)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > doc.maxMiB<<20 {
			t.Errorf("%s: refusing it allocated %d MiB", name, alloc>>20)
		}
	}
}

// inheritanceSite is an inventory of MaxProfiles profiles, each inheriting
// from the next; with cycle, the last inherits from the first.
func inheritanceSite(cycle bool) []byte {
	var b bytes.Buffer
	b.WriteString("server: {ip: 10.1.1.1}\nnetworks: [{name: lab, subnet: 10.1.1.0/24, profile: p0}]\nprofiles:\n")
	for i := 0; i < MaxProfiles-1; i++ {
		fmt.Fprintf(&b, "  p%d: {inherits: p%d}\n", i, i+1)
	}
	if cycle {
		fmt.Fprintf(&b, "  p%d: {inherits: p0, kernel: k}\n", MaxProfiles-1)
	} else {
		fmt.Fprintf(&b, "  p%d: {kernel: k, append: quiet}\n", MaxProfiles-1)
	}
	b.WriteString("hosts: [{name: n, mac: \"52:54:00:00:00:01\", ip: 10.1.1.5, append: console=ttyS0}]\n")
	return b.Bytes()
}

// TestLongInheritance validates a cycle and a chain through every
// profile: inheritance is resolved in one pass, so this takes milliseconds
// (a pass per profile took minutes).
func TestLongInheritance(t *testing.T) {
	_, err := Parse("cycle.yaml", inheritanceSite(true))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 1 || !strings.HasPrefix(list[0].Msg, "inheritance cycle: p0 -> p1 -> p2 -> ") ||
		!strings.HasSuffix(list[0].Msg, fmt.Sprintf(" -> p%d -> p0", MaxProfiles-1)) || list[0].Path != "profiles.p0.inherits" {
		t.Fatalf("err = %.300v, want one cycle through every profile, reported at p0", err)
	}
	inv, err := Parse("chain.yaml", inheritanceSite(false))
	if err != nil {
		t.Fatal(err)
	}
	if r := inv.ResolvedProfile("p0"); r.Kernel != "k" || r.Append != "quiet" || r.Label != "p0" {
		t.Fatalf("p0 resolves to %+v", r)
	}
}

// TestLongExtension refuses a chain of MaxProfiles profiles that each add
// 4,000 bytes of arguments with append_extra, without building the 16 MB
// append each level would inherit: resolving stops growing an append past
// PXELINUX's line.
func TestLongExtension(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("server: {ip: 10.1.1.1}\nnetworks: [{name: lab, subnet: 10.1.1.0/24}]\nprofiles:\n")
	extra := strings.Repeat("a", 4000)
	for i := 0; i < MaxProfiles-1; i++ {
		fmt.Fprintf(&b, "  p%d: {inherits: p%d, append_extra: %s}\n", i, i+1, extra)
	}
	fmt.Fprintf(&b, "  p%d: {kernel: k}\n", MaxProfiles-1)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Parse("extend.yaml", b.Bytes())
	runtime.ReadMemStats(&after)
	var list ErrorList
	if !errors.As(err, &list) || len(list) != MaxProfiles-2 {
		t.Fatalf("err = %.300v, want the APPEND line of every profile but the last two refused", err)
	}
	for _, e := range list {
		if !strings.HasSuffix(e.Path, ".append_extra") || !strings.Contains(e.Msg, "the PXELINUX APPEND line would be ") {
			t.Fatalf("%v, want the APPEND line too long at append_extra", e)
		}
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 512<<20 {
		t.Errorf("refusing it allocated %d MiB", alloc>>20)
	}
}

// BenchmarkInheritance parses the cycle and the chain of TestLongInheritance.
func BenchmarkInheritance(b *testing.B) {
	for _, cycle := range []bool{true, false} {
		data := inheritanceSite(cycle)
		b.Run(fmt.Sprintf("cycle=%v", cycle), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				Parse("bench.yaml", data)
			}
		})
	}
}

// TestUnknownProfileMessageBounded: an error about an unknown profile
// names a few of the defined ones, not all 4,096, or 200,000 such hosts
// would print gigabytes.
func TestUnknownProfileMessageBounded(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("server: {ip: 10.1.1.1}\nnetworks: [{name: lab, subnet: 10.1.0.0/16}]\nprofiles:\n")
	for i := 0; i < MaxProfiles; i++ {
		fmt.Fprintf(&b, "  profile-with-a-long-name-%d: {kernel: k}\n", i)
	}
	b.WriteString("hosts:\n")
	const hosts = 1000
	for i := 0; i < hosts; i++ {
		fmt.Fprintf(&b, "  - {name: h%d, mac: \"52:54:00:00:%02x:%02x\", profile: nope}\n", i, i>>8, i&0xff)
	}
	_, err := Parse("f.yaml", b.Bytes())
	if err == nil {
		t.Fatal("accepted")
	}
	if n := len(err.Error()); n > hosts*1000 {
		t.Errorf("%d unknown profiles take %d bytes of messages:\n%.400s", hosts, n, err)
	}
}
