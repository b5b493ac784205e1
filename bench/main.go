// Command bench measures pxegen render on generated inventories against
// the floor of creating the same files: `cp -a` of the rendered tree on the
// same disk, timed in the same run; and against a peer, a plain Jinja2
// renderer of the same per-host files (bench/jinja_peer.py). It reports
// how long each phase takes (parse, validate, render, compare, write) and
// how long each DHCP server takes to load the configuration. `make bench`
// runs it.
//
//	go run ./bench -pxegen ./pxegen -sizes 1000,10000,100000
//	go run ./bench -gen 50000 > site.yaml
//	go run ./bench -phases site.yaml OUTDIR   # one render, timed by phase
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pxegen/pxegen/generate"
	"github.com/pxegen/pxegen/internal/filetree"
	"github.com/pxegen/pxegen/internal/sitegen"
	"github.com/pxegen/pxegen/inventory"
)

func main() {
	gen := flag.Int("gen", 0, "write an inventory of N hosts to stdout and exit")
	pxegen := flag.String("pxegen", "./pxegen", "the pxegen binary")
	sizes := flag.String("sizes", "1000,10000,100000", "host counts to measure")
	reps := flag.Int("reps", 3, "runs of each measurement; the median is reported")
	dir := flag.String("dir", "", "where to work (default: a temporary directory; use the disk you care about)")
	peer := flag.String("peer", "bench/jinja_peer.py", "the Jinja2 peer; \"\" skips it")
	daemons := flag.String("daemons", "1000,10000,100000", "host counts at which to time the DHCP servers' config check; \"\" skips it")
	phases := flag.Bool("phases", false, "render INVENTORY into OUTDIR once, in this process, and print each phase's seconds")
	cpuprofile := flag.String("cpuprofile", "", "with -phases: write a CPU profile of the compare and write phases to `FILE`")
	flag.Parse()
	if *gen > 0 {
		os.Stdout.Write(sitegen.Site(*gen, "a"))
		return
	}
	if *phases {
		if err := phaseRun(flag.Arg(0), flag.Arg(1), *cpuprofile); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	self, err := os.Executable()
	if err == nil {
		err = run(config{pxegen: *pxegen, self: self, sizes: *sizes, reps: *reps, dir: *dir, peer: *peer, daemons: *daemons})
	}
	if err != nil {
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
	return timedCmd(exec.Command(name, args...), false)
}

// timedQuiet is timed for a command whose output is of no interest
// unless it fails.
func timedQuiet(name string, args ...string) (measurement, error) {
	return timedCmd(exec.Command(name, args...), true)
}

func timedCmd(cmd *exec.Cmd, quiet bool) (measurement, error) {
	name, args := cmd.Path, cmd.Args[1:]
	var out []byte
	var err error
	start := time.Now()
	if quiet {
		out, err = cmd.CombinedOutput()
	} else {
		cmd.Stderr = os.Stderr
		out, err = cmd.Output()
	}
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

// config is what one bench run measures, and how.
type config struct {
	pxegen, self, sizes, dir, peer, daemons string
	reps                                    int
}

// row is one line of a table: a run at one size.
type row struct {
	hosts, files int
	name         string
	m            measurement
	floor        float64 // seconds of the floor at this size
}

// phaseRow is one in-process render, timed by phase.
type phaseRow struct {
	hosts  int
	name   string
	phases [5]float64
	rssMiB float64
}

var phaseNames = [5]string{"parse", "validate", "render", "compare", "write"}

func run(c config) error {
	if c.dir == "" {
		d, err := os.MkdirTemp("", "pxegen-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		c.dir = d
	}
	dir := c.dir
	var rows []row
	var phases []phaseRow
	var daemonRows [][]string
	for _, field := range strings.Split(c.sizes, ",") {
		hosts, err := strconv.Atoi(strings.TrimSpace(field))
		if err != nil {
			return fmt.Errorf("-sizes: %v", err)
		}
		fmt.Fprintf(os.Stderr, "bench: %d hosts\n", hosts)
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
		fresh, err := median(c.reps, func(i int) (measurement, error) {
			os.RemoveAll(out(i))
			exec.Command("sync").Run()
			return timed(c.pxegen, "render", "-i", inv, "-o", out(i))
		})
		if err != nil {
			return err
		}
		files := countFiles(out(0))
		floor, err := median(c.reps, func(i int) (measurement, error) {
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
		// The first re-render after a fresh one reads every file, which
		// that run wrote, and records their stat data; later ones do not
		// read a file whose stat data still matches.
		first, err := median(c.reps, func(i int) (measurement, error) {
			exec.Command("sync").Run()
			return timed(c.pxegen, "render", "-i", inv, "-o", out(i))
		})
		if err != nil {
			return err
		}
		unchanged, err := median(c.reps, func(i int) (measurement, error) {
			exec.Command("sync").Run()
			return timed(c.pxegen, "render", "-i", inv, "-o", out(i))
		})
		if err != nil {
			return err
		}
		oneHost, err := median(c.reps, func(i int) (measurement, error) {
			src := inv
			if i%2 == 0 {
				src = inv2
			}
			exec.Command("sync").Run()
			return timed(c.pxegen, "render", "-i", src, "-o", out(0))
		})
		if err != nil {
			return err
		}
		add := func(name string, m measurement) {
			rows = append(rows, row{hosts: hosts, files: files, name: name, m: m, floor: floor.seconds})
		}
		add("`cp -a` + sync (floor)", floor)
		add("render, fresh", fresh)
		add("render, unchanged, first after fresh", first)
		add("render, unchanged", unchanged)
		add("render, one host changed", oneHost)
		if c.peer != "" {
			peer, err := median(c.reps, func(i int) (measurement, error) {
				dst := out(i) + "-jinja"
				os.RemoveAll(dst)
				exec.Command("sync").Run()
				m, err := timed("python3", c.peer, inv, dst)
				os.RemoveAll(dst)
				return m, err
			})
			if err != nil {
				return err
			}
			add("Jinja2 peer, fresh (no sync)", peer)
		}
		for i := 0; i < c.reps; i++ {
			os.RemoveAll(out(i))
		}

		// Phases, in a process of their own each: fresh, the first and
		// a later unchanged re-render, one host changed.
		p := out(0) + "-phases"
		for _, r := range []struct{ name, inv string }{
			{"fresh", inv}, {"unchanged, first after fresh", inv}, {"unchanged", inv}, {"one host changed", inv2},
		} {
			exec.Command("sync").Run()
			pr, err := phaseChild(c.self, r.inv, p)
			if err != nil {
				return err
			}
			pr.hosts, pr.name = hosts, r.name
			phases = append(phases, pr)
		}
		os.RemoveAll(p)

		if slices.Contains(strings.Split(c.daemons, ","), strconv.Itoa(hosts)) {
			d, err := daemonTimes(c, inv, out(0)+"-daemons")
			if err != nil {
				return err
			}
			daemonRows = append(daemonRows, append([]string{fmt.Sprintf("%d", hosts)}, d...))
		}
	}
	report(rows, phases, daemonRows)
	return nil
}

// report prints the tables as Markdown, for the README.
func report(rows []row, phases []phaseRow, daemons [][]string) {
	fmt.Println("| hosts | files | run | seconds | files/s | × floor | peak RSS |")
	fmt.Println("| ---: | ---: | --- | ---: | ---: | ---: | ---: |")
	last := 0
	for _, r := range rows {
		hosts, files := "", ""
		if r.hosts != last {
			hosts, files, last = group(r.hosts), group(r.files), r.hosts
		}
		fmt.Printf("| %s | %s | %s | %.2f | %s | %.2f | %.0f MiB |\n", hosts, files, r.name, r.m.seconds,
			group(int(float64(r.files)/r.m.seconds)), r.m.seconds/r.floor, r.m.rssMiB)
	}
	fmt.Println()
	fmt.Println("| hosts | render | " + strings.Join(phaseNames[:], " | ") + " | peak RSS |")
	fmt.Println("| ---: | --- |" + strings.Repeat(" ---: |", len(phaseNames)+1))
	last = 0
	for _, p := range phases {
		hosts := ""
		if p.hosts != last {
			hosts, last = group(p.hosts), p.hosts
		}
		fmt.Printf("| %s | %s |", hosts, p.name)
		for _, s := range p.phases {
			fmt.Printf(" %.2f |", s)
		}
		fmt.Printf(" %.0f MiB |\n", p.rssMiB)
	}
	if len(daemons) > 0 {
		fmt.Println()
		fmt.Println("| hosts | `dhcpd -t` | `kea-dhcp4 -t` | dnsmasq start | dnsmasq SIGHUP |")
		fmt.Println("| ---: | ---: | ---: | ---: | ---: |")
		for _, d := range daemons {
			fmt.Println("| " + strings.Join(d, " | ") + " |")
		}
	}
}

// group writes n with thousands separators.
func group(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// phaseChild runs bench -phases in a process of its own, so that its peak
// RSS is the render's alone.
func phaseChild(self, inv, out string) (phaseRow, error) {
	var pr phaseRow
	cmd := exec.Command(self, "-phases", inv, out)
	cmd.Stderr = os.Stderr
	data, err := cmd.Output()
	if err != nil {
		return pr, fmt.Errorf("bench -phases %s %s: %v", inv, out, err)
	}
	f := strings.Fields(string(data))
	if len(f) != len(pr.phases) {
		return pr, fmt.Errorf("bench -phases printed %q", data)
	}
	for i := range f {
		if pr.phases[i], err = strconv.ParseFloat(f[i], 64); err != nil {
			return pr, err
		}
	}
	pr.rssMiB = float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
	return pr, nil
}

// phaseRun renders inv into out as pxegen render does, timing each phase:
// parse (reading and decoding the YAML), validate, render (the templates),
// compare (the plan: what is on disk against the new tree) and write.
func phaseRun(inv, out, cpuprofile string) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(768 << 20) // as pxegen's main does
	}
	t := time.Now()
	lap := func() float64 {
		d := time.Since(t).Seconds()
		t = time.Now()
		return d
	}
	site, err := inventory.Load(inv)
	if err != nil {
		return err
	}
	load := lap()
	// Load validates; validating again times that part alone.
	if err := site.Validate(); err != nil {
		return err
	}
	validate := lap()
	engine, err := generate.New("")
	if err != nil {
		return err
	}
	_, tree, err := engine.RenderSite(site)
	if err != nil {
		return err
	}
	render := lap()
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	plan, err := filetree.NewPlan(out, tree, filetree.PlanOptions{Manifest: strings.TrimPrefix(site.Paths.Manifest, "/"),
		Mark: generate.Mark, Lock: filetree.ExclusiveLock})
	if err != nil {
		return err
	}
	defer plan.Close()
	compare := lap()
	if p := os.Getenv("PXEGEN_BENCH_MEMPROFILE"); p != "" {
		// What is live once the plan is made, the tree and both manifests
		// with it: the run's peak.
		f, err := os.Create(p)
		if err != nil {
			return err
		}
		runtime.GC()
		err = pprof.WriteHeapProfile(f)
		f.Close()
		if err != nil {
			return err
		}
		t = time.Now()
	}
	if err := plan.Apply(); err != nil {
		return err
	}
	write := lap()
	fmt.Printf("%.3f %.3f %.3f %.3f %.3f\n", load-validate, validate, render, compare, write)
	return nil
}

// daemonTimes renders inv for each DHCP server and times its own check of
// the configuration, which parses all of it: what a restart costs before
// the server answers. A server that is not installed, or refuses the file,
// gets a note instead of a time.
func daemonTimes(c config, inv, out string) ([]string, error) {
	defer os.RemoveAll(out)
	var times []string
	for _, d := range []struct {
		target, conf, bin string
		args              []string
	}{
		{"dhcpd", "etc/dhcp/dhcpd.conf", "dhcpd", []string{"-t", "-cf"}},
		{"kea", "etc/kea/kea-dhcp4.conf", "kea-dhcp4", []string{"-t"}},
	} {
		if _, err := exec.LookPath(d.bin); err != nil {
			times = append(times, "not installed")
			continue
		}
		dst := filepath.Join(out, d.target)
		if _, err := timed(c.pxegen, "render", "-i", inv, "-o", dst, "--target", d.target); err != nil {
			return nil, err
		}
		m, err := median(c.reps, func(int) (measurement, error) {
			return timedQuiet(d.bin, append(d.args, filepath.Join(dst, d.conf))...)
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			times = append(times, "fails")
			continue
		}
		times = append(times, fmt.Sprintf("%.2f s, %.0f MiB", m.seconds, m.rssMiB))
	}
	return append(times, dnsmasqTimes(c, inv, filepath.Join(out, "dnsmasq"))...), nil
}

func readFile(name string) string {
	data, _ := os.ReadFile(name)
	return string(data)
}

// dnsmasqTimes starts dnsmasq on inv's files in a network namespace of its
// own and times how long it takes to read its host files (`dnsmasq
// --test` reads none of them), then how long it takes to read them again
// on SIGHUP: what a host's change costs, during which dnsmasq answers
// nothing. Once each: at 100,000 hosts each takes most of a minute.
func dnsmasqTimes(c config, inv, dst string) []string {
	for _, bin := range []string{"dnsmasq", "unshare", "ip"} {
		if _, err := exec.LookPath(bin); err != nil {
			return []string{bin + " not installed", ""}
		}
	}
	if os.Geteuid() != 0 {
		return []string{"needs root", ""}
	}
	if _, err := timed(c.pxegen, "render", "-i", inv, "-o", dst, "--target", "dnsmasq"); err != nil {
		return []string{"fails", ""}
	}
	// The drop-in names the host files by their server paths.
	conf, err := os.ReadFile(filepath.Join(dst, "etc/dnsmasq.d/pxegen.conf"))
	if err != nil {
		return []string{"fails", ""}
	}
	conf = bytes.ReplaceAll(conf, []byte("file=/"), []byte("file="+dst+"/"))
	work := filepath.Join(dst, "run")
	if err := os.MkdirAll(work, 0o755); err != nil || os.WriteFile(filepath.Join(work, "dnsmasq.conf"), conf, 0o644) != nil {
		return []string{"fails", ""}
	}
	log := filepath.Join(work, "log")
	cmd := exec.Command("unshare", "--net", "--kill-child", "sh", "-c", `ip link set lo up && exec dnsmasq --keep-in-foreground --port=0 --user=root --conf-file="$0/dnsmasq.conf" --pid-file="$0/pid" --dhcp-leasefile="$0/leases" --log-facility="$0/log"`, work)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	// dnsmasq logs each host file it reads; the options file comes last.
	reads := func() int {
		data, _ := os.ReadFile(log)
		return bytes.Count(data, []byte("read "+dst+"/etc/pxegen/dnsmasq.opts"))
	}
	exited := make(chan struct{})
	wait := func(n int, start time.Time) string {
		for reads() < n {
			select {
			case <-exited:
				fmt.Fprintf(os.Stderr, "bench: dnsmasq exited; its log:\n%s", readFile(log))
				return "fails"
			case <-time.After(20 * time.Millisecond):
			}
			if time.Since(start) > 10*time.Minute {
				return "fails"
			}
		}
		return fmt.Sprintf("%.2f s", time.Since(start).Seconds())
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return []string{"fails", ""}
	}
	go func() { cmd.Wait(); close(exited) }()
	defer func() { cmd.Process.Kill(); <-exited }()
	started := wait(1, start)
	if started == "fails" {
		return []string{started, ""}
	}
	pid, err := os.ReadFile(filepath.Join(work, "pid"))
	n, _ := strconv.Atoi(strings.TrimSpace(string(pid)))
	if err != nil || n == 0 {
		return []string{started, "fails"}
	}
	// dnsmasq drops privileges, which clears the death signal unshare
	// gave it: it would outlive unshare.
	defer syscall.Kill(n, syscall.SIGKILL)
	if syscall.Kill(n, syscall.SIGHUP) != nil {
		return []string{started, "fails"}
	}
	return []string{started, wait(2, time.Now())}
}
