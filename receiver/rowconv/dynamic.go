package rowconv

import "go.opentelemetry.io/collector/pdata/pcommon"

// setDynamic sets a dynamic column's value. The service sends dynamic values both as nested JSON
// and as JSON text inside a string; a string that holds one JSON object or array is parsed so both
// arrive alike. Any other string (including text that fails to parse) is a legitimate dynamic
// string. Only the top level is parsed: strings inside the value stay strings.
func (c *Converter) setDynamic(dst pcommon.Value, f field) {
	if f.kind == jsonString && holdsContainer(f.raw) {
		c.setParsed(dst, f)
		return
	}
	c.setJSON(dst, f)
}

// holdsContainer reports whether text, after white space, starts like a JSON object or array.
func holdsContainer(text []byte) bool {
	s := scanner{data: text}
	next := s.next()
	return next == '{' || next == '['
}

// setJSON sets dst by f's JSON kind alone: the rule for dynamic values, for columns whose Schema
// type is unknown and for row members absent from the Schema. No value is a mismatch here.
func (c *Converter) setJSON(dst pcommon.Value, f field) {
	switch f.kind {
	case jsonString:
		dst.SetStr(f.text)
	case jsonNumber:
		setNumber(dst, f.text)
	case jsonTrue, jsonFalse:
		dst.SetBool(f.kind == jsonTrue)
	default: // objects and arrays, whose text was checked when the row was read
		c.setParsed(dst, f)
	}
}

// setParsed sets dst from f.raw, the text of one JSON value, or to f's text when f.raw is not
// exactly one JSON value.
func (c *Converter) setParsed(dst pcommon.Value, f field) {
	c.nested.reset(f.raw)
	if c.nested.walk(dst, true, 0) == nil && c.nested.end() == nil {
		return
	}
	dst.SetStr(f.asText())
}

// setNumber sets dst from a JSON number literal. A number is an Int when its text is an integer
// literal that fits int64, else a Double. The literal form, not the value, decides: Kusto writes
// a real 1 inside a dynamic as 1.0, and keeping that a Double keeps a property's type stable from
// row to row.
func setNumber(dst pcommon.Value, literal string) {
	if i, ok := parseIntLiteral(literal); ok {
		dst.SetInt(i)
	} else if d, ok := parseFloat(literal); ok {
		dst.SetDouble(d)
	} else {
		// Beyond float64's range: keep the exact text rather than an infinity never sent.
		dst.SetStr(literal)
	}
}
