// Package repocheck holds tests of the repository itself, not of any
// package's code: what git tracks.
package repocheck
