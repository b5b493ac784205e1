//go:build unix

package filetree

import (
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

// encodeManifest writes m as indented JSON with sorted keys.
func encodeManifest(m Manifest) ([]byte, error) {
	j := manifestJSON{Version: m.Version, Files: m.Files, Dirs: m.Dirs}
	if len(m.Stat) > 0 {
		j.Stat = make(map[string]string, len(m.Stat))
		for p, s := range m.Stat {
			j.Stat[p] = s.String()
		}
	}
	data, err := json.MarshalIndent(j, "", "  ")
	return append(data, '\n'), err
}

// decodeManifest reads a manifest, of this release or an older one
// (without stat data: every file is read).
func decodeManifest(data []byte) (Manifest, error) {
	var j manifestJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return Manifest{}, err
	}
	if j.Version != 1 || j.Files == nil {
		return Manifest{}, fmt.Errorf("version %d, want 1, with files", j.Version)
	}
	m := Manifest{Version: j.Version, Files: j.Files, Dirs: j.Dirs}
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
