package rowconv

import (
	"math"
	"strconv"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
)

// Integers are parsed from their decimal text, never through float64, which holds only 53 bits:
// 64-bit values such as Kusto longs would come out wrong. These helpers also do not allocate on
// failure, unlike strconv (its *NumError), because a failed integer parse is an ordinary event on
// the hot path (every non-integral number in a dynamic value tries the integer form first).

// parseIntLiteral parses an optional '-' followed by ASCII digits, the form of a JSON integer and of
// a quoted 64-bit integer. ok is false for any other text and for values outside int64.
func parseIntLiteral(s string) (int64, bool) {
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg = true
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, false
	}
	var u uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !jsonscan.IsDigit(c) {
			return 0, false
		}
		if u > (math.MaxUint64-9)/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	return signedInt(u, neg)
}

// signedInt applies a sign to a magnitude, failing when the result does not fit int64.
func signedInt(u uint64, neg bool) (int64, bool) {
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return int64(-u), true // two's complement: u == 1<<63 gives math.MinInt64
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// numberParts is a decimal number split up as [-]intDigits[.fracDigits][e[+-]exp].
type numberParts struct {
	neg        bool
	intDigits  string
	fracDigits string
	exp        int // saturated at ±maxExp
}

// maxExp bounds a parsed exponent; any exponent beyond it puts a non-zero value outside int64
// (or, negative, leaves a fraction), so the exact size no longer matters.
const maxExp = 1 << 20

// splitNumber checks that s is a decimal number and splits it. It is a little more lenient than
// JSON (leading zeros, a leading '+') because it also vets decimals that arrive quoted.
func splitNumber(s string) (numberParts, bool) {
	var p numberParts
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		p.neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && jsonscan.IsDigit(s[i]) {
		i++
	}
	p.intDigits = s[start:i]
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		for i < len(s) && jsonscan.IsDigit(s[i]) {
			i++
		}
		p.fracDigits = s[start:i]
		if p.fracDigits == "" {
			return p, false
		}
	}
	if p.intDigits == "" {
		return p, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		expNeg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			expNeg = s[i] == '-'
			i++
		}
		start = i
		for i < len(s) && jsonscan.IsDigit(s[i]) {
			if p.exp < maxExp {
				p.exp = p.exp*10 + int(s[i]-'0')
			}
			i++
		}
		if i == start {
			return p, false
		}
		p.exp = min(p.exp, maxExp)
		if expNeg {
			p.exp = -p.exp
		}
	}
	return p, i == len(s)
}

// isNumberText reports whether s is a decimal number (see splitNumber).
func isNumberText(s string) bool {
	_, ok := splitNumber(s)
	return ok
}

// exactInt reports the value of a number text that denotes an integer within int64, in any
// notation: "42", "42.0", "4.2e1". It is how an integer column accepts a number, so that a
// serialiser writing a long as 1.0 or 1e3 still yields an Int, while 1.5 does not.
func exactInt(s string) (int64, bool) {
	if v, ok := parseIntLiteral(s); ok {
		return v, true
	}
	p, ok := splitNumber(s)
	if !ok {
		return 0, false
	}
	// The value is D × 10^(exp-len(frac)), D being intDigits followed by fracDigits; walk D's
	// digits in place rather than concatenating them.
	n := len(p.intDigits) + len(p.fracDigits)
	digit := func(i int) byte {
		if i < len(p.intDigits) {
			return p.intDigits[i]
		}
		return p.fracDigits[i-len(p.intDigits)]
	}
	lo, hi := 0, n-1
	for lo < n && digit(lo) == '0' {
		lo++
	}
	if lo == n {
		return 0, true // all zeros, whatever the exponent
	}
	for digit(hi) == '0' {
		hi--
	}
	// Trailing zeros of D move into the exponent.
	e10 := p.exp - len(p.fracDigits) + (n - 1 - hi)
	if e10 < 0 {
		return 0, false // a fraction remains
	}
	// int64 holds at most 19 digits; 19 digits always fit uint64, so no overflow below.
	if hi-lo+1+e10 > 19 {
		return 0, false
	}
	var u uint64
	for i := lo; i <= hi; i++ {
		u = u*10 + uint64(digit(i)-'0')
	}
	for range e10 {
		u *= 10
	}
	return signedInt(u, p.neg)
}

// parseFloat parses a decimal number text as float64. strconv alone would also take "Inf", "NaN"
// and hexadecimal forms, which are not JSON numbers; a value beyond float64's range fails rather
// than becoming an infinity that was never sent.
func parseFloat(s string) (float64, bool) {
	if !isNumberText(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}
