package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/inventory"
	"github.com/pxegen/pxegen/verify"
)

// Exit codes, documented in the README. diff follows diff(1) instead: 0
// nothing would change, 1 something would, 2 trouble.
const (
	exitOK       = 0 // success
	exitInvalid  = 1 // the inventory or a template override is wrong; nothing was written
	exitError    = 2 // bad usage, or reading or writing files failed
	exitReject   = 3 // a daemon's own check rejected a generated file; nothing was written
	exitConflict = 4 // a file pxegen would replace or remove was edited by hand; nothing was written
)

const defaultInventory = "pxegen.yaml"

// version is set at build time with -ldflags "-X main.version=..."; without
// it, the module version from the build info is used.
var version = ""

var (
	// errRejected reports that verification failed; the results are printed.
	errRejected = errors.New("a daemon rejected a generated file")
	// errDiffers makes diff exit 1: something would change.
	errDiffers = errors.New("differences found")
)

// diffError is any failure of the diff command, which exits 2 for all of
// them, as diff(1) does.
type diffError struct{ err error }

func (e *diffError) Error() string { return e.err.Error() }
func (e *diffError) Unwrap() error { return e.err }

// run is the whole command line: it builds the app with the given writers,
// runs it, and is the only place that prints an error and picks the exit
// code.
func run(args []string, stdout, stderr io.Writer) int {
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft limit: the collector works harder before the heap passes
		// it, which keeps 100,000 hosts under 1 GiB. GOMEMLIMIT overrides.
		debug.SetMemoryLimit(768 << 20)
	}
	err := newApp(stdout, stderr).Run(args)
	var list inventory.ErrorList
	var tmpl *generate.TemplateError
	var conflict *filetree.ConflictError
	var diffErr *diffError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errDiffers):
		return 1
	case errors.As(err, &list):
		fmt.Fprintln(stderr, list.Error())
		noun := "problems"
		if len(list) == 1 {
			noun = "problem"
		}
		fmt.Fprintf(stderr, "pxegen: %d %s in %s; nothing written\n", len(list), noun, list[0].File)
		if errors.As(err, &diffErr) {
			return exitError
		}
		return exitInvalid
	case errors.As(err, &diffErr):
		fmt.Fprintf(stderr, "pxegen: %v\n", err)
		return exitError
	case errors.As(err, &tmpl):
		fmt.Fprintf(stderr, "pxegen: %v; nothing written\n", err)
		return exitInvalid
	case errors.Is(err, errRejected):
		fmt.Fprintf(stderr, "pxegen: %v\n", err)
		return exitReject
	case errors.As(err, &conflict):
		for _, c := range conflict.Conflicts {
			fmt.Fprintf(stderr, "pxegen: %s: %s\n", filetree.Escape(c.Path), c.Reason)
		}
		fmt.Fprintf(stderr, "pxegen: %d %s in the way; nothing written (--force replaces them, keeping a backup of each)\n",
			len(conflict.Conflicts), plural(len(conflict.Conflicts), "file", "files"))
		return exitConflict
	}
	fmt.Fprintf(stderr, "pxegen: %v\n", err)
	return exitError
}

func newApp(stdout, stderr io.Writer) *cli.App {
	inventoryFlag := &cli.StringFlag{
		Name: "inventory", Aliases: []string{"i"}, EnvVars: []string{"PXEGEN_INVENTORY"},
		Value: defaultInventory, Usage: "the inventory `FILE`",
	}
	templatesFlag := &cli.StringFlag{
		Name: "templates", Usage: "replace embedded templates with the files of the same relative path under `DIR`",
	}
	targetFlags := []cli.Flag{
		&cli.StringFlag{Name: "target", Usage: "write for DHCP server `NAME` (" + strings.Join(inventory.DHCPTargets, ", ") + "), whatever the inventory's targets.dhcp says"},
		&cli.StringFlag{Name: "tftp", Usage: "serve TFTP with `NAME` (" + strings.Join(inventory.TFTPTargets, ", ") + "), whatever the inventory's targets.tftp says"},
	}
	formatFlag := &cli.StringFlag{Name: "format", Value: "text", Usage: "`text` or json"}
	pruneFlag := &cli.BoolFlag{Name: "prune", Usage: "remove files pxegen wrote that the inventory no longer produces"}
	return &cli.App{
		Name:            "pxegen",
		Usage:           "generate dhcpd, TFTP, Apache, PXELINUX and iPXE files for network boot from one inventory",
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		// run reports errors and picks exit codes; cli must not exit itself.
		ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{
			{
				Name:  "render",
				Usage: "validate the inventory, render every file in memory, then write the changed ones under --out",
				Flags: append([]cli.Flag{
					inventoryFlag,
					&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Required: true, Usage: "write the tree under `DIR`"},
					templatesFlag,
					pruneFlag,
					&cli.BoolFlag{Name: "force", Usage: "replace or remove managed files even if they were edited by hand"},
					&cli.BoolFlag{Name: "dry-run", Usage: "say what would be written, removed and reloaded; write nothing"},
					&cli.BoolFlag{Name: "verify", Usage: "run the daemons' own checks on a staging copy first; write nothing if one fails"},
					formatFlag,
				}, targetFlags...),
				Action: func(c *cli.Context) error {
					format, err := outputFormat(c)
					if err != nil {
						return err
					}
					inv, tree, err := renderInventory(c)
					if err != nil {
						return err
					}
					if c.Bool("verify") {
						// Keep stdout a single JSON document.
						w := stdout
						if format == "json" {
							w = stderr
						}
						if err := verifyStaged(c.Context, w, inv, tree, c.String("out")); err != nil {
							return err
						}
					}
					lock := filetree.ExclusiveLock
					if c.Bool("dry-run") {
						lock = filetree.SharedLock
					}
					plan, err := filetree.NewPlan(c.String("out"), tree, planOptions(inv, c.Bool("prune"), c.Bool("force"), lock))
					if err != nil {
						return err
					}
					defer plan.Close()
					if !c.Bool("dry-run") {
						if err := plan.Apply(); err != nil {
							return err
						}
					}
					warnUntracked(stderr, plan)
					return printRender(stdout, format, plan, c.Bool("dry-run"))
				},
			},
			{
				Name:  "check",
				Usage: "validate the inventory and render in memory; write nothing",
				Flags: append([]cli.Flag{inventoryFlag, templatesFlag}, targetFlags...),
				Action: func(c *cli.Context) error {
					path := inventoryPath(c)
					_, tree, err := renderInventory(c)
					if err != nil {
						return err
					}
					fmt.Fprintf(stdout, "pxegen: %s is valid: %d files would be written\n", path, len(tree))
					return nil
				},
			},
			{
				Name:  "diff",
				Usage: "show what render would change under --root as a unified diff; exit 0 if nothing, 1 if something, 2 on error",
				Flags: append([]cli.Flag{
					inventoryFlag,
					&cli.StringFlag{Name: "root", Required: true, Usage: "compare with the tree under `DIR` (/ on the boot server)"},
					templatesFlag,
					pruneFlag,
					&cli.BoolFlag{Name: "stat", Usage: "one line per file and a summary instead of the diff"},
				}, targetFlags...),
				Action: func(c *cli.Context) error {
					if err := diff(c, stdout, stderr); err != nil && !errors.Is(err, errDiffers) {
						return &diffError{err}
					} else if err != nil {
						return err
					}
					return nil
				},
			},
			{
				Name:  "verify",
				Usage: "run the DHCP server's, Apache's and the TFTP server's own checks on a private rendering, and check that --out holds the same files",
				Flags: append([]cli.Flag{
					inventoryFlag,
					&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Required: true, Usage: "the rendered tree in `DIR`"},
					templatesFlag,
				}, targetFlags...),
				Action: func(c *cli.Context) error {
					inv, tree, err := renderInventory(c)
					if err != nil {
						return err
					}
					return verifyTree(c.Context, stdout, inv, tree, c.String("out"))
				},
			},
			{
				Name:  "explain",
				Usage: "simulate one client's boot chain from the inventory: each DHCP answer, script and file, and what finally boots",
				Flags: append([]cli.Flag{
					inventoryFlag,
					templatesFlag,
					&cli.StringFlag{Name: "mac", Required: true, Usage: "the client's `MAC` address"},
					&cli.StringFlag{Name: "ip", Usage: "the `ADDRESS` it gets (needed unless the MAC is a host's with a fixed address)"},
					&cli.StringFlag{Name: "arch", Value: generate.ArchUEFI, Usage: "its firmware: `ARCH` is " + strings.Join(generate.Arches, ", ")},
					formatFlag,
				}, targetFlags...),
				Action: func(c *cli.Context) error {
					format, err := outputFormat(c)
					if err != nil {
						return err
					}
					inv, tree, err := renderInventory(c, inventory.KeepPositions())
					if err != nil {
						return err
					}
					e, err := generate.Explain(inv, tree, generate.Query{MAC: c.String("mac"), IP: c.String("ip"), Arch: c.String("arch")})
					if err != nil {
						return err
					}
					if format == "json" {
						enc := json.NewEncoder(stdout)
						enc.SetIndent("", "  ")
						return enc.Encode(e)
					}
					return e.WriteText(stdout)
				},
			},
			{
				Name:  "version",
				Usage: "print the version",
				Action: func(c *cli.Context) error {
					fmt.Fprintf(stdout, "pxegen %s\n", buildVersion())
					return nil
				},
			},
		},
	}
}

// outputFormat is --format, checked.
func outputFormat(c *cli.Context) (string, error) {
	format := c.String("format")
	if format != "text" && format != "json" {
		return "", fmt.Errorf("--format %q: want text or json", format)
	}
	return format, nil
}

// inventoryPath is --inventory, $PXEGEN_INVENTORY or the default; an
// empty variable counts as unset.
func inventoryPath(c *cli.Context) string {
	if p := c.String("inventory"); p != "" {
		return p
	}
	return defaultInventory
}

// loadInventory loads the inventory with --target and --tftp applied.
func loadInventory(c *cli.Context, opts ...inventory.Option) (*inventory.Inventory, error) {
	dhcp, tftp := c.String("target"), c.String("tftp")
	if dhcp != "" && !slices.Contains(inventory.DHCPTargets, dhcp) {
		return nil, fmt.Errorf("--target %q: want one of %s", dhcp, strings.Join(inventory.DHCPTargets, ", "))
	}
	if tftp != "" && !slices.Contains(inventory.TFTPTargets, tftp) {
		return nil, fmt.Errorf("--tftp %q: want one of %s", tftp, strings.Join(inventory.TFTPTargets, ", "))
	}
	return inventory.Load(inventoryPath(c), append(opts, inventory.WithTargets(dhcp, tftp))...)
}

// renderInventory loads the inventory and renders it with --templates.
func renderInventory(c *cli.Context, opts ...inventory.Option) (*inventory.Inventory, filetree.Tree, error) {
	inv, err := loadInventory(c, opts...)
	if err != nil {
		return nil, nil, err
	}
	engine, err := generate.New(c.String("templates"))
	if err != nil {
		return nil, nil, err
	}
	tree, err := engine.Render(inv)
	return inv, tree, err
}

func planOptions(inv *inventory.Inventory, prune, force bool, lock filetree.LockMode) filetree.PlanOptions {
	return filetree.PlanOptions{Manifest: strings.TrimPrefix(inv.Paths.Manifest, "/"), Prune: prune, Force: force,
		Mark: generate.Mark, Lock: lock}
}

// warnUntracked names the files the manifest listed that pxegen leaves
// alone because they do not carry its mark.
func warnUntracked(w io.Writer, plan *filetree.Plan) {
	for _, path := range plan.Untracked {
		fmt.Fprintf(w, "pxegen: warning: %s: the manifest lists it, but pxegen did not write it; left alone and no longer tracked\n", filetree.Escape(path))
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// diff prints what render would change under --root.
func diff(c *cli.Context, stdout, stderr io.Writer) error {
	inv, tree, err := renderInventory(c)
	if err != nil {
		return err
	}
	opts := planOptions(inv, c.Bool("prune"), false, filetree.SharedLock)
	plan, err := filetree.NewPlan(c.String("root"), tree, opts)
	var conflict *filetree.ConflictError
	if errors.As(err, &conflict) {
		// Show the diff anyway, and say that render would refuse.
		for _, c := range conflict.Conflicts {
			fmt.Fprintf(stderr, "pxegen: warning: %s: %s; render replaces or removes it only with --force\n", filetree.Escape(c.Path), c.Reason)
		}
		opts.Force = true
		plan, err = filetree.NewPlan(c.String("root"), tree, opts)
	}
	if err != nil {
		return err
	}
	defer plan.Close()
	warnUntracked(stderr, plan)
	if c.Bool("stat") {
		err = plan.WriteStat(stdout, generate.ReloadNote(generate.Reloads(plan.Changes)))
	} else {
		err = plan.WriteDiff(stdout, colourful(stdout))
	}
	if err != nil {
		return err
	}
	if plan.Changed() {
		return errDiffers
	}
	return nil
}

// colourful reports whether w is a terminal and NO_COLOR is unset.
func colourful(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// renderReport is render's --format json output.
type renderReport struct {
	Root    string            `json:"root"`
	DryRun  bool              `json:"dry_run"`
	Files   []filetree.Change `json:"files"`
	Summary map[string]int    `json:"summary"`
	Reloads []generate.Reload `json:"reloads"`
	// BackupDir holds the files --force took over (each change names its
	// backup); Untracked, the manifest's files left alone as not pxegen's.
	BackupDir string   `json:"backup_dir,omitempty"`
	Untracked []string `json:"untracked,omitempty"`
}

// printRender says what render did (or, in a dry run, would do) and which
// daemons need a reload. render never reloads them itself.
func printRender(w io.Writer, format string, plan *filetree.Plan, dryRun bool) error {
	written := plan.Count(filetree.Create) + plan.Count(filetree.Update)
	reloads := generate.Reloads(plan.Changes)
	if format == "json" {
		r := renderReport{Root: plan.Root, DryRun: dryRun, Files: plan.Changes, Reloads: reloads, BackupDir: plan.BackupDir, Untracked: plan.Untracked,
			Summary: map[string]int{"written": written, "unchanged": plan.Count(filetree.Unchanged), "removed": plan.Count(filetree.Remove)}}
		if r.Reloads == nil {
			r.Reloads = []generate.Reload{}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	would := ""
	if dryRun {
		would = "would be "
		fmt.Fprintf(w, "pxegen: dry run, nothing written\n")
		for _, c := range plan.Changes {
			if c.Action != filetree.Unchanged {
				fmt.Fprintf(w, "pxegen: would %s %s\n", c.Action, filetree.Escape(c.Path))
			}
		}
	}
	for _, c := range plan.Changes {
		if c.Backup != "" {
			verb := "kept"
			if dryRun {
				verb = "would keep"
			}
			fmt.Fprintf(w, "pxegen: %s the old %s as %s\n", verb, filetree.Escape(c.Path), filetree.Escape(c.Backup))
		}
	}
	fmt.Fprintf(w, "pxegen: %d files in %s: %d %swritten, %d unchanged, %d %sremoved\n",
		len(plan.Changes)-plan.Count(filetree.Remove), plan.Root, written, would, plan.Count(filetree.Unchanged), plan.Count(filetree.Remove), would)
	if len(reloads) == 0 {
		fmt.Fprintln(w, "pxegen: no daemon needs a reload")
	}
	for _, r := range reloads {
		fmt.Fprintf(w, "pxegen: %s %s (service %s): %s changed\n", r.Action, r.Daemon, r.Service, r.Path)
	}
	return nil
}

// verifyStaged runs the daemons' checks on a private copy of tree, and
// with out / the boot server's own, so that out is touched only if they
// pass.
func verifyStaged(ctx context.Context, w io.Writer, inv *inventory.Inventory, tree filetree.Tree, out string) error {
	results, err := verify.Rendered(ctx, inv, tree)
	if err != nil {
		return err
	}
	results = append(results, verify.Host(ctx, inv, out)...)
	if err := report(w, results); err != nil {
		return fmt.Errorf("%w; nothing written", err)
	}
	return nil
}

// verifyTree checks a private rendering with the daemons, as render
// --verify does, and then that dir holds exactly those files.
func verifyTree(ctx context.Context, w io.Writer, inv *inventory.Inventory, tree filetree.Tree, dir string) error {
	same, err := verify.Tree(dir, tree)
	if err != nil {
		return err
	}
	results, err := verify.Rendered(ctx, inv, tree)
	if err != nil {
		return err
	}
	results = append(results, verify.Host(ctx, inv, dir)...)
	return report(w, append(results, same))
}

// report prints one line per check and a summary, and returns errRejected
// if any check failed.
func report(w io.Writer, results []verify.Result) error {
	counts := map[verify.Status]int{}
	for _, r := range results {
		counts[r.Status]++
		fmt.Fprintf(w, "pxegen: verify %s: %s: %s\n", r.Check, r.Status, r.Detail)
	}
	fmt.Fprintf(w, "pxegen: verify: %d passed, %d failed, %d skipped\n", counts[verify.Passed], counts[verify.Failed], counts[verify.Skipped])
	if verify.AnyFailed(results) {
		return errRejected
	}
	return nil
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
