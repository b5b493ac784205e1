package filetree

import (
	"fmt"
	"path"

	"golang.org/x/sys/unix"
)

// Owned is a file of someone else's that pxegen reads, with who owns it
// and who may write it: a file the site owns, which a daemon will read.
type Owned struct {
	Data []byte
	UID  uint32
	Mode uint32 // the permission bits
}

// ReadOwned reads the regular file rel (slash-separated, relative, clean)
// below root as pxegen reads a tree: through no symbolic link at any
// level, no FIFO or device, nothing over MaxFileSize. A missing file, or
// directory on the way, wraps fs.ErrNotExist. Owner and mode come from
// the file read, not from a second look at its name.
func ReadOwned(root, rel string) (Owned, error) {
	d, err := openDirTree(root)
	if err != nil {
		return Owned{}, err
	}
	defer d.close()
	fd, st, err := d.openRegular(path.Clean(rel))
	if err != nil {
		return Owned{}, err
	}
	defer unix.Close(fd)
	size := st.Size
	data := make([]byte, size+1)
	n, err := readFull(fd, data)
	if err != nil {
		return Owned{}, fmt.Errorf("read %s: %w", Escape(rel), err)
	}
	if n > int(size) {
		return Owned{}, fmt.Errorf("read %s: it grew while pxegen read it", Escape(rel))
	}
	return Owned{Data: data[:n], UID: st.Uid, Mode: uint32(st.Mode) & 0o7777}, nil
}
