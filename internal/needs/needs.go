// Package needs is how a test asks for what it cannot run without: a
// tool on PATH, root. Outside CI a test whose need is missing is skipped,
// saying what to install; in CI (CI=true, or PORTSPEC_LAB=required) it
// fails, so that a test cannot vanish from a run because a machine lacks
// a package.
package needs

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Strict reports whether a missing need fails the test rather than skip
// it: in CI, or when PORTSPEC_LAB=required.
func Strict() bool {
	return os.Getenv("CI") == "true" || os.Getenv("PORTSPEC_LAB") == "required"
}

// Tool returns the path of the command name, which the test needs; pkg
// says where it comes from ("Debian's libxml2-utils").
func Tool(tb testing.TB, name, pkg string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missing(tb, fmt.Sprintf("%s is not installed (%s)", name, pkg))
	}
	return path
}

// That makes sure ok holds; why says what is missing when it does not.
func That(tb testing.TB, ok bool, why string) {
	tb.Helper()
	if !ok {
		missing(tb, why)
	}
}

// Root makes sure the test runs as root; why says what for.
func Root(tb testing.TB, why string) {
	tb.Helper()
	if os.Geteuid() != 0 {
		missing(tb, "needs root to "+why)
	}
}

func missing(tb testing.TB, why string) {
	tb.Helper()
	if Strict() {
		tb.Fatalf("%s, and CI=true (or PORTSPEC_LAB=required) requires it", why)
	}
	tb.Skip(why)
}

// Condition is a testscript condition for a need, "tool:NAME" or "root":
// true when it is met, false (the script may skip) when it is not, and an
// error, which fails the script, when it is not and Strict holds.
func Condition(cond string) (met bool, err error) {
	var why string
	switch {
	case cond == "root":
		met, why = os.Geteuid() == 0, "root"
	case len(cond) > 5 && cond[:5] == "tool:":
		_, lookErr := exec.LookPath(cond[5:])
		met, why = lookErr == nil, cond[5:]+" on PATH"
	default:
		return false, fmt.Errorf("unknown need %q", cond)
	}
	if !met && Strict() {
		return false, fmt.Errorf("the script needs %s, and CI=true (or PORTSPEC_LAB=required) requires it", why)
	}
	return met, nil
}
