package main

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/urfave/cli/v2"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/inventory"
)

// Exit codes, documented in the README.
const (
	exitOK      = 0 // success
	exitInvalid = 1 // the inventory or a template override is wrong; nothing was written
	exitError   = 2 // bad usage, or reading or writing files failed
)

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
				},
				Action: func(c *cli.Context) error {
					tree, err := renderInventory(inventoryPath(c), c.String("templates"))
					if err != nil {
						return err
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
					tree, err := renderInventory(path, c.String("templates"))
					if err != nil {
						return err
					}
					fmt.Fprintf(stdout, "pxegen: %s is valid: %d files would be written\n", path, len(tree))
					return nil
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
func renderInventory(inventoryPath, templatesDir string) (generate.Tree, error) {
	inv, err := inventory.Load(inventoryPath)
	if err != nil {
		return nil, err
	}
	engine, err := generate.New(templatesDir)
	if err != nil {
		return nil, err
	}
	return engine.Render(inv)
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
