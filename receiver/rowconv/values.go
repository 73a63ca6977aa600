package rowconv

import (
	"math"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
)

// field is one non-null value of a row, ready for typing.
type field struct {
	kind jsonscan.Kind
	// text is a string's contents or a number's literal.
	text string
	// raw is a string's contents (for dynamic values that hold JSON text) or an object's or
	// array's JSON text.
	raw []byte
}

// asText is the string a value that did not fit its column is kept as: strings and numbers as
// their exact text, objects and arrays as their JSON text as sent.
func (f field) asText() string {
	switch f.kind {
	case jsonscan.String, jsonscan.Number:
		return f.text
	case jsonscan.True:
		return "true"
	case jsonscan.False:
		return "false"
	default:
		return string(f.raw)
	}
}

// setTyped sets dst from f as kind k prescribes. It returns false when f did not fit k; the value
// is then kept as its text, since dropping data is worse than a loosely typed value.
func (c *Converter) setTyped(dst pcommon.Value, k kind, f field) bool {
	switch k {
	case kindString, kindGUID, kindTimespan:
		if f.kind == jsonscan.String {
			dst.SetStr(f.text)
			return true
		}
	case kindInt:
		if i, ok := intOf(f); ok {
			dst.SetInt(i)
			return true
		}
	case kindDouble:
		if d, ok := doubleOf(f); ok {
			dst.SetDouble(d)
			return true
		}
	case kindBool:
		if b, ok := boolOf(f); ok {
			dst.SetBool(b)
			return true
		}
	case kindDateTime:
		// The text is kept as sent: it carries 100 ns ticks, more than most consumers of a parsed
		// time would keep, and parsing only vets it.
		if f.kind == jsonscan.String {
			dst.SetStr(f.text)
			_, valid := ParseDateTime(f.text)
			return valid
		}
	case kindDecimal:
		// A decimal has up to 34 significant digits: its exact text is kept, never a float64.
		switch f.kind {
		case jsonscan.Number:
			dst.SetStr(f.text)
			return true
		case jsonscan.String:
			dst.SetStr(f.text)
			return isNumberText(f.text)
		}
	case kindDynamic:
		c.setDynamic(dst, f)
		return true
	default: // kindUnknown
		c.setJSON(dst, f)
		return true
	}
	dst.SetStr(f.asText())
	return false
}

// intOf accepts a JSON number that is an exact integer, or a quoted integer (serialisers quote
// 64-bit integers for JavaScript's sake).
func intOf(f field) (int64, bool) {
	switch f.kind {
	case jsonscan.Number:
		return exactInt(f.text)
	case jsonscan.String:
		return parseIntLiteral(f.text)
	}
	return 0, false
}

// doubleOf accepts a JSON number, and the texts Kusto writes for reals JSON cannot express.
func doubleOf(f field) (float64, bool) {
	switch f.kind {
	case jsonscan.Number:
		return parseFloat(f.text)
	case jsonscan.String:
		switch {
		case strings.EqualFold(f.text, "NaN"):
			return math.NaN(), true
		case strings.EqualFold(f.text, "Infinity"):
			return math.Inf(1), true
		case strings.EqualFold(f.text, "-Infinity"):
			return math.Inf(-1), true
		}
	}
	return 0, false
}

// boolOf accepts true/false, the numbers 0 and 1, and those four as text in any case, since bool
// columns travel as SByte in some clients.
func boolOf(f field) (bool, bool) {
	switch f.kind {
	case jsonscan.True, jsonscan.False:
		return f.kind == jsonscan.True, true
	case jsonscan.Number:
		if i, ok := exactInt(f.text); ok && (i == 0 || i == 1) {
			return i == 1, true
		}
	case jsonscan.String:
		switch {
		case f.text == "1" || strings.EqualFold(f.text, "true"):
			return true, true
		case f.text == "0" || strings.EqualFold(f.text, "false"):
			return false, true
		}
	}
	return false, false
}
