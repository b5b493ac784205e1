package dhcpdconf

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/pxegen/pxegen/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the expected trees in testdata from what the parser reads")

// TestParse parses the input of each testdata/*.txtar and compares the
// tree, with every position, or the error, with the archive's want.
func TestParse(t *testing.T) {
	for _, file := range golden.Glob(t, "testdata/*.txtar") {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var input []byte
			for _, f := range ar.Files {
				if f.Name == "dhcpd.conf" {
					input = f.Data
				}
			}
			got := ""
			f, err := Parse("dhcpd.conf", string(input))
			if err != nil {
				got = "error: " + err.Error() + "\n"
			} else {
				got = dump(f)
			}
			for i := range ar.Files {
				if ar.Files[i].Name != "want" {
					continue
				}
				if *update {
					ar.Files[i].Data = []byte(got)
					if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				if diff := cmp.Diff(string(ar.Files[i].Data), got); diff != "" {
					t.Errorf("parse differs (-want +got):\n%s\nrun go test ./internal/dhcpdconf -update, then read the diff", diff)
				}
				return
			}
			t.Fatalf("%s has no want section", file)
		})
	}
}

// dump writes a parsed file as an indented tree: each statement's tokens
// with their positions and kinds, its comments and its block.
func dump(f *File) string {
	var b strings.Builder
	var walk func(stmts []*Statement, depth int)
	walk = func(stmts []*Statement, depth int) {
		ind := strings.Repeat("  ", depth)
		for _, s := range stmts {
			for _, c := range s.Comments {
				fmt.Fprintf(&b, "%s# %d:%d %q\n", ind, c.Pos.Line, c.Pos.Col, c.Text)
			}
			fmt.Fprintf(&b, "%s%d:%d", ind, s.Pos().Line, s.Pos().Col)
			for _, t := range s.Words {
				switch t.Kind {
				case String:
					fmt.Fprintf(&b, " %q", t.Text)
				case Punct:
					fmt.Fprintf(&b, " <%s>", t.Text)
				default:
					fmt.Fprintf(&b, " %s", t.Text)
				}
			}
			if s.Trailing != "" {
				fmt.Fprintf(&b, "  # %q", s.Trailing)
			}
			if s.Block {
				fmt.Fprintf(&b, " {\n")
				walk(s.Body, depth+1)
				fmt.Fprintf(&b, "%s} %d:%d\n", ind, s.End.Line, s.End.Col)
			} else {
				fmt.Fprintf(&b, " ; %d:%d\n", s.End.Line, s.End.Col)
			}
		}
	}
	walk(f.Statements, 0)
	return b.String()
}

// format writes statements back as dhcpd.conf text, one a line.
func format(stmts []*Statement) string {
	var b strings.Builder
	for _, s := range stmts {
		for i, t := range s.Words {
			if i > 0 {
				b.WriteByte(' ')
			}
			if t.Kind == String {
				b.WriteString(quote(t.Text))
			} else {
				b.WriteString(t.Text)
			}
		}
		if s.Block {
			b.WriteString(" {\n" + format(s.Body) + "}\n")
		} else {
			b.WriteString(";\n")
		}
	}
	return b.String()
}

// quote writes s as a dhcpd string: octal escapes for anything but
// printable ASCII, the quote and the backslash.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			fmt.Fprintf(&b, "\\%03o", c)
		} else {
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// shape is a file's statements without positions or comments.
func shape(stmts []*Statement) string {
	var b strings.Builder
	for _, s := range stmts {
		for _, t := range s.Words {
			fmt.Fprintf(&b, "%d%q ", t.Kind, t.Text)
		}
		if s.Block {
			b.WriteString("{" + shape(s.Body) + "}")
		}
		b.WriteString(";")
	}
	return b.String()
}

// FuzzParse parses anything: it must not panic, and whatever it parses,
// written back as text, must parse to the same statements.
func FuzzParse(f *testing.F) {
	for _, file := range golden.Glob(f, "testdata/*.txtar") {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, a := range ar.Files {
			if a.Name == "dhcpd.conf" {
				f.Add(string(a.Data))
			}
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		parsed, err := Parse("f", src)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("an error without a position: %v", err)
			}
			return
		}
		again, err := Parse("f", format(parsed.Statements))
		if err != nil {
			t.Fatalf("written back, it no longer parses: %v\n%s", err, format(parsed.Statements))
		}
		if a, b := shape(parsed.Statements), shape(again.Statements); a != b {
			t.Fatalf("written back, it parses otherwise:\n%s\n%s", a, b)
		}
	})
}

// TestParseControlCharacter: a control character in a word is an error at
// its word (a txtar archive of it would be a binary file).
func TestParseControlCharacter(t *testing.T) {
	_, err := Parse("dhcpd.conf", "option a b\x01c;\n")
	want := `dhcpd.conf:1:10: control character '\x01' in a word`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}
