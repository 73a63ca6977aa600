package rowconv

import (
	"testing"
	"time"
)

func TestParseDateTime(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	valid := []struct {
		in   string
		want time.Time
	}{
		{"2020-08-30T06:38:35.7664356Z", utc(2020, 8, 30, 6, 38, 35, 766435600)},
		{"2020-08-30T06:38:35.0000001Z", utc(2020, 8, 30, 6, 38, 35, 100)},
		{"2020-08-30T06:38:35.9999999Z", utc(2020, 8, 30, 6, 38, 35, 999999900)},
		{"2020-08-30T06:38:35.123456789Z", utc(2020, 8, 30, 6, 38, 35, 123456789)},
		{"2020-08-30T06:38:35.5Z", utc(2020, 8, 30, 6, 38, 35, 500000000)},
		{"2020-08-30T06:38:35Z", utc(2020, 8, 30, 6, 38, 35, 0)},
		{"2020-08-30T06:38:35", utc(2020, 8, 30, 6, 38, 35, 0)},
		{"2020-08-30T06:38:35.7664356", utc(2020, 8, 30, 6, 38, 35, 766435600)},
		{"2020-08-30 06:38:35.12Z", utc(2020, 8, 30, 6, 38, 35, 120000000)},
		{"2020-08-30t06:38:35z", utc(2020, 8, 30, 6, 38, 35, 0)},
		{"2020-08-30T08:38:35.7664356+02:00", utc(2020, 8, 30, 6, 38, 35, 766435600)},
		{"2020-08-30T01:08:35.7664356-05:30", utc(2020, 8, 30, 6, 38, 35, 766435600)},
		{"2020-08-30T06:38:35-00:00", utc(2020, 8, 30, 6, 38, 35, 0)},
		{"2020-01-01T00:30:00+01:00", utc(2019, 12, 31, 23, 30, 0, 0)},
		{"2024-02-29T23:59:59.9999999Z", utc(2024, 2, 29, 23, 59, 59, 999999900)},
		{"2000-02-29T00:00:00Z", utc(2000, 2, 29, 0, 0, 0, 0)},
		{"0001-01-01T00:00:00Z", utc(1, 1, 1, 0, 0, 0, 0)},
		{"9999-12-31T23:59:59.9999999Z", utc(9999, 12, 31, 23, 59, 59, 999999900)},
	}
	for _, tc := range valid {
		got, ok := ParseDateTime(tc.in)
		if !ok || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("ParseDateTime(%q) = %v, %v; want %v, true (UTC)", tc.in, got, ok, tc.want)
		}
		// Where the standard library's RFC 3339 parser applies, both must agree to the nanosecond.
		if std, err := time.Parse(time.RFC3339Nano, tc.in); err == nil && !std.Equal(got) {
			t.Errorf("ParseDateTime(%q) = %v, time.Parse says %v", tc.in, got, std)
		}
		if !isDateTime(tc.in) {
			t.Errorf("isDateTime(%q) = false; ParseDateTime accepts it", tc.in)
		}
	}

	invalid := []string{
		"", "2020", "2020-08-30", "2020-08-30T06:38", "yesterday",
		"2020-08-30T06:38:35.", "2020-08-30T06:38:35.1234567890Z", "2020-08-30T06:38:35.12a4Z",
		"2020-08-30T06:38:35ZZ", "2020-08-30T06:38:35 Z", "2020-08-30T06:38:35+0200", "2020-08-30T06:38:35+02",
		"2020-08-30T06:38:35+24:00", "2020-08-30T06:38:35+02:60", "2020-08-30T06:38:35+0a:00",
		"2020-13-01T00:00:00Z", "2020-00-01T00:00:00Z", "2020-01-00T00:00:00Z", "2020-04-31T00:00:00Z",
		"2021-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2020-01-01T24:00:00Z", "2020-01-01T23:60:00Z",
		"2020-01-01T23:59:60Z", "2020/08/30T06:38:35Z", "2020-08-30X06:38:35Z", "2020-08-30T06-38-35Z",
		"+020-08-30T06:38:35Z", "2020-8-30T06:38:35Z", "2020-08-30T06:38:35.7664356Z ", " 2020-08-30T06:38:35Z",
		"1598769515",
	}
	for _, in := range invalid {
		if got, ok := ParseDateTime(in); ok {
			t.Errorf("ParseDateTime(%q) = %v, true; want failure", in, got)
		}
		if isDateTime(in) {
			t.Errorf("isDateTime(%q) = true; want false", in)
		}
	}
}

// Each accepted fraction length must scale to nanoseconds exactly: no rounding, no lost digit.
func TestParseDateTimeFractionDigits(t *testing.T) {
	const digits = "123456789"
	for n := 1; n <= 9; n++ {
		in := "2020-08-30T06:38:35." + digits[:n] + "Z"
		got, ok := ParseDateTime(in)
		want := 0
		for i := 0; i < 9; i++ {
			want *= 10
			if i < n {
				want += int(digits[i] - '0')
			}
		}
		if !ok || got.Nanosecond() != want {
			t.Errorf("ParseDateTime(%q) nanoseconds = %d, %v; want %d", in, got.Nanosecond(), ok, want)
		}
	}
}

func TestParseDateTimeDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		ParseDateTime("2020-08-30T08:38:35.7664356+02:00")
		ParseDateTime("not a date, not even close")
	})
	if allocs != 0 {
		t.Errorf("ParseDateTime allocates %v times per call pair", allocs)
	}
}

// Wherever the standard library's RFC 3339 parser accepts a text too, both must read the same
// instant; and isDateTime must agree with ParseDateTime on every text.
func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{
		"2020-08-30T06:38:35.7664356Z", "2020-08-30T08:38:35.7664356+02:00", "2024-02-29T23:59:59Z",
		"2020-08-30 06:38:35", "2021-02-29T00:00:00Z", "2020-08-30T06:38:35.1234567891Z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseDateTime(s)
		if isDateTime(s) != ok {
			t.Fatalf("isDateTime(%q) = %v, ParseDateTime says %v", s, !ok, ok)
		}
		if std, err := time.Parse(time.RFC3339Nano, s); ok && err == nil && !std.Equal(got) {
			t.Fatalf("ParseDateTime(%q) = %v, time.Parse says %v", s, got, std)
		}
	})
}
