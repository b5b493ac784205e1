// Package filetree replaces a tree of files on disk with a tree held in
// memory, atomically file by file, and keeps track of which files it
// wrote. It owns the plan (what a run would create, update, leave or
// remove, compared with what is on disk), the manifest of what earlier
// runs wrote, the pending record of a run in progress, the lock, the
// backups of files taken over, the writer, and the unified diff of a plan.
//
// It knows nothing of what the files mean: a File's Target is the
// caller's label, carried into the plan's changes, so that the caller can
// say which daemon must reload; the mark (PlanOptions.Mark) is the
// caller's text.
//
// # Trust nothing on disk
//
// The tree may hold what others wrote: a TFTP root writable by others, a
// manifest edited by hand, a killed run's leftovers. So:
//
//   - No symbolic link below the root is followed, wherever it leads: each
//     directory is opened relative to its parent's descriptor with
//     O_NOFOLLOW, and a link in the path of any file written, removed or
//     read is an error naming it (LinkError). The root itself is opened
//     once, by the path given, and stays that directory for the whole run.
//   - Only regular files of at most MaxFileSize bytes are read, opened with
//     O_NONBLOCK and checked with fstat: a FIFO cannot hang a run, a
//     sparse 1 TiB file cannot exhaust memory.
//   - A file is replaced only if the manifest (or a killed run's pending
//     record) says pxegen wrote exactly its content and the content
//     carries the mark; removed (with Prune) only on the same terms. A
//     file that fails this is a Conflict: without Force nothing is
//     written. Force replaces it, or removes a marked one, after copying
//     its content into a backup directory beside the manifest
//     (MANIFEST.backup/STAMP/PATH, mode 0600). A file without the mark is
//     never removed, even with Force: the manifest alone proves nothing.
//   - The manifest's stat cache (Manifest.Stat: size, mtime, ctime and
//     inode, as git's index keeps them) only ever spares reading a file
//     whose content is to stay as the manifest records it. A file a run
//     would replace or remove is always read, and its hash and mark
//     checked on what is there: forged stat data can at most make a run
//     leave a file alone. Stat data of a file the run read is recorded
//     only if it last changed strictly before the run began, by the clock
//     of the file's own filesystem (timestamps tick once a second on
//     some), so a change made since, however quick, shows in the ctime.
//     A file the run wrote is recorded only if, after its renames, it is
//     still the inode, size and mtime the run wrote, its directory's
//     clock had passed that mtime before the renames (so any later write
//     has a later mtime), and it last changed before a time that clock
//     passed after them.
//   - Directories are removed only when the manifest records that pxegen
//     created them and pruning leaves them empty (rmdir, never a tree).
//   - The whole run, from reading the tree to the end of Apply, holds a
//     flock(2) on the root directory: exclusive to write, shared to show
//     a plan. A run that finds it taken refuses at once, naming the
//     holder's pid and command line from /proc/locks (LockedError).
//
// # Crash safety
//
// A run may be killed at any instant (SIGKILL, power loss) and must leave
// every file whole: its complete old or its complete new content, and
// known to the next run as pxegen's own. Apply does this in one batch:
//
//  1. Temporary files a killed run left (".NAME.pxegen-tmp-PID-N", regular
//     files only) are removed from every directory it could have written
//     to: those of the new tree, of every file the manifest and the
//     pending record name, of the directories the manifest records, and
//     the manifest's own.
//  2. Missing directories are created; backups of files Force takes over
//     are written; every changed file is written to a temporary file in
//     its own directory: the pending record (the manifest's path plus
//     ".pending", holding for each file this run touches both its old and
//     its new sha256, and the directories it creates), each new or changed
//     file, and the new manifest.
//  3. First sync: the staged files and backups are made durable before
//     any becomes visible. A failure up to here removes the temporary
//     files, the backups and the directories the run created, and leaves
//     the tree as it was.
//  4. Renames, in order: the pending record first, then every file of the
//     tree (in parallel), then pruned files and the directories they
//     leave empty are removed, then the new manifest.
//  5. The pending record is removed, and a second sync makes the renames
//     and removals durable.
//
// While the pending record exists, both versions of each file it names
// count as pxegen's: a run killed during step 4 leaves some files old and
// some new, and the next run neither calls them hand edits nor loses
// track of them. That run treats the files the pending record names like
// the manifest's: with Prune it removes those the new tree does not have,
// without Prune it keeps tracking them. Once it completes, its manifest
// replaces the pending record's knowledge.
//
// On Linux each sync is one syncfs(2) per filesystem written to, far
// cheaper than an fsync per file (on ext4 each fsync commits the whole
// journal). Other Unix systems have no syncfs that waits, so there each
// staged file and each directory written to is fsynced instead, and the
// lock's holder is not named. The package does not build elsewhere: it
// relies on openat, O_NOFOLLOW, fstat and flock.
package filetree
