package simulator

import (
	"strings"
	"testing"
	"time"
)

func TestParseTimespan(t *testing.T) {
	at := func(text string) int64 {
		t.Helper()
		parsed, err := time.Parse(time.RFC3339Nano, text)
		if err != nil {
			t.Fatal(err)
		}
		return ticksOf(parsed)
	}
	day := int64(24 * time.Hour / tick)
	now := ticksOf(testNow)
	tests := []struct {
		text string
		want tickRange
		err  string
	}{
		{text: "2026-11-26T09:00:00Z/2026-11-26T10:00:00Z", want: tickRange{at("2026-11-26T09:00:00Z"), at("2026-11-26T10:00:00Z")}},
		{text: "2026-11-26T09:00:00.1234567Z/2026-11-26T09:30:00.12345678Z", want: tickRange{at("2026-11-26T09:00:00.1234567Z"), at("2026-11-26T09:30:00.1234567Z")}},
		{text: "2026-11-26T10:00:00+01:00/2026-11-26T09:30:00", want: tickRange{at("2026-11-26T09:00:00Z"), at("2026-11-26T09:30:00Z")}},
		{text: "2026-11-20/2026-11-21", want: tickRange{at("2026-11-20T00:00:00Z"), at("2026-11-21T00:00:00Z")}},
		{text: "P30D/2026-11-26T10:00:00Z", want: tickRange{now - 30*day, now}},
		{text: "2026-11-01T00:00:00Z/P30D", want: tickRange{at("2026-11-01T00:00:00Z"), at("2026-12-01T00:00:00Z")}},
		{text: "P30D", want: tickRange{now - 30*day, allTime.hi}},
		{text: "PT1H30M", want: tickRange{now - int64(90*time.Minute/tick), allTime.hi}},
		{text: "PT0.5S", want: tickRange{now - int64(500*time.Millisecond/tick), allTime.hi}},
		{text: "PT1,5S", want: tickRange{now - int64(1500*time.Millisecond/tick), allTime.hi}},
		{text: "P1DT2H", want: tickRange{now - day - int64(2*time.Hour/tick), allTime.hi}},
		{text: "P2W", want: tickRange{now - 14*day, allTime.hi}},
		// Calendar units at their longest: never a narrower range than meant.
		{text: "P1M", want: tickRange{now - 31*day, allTime.hi}},
		{text: "P1Y", want: tickRange{now - 366*day, allTime.hi}},
		{text: "2026-11-26T09:00:00Z", want: tickRange{at("2026-11-26T09:00:00Z"), allTime.hi}},
		{text: "2026-11-26T10:00:00Z/2026-11-26T10:00:00Z", want: tickRange{now, now}},

		{text: "yesterday", err: `invalid datetime "yesterday"`},
		{text: "P", err: `invalid duration "P"`},
		{text: "PT", err: `invalid duration "PT"`},
		{text: "P1DT", err: `invalid duration "P1DT"`},
		{text: "P1H", err: `invalid duration "P1H"`},
		{text: "PT1D", err: `invalid duration "PT1D"`},
		{text: "P-1D", err: `invalid duration "P-1D"`},
		{text: "P1.5D", err: `invalid duration "P1.5D"`},
		{text: "P999999D", err: `duration "P999999D" is too long`},
		{text: "P1D/P2D", err: "two durations name no time"},
		{text: "2026-11-26T10:00:00Z/2026-11-26T09:00:00Z", err: "the interval ends before it starts"},
		{text: "2026-11-26T10:00:00Z/", err: "an end of the interval is missing"},
		{text: "/2026-11-26T10:00:00Z", err: "an end of the interval is missing"},
		{text: "2026-11-26T09:00:00Z/2026-11-26T10:00:00Z/P1D", err: "invalid datetime"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := parseTimespan(tt.text, testNow)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("got %v, %v; want an error containing %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}
