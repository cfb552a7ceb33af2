package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"portspec": func() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) },
	})
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			// The examples are part of the contract: scripts can use them.
			env.Setenv("EXAMPLES", examplesDir())
			return nil
		},
	})
}

func examplesDir() string {
	wd, _ := os.Getwd()
	return wd + "/../../examples"
}
