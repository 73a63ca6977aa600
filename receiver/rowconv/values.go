package rowconv

import (
	"math"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
)

// asText is the string a value that did not fit its column is kept as: strings and numbers as
// their exact text, objects and arrays as their JSON text as sent.
func (c *Converter) asText(v value) string {
	switch v.kind {
	case jsonscan.String, jsonscan.Number:
		return c.str(v)
	case jsonscan.True:
		return "true"
	case jsonscan.False:
		return "false"
	default:
		return string(c.raw(v))
	}
}

// setTyped sets dst from the value v as kind k prescribes. It returns false when v did not fit k;
// the value is then kept as its text, since dropping data is worse than a loosely typed value.
func (c *Converter) setTyped(dst pcommon.Value, k kind, v value) bool {
	var text string // a string's contents or a number's literal
	if v.kind == jsonscan.String || v.kind == jsonscan.Number {
		text = c.str(v)
	}
	switch k {
	case kindString, kindGUID, kindTimespan:
		if v.kind == jsonscan.String {
			dst.SetStr(text)
			return true
		}
	case kindInt:
		if i, ok := intOf(v.kind, text); ok {
			dst.SetInt(i)
			return true
		}
	case kindDouble:
		if d, ok := doubleOf(v.kind, text); ok {
			setFinite(dst, d)
			return true
		}
	case kindBool:
		if b, ok := boolOf(v.kind, text); ok {
			dst.SetBool(b)
			return true
		}
	case kindDateTime:
		// The text is kept as sent: it carries 100 ns ticks, more than most consumers of a parsed
		// time would keep, and parsing only vets it.
		if v.kind == jsonscan.String {
			dst.SetStr(text)
			return isDateTime(text)
		}
	case kindDecimal:
		// A decimal has up to 34 significant digits: its exact text is kept, never a float64.
		switch v.kind {
		case jsonscan.Number:
			dst.SetStr(text)
			return true
		case jsonscan.String:
			dst.SetStr(text)
			return isNumberText(text)
		}
	case kindDynamic:
		c.setDynamic(dst, v)
		return true
	default: // kindUnknown
		c.setJSON(dst, v)
		return true
	}
	dst.SetStr(c.asText(v))
	return false
}

// intOf accepts a JSON number that is an exact integer, or a quoted integer (serialisers quote
// 64-bit integers for JavaScript's sake).
func intOf(kind jsonscan.Kind, text string) (int64, bool) {
	switch kind {
	case jsonscan.Number:
		return exactInt(text)
	case jsonscan.String:
		return parseIntLiteral(text)
	}
	return 0, false
}

// setFinite sets dst to the double d, or, for a NaN or an infinity, to the text the service writes
// for it ("NaN", "Infinity", "-Infinity"). JSON has no form for a non-finite number, so exporters
// that marshal records as JSON refuse them: the contrib splunk_hec exporter (goccy/go-json) fails
// the whole record and drops it for good. The text keeps the value and every record deliverable.
func setFinite(dst pcommon.Value, d float64) {
	switch {
	case math.IsNaN(d):
		dst.SetStr("NaN")
	case math.IsInf(d, 1):
		dst.SetStr("Infinity")
	case math.IsInf(d, -1):
		dst.SetStr("-Infinity")
	default:
		dst.SetDouble(d)
	}
}

// doubleOf accepts a JSON number, and the texts Kusto writes for reals JSON cannot express, as
// NaN and infinities: the event id's canonical form (appendCanonical) reads them so; setFinite
// turns them back into text for the record.
func doubleOf(kind jsonscan.Kind, text string) (float64, bool) {
	switch kind {
	case jsonscan.Number:
		return parseFloat(text)
	case jsonscan.String:
		switch {
		case strings.EqualFold(text, "NaN"):
			return math.NaN(), true
		case strings.EqualFold(text, "Infinity"):
			return math.Inf(1), true
		case strings.EqualFold(text, "-Infinity"):
			return math.Inf(-1), true
		}
	}
	return 0, false
}

// boolOf accepts true/false, the numbers 0 and 1, and those four as text in any case, since bool
// columns travel as SByte in some clients.
func boolOf(kind jsonscan.Kind, text string) (bool, bool) {
	switch kind {
	case jsonscan.True, jsonscan.False:
		return kind == jsonscan.True, true
	case jsonscan.Number:
		if i, ok := exactInt(text); ok && (i == 0 || i == 1) {
			return i == 1, true
		}
	case jsonscan.String:
		switch {
		case text == "1" || strings.EqualFold(text, "true"):
			return true, true
		case text == "0" || strings.EqualFold(text, "false"):
			return false, true
		}
	}
	return false, false
}
