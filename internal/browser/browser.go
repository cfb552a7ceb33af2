// Package browser renders a page in headless Chromium: for the tests of
// the HTML report, which check what its script leaves in the DOM, and
// for the README's picture of it.
package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Chromium finds a Chromium to render with: Debian's chromium, or
// another build of it.
func Chromium() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", errors.New("no chromium on the PATH (Debian: apt-get install chromium)")
}

// timeout bounds a run of Chromium, which can hang rather than fail.
const timeout = 2 * time.Minute

// headless runs Chromium without a display on a local file, with the
// flags it needs as root in a container, and lets the page's script run.
// fragment, when not "", is the URL's, without its "#".
func headless(chromium, page, fragment string, extra ...string) ([]byte, error) {
	abs, err := filepath.Abs(page)
	if err != nil {
		return nil, err
	}
	path := filepath.ToSlash(abs)
	if !strings.HasPrefix(path, "/") {
		path = "/" + path // C:/x
	}
	// A profile of its own: two Chromiums of one profile (two test
	// packages at once) are one, and the second prints nothing.
	profile, err := os.MkdirTemp("", "portspec-chromium-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(profile)
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--hide-scrollbars", "--virtual-time-budget=3000", "--user-data-dir=" + profile}, extra...)
	args = append(args, (&url.URL{Scheme: "file", Path: path, Fragment: fragment}).String())
	out, err := run(chromium, args)
	var crash *exec.ExitError
	if errors.As(err, &crash) && crashed(crash.ProcessState.Sys()) {
		// Chromium crashes now and then on a loaded machine (a
		// segmentation fault in a CI run that passed alone three times
		// after): once more, and both crashes said if it crashes again.
		var again error
		if out, again = run(chromium, args); again != nil {
			return nil, fmt.Errorf("%w; before that: %w", again, err)
		}
		return out, nil
	}
	return out, err
}

// crashed says whether a process ended by a signal of its own fault
// (SIGKILL is timeout's, or the OOM killer's).
func crashed(status any) bool {
	ws, ok := status.(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() != syscall.SIGKILL
}

// run runs Chromium once, within timeout.
func run(chromium string, args []string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", chromium, err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// DumpDOM is the DOM of the page, opened at the fragment ("" for none),
// once its script has run.
func DumpDOM(chromium, page, fragment string) (string, error) {
	dom, err := headless(chromium, page, fragment, "--dump-dom")
	return string(dom), err
}

// Screenshot renders the page to a PNG, and says how many colours it
// has: a blank page has one or two.
func Screenshot(chromium, page, out string, width, height int) (colours int, err error) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return 0, err
	}
	if _, err := headless(chromium, page, "", fmt.Sprintf("--window-size=%d,%d", width, height), "--screenshot="+abs); err != nil {
		return 0, err
	}
	f, err := os.Open(abs)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return 0, fmt.Errorf("the screenshot is not a PNG: %v", err)
	}
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r >> 8, g >> 8, bl >> 8, a >> 8}] = true
		}
	}
	return len(seen), nil
}
