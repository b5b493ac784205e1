package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/internal/progress"
	"github.com/pxegen/pxegen/inventory"
	"github.com/pxegen/pxegen/verify"
)

// Exit codes, documented in doc.go and the README. diff follows diff(1)
// instead: 0 nothing would change, 1 something would, 2 trouble.
const (
	exitOK       = 0 // success
	exitInvalid  = 1 // the inventory or a template override is wrong; nothing was written
	exitError    = 2 // bad usage, reading or writing files failed, or interrupted
	exitReject   = 3 // a daemon's own check rejected a generated file; nothing was written
	exitConflict = 4 // a file pxegen would replace or remove was edited by hand; nothing was written
)

// defaultInventory is read when neither an argument, -i nor
// $PXEGEN_INVENTORY names the inventory.
const defaultInventory = "pxegen.yaml"

// stdinName names standard input, given as the inventory "-", in messages.
const stdinName = "<stdin>"

// version is set at build time with -ldflags "-X main.version=..."; without
// it, the module version from the build info is used.
var version = ""

// exitCoder is an error that knows the exit code it means. run reads it;
// an error without one exits exitError.
type exitCoder interface {
	error
	ExitCode() int
}

// codedError gives err an exit code. A quiet one has been reported
// already, as diff's output shows its differences.
type codedError struct {
	code  int
	err   error
	quiet bool
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }
func (e *codedError) ExitCode() int { return e.code }

// usageErrorf is a mistake on the command line.
func usageErrorf(format string, args ...any) error {
	return &codedError{code: exitError, err: fmt.Errorf(format, args...)}
}

// errDiffers makes diff exit 1: something would change.
var errDiffers = &codedError{code: 1, err: errors.New("differences found"), quiet: true}

// invalid gives the inventory's and the templates' own errors exit code 1;
// others keep their own.
func invalid(err error) error {
	var list inventory.ErrorList
	var tmpl *generate.TemplateError
	if errors.As(err, &list) || errors.As(err, &tmpl) {
		return &codedError{code: exitInvalid, err: err}
	}
	return err
}

// progressDelay is how long a step of render runs before its progress
// line shows: a small tree is done first, and prints nothing.
var progressDelay = time.Second

// meter is a progress line on stderr, when that is a terminal and the
// output is text; nil (which counts nothing) otherwise.
func (e *env) meter(format string) *progress.Meter {
	if format != "text" || !progress.Terminal(e.stderr) {
		return nil
	}
	return progress.New(e.stderr, progressDelay)
}

// env is where a command reads and writes.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// json: the command was given --format json, so its error is
	// reported as JSON too.
	json bool
}

// run is the whole command line: it runs the command args name, and is
// the only place that reports an error and picks the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	err := dispatch(ctx, e, args[1:])
	if err == nil {
		return exitOK
	}
	code := exitError
	if c, ok := errors.AsType[exitCoder](err); ok {
		code = c.ExitCode()
	}
	if e.json {
		reportJSON(stderr, err, code)
	} else {
		report(stderr, err)
	}
	return code
}

// A command is one of pxegen's commands.
type command struct {
	name    string
	summary string // one line, for pxegen help
	about   string // what pxegen COMMAND --help says below the summary
	// required are the flags it cannot run without.
	required []string
	// flags declares its flags on fs, into an options value of its own,
	// and returns the function that runs it with them and, for a command
	// that takes one, where its positional argument goes.
	flags func(fs *flag.FlagSet) (action, argument)
}

// argument is where a command's positional argument goes.
type argument interface {
	// set takes the arguments that are not flags.
	set(args []string) error
	// synopsis names the argument in the help ("[INVENTORY]").
	synopsis() string
}

type action func(ctx context.Context, e *env) error

var commands = []*command{
	{name: "render", summary: "validate, render every file in memory, then write the changed ones under --out", required: []string{"out"},
		about: `Files whose bytes are unchanged are left alone. Each changed file is
replaced atomically. A file in the way (not written by pxegen, or edited
since) stops the run, exit 4, unless --force. render says which daemons
must reload; it never reloads one itself.`,
		flags: func(fs *flag.FlagSet) (action, argument) {
			var o renderOptions
			o.input.flags(fs)
			outFlag(fs, &o.out, "write the tree under `DIR`")
			pruneFlag(fs, &o.prune)
			fs.BoolVar(&o.force, "force", false, "replace or remove managed files even if they were edited by hand, keeping a backup of each")
			fs.BoolVar(&o.dryRun, "dry-run", false, "say what would be written, removed and reloaded; write nothing")
			fs.BoolVar(&o.verify, "verify", false, "run the daemons' own checks on a staging copy first; write nothing if one fails")
			strictFlag(fs, &o.strict, "with --verify: a skipped check fails too")
			formatFlag(fs, &o.format)
			return func(ctx context.Context, e *env) error { return render(ctx, e, o) }, &o.input
		}},
	{name: "diff", summary: "show what render would change under --root, as a unified diff", required: []string{"root"},
		about: `It exits as diff(1) does: 0 if nothing would change, 1 if something
would, 2 on any error. --root must exist.`,
		flags: func(fs *flag.FlagSet) (action, argument) {
			var o diffOptions
			o.input.flags(fs)
			fs.StringVar(&o.root, "root", "", "compare with the tree under `DIR` (/ on the boot server)")
			pruneFlag(fs, &o.prune)
			fs.BoolVar(&o.stat, "stat", false, "one line per file and a summary instead of the diff")
			return func(ctx context.Context, e *env) error { return diff(e, o) }, &o.input
		}},
	{name: "check", summary: "validate the inventory and render it in memory; write nothing",
		flags: func(fs *flag.FlagSet) (action, argument) {
			var o checkOptions
			o.input.flags(fs)
			return func(ctx context.Context, e *env) error { return check(e, o) }, &o.input
		}},
	{name: "verify", summary: "run the daemons' own checks on a private rendering; check that --out holds it", required: []string{"out"},
		about: `The DHCP server's, Apache's and the TFTP server's own checks run on a
private copy of the rendering, never on --out. A check whose daemon is not
installed is skipped (with --strict, that fails too). The files check
looks for every loader, kernel and initrd the tree references under
boot_root in --out. Exit 3 if a check fails.`,
		flags: func(fs *flag.FlagSet) (action, argument) {
			var o verifyOptions
			o.input.flags(fs)
			outFlag(fs, &o.out, "the rendered tree in `DIR`")
			strictFlag(fs, &o.strict, "a skipped check fails too")
			formatFlag(fs, &o.format)
			return func(ctx context.Context, e *env) error { return verifyTree(ctx, e, o) }, &o.input
		}},
	{name: "explain", summary: "walk one client's boot chain through the rendered files", required: []string{"mac"},
		about: `Each DHCP answer, script and file the client fetches, the names PXELINUX
and GRUB try, and what finally boots, citing the inventory line behind
each step.`,
		flags: func(fs *flag.FlagSet) (action, argument) {
			var o explainOptions
			o.input.flags(fs)
			fs.StringVar(&o.mac, "mac", "", "the client's `MAC` address (of any of a host's interfaces), or an InfiniBand interface's client id")
			fs.StringVar(&o.ip, "ip", "", "the `ADDRESS` it gets (needed unless the MAC is a host's with a fixed address)")
			fs.StringVar(&o.arch, "arch", generate.ArchUEFI, "its firmware: `ARCH` is "+strings.Join(generate.Arches, ", ")+", or an option 93 value")
			fs.IntVar(&o.family, "family", 0, "the address `FAMILY` it boots over: 4 (DHCP) or 6 (DHCPv6); an IPv6 --ip means 6")
			formatFlag(fs, &o.format)
			return func(ctx context.Context, e *env) error { return explain(e, o) }, &o.input
		}},
	{name: "relays", summary: "list the DHCP relays the relayed networks need: each relay agent and the servers it forwards to",
		about: `For the network team: on the router of each network with relay: true,
a relay agent at the network's gateway (Cisco's ip helper-address,
dhcrelay) that forwards to every address listed: the server's, or both
servers' of an HA pair.`,
		flags: func(fs *flag.FlagSet) (action, argument) {
			var o relaysOptions
			o.input.flags(fs)
			formatFlag(fs, &o.format)
			return func(ctx context.Context, e *env) error { return relays(e, o) }, &o.input
		}},
	{name: "version", summary: "print the version",
		flags: func(fs *flag.FlagSet) (action, argument) {
			return func(ctx context.Context, e *env) error { return printVersion(e) }, nil
		}},
}

// dispatch finds the command args name, reads its flags and runs it.
func dispatch(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageErrorf("no command given; pxegen help lists the commands")
	}
	name, args := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		switch {
		case len(args) == 0:
			return usage(e.stdout)
		case len(args) > 1:
			return usageErrorf("help: one command at a time")
		}
		c, err := lookup(args[0])
		if err != nil {
			return err
		}
		return c.usage(e.stdout)
	case "-version", "--version":
		name = "version"
	}
	c, err := lookup(name)
	if err != nil {
		return err
	}
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // run reports the error; --help prints usage itself
	fs.Usage = func() {}
	act, arg := c.flags(fs)
	positional, err := parseFlags(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return c.usage(e.stdout)
	}
	if err != nil {
		return usageErrorf("%s: %v (pxegen %s --help lists the flags)", c.name, err, c.name)
	}
	for _, r := range c.required {
		if fs.Lookup(r).Value.String() == "" {
			return usageErrorf("%s: --%s is required (pxegen %s --help lists the flags)", c.name, r, c.name)
		}
	}
	if arg == nil && len(positional) > 0 {
		return usageErrorf("%s: takes no arguments", c.name)
	}
	if arg != nil {
		if err := arg.set(positional); err != nil {
			return usageErrorf("%s: %v", c.name, err)
		}
	}
	return act(ctx, e)
}

func lookup(name string) (*command, error) {
	for _, c := range commands {
		if c.name == name {
			return c, nil
		}
	}
	if strings.HasPrefix(name, "-") {
		return nil, usageErrorf("unknown flag %s: flags follow the command (pxegen COMMAND --help lists them)", name)
	}
	return nil, usageErrorf("unknown command %q; pxegen help lists the commands", name)
}

// parseFlags reads flags among the arguments, before and after the
// inventory, as far as a "--"; it returns the other arguments.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
}

// inputOptions say which inventory to read and how to render it: every
// command but version takes them.
type inputOptions struct {
	inventory string // the argument or -i, else $PXEGEN_INVENTORY or pxegen.yaml; - is standard input
	templates string
	target    string
	tftp      string
	peer      string // --peer: the HA peer this render is for
	site      string // --site: the site this render is for
	stdin     []byte // the inventory read from standard input, once
}

func (o *inputOptions) flags(fs *flag.FlagSet) {
	const usage = "the inventory `FILE` (or the argument; - reads standard input; default $PXEGEN_INVENTORY, else " + defaultInventory + ")"
	fs.StringVar(&o.inventory, "inventory", "", usage)
	fs.StringVar(&o.inventory, "i", "", usage)
	fs.StringVar(&o.templates, "templates", "", "replace embedded templates with the files of the same relative path under `DIR`")
	fs.StringVar(&o.target, "target", "", "write for DHCP server `NAME` ("+strings.Join(inventory.DHCPTargets, ", ")+"), whatever the inventory's targets.dhcp says")
	fs.StringVar(&o.tftp, "tftp", "", "serve TFTP with `NAME` ("+strings.Join(inventory.TFTPTargets, ", ")+"), whatever the inventory's targets.tftp says")
	fs.StringVar(&o.site, "site", "", "render for the site `NAME` (sites[].name): its server, networks and hosts; required with sites")
	fs.StringVar(&o.peer, "peer", "", "render for the server `NAME` of the inventory's HA pair (ha.peers); required with ha")
}

func (o *inputOptions) synopsis() string { return "[INVENTORY]" }

// set takes the inventory from the command's one positional argument,
// which may repeat -i but not contradict it.
func (o *inputOptions) set(args []string) error {
	switch {
	case len(args) == 0:
		return nil
	case len(args) > 1:
		return fmt.Errorf("more than one inventory: %s", strings.Join(args, " "))
	case o.inventory != "" && o.inventory != args[0]:
		return fmt.Errorf("-i %s and the argument %s name two inventories; give one", o.inventory, args[0])
	}
	o.inventory = args[0]
	return nil
}

// path is the inventory's name: as given, $PXEGEN_INVENTORY (an empty
// variable counts as unset), or the default.
func (o *inputOptions) path() string {
	switch {
	case o.inventory == "-":
		return stdinName
	case o.inventory != "":
		return o.inventory
	case os.Getenv("PXEGEN_INVENTORY") != "":
		return os.Getenv("PXEGEN_INVENTORY")
	}
	return defaultInventory
}

// load loads the inventory with --target and --tftp applied.
func (o *inputOptions) load(e *env, opts ...inventory.Option) (*inventory.Inventory, error) {
	if o.target != "" && !slices.Contains(inventory.DHCPTargets, o.target) {
		return nil, usageErrorf("--target %q: want one of %s", o.target, strings.Join(inventory.DHCPTargets, ", "))
	}
	if o.tftp != "" && !slices.Contains(inventory.TFTPTargets, o.tftp) {
		return nil, usageErrorf("--tftp %q: want one of %s", o.tftp, strings.Join(inventory.TFTPTargets, ", "))
	}
	opts = append(opts, inventory.WithTargets(o.target, o.tftp), inventory.WithSite(o.site), inventory.WithPeer(o.peer))
	if o.inventory != "-" {
		return inventory.Load(o.path(), opts...)
	}
	if o.stdin == nil {
		data, err := io.ReadAll(io.LimitReader(e.stdin, inventory.MaxFileSize+1))
		if err != nil {
			return nil, fmt.Errorf("read inventory from standard input: %w", err)
		}
		o.stdin = data
	}
	return inventory.Parse(stdinName, o.stdin, opts...)
}

// render loads the inventory and renders it with --templates.
func (o *inputOptions) render(e *env, opts ...inventory.Option) (*inventory.Inventory, *generate.Site, filetree.Tree, error) {
	inv, err := o.load(e, opts...)
	if err != nil {
		return nil, nil, nil, err
	}
	site, tree, err := o.renderLoaded(inv)
	return inv, site, tree, err
}

// renderLoaded renders an inventory already loaded with --templates.
func (o *inputOptions) renderLoaded(inv *inventory.Inventory) (*generate.Site, filetree.Tree, error) {
	engine, err := generate.New(o.templates)
	if err != nil {
		return nil, nil, err
	}
	return engine.RenderSite(inv)
}

// Flags more than one command has.

func outFlag(fs *flag.FlagSet, p *string, usage string) {
	fs.StringVar(p, "out", "", usage)
	fs.StringVar(p, "o", "", usage)
}

func pruneFlag(fs *flag.FlagSet, p *bool) {
	fs.BoolVar(p, "prune", false, "remove files pxegen wrote that the inventory no longer produces")
}

func strictFlag(fs *flag.FlagSet, p *bool, usage string) {
	fs.BoolVar(p, "strict", false, usage)
}

func formatFlag(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "format", "text", "`FORMAT` is text, or json (errors too, as JSON on stderr)")
}

// checkFormat checks --format, and makes errors JSON for json.
func checkFormat(e *env, format string) error {
	switch format {
	case "json":
		e.json = true
	case "text":
	default:
		return usageErrorf("--format %q: want text or json", format)
	}
	return nil
}

// renderOptions are render's flags.
type renderOptions struct {
	input                                inputOptions
	out                                  string
	prune, force, dryRun, verify, strict bool
	format                               string
}

// render validates and renders the inventory, verifies it if asked, and
// writes the changed files under --out.
func render(ctx context.Context, e *env, o renderOptions) error {
	if err := checkFormat(e, o.format); err != nil {
		return usageErrorf("render: %v", err)
	}
	if o.strict && !o.verify {
		return usageErrorf("render: --strict is for --verify")
	}
	meter := e.meter(o.format)
	defer meter.End()
	meter.Begin("rendering", 0)
	inv, _, tree, err := o.input.render(e)
	if err != nil {
		return invalid(err)
	}
	var checks []verify.Result
	if o.verify {
		meter.Begin("verifying", 0)
		if checks, err = verify.Rendered(ctx, inv, tree, o.out); err != nil {
			return interrupted(ctx, err)
		}
		partner, err := partnerChecks(ctx, e, o.input, inv, o.out)
		if err != nil {
			return err
		}
		checks = append(checks, partner...)
		checks = append(checks, verify.Host(ctx, inv, o.out)...)
		meter.End()
		if o.format == "text" {
			printChecks(e.stdout, checks)
		}
		if err := verdict(checks, o.strict); err != nil {
			return fmt.Errorf("%w; nothing written", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return interrupted(ctx, err)
	}
	lock := filetree.ExclusiveLock
	if o.dryRun {
		lock = filetree.SharedLock
	}
	opts := planOptions(inv, o.prune, o.force, lock)
	if meter != nil {
		opts.Meter = meter
	}
	plan, err := filetree.NewPlan(o.out, tree, opts)
	if conflict, ok := errors.AsType[*filetree.ConflictError](err); ok {
		return &codedError{code: exitConflict, err: conflict}
	}
	if err != nil {
		return err
	}
	defer plan.Close()
	if !o.dryRun {
		if err := plan.Apply(); err != nil {
			return err
		}
	}
	meter.End()
	warnUntracked(e.stderr, plan)
	return printRender(e.stdout, o.format, inv.Paths, plan, o.dryRun, checks)
}

// interrupted is the error of a run that Ctrl-C (or SIGTERM) stopped
// before it wrote anything.
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() == nil {
		return err
	}
	return fmt.Errorf("interrupted (%v); nothing written", context.Cause(ctx))
}

// checkOptions are check's flags.
type checkOptions struct{ input inputOptions }

// check validates and renders the inventory, and says how many files
// render would write. Without --site, an inventory with sites is
// rendered for each site, and without --peer, an HA pair for each peer:
// every server's files must render.
func check(e *env, o checkOptions) error {
	inv, err := o.input.load(e)
	if err != nil {
		return invalid(err)
	}
	type server struct{ site, peer string }
	var servers []server
	sites := []inventory.Site{{Name: o.input.site, HA: inv.HA}}
	if inv.NeedsSite() {
		sites = inv.Sites
	}
	for _, s := range sites {
		if s.HA == nil || o.input.peer != "" {
			servers = append(servers, server{s.Name, o.input.peer})
			continue
		}
		for _, p := range s.HA.Peers {
			servers = append(servers, server{s.Name, p.Name})
		}
	}
	for _, s := range servers {
		// The server the command line named renders what was loaded; the
		// others load the inventory again, each for its site and peer.
		var tree filetree.Tree
		if s == (server{o.input.site, o.input.peer}) {
			_, tree, err = o.input.renderLoaded(inv)
		} else {
			in := o.input
			in.site, in.peer = s.site, s.peer
			_, _, tree, err = in.render(e)
		}
		if err != nil {
			return invalid(err)
		}
		var names []string
		for _, n := range []string{s.site, s.peer} {
			if n != "" {
				names = append(names, n)
			}
		}
		forServer := ""
		if len(names) > 0 {
			forServer = " for " + strings.Join(names, " ")
		}
		fmt.Fprintf(e.stdout, "pxegen: %s is valid: %d files would be written%s\n", o.input.path(), len(tree), forServer)
	}
	return nil
}

// diffOptions are diff's flags.
type diffOptions struct {
	input       inputOptions
	root        string
	prune, stat bool
}

// diff prints what render would change under --root. Every error exits
// 2, as diff(1)'s trouble does: none of them is given another code.
func diff(e *env, o diffOptions) error {
	inv, _, tree, err := o.input.render(e)
	if err != nil {
		return err
	}
	// render creates its --out; diff compares with a tree that is there.
	if info, err := os.Stat(o.root); err != nil || !info.IsDir() {
		return fmt.Errorf("diff --root %s: no such directory", o.root)
	}
	opts := planOptions(inv, o.prune, false, filetree.SharedLock)
	plan, err := filetree.NewPlan(o.root, tree, opts)
	if conflict, ok := errors.AsType[*filetree.ConflictError](err); ok {
		// Show the diff anyway, and say that render would refuse.
		for _, c := range conflict.Conflicts {
			fmt.Fprintf(e.stderr, "pxegen: warning: %s: %s; render replaces or removes it only with --force\n", filetree.Escape(c.Path), c.Reason)
		}
		opts.Force = true
		plan, err = filetree.NewPlan(o.root, tree, opts)
	}
	if err != nil {
		return err
	}
	defer plan.Close()
	warnUntracked(e.stderr, plan)
	if o.stat {
		err = plan.WriteStat(e.stdout, generate.ReloadNote(generate.Reloads(inv.Paths, plan.Changes)))
	} else {
		err = plan.WriteDiff(e.stdout, colourful(e.stdout))
	}
	if err != nil {
		return err
	}
	if plan.Changed() {
		return errDiffers
	}
	return nil
}

// verifyOptions are verify's flags.
type verifyOptions struct {
	input  inputOptions
	out    string
	strict bool
	format string
}

// verifyTree checks a private rendering with the daemons, as render
// --verify does, and then that --out holds exactly those files.
func verifyTree(ctx context.Context, e *env, o verifyOptions) error {
	if err := checkFormat(e, o.format); err != nil {
		return usageErrorf("verify: %v", err)
	}
	inv, site, tree, err := o.input.render(e)
	if err != nil {
		return invalid(err)
	}
	same, err := verify.Tree(o.out, tree)
	if err != nil {
		return err
	}
	checks, err := verify.Rendered(ctx, inv, tree, o.out)
	if err != nil {
		return interrupted(ctx, err)
	}
	partner, err := partnerChecks(ctx, e, o.input, inv, o.out)
	if err != nil {
		return err
	}
	checks = append(checks, partner...)
	checks = append(checks, verify.Host(ctx, inv, o.out)...)
	// The loaders and kernels are looked for where clients fetch them:
	// the real boot_root below --out.
	files := verify.Files(filepath.Join(o.out, inv.Paths.BootRoot), site.References())
	checks = append(checks, files, same)
	if o.format == "json" {
		err = writeJSON(e.stdout, checkReport{Checks: checks, Summary: countChecks(checks)})
	} else {
		printChecks(e.stdout, checks)
	}
	if err != nil {
		return err
	}
	return verdict(checks, o.strict)
}

// partnerChecks checks, for an HA pair, the DHCP configuration the other
// server renders from the same inventory, with its daemon: a pair is only
// as good as both its halves. site is where the site's own include is
// read, as for this server's check.
func partnerChecks(ctx context.Context, e *env, in inputOptions, inv *inventory.Inventory, site string) ([]verify.Result, error) {
	if inv.HA == nil {
		return nil, nil
	}
	in.peer = inv.HA.Partner().Name
	partner, _, tree, err := in.render(e)
	if err != nil {
		return nil, invalid(err)
	}
	results, err := verify.Rendered(ctx, partner, tree, site)
	if err != nil {
		return nil, interrupted(ctx, err)
	}
	var dhcp []verify.Result
	for _, r := range results {
		if r.Check == inv.Targets.DHCP {
			r.Check += " (partner " + in.peer + ")"
			dhcp = append(dhcp, r)
		}
	}
	return dhcp, nil
}

// checkReport is verify's --format json output.
type checkReport struct {
	Checks  []verify.Result       `json:"checks"`
	Summary map[verify.Status]int `json:"summary"`
}

func countChecks(checks []verify.Result) map[verify.Status]int {
	counts := map[verify.Status]int{verify.Passed: 0, verify.Failed: 0, verify.Skipped: 0}
	for _, c := range checks {
		counts[c.Status]++
	}
	return counts
}

// printChecks prints one line per check, the daemon's own lines below a
// failed one, and a summary.
func printChecks(w io.Writer, checks []verify.Result) {
	for _, c := range checks {
		fmt.Fprintf(w, "pxegen: verify %s: %s: %s\n", c.Check, c.Status, strings.ReplaceAll(c.Detail, "\n", "\n    "))
	}
	n := countChecks(checks)
	fmt.Fprintf(w, "pxegen: verify: %d passed, %d failed, %d skipped\n", n[verify.Passed], n[verify.Failed], n[verify.Skipped])
}

// rejectedError is verification that did not pass: a check failed, or,
// with --strict, was skipped.
type rejectedError struct {
	checks []verify.Result
	strict bool
}

func (e *rejectedError) Error() string {
	var why []string
	for _, c := range e.checks {
		if c.Status == verify.Failed || e.strict && c.Status == verify.Skipped {
			why = append(why, c.Check+" "+string(c.Status))
		}
	}
	msg := "verification failed: " + strings.Join(why, ", ")
	if e.strict && !slices.ContainsFunc(e.checks, func(c verify.Result) bool { return c.Status == verify.Failed }) {
		msg += " (--strict)"
	}
	return msg
}

func (e *rejectedError) ExitCode() int { return exitReject }

// verdict is a *rejectedError unless every check passed (or, without
// strict, was skipped).
func verdict(checks []verify.Result, strict bool) error {
	n := countChecks(checks)
	if n[verify.Failed] > 0 || strict && n[verify.Skipped] > 0 {
		return &rejectedError{checks: checks, strict: strict}
	}
	return nil
}

// explainOptions are explain's flags.
type explainOptions struct {
	input                 inputOptions
	mac, ip, arch, format string
	family                int
}

// explain walks one client through the rendered tree.
func explain(e *env, o explainOptions) error {
	if err := checkFormat(e, o.format); err != nil {
		return usageErrorf("explain: %v", err)
	}
	_, site, tree, err := o.input.render(e, inventory.KeepPositions())
	if err != nil {
		return invalid(err)
	}
	x, err := generate.Explain(site, tree, generate.Query{MAC: o.mac, IP: o.ip, Arch: o.arch, Family: o.family})
	if err != nil {
		return err
	}
	if o.format == "json" {
		return writeJSON(e.stdout, x)
	}
	return x.WriteText(e.stdout)
}

// relaysOptions are relays' flags.
type relaysOptions struct {
	input  inputOptions
	format string
}

// relays prints the relay agents the inventory's relayed networks need.
func relays(e *env, o relaysOptions) error {
	if err := checkFormat(e, o.format); err != nil {
		return usageErrorf("relays: %v", err)
	}
	inv, err := o.input.load(e)
	if err != nil {
		return invalid(err)
	}
	list := generate.Relays(inv)
	if o.format == "json" {
		if list == nil {
			list = []generate.Relay{}
		}
		return writeJSON(e.stdout, list)
	}
	if len(list) == 0 {
		_, err := fmt.Fprintf(e.stdout, "pxegen: %s has no relayed network\n", o.input.path())
		return err
	}
	for _, r := range list {
		site := ""
		if r.Site != "" {
			site = "site " + r.Site + ", "
		}
		if _, err := fmt.Fprintf(e.stdout, "%snetwork %s (%s): relay agent %s forwards to %s\n", site, r.Network, r.Subnet, r.Agent, strings.Join(r.Servers, " ")); err != nil {
			return err
		}
	}
	return nil
}

func printVersion(e *env) error {
	_, err := fmt.Fprintf(e.stdout, "pxegen %s\n", buildVersion())
	return err
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
	// Checks are --verify's results.
	Checks []verify.Result `json:"checks,omitempty"`
	// BackupDir holds the files --force took over (each change names its
	// backup); Untracked, the manifest's files left alone as not pxegen's.
	BackupDir string   `json:"backup_dir,omitempty"`
	Untracked []string `json:"untracked,omitempty"`
}

// printRender says what render did (or, in a dry run, would do) and which
// daemons need a reload. render never reloads them itself.
func printRender(w io.Writer, format string, paths inventory.Paths, plan *filetree.Plan, dryRun bool, checks []verify.Result) error {
	written := plan.Count(filetree.Create) + plan.Count(filetree.Update)
	reloads := generate.Reloads(paths, plan.Changes)
	if format == "json" {
		r := renderReport{Root: plan.Root, DryRun: dryRun, Files: plan.Changes, Reloads: reloads, Checks: checks, BackupDir: plan.BackupDir, Untracked: plan.Untracked,
			Summary: map[string]int{"written": written, "unchanged": plan.Count(filetree.Unchanged), "removed": plan.Count(filetree.Remove)}}
		if r.Reloads == nil {
			r.Reloads = []generate.Reload{}
		}
		return writeJSON(w, r)
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
		socket := ""
		if r.Socket != "" {
			socket = ", socket " + r.Socket
		}
		verb := "changed"
		if r.Action == "stop" {
			verb = "removed: it no longer serves this site"
		}
		fmt.Fprintf(w, "pxegen: %s %s (service %s%s): %s %s\n", r.Action, r.Daemon, r.Service, socket, strings.Join(r.Paths, ", "), verb)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// report prints err for a person: an inventory's problems one per line,
// then how many; each file in the way, then what --force would do; any
// other error on one line.
func report(w io.Writer, err error) {
	if c, ok := errors.AsType[*codedError](err); ok && c.quiet {
		return
	}
	if list, ok := errors.AsType[inventory.ErrorList](err); ok {
		fmt.Fprintln(w, list.Error())
		fmt.Fprintf(w, "pxegen: %s\n", problemCount(list))
		return
	}
	if conflict, ok := errors.AsType[*filetree.ConflictError](err); ok {
		for _, c := range conflict.Conflicts {
			fmt.Fprintf(w, "pxegen: %s: %s\n", filetree.Escape(c.Path), c.Reason)
		}
		fmt.Fprintf(w, "pxegen: %s\n", conflictCount(conflict))
		return
	}
	if _, ok := errors.AsType[*generate.TemplateError](err); ok {
		fmt.Fprintf(w, "pxegen: %v; nothing written\n", err)
		return
	}
	fmt.Fprintf(w, "pxegen: %v\n", err)
}

func problemCount(list inventory.ErrorList) string {
	return fmt.Sprintf("%d %s in %s; nothing written", len(list), plural(len(list), "problem", "problems"), list[0].File)
}

func conflictCount(e *filetree.ConflictError) string {
	return fmt.Sprintf("%d %s in the way; nothing written (--force replaces them, keeping a backup of each)",
		len(e.Conflicts), plural(len(e.Conflicts), "file", "files"))
}

// errorReport is an error as --format json reports it, on stderr: the
// message, the exit code, and the details that the text form gives on
// lines of their own.
type errorReport struct {
	Error     string          `json:"error"`
	ExitCode  int             `json:"exit_code"`
	Problems  []problem       `json:"problems,omitempty"`
	Conflicts []conflict      `json:"conflicts,omitempty"`
	Checks    []verify.Result `json:"checks,omitempty"`
}

// problem is one of an inventory's problems.
type problem struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// conflict is one file in the way.
type conflict struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// reportJSON prints err for a program, as one line of JSON.
func reportJSON(w io.Writer, err error, code int) {
	r := errorReport{Error: err.Error(), ExitCode: code}
	if c, ok := errors.AsType[*codedError](err); ok && c.quiet {
		return
	}
	if list, ok := errors.AsType[inventory.ErrorList](err); ok {
		r.Error = problemCount(list)
		for _, p := range list {
			r.Problems = append(r.Problems, problem{File: p.File, Line: p.Pos.Line, Column: p.Pos.Col, Path: p.Path, Message: p.Msg})
		}
	}
	if e, ok := errors.AsType[*filetree.ConflictError](err); ok {
		r.Error = conflictCount(e)
		for _, c := range e.Conflicts {
			r.Conflicts = append(r.Conflicts, conflict{Path: c.Path, Reason: c.Reason})
		}
	}
	if e, ok := errors.AsType[*rejectedError](err); ok {
		r.Checks = e.checks
	}
	data, _ := json.Marshal(r)
	fmt.Fprintf(w, "%s\n", data)
}

// usage prints pxegen's help: what it does, its commands, and where to
// read more.
func usage(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`pxegen turns one inventory of hosts and boot profiles into every file a
network-boot server needs: the DHCP server's (dhcpd, Kea or dnsmasq), the
TFTP server's, Apache's, and the PXELINUX, GRUB and iPXE files.

usage: pxegen COMMAND [flags] [INVENTORY]

commands:
`)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
	}
	fmt.Fprintf(tw, "  help\tthis, or a command's flags: pxegen help COMMAND, pxegen COMMAND --help\n")
	tw.Flush()
	b.WriteString(`
The inventory is the argument, -i FILE, $PXEGEN_INVENTORY or ./` + defaultInventory + `;
- reads standard input.

Exit codes: 0 success; 1 the inventory or a template is invalid; 2 bad
usage, an I/O error or an interrupt; 3 a daemon rejected a generated file;
4 a file is in the way. After 1, 3 or 4 nothing was written. diff exits 0
if nothing would change, 1 if something would, 2 on any error.
`)
	_, err := io.WriteString(w, b.String())
	return err
}

// usage prints the command's help: its synopsis and summary, then each
// flag, its short form beside it.
func (c *command) usage(w io.Writer) error {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	_, arg := c.flags(fs)
	var b strings.Builder
	synopsis := "pxegen " + c.name
	if hasFlags(fs) {
		synopsis += " [flags]"
	}
	if arg != nil {
		synopsis += " " + arg.synopsis()
	}
	fmt.Fprintf(&b, "usage: %s\n\n%s.\n", synopsis, strings.ToUpper(c.summary[:1])+c.summary[1:])
	if c.about != "" {
		fmt.Fprintf(&b, "%s\n", c.about)
	}
	if hasFlags(fs) {
		b.WriteString("\nflags:\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		short := map[flag.Value]string{}
		fs.VisitAll(func(f *flag.Flag) {
			if len(f.Name) == 1 {
				short[f.Value] = f.Name
			}
		})
		for _, name := range c.flagOrder(fs) {
			f := fs.Lookup(name)
			arg, text := flag.UnquoteUsage(f)
			names := "    --" + f.Name
			if s, ok := short[f.Value]; ok {
				names = "-" + s + ", --" + f.Name
			}
			if arg != "" {
				names += " " + arg
			}
			if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); !isBool && f.DefValue != "" {
				text += " (default " + f.DefValue + ")"
			}
			if slices.Contains(c.required, f.Name) {
				text += " (required)"
			}
			fmt.Fprintf(tw, "  %s\t%s\n", names, text)
		}
		tw.Flush()
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// flagOrder lists the command's long flags, required ones first, then in
// the order of the flag set (by name).
func (c *command) flagOrder(fs *flag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) {
		if len(f.Name) > 1 {
			names = append(names, f.Name)
		}
	})
	slices.SortStableFunc(names, func(a, b string) int {
		ra, rb := slices.Contains(c.required, a), slices.Contains(c.required, b)
		switch {
		case ra && !rb:
			return -1
		case rb && !ra:
			return 1
		}
		return 0
	})
	return names
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}
