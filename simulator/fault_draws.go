package simulator

// faultDraws decides which calls fail. The draw for the n-th call is a hash
// of the seed, the purpose of the draw and n, not the output of a shared
// random source, so the same seed fails the same calls however the calls
// interleave with other requests, and a draw made for one purpose (say the
// token endpoint's) does not shift the others.
type faultDraws struct {
	faults *Faults
	seed   uint64
}

var perCallDraw = newSalt("fault.perCall")

// uniform returns a number in [0, 1) for call n and purpose.
func (d faultDraws) uniform(purpose salt, n int64) float64 {
	bits := splitmix64(splitmix64(d.seed^uint64(purpose)) + uint64(n))
	return float64(bits>>11) / (1 << 53)
}

// forCall returns the fault that hits hunting call n, if any. One draw
// picks among the per-call faults, each taking a slice of [0, 1) as wide
// as its probability, so each hits its share of calls exactly.
func (d faultDraws) forCall(n int64) (faultKind, bool) {
	u := d.uniform(perCallDraw, n)
	for _, k := range perCallFaults {
		p := *d.faults.field(k)
		if u < p {
			return k, true
		}
		u -= p
	}
	return 0, false
}

// hits reports whether fault k, one that is drawn on its own (a
// conditional fault or the token endpoint's), hits call n.
func (d faultDraws) hits(k faultKind, n int64) bool {
	return d.uniform(newSalt("fault."+k.String()), n) < *d.faults.field(k)
}
