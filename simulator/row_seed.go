package simulator

import (
	"hash/fnv"
	"math/bits"
)

// rowSeed identifies one event of one table. Every column value is a pure
// function of it, so rows can be generated lazily, in any order, as often as
// queries ask, and always come out the same.
type rowSeed uint64

// newRowSeed seeds event k of the table whose name hashes to tableSalt.
func newRowSeed(tableSalt uint64, k int64) rowSeed {
	return rowSeed(splitmix64(tableSalt ^ uint64(k)))
}

// salt names one independent random choice made for a row. Columns that
// must agree (a file name and its folder) use the same salt and so the same
// choice.
type salt uint64

func saltOf(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

func newSalt(name string) salt { return salt(saltOf(name)) }

// draw returns the 64 random bits of choice s for this row.
func (r rowSeed) draw(s salt) uint64 {
	return splitmix64(uint64(r) ^ uint64(s))
}

// intn returns a number in [0, n).
func (r rowSeed) intn(s salt, n int) int {
	hi, _ := bits.Mul64(r.draw(s), uint64(n))
	return int(hi)
}

// percent reports true for about p percent of rows.
func (r rowSeed) percent(s salt, p int) bool {
	return r.intn(s, 100) < p
}

// stream returns an endless sequence of random words for values that need
// many bits, such as hashes and encoded command lines.
func (r rowSeed) stream(s salt) func() uint64 {
	state := r.draw(s)
	return func() uint64 {
		state += 0x9e3779b97f4a7c15
		return splitmix64(state)
	}
}

// splitmix64 is a fast, well-mixed 64-bit hash (Steele et al., 2014).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// pick returns one element of choices, chosen by s.
func pick[T any](r rowSeed, s salt, choices []T) T {
	return choices[r.intn(s, len(choices))]
}
