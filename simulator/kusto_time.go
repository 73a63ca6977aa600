package simulator

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kusto keeps time in 100-ns ticks. Every timestamp the simulator stores,
// compares or prints is a whole number of ticks: comparing in a coarser unit
// would move events across a query window's edge.
const tick = 100 * time.Nanosecond

const ticksPerSecond = int64(time.Second / tick)

// ticksOf returns t as ticks since the Unix epoch, rounding down.
func ticksOf(t time.Time) int64 {
	return t.Unix()*ticksPerSecond + int64(t.Nanosecond())/int64(tick)
}

// timeOfTicks is the inverse of ticksOf.
func timeOfTicks(ticks int64) time.Time {
	return time.Unix(floorDiv(ticks, ticksPerSecond), floorMod(ticks, ticksPerSecond)*int64(tick)).UTC()
}

// kustoDatetimeLayout prints exactly seven fractional digits, as the service does.
const kustoDatetimeLayout = "2006-01-02T15:04:05.0000000Z"

func formatDatetime(t time.Time) string {
	return t.UTC().Format(kustoDatetimeLayout)
}

// datetimeLiteralLayouts are the forms accepted inside datetime(...). Go's
// parser takes any number of fractional digits after the seconds.
var datetimeLiteralLayouts = []string{
	time.RFC3339,
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04",
	"2006-01-02",
}

// parseDatetimeLiteral parses the text inside datetime(...). Times without a
// zone are UTC, as in Kusto. Digits past the seventh fractional digit cannot
// be represented in Kusto and are dropped.
func parseDatetimeLiteral(text string) (time.Time, error) {
	text = strings.Trim(strings.TrimSpace(text), `"'`)
	for _, layout := range datetimeLiteralLayouts {
		if t, err := time.Parse(layout, text); err == nil {
			return t.UTC().Truncate(tick), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid datetime %q", text)
}

// formatTimespan prints d like .NET's TimeSpan "c" format, which is what
// Kusto returns: [-][d.]hh:mm:ss[.fffffff], fraction only when non-zero.
func formatTimespan(d time.Duration) string {
	var b strings.Builder
	ticks := int64(d / tick)
	if ticks < 0 {
		b.WriteByte('-')
		ticks = -ticks
	}
	seconds, fraction := ticks/ticksPerSecond, ticks%ticksPerSecond
	days := seconds / 86400
	if days > 0 {
		fmt.Fprintf(&b, "%d.", days)
	}
	fmt.Fprintf(&b, "%02d:%02d:%02d", seconds/3600%24, seconds/60%60, seconds%60)
	if fraction > 0 {
		fmt.Fprintf(&b, ".%07d", fraction)
	}
	return b.String()
}

// timespanUnits are the suffixes of Kusto timespan literals such as 1h or 100ms.
var timespanUnits = map[string]time.Duration{
	"d": 24 * time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour,
	"h": time.Hour, "hr": time.Hour, "hrs": time.Hour, "hour": time.Hour, "hours": time.Hour,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute, "minutes": time.Minute,
	"s": time.Second, "sec": time.Second, "second": time.Second, "seconds": time.Second,
	"ms": time.Millisecond, "milli": time.Millisecond, "millis": time.Millisecond,
	"millisecond": time.Millisecond, "milliseconds": time.Millisecond,
	"microsecond": time.Microsecond, "microseconds": time.Microsecond,
	"tick": tick, "ticks": tick,
}

// parseTimespanLiteral parses a number followed by a unit, e.g. "1.5h".
func parseTimespanLiteral(text string) (time.Duration, error) {
	split := strings.IndexFunc(text, func(r rune) bool { return r != '.' && r != '-' && (r < '0' || r > '9') })
	if split <= 0 {
		return 0, fmt.Errorf("invalid timespan %q", text)
	}
	unit, ok := timespanUnits[text[split:]]
	if !ok {
		return 0, fmt.Errorf("invalid timespan unit in %q", text)
	}
	number, err := strconv.ParseFloat(text[:split], 64)
	if err != nil {
		return 0, fmt.Errorf("invalid timespan %q: %w", text, err)
	}
	return time.Duration(number * float64(unit)).Truncate(tick), nil
}

// floorDiv divides rounding towards minus infinity; slot arithmetic needs it
// for times before a table's start.
func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 {
	return a - floorDiv(a, b)*b
}

func ceilDiv(a, b int64) int64 {
	return -floorDiv(-a, b)
}
