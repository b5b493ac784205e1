// Package progress shows how far a long step has got on one line of a
// terminal: "pxegen: writing 12000/30015 files". It draws nothing until a
// step has run for a while, so short runs print nothing at all, and it
// clears its line when the step ends.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Meter counts one step at a time. A nil *Meter counts nothing, so callers
// need not ask whether there is a terminal.
type Meter struct {
	w     io.Writer
	delay time.Duration

	mu    sync.Mutex
	step  string
	total int
	start time.Time
	shown bool
	quit  chan struct{}
	ended chan struct{}
	done  atomic.Int64
}

// How often the line is redrawn.
const tick = 100 * time.Millisecond

// New returns a Meter that draws on w once a step has run for delay.
func New(w io.Writer, delay time.Duration) *Meter {
	return &Meter{w: w, delay: delay}
}

// Terminal reports whether w is a terminal that can redraw a line: a
// file for which the terminal ioctl succeeds (not a pipe, a file or
// /dev/null), and TERM is not dumb.
func Terminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// Begin starts counting step (a verb: "writing") towards total items;
// with a total of 0 the line names the step alone. It ends the step
// before it.
func (m *Meter) Begin(step string, total int) {
	if m == nil {
		return
	}
	m.End()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.step, m.total, m.start, m.shown = step, total, time.Now(), false
	m.done.Store(0)
	m.quit, m.ended = make(chan struct{}), make(chan struct{})
	if m.delay <= 0 {
		m.line() // at once: no step is too short for a meter without delay
	}
	go m.draw(m.quit, m.ended)
}

// Add counts n more items done; safe from any goroutine.
func (m *Meter) Add(n int) {
	if m != nil {
		m.done.Add(int64(n))
	}
}

// End stops the step and clears its line if it was drawn.
func (m *Meter) End() {
	if m == nil {
		return
	}
	m.mu.Lock()
	quit, ended := m.quit, m.ended
	m.quit, m.ended = nil, nil
	m.mu.Unlock()
	if quit == nil {
		return
	}
	close(quit)
	<-ended
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shown {
		fmt.Fprint(m.w, "\r\x1b[K")
		m.shown = false
	}
}

func (m *Meter) draw(quit <-chan struct{}, ended chan<- struct{}) {
	defer close(ended)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-quit:
			return
		case <-t.C:
		}
		m.mu.Lock()
		if time.Since(m.start) >= m.delay {
			m.line()
		}
		m.mu.Unlock()
	}
}

// line draws the step's line over the last one; m.mu is held.
func (m *Meter) line() {
	if m.total > 0 {
		fmt.Fprintf(m.w, "\r\x1b[Kpxegen: %s %d/%d files", m.step, m.done.Load(), m.total)
	} else {
		fmt.Fprintf(m.w, "\r\x1b[Kpxegen: %s", m.step)
	}
	m.shown = true
}
