package rowconv

import (
	"cmp"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
)

// setDynamic sets a dynamic column's value. The service sends dynamic values both as nested JSON
// and as JSON text inside a string; a string that holds one JSON object or array is parsed so both
// arrive alike. Any other string (including text that fails to parse) is a legitimate dynamic
// string. Only the top level is parsed: strings inside the value stay strings.
func (c *Converter) setDynamic(dst pcommon.Value, v value) {
	if v.kind == jsonscan.String && holdsContainer(c.raw(v)) {
		c.setParsed(dst, v)
		return
	}
	c.setJSON(dst, v)
}

// holdsContainer reports whether text, after white space, starts like a JSON object or array.
func holdsContainer(text []byte) bool {
	var s jsonscan.Scanner
	s.Reset(text)
	next := s.Next()
	return next == '{' || next == '['
}

// setJSON sets dst by v's JSON kind alone: the rule for dynamic values, for columns whose Schema
// type is unknown and for row members absent from the Schema. No value is a mismatch here.
func (c *Converter) setJSON(dst pcommon.Value, v value) {
	switch v.kind {
	case jsonscan.String:
		dst.SetStr(c.str(v))
	case jsonscan.Number:
		setNumber(dst, c.str(v))
	case jsonscan.True, jsonscan.False:
		dst.SetBool(v.kind == jsonscan.True)
	default: // objects and arrays, whose text was checked when the row was read
		c.setParsed(dst, v)
	}
}

// setParsed sets dst from v's raw text, that of one JSON value, or to v's text when the raw text
// is not exactly one JSON value.
func (c *Converter) setParsed(dst pcommon.Value, v value) {
	c.nested.Reset(c.raw(v))
	if c.build(dst, 0) == nil && c.nested.End() == nil {
		return
	}
	dst.SetStr(c.asText(v))
}

// build reads the JSON value at the nested scanner's position into dst by its JSON kind alone (see
// setNumber for numbers).
func (c *Converter) build(dst pcommon.Value, depth int) error {
	s := &c.nested
	switch ch := s.Next(); {
	case ch == '{':
		return c.buildObject(dst.SetEmptyMap(), depth+1)
	case ch == '[':
		return c.buildArray(dst.SetEmptySlice(), depth+1)
	case ch == '"':
		var err error
		if c.scratch, err = s.ReadString(c.scratch[:0], true); err == nil {
			dst.SetStr(string(c.scratch))
		}
		return err
	case ch == '-' || jsonscan.IsDigit(ch):
		lit, err := s.ReadNumber()
		if err == nil {
			setNumber(dst, string(lit))
		}
		return err
	default:
		kind, err := s.ReadLiteral()
		if kind == jsonscan.True || kind == jsonscan.False {
			dst.SetBool(kind == jsonscan.True)
		}
		// A null inside a value is kept as an empty value: it is part of the value, unlike a
		// null column, which is omitted.
		return err
	}
}

// buildObject reads an object's members into m, in order; a repeated name keeps its first place
// and its last value (null included), as pcommon.Map.PutEmpty gives; encoding/json too lets the
// last win. Members go in by PutEmpty while m holds fewer than wideKeys keys; past that, since
// PutEmpty searches the whole map, the rest are gathered, their values built, and laid down at the
// end in one go (putKeys), in the same order.
func (c *Converter) buildObject(m pcommon.Map, depth int) error {
	var wide *wideObject
	err := c.buildContainer('{', '}', depth, func() error {
		var err error
		if c.scratch, err = c.nested.ReadString(c.scratch[:0], true); err != nil {
			return err
		}
		name := string(c.scratch)
		if err := c.nested.Consume(':'); err != nil {
			return err
		}
		if wide == nil && m.Len() < wideKeys {
			return c.build(m.PutEmpty(name), depth)
		}
		if wide == nil {
			wide = &wideObject{values: pcommon.NewSlice()}
		}
		wide.names = append(wide.names, name)
		return c.build(wide.values.AppendEmpty(), depth)
	})
	if err != nil || wide == nil {
		return err
	}
	for j, dst := range putKeys(m, wide.names) {
		wide.values.At(j).MoveTo(dst) // in order: a repeated name's last value wins
	}
	return nil
}

// wideObject holds the members of an object past its first wideKeys, until they are laid down.
type wideObject struct {
	names  []string
	values pcommon.Slice
}

func (c *Converter) buildArray(list pcommon.Slice, depth int) error {
	return c.buildContainer('[', ']', depth, func() error { return c.build(list.AppendEmpty(), depth) })
}

// buildContainer reads an object or array at the given depth, calling each for every member or
// element.
func (c *Converter) buildContainer(opening, closing byte, depth int, each func() error) error {
	s := &c.nested
	if err := c.enter(depth, opening); err != nil || s.Next() == closing {
		return cmp.Or(err, s.Consume(closing))
	}
	for more := true; more; {
		if err := each(); err != nil {
			return err
		}
		var err error
		if more, err = s.Separator(closing); err != nil {
			return err
		}
	}
	return nil
}

// enter reads the opening delimiter of an object or array at the given depth.
func (c *Converter) enter(depth int, opening byte) error {
	if depth > jsonscan.MaxDepth {
		return c.nested.Errorf("nested deeper than %d", jsonscan.MaxDepth)
	}
	return c.nested.Consume(opening)
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
