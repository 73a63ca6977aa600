package huntingapi

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestParseRetryAfter reads Retry-After in both its forms (seconds, an HTTP date) and checks that
// no value pauses longer than MaxRetryAfter: not a century's worth of seconds, not more seconds
// than a time.Duration holds (which must not wrap around to a negative or short pause), not a date
// far in the future.
func TestParseRetryAfter(t *testing.T) {
	now := time.Now()
	date := func(d time.Duration) string { return now.Add(d).UTC().Format(http.TimeFormat) }
	tests := []struct {
		name     string
		header   string
		min, max time.Duration // the pause must lie within [min, max]
		cut      bool          // the header asked for longer than MaxRetryAfter
	}{
		{name: "none", header: ""},
		{name: "seconds", header: "17", min: 17 * time.Second, max: 17 * time.Second},
		{name: "seconds with white space", header: " 17 ", min: 17 * time.Second, max: 17 * time.Second},
		{name: "zero seconds", header: "0"},
		{name: "the maximum", header: "900", min: 15 * time.Minute, max: 15 * time.Minute},
		{name: "a second over the maximum", header: "901", min: 15 * time.Minute, max: 15 * time.Minute, cut: true},
		{name: "a century of seconds", header: "3153600000", min: 15 * time.Minute, max: 15 * time.Minute, cut: true},
		{name: "more seconds than a Duration holds", header: "9300000000", min: 15 * time.Minute, max: 15 * time.Minute, cut: true},
		{name: "more seconds than an int64 holds", header: "99999999999999999999999", min: 15 * time.Minute, max: 15 * time.Minute, cut: true},
		{name: "negative seconds", header: "-5"},
		{name: "a sign is not a delay-seconds", header: "+5"},
		{name: "fractional seconds", header: "1.5"},
		{name: "garbage", header: "soon"},
		{name: "HTTP date in 30 s", header: date(30 * time.Second), min: 28 * time.Second, max: 30 * time.Second},
		{name: "HTTP date in an hour", header: date(time.Hour), min: 15 * time.Minute, max: 15 * time.Minute, cut: true},
		{name: "HTTP date in year 9999", header: "Fri, 31 Dec 9999 23:59:59 GMT", min: 15 * time.Minute, max: 15 * time.Minute, cut: true},
		{name: "HTTP date in the past", header: date(-time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut := parseRetryAfter(tt.header)
			assert.GreaterOrEqual(t, got, tt.min)
			assert.LessOrEqual(t, got, tt.max)
			assert.Equal(t, tt.cut, cut, "cut")
		})
	}
	assert.Equal(t, 15*time.Minute, MaxRetryAfter, "the CPU quota cycle")
}

// TestReadErrorKeepsTheRetryAfterItCut: an *Error holds the wait it applies and, when that was cut
// to MaxRetryAfter, the header it was cut from, for the logs.
func TestReadErrorKeepsTheRetryAfterItCut(t *testing.T) {
	tests := []struct {
		name          string
		header        string
		wantWait      time.Duration
		wantHeader    string
		wantRequested string
	}{
		{"none", "", 0, "", "0s"},
		{"within the maximum", "120", 2 * time.Minute, "", "2m0s"},
		{"a century of seconds", "3153600000", MaxRetryAfter, "3153600000", "3153600000s"},
		{"beyond int64", "99999999999999999999999", MaxRetryAfter, "99999999999999999999999", "99999999999999999999999s"},
		{"a date far ahead", "Fri, 31 Dec 9999 23:59:59 GMT", MaxRetryAfter, "Fri, 31 Dec 9999 23:59:59 GMT", "Fri, 31 Dec 9999 23:59:59 GMT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}, Body: http.NoBody}
			if tt.header != "" {
				resp.Header.Set("Retry-After", tt.header)
			}
			e := readError(resp)
			assert.Equal(t, tt.wantWait, e.RetryAfter)
			assert.Equal(t, tt.wantHeader, e.RetryAfterHeader)
			assert.Equal(t, tt.wantRequested, e.RetryAfterRequested())
		})
	}
}
