package rowconv

import (
	"time"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
)

// pow10 scales a fraction of n digits (index 9-n) to nanoseconds.
var pow10 = [...]int{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

// ParseDateTime parses an RFC 3339 date-time as the service writes it ("2020-08-30T06:38:35.7664356Z":
// 7 fractional digits, 100 ns ticks), also with 0 to 9 fractional digits, a numeric offset, or no
// zone at all (read as UTC, which is what Kusto datetimes are). It is hand-written rather than
// time.Parse because it runs once per row on the hot path, must take the zone-less form too, and
// must not allocate on failure. Every fractional digit is kept: rounding to a coarser unit would
// move events across query-window boundaries. The result is in UTC.
func ParseDateTime(s string) (time.Time, bool) {
	f, ok := readDateTime(s)
	if !ok {
		return time.Time{}, false
	}
	t := time.Date(f.year, time.Month(f.month), f.day, f.hour, f.minute, f.sec, f.nsec, time.UTC)
	if f.offset != 0 {
		t = t.Add(-time.Duration(f.offset) * time.Second)
	}
	return t, true
}

// isDateTime reports whether ParseDateTime accepts s. It vets the values of datetime columns,
// which are kept as text: building their time.Time as well cost more than reading the fields.
func isDateTime(s string) bool {
	_, ok := readDateTime(s)
	return ok
}

// dateTimeFields are a date-time's fields as written, each within its range.
type dateTimeFields struct {
	year, month, day, hour, minute, sec, nsec int
	offset                                    int // seconds east of UTC
}

// readDateTime reads the fields of a date-time in the forms ParseDateTime accepts.
func readDateTime(s string) (dateTimeFields, bool) {
	var f dateTimeFields
	// "2006-01-02T15:04:05" is the shortest accepted form.
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' {
		return f, false
	}
	// RFC 3339 allows a lower-case t and, in its note on readability, a space.
	if c := s[10]; c != 'T' && c != 't' && c != ' ' {
		return f, false
	}
	century, ok1 := twoDigits(s, 0)
	year, ok2 := twoDigits(s, 2)
	f.year = century*100 + year
	var ok3, ok4, ok5, ok6, ok7 bool
	f.month, ok3 = twoDigits(s, 5)
	f.day, ok4 = twoDigits(s, 8)
	f.hour, ok5 = twoDigits(s, 11)
	f.minute, ok6 = twoDigits(s, 14)
	f.sec, ok7 = twoDigits(s, 17)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || !ok7 {
		return f, false
	}
	if f.month < 1 || f.month > 12 || f.day < 1 || f.day > daysIn(f.month, f.year) || f.hour > 23 || f.minute > 59 || f.sec > 59 {
		return f, false
	}

	rest := s[19:]
	if len(rest) > 0 && rest[0] == '.' {
		n, frac := 1, 0
		for n < len(rest) && jsonscan.IsDigit(rest[n]) {
			frac = frac*10 + int(rest[n]-'0') // past 9 digits it may overflow, and is refused
			n++
		}
		digits := n - 1
		if digits == 0 || digits > 9 {
			return f, false
		}
		f.nsec = frac * pow10[9-digits]
		rest = rest[n:]
	}

	switch {
	case rest == "", rest == "Z", rest == "z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, okh := twoDigits(rest, 1)
		om, okm := twoDigits(rest, 4)
		if !okh || !okm || oh > 23 || om > 59 {
			return f, false
		}
		f.offset = oh*3600 + om*60
		if rest[0] == '-' {
			f.offset = -f.offset
		}
	default:
		return f, false
	}
	return f, true
}

// twoDigits reads the two ASCII digits at s[i:i+2].
func twoDigits(s string, i int) (int, bool) {
	hi, lo := s[i]-'0', s[i+1]-'0' // a byte below '0' wraps around past 9
	return int(hi)*10 + int(lo), hi <= 9 && lo <= 9
}

// daysIn is the number of days of a month (1..12) in the proleptic Gregorian calendar.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	default:
		return 31
	}
}
