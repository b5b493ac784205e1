//go:build unix && !linux

package filetree

// lockHolder cannot name the holder where there is no /proc/locks.
func lockHolder(int) string { return "" }
