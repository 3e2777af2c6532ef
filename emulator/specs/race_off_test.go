//go:build !race

package specs

// raceEnabled is true when the tests run under the race detector, which
// makes parsing a spec about six times slower.
const raceEnabled = false
