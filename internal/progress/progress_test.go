package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer the drawing goroutine may write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestMeter: a step that lasts past the delay is drawn with its count and
// cleared at its end; one that ends first is never drawn.
func TestMeter(t *testing.T) {
	var out syncBuffer
	m := New(&out, 0)
	m.Begin("writing", 10)
	m.Add(3)
	time.Sleep(3 * tick)
	m.End()
	got := out.String()
	if !strings.Contains(got, "pxegen: writing 3/10 files") || !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("a long step drew %q, want its count and a cleared line", got)
	}

	var quiet syncBuffer
	m = New(&quiet, time.Hour)
	m.Begin("comparing", 10)
	time.Sleep(3 * tick)
	m.Add(10)
	m.End()
	if quiet.String() != "" {
		t.Errorf("a short step drew %q", quiet.String())
	}

	var nilMeter *Meter // no terminal: counts nothing, and does not panic
	nilMeter.Begin("writing", 1)
	nilMeter.Add(1)
	nilMeter.End()
}
