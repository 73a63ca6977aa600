package simulator

import (
	"testing"
	"time"
)

func TestFormatDatetimeAlwaysHasSevenFractionalDigits(t *testing.T) {
	tests := []struct {
		in   time.Time
		want string
	}{
		{time.Date(2020, 8, 30, 6, 38, 35, 766435600, time.UTC), "2020-08-30T06:38:35.7664356Z"},
		{time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC), "2026-11-26T10:00:00.0000000Z"},
		{time.Date(2026, 11, 26, 10, 0, 0, 100, time.UTC), "2026-11-26T10:00:00.0000001Z"},
		{time.Date(2026, 11, 26, 11, 0, 0, 0, time.FixedZone("CET", 3600)), "2026-11-26T10:00:00.0000000Z"},
	}
	for _, tt := range tests {
		if got := formatDatetime(tt.in); got != tt.want {
			t.Errorf("formatDatetime(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseDatetimeLiteral(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "2026-11-26T10:00:00.1234567Z", want: time.Date(2026, 11, 26, 10, 0, 0, 123456700, time.UTC)},
		{in: "2026-11-26T10:00:00.0000001Z", want: time.Date(2026, 11, 26, 10, 0, 0, 100, time.UTC)},
		{in: "2026-11-26T10:00:00.123456789Z", want: time.Date(2026, 11, 26, 10, 0, 0, 123456700, time.UTC)},
		{in: "2026-11-26T11:00:00+01:00", want: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)},
		{in: "2026-11-26 10:00:00", want: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)},
		{in: "2026-11-26", want: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)},
		{in: `"2026-11-26T10:00:00Z"`, want: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)},
		{in: "yesterday", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseDatetimeLiteral(tt.in)
		if (err != nil) != tt.wantErr || !got.Equal(tt.want) {
			t.Errorf("parseDatetimeLiteral(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestFormatTimespanMatchesDotNet(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "00:00:00"},
		{time.Minute, "00:01:00"},
		{26*time.Hour + 3*time.Minute + 4*time.Second + 567*time.Millisecond, "1.02:03:04.5670000"},
		{tick, "00:00:00.0000001"},
		{-90 * time.Second, "-00:01:30"},
	}
	for _, tt := range tests {
		if got := formatTimespan(tt.in); got != tt.want {
			t.Errorf("formatTimespan(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParseTimespanLiteral(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "1h", want: time.Hour},
		{in: "1.5h", want: 90 * time.Minute},
		{in: "100ms", want: 100 * time.Millisecond},
		{in: "30d", want: 30 * 24 * time.Hour},
		{in: "7tick", want: 700 * time.Nanosecond},
		{in: "5parsecs", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseTimespanLiteral(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseTimespanLiteral(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestTicksRoundTrip(t *testing.T) {
	for _, at := range []time.Time{
		time.Date(2026, 11, 26, 10, 0, 0, 123456700, time.UTC),
		time.Date(1969, 12, 31, 23, 59, 59, 999999900, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got := timeOfTicks(ticksOf(at)); !got.Equal(at) {
			t.Errorf("timeOfTicks(ticksOf(%v)) = %v", at, got)
		}
	}
	if ticksOf(time.Unix(0, 199)) != 1 {
		t.Errorf("ticksOf must round down to whole ticks")
	}
}

func TestFloorAndCeilDivision(t *testing.T) {
	tests := []struct{ a, b, floor, ceil int64 }{
		{7, 2, 3, 4},
		{-7, 2, -4, -3},
		{6, 2, 3, 3},
		{-6, 2, -3, -3},
		{0, 5, 0, 0},
	}
	for _, tt := range tests {
		if got := floorDiv(tt.a, tt.b); got != tt.floor {
			t.Errorf("floorDiv(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.floor)
		}
		if got := ceilDiv(tt.a, tt.b); got != tt.ceil {
			t.Errorf("ceilDiv(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.ceil)
		}
	}
}
