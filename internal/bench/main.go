//go:build linux

// Command bench is make bench's lab benchmark: it builds the namespace lab,
// sets up each scenario of issue #5, times portspec check on it and, when
// nmap is installed, nmap on the same ports in the same run, compares both
// tools' verdicts with the truth the scenario built, and writes a table to
// stdout and the figures to out/bench.json.
//
//	go run ./internal/bench -portspec bin/portspec [-runs 5] [-only P1,P3] [-profile out/pprof] [-args "--concurrency 4096"]
//
// It needs root; without it, it says so and exits 0, since a benchmark that
// cannot run is not a failure of the code.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/portspec/portspec/internal/lab"
)

func main() {
	portspec := flag.String("portspec", "bin/portspec", "the portspec binary")
	runs := flag.Int("runs", 5, "timed runs of each tool per scenario; the median counts")
	only := flag.String("only", "", "comma-separated scenarios to run, such as P1,P3 (default: all)")
	out := flag.String("out", "out/bench.json", "where to write the figures")
	flag.StringVar(&extraArgs, "args", "", "more arguments for every portspec check, such as \"--concurrency 4096\", to try a setting")
	flag.BoolVar(&keep, "keep", false, "keep each scenario's spec and reports, and say where, to look at a run's evidence")
	flag.StringVar(&profileDir, "profile", "", "write a CPU profile of each portspec run to this directory, as ID-runN.pprof (go tool pprof)")
	flag.Parse()
	if profileDir != "" {
		if err := os.MkdirAll(profileDir, 0o755); err != nil {
			fatal(err)
		}
		abs, err := filepath.Abs(profileDir)
		if err != nil {
			fatal(err)
		}
		profileDir = abs
	}

	if why := lab.Unavailable(); why != "" {
		fmt.Printf("lab benchmark skipped: %s.\n", why)
		return
	}
	bin, err := filepath.Abs(*portspec)
	if err != nil {
		fatal(err)
	}
	nmap, _ := exec.LookPath("nmap")
	if nmap == "" {
		fmt.Println("nmap is not installed: timing portspec alone (apt-get install nmap for the comparison).")
	}
	report := Report{Machine: machine(nmap), Runs: *runs, Started: time.Now().UTC()}
	// Ctrl-C ends the current command, then the labs are taken down
	// before exiting, rather than left behind.
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt)
	go func() { <-interrupt; interrupted.Store(true) }()
	for _, sc := range scenarios() {
		if *only != "" && !slices.Contains(strings.Split(*only, ","), sc.ID) {
			continue
		}
		fmt.Fprintf(os.Stderr, "%s: %s\n", sc.ID, sc.Title)
		res, err := runScenario(sc, bin, nmap, *runs)
		if err != nil {
			fatal(fmt.Errorf("%s: %w", sc.ID, err))
		}
		report.Scenarios = append(report.Scenarios, res)
	}
	printTable(os.Stdout, report)
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		fatal(err)
	}
	b, _ := json.MarshalIndent(report, "", "  ")
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		fatal(err)
	}
	fmt.Printf("\nfigures written to %s\n", *out)
}

// keep is -keep: a scenario's directory is left behind.
var keep bool

// profileDir is -profile: where portspec's CPU profiles go, or "".
var profileDir string

// extraArgs is -args: added to every portspec check.
var extraArgs string

// interrupted is set by Ctrl-C; the runs stop at the next command.
var interrupted atomic.Bool

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

// Machine describes where the figures were taken.
type Machine struct {
	CPUs   int    `json:"cpus"`
	CPU    string `json:"cpu"`
	Kernel string `json:"kernel"`
	Go     string `json:"go"`
	Nmap   string `json:"nmap,omitempty"`
}

func machine(nmap string) Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if out, err := exec.Command("uname", "-r").Output(); err == nil {
		m.Kernel = strings.TrimSpace(string(out))
	}
	if nmap != "" {
		if out, err := exec.Command(nmap, "--version").Output(); err == nil {
			m.Nmap = strings.TrimSpace(strings.Split(string(out), "\n")[0])
		}
	}
	return m
}
