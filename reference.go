package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/manual"
	"github.com/pxegen/pxegen/inventory"
)

// The commands that describe pxegen itself join the list in init: the man
// page and the completions are made from the list, and a variable cannot
// refer to itself as it is initialised.
func init() {
	at := slices.IndexFunc(commands, func(c *command) bool { return c.name == "version" })
	commands = slices.Insert(commands, at, referenceCommands()...)
}

func referenceCommands() []*command {
	return []*command{
		{name: "schema", summary: "print a JSON Schema of the inventory, for editors",
			about: `Generated from the inventory's own types: every key, its type, the values
of targets, kinds, arches and boot, and the required keys. Save it and
name it in the inventory's first line for completion and checks as you
type: # yaml-language-server: $schema=inventory.schema.json`,
			flags: func(fs *flag.FlagSet) (action, argument) {
				return func(ctx context.Context, e *env) error { return printSchema(e) }, nil
			}},
		{name: "completion", summary: "print the bash or zsh completion script",
			about: `bash: source <(pxegen completion bash), or save it as
/usr/share/bash-completion/completions/pxegen. zsh: save it as _pxegen in
a directory of $fpath.`,
			flags: func(fs *flag.FlagSet) (action, argument) {
				var a shellArgument
				return func(ctx context.Context, e *env) error { return printCompletion(e, a.shell) }, &a
			}},
		{name: "man", summary: "print the manual page, in roff",
			about: `man -l <(pxegen man) reads it; the Debian package installs it as pxegen(1).`,
			flags: func(fs *flag.FlagSet) (action, argument) {
				return func(ctx context.Context, e *env) error { return manual.Man(e.stdout, program()) }, nil
			}},
	}
}

// shells are the shells pxegen completion writes for.
var shells = []string{"bash", "zsh"}

// shellArgument is completion's argument.
type shellArgument struct{ shell string }

func (a *shellArgument) synopsis() string { return strings.Join(shells, "|") }

func (a *shellArgument) set(args []string) error {
	if len(args) != 1 || !slices.Contains(shells, args[0]) {
		return fmt.Errorf("name one shell: %s", strings.Join(shells, " or "))
	}
	a.shell = args[0]
	return nil
}

func printCompletion(e *env, shell string) error {
	if shell == "zsh" {
		return manual.Zsh(e.stdout, program())
	}
	return manual.Bash(e.stdout, program())
}

func printSchema(e *env) error {
	data, err := inventory.Schema()
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(data)
	return err
}

// flagValues are the words a flag's value may be, for completion.
var flagValues = map[string][]string{
	"format": {"text", "json"},
	"target": inventory.DHCPTargets,
	"tftp":   inventory.TFTPTargets,
	"arch":   generate.Arches,
}

// program describes pxegen's command line from the commands' own flag
// sets, for the man page and the completions.
func program() manual.Program {
	p := manual.Program{
		Name:    "pxegen",
		Version: buildVersion(),
		Summary: "render the configuration of a network-boot server from one inventory",
		About: `pxegen turns one YAML inventory of hosts and boot profiles into every file a
network-boot server needs: the DHCP server's configuration (ISC dhcpd, Kea
or dnsmasq), the xinetd TFTP stanza, the Apache snippet, and the PXELINUX,
GRUB and iPXE files. It validates the whole inventory first, renders every
file in memory, and writes nothing unless all of that succeeded.

Flags follow the command, before or after the inventory; -- ends them.
Every command that reads an inventory takes it as the argument, or -i FILE,
else $PXEGEN_INVENTORY, else ./` + defaultInventory + `; - reads standard input.

render never starts, stops or reloads a daemon: it says which must reload
or restart, and with --format json gives the systemctl verb.`,
		Exit: [][2]string{
			{fmt.Sprint(exitOK), "success"},
			{fmt.Sprint(exitInvalid), "the inventory or a template override is invalid; nothing was written"},
			{fmt.Sprint(exitError), "bad usage, reading or writing a file failed, another run holds the tree, or an interrupt stopped the run before it wrote anything"},
			{fmt.Sprint(exitReject), "verify or render --verify: a daemon rejected a generated file, a file the tree references is missing, or the tree is not what the inventory renders; with --strict, a check was skipped; nothing was written"},
			{fmt.Sprint(exitConflict), "render: a file it would replace or remove was not written by pxegen or was edited by hand; nothing was written"},
			{"diff", "exits 0 if nothing would change, 1 if something would, 2 on any error, as diff(1)"},
		},
		Environment: [][2]string{
			{"PXEGEN_INVENTORY", "the inventory, when neither the argument nor -i names one"},
			{"NO_COLOR", "set: diff never colours its output"},
			{"GOMEMLIMIT", "the soft memory limit (default 768MiB)"},
			{"TMPDIR", "where render --verify and verify make their private staging copy"},
		},
		Files: [][2]string{
			{inventory.DefaultManifest, "what pxegen wrote (paths.manifest below --out), so that --prune removes only its own files"},
			{"/usr/share/doc/pxegen/examples/lab.yaml", "an example inventory (Debian package)"},
		},
		SeeAlso: []string{"dhcpd(8)", "kea-dhcp4(8)", "dnsmasq(8)", "xinetd(8)", "in.tftpd(8)", "apache2(8)", "a2enconf(8)", "systemctl(1)"},
	}
	names := make([]string, 0, len(commands)+1)
	for _, c := range commands {
		names = append(names, c.name)
		p.Commands = append(p.Commands, c.reference())
	}
	p.Commands = append(p.Commands, manual.Command{Name: "help", Summary: "print the commands, or one command's flags",
		About: "pxegen COMMAND --help prints the same.", Args: "[COMMAND]", ArgValues: names})
	return p
}

// reference describes the command and its flags.
func (c *command) reference() manual.Command {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	_, arg := c.flags(fs)
	r := manual.Command{Name: c.name, Summary: c.summary, About: c.about}
	if arg != nil {
		r.Args = arg.synopsis()
		if _, ok := arg.(*shellArgument); ok {
			r.ArgValues = shells
		} else {
			r.ArgFile = true // the inventory
		}
	}
	short := map[flag.Value]string{}
	fs.VisitAll(func(f *flag.Flag) {
		if len(f.Name) == 1 {
			short[f.Value] = f.Name
		}
	})
	for _, name := range c.flagOrder(fs) {
		f := fs.Lookup(name)
		argName, usage := flag.UnquoteUsage(f)
		mf := manual.Flag{Name: f.Name, Short: short[f.Value], Usage: usage, Required: slices.Contains(c.required, f.Name)}
		if _, isBool := f.Value.(interface{ IsBoolFlag() bool }); !isBool {
			mf.Arg, mf.Default, mf.Values = argName, f.DefValue, flagValues[f.Name]
		}
		r.Flags = append(r.Flags, mf)
	}
	return r
}
