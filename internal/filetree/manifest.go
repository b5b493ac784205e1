//go:build unix

package filetree

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Stat is what the manifest remembers of a file beside its hash, as git's
// index does: when lstat(2) still gives exactly this, the file holds the
// content the manifest records, and a run need not read it to know that
// it is unchanged.
//
// A file is trusted by its stat data only to skip it as unchanged. A file
// a run would replace or remove is always read, so that its hash and its
// mark are checked on what is there: an edited manifest whose stat data
// matches someone else's file (anyone can lstat it) can at most make a
// run leave that file alone, never overwrite or remove it.
type Stat struct {
	Size  int64
	Mtime int64 // nanoseconds since the epoch
	Ctime int64 // nanoseconds since the epoch: no one can set it
	Ino   uint64
}

func statOf(st *unix.Stat_t) Stat {
	return Stat{Size: st.Size, Mtime: st.Mtim.Nano(), Ctime: st.Ctim.Nano(), Ino: st.Ino}
}

// before reports whether the file was last changed strictly before the
// filesystem time horizon. Only then may its stat data be recorded: a
// change made later, however quickly, gets a ctime of horizon or after,
// so it cannot leave the stat data as recorded. A file changed in the
// same tick as horizon may be changed again within that tick without a
// trace in its timestamps (git's "racy clean" entries); it is recorded
// without stat data and read by the next run.
func (s Stat) before(horizon int64) bool {
	return horizon > 0 && s.Mtime < horizon && s.Ctime < horizon
}

func (s Stat) String() string {
	return strconv.FormatInt(s.Size, 10) + " " + strconv.FormatInt(s.Mtime, 10) + " " +
		strconv.FormatInt(s.Ctime, 10) + " " + strconv.FormatUint(s.Ino, 10)
}

func parseStat(v string) (Stat, bool) {
	f := strings.Fields(v)
	if len(f) != 4 {
		return Stat{}, false
	}
	var s Stat
	var err [4]error
	s.Size, err[0] = strconv.ParseInt(f[0], 10, 64)
	s.Mtime, err[1] = strconv.ParseInt(f[1], 10, 64)
	s.Ctime, err[2] = strconv.ParseInt(f[2], 10, 64)
	s.Ino, err[3] = strconv.ParseUint(f[3], 10, 64)
	for _, e := range err {
		if e != nil {
			return Stat{}, false
		}
	}
	return s, true
}

// manifestJSON is the manifest as JSON: the hashes, the stat cache (each
// entry "SIZE MTIME CTIME INO", nanoseconds) and the directories. It is
// version 1 still: "stat" is new and optional, so an older pxegen reads
// it and ignores the cache.
type manifestJSON struct {
	Version int               `json:"version"`
	Files   map[string]string `json:"files"`
	Stat    map[string]string `json:"stat,omitempty"`
	Dirs    []string          `json:"dirs,omitempty"`
}

// encodeManifest writes m as indented JSON with sorted keys: the document
// json.MarshalIndent gives for manifestJSON, without building the map of
// stat strings and reflecting over it first (at 100,000 hosts the manifest
// has 300,000 entries, each twice).
func encodeManifest(m Manifest) ([]byte, error) {
	paths := sortedKeys(m.Files)
	var b bytes.Buffer
	b.Grow(len(paths) * 180)
	b.WriteString("{\n  \"version\": ")
	b.WriteString(strconv.Itoa(m.Version))
	b.WriteString(",\n  \"files\": {")
	for i, p := range paths {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("\n    ")
		writeJSONString(&b, p)
		b.WriteString(": ")
		writeJSONString(&b, m.Files[p])
	}
	if len(paths) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteString("}")
	first := true
	for _, p := range sortedKeys(m.Stat) {
		if first {
			b.WriteString(",\n  \"stat\": {")
			first = false
		} else {
			b.WriteByte(',')
		}
		b.WriteString("\n    ")
		writeJSONString(&b, p)
		b.WriteString(": \"")
		b.WriteString(m.Stat[p].String())
		b.WriteString("\"")
	}
	if !first {
		b.WriteString("\n  }")
	}
	if len(m.Dirs) > 0 {
		b.WriteString(",\n  \"dirs\": [")
		for i, d := range m.Dirs {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("\n    ")
			writeJSONString(&b, d)
		}
		b.WriteString("\n  ]")
	}
	b.WriteString("\n}\n")
	return b.Bytes(), nil
}

// writeJSONString writes s quoted: as it is when nothing in it needs
// escaping (every path pxegen renders), else as encoding/json quotes it.
func writeJSONString(b *bytes.Buffer, s string) {
	if plain(s) {
		b.WriteByte('"')
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	q, _ := json.Marshal(s) // a string always marshals
	b.Write(q)
}

// plain reports whether s needs no escape in JSON, as encoding/json
// writes it (which also escapes <, > and &).
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// decodeManifest reads a manifest, of this release or an older one
// (without stat data: every file is read). The layout encodeManifest
// writes is read line by line, several times faster than encoding/json;
// anything else (edited by hand, or escaped) is read by encoding/json,
// which decides what a manifest means.
func decodeManifest(data []byte) (Manifest, error) {
	if m, ok := decodeFast(data); ok {
		return m, nil
	}
	var j manifestJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return Manifest{}, err
	}
	if j.Version != 1 || j.Files == nil {
		return Manifest{}, fmt.Errorf("version %d, want 1, with files", j.Version)
	}
	m := Manifest{Version: j.Version, Files: j.Files}
	if len(j.Dirs) > 0 {
		m.Dirs = j.Dirs
	}
	for p, v := range j.Stat {
		// A stat entry that does not parse, or names no file, is no
		// cache: the file is read.
		if s, ok := parseStat(v); ok {
			if _, known := m.Files[p]; known {
				if m.Stat == nil {
					m.Stat = map[string]Stat{}
				}
				m.Stat[p] = s
			}
		}
	}
	return m, nil
}

// decodeFast reads exactly the layout encodeManifest writes for plain
// strings, and gives up (false) at the first byte that differs from it.
func decodeFast(data []byte) (Manifest, bool) {
	const head = "{\n  \"version\": 1,\n  \"files\": {"
	if !bytes.HasPrefix(data, []byte(head)) || !bytes.HasSuffix(data, []byte("\n}\n")) {
		return Manifest{}, false
	}
	rest := data[len(head):]
	m := Manifest{Version: 1, Files: make(map[string]string, bytes.Count(rest, []byte("\n"))/2)}
	// list reads `\n    ITEM,\n    ITEM\n  END` (or END at once, for an
	// empty one) and calls f with each ITEM.
	list := func(end string, f func(item []byte) bool) bool {
		if bytes.HasPrefix(rest, []byte(end[len(end)-1:])) {
			rest = rest[1:]
			return true
		}
		for {
			if !bytes.HasPrefix(rest, []byte("\n    ")) {
				return false
			}
			rest = rest[len("\n    "):]
			n := bytes.IndexByte(rest, '\n')
			if n < 0 {
				return false
			}
			item := rest[:n]
			rest = rest[n:]
			last := !bytes.HasSuffix(item, []byte(","))
			if !last {
				item = item[:len(item)-1]
			}
			if !f(item) {
				return false
			}
			if last {
				if !bytes.HasPrefix(rest, []byte(end)) {
					return false
				}
				rest = rest[len(end):]
				return true
			}
		}
	}
	pairs := func(f func(k, v string) bool) bool {
		return list("\n  }", func(item []byte) bool {
			k, v, ok := bytes.Cut(item, []byte(": "))
			if !ok {
				return false
			}
			ks, ok1 := quoted(k)
			vs, ok2 := quoted(v)
			return ok1 && ok2 && f(ks, vs)
		})
	}
	if !pairs(func(k, v string) bool {
		if _, dup := m.Files[k]; dup {
			return false
		}
		m.Files[k] = v
		return true
	}) {
		return Manifest{}, false
	}
	if bytes.HasPrefix(rest, []byte(",\n  \"stat\": {")) {
		rest = rest[len(",\n  \"stat\": {"):]
		m.Stat = make(map[string]Stat, len(m.Files))
		if !pairs(func(k, v string) bool {
			s, ok := parseStat(v)
			if _, known := m.Files[k]; !ok || !known {
				return false // encoding/json's reading drops it
			}
			if _, dup := m.Stat[k]; dup {
				return false
			}
			m.Stat[k] = s
			return true
		}) {
			return Manifest{}, false
		}
	}
	if bytes.HasPrefix(rest, []byte(",\n  \"dirs\": [")) {
		rest = rest[len(",\n  \"dirs\": ["):]
		if !list("\n  ]", func(item []byte) bool {
			d, ok := quoted(item)
			m.Dirs = append(m.Dirs, d)
			return ok
		}) {
			return Manifest{}, false
		}
	}
	if len(m.Stat) == 0 {
		m.Stat = nil
	}
	return m, string(rest) == "\n}\n"
}

// quoted reads a JSON string that needs no unescaping; anything else
// (an escape, a control character, bytes that are not ASCII) is left to
// encoding/json.
func quoted(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	s := b[1 : len(b)-1]
	for _, c := range s {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return "", false
		}
	}
	return string(s), true
}
