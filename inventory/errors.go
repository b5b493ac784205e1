package inventory

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Pos is a position in the inventory file. Col is 0 when the YAML parser
// reported only a line.
type Pos struct {
	Line, Col int
}

// Error is one problem found in an inventory, in the compiler's form
// "FILE:LINE:COL: PATH: MESSAGE".
type Error struct {
	File string
	Pos  Pos
	Path string // the key path, e.g. hosts[3].mac; empty for syntax errors
	Msg  string
	// Target is the DHCP or TFTP server (targets.dhcp, targets.tftp) that
	// cannot do what the inventory asks here, where the others can; empty
	// for a problem whatever the targets.
	Target string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Pos.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Pos.Line)
		if e.Pos.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Pos.Col)
		}
	}
	b.WriteString(": ")
	if e.Path != "" {
		// A path holds the inventory's own keys, which may hold anything.
		b.WriteString(escapeControls(e.Path))
		b.WriteString(": ")
	}
	b.WriteString(escapeControls(e.Msg))
	return b.String()
}

// escapeControls writes control characters as Go escapes, so that no value
// quoted in a message can start a line of its own or drive a terminal.
func escapeControls(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 }

// ErrorList is every problem found in one inventory. Load and Validate
// return it so that a user fixes all problems in one pass.
type ErrorList []*Error

func (l ErrorList) Error() string {
	lines := make([]string, len(l))
	for i, e := range l {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// OnlyFor reports whether every problem in l is one that target alone has
// (see Error.Target): the inventory is valid for the other servers.
func (l ErrorList) OnlyFor(target string) bool {
	for _, e := range l {
		if e.Target != target {
			return false
		}
	}
	return len(l) > 0
}

// sort orders the list by position, then path and message, so that output
// is stable whatever order the checks ran in.
func (l ErrorList) sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.Pos.Line != b.Pos.Line {
			return a.Pos.Line < b.Pos.Line
		}
		if a.Pos.Col != b.Pos.Col {
			return a.Pos.Col < b.Pos.Col
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Msg < b.Msg
	})
}

// err returns the list sorted and without repeats (an alias can make the
// decoder report one problem many times), or nil when it is empty.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	l.sort()
	out := l[:1]
	for _, e := range l[1:] {
		if prev := out[len(out)-1]; *prev != *e {
			out = append(out, e)
		}
	}
	return out
}

// without returns the errors of l that are not at or below the path of an
// error in other.
func (l ErrorList) without(other ErrorList) ErrorList {
	var kept ErrorList
	for _, e := range l {
		covered := false
		for _, o := range other {
			if o.Path != "" && (e.Path == o.Path || strings.HasPrefix(e.Path, o.Path+".") || strings.HasPrefix(e.Path, o.Path+"[")) {
				covered = true
				break
			}
		}
		if !covered {
			kept = append(kept, e)
		}
	}
	return kept
}

// at reports whether an error in l is at the key path p itself.
func (l ErrorList) at(p string) bool {
	for _, e := range l {
		if e.Path == p {
			return true
		}
	}
	return false
}

// withoutMessage returns the errors of l whose message does not start with
// prefix.
func (l ErrorList) withoutMessage(prefix string) ErrorList {
	var kept ErrorList
	for _, e := range l {
		if !strings.HasPrefix(e.Msg, prefix) {
			kept = append(kept, e)
		}
	}
	return kept
}
