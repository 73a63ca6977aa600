package rowconv

import (
	"math"
	"math/big"
	"strconv"
	"testing"
)

func TestParseIntLiteral(t *testing.T) {
	valid := map[string]int64{
		"0": 0, "-0": 0, "7": 7, "-7": -7, "007": 7,
		"9223372036854775807":  math.MaxInt64,
		"-9223372036854775808": math.MinInt64,
		"9007199254740993":     9007199254740993,
	}
	for in, want := range valid {
		if got, ok := parseIntLiteral(in); !ok || got != want {
			t.Errorf("parseIntLiteral(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "-", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "1_000", "abc",
		"9223372036854775808", "-9223372036854775809", "99999999999999999999999"} {
		if got, ok := parseIntLiteral(in); ok {
			t.Errorf("parseIntLiteral(%q) = %d, true; want failure", in, got)
		}
	}
}

func TestExactInt(t *testing.T) {
	valid := map[string]int64{
		"42": 42, "42.0": 42, "4.2e1": 42, "4.20E+1": 42, "420e-1": 42, "-1e3": -1000, "0.0": 0, "-0.0e5": 0,
		"0e999999999999999999": 0, "1E18": 1e18, "9.223372036854775807e18": math.MaxInt64,
		"-9223372036854775808.000": math.MinInt64, "00012": 12,
	}
	for in, want := range valid {
		if got, ok := exactInt(in); !ok || got != want {
			t.Errorf("exactInt(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"1.5", "1e-1", "15e-1", "9223372036854775808", "1e19", "1e999999999999999999",
		"-9.223372036854775809e18", "", ".5", "5.", "1e", "1e+", "abc", "NaN", "Infinity", "1.0.0"} {
		if got, ok := exactInt(in); ok {
			t.Errorf("exactInt(%q) = %d, true; want failure", in, got)
		}
	}
}

// exactInt against arbitrary-precision arithmetic over many notations of many values.
func TestExactIntAgainstBigRat(t *testing.T) {
	mantissas := []string{"0", "1", "12", "120", "1.5", "123456789", "9.223372036854775807", "9223372036854775807",
		"9223372036854775808", "-5", "-0.25", "100000", "0.001", "-9223372036854775808", "18446744073709551615"}
	exps := []string{"", "e0", "e1", "e-1", "e2", "e-3", "E+5", "e18", "e19", "e-19"}
	for _, m := range mantissas {
		for _, e := range exps {
			in := m + e
			r, ok := new(big.Rat).SetString(in)
			if !ok {
				t.Fatalf("big.Rat cannot parse %q", in)
			}
			wantOK := r.IsInt() && r.Num().IsInt64()
			got, gotOK := exactInt(in)
			if gotOK != wantOK || (wantOK && got != r.Num().Int64()) {
				t.Errorf("exactInt(%q) = %d, %v; big.Rat says %s (int64: %v)", in, got, gotOK, r.RatString(), wantOK)
			}
		}
	}
}

func TestParseFloat(t *testing.T) {
	for in, want := range map[string]float64{"1.5": 1.5, "-2": -2, "1e300": 1e300, "1e-400": 0, "0.1": 0.1} {
		if got, ok := parseFloat(in); !ok || got != want {
			t.Errorf("parseFloat(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	// strconv.ParseFloat accepts all of these; none is a JSON number, and 1e400 is out of range.
	for _, in := range []string{"NaN", "Inf", "+Inf", "0x1p-2", "1_0", "1e400", "-1e400", ""} {
		if got, ok := parseFloat(in); ok {
			t.Errorf("parseFloat(%q) = %v, true; want failure", in, got)
		}
	}
}

func TestIsNumberText(t *testing.T) {
	for _, in := range []string{"0", "-1", "+1", "1.25", "12345678901234567890.123456789", "1E+2", "007"} {
		if !isNumberText(in) {
			t.Errorf("isNumberText(%q) = false", in)
		}
	}
	for _, in := range []string{"", "-", ".5", "5.", "1e", "abc", "1 ", "1,5", "NaN", strconv.Quote("1")} {
		if isNumberText(in) {
			t.Errorf("isNumberText(%q) = true", in)
		}
	}
}

func TestNumberHelpersDoNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		exactInt("1.5")
		exactInt("4.2e1")
		parseIntLiteral("abc")
		isNumberText("12.5e3")
	})
	if allocs != 0 {
		t.Errorf("number helpers allocate %v times", allocs)
	}
}
