package spec_test

import (
	"fmt"
	"os"
	"testing/fstest"

	"github.com/portspec/portspec/spec"
)

// A spec is loaded whole or not at all, then expanded, one check at a
// time, into what a run probes.
func ExampleLoader_Load() {
	l := spec.NewLoader()
	l.FS = fstest.MapFS{"mail.hcl": {Data: []byte(`
host "mx" {
  address = "192.0.2.25"
  tcp "listening" { ports = [25, 587] }
  tcp "blocked"   { ports = [23] }
}
`)}}
	s, diags := l.Load([]string{"mail.hcl"}, spec.Options{})
	if diags.HasErrors() {
		spec.WriteDiagnostics(os.Stdout, l.Files(), diags, false)
		return
	}
	for c := range s.Checks(spec.Selection{}) {
		fmt.Printf("%s %s %s/%d %s\n", c.Host.Name, c.Addr, c.Protocol, c.Port, c.State())
	}
	// Output:
	// mx 192.0.2.25 tcp/25 listening
	// mx 192.0.2.25 tcp/587 listening
	// mx 192.0.2.25 tcp/23 blocked
}

// Every problem is a diagnostic with its place in the file, and the source
// it is about.
func ExampleWriteDiagnostics() {
	l := spec.NewLoader()
	l.FS = fstest.MapFS{"mail.hcl": {Data: []byte(`host "mx" {
  address = "192.0.2.25"
  tcp "listning" { ports = [25] }
}
`)}}
	_, diags := l.Load([]string{"mail.hcl"}, spec.Options{})
	spec.WriteDiagnostics(os.Stdout, l.Files(), diags, false)
	// Output:
	// mail.hcl:3:7: Error: Unknown state "listning"
	//
	//   on mail.hcl line 3, in host "mx":
	//    3:   tcp "listning" { ports = [25] }
	//
	// The label of a tcp block is the expected state: listening, not_listening, filtered or blocked. Did you mean "listening"?
}
