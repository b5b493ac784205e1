// Package filetree replaces a tree of files on disk with a tree held in
// memory, atomically file by file, and keeps track of which files it
// wrote. It owns the plan (what a run would create, update, leave or
// remove, compared with what is on disk), the manifest of what earlier
// runs wrote, the pending record of a run in progress, the writer, and
// the unified diff of a plan.
//
// It knows nothing of what the files mean: a File's Target is the
// caller's label, carried into the plan's changes, so that the caller can
// say which daemon must reload.
//
// # Crash safety
//
// A run may be killed at any instant (SIGKILL, power loss) and must leave
// every file whole: its complete old or its complete new content, and
// known to the next run as pxegen's own. Apply does this in one batch:
//
//  1. Temporary files a killed run left (".NAME.pxegen-tmp-PID-N") are
//     removed from the directories of the tree and of the manifest.
//  2. Every changed file is written to a temporary file in its own
//     directory: the pending record (the manifest's path plus ".pending",
//     holding for each file this run touches both its old and its new
//     sha256), each new or changed file, and the new manifest.
//  3. First sync: the staged files are made durable before any becomes
//     visible. A failure up to here removes the temporary files and
//     leaves the tree as it was.
//  4. Renames, in order: the pending record first, then every file of the
//     tree (in parallel), then pruned files and the directories they
//     leave empty are removed, then the new manifest.
//  5. The pending record is removed, and a second sync makes the renames
//     and removals durable.
//
// While the pending record exists, both versions of each file it names
// count as pxegen's: a run killed during step 4 leaves some files old and
// some new, and the next run neither calls them hand edits nor loses
// track of them. That run starts again from step 1 and, once it
// completes, replaces the pending record's knowledge with its manifest.
//
// On Linux each sync is one syncfs(2), far cheaper than an fsync per file
// (on ext4 each fsync commits the whole journal). Other Unix systems have
// no syncfs that waits, so there each staged file and each directory
// written to is fsynced instead. The package does not build elsewhere: it
// relies on openat, O_NOFOLLOW and fstat.
package filetree
