//go:build unix

package filetree

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	udiff "github.com/aymanbagabas/go-udiff"
)

// WriteDiff writes a unified diff of every change in the plan: new files
// as additions from /dev/null, pruned files as deletions to it. With
// colour, headers are bold, removals red, additions green and hunk
// markers cyan. Control characters in names and content are escaped (see
// Escape). Old contents are read one file at a time, as the diff is
// written, so a diff of a large tree holds one old file in memory.
func (p *Plan) WriteDiff(w io.Writer, colour bool) error {
	for _, c := range p.Changes {
		name := Escape(c.Path)
		from, to := "a/"+name, "b/"+name
		switch c.Action {
		case Unchanged:
			continue
		case Create:
			from = "/dev/null"
		case Remove:
			to = "/dev/null"
		}
		old, err := p.old(c)
		if err != nil {
			return err
		}
		// Line by line: edits inside lines would split a file that is not
		// UTF-8 (a hostile one) at byte offsets that do not exist.
		text, err := udiff.ToUnified(from, to, old, udiff.Lines(old, string(c.New)), udiff.DefaultContextLines)
		if err != nil {
			return fmt.Errorf("diff %s: %w", name, err)
		}
		text = escapeText(text)
		if colour {
			text = colourise(text)
		}
		if _, err := io.WriteString(w, text); err != nil {
			return err
		}
	}
	return nil
}

// old reads the content c replaces or removes, which must still be what
// the plan saw.
func (p *Plan) old(c Change) (string, error) {
	if c.OldSHA256 == "" {
		return "", nil
	}
	if c.OldSHA256 == c.SHA256 && c.New != nil {
		return string(c.New), nil
	}
	if p.t == nil {
		return "", fmt.Errorf("diff %s: the plan is closed", Escape(c.Path))
	}
	data, _, err := p.t.readFile(c.Path)
	if err != nil {
		return "", err
	}
	if sum(data) != c.OldSHA256 {
		return "", fmt.Errorf("diff %s: it changed while pxegen read the tree; run again", Escape(c.Path))
	}
	return string(data), nil
}

// WriteStat writes one line per changed file and a summary line, which
// ends with note: the caller's word on what the changes mean (which
// daemons must reload, say).
func (p *Plan) WriteStat(w io.Writer, note string) error {
	for _, c := range p.Changes {
		if c.Action == Unchanged {
			continue
		}
		old, err := p.old(c)
		if err != nil {
			return err
		}
		added, removed := lineCounts(old, string(c.New))
		if _, err := fmt.Fprintf(w, "%-6s %s (+%d -%d)\n", c.Action, Escape(c.Path), added, removed); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d to create, %d to update, %d to remove, %d unchanged%s\n",
		p.Count(Create), p.Count(Update), p.Count(Remove), p.Count(Unchanged), note)
	return err
}

func lineCounts(old, new string) (added, removed int) {
	for _, e := range udiff.Lines(old, new) {
		removed += strings.Count(old[e.Start:e.End], "\n")
		added += strings.Count(e.New, "\n")
	}
	return added, removed
}

// Escape makes a name safe to print on a terminal, on one line: control
// characters (newline and tab included), DEL, the C1 controls (0x9b is a
// CSI on some terminals), Unicode's bidirectional formatting characters,
// its line and paragraph separators and bytes that are not UTF-8 are
// written as Go escapes (\x1b, \u202e), so that a hostile name cannot
// move the cursor, retitle the window, forge a line or reorder what the
// reader sees.
func Escape(s string) string { return escape(s, false) }

// escapeText is Escape for file content: tabs and newlines stay.
func escapeText(s string) string { return escape(s, true) }

func escape(s string, text bool) string {
	bad := func(r rune) bool {
		switch {
		case text && (r == '\n' || r == '\t'):
			return false
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0, r == utf8.RuneError:
			return true
		case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
			return true
		case r == 0x2028, r == 0x2029: // line and paragraph separators: YAML breaks a line there
			return true
		}
		return false
	}
	clean := true
	for _, r := range s {
		if bad(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case bad(r) && r < 0x80:
			fmt.Fprintf(&b, "\\x%02x", r)
		case bad(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

const (
	bold  = "\x1b[1m"
	red   = "\x1b[31m"
	green = "\x1b[32m"
	cyan  = "\x1b[36m"
	reset = "\x1b[0m"
)

func colourise(text string) string {
	lines := strings.SplitAfter(text, "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "--- "), strings.HasPrefix(l, "+++ "):
			lines[i] = bold + strings.TrimSuffix(l, "\n") + reset + "\n"
		case strings.HasPrefix(l, "@@"):
			lines[i] = cyan + strings.TrimSuffix(l, "\n") + reset + "\n"
		case strings.HasPrefix(l, "-"):
			lines[i] = red + strings.TrimSuffix(l, "\n") + reset + "\n"
		case strings.HasPrefix(l, "+"):
			lines[i] = green + strings.TrimSuffix(l, "\n") + reset + "\n"
		}
	}
	return strings.Join(lines, "")
}
