//go:build !race

package rowconv

// raceEnabled: the race detector slows the converter several times over, so time bounds widen.
const raceEnabled = false
