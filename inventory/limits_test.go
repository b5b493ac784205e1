package inventory

import (
	"bytes"
	"errors"
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
	for _, name := range []string{"alias-bomb", "alias-bomb-hosts"} {
		ar, err := txtar.ParseFile("../golden/hostile/" + name + ".txtar")
		if err != nil {
			t.Fatal(err)
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err = Parse("bomb.yaml", ar.Files[0].Data)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatalf("%s was accepted", name)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
			t.Errorf("%s: refusing it allocated %d MiB", name, alloc>>20)
		}
	}
}
