package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/pxegen/pxegen/importer"
	"github.com/pxegen/pxegen/inventory"
)

// importCommand is pxegen import.
var importCommand = &command{name: "import", summary: "write an inventory from what a site runs today: dhcpd.conf, dnsmasq, a CSV of hosts, NetBox",
	about: `The inventory goes to stdout (or -o FILE, which must not exist yet),
each entry saying where it came from; what could not be carried over goes
to stderr, one line each with file and line. Exit 1 if the inventory it
wrote does not validate, saying why.`,
	flags: func(fs *flag.FlagSet) (action, argument) {
		var o importOptions
		fs.Var((*importerFiles)(&o.src.Dhcpd), "dhcpd", "an ISC dhcpd.conf `FILE` (and what it includes); repeatable")
		fs.Var((*importerFiles)(&o.src.Dnsmasq), "dnsmasq", "a dnsmasq configuration `FILE` (dhcp-range, dhcp-host, dhcp-boot, dhcp-option); repeatable")
		fs.Var((*importerFiles)(&o.src.CSV), "csv", "a `FILE` of lines mac,name,ip[,profile]; repeatable")
		fs.Var((*importerFiles)(&o.src.NetBox), "netbox", "a `FILE` of NetBox REST API JSON: devices, interfaces, IP and MAC addresses; repeatable")
		fs.StringVar(&o.src.NetBoxTag, "netbox-tag", "", "the `TAG` of the interface each NetBox device boots from")
		fs.StringVar(&o.src.ServerIP, "server-ip", "", "the boot server's `ADDRESS`, when no source gives it")
		outFlag(fs, &o.out, "write the inventory to `FILE` instead of stdout; it must not exist")
		return func(ctx context.Context, e *env) error { return importSite(e, o) }, nil
	}}

func init() {
	// Before version, which ends the list in pxegen help.
	i := slices.IndexFunc(commands, func(c *command) bool { return c.name == "version" })
	if i < 0 {
		i = len(commands)
	}
	commands = slices.Insert(commands, i, importCommand)
}

// importOptions are import's flags.
type importOptions struct {
	src importer.Sources
	out string
}

// importerFiles is a repeatable flag.
type importerFiles []string

func (f *importerFiles) String() string     { return strings.Join(*f, ",") }
func (f *importerFiles) Set(s string) error { *f = append(*f, s); return nil }

// importSite runs import and writes its inventory and notes.
func importSite(e *env, o importOptions) error {
	s := o.src
	if len(s.Dhcpd)+len(s.Dnsmasq)+len(s.CSV)+len(s.NetBox) == 0 {
		return usageErrorf("import: give at least one source: --dhcpd, --dnsmasq, --csv or --netbox (pxegen import --help)")
	}
	name := o.out
	if name == "" {
		name = "<stdout>"
	}
	res, err := importer.Import(s, name)
	if err != nil {
		return err
	}
	for _, n := range res.Notes {
		fmt.Fprintf(e.stderr, "%s\n", n)
	}
	if o.out == "" {
		if _, err := e.stdout.Write(res.YAML); err != nil {
			return err
		}
	} else {
		// O_EXCL: import never replaces a file, an inventory least of all.
		f, err := os.OpenFile(o.out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("import: %s exists; import never replaces a file: remove it or name another", o.out)
		}
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		_, err = f.Write(res.YAML)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("import: write %s: %w", o.out, err)
		}
	}
	fmt.Fprintf(e.stderr, "pxegen: import: %d %s not carried over as written; each entry of %s says where it came from\n",
		len(res.Notes), plural(len(res.Notes), "thing", "things"), name)
	if res.Err != nil {
		list, _ := errors.AsType[inventory.ErrorList](res.Err)
		fmt.Fprintln(e.stderr, list.Error())
		return &codedError{code: exitInvalid, err: fmt.Errorf("import: the inventory in %s is not valid yet (%s): fix it, then render", name, problemWord(len(list))), quiet: false}
	}
	return nil
}

func problemWord(n int) string { return fmt.Sprintf("%d %s", n, plural(n, "problem", "problems")) }
