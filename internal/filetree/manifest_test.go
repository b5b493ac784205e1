package filetree

import (
	"encoding/json"
	"reflect"
	"testing"
)

// slowDecode is decodeManifest without its fast path.
func slowDecode(data []byte) (Manifest, error) {
	var j manifestJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return Manifest{}, err
	}
	return decodeManifest(mustMarshal(j, "\t")) // a layout the fast path refuses
}

func mustMarshal(j manifestJSON, indent string) []byte {
	data, err := json.MarshalIndent(j, "", indent)
	if err != nil {
		panic(err)
	}
	return append(data, '\n')
}

func manifestCases() []Manifest {
	return []Manifest{
		{Version: 1, Files: map[string]string{}},
		{Version: 1, Files: map[string]string{"a": "h1"}},
		{Version: 1, Files: map[string]string{"srv/b": "h2", "etc/a": "h1"}, Dirs: []string{"srv", "etc"},
			Stat: map[string]Stat{"srv/b": {Size: 7, Mtime: 1, Ctime: 2, Ino: 3}}},
		{Version: 1, Files: map[string]string{"x<y>&z": "h", "ünï": "h", "q\"uote": "h", "back\\slash": "h", "tab\t": "h"},
			Stat: map[string]Stat{"x<y>&z": {Size: 1, Mtime: -5, Ctime: 9, Ino: 1 << 63}}, Dirs: []string{"d<1>"}},
	}
}

// The manifest is what encoding/json writes and reads, however it is
// written and read.
func TestManifestEncodingIsEncodingJSONs(t *testing.T) {
	for _, m := range manifestCases() {
		got, err := encodeManifest(m)
		if err != nil {
			t.Fatal(err)
		}
		j := manifestJSON{Version: m.Version, Files: m.Files, Dirs: m.Dirs}
		for p, s := range m.Stat {
			if j.Stat == nil {
				j.Stat = map[string]string{}
			}
			j.Stat[p] = s.String()
		}
		if want := mustMarshal(j, "  "); string(got) != string(want) {
			t.Errorf("encodeManifest:\n%s\nencoding/json:\n%s", got, want)
		}
		back, err := decodeManifest(got)
		if err != nil || !reflect.DeepEqual(back, m) {
			t.Errorf("decoded %+v (%v), want %+v", back, err, m)
		}
		// Any other layout means the same.
		other, err := decodeManifest(mustMarshal(j, "\t"))
		if err != nil || !reflect.DeepEqual(other, m) {
			t.Errorf("decoded from another layout %+v (%v), want %+v", other, err, m)
		}
	}
}

func FuzzDecodeManifest(f *testing.F) {
	for _, m := range manifestCases() {
		data, _ := encodeManifest(m)
		f.Add(data)
	}
	f.Add([]byte("{\n  \"version\": 1,\n  \"files\": {\n    \"a\": \"h\",\n    \"a\": \"g\"\n  }\n}\n"))
	f.Add([]byte("{\n  \"version\": 1,\n  \"files\": {\n    \"a\": \"h\"\n  },\n  \"stat\": {\n    \"b\": \"1 2 3 4\"\n  }\n}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := decodeFast(data)
		if !ok {
			return
		}
		slow, err := slowDecode(data)
		if err != nil {
			t.Fatalf("the fast path read what encoding/json refuses (%v): %q", err, data)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("fast %+v, encoding/json %+v, of %q", fast, slow, data)
		}
	})
}
