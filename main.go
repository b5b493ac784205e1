// Command pxegen turns one inventory of hosts and boot profiles into every
// file a network-boot server needs. See README.md.
package main

import "os"

func main() { os.Exit(run(os.Args, os.Stdout, os.Stderr)) }
