// Package junit writes portspec's results as JUnit XML, the format CI
// systems gate on: one testsuite per host address, one testcase per check.
// It uses github.com/jstemmer/go-junit-report/v2/junit's types and
// encoding/xml, never hand-made XML, and the output validates against the
// Jenkins xUnit junit-10 schema.
//
// Suites are written as each host address completes and held in a spool
// file until the end, when the document is assembled with its totals, so a
// run of a million checks needs no more memory than one suite's.
package junit
