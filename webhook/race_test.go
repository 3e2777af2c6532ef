//go:build race

package webhook

// raceEnabled: sync.Pool drops items at random under the race detector.
const raceEnabled = true
