package main

import (
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// waitHTTPCmd asks an HTTP server in a lab namespace (through curl under
// ip netns exec) until it answers with the status and a body matching
// the pattern, within a deadline, and leaves the body as stdout: a
// script's way to watch a server change rather than guess when it has.
//
//	waithttp NS URL STATUS REGEXP [SECONDS]
func waitHTTPCmd(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 4 || len(args) > 5 {
		ts.Fatalf("usage: waithttp NS URL STATUS REGEXP [SECONDS]")
	}
	wantStatus := args[2]
	re := regexp.MustCompile("(?m)" + args[3])
	within := 20 * time.Second
	if len(args) == 5 {
		secs, err := strconv.ParseFloat(args[4], 64)
		ts.Check(err)
		within = time.Duration(secs * float64(time.Second))
	}
	start := time.Now()
	var status, body string
	for time.Since(start) < within {
		out, _ := exec.Command("ip", "netns", "exec", args[0], "curl", "-s", "--max-time", "2", "-w", "\n%{http_code}", args[1]).Output()
		text := string(out)
		if i := strings.LastIndexByte(text, '\n'); i >= 0 {
			body, status = text[:i], text[i+1:]
		}
		if status == wantStatus && re.MatchString(body) {
			ts.Logf("waithttp %s: %s after %s", args[1], status, time.Since(start).Round(10*time.Millisecond))
			ts.Stdout().Write([]byte(body))
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	ts.Fatalf("waithttp %s: no %s matching %q within %s; the last answer was %s:\n%s", args[1], wantStatus, args[3], within, status, body)
}
