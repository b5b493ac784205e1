package filetree

import (
	"fmt"
	"io"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"
)

// WriteDiff writes a unified diff of every change in the plan: new files
// as additions from /dev/null, pruned files as deletions to it. With
// colour, headers are bold, removals red, additions green and hunk
// markers cyan.
func (p *Plan) WriteDiff(w io.Writer, colour bool) error {
	for _, c := range p.Changes {
		from, to := "a/"+c.Path, "b/"+c.Path
		switch c.Action {
		case Unchanged:
			continue
		case Create:
			from = "/dev/null"
		case Remove:
			to = "/dev/null"
		}
		old, new := string(c.Old), string(c.New)
		text, err := udiff.ToUnified(from, to, old, udiff.Strings(old, new), udiff.DefaultContextLines)
		if err != nil {
			return fmt.Errorf("diff %s: %w", c.Path, err)
		}
		if colour {
			text = colourise(text)
		}
		if _, err := io.WriteString(w, text); err != nil {
			return err
		}
	}
	return nil
}

// WriteStat writes one line per changed file and a summary line, which
// ends with note: the caller's word on what the changes mean (which
// daemons must reload, say).
func (p *Plan) WriteStat(w io.Writer, note string) error {
	for _, c := range p.Changes {
		if c.Action == Unchanged {
			continue
		}
		added, removed := lineCounts(c)
		if _, err := fmt.Fprintf(w, "%-6s %s (+%d -%d)\n", c.Action, c.Path, added, removed); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "%d to create, %d to update, %d to remove, %d unchanged%s\n",
		p.Count(Create), p.Count(Update), p.Count(Remove), p.Count(Unchanged), note)
	return err
}

func lineCounts(c Change) (added, removed int) {
	for _, e := range udiff.Lines(string(c.Old), string(c.New)) {
		removed += strings.Count(string(c.Old[e.Start:e.End]), "\n")
		added += strings.Count(e.New, "\n")
	}
	return added, removed
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
