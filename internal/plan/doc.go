// Package plan joins the spec to the runner, and the runner to the
// reports, so that none of the three imports another.
//
// Going down, it turns a spec's checks into the runner's probes: the one
// place where an option's precedence is applied (command line, then the
// block, then the settings block, then the default). Coming back, it
// judges each result against what its check expected and turns it into
// the flat record every reporter reads.
//
//	spec.Check ──Probes──▶ runner.Probe ──runner──▶ runner.Result ──Record──▶ report.Record
package plan
