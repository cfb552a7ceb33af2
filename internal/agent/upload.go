package agent

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"time"
)

// absentError is a far end with no portspec of this version to run: the
// agent did not say hello (not there), or said another version.
type absentError struct{ error }

func (e absentError) Unwrap() error { return e.error }

// farPlatform reads the far end's OS and architecture with uname -sm, as
// Go names them.
func farPlatform(ctx context.Context, v Vantage) (goos, goarch string, err error) {
	out, err := transport(ctx, v, nil, "uname", "-sm")
	if err != nil {
		return "", "", err
	}
	fields := strings.Fields(string(out))
	if len(fields) != 2 {
		return "", "", fmt.Errorf("uname -sm said %s", quoteCut(string(out)))
	}
	goos = map[string]string{"Linux": "linux", "Darwin": "darwin", "FreeBSD": "freebsd"}[fields[0]]
	goarch = map[string]string{"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}[fields[1]]
	if goos == "" || goarch == "" {
		return "", "", fmt.Errorf("uname -sm said %s, no OS and architecture portspec is built for", quoteCut(string(out)))
	}
	return goos, goarch, nil
}

// privateDir is what mktemp -d may name: the path goes back into command
// lines unquoted, so it may hold nothing a shell would read twice.
var privateDir = regexp.MustCompile(`^/[A-Za-z0-9._/-]{1,200}$`)

// upload puts this binary on v's far end, when its OS and architecture
// are this one's, in a private temporary directory (mktemp -d, mode
// 0700), and returns the directory. Every command it sends is words that
// need no quoting (the directory is checked to be such a word), for ssh
// joins its words into one line that a shell there reads again; and none
// needs a shell, for the binary comes through dd's stdin.
func upload(ctx context.Context, v Vantage) (string, error) {
	goos, goarch, err := farPlatform(ctx, v)
	if err != nil {
		return "", fmt.Errorf("finding the far end's OS: %v", err)
	}
	if goos != runtime.GOOS || goarch != runtime.GOARCH {
		return "", fmt.Errorf("the far end is %s/%s and this portspec %s/%s: put portspec of this version for %s/%s there (the release archive portspec_*_%s_%s) and give --via-binary",
			goos, goarch, runtime.GOOS, runtime.GOARCH, goos, goarch, goos, goarch)
	}
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	bin, err := os.Open(self)
	if err != nil {
		return "", err
	}
	defer bin.Close()
	out, err := transport(ctx, v, nil, "mktemp", "-d")
	dir := strings.TrimSpace(string(out))
	switch {
	case err != nil:
		return "", fmt.Errorf("making a directory there: %v", err)
	case !privateDir.MatchString(dir):
		return "", fmt.Errorf("making a directory there: mktemp -d named %s", quoteCut(dir))
	}
	if _, err := transport(ctx, v, bin, "dd", "of="+dir+"/portspec", "bs=65536"); err != nil {
		removeUpload(v, dir)
		return "", fmt.Errorf("copying this portspec there: %v", err)
	}
	if _, err := transport(ctx, v, nil, "chmod", "700", dir+"/portspec"); err != nil {
		removeUpload(v, dir)
		return "", fmt.Errorf("copying this portspec there: %v", err)
	}
	return dir, nil
}

// removeUpload removes the directory upload made.
func removeUpload(v Vantage, dir string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	transport(ctx, v, nil, "rm", "-rf", "--", dir)
}

// transport runs args on v's far end, with stdin, and returns its
// stdout, at most 4 KiB of it.
func transport(ctx context.Context, v Vantage, stdin io.Reader, args ...string) ([]byte, error) {
	all := append(append([]string(nil), v.Command...), args...)
	cmd := exec.CommandContext(ctx, all[0], all[1:]...)
	cmd.Stdin = stdin
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	tail := &stderrTail{}
	cmd.Stdout, cmd.Stderr = &limited{w: &out, n: 4096}, tail
	if err := cmd.Run(); err != nil {
		if lines := tail.lines(); lines != "" {
			return nil, fmt.Errorf("%v; its stderr: %s", err, lines)
		}
		return nil, err
	}
	return out.Bytes(), nil
}

// limited keeps the first n bytes written, and drops the rest.
type limited struct {
	w io.Writer
	n int
}

func (l *limited) Write(b []byte) (int, error) {
	keep := b[:min(len(b), max(l.n, 0))]
	l.n -= len(keep)
	if _, err := l.w.Write(keep); err != nil {
		return 0, err
	}
	return len(b), nil
}
