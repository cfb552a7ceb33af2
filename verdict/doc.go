// Package verdict is the vocabulary the other packages share at their
// seams: the protocols, the states a spec expects of a port, the statuses
// a probe finds (PortQry's words), and the verdict that compares the two.
//
// Judge is the one place where a found status meets an expected state, and
// every mapping between the two vocabularies lives here beside it: what a
// snapshot writes for a status, PortQry's -q exit code, whether a verdict
// depends on a silence being proven. The spec, the runner and the reports
// import this package and nothing of each other.
package verdict
