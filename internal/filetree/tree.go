//go:build unix

package filetree

// File is one file of a tree. Path is slash-separated and relative to the
// output root; Target is the caller's label for what produced it, carried
// into the plan's changes and otherwise ignored.
type File struct {
	Path   string
	Data   []byte
	Target string
}

// Tree is a set of files, sorted by path.
type Tree []File
