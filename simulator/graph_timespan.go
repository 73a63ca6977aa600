package simulator

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// readTimespan returns the timestamps that a Graph request's Timespan lets
// the query see. Without one (absent, null or empty) Graph queries the 30
// days the data reach, which is every event there is.
func readTimespan(raw json.RawMessage, now time.Time) (tickRange, *huntingFailure) {
	var text *string
	if raw != nil && json.Unmarshal(raw, &text) != nil {
		return tickRange{}, badTimespan(string(raw), errors.New("not a string"))
	}
	if text == nil || *text == "" {
		return allTime, nil
	}
	r, err := parseTimespan(*text, now)
	if err != nil {
		return tickRange{}, badTimespan(*text, err)
	}
	return r, nil
}

func badTimespan(text string, err error) *huntingFailure {
	return &huntingFailure{status: http.StatusBadRequest, code: "BadRequest", message: fmt.Sprintf(
		"Invalid Timespan '%s': %v. Use an ISO 8601 time interval: start/end, duration/end, start/duration, a duration such as P30D, or a start time.", text, err)}
}

// parseTimespan reads an ISO 8601 time interval in the forms Graph
// documents: start/end, duration/end, start/duration, a duration that ends
// now, or a start time. The range includes both ends, and one that ends now
// has no upper bound, since no event is later than now: clients pad the
// interval they send, and the range must never be narrower than it.
func parseTimespan(text string, now time.Time) (tickRange, error) {
	first, second, isPair := strings.Cut(text, "/")
	var start, end time.Time
	var err error
	if !isPair {
		if isISODuration(first) {
			var d time.Duration
			d, err = parseISODuration(first)
			start = now.Add(-d)
		} else {
			start, err = parseTimespanTime(first)
		}
		if err != nil {
			return tickRange{}, err
		}
		return tickRange{ticksOf(start), allTime.hi}, nil
	}
	switch {
	case isISODuration(first) && isISODuration(second):
		return tickRange{}, errors.New("two durations name no time")
	case isISODuration(first):
		var d time.Duration
		if d, err = parseISODuration(first); err == nil {
			end, err = parseTimespanTime(second)
			start = end.Add(-d)
		}
	case isISODuration(second):
		var d time.Duration
		if d, err = parseISODuration(second); err == nil {
			start, err = parseTimespanTime(first)
			end = start.Add(d)
		}
	default:
		if start, err = parseTimespanTime(first); err == nil {
			end, err = parseTimespanTime(second)
		}
	}
	if err != nil {
		return tickRange{}, err
	}
	if end.Before(start) {
		return tickRange{}, errors.New("the interval ends before it starts")
	}
	// Rounding both ends down to whole ticks loses no event: events are
	// whole ticks, and an event at or before end is at or before its tick.
	return tickRange{ticksOf(start), ticksOf(end)}, nil
}

// parseTimespanTime reads one end of an interval: ISO 8601, UTC unless a
// zone is given.
func parseTimespanTime(text string) (time.Time, error) {
	if text == "" {
		return time.Time{}, errors.New("an end of the interval is missing")
	}
	return parseDatetimeLiteral(text)
}

func isISODuration(text string) bool { return strings.HasPrefix(text, "P") }

// isoDurationPattern matches PnYnMnWnDTnHnMnS, every part optional; only
// seconds may have a fraction. Counts of calendar units are short, so that
// converting them to hours cannot overflow.
var isoDurationPattern = regexp.MustCompile(`^P(?:(\d{1,6})Y)?(?:(\d{1,6})M)?(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$`)

// Calendar units at their longest: a month or year read as fewer days
// would name a narrower interval than the client may mean.
const (
	daysPerYear  = 366
	daysPerMonth = 31
	daysPerWeek  = 7
)

// parseISODuration reads an ISO 8601 duration such as P30D or PT1H30M.
func parseISODuration(text string) (time.Duration, error) {
	parts := isoDurationPattern.FindStringSubmatch(text)
	if parts == nil || text == "P" || strings.HasSuffix(text, "T") {
		return 0, fmt.Errorf("invalid duration %q", text)
	}
	days := 0
	for i, perUnit := range []int{daysPerYear, daysPerMonth, daysPerWeek, 1} {
		if parts[1+i] != "" {
			n, _ := strconv.Atoi(parts[1+i]) // at most six digits
			days += n * perUnit
		}
	}
	orZero := func(s string) string { return cmp.Or(strings.ReplaceAll(s, ",", "."), "0") }
	d, err := time.ParseDuration(fmt.Sprintf("%dh%sh%sm%ss", days*24, orZero(parts[5]), orZero(parts[6]), orZero(parts[7])))
	if err != nil {
		return 0, fmt.Errorf("duration %q is too long", text)
	}
	return d, nil
}
