// Command bench measures pxegen render on generated inventories against
// the floor of creating the same files: `cp -a` of the rendered tree on the
// same disk, timed in the same run. `make bench` runs it.
//
//	go run ./bench -pxegen ./pxegen -sizes 1000,10000,100000
//	go run ./bench -gen 50000 > site.yaml
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pxegen/pxegen/internal/sitegen"
)

func main() {
	gen := flag.Int("gen", 0, "write an inventory of N hosts to stdout and exit")
	pxegen := flag.String("pxegen", "./pxegen", "the pxegen binary")
	sizes := flag.String("sizes", "1000,10000,100000", "host counts to measure")
	reps := flag.Int("reps", 3, "runs of each measurement; the median is reported")
	dir := flag.String("dir", "", "where to work (default: a temporary directory; use the disk you care about)")
	flag.Parse()
	if *gen > 0 {
		os.Stdout.Write(sitegen.Site(*gen, "a"))
		return
	}
	if err := run(*pxegen, *sizes, *reps, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// Every run starts after a sync, so that none pays for writing back
// another's data.

// measurement is one timed command: wall time and peak resident memory.
type measurement struct {
	seconds float64
	rssMiB  float64
}

func timed(name string, args ...string) (measurement, error) {
	cmd := exec.Command(name, args...)
	cmd.Stderr = os.Stderr
	start := time.Now()
	out, err := cmd.Output()
	if err != nil {
		return measurement{}, fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return measurement{seconds: time.Since(start).Seconds(), rssMiB: float64(ru.Maxrss) / 1024}, nil
}

// median of reps runs of f, each given a fresh run index.
func median(reps int, f func(i int) (measurement, error)) (measurement, error) {
	var ms []measurement
	for i := 0; i < reps; i++ {
		m, err := f(i)
		if err != nil {
			return m, err
		}
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].seconds < ms[j].seconds })
	return ms[len(ms)/2], nil
}

func countFiles(dir string) int {
	n := 0
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			n++
		}
		return nil
	})
	return n
}

func run(pxegen, sizes string, reps int, dir string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "pxegen-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	fmt.Printf("%8s %8s  %-22s %8s %10s %8s %9s\n", "hosts", "files", "run", "seconds", "files/s", "x floor", "peak RSS")
	for _, field := range strings.Split(sizes, ",") {
		hosts, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil {
			return fmt.Errorf("-sizes: %v", err)
		}
		inv := filepath.Join(dir, fmt.Sprintf("site-%d.yaml", hosts))
		// The same file name, as a site's inventory keeps its name.
		if err := os.MkdirAll(filepath.Join(dir, "changed"), 0o755); err != nil {
			return err
		}
		inv2 := filepath.Join(dir, "changed", fmt.Sprintf("site-%d.yaml", hosts))
		if err := os.WriteFile(inv, sitegen.Site(hosts, "a"), 0o644); err != nil {
			return err
		}
		// The same site with one host changed.
		one := strings.Replace(string(sitegen.Site(hosts, "a")), "name: host0,", "name: host0x,", 1)
		if err := os.WriteFile(inv2, []byte(one), 0o644); err != nil {
			return err
		}
		out := func(i int) string { return filepath.Join(dir, fmt.Sprintf("out-%d-%d", hosts, i)) }
		fresh, err := median(reps, func(i int) (measurement, error) {
			os.RemoveAll(out(i))
			exec.Command("sync").Run()
			return timed(pxegen, "render", "-i", inv, "-o", out(i))
		})
		if err != nil {
			return err
		}
		files := countFiles(out(0))
		floor, err := median(reps, func(i int) (measurement, error) {
			dst := out(i) + "-copy"
			os.RemoveAll(dst)
			exec.Command("sync").Run()
			// cp -a creates the same files; sync afterwards, as render
			// syncs once, so both pay for getting the data to the disk.
			m, err := timed("sh", "-c", "cp -a "+out(i)+" "+dst+" && sync -f "+dst)
			os.RemoveAll(dst)
			return m, err
		})
		if err != nil {
			return err
		}
		unchanged, err := median(reps, func(i int) (measurement, error) {
			exec.Command("sync").Run()
			return timed(pxegen, "render", "-i", inv, "-o", out(i))
		})
		if err != nil {
			return err
		}
		oneHost, err := median(reps, func(i int) (measurement, error) {
			src := inv
			if i%2 == 0 {
				src = inv2
			}
			exec.Command("sync").Run()
			return timed(pxegen, "render", "-i", src, "-o", out(0))
		})
		if err != nil {
			return err
		}
		for _, row := range []struct {
			name string
			m    measurement
		}{{"cp -a (floor)", floor}, {"render, fresh", fresh}, {"render, unchanged", unchanged}, {"render, one host changed", oneHost}} {
			fmt.Printf("%8d %8d  %-22s %8.2f %10.0f %8.2f %7.0f MiB\n", hosts, files, row.name, row.m.seconds,
				float64(files)/row.m.seconds, row.m.seconds/floor.seconds, row.m.rssMiB)
		}
		for i := 0; i < reps; i++ {
			os.RemoveAll(out(i))
		}
	}
	return nil
}
