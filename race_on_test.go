//go:build race

package quant

// grpRace: the race detector is on (sync.Pool then drops items on purpose,
// so pooled scratch allocates).
const grpRace = true
