# Prints what failed in a `go test -v` log: each message a test logged
# that is not a progress line ("check ..." or "vm NAME: ... booted"), with
# its continuation lines, and the --- FAIL lines. CI shows the end of its
# output, so the Makefile prints this last, after the whole log.
/^ +[a-z_]+_test\.go:[0-9]+: / {
	keep = $0 !~ /_test\.go:[0-9]+: (check |vm [a-z0-9-]+: )/
	lines = 0
	if (keep) print
	next
}
/^(=== |--- PASS|--- SKIP|PASS$|ok )/ { keep = 0; next }
/^ *(--- FAIL|FAIL)/ { print; keep = 0; next }
keep && lines++ < 40 { print }
