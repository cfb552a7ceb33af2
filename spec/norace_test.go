//go:build !race

package spec

// raceSlowdown is how much slower the race detector makes evaluation.
const raceSlowdown = 1
