package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portspec/portspec/internal/needs"
	"github.com/portspec/portspec/internal/reporttest"
	"github.com/portspec/portspec/report"
	"github.com/portspec/portspec/verdict"
)

// feed is a RunFunc that reports the records records() gives at the
// time of the run, as a run of check would.
func feed(records func() []report.Record) RunFunc {
	return func(_ context.Context, reporters report.Multi) (report.Summary, error) {
		var sum report.Summary
		if err := reporters.Begin(reporttest.Meta()); err != nil {
			return sum, err
		}
		for _, r := range records() {
			sum.Add(r)
			if err := reporters.Result(r); err != nil {
				return sum, err
			}
		}
		return sum, reporters.End(sum)
	}
}

// all are reporttest's records but the skipped one, which only an
// interrupted run has.
func all() []report.Record {
	var out []report.Record
	for _, r := range reporttest.Records() {
		if r.Verdict != verdict.Skipped {
			out = append(out, r)
		}
	}
	return out
}

// passing are all but those that fail or error, and tcp/587, which
// fails in all, listening: its fix.
func passing() []report.Record {
	var out []report.Record
	var smtp report.Record
	for _, r := range all() {
		if r.Port == 25 {
			smtp = r
		}
		switch {
		case r.Port == 587:
			fixed := smtp
			fixed.Port, fixed.Order, fixed.Source = r.Port, r.Order, r.Source
			out = append(out, fixed)
		case !r.Verdict.Failing():
			out = append(out, r)
		}
	}
	return out
}

// fakeRun is a spec whose outcome the test switches.
type fakeRun struct {
	mu      sync.Mutex
	records func() []report.Record
}

func (f *fakeRun) set(records func() []report.Record) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.records = records
}

func (f *fakeRun) load() (RunFunc, error) {
	return feed(func() []report.Record {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.records()
	}), nil
}

func newServer(t *testing.T, f *fakeRun, log io.Writer, maxSeries int) *Server {
	t.Helper()
	s, err := New(f.load, Options{Interval: time.Second, History: 2, MaxSeries: maxSeries, Dir: t.TempDir(), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec.Code, rec.Body.String()
}

// TestHealthFollowsRuns: /healthz is 503 before the first run, 200 while
// the last run passed, 503 with the counts when a check fails, and 200
// again once it is fixed; the metrics and /changes say the same.
func TestHealthFollowsRuns(t *testing.T) {
	f := &fakeRun{records: passing}
	var log bytes.Buffer
	s := newServer(t, f, &log, 1000)
	h := s.Handler()
	if code, body := get(t, h, "/healthz"); code != 503 || body != "no run yet\n" {
		t.Errorf("before the first run: %d %q", code, body)
	}
	if code, _ := get(t, h, "/"); code != 503 {
		t.Errorf("the HTML before the first run: %d", code)
	}
	ctx := context.Background()
	s.runOnce(ctx, 1)
	if code, body := get(t, h, "/healthz"); code != 200 || !strings.HasPrefix(body, "ok: run 1: 5 passed, 0 failed, 1 waived") {
		t.Errorf("all passing: %d %q", code, body)
	}
	f.set(all)
	s.runOnce(ctx, 2)
	code, body := get(t, h, "/healthz")
	if code != 503 || !strings.HasPrefix(body, "failing: run 2: 4 passed, 3 failed, 1 error, 1 waived") {
		t.Errorf("failing: %d %q", code, body)
	}
	_, metrics := get(t, h, "/metrics")
	for _, want := range []string{
		`portspec_checks{verdict="fail"} 3`,
		`portspec_checks{verdict="error"} 1`,
		`portspec_checks{verdict="waived"} 1`,
		`portspec_check_failing{actual="FILTERED",address="198.18.0.2",expected="listening",host="mx",port="587",protocol="tcp",vantage=""} 1`,
		`portspec_check_failing_dropped_series 0`,
		`portspec_runs_total 2`,
		`portspec_run_overruns_total 0`,
		`portspec_last_run_error 0`,
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("the metrics have no %q:\n%s", want, metrics)
		}
	}
	promtoolClean(t, metrics)
	if code, html := get(t, h, "/"); code != 200 || !strings.Contains(html, "<html") {
		t.Errorf("the HTML: %d", code)
	}
	code, results := get(t, h, "/results.json")
	if code != 200 {
		t.Fatalf("/results.json: %d", code)
	}
	if records, tail, err := reporttest.ReadAll([]byte(results)); err != nil || tail.Total != 9 || len(records) != 9 {
		t.Errorf("/results.json: %v, %+v", err, tail)
	}
	f.set(passing)
	s.runOnce(ctx, 3)
	if code, _ := get(t, h, "/healthz"); code != 200 {
		t.Errorf("fixed: %d", code)
	}
	var changes struct {
		Runs []struct {
			Run     int
			Summary map[string]int
			Changes []struct{ Port int }
		}
	}
	_, body = get(t, h, "/changes")
	if err := json.Unmarshal([]byte(body), &changes); err != nil {
		t.Fatal(err)
	}
	if len(changes.Runs) != 2 || changes.Runs[0].Run != 2 || changes.Runs[0].Summary["newly_failing"] != 4 || changes.Runs[1].Summary["fixed"] != 1 {
		t.Errorf("/changes: %s", body)
	}
	for _, want := range []string{"run 2: newly failing: mx (198.18.0.2) tcp/587 listening: LISTENING pass → FILTERED fail", "run 3: fixed: mx (198.18.0.2) tcp/587 listening: FILTERED fail → LISTENING pass"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log has no %q:\n%s", want, log.String())
		}
	}
	// History 2: a fourth run leaves the third's and the fourth's.
	s.runOnce(ctx, 4)
	_, body = get(t, h, "/changes")
	json.Unmarshal([]byte(body), &changes)
	if len(changes.Runs) != 2 || changes.Runs[0].Run != 3 {
		t.Errorf("history of 2: %s", body)
	}
}

// TestMaxSeries: past --max-series, failing checks are counted, not
// given series of their own.
func TestMaxSeries(t *testing.T) {
	s := newServer(t, &fakeRun{records: all}, nil, 1)
	s.runOnce(context.Background(), 1)
	_, metrics := get(t, s.Handler(), "/metrics")
	if n := strings.Count(metrics, "portspec_check_failing{"); n != 1 {
		t.Errorf("%d failing series, want 1", n)
	}
	if !strings.Contains(metrics, "portspec_check_failing_dropped_series 3\n") {
		t.Errorf("no count of the dropped series:\n%s", metrics)
	}
}

// TestSameCheckTwice: two blocks that check one port the same way and
// both fail make one series, not a scrape Prometheus refuses.
func TestSameCheckTwice(t *testing.T) {
	twice := func() []report.Record {
		var out []report.Record
		for _, r := range all() {
			out = append(out, r)
			if r.Port == 587 {
				r.Source = "mail.hcl:40:3"
				out = append(out, r)
			}
		}
		return out
	}
	s := newServer(t, &fakeRun{records: twice}, nil, 100)
	s.runOnce(context.Background(), 1)
	code, metrics := get(t, s.Handler(), "/metrics")
	if code != 200 || strings.Count(metrics, `port="587"`) != 1 {
		t.Errorf("/metrics: %d\n%s", code, metrics)
	}
}

// TestReloadKeepsServing: a spec that no longer loads is logged, and the
// one before keeps running.
func TestReloadKeepsServing(t *testing.T) {
	var log bytes.Buffer
	s := newServer(t, &fakeRun{records: passing}, &log, 10)
	s.Reload(func() (RunFunc, error) { return nil, errors.New("mail.hcl:3:7: Unknown state") })
	s.runOnce(context.Background(), 1)
	if code, _ := get(t, s.Handler(), "/healthz"); code != 200 {
		t.Errorf("after a failed reload: %d", code)
	}
	if !strings.Contains(log.String(), "reload: the spec did not load, the one before is kept: mail.hcl:3:7: Unknown state") {
		t.Errorf("log: %s", log.String())
	}
}

// TestOverrun: a run longer than the interval is followed by the next at
// once, and counted.
func TestOverrun(t *testing.T) {
	slow := func() (RunFunc, error) {
		return func(ctx context.Context, reporters report.Multi) (report.Summary, error) {
			time.Sleep(1100 * time.Millisecond)
			return feed(passing)(ctx, reporters)
		}, nil
	}
	s, err := New(slow, Options{Interval: time.Second, History: 2, MaxSeries: 10, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Loop(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		_, metrics := get(t, s.Handler(), "/metrics")
		if strings.Contains(metrics, "portspec_runs_total 2\n") {
			if !strings.Contains(metrics, "portspec_run_overruns_total 2\n") && !strings.Contains(metrics, "portspec_run_overruns_total 1\n") {
				t.Errorf("two runs of 1.1 s at a 1 s interval, no overrun counted:\n%s", metrics)
			}
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	<-done
}

// TestIntervalFloor: under a second is refused.
func TestIntervalFloor(t *testing.T) {
	if _, err := New((&fakeRun{records: passing}).load, Options{Interval: 500 * time.Millisecond}); err == nil {
		t.Error("an interval of 500ms was taken")
	}
}

// promtoolClean runs promtool check metrics on text: clean, no lint.
func promtoolClean(t *testing.T, text string) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	needs.That(t, err == nil, "promtool is not installed: .ci/run installs prometheus")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestStopWhenIdle: between runs, a stop ends the loop at once, as
// SIGTERM must end serve within a second.
func TestStopWhenIdle(t *testing.T) {
	s, err := New((&fakeRun{records: passing}).load, Options{Interval: time.Minute, History: 2, MaxSeries: 10, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Loop(ctx); close(done) }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		code, body := get(t, s.Handler(), "/healthz")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no passing run in 10s: %d %s", code, body)
		}
	}
	start := time.Now()
	cancel()
	select {
	case <-done:
		t.Logf("stopped %s after the cancel", time.Since(start))
	case <-time.After(time.Second):
		t.Fatal("the loop did not stop within a second of the cancel, idle")
	}
}

// TestAlertRules: examples/serve/alerts.yml is valid, and a check failing
// for ten minutes fires its alert while one fixed before does not
// (promtool test rules).
func TestAlertRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	needs.That(t, err == nil, "promtool is not installed: .ci/run installs prometheus")
	for _, args := range [][]string{{"check", "rules", "../../examples/serve/alerts.yml"}, {"test", "rules", "testdata/alerts_test.yml"}} {
		if out, err := exec.Command(promtool, args...).CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestHostGuard: on loopback, only a loopback or localhost Host is
// served, so a page that rebinds its own name to 127.0.0.1 reads
// nothing; a server exposed on purpose serves any.
func TestHostGuard(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(200) })
	loopback := HostGuard(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9464}, ok)
	for host, want := range map[string]int{"127.0.0.1:9464": 200, "localhost:9464": 200, "LOCALHOST": 200, "[::1]:9464": 200,
		"evil.example.com:9464": 421, "198.51.100.7:9464": 421, "": 421} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/results.json", nil)
		req.Host = host
		loopback.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Host %q: %d, want %d", host, rec.Code, want)
		}
	}
	exposed := HostGuard(&net.TCPAddr{IP: net.IPv4zero, Port: 9464}, ok)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Host = "portspec.example.com"
	if exposed.ServeHTTP(rec, req); rec.Code != 200 {
		t.Errorf("on every address, Host portspec.example.com: %d", rec.Code)
	}
}
