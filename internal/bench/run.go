//go:build linux

package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/portspec/portspec/internal/lab"
)

// Report is out/bench.json.
type Report struct {
	Machine   Machine          `json:"machine"`
	Runs      int              `json:"runs"`
	Started   time.Time        `json:"started"`
	Scenarios []ScenarioResult `json:"scenarios"`
}

// ScenarioResult holds one scenario's figures.
type ScenarioResult struct {
	ID       string      `json:"id"`
	Title    string      `json:"title"`
	Target   string      `json:"target"`
	Checks   int         `json:"checks"`
	Portspec ToolResult  `json:"portspec"`
	Nmap     *ToolResult `json:"nmap,omitempty"`
	// Local is portspec's local run of a scenario timed through the
	// agent (LocalBaseline), or its run of the BaselineSpec.
	Local *ToolResult `json:"local,omitempty"`
	// Baseline says what Local ran.
	Baseline string `json:"baseline,omitempty"`
	// Ratio is portspec's median wall time over nmap's, or over its
	// local or baseline run's (LocalBaseline, BaselineSpec); where the
	// scenario bounds the wait per muted error instead, its median sweep
	// (the time less that wait) over nmap's.
	Ratio float64 `json:"ratio,omitempty"`
	Met   bool    `json:"met"`
	// Agree and Disagree compare portspec's verdicts with nmap's, port
	// by port, over every run.
	Agree    int `json:"agree,omitempty"`
	Disagree int `json:"disagree,omitempty"`
	// ICMPWait is the most portspec waited on the target's ICMP budget in
	// a run, and MutedErrors the most ICMP errors that came only to
	// confirmation tries: each cost about one icmp_ratelimit.
	ICMPWait    float64 `json:"icmp_wait_seconds"`
	MutedErrors int     `json:"muted_errors"`
}

// ToolResult is one tool's runs of a scenario.
type ToolResult struct {
	Seconds []float64 `json:"seconds"`
	Median  float64   `json:"median_seconds"`
	// SweepMedian is portspec's median time less its wait on the
	// target's ICMP budget: what it spent probing.
	SweepMedian float64 `json:"sweep_median_seconds,omitempty"`
	sweeps      []float64
	PeakRSS     float64 `json:"peak_rss_mb"`
	PeakFDs     int     `json:"peak_fds,omitempty"`
	// Wrong counts verdicts that differ from the truth, over every run.
	Wrong         int      `json:"wrong"`
	WrongExamples []string `json:"wrong_examples,omitempty"`
}

func (t *ToolResult) add(secs, rssMB float64, fds int) {
	t.Seconds = append(t.Seconds, secs)
	t.PeakRSS = max(t.PeakRSS, rssMB)
	t.PeakFDs = max(t.PeakFDs, fds)
}

func (t *ToolResult) finish() {
	t.Median = median(t.Seconds)
	if len(t.sweeps) > 0 {
		t.SweepMedian = median(t.sweeps)
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

type key struct {
	addr netip.Addr
	port int
}

func runScenario(sc Scenario, bin, nmap string, runs int) (ScenarioResult, error) {
	res := ScenarioResult{ID: sc.ID, Title: sc.Title, Target: sc.Target, Checks: sc.Checks()}
	if sc.Runs > 0 {
		runs = min(runs, sc.Runs)
	}
	l, err := lab.Build()
	if err != nil {
		return res, err
	}
	defer l.Close()
	if err := sc.Setup(l); err != nil {
		return res, err
	}
	dir, err := os.MkdirTemp("", "portspec-bench-")
	if err != nil {
		return res, err
	}
	if keep {
		fmt.Fprintf(os.Stderr, "  kept in %s\n", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	specPath := filepath.Join(dir, sc.ID+".hcl")
	if err := os.WriteFile(specPath, []byte(sc.Spec), 0o644); err != nil {
		return res, err
	}
	if nmap != "" && sc.Nmap != nil {
		res.Nmap = &ToolResult{}
	}
	baseline := ""
	switch {
	case sc.BaselineSpec != "":
		res.Baseline = sc.BaselineTitle
		baseline = filepath.Join(dir, sc.ID+"-baseline.hcl")
		if err := os.WriteFile(baseline, []byte(sc.BaselineSpec), 0o644); err != nil {
			return res, err
		}
	case sc.LocalBaseline:
		res.Baseline = "the same check run locally"
		baseline = specPath
	}
	if baseline != "" {
		res.Local = &ToolResult{}
	}
	runNmap := func(i int) (map[key]string, error) {
		xmlPath := filepath.Join(dir, "nmap.xml")
		nargs := append(slices.Clone(sc.Nmap), "-oX", xmlPath)
		nargs = append(nargs, nmapTargets(sc.Addrs)...)
		secs, rss, _, err := timed(l, watch{}, nil, nmap, nargs...)
		if err != nil {
			return nil, fmt.Errorf("nmap run %d: %w", i+1, err)
		}
		theirs, err := nmapVerdicts(xmlPath, sc.Proto)
		if err != nil {
			return nil, err
		}
		res.Nmap.add(secs, rss, 0)
		compare(sc, theirs, res.Nmap)
		fmt.Fprintf(os.Stderr, " nmap %.3fs,", secs)
		return theirs, nil
	}
	agreement := func(ours map[key]psResult, theirs map[key]string) {
		for k, v := range ours {
			if theirs[k] == v.Actual {
				res.Agree++
			} else {
				res.Disagree++
			}
		}
	}
	for i := range runs {
		if interrupted.Load() {
			return res, fmt.Errorf("interrupted")
		}
		fmt.Fprintf(os.Stderr, "  run %d:", i+1)
		var theirs map[key]string
		if res.Nmap != nil && sc.NmapFirst {
			if theirs, err = runNmap(i); err != nil {
				return res, err
			}
		}
		jsonPath := filepath.Join(dir, "portspec.json")
		args := append(append([]string{"check", "-q", "--no-trace", "--json", jsonPath, specPath}, sc.Args...), strings.Fields(extraArgs)...)
		if sc.JUnit {
			args = append(args, "--junit", filepath.Join(dir, "junit.xml"))
		}
		var env []string
		if profileDir != "" {
			env = []string{fmt.Sprintf("PORTSPEC_CPUPROFILE=%s/%s-run%d.pprof", profileDir, sc.ID, i+1)}
		}
		if baseline != "" {
			baseArgs := slices.Clone(args)
			baseArgs[slices.Index(baseArgs, specPath)] = baseline
			secs, rss, _, err := timed(l, watch{}, nil, bin, baseArgs...)
			if err != nil {
				return res, fmt.Errorf("portspec's baseline run %d: %w", i+1, err)
			}
			local, err := portspecVerdicts(jsonPath)
			if err != nil {
				return res, err
			}
			res.Local.add(secs, rss, 0)
			baseSc := sc
			if sc.BaselineAddrs != nil {
				baseSc.Addrs = sc.BaselineAddrs
			}
			comparePortspec(baseSc, local.results, res.Local)
			fmt.Fprintf(os.Stderr, " baseline %.3fs,", secs)
			cooldown(sc)
		}
		vantages := []*lab.Namespace{l.Client, l.Client2}
		for v, name := range sc.Via {
			transport := "ip netns exec " + vantages[v].Name
			if profileDir != "" {
				// Each agent's profile beside the coordinator's, rather
				// than all of them written over one file.
				transport = fmt.Sprintf("env PORTSPEC_CPUPROFILE=%s/%s-run%d-agent-%s.pprof %s", profileDir, sc.ID, i+1, name, transport)
			}
			args = append(args, "--via", name+"="+transport)
		}
		if len(sc.Via) > 0 {
			args = append(args, "--via-binary", bin)
		}
		secs, rss, fds, err := timed(l, watch{fds: strings.HasPrefix(sc.ID, "P5"), ownRSS: len(sc.Via) > 0}, env, bin, args...)
		if err != nil {
			return res, fmt.Errorf("portspec run %d: %w", i+1, err)
		}
		run, err := portspecVerdicts(jsonPath)
		if err != nil {
			return res, err
		}
		res.Portspec.add(secs, rss, fds)
		res.Portspec.sweeps = append(res.Portspec.sweeps, secs-run.icmpWait)
		comparePortspec(sc, run.results, &res.Portspec)
		res.ICMPWait = max(res.ICMPWait, run.icmpWait)
		res.MutedErrors = max(res.MutedErrors, run.muted)
		fmt.Fprintf(os.Stderr, " portspec %.3fs (%.1fs waiting, %d muted errors), %.1f MB;", secs, run.icmpWait, run.muted, rss)
		cooldown(sc)

		if res.Nmap != nil && !sc.NmapFirst {
			if theirs, err = runNmap(i); err != nil {
				return res, err
			}
			cooldown(sc)
		}
		if theirs != nil {
			agreement(run.results, theirs)
		}
		fmt.Fprintln(os.Stderr)
	}
	res.Portspec.finish()
	res.Met = res.Portspec.Wrong == 0
	if res.Nmap != nil {
		res.Nmap.finish()
		res.Ratio = res.Portspec.Median / res.Nmap.Median
		if sc.MaxWaitPerError > 0 {
			res.Ratio = res.Portspec.SweepMedian / res.Nmap.Median
		}
		if sc.MaxRatio > 0 {
			res.Met = res.Met && res.Ratio <= sc.MaxRatio
		}
	}
	if res.Local != nil {
		res.Local.finish()
		res.Ratio = res.Portspec.Median / res.Local.Median
		res.Met = res.Met && res.Local.Wrong == 0 && res.Ratio <= sc.MaxRatio
	}
	if sc.RSSLimitMB > 0 {
		res.Met = res.Met && res.Portspec.PeakRSS < sc.RSSLimitMB
	}
	if sc.MaxWaitPerError > 0 {
		// One interval more than the errors: the first, when nothing is
		// known of the budget.
		bound := float64(res.MutedErrors+1) * sc.MaxWaitPerError.Seconds()
		res.Met = res.Met && res.ICMPWait <= bound
	}
	return res, nil
}

func cooldown(sc Scenario) {
	if sc.Cooldown > 0 {
		time.Sleep(sc.Cooldown)
	}
}

// watch says what timed watches of the command while it runs.
type watch struct {
	// fds: the most file descriptors it held at once.
	fds bool
	// ownRSS: its own peak RSS (the kernel's VmHWM, read every 20 ms),
	// not that of its children too, as GNU time's and rusage's is once
	// they have been waited for: an agent's, for a check --via.
	ownRSS bool
}

// timed runs a command in the lab's client namespace and returns its wall
// time, its peak RSS and, when w.fds is set, the most file descriptors
// it held at once.
//
// The peak RSS comes from GNU time when it is installed. Go's own rusage
// of a child is not to be trusted here: Go starts children with
// CLONE_VFORK|CLONE_VM, and Linux credits the child, at its execve, with
// the high-water mark of the memory it shared, which is this harness's.
// After the harness has read a million results, every child would seem to
// use hundreds of megabytes.
func timed(l *lab.Lab, w watch, env []string, name string, args ...string) (float64, float64, int, error) {
	argv := append([]string{"ip", "netns", "exec", l.Client.Name, name}, args...)
	rssFile := ""
	if gnuTime, err := exec.LookPath("/usr/bin/time"); err == nil {
		f, err := os.CreateTemp("", "portspec-bench-rss-")
		if err != nil {
			return 0, 0, 0, err
		}
		f.Close()
		rssFile = f.Name()
		defer os.Remove(rssFile)
		argv = append([]string{gnuTime, "-f", "%M", "-o", rssFile}, argv...)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, 0, err
	}
	peakFDs, ownHWM := 0, 0.0
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		if !w.fds && !w.ownRSS {
			return
		}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if pid := processOf(cmd.Process.Pid, name); pid > 0 {
				if w.fds {
					peakFDs = max(peakFDs, processFDs(pid))
				}
				if w.ownRSS {
					ownHWM = max(ownHWM, processHWM(pid))
				}
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	err := cmd.Wait()
	secs := time.Since(start).Seconds()
	close(stop)
	<-watched
	// check exits 1 when a verdict is wrong; the comparison reports that.
	if exit, ok := err.(*exec.ExitError); ok && exit.ExitCode() == 1 {
		err = nil
	}
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%v: %s", err, stderr.String())
	}
	rssKB := float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
	if rssFile != "" {
		b, err := os.ReadFile(rssFile)
		if err != nil {
			return 0, 0, 0, err
		}
		// The last line: GNU time says a non-zero exit on a line before.
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if rssKB, err = strconv.ParseFloat(lines[len(lines)-1], 64); err != nil {
			return 0, 0, 0, fmt.Errorf("GNU time wrote %q", b)
		}
	}
	if w.ownRSS {
		rssKB = ownHWM
	}
	return secs, rssKB / 1024, peakFDs, nil
}

// processOf is the process running binary: the child itself, or, under
// GNU time, time's child; 0 when there is none yet.
func processOf(pid int, binary string) int {
	for _, p := range append([]int{pid}, children(pid)...) {
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", p))
		if err == nil && filepath.Base(exe) == filepath.Base(binary) {
			return p
		}
	}
	return 0
}

// processFDs counts a process's open files.
func processFDs(pid int) int {
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return 0
	}
	return len(entries)
}

// processHWM is a process's peak RSS so far in kB (VmHWM), 0 when gone.
func processHWM(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb
		}
	}
	return 0
}

func children(pid int) []int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return nil
	}
	var out []int
	for _, f := range strings.Fields(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func compare(sc Scenario, got map[key]string, t *ToolResult) {
	for _, a := range sc.Addrs {
		for _, r := range sc.Ports {
			for p := r[0]; p <= r[1]; p++ {
				want, have := sc.Truth(a, p), got[key{a, p}]
				if want == have {
					continue
				}
				t.Wrong++
				if len(t.WrongExamples) < 10 {
					t.WrongExamples = append(t.WrongExamples, fmt.Sprintf("%s %s/%d: %q, truth %q", a, sc.Proto, p, have, want))
				}
			}
		}
	}
}

// psResult is what the bench reads of one portspec result.
type psResult struct {
	Actual, Verdict, Silence string
}

// psRun is what the bench reads of one portspec run.
type psRun struct {
	results  map[key]psResult
	icmpWait float64 // seconds
	muted    int     // ICMP errors that came only to confirmation tries
}

// portspecVerdicts streams the results out of a JSON report, which for P5
// is half a gigabyte: it is never held whole.
func portspecVerdicts(path string) (psRun, error) {
	run := psRun{results: map[key]psResult{}}
	f, err := os.Open(path)
	if err != nil {
		return run, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	for {
		tok, err := dec.Token()
		if err != nil {
			return run, fmt.Errorf("%s: no results array: %v", path, err)
		}
		if tok == "results" {
			break
		}
	}
	if _, err := dec.Token(); err != nil { // [
		return run, err
	}
	for dec.More() {
		var r struct {
			Address  string
			Port     int
			Actual   string
			Verdict  string
			Evidence struct {
				Silence string
				Tries   []struct {
					Signal  string
					Confirm bool
				}
			}
		}
		if err := dec.Decode(&r); err != nil {
			return run, err
		}
		a, err := netip.ParseAddr(r.Address)
		if err != nil {
			return run, err
		}
		run.results[key{a, r.Port}] = psResult{Actual: r.Actual, Verdict: r.Verdict, Silence: r.Evidence.Silence}
		if n := len(r.Evidence.Tries); n > 0 && r.Evidence.Tries[n-1].Confirm && r.Evidence.Tries[n-1].Signal == "ICMP" {
			run.muted++
		}
	}
	if _, err := dec.Token(); err != nil { // ]
		return run, err
	}
	var rest struct {
		Summary struct {
			ICMPWaitMS float64 `json:"icmp_wait_ms"`
		}
	}
	if tok, err := dec.Token(); err != nil || tok != "summary" {
		return run, fmt.Errorf("%s: no summary after the results", path)
	}
	if err := dec.Decode(&rest.Summary); err != nil {
		return run, err
	}
	run.icmpWait = rest.Summary.ICMPWaitMS / 1000
	return run, nil
}

// comparePortspec counts portspec's wrong verdicts: a check that does not
// pass (every spec is the truth), or a state other than the truth, unless
// it is a silence portspec did not claim to have proven, since its verdict
// did not depend on it.
func comparePortspec(sc Scenario, got map[key]psResult, t *ToolResult) {
	states := map[key]string{}
	for k, r := range got {
		states[k] = r.Actual
		if r.Verdict == "pass" && r.Silence == "unproven" {
			states[k] = sc.Truth(k.addr, k.port)
		}
	}
	compare(sc, states, t)
	for k, r := range got {
		if r.Verdict != "pass" && states[k] == sc.Truth(k.addr, k.port) {
			t.Wrong++
			if len(t.WrongExamples) < 10 {
				t.WrongExamples = append(t.WrongExamples, fmt.Sprintf("%s %s/%d: verdict %s", k.addr, sc.Proto, k.port, r.Verdict))
			}
		}
	}
}

type nmapRun struct {
	Hosts []struct {
		Address []struct {
			Addr string `xml:"addr,attr"`
		} `xml:"address"`
		Extra []struct {
			State   string `xml:"state,attr"`
			Reasons []struct {
				Proto string `xml:"proto,attr"`
				Ports string `xml:"ports,attr"`
			} `xml:"extrareasons"`
		} `xml:"ports>extraports"`
		Ports []struct {
			Proto string `xml:"protocol,attr"`
			ID    int    `xml:"portid,attr"`
			State struct {
				State string `xml:"state,attr"`
			} `xml:"state"`
		} `xml:"ports>port"`
	} `xml:"host"`
}

var nmapStates = map[string]string{
	"open": listening, "closed": notListening, "filtered": filtered, "open|filtered": openFiltered,
}

func nmapVerdicts(path, proto string) (map[key]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var run nmapRun
	if err := xml.Unmarshal(b, &run); err != nil {
		return nil, err
	}
	out := map[key]string{}
	for _, h := range run.Hosts {
		if len(h.Address) == 0 {
			continue
		}
		a, err := netip.ParseAddr(h.Address[0].Addr)
		if err != nil {
			return nil, err
		}
		for _, e := range h.Extra {
			for _, r := range e.Reasons {
				if r.Proto != proto {
					continue
				}
				for _, part := range strings.Split(r.Ports, ",") {
					lo, hi, _ := strings.Cut(part, "-")
					from, _ := strconv.Atoi(lo)
					to := from
					if hi != "" {
						to, _ = strconv.Atoi(hi)
					}
					for p := from; p <= to; p++ {
						out[key{a, p}] = nmapStates[e.State]
					}
				}
			}
		}
		for _, p := range h.Ports {
			if p.Proto == proto {
				out[key{a, p.ID}] = nmapStates[p.State.State]
			}
		}
	}
	return out, nil
}

// nmapTargets writes addresses as nmap takes them: a run of one /24's
// addresses as 198.18.2.1-254.
func nmapTargets(addrs []netip.Addr) []string {
	if len(addrs) > 1 {
		first, last := addrs[0].As4(), addrs[len(addrs)-1].As4()
		return []string{fmt.Sprintf("%d.%d.%d.%d-%d", first[0], first[1], first[2], first[3], last[3])}
	}
	return []string{addrs[0].String()}
}

func printTable(w io.Writer, r Report) {
	fmt.Fprintf(w, "\nmachine: %d CPUs, %s, Linux %s, %s", r.Machine.CPUs, r.Machine.CPU, r.Machine.Kernel, r.Machine.Go)
	if r.Machine.Nmap != "" {
		fmt.Fprintf(w, ", %s", r.Machine.Nmap)
	}
	fmt.Fprintf(w, "\nmedian of %d runs each\n\n", r.Runs)
	fmt.Fprintf(w, "%-4s %8s %11s %11s %7s %6s %6s %9s %9s %7s %6s  %-36s %s\n",
		"", "checks", "portspec s", "nmap s", "ratio", "wrong", "nmap", "agree", "RSS MB", "wait s", "muted", "target", "met")
	for _, s := range r.Scenarios {
		nmapS, ratio, nmapWrong, agree := "-", "-", "-", "-"
		if s.Nmap != nil {
			nmapS = fmt.Sprintf("%.3f", s.Nmap.Median)
			ratio = fmt.Sprintf("%.2f", s.Ratio)
			nmapWrong = strconv.Itoa(s.Nmap.Wrong)
			agree = fmt.Sprintf("%.1f%%", 100*float64(s.Agree)/float64(max(1, s.Agree+s.Disagree)))
		}
		if s.Local != nil {
			ratio = fmt.Sprintf("%.2f", s.Ratio)
		}
		met := "yes"
		if !s.Met {
			met = "NO"
		}
		fmt.Fprintf(w, "%-4s %8d %11.3f %11s %7s %6d %6s %9s %9.1f %7.1f %6d  %-36s %s\n",
			s.ID, s.Checks, s.Portspec.Median, nmapS, ratio, s.Portspec.Wrong, nmapWrong, agree, s.Portspec.PeakRSS, s.ICMPWait, s.MutedErrors, s.Target, met)
	}
	for _, s := range r.Scenarios {
		for _, ex := range s.Portspec.WrongExamples {
			fmt.Fprintf(w, "%s portspec wrong: %s\n", s.ID, ex)
		}
		if s.Nmap != nil {
			for _, ex := range s.Nmap.WrongExamples {
				fmt.Fprintf(w, "%s nmap wrong: %s\n", s.ID, ex)
			}
		}
		if s.Local != nil {
			fmt.Fprintf(w, "%s: %.3f s, its baseline (%s) %.3f s (%d wrong): %.2f×\n", s.ID, s.Portspec.Median, s.Baseline, s.Local.Median, s.Local.Wrong, s.Ratio)
		}
		if s.Portspec.PeakFDs > 0 {
			fmt.Fprintf(w, "%s: portspec held at most %d file descriptors\n", s.ID, s.Portspec.PeakFDs)
		}
	}
}
