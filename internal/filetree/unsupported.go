//go:build !unix

package filetree

// The writer opens every file relative to its directory's descriptor
// without following links (openat with O_NOFOLLOW), reads only what fstat
// says is a regular file, and locks with flock: there is no portable
// equivalent. Building for a system without them stops here.
var _ = filetree_needs_a_unix_system
