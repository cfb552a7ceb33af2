//go:build linux

package main

import (
	"bytes"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
)

// browser finds a Chromium to render the HTML report with: Debian's
// chromium, or another build of it.
func browser() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", errors.New("no chromium on the PATH (Debian: apt-get install chromium)")
}

// headless runs Chromium without a display on a local file, with the
// flags it needs as root in a container, and lets the page's script run.
func headless(chromium, page string, extra ...string) ([]byte, error) {
	abs, err := filepath.Abs(page)
	if err != nil {
		return nil, err
	}
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--hide-scrollbars", "--virtual-time-budget=3000", "--user-data-dir=" + os.TempDir() + "/portspec-chromium"}, extra...)
	cmd := exec.Command(chromium, append(args, "file://"+abs)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", chromium, err, stderr.String())
	}
	return stdout.Bytes(), nil
}

// dumpDOM is the page's DOM once its script has run.
func dumpDOM(chromium, page string) (string, error) {
	dom, err := headless(chromium, page, "--dump-dom")
	return string(dom), err
}

// screenshot renders the page to a PNG, and says how many colours it
// has: a blank page has one or two.
func screenshot(chromium, page, out string, width, height int) (colours int, err error) {
	abs, err := filepath.Abs(out)
	if err != nil {
		return 0, err
	}
	if _, err := headless(chromium, page, fmt.Sprintf("--window-size=%d,%d", width, height), "--screenshot="+abs); err != nil {
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
