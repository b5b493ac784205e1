package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/inventory"
	"github.com/pxegen/pxegen/verify"
)

// Exit codes, documented in the README.
const (
	exitOK      = 0 // success
	exitInvalid = 1 // the inventory or a template override is wrong; nothing was written
	exitError   = 2 // bad usage, or reading or writing files failed
	exitReject  = 3 // a daemon's own check rejected a generated file
)

// errRejected reports that verification failed; the results are printed.
var errRejected = errors.New("a daemon rejected a generated file")

const defaultInventory = "pxegen.yaml"

// version is set at build time with -ldflags "-X main.version=..."; without
// it, the module version from the build info is used.
var version = ""

// run is the whole command line: it builds the app with the given writers,
// runs it, and is the only place that prints an error and picks the exit
// code.
func run(args []string, stdout, stderr io.Writer) int {
	app := newApp(stdout, stderr)
	err := app.Run(args)
	if err == nil {
		return exitOK
	}
	var list inventory.ErrorList
	var tmpl *generate.TemplateError
	switch {
	case errors.As(err, &list):
		fmt.Fprintln(stderr, list.Error())
		noun := "problems"
		if len(list) == 1 {
			noun = "problem"
		}
		fmt.Fprintf(stderr, "pxegen: %d %s in %s; nothing written\n", len(list), noun, list[0].File)
		return exitInvalid
	case errors.As(err, &tmpl):
		fmt.Fprintf(stderr, "pxegen: %v; nothing written\n", err)
		return exitInvalid
	case errors.Is(err, errRejected):
		fmt.Fprintf(stderr, "pxegen: %v\n", err)
		return exitReject
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
				Usage: "validate the inventory, render every file in memory, then write them under --out",
				Flags: []cli.Flag{
					inventoryFlag,
					&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Required: true, Usage: "write the tree under `DIR`"},
					templatesFlag,
					&cli.BoolFlag{Name: "verify", Usage: "run the daemons' own checks on a staging copy first; write nothing if one fails"},
				},
				Action: func(c *cli.Context) error {
					inv, tree, err := renderInventory(inventoryPath(c), c.String("templates"))
					if err != nil {
						return err
					}
					if c.Bool("verify") {
						if err := verifyStaged(c.Context, stdout, inv, tree); err != nil {
							return err
						}
					}
					sum, err := generate.Write(c.String("out"), tree)
					if err != nil {
						return err
					}
					fmt.Fprintf(stdout, "pxegen: %d files in %s: %d written, %d unchanged\n",
						len(tree), c.String("out"), len(sum.Written), len(sum.Unchanged))
					return nil
				},
			},
			{
				Name:  "check",
				Usage: "validate the inventory and render in memory; write nothing",
				Flags: []cli.Flag{inventoryFlag, templatesFlag},
				Action: func(c *cli.Context) error {
					path := inventoryPath(c)
					_, tree, err := renderInventory(path, c.String("templates"))
					if err != nil {
						return err
					}
					fmt.Fprintf(stdout, "pxegen: %s is valid: %d files would be written\n", path, len(tree))
					return nil
				},
			},
			{
				Name:  "verify",
				Usage: "run dhcpd, Apache and xinetd's own checks on a rendered tree",
				Flags: []cli.Flag{
					inventoryFlag,
					&cli.StringFlag{Name: "out", Aliases: []string{"o"}, Required: true, Usage: "the rendered tree in `DIR`"},
				},
				Action: func(c *cli.Context) error {
					inv, err := inventory.Load(inventoryPath(c))
					if err != nil {
						return err
					}
					return report(stdout, verify.Run(c.Context, c.String("out"), inv.Paths))
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

// inventoryPath is --inventory, $PXEGEN_INVENTORY or the default; an
// empty variable counts as unset.
func inventoryPath(c *cli.Context) string {
	if p := c.String("inventory"); p != "" {
		return p
	}
	return defaultInventory
}

// renderInventory loads the inventory and renders it with the templates.
func renderInventory(inventoryPath, templatesDir string) (*inventory.Inventory, generate.Tree, error) {
	inv, err := inventory.Load(inventoryPath)
	if err != nil {
		return nil, nil, err
	}
	engine, err := generate.New(templatesDir)
	if err != nil {
		return nil, nil, err
	}
	tree, err := engine.Render(inv)
	return inv, tree, err
}

// verifyStaged writes tree to a temporary staging directory and runs the
// daemons' checks there, so that --out is touched only if they pass.
func verifyStaged(ctx context.Context, stdout io.Writer, inv *inventory.Inventory, tree generate.Tree) error {
	staging, err := os.MkdirTemp("", "pxegen-staging-")
	if err != nil {
		return fmt.Errorf("create staging directory: %w", err)
	}
	defer os.RemoveAll(staging)
	if _, err := generate.Write(staging, tree); err != nil {
		return err
	}
	results := verify.Run(ctx, staging, inv.Paths)
	for i := range results {
		// Name files by their place in the tree, not the temporary copy.
		results[i].Detail = strings.ReplaceAll(results[i].Detail, staging+string(os.PathSeparator), "")
	}
	if err := report(stdout, results); err != nil {
		return fmt.Errorf("%w; nothing written", err)
	}
	return nil
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
